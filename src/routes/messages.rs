//! The three messages: public, protected and admin.
//!
//! Each handler's `#[utoipa::path]` states its path and its own answers; the route table adds the
//! security and the 401, 403, 405, 500 and 503 answers its extractors imply (`table.rs`).

use actix_web::web;
use serde::Serialize;

use super::schemas::{exact_schema, object_of_one};
use crate::auth::{Claims, ReadAdminMessages, RequirePermission};

/// The public message's text.
pub const PUBLIC: &str = "This is a public message.";
/// The protected message's text.
pub const PROTECTED: &str = "This is a protected message.";
/// The admin message's text.
pub const ADMIN: &str = "This is an admin message.";

/// A message body: `{"text": "..."}`.
#[derive(Serialize)]
pub struct Message {
    text: &'static str,
}

exact_schema!(
    /// `{"text":"This is a public message."}`
    PublicMessage => object_of_one("text", &[PUBLIC], "The public message.")
);
exact_schema!(
    /// `{"text":"This is a protected message."}`
    ProtectedMessage => object_of_one("text", &[PROTECTED], "The protected message.")
);
exact_schema!(
    /// `{"text":"This is an admin message."}`
    AdminMessage => object_of_one("text", &[ADMIN], "The admin message.")
);

/// `GET /api/messages/public`: needs nothing.
#[utoipa::path(get, path = "/api/messages/public", tag = "messages", security(()), responses(
    (status = 200, description = "The public message.", body = PublicMessage),
))]
pub async fn public() -> web::Json<Message> {
    web::Json(Message { text: PUBLIC })
}

/// `GET /api/messages/protected`: needs a valid access token.
#[utoipa::path(get, path = "/api/messages/protected", tag = "messages", responses(
    (status = 200, description = "The protected message.", body = ProtectedMessage),
))]
pub async fn protected(_: Claims) -> web::Json<Message> {
    web::Json(Message { text: PROTECTED })
}

/// `GET /api/messages/admin`: needs a valid access token granting `read:admin-messages`.
#[utoipa::path(get, path = "/api/messages/admin", tag = "messages", responses(
    (status = 200, description = "The admin message.", body = AdminMessage),
))]
pub async fn admin(_: RequirePermission<ReadAdminMessages>) -> web::Json<Message> {
    web::Json(Message { text: ADMIN })
}
