//! The authorization-code flow with PKCE against the real local issuer, without a browser (the
//! login form posted as a browser would post it; docs/sign-in.md): what tests/api/sign_in.rs
//! checks step by step, and what other tests use to get a signed-in person's tokens.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::{AUDIENCE, TestApp};

/// The demo's origin, where the demo client's redirect URI lives.
pub const ORIGIN: &str = "http://localhost:4040";
/// The demo client's redirect URI.
pub const REDIRECT: &str = "http://localhost:4040/callback";
/// The PKCE code verifier of [`query`]'s `code_challenge`.
pub const VERIFIER: &str = "a-verifier-of-at-least-43-characters-0123456789abcdef";

/// The S256 PKCE challenge of `verifier`.
pub fn challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, verifier.as_bytes()))
}

/// The query of an authorization request, with `changes` replacing or (value `None`) removing
/// parameters.
pub fn query(changes: &[(&str, Option<&str>)]) -> String {
    let challenge = challenge(VERIFIER);
    let mut pairs: Vec<(String, String)> = [
        ("response_type", "code"),
        ("client_id", "demo-spa"),
        ("redirect_uri", REDIRECT),
        ("state", "the-state"),
        ("nonce", "the-nonce"),
        ("code_challenge", challenge.as_str()),
        ("code_challenge_method", "S256"),
        ("scope", "openid profile email"),
        ("audience", AUDIENCE),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value.to_owned()))
    .collect();
    for (name, value) in changes {
        pairs.retain(|(existing, _)| existing != name);
        if let Some(value) = value {
            pairs.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    serde_urlencoded::to_string(pairs).unwrap()
}

/// The local issuer's URL, ending in `/`.
pub fn issuer(app: &TestApp) -> String {
    app.local_issuer_url.clone().expect("local mode runs the local issuer")
}

/// Posts the login form of the authorization request `query`.
pub async fn log_in(app: &TestApp, query: &str, username: &str, password: &str) -> reqwest::Response {
    app.http
        .post(format!("{}authorize?{query}", issuer(app)))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The `location` of a redirect.
pub fn location(response: &reqwest::Response) -> url::Url {
    let location = response.headers().get("location").expect("a redirect").to_str().unwrap();
    url::Url::parse(location).unwrap()
}

/// The query parameter `name` of `url`.
pub fn parameter(url: &url::Url, name: &str) -> Option<String> {
    url.query_pairs().find(|(key, _)| key == name).map(|(_, value)| value.into_owned())
}

/// The session cookie (`name=value`) a login set.
pub fn session_cookie(response: &reqwest::Response) -> String {
    let cookie = response.headers().get("set-cookie").expect("a session cookie").to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

/// Signs `username` in through the form: the code and the session cookie.
pub async fn sign_in(app: &TestApp, username: &str, password: &str) -> (String, String) {
    let response = log_in(app, &query(&[]), username, password).await;
    assert_eq!(response.status(), 303);
    let url = location(&response);
    assert_eq!(url.origin().ascii_serialization(), ORIGIN);
    assert_eq!(url.path(), "/callback");
    assert_eq!(parameter(&url, "state").as_deref(), Some("the-state"));
    (parameter(&url, "code").expect("a code"), session_cookie(&response))
}

/// Exchanges `code` at the token endpoint, as the demo client.
pub async fn exchange(app: &TestApp, code: &str, verifier: &str, redirect_uri: &str) -> reqwest::Response {
    app.http
        .post(format!("{}oauth/token", issuer(app)))
        .json(&json!({
            "grant_type": "authorization_code",
            "client_id": "demo-spa",
            "code": code,
            "code_verifier": verifier,
            "redirect_uri": redirect_uri,
        }))
        .send()
        .await
        .unwrap()
}
