//! HTTP routes, one file per resource, and the resource builder they share.

pub mod messages;

use actix_web::http::Method;
use actix_web::{HttpResponse, web};

/// A resource that answers `method` with `handler` and every other method with 405 and an
/// `Allow` header naming `method` (docs/contract.md, "Errors").
pub fn only<F, Args>(method: Method, path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let allow = method.to_string();
    web::resource(path).route(web::method(method).to(handler)).default_service(web::to(move || {
        let allow = allow.clone();
        async move { HttpResponse::MethodNotAllowed().insert_header(("Allow", allow)).finish() }
    }))
}

/// [`only`] for `GET`.
pub fn get_only<F, Args>(path: &str, handler: F) -> actix_web::Resource
where
    F: actix_web::Handler<Args>,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    only(Method::GET, path, handler)
}
