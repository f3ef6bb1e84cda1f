// Exercise 04: a new permission on a new route, and 401 versus 403 (workshop/README.md,
// "04 new_permission").
//
// `GET /api/workshop/reports` must need the permission `read:reports`. Declare it as a type (like
// `ReadAdminMessages` in src/auth/permissions.rs) and require it in the handler's signature. Then
// say which status the API answers in each case: no token at all, and a valid token that lacks
// `read:reports`.

use actix_web::{HttpResponse, web};
use hello_api::auth::{Permission, RequirePermission};
use serde_json::json;

/// The status for a request without a token: who are you? (authentication)
pub const WITHOUT_TOKEN: u16 = 401;
/// The status for a valid token without `read:reports`: known, but not allowed (authorization).
pub const WITHOUT_PERMISSION: u16 = 403;

pub struct ReadReports;

impl Permission for ReadReports {
    const NAME: &'static str = "read:reports";
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/api/workshop/reports", web::get().to(reports));
}

pub async fn reports(_: RequirePermission<ReadReports>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "text": "The reports." }))
}
