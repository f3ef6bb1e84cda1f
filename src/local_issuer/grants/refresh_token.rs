//! `grant_type=refresh_token` (RFC 6749 section 6): a signed-in person's new tokens without the
//! browser, for the public SPA client. Each refresh token is used once and answered with the next
//! (rotation); a DPoP-bound one needs a proof from its key (RFC 9449 section 5); a spent one
//! presented again revokes the login's refresh tokens (docs/sign-in.md, "Refresh tokens").
//!
//! A `scope` or `audience` sent along is not used: the tokens keep what the login granted.

use std::time::Instant;

use super::{Issued, for_person};
use crate::local_issuer::client_auth::Client;
use crate::local_issuer::dpop::not_its_key;
use crate::local_issuer::errors::TokenError;
use crate::local_issuer::params::Params;
use crate::local_issuer::refresh_tokens::Refused;
use crate::local_issuer::sign_in::SignIn;
use crate::local_issuer::state::IssuerState;

/// Spends the refresh token and issues new tokens and the next refresh token; `jkt` is the
/// request's DPoP key.
pub(in crate::local_issuer) fn grant(
    client: &Client,
    params: &Params,
    jkt: Option<&str>,
    state: &IssuerState,
    sign_in: &SignIn,
) -> Result<Issued, TokenError> {
    let token = params.get("refresh_token").ok_or(TokenError::InvalidRequest("refresh_token is required"))?;
    if !matches!(client, Client::Public) {
        return Err(TokenError::UnauthorizedClient("only demo-spa holds refresh tokens"));
    }
    let (login, next) = sign_in.refresh_tokens.rotate(token, jkt, Instant::now()).map_err(|refused| match refused {
        Refused::Unknown => TokenError::InvalidGrant("the refresh token is unknown, revoked or expired"),
        Refused::Reused => {
            TokenError::InvalidGrant("the refresh token was already used: every refresh token of this login is revoked")
        }
        Refused::Binding => not_its_key(jkt, "the refresh token"),
    })?;
    let mut issued = for_person(state, sign_in, &login, None);
    issued.refresh_token = Some(next);
    Ok(issued)
}
