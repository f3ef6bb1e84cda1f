//! `grant_type=authorization_code`: a person's tokens, for the public SPA client with PKCE
//! (RFC 6749 4.1.3, RFC 7636 4.6; docs/sign-in.md), and a refresh token when the login asked for
//! `offline_access`.

use std::time::Instant;

use super::{Issued, for_person};
use crate::local_issuer::client_auth::Client;
use crate::local_issuer::dpop::same_key;
use crate::local_issuer::errors::TokenError;
use crate::local_issuer::params::{Params, redirect_target};
use crate::local_issuer::pkce;
use crate::local_issuer::refresh_tokens::Login;
use crate::local_issuer::sign_in::SignIn;
use crate::local_issuer::state::IssuerState;

/// Exchanges a code for an access token, an ID token and maybe a refresh token; `jkt` is the
/// request's DPoP key.
pub(in crate::local_issuer) fn grant(
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
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
    same_key(entry.dpop_jkt.as_deref(), jkt, "the code")?;
    let login = Login { user: entry.user, sid: entry.sid, auth_time: entry.auth_time, scope: entry.scope };
    let mut issued = for_person(state, sign_in, &login, entry.nonce.as_deref());
    if login.scope.split(' ').any(|scope| scope == "offline_access") {
        // A refresh token issued under DPoP is bound to the same key (RFC 9449 section 5).
        issued.refresh_token = Some(sign_in.refresh_tokens.issue(login, jkt.map(str::to_owned), Instant::now()));
    }
    Ok(issued)
}
