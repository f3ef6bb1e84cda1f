//! What every response gets, errors and CORS preflights included: the security headers, a JSON
//! body for every error, and one access-log line.

use std::time::Instant;

use actix_cors::Cors;
use actix_web::HttpResponse;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::error::InternalError;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::middleware::Next;

/// The headers docs/contract.md, "Headers on every response" lists, in order.
pub const SECURITY_HEADERS: [(&str, &str); 9] = [
    ("x-xss-protection", "0"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("x-frame-options", "deny"),
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
    ("pragma", "no-cache"),
    ("expires", "0"),
];

/// CORS for the one allowed browser origin (docs/contract.md, "CORS"): `methods`, the
/// `Authorization`, `Content-Type` and `DPoP` request headers, `WWW-Authenticate` and `DPoP-Nonce`
/// readable by the page (docs/dpop.md), a day's preflight cache, no credentials.
/// Other origins are served without CORS headers (so the browser withholds the answer); only
/// their preflights are refused.
pub fn cors(origin: &str, methods: &[&'static str]) -> Cors {
    Cors::default()
        .allowed_origin(origin)
        .allowed_methods(methods.iter().copied())
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("dpop")])
        .expose_headers([header::WWW_AUTHENTICATE, HeaderName::from_static("dpop-nonce")])
        .max_age(86_400)
        .block_on_origin_mismatch(false)
}

/// The outermost middleware of the API and the local issuer (`actix_web::middleware::from_fn`).
///
/// It turns any error that escaped the inner layers into a response, gives every error response
/// without a JSON body the body `{"message": …}`, sets the security headers (a response may bring
/// its own `Content-Security-Policy`, as the demo page does), and logs the request.
pub async fn finish(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.path().to_owned();
    // The request must not be cloned here: actix needs to own it uniquely while routing.
    match next.call(request).await {
        Ok(response) => {
            let (request, response) = response.map_into_boxed_body().into_parts();
            let response = decorate(response);
            log::info!("{method} {path} {} {:.1?}", response.status().as_u16(), started.elapsed());
            Ok(ServiceResponse::new(request, response))
        }
        Err(err) => {
            let response = decorate(err.error_response());
            log::info!("{method} {path} {} {:.1?}", response.status().as_u16(), started.elapsed());
            Err(InternalError::from_response(err.to_string(), response).into())
        }
    }
}

/// Adds the security headers, and a JSON body to an error response that has none.
fn decorate(response: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
    let mut response = json_error_body(response);
    let headers = response.headers_mut();
    // A response whose own policy names who may frame it (the local issuer's `web_message` page)
    // keeps that policy and goes without `X-Frame-Options`, which would forbid all framing.
    let framable = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|csp| csp.contains("frame-ancestors") && !csp.contains("frame-ancestors 'none'"));
    for (name, value) in SECURITY_HEADERS {
        let name = HeaderName::from_static(name);
        if name == header::CONTENT_SECURITY_POLICY && headers.contains_key(&name) {
            continue;
        }
        if name == header::X_FRAME_OPTIONS && framable {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Replaces the body of an error response that is not JSON with `{"message": …}`. An HTML page
/// is kept: only the local issuer's sign-in pages answer HTML errors, written for a person to read
/// (actix's own error bodies are plain text).
fn json_error_body(response: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
    let status = response.status();
    let content_type = response.headers().get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok());
    let kept =
        content_type.is_some_and(|value| value.starts_with("application/json") || value.starts_with("text/html"));
    if !(status.is_client_error() || status.is_server_error()) || kept {
        return response;
    }
    let message = match response.error() {
        // CORS rejections explain themselves ("Origin is not allowed to make this request").
        Some(err) if err.as_error::<actix_cors::CorsError>().is_some() => err.to_string(),
        _ if status.is_server_error() => "Internal Server Error".to_owned(),
        _ => status.canonical_reason().unwrap_or("Error").to_owned(),
    };
    if let Some(err) = response.error().filter(|_| status.is_server_error()) {
        log::error!("answered {status}: {err}");
    }
    let body = serde_json::json!({ "message": message }).to_string();
    let (mut response, _) = response.into_parts();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response.set_body(BoxBody::new(body))
}
