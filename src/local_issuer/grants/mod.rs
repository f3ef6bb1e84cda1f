//! The grants of the token endpoint, one file each. A grant gets the parsed parameters and the
//! authenticated client and answers the claims to sign; the endpoint signs and answers, so what
//! every grant shares (a DPoP binding, the answer's shape) is written once there.
//!
//! - `client_credentials.rs`: machines (RFC 6749 section 4.4);
//! - `authorization_code.rs`: people, through the SPA with PKCE (RFC 6749 4.1.3, RFC 7636 4.6).

pub(super) mod authorization_code;
pub(super) mod client_credentials;

use serde_json::Value;

/// What a grant issues: the claims of an access token, maybe an ID token's, and the granted
/// scope the answer names.
pub(super) struct Issued {
    pub access: Value,
    pub id: Option<Value>,
    pub scope: String,
}
