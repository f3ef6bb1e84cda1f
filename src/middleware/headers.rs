//! What every response gets on its way out: the security headers, and a JSON body for every error.

use actix_web::HttpResponse;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// The headers docs/contract.md, "Headers on every response" lists, in order (public for
/// `examples/baseline.rs`, which sends them without the stack).
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

const fn prebuilt(index: usize) -> (HeaderName, HeaderValue) {
    (HeaderName::from_static(SECURITY_HEADERS[index].0), HeaderValue::from_static(SECURITY_HEADERS[index].1))
}

/// [`SECURITY_HEADERS`] parsed once, at compile time: a request only clones static values.
static PREBUILT: [(HeaderName, HeaderValue); 9] = [
    prebuilt(0),
    prebuilt(1),
    prebuilt(2),
    prebuilt(3),
    prebuilt(4),
    prebuilt(5),
    prebuilt(6),
    prebuilt(7),
    prebuilt(8),
];

const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// Adds the security headers. A response that brings its own `Content-Security-Policy` keeps it;
/// otherwise the server's own policy (`own_policy`, the demo's) or the default one is set.
pub(crate) fn set_security_headers(headers: &mut HeaderMap, own_policy: Option<&HeaderValue>) {
    // A response whose own policy names who may frame it (the local issuer's `web_message` page)
    // keeps that policy and goes without `X-Frame-Options`, which would forbid all framing.
    let (has_policy, framable) = match headers.get(header::CONTENT_SECURITY_POLICY) {
        Some(csp) => (true, is_framable(csp.as_bytes())),
        None => (false, false),
    };
    // One allocation for the nine, instead of the map growing (and rehashing) twice on the way.
    headers.reserve(PREBUILT.len());
    for (name, value) in &PREBUILT {
        if *name == header::CONTENT_SECURITY_POLICY {
            if !has_policy {
                headers.insert(name.clone(), own_policy.unwrap_or(value).clone());
            }
        } else if !(framable && *name == header::X_FRAME_OPTIONS) {
            headers.insert(name.clone(), value.clone());
        }
    }
}

fn is_framable(csp: &[u8]) -> bool {
    let contains = |needle: &[u8]| csp.windows(needle.len()).any(|window| window == needle);
    contains(b"frame-ancestors") && !contains(b"frame-ancestors 'none'")
}

/// Whether `response` is an error without a JSON body. An HTML page is kept: only the local
/// issuer's sign-in pages answer HTML errors, written for a person to read (actix's own error
/// bodies are plain text).
fn needs_json_body<B>(response: &HttpResponse<B>) -> bool {
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let content_type = response.headers().get(header::CONTENT_TYPE).map(HeaderValue::as_bytes);
    !content_type.is_some_and(|value| value.starts_with(b"application/json") || value.starts_with(b"text/html"))
}

/// Replaces the body of an error response that is not JSON with `{"message": …}`; any other
/// response passes untouched (the left body).
pub(crate) fn json_error_body<B: MessageBody>(response: ServiceResponse<B>) -> ServiceResponse<EitherBody<B>> {
    if !needs_json_body(response.response()) {
        return response.map_into_left_body();
    }
    let (request, response) = response.into_parts();
    let response = with_json_message(response);
    ServiceResponse::new(request, response).map_into_right_body()
}

/// [`json_error_body`] for a response that is already boxed (an error from an inner layer).
pub(crate) fn json_error_response(response: HttpResponse<BoxBody>) -> HttpResponse<BoxBody> {
    if needs_json_body(&response) { with_json_message(response) } else { response }
}

fn with_json_message<B>(response: HttpResponse<B>) -> HttpResponse<BoxBody> {
    let status = response.status();
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
    response.headers_mut().insert(header::CONTENT_TYPE, JSON);
    response.headers_mut().remove(header::CONTENT_LENGTH);
    response.set_body(BoxBody::new(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_policy_naming_who_may_frame_makes_a_response_framable() {
        assert!(is_framable(b"default-src 'none'; frame-ancestors http://localhost:4040"));
        assert!(!is_framable(b"default-src 'self'; frame-ancestors 'none'"));
        assert!(!is_framable(b"default-src 'self'"));
    }

    #[test]
    fn every_header_is_set_and_a_response_policy_is_kept() {
        let mut headers = HeaderMap::new();
        set_security_headers(&mut headers, None);
        for (name, value) in SECURITY_HEADERS {
            assert_eq!(headers.get(name).unwrap(), value, "{name}");
        }
        let mut framable = HeaderMap::new();
        let policy = HeaderValue::from_static("frame-ancestors http://localhost:4040");
        framable.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
        set_security_headers(&mut framable, Some(&HeaderValue::from_static("default-src 'none'")));
        assert_eq!(framable.get(header::CONTENT_SECURITY_POLICY), Some(&policy));
        assert!(framable.get(header::X_FRAME_OPTIONS).is_none());
        let mut own = HeaderMap::new();
        set_security_headers(&mut own, Some(&HeaderValue::from_static("default-src 'none'")));
        assert_eq!(own.get(header::CONTENT_SECURITY_POLICY).unwrap(), "default-src 'none'");
        assert_eq!(own.get(header::X_FRAME_OPTIONS).unwrap(), "deny");
    }
}
