//! The token endpoint's errors (RFC 6749 section 5.2), mapped once to status and JSON body.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, ResponseError};
use serde_json::json;

/// A token-endpoint error.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// 400 `invalid_request`: a malformed or incomplete request.
    #[error("{0}")]
    InvalidRequest(&'static str),
    /// 401 `invalid_client`: unknown client, wrong secret, or no client authentication.
    #[error("client authentication failed")]
    InvalidClient,
    /// 400 `unauthorized_client`: this client may not use this grant.
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    /// 400 `unsupported_grant_type`: any grant but client credentials and authorization code.
    #[error("only client_credentials and authorization_code are supported")]
    UnsupportedGrantType,
    /// 400 `invalid_grant`: an authorization code unknown, used, expired or not bound to this request.
    #[error("{0}")]
    InvalidGrant(&'static str),
    /// 500 `server_error`: signing failed (a bug: the key loaded fine at start-up).
    #[error("the token could not be signed")]
    Signing,
}

impl ResponseError for TokenError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::InvalidClient => StatusCode::UNAUTHORIZED,
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
            Self::Signing => "server_error",
        };
        let mut response = HttpResponse::build(self.status_code());
        if let Self::InvalidClient = self {
            response.insert_header((header::WWW_AUTHENTICATE, r#"Basic realm="local-issuer""#));
        }
        response.json(json!({ "error": error, "error_description": self.to_string() }))
    }
}

/// A token could not be signed: logged, and answered as a server error.
pub(super) fn signing_failed(err: jsonwebtoken::errors::Error) -> TokenError {
    log::error!("local issuer could not sign a token: {err}");
    TokenError::Signing
}
