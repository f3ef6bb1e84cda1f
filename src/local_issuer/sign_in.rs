//! Signing people in (docs/sign-in.md): the authorization-code flow
//! with PKCE for the public client `demo-spa`, as the Auth0 SPA SDK speaks it.
//!
//! `/authorize` shows a login form, keeps a session in an `HttpOnly` cookie, and hands out
//! single-use codes; `/oauth/token` exchanges a code for an access token and an ID token;
//! `/userinfo` and `/v2/logout` complete what the SDK calls. Sessions and codes live in memory,
//! in stores with a fixed capacity, so a flood of logins cannot grow memory without bound.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};
use url::Url;

use super::{IssuerState, TOKEN_LIFETIME_SECS, TokenError, secrets_match, token_id};
use crate::auth::{Permission, ReadAdminMessages};

/// The public SPA client's id.
pub const SPA_CLIENT_ID: &str = "demo-spa";
/// The session cookie's name.
const SESSION_COOKIE: &str = "local_issuer_session";
/// How long a session lasts.
const SESSION_LIFETIME: Duration = Duration::from_secs(3600);
/// How long a code may wait to be exchanged.
const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// At most this many sessions and this many codes are kept; the oldest goes first.
const STORE_CAPACITY: usize = 10_000;

/// A person who can sign in.
#[derive(Debug)]
pub struct User {
    /// The token `sub`.
    pub id: &'static str,
    /// The login name.
    pub email: &'static str,
    password: &'static str,
    /// Permissions from the user's role.
    pub permissions: Vec<&'static str>,
}

/// The two demo users.
pub fn demo_users() -> Vec<User> {
    vec![
        User {
            id: "local|admin",
            email: "admin@example.com",
            password: "demo-admin-password",
            permissions: vec![ReadAdminMessages::NAME],
        },
        User { id: "local|user", email: "user@example.com", password: "demo-user-password", permissions: vec![] },
    ]
}

/// A store of entries that expire, holding at most `STORE_CAPACITY` of them.
struct Store<T> {
    entries: HashMap<String, (Instant, T)>,
    order: VecDeque<String>,
    lifetime: Duration,
}

impl<T> Store<T> {
    fn new(lifetime: Duration) -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new(), lifetime }
    }

    fn insert(&mut self, key: String, value: T) {
        while self.entries.len() >= STORE_CAPACITY {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        // Keys removed early may still sit in `order`; keep it from outgrowing the map.
        if self.order.len() >= 2 * STORE_CAPACITY {
            self.order.retain(|key| self.entries.contains_key(key));
        }
        self.order.push_back(key.clone());
        self.entries.insert(key, (Instant::now() + self.lifetime, value));
    }

    fn get(&self, key: &str) -> Option<&T> {
        self.entries.get(key).filter(|(expires, _)| *expires > Instant::now()).map(|(_, value)| value)
    }

    fn take(&mut self, key: &str) -> Option<T> {
        self.entries.remove(key).filter(|(expires, _)| *expires > Instant::now()).map(|(_, value)| value)
    }
}

struct Session {
    user: usize,
    auth_time: u64,
}

struct Code {
    user: usize,
    session: String,
    auth_time: u64,
    client_id: String,
    redirect_uri: String,
    challenge: String,
    nonce: Option<String>,
    scope: String,
}

/// The sign-in state of the local issuer.
pub struct SignIn {
    client_origin: String,
    users: Vec<User>,
    sessions: Mutex<Store<Session>>,
    codes: Mutex<Store<Code>>,
}

impl SignIn {
    /// Sign-in for the SPA at `client_origin` (`CLIENT_ORIGIN_URL`).
    pub fn new(client_origin: &str) -> Self {
        Self {
            client_origin: client_origin.trim_end_matches('/').to_owned(),
            users: demo_users(),
            sessions: Mutex::new(Store::new(SESSION_LIFETIME)),
            codes: Mutex::new(Store::new(CODE_LIFETIME)),
        }
    }

    /// Whether `url` is on the client origin (redirect URIs and logout `returnTo`).
    fn allowed(&self, url: &str) -> bool {
        Url::parse(url).is_ok_and(|url| url.origin().ascii_serialization() == self.client_origin)
    }

    fn session(&self, request: &HttpRequest) -> Option<(String, usize, u64)> {
        let id = request
            .headers()
            .get_all(header::COOKIE)
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(';'))
            .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))?
            .to_owned();
        let sessions = self.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let session = sessions.get(&id)?;
        Some((id.clone(), session.user, session.auth_time))
    }
}

fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |now| now.as_secs())
}

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

/// An authorization request that cannot go back to the client: a 400 page, never a redirect.
/// The page a person sees when the request cannot be sent back to its client: a redirect to an
/// untrusted URI would hand the answer to whoever named it (docs/sign-in.md).
fn error_page(description: &str) -> HttpResponse {
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
fn query_of(request: &HttpRequest) -> Result<HashMap<String, String>, &'static str> {
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

/// `grant_type=authorization_code` at `/oauth/token` (RFC 6749 4.1.3, RFC 7636 4.6).
pub fn exchange_code(
    parameters: &HashMap<String, String>,
    state: &IssuerState,
    sign_in: &SignIn,
) -> Result<HttpResponse, TokenError> {
    let parameter = |name: &'static str| parameters.get(name).ok_or(TokenError::InvalidRequest(name));
    let (code, verifier) = (parameter("code")?, parameter("code_verifier")?);
    let (client_id, redirect_uri) = (parameter("client_id")?, parameter("redirect_uri")?);
    let entry = sign_in
        .codes
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take(code)
        .ok_or(TokenError::InvalidGrant("the code is unknown, used or expired"))?;
    if entry.client_id != *client_id || entry.redirect_uri != *redirect_uri {
        return Err(TokenError::InvalidGrant("the code was issued to another client or redirect_uri"));
    }
    let challenge = URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, verifier.as_bytes()));
    if !secrets_match(&challenge, &entry.challenge) {
        return Err(TokenError::InvalidGrant("code_verifier does not match the code_challenge"));
    }
    let user = &sign_in.users[entry.user];
    let now = now_secs();
    let oidc: Vec<&str> =
        entry.scope.split_whitespace().filter(|scope| matches!(*scope, "openid" | "profile" | "email")).collect();
    let scope = oidc.iter().copied().chain(user.permissions.iter().copied()).collect::<Vec<_>>().join(" ");
    let mut claims = json!({
        "iss": state.issuer,
        "sub": user.id,
        "aud": state.audience,
        "azp": SPA_CLIENT_ID,
        "client_id": SPA_CLIENT_ID,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "jti": token_id(),
        "permissions": user.permissions,
    });
    if !scope.is_empty() {
        claims["scope"] = json!(scope);
    }
    let mut id_claims = json!({
        "iss": state.issuer,
        "sub": user.id,
        "aud": SPA_CLIENT_ID,
        "iat": now,
        "exp": now + TOKEN_LIFETIME_SECS,
        "auth_time": entry.auth_time,
        "sid": entry.session,
    });
    if let Some(nonce) = &entry.nonce {
        id_claims["nonce"] = json!(nonce);
    }
    profile(user, &mut id_claims);
    let signing = |err: jsonwebtoken::errors::Error| {
        log::error!("local issuer could not sign a token: {err}");
        TokenError::Signing
    };
    let access_token = state.key.sign_access_token(&claims).map_err(signing)?;
    let id_token = state.key.sign(&id_claims).map_err(signing)?;
    let mut body = json!({
        "access_token": access_token,
        "id_token": id_token,
        "token_type": "Bearer",
        "expires_in": TOKEN_LIFETIME_SECS,
    });
    if !scope.is_empty() {
        body["scope"] = json!(scope);
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(body))
}

/// Adds the profile claims of `user` to `claims`.
fn profile(user: &User, claims: &mut Value) {
    let nickname = user.email.split('@').next().unwrap_or(user.email);
    claims["email"] = json!(user.email);
    claims["email_verified"] = json!(true);
    claims["name"] = json!(user.email);
    claims["nickname"] = json!(nickname);
}

fn invalid_token(description: &str) -> HttpResponse {
    HttpResponse::Unauthorized()
        .insert_header((
            header::WWW_AUTHENTICATE,
            format!("Bearer error=\"invalid_token\", error_description=\"{description}\""),
        ))
        .json(json!({ "error": "invalid_token", "error_description": description }))
}

/// `GET /userinfo`: the profile of the user whose access token is presented.
pub async fn userinfo(request: HttpRequest, state: web::Data<IssuerState>, sign_in: web::Data<SignIn>) -> HttpResponse {
    let token = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer ")));
    let Some(token) = token else {
        return invalid_token("a bearer token is required");
    };
    let Some(key) = serde_json::from_value::<jsonwebtoken::jwk::Jwk>(state.key.public_jwk().clone())
        .ok()
        .and_then(|jwk| jsonwebtoken::DecodingKey::from_jwk(&jwk).ok())
    else {
        return HttpResponse::InternalServerError().finish();
    };
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
    validation.set_issuer(&[&state.issuer]);
    validation.set_audience(&[&state.audience]);
    let Ok(data) = jsonwebtoken::decode::<Value>(token, &key, &validation) else {
        return invalid_token("the token is not valid");
    };
    let sub = data.claims["sub"].as_str().unwrap_or_default();
    let Some(user) = sign_in.users.iter().find(|user| user.id == sub) else {
        return invalid_token("the token is not a user's");
    };
    let mut claims = json!({ "sub": user.id });
    profile(user, &mut claims);
    HttpResponse::Ok().json(claims)
}

/// `GET /v2/logout`: ends the session; redirects to `returnTo` when it is on the client origin.
pub async fn logout(request: HttpRequest, sign_in: web::Data<SignIn>) -> HttpResponse {
    if let Some((id, _, _)) = sign_in.session(&request) {
        sign_in.sessions.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take(&id);
    }
    let query = match query_of(&request) {
        Ok(query) => query,
        Err(description) => return error_page(description),
    };
    let client_ok = query.get("client_id").is_none_or(|id| id == SPA_CLIENT_ID);
    let return_to = query.get("returnTo").filter(|url| client_ok && sign_in.allowed(url));
    let mut response = match return_to {
        Some(url) => HttpResponse::Found().insert_header((header::LOCATION, url.as_str())).finish(),
        None => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Signed out</title><p>You are signed out.</p></html>\n",
        ),
    };
    let expired = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    if let Ok(value) = header::HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_never_holds_more_than_its_capacity() {
        let mut store = Store::new(Duration::from_secs(60));
        for n in 0..STORE_CAPACITY + 10 {
            store.insert(n.to_string(), n);
        }
        assert_eq!(store.entries.len(), STORE_CAPACITY);
        assert!(store.get("0").is_none(), "the oldest went first");
        assert_eq!(store.take(&(STORE_CAPACITY + 9).to_string()), Some(STORE_CAPACITY + 9));
        assert_eq!(store.take(&(STORE_CAPACITY + 9).to_string()), None, "taken once");
        for n in 0..3 * STORE_CAPACITY {
            store.insert(format!("x{n}"), n);
            store.take(&format!("x{n}"));
        }
        assert!(store.order.len() <= 2 * STORE_CAPACITY);
    }
}
