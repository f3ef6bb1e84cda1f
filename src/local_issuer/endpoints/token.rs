//! `POST /oauth/token`: the request is read once, the client authenticated once, its DPoP proof
//! (if any) checked once, then the grant named by `grant_type` issues the claims, and this
//! endpoint binds, signs and answers for all grants.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::local_issuer::client_auth::authenticate;
use crate::local_issuer::dpop::TOKEN_PATH;
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
    let jkt = state.proofs.key_of(&request, &state.endpoint(TOKEN_PATH)).await?;
    let jkt = jkt.as_deref();
    let issued = match grant_type.as_str() {
        "client_credentials" => grants::client_credentials::grant(&client, &params, &state)?,
        "authorization_code" => grants::authorization_code::grant(&client, &params, jkt, &state, &sign_in)?,
        "refresh_token" => grants::refresh_token::grant(&client, &params, jkt, &state, &sign_in)?,
        _ => return Err(TokenError::UnsupportedGrantType),
    };
    answer(&state, issued, jkt)
}

/// Signs what a grant issued and answers it (RFC 6749 5.1), never cached. With a DPoP proof the
/// access token is bound to its key (`cnf.jkt`, RFC 9449 section 6) and its type is `DPoP`. Like
/// the token, the answer names the granted scope only when there is one.
fn answer(state: &IssuerState, mut issued: Issued, jkt: Option<&str>) -> Result<HttpResponse, TokenError> {
    if let Some(jkt) = jkt {
        issued.access["cnf"] = json!({ "jkt": jkt });
    }
    let mut body = json!({
        "access_token": state.key.sign_access_token(&issued.access).map_err(signing_failed)?,
        "token_type": if jkt.is_some() { "DPoP" } else { "Bearer" },
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if let Some(id) = &issued.id {
        body["id_token"] = json!(state.key.sign(id).map_err(signing_failed)?);
    }
    if let Some(refresh_token) = &issued.refresh_token {
        body["refresh_token"] = json!(refresh_token);
    }
    if !issued.scope.is_empty() {
        body["scope"] = json!(issued.scope);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}
