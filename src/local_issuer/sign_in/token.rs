//! The rest of what the SPA SDK calls: the code exchange at `/oauth/token`, `/userinfo` and
//! `/v2/logout` (docs/sign-in.md).

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::authorize::{error_page, query_of};
use super::{SESSION_COOKIE, SPA_CLIENT_ID, SignIn, User, now_secs};
use crate::local_issuer::{
    IssuerState, TOKEN_LIFETIME_SECS, TokenError, secrets_match, signing_failed, token_answer, token_id,
};

/// `grant_type=authorization_code` at `/oauth/token` (RFC 6749 4.1.3, RFC 7636 4.6).
pub fn exchange_code(
    parameters: &HashMap<String, String>,
    state: &IssuerState,
    sign_in: &SignIn,
) -> Result<HttpResponse, TokenError> {
    let parameter = |name: &str, missing: &'static str| parameters.get(name).ok_or(TokenError::InvalidRequest(missing));
    let code = parameter("code", "code is required")?;
    let verifier = parameter("code_verifier", "code_verifier is required (PKCE)")?;
    let client_id = parameter("client_id", "client_id is required")?;
    let redirect_uri = parameter("redirect_uri", "redirect_uri is required")?;
    let entry = sign_in
        .codes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take(code)
        .ok_or(TokenError::InvalidGrant("the code is unknown, used or expired"))?;
    if entry.client_id != *client_id || entry.redirect_uri != *redirect_uri {
        return Err(TokenError::InvalidGrant("the code was issued to another client or redirect_uri"));
    }
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    if !secrets_match(&challenge, &entry.challenge) {
        return Err(TokenError::InvalidGrant("code_verifier does not match the code_challenge"));
    }
    let user = &sign_in.users[entry.user];
    let now = now_secs();
    let oidc: Vec<&str> =
        entry.scope.split_whitespace().filter(|scope| matches!(*scope, "openid" | "profile" | "email")).collect();
    let scope = oidc.iter().copied().chain(user.permissions.iter().copied()).collect::<Vec<_>>().join(" ");
    let mut claims = json!({
        "iss": state.issuer,
        "sub": user.id,
        "aud": state.audience,
        "azp": SPA_CLIENT_ID,
        "client_id": SPA_CLIENT_ID,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "jti": token_id(),
        "permissions": user.permissions,
    });
    if !scope.is_empty() {
        claims["scope"] = json!(scope);
    }
    let mut id_claims = json!({
        "iss": state.issuer,
        "sub": user.id,
        "aud": SPA_CLIENT_ID,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "auth_time": entry.auth_time,
        "sid": entry.session,
    });
    if let Some(nonce) = &entry.nonce {
        id_claims["nonce"] = json!(nonce);
    }
    profile(user, &mut id_claims);
    let access_token = state.key.sign_access_token(&claims).map_err(signing_failed)?;
    let id_token = state.key.sign(&id_claims).map_err(signing_failed)?;
    Ok(token_answer(access_token, Some(id_token), &scope))
}

/// Adds the profile claims of `user` to `claims`.
fn profile(user: &User, claims: &mut Value) {
    let nickname = user.email.split('@').next().unwrap_or(user.email);
    claims["email"] = json!(user.email);
    claims["email_verified"] = json!(true);
    claims["name"] = json!(user.email);
    claims["nickname"] = json!(nickname);
}

fn invalid_token(description: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            header::WWW_AUTHENTICATE,
            format!("Bearer error=\"invalid_token\", error_description=\"{description}\""),
        ))
        .json(json!({ "error": "invalid_token", "error_description": description }))
}

/// `GET /userinfo`: the profile of the user whose access token is presented.
pub async fn userinfo(request: HttpRequest, state: web::Data<IssuerState>, sign_in: web::Data<SignIn>) -> HttpResponse {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")));
    let Some(token) = token else {
        return invalid_token("a bearer token is required");
    };
    let Some(key) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(state.key.public_jwk().clone())
        .ok()
        .and_then(|jwk| jsonwebtoken::DecodingKey::from_jwk(&jwk).ok())
    else {
        return HttpResponse::InternalServerError().finish();
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&state.issuer]);
    validation.set_audience(&[&state.audience]);
    let Ok(data) = jsonwebtoken::decode::<Value>(token, &key, &validation) else {
        return invalid_token("the token is not valid");
    };
    let sub = data.claims["sub"].as_str().unwrap_or_default();
    let Some(user) = sign_in.users.iter().find(|user| user.id == sub) else {
        return invalid_token("the token is not a user's");
    };
    let mut claims = json!({ "sub": user.id });
    profile(user, &mut claims);
    HttpResponse::Ok().json(claims)
}

/// `GET /v2/logout`: ends the session; redirects to `returnTo` when it is on the client origin.
pub async fn logout(request: HttpRequest, sign_in: web::Data<SignIn>) -> HttpResponse {
    if let Some((id, _, _)) = sign_in.session(&request) {
        sign_in.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take(&id);
    }
    let query = match query_of(&request) {
        Ok(query) => query,
        Err(description) => return error_page(description),
    };
    let client_ok = query.get("client_id").is_none_or(|id| id == SPA_CLIENT_ID);
    let return_to = query.get("returnTo").filter(|url| client_ok && sign_in.allowed(url));
    let mut response = match return_to {
        Some(url) => HttpResponse::Found().insert_header((header::LOCATION, url.as_str())).finish(),
        None => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Signed out</title><p>You are signed out.</p></html>\n",
        ),
    };
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(value) = header::HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
