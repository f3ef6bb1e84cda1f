//! The ceiling for this stack: a bare actix-web app, with no middleware at all, that answers
//! `GET /api/messages/public` with hello-api's own handler (`{"text":"This is a public message."}`)
//! on the same number of workers (one per core). `make bench` builds it in release beside the
//! server and loads both side by side; the public route's budgets are ratios to it
//! (docs/performance.md).
//!
//! With `BASELINE_HEADERS` set, the handler also adds the headers every hello-api answer carries
//! (the contract's nine security headers and the `Vary` and `Access-Control-Expose-Headers` of
//! CORS), the cheapest way actix offers: names and values parsed once, room for all of them
//! reserved at once. That run tells what the headers cost by themselves, apart from the code
//! that sets them; `make bench` checks that its headers are hello-api's.
//!
//! Listens on `127.0.0.1:$PORT` (default 0, a free port) and prints `baseline listening on <url>`.

use std::sync::LazyLock;

use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::{App, HttpServer, web};
use hello_api::SECURITY_HEADERS;
use hello_api::routes::messages;

/// What CORS adds to hello-api's answers, beside the contract's [`SECURITY_HEADERS`].
const CORS_HEADERS: [(&str, &str); 2] = [
    ("vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"),
    ("access-control-expose-headers", "dpop-nonce, www-authenticate"),
];

/// Every header hello-api's public route answers besides the body's, parsed once.
static HEADERS: LazyLock<Vec<(HeaderName, HeaderValue)>> = LazyLock::new(|| {
    SECURITY_HEADERS
        .iter()
        .chain(&CORS_HEADERS)
        .map(|&(name, value)| (HeaderName::from_static(name), HeaderValue::from_static(value)))
        .collect()
});

/// hello-api's handler, then its headers.
async fn with_headers() -> actix_web::HttpResponse {
    let mut response = messages::public().await;
    let headers = response.headers_mut();
    headers.reserve(HEADERS.len());
    for (name, value) in HEADERS.iter() {
        headers.insert(name.clone(), value.clone());
    }
    response
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let port: u16 = std::env::var("PORT").ok().and_then(|port| port.parse().ok()).unwrap_or(0);
    let headers = std::env::var_os("BASELINE_HEADERS").is_some();
    let server = HttpServer::new(move || {
        let route = if headers { web::get().to(with_headers) } else { web::get().to(messages::public) };
        App::new().route("/api/messages/public", route)
    })
    .bind(("127.0.0.1", port))?;
    let address = server.addrs()[0];
    println!("baseline listening on http://{address}");
    server.run().await
}
