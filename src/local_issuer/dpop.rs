//! DPoP at the token endpoint (RFC 9449 section 5; docs/dpop.md, "In the local issuer"): the one
//! place a token request's proof is checked. The check itself is the API's (`auth::dpop`), so the
//! issuer and the API agree on what a valid proof is; a proof is accepted once, in the API's
//! replay store type.

use std::time::SystemTime;

use actix_web::HttpRequest;
use actix_web::http::header;

use super::errors::TokenError;
use crate::auth::dpop::{
    DPOP_HEADER, MEMORY_CAPACITY, ProofError, ProofPolicy, ProofRequest, ReplayError, ReplayStore, check_proof,
};
use crate::auth::unix_seconds;

/// The path of the token endpoint, under the issuer.
pub(super) const TOKEN_PATH: &str = "oauth/token";

/// How token requests' proofs are checked, and the proofs already used.
pub(super) struct TokenProofs {
    policy: ProofPolicy,
    used: ReplayStore,
}

impl TokenProofs {
    /// Proofs checked under `policy` (the API's `DPOP_ALGORITHMS`, `DPOP_PROOF_SECONDS` and
    /// `CLOCK_SKEW_SECONDS`), each accepted once.
    pub(super) fn new(policy: ProofPolicy) -> Self {
        Self { policy, used: ReplayStore::memory(MEMORY_CAPACITY) }
    }

    /// The accepted proof algorithms, for discovery's `dpop_signing_alg_values_supported`.
    pub(super) fn algorithms(&self) -> Vec<&'static str> {
        self.policy.algorithms.iter().map(|alg| alg.name()).collect()
    }

    /// The thumbprint (`jkt`) of the key of the request's proof, `None` when it carries none.
    ///
    /// `htu` must be the token endpoint as discovery names it (`named`:
    /// `http://localhost:{port}/…`) or as the request reached it (`http://127.0.0.1:{port}/…`: the
    /// issuer answers on every loopback name, and `hello-client` calls it at `127.0.0.1`). No
    /// access token exists yet, so a proof naming one (`ath`) is not for this request.
    pub(super) async fn key_of(&self, request: &HttpRequest, named: &str) -> Result<Option<String>, TokenError> {
        let mut values = request.headers().get_all(DPOP_HEADER);
        let proof = match (values.next(), values.next()) {
            (None, _) => return Ok(None),
            (Some(_), Some(_)) => return Err(refused(ProofError::Multiple)),
            (Some(value), None) => value.to_str().map_err(|_| refused(ProofError::Malformed))?,
        };
        let now = unix_seconds(SystemTime::now());
        let check = |url: &str| {
            let expected = ProofRequest { method: request.method().as_str(), url, access_token: None, bound_key: None };
            check_proof(proof, &expected, &self.policy, now)
        };
        let reached = request.headers().get(header::HOST).and_then(|host| host.to_str().ok());
        let reached = reached.map(|host| format!("http://{host}/{TOKEN_PATH}"));
        let verified = match (check(named), reached) {
            (Err(ProofError::WrongUrl), Some(reached)) if reached != named => check(&reached),
            (result, _) => result,
        }
        .map_err(refused)?;
        if verified.names_a_token {
            return Err(TokenError::InvalidDpopProof("a proof sent to the token endpoint has no ath".into()));
        }
        self.used.remember(&verified, now).await.map_err(|err| match err {
            ReplayError::Reused => refused(ProofError::Reused),
            ReplayError::Unavailable { retry_after } => TokenError::Unavailable { retry_after },
        })?;
        Ok(Some(verified.jkt))
    }
}

fn refused(reason: ProofError) -> TokenError {
    TokenError::InvalidDpopProof(reason.to_string().into())
}

/// Whether `bound` (a code's `dpop_jkt`, a refresh token's key) is satisfied by the request's
/// proof key `jkt`; `what` names the bound thing in the refusal.
pub(super) fn same_key(bound: Option<&str>, jkt: Option<&str>, what: &'static str) -> Result<(), TokenError> {
    match bound {
        Some(bound) if Some(bound) != jkt => Err(not_its_key(jkt, what)),
        _ => Ok(()),
    }
}

/// The refusal of a request for something DPoP-bound (`what`) whose proof, from the key `jkt`,
/// is missing or from another key.
pub(super) fn not_its_key(jkt: Option<&str>, what: &'static str) -> TokenError {
    TokenError::InvalidDpopProof(match jkt {
        None => format!("{what} is DPoP-bound: send a proof made with its key").into(),
        Some(_) => format!("{what} is bound to another DPoP key").into(),
    })
}
