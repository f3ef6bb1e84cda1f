//! `grant_type=client_credentials`: a machine client's own token (RFC 6749 section 4.4).

use super::Issued;
use crate::local_issuer::client_auth::Client;
use crate::local_issuer::errors::TokenError;
use crate::local_issuer::params::Params;
use crate::local_issuer::state::IssuerState;
use crate::local_issuer::tokens::{Subject, access_claims};

/// Issues the token of a confidential client.
pub(in crate::local_issuer) fn grant(
    client: &Client,
    params: &Params,
    state: &IssuerState,
) -> Result<Issued, TokenError> {
    let Client::Confidential(client) = client else {
        return Err(TokenError::UnauthorizedClient("a public client cannot use client_credentials"));
    };
    if params.get("audience").is_some_and(|audience| *audience != state.audience) {
        return Err(TokenError::InvalidRequest("unknown audience"));
    }
    let scope = client.permissions.join(" ");
    let subject = Subject {
        sub: format!("{}@clients", client.id),
        client_id: client.id,
        permissions: &client.permissions,
        scope: &scope,
        gty: Some("client-credentials"),
    };
    Ok(Issued { access: access_claims(state, &subject), id: None, refresh_token: None, scope })
}
