//! `POST /oauth/token`: the request is read once, the client authenticated once, then the grant
//! named by `grant_type` issues the claims, and this endpoint signs and answers for all grants.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::local_issuer::client_auth::authenticate;
use crate::local_issuer::errors::{TokenError, signing_failed};
use crate::local_issuer::grants::{self, Issued};
use crate::local_issuer::params;
use crate::local_issuer::sign_in::SignIn;
use crate::local_issuer::state::{IssuerState, TOKEN_LIFETIME_SECS};

pub(in crate::local_issuer) async fn token(
    request: HttpRequest,
    body: web::Bytes,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> Result<HttpResponse, TokenError> {
    let mut params = params::body(&request, &body).map_err(TokenError::InvalidRequest)?;
    let grant_type = params.get("grant_type").cloned().ok_or(TokenError::InvalidRequest("grant_type is required"))?;
    let client = authenticate(&request, &mut params, &state.clients)?;
    let issued = match grant_type.as_str() {
        "client_credentials" => grants::client_credentials::grant(&client, &params, &state)?,
        "authorization_code" => grants::authorization_code::grant(&client, &params, &state, &sign_in)?,
        _ => return Err(TokenError::UnsupportedGrantType),
    };
    answer(&state, issued)
}

/// Signs what a grant issued and answers it (RFC 6749 5.1), never cached. Like the token, the
/// answer names the granted scope only when there is one.
fn answer(state: &IssuerState, issued: Issued) -> Result<HttpResponse, TokenError> {
    let mut body = json!({
        "access_token": state.key.sign_access_token(&issued.access).map_err(signing_failed)?,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if let Some(id) = &issued.id {
        body["id_token"] = json!(state.key.sign(id).map_err(signing_failed)?);
    }
    if !issued.scope.is_empty() {
        body["scope"] = json!(issued.scope);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}
