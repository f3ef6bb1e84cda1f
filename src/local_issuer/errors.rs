//! The token endpoint's errors (RFC 6749 section 5.2, RFC 9449 section 5), mapped once to status
//! and JSON body.

use std::borrow::Cow;
use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// A token-endpoint error.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    /// 400 `invalid_request`: a malformed or incomplete request.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// 401 `invalid_client`: unknown client, wrong secret, or no client authentication.
    #[error("client authentication failed")]
    InvalidClient,
    /// 400 `unauthorized_client`: this client may not use this grant.
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    /// 400 `unsupported_grant_type`: a grant this issuer does not know.
    #[error("only client_credentials, authorization_code and refresh_token are supported")]
    UnsupportedGrantType,
    /// 400 `invalid_grant`: a code or refresh token unknown, used, expired or not bound to this
    /// request.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// 400 `invalid_dpop_proof`: the `DPoP` proof fails a check, or is not from the key the code
    /// or refresh token is bound to (docs/dpop.md, "In the local issuer").
    #[error("{0}")]
    InvalidDpopProof(Cow<'static, str>),
    /// 503 `temporarily_unavailable`, with `Retry-After`: the store of used proofs is full.
    #[error("used proofs cannot be remembered now; try again later")]
    Unavailable {
        /// Sent as `Retry-After`, in whole seconds.
        retry_after: Duration,
    },
    /// 500 `server_error`: signing failed (a bug: the key loaded fine at start-up).
    #[error("the token could not be signed")]
    Signing,
}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::Unavailable { .. } => StatusCode::SERVICE_UNAVAILABLE,
            Self::Signing => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let error = match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::UnauthorizedClient(_) => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::InvalidDpopProof(_) => "invalid_dpop_proof",
            Self::Unavailable { .. } => "temporarily_unavailable",
            Self::Signing => "server_error",
        };
        let mut response = HttpResponse::build(self.status_code());
        match self {
            Self::InvalidClient => {
                response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="local-issuer""#));
            }
            Self::Unavailable { retry_after } => {
                response.insert_header((header::RETRY_AFTER, retry_after.as_secs().max(1).to_string()));
            }
            _ => {}
        }
        response.json(json!({ "error": error, "error_description": self.to_string() }))
    }
}

/// A token could not be signed: logged, and answered as a server error.
pub(super) fn signing_failed(err: jsonwebtoken::errors::Error) -> TokenError {
    log::error!("local issuer could not sign a token: {err}");
    TokenError::Signing
}
