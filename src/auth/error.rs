//! One error type for the authorization layer, mapped once to status, JSON body and challenge.

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;

use super::dpop::ProofError;

/// Why a token is not valid. Each variant has one fixed, short description for clients: it
/// never repeats the token, a claim value or an upstream error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InvalidToken {
    /// `Authorization` is not readable text, or appears more than once.
    #[error("authorization header is malformed")]
    MalformedHeader,
    /// Longer than the server accepts.
    #[error("token is too large")]
    TooLarge,
    /// Not three base64url segments, or a header or payload that is not a JSON object.
    #[error("token is malformed")]
    Malformed,
    /// `alg` missing, `none`, `HS*`, or not in `TOKEN_ALGORITHMS`.
    #[error("algorithm is not accepted")]
    AlgorithmNotAccepted,
    /// A `crit` header: no extension is understood.
    #[error("critical header parameters are not supported")]
    CriticalHeader,
    /// `typ` other than `JWT`, `at+jwt` or `application/at+jwt`.
    #[error("token type is not accepted")]
    WrongType,
    /// No `kid` in the header.
    #[error("token has no key id")]
    MissingKid,
    /// The `kid` is not in the issuer's key set.
    #[error("key id is unknown")]
    UnknownKid,
    /// The `kid`'s key does not fit the token's algorithm.
    #[error("key does not fit the algorithm")]
    KeyMismatch,
    /// The signature does not verify.
    #[error("signature is invalid")]
    BadSignature,
    /// `exp` missing.
    #[error("token has no expiry")]
    MissingExpiry,
    /// `exp` is past.
    #[error("token has expired")]
    Expired,
    /// `nbf` is in the future.
    #[error("token is not yet valid")]
    NotYetValid,
    /// `iat` is in the future.
    #[error("token is issued in the future")]
    IssuedInFuture,
    /// `iss` is not the expected issuer.
    #[error("issuer is not accepted")]
    WrongIssuer,
    /// `aud` holds no accepted audience.
    #[error("audience is not accepted")]
    WrongAudience,
    /// `tid` missing or not an allowed tenant.
    #[error("tenant is not allowed")]
    TenantNotAllowed,
    /// A registered claim or a permissions claim of the wrong type.
    #[error("claims are not usable")]
    UnusableClaims,
    /// Sent with the DPoP scheme, but the token has no `cnf.jkt`.
    #[error("token is not DPoP-bound")]
    NotDpopBound,
    /// A token with `cnf.jkt` sent with the Bearer scheme (unless `DPOP=off`).
    #[error("DPoP-bound token sent as Bearer")]
    BoundTokenAsBearer,
    /// A Bearer token while `DPOP=required`.
    #[error("DPoP proof required")]
    ProofRequired,
}

impl InvalidToken {
    /// Every variant, for tests and documentation.
    pub const ALL: [InvalidToken; 21] = [
        Self::MalformedHeader,
        Self::TooLarge,
        Self::Malformed,
        Self::AlgorithmNotAccepted,
        Self::CriticalHeader,
        Self::WrongType,
        Self::MissingKid,
        Self::UnknownKid,
        Self::KeyMismatch,
        Self::BadSignature,
        Self::MissingExpiry,
        Self::Expired,
        Self::NotYetValid,
        Self::IssuedInFuture,
        Self::WrongIssuer,
        Self::WrongAudience,
        Self::TenantNotAllowed,
        Self::UnusableClaims,
        Self::NotDpopBound,
        Self::BoundTokenAsBearer,
        Self::ProofRequired,
    ];

    /// The stable code (metric labels, logs): the phrase with `_` for spaces as it was when the
    /// label was first published, written out so that rewording a phrase is a deliberate change
    /// here, never a silent rename of a time series.
    pub fn code(self) -> &'static str {
        match self {
            Self::MalformedHeader => "authorization_header_is_malformed",
            Self::TooLarge => "token_is_too_large",
            Self::Malformed => "token_is_malformed",
            Self::AlgorithmNotAccepted => "algorithm_is_not_accepted",
            Self::CriticalHeader => "critical_header_parameters_are_not_supported",
            Self::WrongType => "token_type_is_not_accepted",
            Self::MissingKid => "token_has_no_key_id",
            Self::UnknownKid => "key_id_is_unknown",
            Self::KeyMismatch => "key_does_not_fit_the_algorithm",
            Self::BadSignature => "signature_is_invalid",
            Self::MissingExpiry => "token_has_no_expiry",
            Self::Expired => "token_has_expired",
            Self::NotYetValid => "token_is_not_yet_valid",
            Self::IssuedInFuture => "token_is_issued_in_the_future",
            Self::WrongIssuer => "issuer_is_not_accepted",
            Self::WrongAudience => "audience_is_not_accepted",
            Self::TenantNotAllowed => "tenant_is_not_allowed",
            Self::UnusableClaims => "claims_are_not_usable",
            Self::NotDpopBound => "token_is_not_DPoP-bound",
            Self::BoundTokenAsBearer => "DPoP-bound_token_sent_as_Bearer",
            Self::ProofRequired => "DPoP_proof_required",
        }
    }
}

/// An authorization failure, as the client will see it.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// No `Authorization` header, another scheme, or an empty token: 401 without an error code.
    #[error("requires authentication")]
    MissingToken,
    /// A token that is not valid: 401 `invalid_token`.
    #[error("invalid token: {0}")]
    InvalidToken(#[from] InvalidToken),
    /// A valid token without the permission: 403 `insufficient_scope`.
    #[error("insufficient scope: requires {0}")]
    InsufficientScope(&'static str),
    /// The signing keys cannot be had and none is cached for the token: 503.
    #[error("signing keys unavailable")]
    KeysUnavailable {
        /// Sent as `Retry-After`, in whole seconds.
        retry_after: Duration,
    },
    /// A DPoP proof that is not accepted: 401 `invalid_dpop_proof`.
    #[error("invalid DPoP proof: {0}")]
    InvalidProof(ProofError),
    /// The replay store is full or unreachable, so a proof cannot be accepted once: 503.
    #[error("DPoP replay store unavailable")]
    ProofStoreUnavailable {
        /// Sent as `Retry-After`, in whole seconds.
        retry_after: Duration,
    },
}

impl AuthError {
    /// The stable code of the refusal (logs, metric labels): an `InvalidToken::code`, a
    /// `ProofError::code`, or one of `missing_token`, `insufficient_scope`, `keys_unavailable`,
    /// `store_unavailable`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::InvalidToken(reason) => reason.code(),
            Self::InsufficientScope(_) => "insufficient_scope",
            Self::KeysUnavailable { .. } => "keys_unavailable",
            Self::InvalidProof(reason) => reason.code(),
            Self::ProofStoreUnavailable { .. } => "store_unavailable",
        }
    }
}

/// How a request presented its token: the scheme of the challenge a refusal carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// `Authorization: Bearer <token>`, or no token at all.
    Bearer,
    /// `Authorization: DPoP <token>` with a `DPoP` proof header.
    Dpop,
}

/// An [`AuthError`] with what its challenge depends on: the scheme the request used, and the
/// accepted proof algorithms (`None` with `DPOP=off`, when no DPoP challenge is offered).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Refusal {
    /// Why the request is refused.
    pub error: AuthError,
    /// The scheme the request used.
    pub scheme: Scheme,
    /// `DPOP_ALGORITHMS` as a challenge's `algs` value (space-separated), unless DPoP is off.
    pub dpop_algs: Option<std::sync::Arc<str>>,
}

/// The JSON error body, with its members in the order docs/contract.md, "Errors" shows them.
#[derive(Serialize)]
struct ErrorBody {
    message: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error_description: Option<String>,
}

impl ErrorBody {
    fn message(message: &'static str) -> Self {
        Self { message, error: None, error_description: None }
    }
}

const REALM: &str = r#"Bearer realm="api""#;

impl ResponseError for AuthError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::MissingToken | Self::InvalidToken(_) | Self::InvalidProof(_) => StatusCode::UNAUTHORIZED,
            Self::InsufficientScope(_) => StatusCode::FORBIDDEN,
            Self::KeysUnavailable { .. } | Self::ProofStoreUnavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn error_response(&self) -> HttpResponse {
        respond(self, Scheme::Bearer, None)
    }
}

impl ResponseError for Refusal {
    fn status_code(&self) -> StatusCode {
        self.error.status_code()
    }

    fn error_response(&self) -> HttpResponse {
        respond(&self.error, self.scheme, self.dpop_algs.as_deref())
    }
}

/// The one mapping of an error to status, body and challenges (docs/dpop.md, "Refusals").
fn respond(error: &AuthError, scheme: Scheme, dpop_algs: Option<&str>) -> HttpResponse {
    let mut response = HttpResponse::build(error.status_code());
    let mut challenge = |value: String| {
        response.append_header((header::WWW_AUTHENTICATE, value));
    };
    let dpop_offer = dpop_algs.map(|algs| format!(r#"DPoP algs="{algs}""#));
    // A challenge in the scheme the request used.
    let in_scheme = |params: String| match (scheme, dpop_algs) {
        (Scheme::Dpop, Some(algs)) => format!(r#"DPoP {params}, algs="{algs}""#),
        _ => format!("{REALM}, {params}"),
    };
    let body = match error {
        AuthError::MissingToken => {
            challenge(REALM.to_owned());
            dpop_offer.into_iter().for_each(&mut challenge);
            ErrorBody::message("Requires authentication")
        }
        AuthError::InvalidToken(reason) => {
            let params = format!(r#"error="invalid_token", error_description="{reason}""#);
            match reason {
                InvalidToken::BoundTokenAsBearer => {
                    challenge(format!("{REALM}, {params}"));
                    dpop_offer.into_iter().for_each(&mut challenge);
                }
                InvalidToken::ProofRequired => dpop_offer.into_iter().for_each(&mut challenge),
                _ => challenge(in_scheme(params)),
            }
            ErrorBody {
                message: "Bad credentials",
                error: Some("invalid_token"),
                error_description: Some(reason.to_string()),
            }
        }
        AuthError::InvalidProof(reason) => {
            let algs = dpop_algs.unwrap_or_default();
            challenge(format!(r#"DPoP error="invalid_dpop_proof", error_description="{reason}", algs="{algs}""#));
            ErrorBody {
                message: "Bad credentials",
                error: Some("invalid_dpop_proof"),
                error_description: Some(reason.to_string()),
            }
        }
        AuthError::InsufficientScope(permission) => {
            challenge(in_scheme(format!(r#"error="insufficient_scope", scope="{permission}""#)));
            ErrorBody {
                message: "Permission denied",
                error: Some("insufficient_scope"),
                error_description: Some(format!("Requires {permission}")),
            }
        }
        AuthError::KeysUnavailable { retry_after } | AuthError::ProofStoreUnavailable { retry_after } => {
            let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
            response.insert_header((header::RETRY_AFTER, HeaderValue::from(seconds)));
            ErrorBody::message("Unable to verify credentials")
        }
    };
    response.json(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_its_phrase_with_underscores_and_unique() {
        let mut codes = std::collections::HashSet::new();
        for reason in InvalidToken::ALL {
            assert_eq!(reason.code(), reason.to_string().replace(' ', "_"));
            assert!(codes.insert(reason.code()), "{reason:?}");
        }
    }
}
