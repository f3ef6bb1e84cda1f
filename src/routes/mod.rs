//! HTTP routes, one file per resource, the route table that registers them and feeds the OpenAPI
//! document (`table.rs`), the schemas of the error bodies they share, and the resource builder.

pub(crate) mod health;
pub mod messages;
pub(crate) mod openapi;
pub(crate) mod schemas;
pub(crate) mod table;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

/// A resource that answers `method` with `handler` and every other method with 405 and an
/// `Allow` header naming `method` (docs/contract.md, "Errors"). It is named by its path, which
/// the metrics read as the route's label once the request is routed ([`crate::middleware`]),
/// without matching the path again.
pub fn only<F, Args>(method: Method, path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let allow = method.to_string();
    web::resource(path).name(path).route(web::method(method).to(handler)).default_service(web::to(move || {
        let allow = allow.clone();
        async move { HttpResponse::MethodNotAllowed().insert_header(("Allow", allow)).finish() }
    }))
}

/// [`only`] for `GET`.
pub(crate) fn get_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    only(Method::GET, path, handler)
}
