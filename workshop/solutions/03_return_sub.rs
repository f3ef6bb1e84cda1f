// Exercise 03: return a claim to the caller (workshop/README.md, "03 return_sub").
//
// `GET /api/workshop/whoami` is protected already: it takes the token's `Claims`. Answer
// `{"sub": "<the token's sub claim>"}`, so each caller sees who the API thinks they are.

use actix_web::{HttpResponse, web};
use hello_api::auth::Claims;
use serde_json::json;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/api/workshop/whoami", web::get().to(whoami));
}

pub async fn whoami(claims: Claims) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "sub": claims.subject() }))
}
