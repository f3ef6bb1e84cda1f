//! The three messages: public, protected and admin.

use actix_web::web;
use serde::Serialize;

use super::{get_only, openapi};
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

/// `GET /api/messages/public`: needs nothing.
#[utoipa::path(get, path = "/api/messages/public", tag = "messages", security(()), responses(
    (status = 200, description = "The public message.", body = openapi::PublicMessage),
    (status = 405, description = "Another method than GET (with `Allow: GET`).", body = openapi::MethodNotAllowed),
    (status = 500, description = "Anything unexpected.", body = openapi::InternalError),
))]
pub async fn public() -> web::Json<Message> {
    web::Json(Message { text: PUBLIC })
}

/// `GET /api/messages/protected`: needs a valid access token.
#[utoipa::path(get, path = "/api/messages/protected", tag = "messages",
    security(("bearer" = []), ("DPoP" = []), ("oauth2" = [])),
    responses(
        (status = 200, description = "The protected message.", body = openapi::ProtectedMessage),
        (status = 401, description = "No token, or a token that is not valid.", body = openapi::Unauthorized,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"` (and `DPoP algs=\"…\"` unless DPoP is off), with `error` and `error_description` for a token that is not valid; `DPoP error=…` for a request with the DPoP scheme, `invalid_dpop_proof` for a refused proof."))),
        (status = 405, description = "Another method than GET (with `Allow: GET`).", body = openapi::MethodNotAllowed),
        (status = 500, description = "Anything unexpected.", body = openapi::InternalError),
        (status = 503, description = "The signing keys cannot be had and none is cached for the token, or the DPoP replay store is full or unreachable.", body = openapi::Unavailable,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again."))),
    )
)]
pub async fn protected(_: Claims) -> web::Json<Message> {
    web::Json(Message { text: PROTECTED })
}

/// `GET /api/messages/admin`: needs a valid access token granting `read:admin-messages`.
#[utoipa::path(get, path = "/api/messages/admin", tag = "messages",
    security(("bearer" = []), ("DPoP" = []), ("oauth2" = ["read:admin-messages"])),
    responses(
        (status = 200, description = "The admin message.", body = openapi::AdminMessage),
        (status = 401, description = "No token, or a token that is not valid (checked before the permission).", body = openapi::Unauthorized,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\"` (and `DPoP algs=\"…\"` unless DPoP is off), with `error` and `error_description` for a token that is not valid; `DPoP error=…` for a request with the DPoP scheme, `invalid_dpop_proof` for a refused proof."))),
        (status = 403, description = "A valid token without `read:admin-messages`.", body = openapi::Forbidden,
            headers(("WWW-Authenticate" = String, description = "`Bearer realm=\"api\", error=\"insufficient_scope\", scope=\"read:admin-messages\"`"))),
        (status = 405, description = "Another method than GET (with `Allow: GET`).", body = openapi::MethodNotAllowed),
        (status = 500, description = "Anything unexpected.", body = openapi::InternalError),
        (status = 503, description = "The signing keys cannot be had and none is cached for the token, or the DPoP replay store is full or unreachable.", body = openapi::Unavailable,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again."))),
    )
)]
pub async fn admin(_: RequirePermission<ReadAdminMessages>) -> web::Json<Message> {
    web::Json(Message { text: ADMIN })
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
