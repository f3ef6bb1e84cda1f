//! The three messages: public, protected and admin.

use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::auth::{Claims, ReadAdminMessages, RequirePermission};

/// A message body: `{"text": "..."}`.
#[derive(Serialize)]
pub struct Message {
    text: &'static str,
}

/// `GET /api/messages/public`: needs nothing.
pub async fn public() -> web::Json<Message> {
    web::Json(Message { text: "This is a public message." })
}

/// `GET /api/messages/protected`: needs a valid access token.
pub async fn protected(_: Claims) -> web::Json<Message> {
    web::Json(Message { text: "This is a protected message." })
}

/// `GET /api/messages/admin`: needs a valid access token granting `read:admin-messages`.
pub async fn admin(_: RequirePermission<ReadAdminMessages>) -> web::Json<Message> {
    web::Json(Message { text: "This is an admin message." })
}

/// Any other method on a message path: 405 with `Allow: GET`.
async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header(("Allow", "GET")).finish()
}

/// A resource that answers `GET` with `handler` and every other method with 405.
pub fn get_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    web::resource(path).route(web::get().to(handler)).default_service(web::to(method_not_allowed))
}

/// Registers the message routes under `/api/messages`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/api/messages")
            .service(get_only("/public", public))
            .service(get_only("/protected", protected))
            .service(get_only("/admin", admin)),
    );
}
