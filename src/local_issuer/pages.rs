//! The pages a person sees, as HTML files beside this one (`pages/`), filled by one function that
//! escapes every value it puts in.

use actix_web::HttpResponse;
use actix_web::http::header;
use serde_json::Value;

use super::users::User;
use crate::local_issuer::state::SPA_CLIENT_ID;

const LOGIN: &str = include_str!("pages/login.html");
const ERROR: &str = include_str!("pages/error.html");
const SIGNED_OUT: &str = include_str!("pages/signed_out.html");
/// The `web_message` response page.
pub(super) const WEB_MESSAGE: &str = include_str!("pages/web_message.html");
/// The login page's own styles, beside the demo's `style.css`.
pub(super) const LOGIN_CSS: &str = include_str!("pages/login.css");
/// The login page's script: the demo-account buttons fill the form.
pub(super) const LOGIN_JS: &str = include_str!("pages/login.js");

/// A value for a `{{name}}` slot.
pub(super) enum Slot<'a> {
    /// Text, HTML-escaped.
    Text(&'a str),
    /// Markup this module built from escaped text.
    Html(&'a str),
    /// JSON inside a `<script>` element: `<`, `>` and `&` escaped so it cannot end the element.
    Script(&'a Value),
}

/// `template` with each `{{name}}` replaced by its slot's value, in one pass: a value is never
/// read as a template.
pub(super) fn fill(template: &str, slots: &[(&str, Slot)]) -> String {
    let mut page = String::with_capacity(template.len() + 1024);
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        page.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let found = after
            .find("}}")
            .and_then(|end| slots.iter().find(|(name, _)| *name == &after[..end]).map(|(_, slot)| (end, slot)));
        match found {
            Some((end, slot)) => {
                page.push_str(&render(slot));
                rest = &after[end + 2..];
            }
            None => {
                page.push_str("{{");
                rest = after;
            }
        }
    }
    page.push_str(rest);
    page
}

fn render(slot: &Slot) -> String {
    match slot {
        Slot::Text(text) => escape(text),
        Slot::Html(html) => (*html).to_owned(),
        Slot::Script(json) => json.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026"),
    }
}

/// Text safe in HTML content and in quoted attributes.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_SECURITY_POLICY, POLICY))
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The pages load their styles, script and icon from the issuer itself, and nothing else.
const POLICY: &str = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; \
                      form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The page a person sees when a request cannot be sent back to its client: a redirect to an
/// untrusted URI would hand the answer to whoever named it (docs/sign-in.md).
pub(super) fn error_page(description: &str) -> HttpResponse {
    html(actix_web::http::StatusCode::BAD_REQUEST, fill(ERROR, &[("description", Slot::Text(description))]))
}

/// After a logout with no `returnTo` to go back to.
pub(super) fn signed_out_page() -> HttpResponse {
    html(actix_web::http::StatusCode::OK, fill(SIGNED_OUT, &[]))
}

/// What each OpenID scope lets the client learn, in words.
fn scope_words(scope: &str) -> Option<&'static str> {
    match scope {
        "openid" => Some("who you are (your user id)"),
        "profile" => Some("your name and picture"),
        "email" => Some("your email address"),
        "offline_access" => Some("to stay signed in for up to a day (a refresh token)"),
        _ => None,
    }
}

/// The login form; it posts back to `/authorize` with the same query. It names the client and
/// what it asks for (the OpenID `scope` granted, the `audience`), and offers the demo accounts.
/// Its `form-action` allows `client_origin`, where the answer to the form is redirected (a
/// redirect after a form's POST is bound by `form-action`).
pub(super) fn login_page(
    scope: &str,
    audience: Option<&str>,
    query: &str,
    users: &[User],
    error: Option<&str>,
    username: &str,
    client_origin: &str,
) -> HttpResponse {
    let mut asks: String =
        scope.split(' ').filter_map(scope_words).map(|words| format!("<li>{}</li>", escape(words))).collect();
    if let Some(audience) = audience {
        let roles: Vec<String> = users
            .iter()
            .map(|user| match user.permissions.as_slice() {
                [] => format!("none for {}", escape(user.role)),
                permissions => format!("<code>{}</code> for {}", escape(&permissions.join(" ")), escape(user.role)),
            })
            .collect();
        asks.push_str(&format!(
            "<li>to call <code>{}</code> as you, with your role's permissions: {}</li>",
            escape(audience),
            roles.join(", ")
        ));
    }
    if asks.is_empty() {
        asks.push_str("<li>who you are (your user id)</li>");
    }
    let accounts: String = users
        .iter()
        .map(|user| {
            let permissions =
                if user.permissions.is_empty() { "no permissions".to_owned() } else { user.permissions.join(", ") };
            format!(
                "<li><span class=\"who\"><img src=\"{}\" alt=\"\" width=\"32\" height=\"32\"><span>{}\
                 <span class=\"role\">role {} · {}</span></span></span>\
                 <button type=\"button\" data-fill-username=\"{}\" data-fill-password=\"{}\">Use</button></li>",
                escape(&user.picture()),
                escape(user.email),
                escape(user.role),
                escape(&permissions),
                escape(user.email),
                escape(user.password),
            )
        })
        .collect();
    let error = error.map(|error| format!("<p class=\"alert\" role=\"alert\" data-error>{}</p>", escape(error)));
    let body = fill(
        LOGIN,
        &[
            ("client", Slot::Text(SPA_CLIENT_ID)),
            ("origin", Slot::Text(client_origin)),
            ("asks", Slot::Html(&asks)),
            ("error", Slot::Html(error.as_deref().unwrap_or_default())),
            ("query", Slot::Text(query)),
            ("username", Slot::Text(username)),
            ("accounts", Slot::Html(&accounts)),
        ],
    );
    let mut response = html(actix_web::http::StatusCode::OK, body);
    let policy = POLICY.replace("form-action 'self'", &format!("form-action 'self' {client_origin}"));
    if let Ok(value) = header::HeaderValue::from_str(&policy) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_escapes_text_and_keeps_script_json_inside_its_element() {
        let json = serde_json::json!({"a": "</script><b>&"});
        let slots = [("t", Slot::Text("<b>\"'&{{j}}")), ("j", Slot::Script(&json))];
        let page = fill("<p>{{t}}</p><script>{{j}}</script>{{x}}", &slots);
        assert_eq!(
            page,
            "<p>&lt;b&gt;&quot;&#39;&amp;{{j}}</p><script>{\"a\":\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"}</script>{{x}}"
        );
    }
}
