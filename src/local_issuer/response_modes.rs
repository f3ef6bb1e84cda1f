//! How an authorization response goes back to the client: `query` (a redirect) or
//! `web_message` (a page that posts it to the client origin), as the Auth0 SPA SDK asks.

use actix_web::HttpResponse;
use actix_web::http::{StatusCode, header};
use serde_json::{Value, json};
use url::Url;

use super::common::random_id;
use super::pages::{self, Slot};

/// Where and how an authorization response goes.
pub(super) struct Target {
    /// The checked, normalised redirect URI.
    pub redirect_uri: Url,
    /// The client's `state`, echoed back.
    pub state: Option<String>,
    /// `response_mode=web_message`.
    pub web_message: bool,
}

/// Sends `response` (`code`, or `error` and `error_description`), plus `state`, back to the client
/// at `client_origin`. `status` is the redirect's: 302, or 303 after the login form's POST.
pub(super) fn respond(
    target: &Target,
    mut response: Vec<(&str, String)>,
    status: StatusCode,
    client_origin: &str,
) -> HttpResponse {
    if let Some(state) = &target.state {
        response.push(("state", state.clone()));
    }
    if target.web_message {
        return web_message(&response, client_origin);
    }
    let mut url = target.redirect_uri.clone();
    url.query_pairs_mut().extend_pairs(response.iter().map(|(name, value)| (*name, value.as_str())));
    HttpResponse::build(status).insert_header((header::LOCATION, url.to_string())).finish()
}

/// The page a hidden iframe or popup loads: it posts the response to the client origin only.
/// It is the one response that may be framed, and only by the client origin.
fn web_message(response: &[(&str, String)], client_origin: &str) -> HttpResponse {
    let response: serde_json::Map<String, Value> =
        response.iter().map(|(name, value)| ((*name).to_owned(), Value::String(value.clone()))).collect();
    let message = json!({ "type": "authorization_response", "response": response });
    let nonce = random_id();
    let csp = format!("default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors {client_origin}");
    let body = pages::fill(
        pages::WEB_MESSAGE,
        &[
            ("nonce", Slot::Text(&nonce)),
            ("message", Slot::Script(&message)),
            ("origin", Slot::Script(&Value::String(client_origin.to_owned()))),
        ],
    );
    HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .content_type("text/html; charset=utf-8")
        .body(body)
}
