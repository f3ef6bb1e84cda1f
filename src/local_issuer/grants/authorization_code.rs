//! `grant_type=authorization_code`: a person's tokens, for the public SPA client with PKCE
//! (RFC 6749 4.1.3, RFC 7636 4.6; docs/sign-in.md).

use super::Issued;
use crate::local_issuer::client_auth::Client;
use crate::local_issuer::errors::TokenError;
use crate::local_issuer::params::{Params, redirect_target};
use crate::local_issuer::pkce;
use crate::local_issuer::sign_in::SignIn;
use crate::local_issuer::state::{IssuerState, SPA_CLIENT_ID};
use crate::local_issuer::tokens::{SignedIn, Subject, access_claims, id_claims};

/// Exchanges a code for an access token and an ID token.
pub(in crate::local_issuer) fn grant(
    client: &Client,
    params: &Params,
    state: &IssuerState,
    sign_in: &SignIn,
) -> Result<Issued, TokenError> {
    let parameter = |name: &str, missing: &'static str| params.get(name).ok_or(TokenError::InvalidRequest(missing));
    let code = parameter("code", "code is required")?;
    let verifier = parameter("code_verifier", "code_verifier is required (PKCE)")?;
    let redirect_uri = parameter("redirect_uri", "redirect_uri is required")?;
    if !matches!(client, Client::Public) {
        return Err(TokenError::UnauthorizedClient("only demo-spa signs people in"));
    }
    if !pkce::is_verifier(verifier) {
        return Err(TokenError::InvalidRequest("code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]"));
    }
    let entry = sign_in.take_code(code).ok_or(TokenError::InvalidGrant("the code is unknown, used or expired"))?;
    // The code holds the normalised redirect URI; the exchange may name it as first sent.
    let same_redirect =
        redirect_target(redirect_uri, &sign_in.client_origin).is_ok_and(|url| url.as_str() == entry.redirect_uri);
    if !same_redirect {
        return Err(TokenError::InvalidGrant("the code was issued to another client or redirect_uri"));
    }
    if !pkce::verifies(verifier, &entry.challenge) {
        return Err(TokenError::InvalidGrant("code_verifier does not match the code_challenge"));
    }
    let user = &sign_in.users[entry.user];
    let scope = entry.scope.split(' ').filter(|scope| !scope.is_empty()).chain(user.permissions.iter().copied());
    let scope = scope.collect::<Vec<_>>().join(" ");
    let subject = Subject {
        sub: user.id.to_owned(),
        client_id: SPA_CLIENT_ID,
        permissions: &user.permissions,
        scope: &scope,
        gty: None,
    };
    let signed_in = SignedIn {
        user,
        client_id: SPA_CLIENT_ID,
        auth_time: entry.auth_time,
        nonce: entry.nonce.as_deref(),
        sid: &entry.sid,
    };
    Ok(Issued { access: access_claims(state, &subject), id: Some(id_claims(state, &signed_in)), scope })
}
