//! The API's DPoP rules for one request: which schemes the mode allows, the URL a proof must
//! name, the proof check, then the replay store. Built once at start-up and shared as app data.

use std::sync::Arc;
use std::time::SystemTime;

use actix_web::HttpRequest;
use actix_web::http::header;
use url::Url;

use super::error::ProofError;
use super::proof::{ProofPolicy, ProofRequest, check_proof};
use super::replay::{ReplayError, ReplayStore};
use crate::auth::claims::Claims;
use crate::auth::error::{AuthError, InvalidToken, Scheme};
use crate::auth::policy::unix_seconds;

/// `DPOP`: which schemes the API accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DpopMode {
    /// Bearer and DPoP both work (the default); a DPoP-bound token must come with its proof.
    Allowed,
    /// Only DPoP.
    Required,
    /// Only Bearer, as a server that knows no DPoP: a bound token sent as Bearer is accepted.
    Off,
}

/// Told the outcome of every proof check: `valid`, a [`ProofError::code`], or
/// `store_unavailable` (the metrics implement it; `auth` imports nothing above it).
pub(crate) trait DpopObserver: Send + Sync {
    /// One proof checked, with its outcome's stable code.
    fn proof_checked(&self, outcome: &'static str);
}

/// The API's DPoP settings and replay store.
pub(crate) struct Dpop {
    mode: DpopMode,
    policy: ProofPolicy,
    public_url: Option<Url>,
    store: Arc<ReplayStore>,
    algs: Arc<str>,
    observer: Option<Arc<dyn DpopObserver>>,
}

/// The request header that carries a proof (RFC 9449 section 4.1).
pub(crate) const DPOP_HEADER: header::HeaderName = header::HeaderName::from_static("dpop");

/// The proofs a request carries: every `DPoP` header value, or `None` when one is not text.
pub(crate) type Proofs = Option<Vec<String>>;

impl Dpop {
    /// DPoP in `mode`, checking proofs under `policy`; `public_url` (`PUBLIC_URL`) is the API's
    /// external base URL for `htu`, else `http://{Host}` of each request.
    pub(crate) fn new(mode: DpopMode, policy: ProofPolicy, public_url: Option<Url>, store: Arc<ReplayStore>) -> Self {
        let algs = policy.algorithms.iter().map(|alg| alg.name()).collect::<Vec<_>>().join(" ").into();
        Self { mode, policy, public_url, store, algs, observer: None }
    }

    /// Reports every proof check's outcome to `observer`.
    pub(crate) fn with_observer(mut self, observer: Arc<dyn DpopObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The mode.
    pub(crate) fn mode(&self) -> DpopMode {
        self.mode
    }

    /// The replay store (for `/health/ready`).
    pub(crate) fn store(&self) -> &Arc<ReplayStore> {
        &self.store
    }

    /// The challenge's `algs`, unless DPoP is off.
    pub(crate) fn offered_algs(&self) -> Option<Arc<str>> {
        (self.mode != DpopMode::Off).then(|| Arc::clone(&self.algs))
    }

    /// The URL a proof for `request` must name: `PUBLIC_URL` or `http://{Host}`, plus the path.
    pub(crate) fn request_url(&self, request: &HttpRequest) -> Option<String> {
        let path = request.path();
        match &self.public_url {
            Some(base) => Some(format!("{}{path}", base.as_str().trim_end_matches('/'))),
            None => {
                let host = request.headers().get(header::HOST)?.to_str().ok()?;
                Some(format!("http://{host}{path}"))
            }
        }
    }

    /// The request's `DPoP` header values.
    pub(crate) fn proofs(request: &HttpRequest) -> Proofs {
        request.headers().get_all(DPOP_HEADER).map(|value| value.to_str().ok().map(str::to_owned)).collect()
    }

    /// Whether a token presented with `scheme` and valid as `claims` may pass: the binding rules
    /// of the mode, then for DPoP the proof and the replay store.
    pub(crate) async fn admit(
        &self,
        scheme: Scheme,
        token: &str,
        claims: &Claims,
        proofs: Proofs,
        method: &str,
        url: Option<&str>,
    ) -> Result<(), AuthError> {
        let bound_key = claims.bound_key();
        match scheme {
            Scheme::Bearer if bound_key.is_some() && self.mode != DpopMode::Off => {
                Err(InvalidToken::BoundTokenAsBearer.into())
            }
            Scheme::Bearer => Ok(()),
            Scheme::Dpop => {
                let Some(bound_key) = bound_key else {
                    return Err(InvalidToken::NotDpopBound.into());
                };
                let result = self.check(token, bound_key, proofs, method, url).await;
                if let Some(observer) = &self.observer {
                    // `check` refuses only with `InvalidProof` or `ProofStoreUnavailable`: their
                    // codes are a proof error's code or `store_unavailable`.
                    observer.proof_checked(result.as_ref().map_or_else(AuthError::code, |()| "valid"));
                }
                result
            }
        }
    }

    async fn check(
        &self,
        token: &str,
        bound_key: &str,
        proofs: Proofs,
        method: &str,
        url: Option<&str>,
    ) -> Result<(), AuthError> {
        let proof = match proofs.as_deref() {
            None => return Err(AuthError::InvalidProof(ProofError::Malformed)),
            Some([]) => return Err(AuthError::InvalidProof(ProofError::Missing)),
            Some([proof]) => proof,
            Some(_) => return Err(AuthError::InvalidProof(ProofError::Multiple)),
        };
        let url = url.ok_or(AuthError::InvalidProof(ProofError::WrongUrl))?;
        let request = ProofRequest { method, url, access_token: Some(token), bound_key: Some(bound_key) };
        let now = unix_seconds(SystemTime::now());
        let verified = check_proof(proof, &request, &self.policy, now).map_err(AuthError::InvalidProof)?;
        self.store.remember(&verified, now).await.map_err(|err| match err {
            ReplayError::Reused => AuthError::InvalidProof(ProofError::Reused),
            ReplayError::Unavailable { retry_after } => AuthError::ProofStoreUnavailable { retry_after },
        })
    }
}
