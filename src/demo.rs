//! The browser demo: the pages in `static/` (built into the binary) and the `config.json` that
//! tells them where the API and the local issuer are.

use std::net::TcpListener;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, web};
use serde::Serialize;

use crate::middleware::{ServerOptions, StackConfig};

/// What the page needs to know, served as `/config.json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DemoConfig {
    /// The API's base URL as the browser reaches it, e.g. `http://127.0.0.1:6060`.
    pub api_server_url: String,
    /// The issuer, for display; the local issuer in local mode.
    pub issuer_url: Option<String>,
    /// The local issuer's token endpoint (local mode only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<String>,
    /// The audience the page asks tokens for.
    pub audience: String,
    /// The public client a person signs in with (local mode only; docs/sign-in.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spa_client_id: Option<String>,
    /// The local demo clients with their secrets (local mode only, where the demo is served on
    /// loopback alone; the secrets are `LOCAL_CLIENT_SECRET` / `LOCAL_ADMIN_SECRET` or their
    /// documented defaults, so the page can ask the local issuer for tokens).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub clients: Vec<DemoClientConfig>,
}

/// One demo client as the page sees it.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DemoClientConfig {
    /// Client id.
    pub id: String,
    /// Client secret.
    pub secret: String,
    /// Permissions its tokens carry.
    pub permissions: Vec<String>,
}

const INDEX_HTML: &str = include_str!("../static/index.html");
const APP_JS: &str = include_str!("../static/app.js");
const SIGN_IN_JS: &str = include_str!("../static/sign-in.js");
const DPOP_JS: &str = include_str!("../static/dpop.js");
const STYLE_CSS: &str = include_str!("../static/style.css");
/// The same icon the local issuer serves at its own `/favicon.ico`.
const FAVICON: &[u8] = include_bytes!("../static/favicon.ico");

/// The Content-Security-Policy of the demo's own responses: the page may load only its own
/// files and connect only to itself, the API and the issuer.
fn content_security_policy(config: &DemoConfig) -> String {
    let mut connect = vec!["'self'".to_owned(), origin_of(&config.api_server_url)];
    if let Some(endpoint) = config.token_endpoint.as_deref().or(config.issuer_url.as_deref()) {
        connect.push(origin_of(endpoint));
    }
    connect.dedup();
    format!(
        "default-src 'self'; connect-src {}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        connect.join(" ")
    )
}

fn origin_of(url: &str) -> String {
    url::Url::parse(url).map_or_else(|_| url.to_owned(), |url| url.origin().ascii_serialization())
}

/// The demo's HTTP server on already bound listeners, with its own CSP; in local mode it answers
/// loopback `Host` names only ([`crate::host_check`]). Every page answers `HEAD` like `GET`.
pub(crate) fn server(
    listeners: Vec<TcpListener>,
    config: DemoConfig,
    local_mode: bool,
) -> std::io::Result<actix_web::dev::Server> {
    let csp = HeaderValue::from_str(&content_security_policy(&config))
        .expect("the policy is built from URLs, which have no control characters");
    let config = web::Data::new(config);
    let options = ServerOptions {
        stack: StackConfig { loopback_only: local_mode, content_security_policy: Some(csp), ..StackConfig::default() },
        cors: None,
        workers: Some(1),
    };
    crate::middleware::serve(listeners, options, move |app| {
        app.app_data(config.clone())
            .service(page("/", || file("text/html; charset=utf-8", INDEX_HTML)))
            .service(page("/index.html", || file("text/html; charset=utf-8", INDEX_HTML)))
            .service(page("/app.js", || file("text/javascript; charset=utf-8", APP_JS)))
            .service(page("/sign-in.js", || file("text/javascript; charset=utf-8", SIGN_IN_JS)))
            .service(page("/dpop.js", || file("text/javascript; charset=utf-8", DPOP_JS)))
            .service(page("/style.css", || file("text/css; charset=utf-8", STYLE_CSS)))
            // Browsers ask for it unprompted; an icon keeps their consoles free of 404s.
            .service(page("/favicon.ico", || file("image/x-icon", FAVICON)))
            .service(
                web::resource("/config.json")
                    .route(web::get().to(config_json))
                    .route(web::head().to(config_json))
                    .default_service(web::to(method_not_allowed)),
            );
    })
}

async fn config_json(config: web::Data<DemoConfig>) -> HttpResponse {
    HttpResponse::Ok().json(config.get_ref())
}

/// A static page at `path`, for `GET` and `HEAD` (actix sends the head alone for `HEAD`).
fn page(path: &str, answer: fn() -> HttpResponse) -> actix_web::Resource {
    web::resource(path)
        .route(web::get().to(move || async move { answer() }))
        .route(web::head().to(move || async move { answer() }))
        .default_service(web::to(method_not_allowed))
}

async fn method_not_allowed() -> HttpResponse {
    HttpResponse::MethodNotAllowed().insert_header((header::ALLOW, "GET, HEAD")).finish()
}

fn file(content_type: &'static str, body: impl actix_web::body::MessageBody + 'static) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, content_type)).body(body)
}
