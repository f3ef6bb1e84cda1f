//! `GET /.well-known/jwks.json`: the issuer's public key.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::local_issuer::state::IssuerState;

pub(in crate::local_issuer) async fn key_set(state: web::Data<IssuerState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "keys": [state.key.public_jwk()] }))
}
