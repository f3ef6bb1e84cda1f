//! The browser demo: the pages in `static/` (built into the binary) and the `config.json` that
//! tells them where the API and the local issuer are.

use std::net::TcpListener;

use actix_web::http::header;
use actix_web::middleware::{Condition, from_fn};
use actix_web::{App, HttpResponse, HttpServer, web};
use serde::Serialize;

/// What the page needs to know, served as `/config.json`.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DemoConfig {
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
pub struct DemoClientConfig {
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

/// The demo's HTTP server on already bound listeners; in local mode it answers loopback `Host`
/// names only ([`crate::host_check`]).
pub fn server(
    listeners: Vec<TcpListener>,
    config: DemoConfig,
    local_mode: bool,
) -> std::io::Result<actix_web::dev::Server> {
    let csp = content_security_policy(&config);
    let config = web::Data::new(config);
    let mut server = HttpServer::new(move || {
        let csp = csp.clone();
        App::new()
            .app_data(config.clone())
            .wrap(actix_web::middleware::DefaultHeaders::new().add((header::CONTENT_SECURITY_POLICY, csp)))
            .wrap(Condition::new(local_mode, from_fn(crate::host_check::loopback_only)))
            .wrap(from_fn(crate::middleware::finish))
            .route("/", web::get().to(|| async { file("text/html; charset=utf-8", INDEX_HTML) }))
            .route("/index.html", web::get().to(|| async { file("text/html; charset=utf-8", INDEX_HTML) }))
            .route("/app.js", web::get().to(|| async { file("text/javascript; charset=utf-8", APP_JS) }))
            .route("/sign-in.js", web::get().to(|| async { file("text/javascript; charset=utf-8", SIGN_IN_JS) }))
            .route("/dpop.js", web::get().to(|| async { file("text/javascript; charset=utf-8", DPOP_JS) }))
            .route("/style.css", web::get().to(|| async { file("text/css; charset=utf-8", STYLE_CSS) }))
            .route(
                "/config.json",
                web::get().to(|config: web::Data<DemoConfig>| async move { HttpResponse::Ok().json(config.get_ref()) }),
            )
            // Browsers ask for it unprompted; "no content" keeps their consoles free of 404s.
            .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
            .default_service(web::to(HttpResponse::NotFound))
    })
    .workers(1)
    .disable_signals();
    for listener in listeners {
        server = server.listen(listener)?;
    }
    Ok(server.run())
}

fn file(content_type: &'static str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok().insert_header((header::CONTENT_TYPE, content_type)).body(body)
}
