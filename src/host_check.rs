//! DNS-rebinding defence for local mode (docs/local-issuer.md, "Loopback only"): a page on an
//! attacker's name that resolves to 127.0.0.1 reaches the local listeners with its own `Host`,
//! so in local mode every listener answers only loopback names and refuses any other with
//! `421 Misdirected Request`.

use actix_web::dev::RequestHead;
use actix_web::http::header;

/// Whether `host` (a `Host` header or a URI authority) names this machine's loopback:
/// `localhost` in any case, `127.0.0.1` or `[::1]`, with or without a port. Read as bytes: a
/// header that is not text names no loopback host.
pub(crate) fn is_loopback_host(host: &[u8]) -> bool {
    let name = match host.iter().rposition(|&byte| byte == b':') {
        // `[::1]` alone also contains ':', but its last part is not a port.
        Some(colon) => match &host[colon + 1..] {
            [] => return false,
            port if colon > 0 && port.iter().all(u8::is_ascii_digit) => &host[..colon],
            _ => host,
        },
        None => host,
    };
    name == b"127.0.0.1" || name.eq_ignore_ascii_case(b"localhost") || name == b"[::1]"
}

/// Whether a request names only loopback hosts: its `Host` and its request-target authority (if
/// any). A request without any host (HTTP/1.0) is refused too. The stack
/// ([`crate::middleware`]) answers a refused request with 421 in local mode.
pub(crate) fn is_loopback_request(head: &RequestHead) -> bool {
    let header = head.headers().get(header::HOST).map(|value| value.as_bytes());
    let authority = head.uri.authority().map(|authority| authority.as_str().as_bytes());
    (header.is_some() || authority.is_some()) && header.into_iter().chain(authority).all(is_loopback_host)
}

#[cfg(test)]
mod tests {
    use super::is_loopback_host;

    #[test]
    fn loopback_names_with_or_without_a_port() {
        for host in ["localhost", "LOCALHOST", "LocalHost:6060", "127.0.0.1", "127.0.0.1:1", "[::1]", "[::1]:8080"] {
            assert!(is_loopback_host(host.as_bytes()), "{host}");
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
            assert!(!is_loopback_host(host.as_bytes()), "{host}");
        }
        assert!(!is_loopback_host(b"localhost\xff:80"), "bytes that are not text name no host");
    }
}
