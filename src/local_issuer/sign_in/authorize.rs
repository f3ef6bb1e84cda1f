//! `/authorize`: the authorization request, the login form, the issuer session, and the answer
//! back to the client (docs/sign-in.md).

use std::collections::HashMap;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};
use url::Url;

use super::{Code, SESSION_COOKIE, SESSION_LIFETIME, SPA_CLIENT_ID, Session, SignIn, now_secs};
use crate::local_issuer::{IssuerState, secrets_match, token_id};

/// The validated parameters of an authorization request.
struct Authorization {
    redirect_uri: String,
    state: Option<String>,
    web_message: bool,
    nonce: Option<String>,
    challenge: String,
    scope: String,
    prompt: Option<String>,
}

/// The page a person sees when the request cannot be sent back to its client: a redirect to an
/// untrusted URI would hand the answer to whoever named it (docs/sign-in.md).
pub(super) fn error_page(description: &str) -> HttpResponse {
    HttpResponse::BadRequest().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Sign-in error (local issuer)</title>\
         <h1>This sign-in request cannot be served</h1><p role=\"alert\" data-error>invalid_request: {}</p>\
         <p>Check the application's client ID and redirect URI (docs/sign-in.md).</p></html>\n",
        html_escape(description)
    ))
}

/// Why an authorization request is refused.
enum Refusal {
    /// The client or its redirect URI cannot be trusted: a 400 page, never a redirect.
    Page(&'static str),
    /// An RFC 6749 `error` and `error_description` sent back to the client.
    ToClient(Box<Authorization>, &'static str, &'static str),
}

impl Refusal {
    fn answer(self, sign_in: &SignIn, status: StatusCode) -> HttpResponse {
        match self {
            Self::Page(description) => error_page(description),
            Self::ToClient(auth, error, description) => {
                let response = vec![("error", error.into()), ("error_description", description.into())];
                respond(sign_in, &auth, response, status)
            }
        }
    }
}

/// The validated authorization request in the query of `request`.
fn check(request: &HttpRequest, sign_in: &SignIn, state: &IssuerState) -> Result<Authorization, Refusal> {
    let query = query_of(request).map_err(Refusal::Page)?;
    if query.get("client_id").map(String::as_str) != Some(SPA_CLIENT_ID) {
        return Err(Refusal::Page("unknown client_id"));
    }
    let Some(redirect_uri) = query.get("redirect_uri").filter(|uri| sign_in.allowed(uri)) else {
        return Err(Refusal::Page("redirect_uri is not allowed for this client"));
    };
    let web_message = match query.get("response_mode").map(String::as_str) {
        None | Some("query") => false,
        Some("web_message") => true,
        Some(_) => return Err(Refusal::Page("response_mode must be query or web_message")),
    };
    let auth = Authorization {
        redirect_uri: redirect_uri.clone(),
        state: query.get("state").cloned(),
        web_message,
        nonce: query.get("nonce").cloned(),
        challenge: query.get("code_challenge").cloned().unwrap_or_default(),
        scope: query.get("scope").cloned().unwrap_or_default(),
        prompt: query.get("prompt").cloned(),
    };
    if query.get("response_type").map(String::as_str) != Some("code") {
        return Err(Refusal::ToClient(Box::new(auth), "unsupported_response_type", "response_type must be code"));
    }
    if auth.challenge.is_empty() || query.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err(Refusal::ToClient(
            Box::new(auth),
            "invalid_request",
            "PKCE is required: code_challenge with code_challenge_method=S256",
        ));
    }
    if query.get("audience").is_some_and(|audience| *audience != state.audience) {
        return Err(Refusal::ToClient(Box::new(auth), "invalid_request", "unknown audience"));
    }
    if !matches!(auth.prompt.as_deref(), None | Some("none") | Some("login") | Some("")) {
        return Err(Refusal::ToClient(Box::new(auth), "invalid_request", "prompt must be none or login"));
    }
    Ok(auth)
}

/// Sends `response` (`code` or `error`, plus `state`) back to the client.
fn respond(
    sign_in: &SignIn,
    auth: &Authorization,
    mut response: Vec<(&str, String)>,
    status: StatusCode,
) -> HttpResponse {
    if let Some(state) = &auth.state {
        response.push(("state", state.clone()));
    }
    if auth.web_message {
        return web_message(sign_in, &response);
    }
    let mut url = Url::parse(&auth.redirect_uri).expect("checked by check()");
    url.query_pairs_mut().extend_pairs(response.iter().map(|(name, value)| (*name, value.as_str())));
    HttpResponse::build(status).insert_header((header::LOCATION, url.to_string())).finish()
}

/// The page a hidden iframe or popup loads: it posts the response to the client origin only.
/// It is the one response that may be framed, and only by the client origin.
fn web_message(sign_in: &SignIn, response: &[(&str, String)]) -> HttpResponse {
    let response: serde_json::Map<String, Value> =
        response.iter().map(|(name, value)| ((*name).to_owned(), Value::String(value.clone()))).collect();
    let message = json!({ "type": "authorization_response", "response": response });
    let nonce = token_id();
    let script = format!(
        "(window.opener||window.parent).postMessage({},{});",
        script_json(&message),
        script_json(&Value::String(sign_in.client_origin.clone())),
    );
    let csp = format!("default-src 'none'; script-src 'nonce-{nonce}'; frame-ancestors {}", sign_in.client_origin);
    HttpResponse::Ok()
        .insert_header((header::CONTENT_SECURITY_POLICY, csp))
        .content_type("text/html; charset=utf-8")
        .body(format!("<!doctype html><title>Signing in</title><script nonce=\"{nonce}\">{script}</script>\n"))
}

/// JSON safe inside a `<script>` element.
fn script_json(value: &Value) -> String {
    value.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// The login form; it posts back to `/authorize` with the same query.
fn login_page(query_string: &str, error: Option<&str>, username: &str) -> HttpResponse {
    let error =
        error.map(|error| format!("<p role=\"alert\" data-error>{}</p>", html_escape(error))).unwrap_or_default();
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Sign in (local issuer)</title>\
         <h1>Sign in</h1><p>Local issuer, for development only.</p>{error}\
         <form method=\"post\" action=\"/authorize?{}\">\
         <label>Email <input name=\"username\" type=\"email\" autocomplete=\"username\" value=\"{}\" required></label>\
         <label>Password <input name=\"password\" type=\"password\" autocomplete=\"current-password\" required></label>\
         <button type=\"submit\">Sign in</button></form></html>\n",
        html_escape(query_string),
        html_escape(username),
    ))
}

/// The query parameters, each at most once.
pub(super) fn query_of(request: &HttpRequest) -> Result<HashMap<String, String>, &'static str> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(request.query_string()).map_err(|_| "the query is malformed")?;
    let mut query = HashMap::new();
    for (name, value) in pairs {
        if query.insert(name, value).is_some() {
            return Err("a parameter is repeated");
        }
    }
    Ok(query)
}

fn issue_code(sign_in: &SignIn, auth: &Authorization, user: usize, session: String, auth_time: u64) -> String {
    let code = token_id();
    let entry = Code {
        user,
        session,
        auth_time,
        client_id: SPA_CLIENT_ID.to_owned(),
        redirect_uri: auth.redirect_uri.clone(),
        challenge: auth.challenge.clone(),
        nonce: auth.nonce.clone(),
        scope: auth.scope.clone(),
    };
    sign_in.codes.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).insert(code.clone(), entry);
    code
}

/// `GET /authorize`.
pub async fn authorize(
    request: HttpRequest,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> HttpResponse {
    let auth = match check(&request, &sign_in, &state) {
        Ok(auth) => auth,
        Err(refusal) => return refusal.answer(&sign_in, StatusCode::FOUND),
    };
    let session = sign_in.session(&request).filter(|_| auth.prompt.as_deref() != Some("login"));
    match session {
        Some((id, user, auth_time)) => {
            let code = issue_code(&sign_in, &auth, user, id, auth_time);
            respond(&sign_in, &auth, vec![("code", code)], StatusCode::FOUND)
        }
        None if auth.prompt.as_deref() == Some("none") => respond(
            &sign_in,
            &auth,
            vec![("error", "login_required".into()), ("error_description", "the user is not signed in".into())],
            StatusCode::FOUND,
        ),
        None => login_page(request.query_string(), None, ""),
    }
}

/// The login form's fields.
#[derive(serde::Deserialize)]
pub struct Credentials {
    username: String,
    password: String,
}

/// `POST /authorize`: the login form.
pub async fn log_in(
    request: HttpRequest,
    form: web::Form<Credentials>,
    state: web::Data<IssuerState>,
    sign_in: web::Data<SignIn>,
) -> HttpResponse {
    let auth = match check(&request, &sign_in, &state) {
        Ok(auth) => auth,
        // After a POST, 303 makes the browser follow with a GET.
        Err(refusal) => return refusal.answer(&sign_in, StatusCode::SEE_OTHER),
    };
    // Every user's password is compared, so the time does not tell which emails exist.
    let mut found = None;
    for (index, user) in sign_in.users.iter().enumerate() {
        let password_ok = secrets_match(&form.password, user.password);
        if password_ok && user.email.eq_ignore_ascii_case(form.username.trim()) {
            found = Some(index);
        }
    }
    let Some(user) = found else {
        return login_page(request.query_string(), Some("Wrong email or password."), &form.username);
    };
    let session = token_id();
    let auth_time = now_secs();
    sign_in
        .sessions
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .insert(session.clone(), Session { user, auth_time });
    let code = issue_code(&sign_in, &auth, user, session.clone(), auth_time);
    let mut response = respond(&sign_in, &auth, vec![("code", code)], StatusCode::SEE_OTHER);
    let cookie =
        format!("{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", SESSION_LIFETIME.as_secs());
    if let Ok(value) = header::HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}
