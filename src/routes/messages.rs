//! The three messages: public, protected and admin.
//!
//! Each handler's `#[utoipa::path]` states its path and its own answers; the route table adds the
//! security and the 401, 403, 405, 500 and 503 answers its extractors imply (`table.rs`).

use actix_web::HttpResponse;
use actix_web::http::header::{CONTENT_TYPE, HeaderValue};
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
    /// The message's text.
    pub text: &'static str,
}

/// The three bodies, as `serde_json` writes the [`Message`] of each text (a test holds them to
/// it): a constant answer is not serialized again on every request.
const PUBLIC_BODY: &str = r#"{"text":"This is a public message."}"#;
const PROTECTED_BODY: &str = r#"{"text":"This is a protected message."}"#;
const ADMIN_BODY: &str = r#"{"text":"This is an admin message."}"#;

/// `200 OK` with a JSON `body`.
fn json(body: &'static str) -> HttpResponse {
    HttpResponse::Ok().insert_header((CONTENT_TYPE, HeaderValue::from_static("application/json"))).body(body)
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
pub async fn public() -> HttpResponse {
    json(PUBLIC_BODY)
}

/// `GET /api/messages/protected`: needs a valid access token.
#[utoipa::path(get, path = "/api/messages/protected", tag = "messages", responses(
    (status = 200, description = "The protected message.", body = ProtectedMessage),
))]
pub async fn protected(_: Claims) -> HttpResponse {
    json(PROTECTED_BODY)
}

/// `GET /api/messages/admin`: needs a valid access token granting `read:admin-messages`.
#[utoipa::path(get, path = "/api/messages/admin", tag = "messages", responses(
    (status = 200, description = "The admin message.", body = AdminMessage),
))]
pub async fn admin(_: RequirePermission<ReadAdminMessages>) -> HttpResponse {
    json(ADMIN_BODY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_body_is_its_message_as_serde_json_writes_it() {
        for (text, body) in [(PUBLIC, PUBLIC_BODY), (PROTECTED, PROTECTED_BODY), (ADMIN, ADMIN_BODY)] {
            assert_eq!(serde_json::to_string(&Message { text }).unwrap(), body);
        }
    }
}
