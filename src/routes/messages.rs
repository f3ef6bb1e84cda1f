//! The three messages: public, protected and admin.

use actix_web::web;
use serde::Serialize;

use super::get_only;
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

/// Registers the message routes under `/api/messages`.
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/api/messages")
            .service(get_only("/public", public))
            .service(get_only("/protected", protected))
            .service(get_only("/admin", admin)),
    );
}
