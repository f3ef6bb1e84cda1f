//! The files the issuer's pages load from the issuer itself: the demo's `style.css`, the login
//! page's own styles and script, and `/favicon.ico` (the same file the demo serves).

use actix_web::HttpResponse;

use crate::local_issuer::pages::{LOGIN_CSS, LOGIN_JS};

const STYLE_CSS: &str = include_str!("../../../static/style.css");
const FAVICON: &[u8] = include_bytes!("../../../static/favicon.ico");

fn file(content_type: &'static str, body: &'static [u8]) -> HttpResponse {
    // No caching header of its own: the one stack sends the contract's `Cache-Control` on every
    // response (docs/contract.md, "Headers on every response").
    HttpResponse::Ok().content_type(content_type).body(body)
}

pub(in crate::local_issuer) async fn style() -> HttpResponse {
    file("text/css; charset=utf-8", STYLE_CSS.as_bytes())
}

pub(in crate::local_issuer) async fn login_style() -> HttpResponse {
    file("text/css; charset=utf-8", LOGIN_CSS.as_bytes())
}

pub(in crate::local_issuer) async fn login_script() -> HttpResponse {
    file("text/javascript; charset=utf-8", LOGIN_JS.as_bytes())
}

pub(in crate::local_issuer) async fn favicon() -> HttpResponse {
    file("image/x-icon", FAVICON)
}
