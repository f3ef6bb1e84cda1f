//! The sign-in state: sessions (behind an `HttpOnly` cookie), single-use codes and refresh
//! tokens, each in a bounded store (docs/sign-in.md).

use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};

use super::authorization::AuthRequest;
use super::common::{lock, random_id};
use super::refresh_tokens::RefreshTokens;
use super::store::{Bounds, Store, Weigh};
use super::users::{User, demo_users};

/// The session cookie's name.
const SESSION_COOKIE: &str = "local_issuer_session";

/// Sessions: an hour each, at most 10,000 and 16 MiB.
const SESSIONS: Bounds = Bounds { lifetime: Duration::from_secs(3600), count: 10_000, bytes: 16 << 20 };
/// Codes: 60 s each, at most 10,000 and 48 MiB (10,000 codes of the largest accepted
/// parameters take about 30).
const CODES: Bounds = Bounds { lifetime: Duration::from_secs(60), count: 10_000, bytes: 48 << 20 };

/// A signed-in person. The cookie holds the store's key; `sid` names the session in ID tokens
/// and is a random value of its own, so no token lets anyone rebuild the cookie.
#[derive(Clone)]
pub(super) struct Session {
    pub user: usize,
    pub auth_time: u64,
    pub sid: String,
}

/// What a code was issued for.
pub(super) struct Code {
    pub user: usize,
    pub sid: String,
    pub auth_time: u64,
    pub redirect_uri: String,
    pub challenge: String,
    pub nonce: Option<String>,
    /// The OpenID scopes granted (`openid`, `profile`, `email`, `offline_access`), never the
    /// caller's text.
    pub scope: String,
    /// The DPoP key thumbprint the code is bound to (`dpop_jkt`): its exchange needs a proof
    /// from that key.
    pub dpop_jkt: Option<String>,
}

impl Weigh for Session {
    fn heap_bytes(&self) -> usize {
        self.sid.heap_bytes()
    }
}

impl Weigh for Code {
    fn heap_bytes(&self) -> usize {
        [&self.sid, &self.redirect_uri, &self.challenge, &self.scope]
            .iter()
            .map(|text| text.heap_bytes())
            .sum::<usize>()
            + self.nonce.heap_bytes()
            + self.dpop_jkt.heap_bytes()
    }
}

/// The sign-in state of the local issuer.
pub(crate) struct SignIn {
    pub(super) client_origin: String,
    pub(super) users: Vec<User>,
    sessions: Mutex<Store<Session>>,
    codes: Mutex<Store<Code>>,
    pub(super) refresh_tokens: RefreshTokens,
}

impl SignIn {
    /// Sign-in for the SPA at `client_origin` (`CLIENT_ORIGIN_URL`).
    pub(crate) fn new(client_origin: &str) -> Self {
        Self {
            client_origin: client_origin.trim_end_matches('/').to_owned(),
            users: demo_users(),
            sessions: Mutex::new(Store::new(SESSIONS)),
            codes: Mutex::new(Store::new(CODES)),
            refresh_tokens: RefreshTokens::new(),
        }
    }

    /// Starts a session for `user`; returns the cookie's value and the session.
    pub(super) fn start_session(&self, user: usize, auth_time: u64) -> (String, Session) {
        let session = Session { user, auth_time, sid: random_id() };
        let id = random_id();
        lock(&self.sessions).insert(id.clone(), session.clone(), Instant::now());
        (id, session)
    }

    /// The session whose cookie `request` carries.
    pub(super) fn session(&self, request: &HttpRequest) -> Option<(String, Session)> {
        let id = cookie(request)?;
        let session = lock(&self.sessions).get(id, Instant::now())?.clone();
        Some((id.to_owned(), session))
    }

    /// Ends the session whose cookie `request` carries, the codes it issued and its login's
    /// refresh tokens.
    pub(super) fn end_session(&self, request: &HttpRequest) {
        let Some(id) = cookie(request) else { return };
        if let Some(session) = lock(&self.sessions).take(id, Instant::now()) {
            lock(&self.codes).remove_where(|code| code.sid == session.sid);
            self.refresh_tokens.end_login(&session.sid);
        }
    }

    /// A new single-use code for `request`, signed in as `session`.
    pub(super) fn issue_code(&self, request: &AuthRequest, session: &Session) -> String {
        let code = random_id();
        lock(&self.codes).insert(code.clone(), Code::new(request, session), Instant::now());
        code
    }

    /// Takes the code out: it is single-use whatever the exchange's outcome.
    pub(super) fn take_code(&self, code: &str) -> Option<Code> {
        lock(&self.codes).take(code, Instant::now())
    }
}

impl Code {
    fn new(request: &AuthRequest, session: &Session) -> Self {
        Self {
            user: session.user,
            sid: session.sid.clone(),
            auth_time: session.auth_time,
            redirect_uri: request.target.redirect_uri.to_string(),
            challenge: request.challenge.clone(),
            nonce: request.nonce.clone(),
            scope: request.scope.clone(),
            dpop_jkt: request.dpop_jkt.clone(),
        }
    }
}

/// The session cookie's value in `request`.
fn cookie(request: &HttpRequest) -> Option<&str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| pair.trim().strip_prefix(SESSION_COOKIE)?.strip_prefix('='))
}

/// Sets the session cookie (`id`), or with `None` expires it.
pub(super) fn set_cookie(response: &mut HttpResponse, id: Option<&str>) {
    let cookie = match id {
        Some(id) => {
            format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}", SESSIONS.lifetime.as_secs())
        }
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    };
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local_issuer::authorization::tests::largest_request;

    /// docs/sign-in.md: 10,000 codes made with the largest accepted parameters cost well under
    /// 64 MiB, by the store's own accounting of every string it keeps.
    #[test]
    fn ten_thousand_codes_of_the_largest_parameters_stay_well_under_64_mib() {
        let sign_in = SignIn::new("http://localhost:4040");
        let request = largest_request();
        let (_, session) = sign_in.start_session(0, 0);
        for _ in 0..10_000 {
            sign_in.issue_code(&request, &session);
        }
        let codes = lock(&sign_in.codes);
        assert_eq!(codes.len(), 10_000, "all of them fit");
        let bytes = codes.bytes();
        assert!(bytes > 10_000 * 2048, "every redirect_uri is counted: {bytes}");
        assert!(bytes < 40 << 20, "well under 64 MiB: {} MiB", bytes >> 20);
    }

    #[test]
    fn the_sid_is_not_the_cookie() {
        let sign_in = SignIn::new("http://localhost:4040");
        let (id, session) = sign_in.start_session(0, 0);
        assert_ne!(id, session.sid);
    }
}
