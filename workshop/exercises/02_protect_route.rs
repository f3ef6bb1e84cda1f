// Exercise 02: protect a new route with the `Claims` extractor (workshop/README.md,
// "02 protect_route").
//
// `routes` adds `GET /api/workshop/hello` to the API. As it stands anybody can call it. Make it
// answer only callers with a valid access token: a missing or bad token must get the API's 401.

use actix_web::{HttpResponse, web};
use hello_api::auth::Claims;
use serde_json::json;

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/api/workshop/hello", web::get().to(hello));
}

// TODO: make this handler protected. A handler that takes `Claims` runs only for a valid token.
pub async fn hello() -> HttpResponse {
    let _: Option<Claims> = None;
    HttpResponse::Ok().json(json!({ "text": "Hello, caller with a token." }))
}
