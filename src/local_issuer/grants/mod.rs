//! The grants of the token endpoint, one file each. A grant gets the parsed parameters, the
//! authenticated client and the request's DPoP key (if any) and answers the claims to sign; the
//! endpoint signs and answers, so what every grant shares (the DPoP proof and binding, the
//! answer's shape) is written once there.
//!
//! - `client_credentials.rs`: machines (RFC 6749 section 4.4);
//! - `authorization_code.rs`: people, through the SPA with PKCE (RFC 6749 4.1.3, RFC 7636 4.6);
//! - `refresh_token.rs`: people again, without the browser (RFC 6749 section 6), rotating.

pub(super) mod authorization_code;
pub(super) mod client_credentials;
pub(super) mod refresh_token;

use serde_json::Value;

use super::refresh_tokens::Login;
use super::sign_in::SignIn;
use super::state::{IssuerState, SPA_CLIENT_ID};
use super::tokens::{SignedIn, Subject, access_claims, id_claims};

/// What a grant issues: the claims of an access token, maybe an ID token's and a refresh token,
/// and the granted scope the answer names.
pub(super) struct Issued {
    pub access: Value,
    pub id: Option<Value>,
    pub refresh_token: Option<String>,
    pub scope: String,
}

/// The tokens of a signed-in person, for the SPA: the granted OpenID scopes and the user's
/// permissions in the access token, the profile in the ID token.
fn for_person(state: &IssuerState, sign_in: &SignIn, login: &Login, nonce: Option<&str>) -> Issued {
    let user = &sign_in.users[login.user];
    let scope = login.scope.split(' ').filter(|scope| !scope.is_empty()).chain(user.permissions.iter().copied());
    let scope = scope.collect::<Vec<_>>().join(" ");
    let subject = Subject {
        sub: user.id.to_owned(),
        client_id: SPA_CLIENT_ID,
        permissions: &user.permissions,
        scope: &scope,
        gty: None,
    };
    let signed_in = SignedIn { user, client_id: SPA_CLIENT_ID, auth_time: login.auth_time, nonce, sid: &login.sid };
    let (access, id) = (access_claims(state, &subject), Some(id_claims(state, &signed_in)));
    Issued { access, id, refresh_token: None, scope }
}
