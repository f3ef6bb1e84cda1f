//! `GET /.well-known/openid-configuration` (OpenID Connect Discovery 1.0).

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::auth::{Permission, ReadAdminMessages};
use crate::local_issuer::authorization::OPENID_SCOPES;
use crate::local_issuer::dpop::TOKEN_PATH;
use crate::local_issuer::state::IssuerState;

pub(in crate::local_issuer) async fn metadata(state: web::Data<IssuerState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": state.issuer,
        "jwks_uri": state.endpoint(".well-known/jwks.json"),
        "token_endpoint": state.endpoint(TOKEN_PATH),
        "authorization_endpoint": state.endpoint("authorize"),
        "userinfo_endpoint": state.endpoint("userinfo"),
        "end_session_endpoint": state.endpoint("v2/logout"),
        "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query", "web_message"],
        "code_challenge_methods_supported": ["S256"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "scopes_supported": OPENID_SCOPES.iter().chain(&[ReadAdminMessages::NAME]).collect::<Vec<_>>(),
        "dpop_signing_alg_values_supported": state.proofs.algorithms(),
        "claims_supported": [
            "sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid",
            "email", "email_verified", "name", "nickname", "picture",
        ],
    }))
}
