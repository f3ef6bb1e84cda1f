//! DNS-rebinding defence for local mode (docs/local-issuer.md, "Loopback only"): a page on an
//! attacker's name that resolves to 127.0.0.1 reaches the local listeners with its own `Host`,
//! so in local mode every listener answers only loopback names and refuses any other with
//! `421 Misdirected Request`.

use actix_web::HttpResponseBuilder;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;

/// Whether `host` (a `Host` header or a URI authority) names this machine's loopback:
/// `localhost` in any case, `127.0.0.1` or `[::1]`, with or without a port.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // `[::1]` alone also contains ':', but its last part is not a port.
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty() => name,
        Some((_, "")) => return false,
        _ => host,
    };
    name.eq_ignore_ascii_case("localhost") || name == "127.0.0.1" || name == "[::1]"
}

/// The middleware: refuses a request whose `Host` (and request-target authority, if any) is not
/// a loopback name; a request without any host (HTTP/1.0) is refused too. Every server wraps it
/// as `Condition::new(local_mode, from_fn(loopback_only))`, inside [`crate::middleware::finish`]
/// so the refusal gets the security headers.
pub async fn loopback_only(
    request: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody, impl MessageBody>>, actix_web::Error> {
    let header = request.headers().get(header::HOST).map(|value| value.to_str().unwrap_or(""));
    let authority = request.uri().authority().map(|authority| authority.as_str());
    let hosts: Vec<&str> = header.into_iter().chain(authority).collect();
    if hosts.is_empty() || !hosts.iter().all(|host| is_loopback_host(host)) {
        let response = HttpResponseBuilder::new(StatusCode::MISDIRECTED_REQUEST)
            .json(serde_json::json!({ "message": "Misdirected Request" }));
        return Ok(request.into_response(response).map_into_left_body());
    }
    next.call(request).await.map(ServiceResponse::map_into_right_body)
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_names_with_or_without_a_port() {
        for host in ["localhost", "LOCALHOST", "LocalHost:6060", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8080"] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "",
            "rebind.attacker.example",
            "localhost.attacker.example",
            "localhost:",
            "localhost:http",
            "127.0.0.2",
            "127.0.0.1.nip.io",
            "::1",
            "[::1",
            "0.0.0.0",
            ":80",
            "localhost:80:80",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
