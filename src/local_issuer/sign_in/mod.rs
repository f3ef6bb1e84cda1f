//! Signing people in (docs/sign-in.md): the authorization-code flow
//! with PKCE for the public client `demo-spa`, as the Auth0 SPA SDK speaks it.
//!
//! `/authorize` shows a login form, keeps a session in an `HttpOnly` cookie, and hands out
//! single-use codes; `/oauth/token` exchanges a code for an access token and an ID token;
//! `/userinfo` and `/v2/logout` complete what the SDK calls. Sessions and codes live in memory,
//! in stores with a fixed capacity, so a flood of logins cannot grow memory without bound.
//!
//! - `authorize.rs`: `GET /authorize` and its login form (`POST /authorize`), the error page, and
//!   the answer back to the client (a redirect or a `web_message` page);
//! - `token.rs`: the code exchange at `/oauth/token`, `/userinfo` and `/v2/logout`;
//! - `store.rs`: the bounded in-memory store of sessions and codes.

mod authorize;
mod store;
mod token;

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_web::HttpRequest;
use actix_web::http::header;
use url::Url;

pub use authorize::{authorize, log_in};
pub use token::{exchange_code, logout, userinfo};

use crate::auth::{Permission, ReadAdminMessages};
use store::Store;

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
