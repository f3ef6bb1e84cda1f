//! The claims of the tokens the issuer signs, built in one place for every grant
//! (docs/local-issuer.md, docs/sign-in.md).

use serde_json::{Value, json};

use super::common::{now_secs, random_id};
use super::state::{IssuerState, TOKEN_LIFETIME_SECS};
use super::users::User;

/// Who an access token is for.
pub(super) struct Subject<'a> {
    /// `sub`: `{client_id}@clients` for a machine, the user's id for a person.
    pub sub: String,
    /// `azp` and `client_id`.
    pub client_id: &'a str,
    /// `permissions`.
    pub permissions: &'a [&'static str],
    /// `scope`, space-delimited; left out when empty (RFC 9068).
    pub scope: &'a str,
    /// `gty`, Auth0's grant marker (`client-credentials`), when there is one.
    pub gty: Option<&'static str>,
}

/// The claims of an access token (RFC 9068 and Auth0's shape).
pub(super) fn access_claims(state: &IssuerState, subject: &Subject) -> Value {
    let now = now_secs();
    let mut claims = json!({
        "iss": state.issuer,
        "sub": subject.sub,
        "aud": state.audience,
        "azp": subject.client_id,
        "client_id": subject.client_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "jti": random_id(),
        "permissions": subject.permissions,
    });
    if !subject.scope.is_empty() {
        claims["scope"] = json!(subject.scope);
    }
    if let Some(gty) = subject.gty {
        claims["gty"] = json!(gty);
    }
    claims
}

/// What an ID token says about a sign-in.
pub(super) struct SignedIn<'a> {
    pub user: &'a User,
    pub client_id: &'a str,
    pub auth_time: u64,
    pub nonce: Option<&'a str>,
    /// The session's own random id, never its cookie.
    pub sid: &'a str,
}

/// The claims of an ID token, with the user's profile.
pub(super) fn id_claims(state: &IssuerState, signed_in: &SignedIn) -> Value {
    let now = now_secs();
    let mut claims = json!({
        "iss": state.issuer,
        "sub": signed_in.user.id,
        "aud": signed_in.client_id,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "auth_time": signed_in.auth_time,
        "sid": signed_in.sid,
    });
    if let Some(nonce) = signed_in.nonce {
        claims["nonce"] = json!(nonce);
    }
    signed_in.user.add_profile(&mut claims);
    claims
}
