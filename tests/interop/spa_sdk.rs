//! docs/sign-in.md: the official Auth0 SPA SDK (`@auth0/auth0-spa-js`
//! 2, unmodified, fetched by `scripts/test-deps.sh` into `target/test-deps/`) signs people in
//! against the local issuer, in real headless Chromium, from a page on the client origin; and, in
//! the configuration docs/dpop.md recommends with `make run` (`useDpop`, `useRefreshTokens`,
//! `cacheLocation: 'localstorage'`), calls the API with DPoP through the SDK's own fetcher.

use std::net::{Ipv4Addr, Ipv6Addr, TcpListener};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{Driver, displayed, open_browser, start_chromedriver, submit_login};
use crate::helpers::{AUDIENCE, TempDir, TestApp};

const SDK: &str = "target/test-deps/auth0-spa-js/auth0-spa-js.production.js";

/// The page: the SDK configured as the Auth0 samples configure it, with `domain` = the local
/// issuer. It handles the redirect callback, then sets `window.pageState`.
const PAGE_JS: &str = r#"
window.pageState = 'loading';
window.ready = (async () => {
  const client = await auth0.createAuth0Client({
    domain: CONFIG.domain,
    clientId: 'demo-spa',
    authorizationParams: { audience: CONFIG.audience, redirect_uri: window.location.origin + '/' },
  });
  if (window.location.search.includes('code=') || window.location.search.includes('error=')) {
    await client.handleRedirectCallback();
    window.history.replaceState(null, '', '/');
  }
  window.client = client;
  return client;
})();
window.ready.then(() => { window.pageState = 'ready'; }, (e) => { window.pageState = 'error: ' + (e.error || e.message); });

// A fresh token (no cache: a reload or a logout must show in it), the user and the admin call.
window.callAdmin = async () => {
  const client = await window.ready;
  try {
    const token = await client.getTokenSilently({ cacheMode: 'off' });
    const user = await client.getUser();
    const response = await fetch(CONFIG.api + '/api/messages/admin', { headers: { Authorization: 'Bearer ' + token } });
    return { email: user && user.email, status: response.status };
  } catch (e) {
    return { error: e.error || e.message };
  }
};
"#;

/// The page for DPoP and refresh tokens (docs/dpop.md, "The SPA SDK with `make run`"). Before
/// the SDK runs, it wraps `fetch` to record what a thief on the wire would see (each request's
/// URL, `Authorization` and `DPoP` headers, and the token endpoint's `grant_type`) and counts the
/// iframes it adds (silent authentication at `/authorize` would need one).
const DPOP_PAGE_JS: &str = r#"
window.sent = [];
window.iframes = 0;
const realFetch = window.fetch.bind(window);
window.fetch = (input, init) => {
  const request = new Request(input, init);
  const body = init && init.body;
  let grantType = null;
  if (body instanceof URLSearchParams) grantType = body.get('grant_type');
  else if (typeof body === 'string') {
    try { grantType = JSON.parse(body).grant_type; } catch { grantType = new URLSearchParams(body).get('grant_type'); }
  }
  window.sent.push({ url: request.url, authorization: request.headers.get('authorization'),
    dpop: request.headers.get('dpop'), grantType });
  return realFetch(input, init);
};
new MutationObserver((records) => {
  for (const record of records) for (const node of record.addedNodes) if (node.nodeName === 'IFRAME') window.iframes += 1;
}).observe(document.documentElement, { childList: true, subtree: true });

window.pageState = 'loading';
window.ready = (async () => {
  const client = await auth0.createAuth0Client({
    domain: CONFIG.domain,
    clientId: 'demo-spa',
    useDpop: true,
    useRefreshTokens: true,
    cacheLocation: 'localstorage',
    authorizationParams: { audience: CONFIG.audience, redirect_uri: window.location.origin + '/' },
  });
  if (window.location.search.includes('code=') || window.location.search.includes('error=')) {
    await client.handleRedirectCallback();
    window.history.replaceState(null, '', '/');
  }
  window.client = client;
  return client;
})();
window.ready.then(() => { window.pageState = 'ready'; }, (e) => { window.pageState = 'error: ' + (e.error || e.message); });

// `fresh`: a new access token first (cacheMode 'off': after a reload, from the refresh token).
// The admin call goes through the SDK's fetcher: `dpopNonceId` makes it send a proof, and the
// audience is passed per call because the fetcher's own token lookup would send none.
window.callAdmin = async (fresh) => {
  const client = await window.ready;
  try {
    if (fresh) await client.getTokenSilently({ cacheMode: 'off' });
    const fetcher = client.createFetcher({ baseUrl: CONFIG.api, dpopNonceId: 'hello-api' });
    const response = await fetcher.fetchWithAuth('/api/messages/admin', {}, { audience: CONFIG.audience });
    const user = await client.getUser();
    return { email: user && user.email, status: response.status };
  } catch (e) {
    return { error: e.error || e.message };
  }
};

// What this page load sent, and whether anything went to /authorize.
window.network = () => ({
  sent: window.sent,
  iframes: window.iframes,
  authorize: performance.getEntriesByType('resource').filter((entry) => entry.name.includes('/authorize')).length,
});
"#;

/// Serves the page (`page_js` after the SDK) and the SDK on `listeners` (the client origin).
fn serve_page(listeners: Vec<TcpListener>, config: Value, page_js: &'static str) -> actix_web::dev::Server {
    let sdk = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(SDK))
        .unwrap_or_else(|_| panic!("{SDK} is missing: run scripts/test-deps.sh (make test does)"));
    let config = format!("window.CONFIG = {config};");
    let server = HttpServer::new(move || {
        let (sdk, config) = (sdk.clone(), config.clone());
        App::new()
            .route(
                "/",
                web::get().to(|| async {
                    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(
                        "<!doctype html><title>SPA SDK</title><script src=\"/sdk.js\"></script>\
                         <script src=\"/config.js\"></script><script src=\"/page.js\"></script>",
                    )
                }),
            )
            .route("/sdk.js", web::get().to(move || script(sdk.clone())))
            .route("/config.js", web::get().to(move || script(config.clone())))
            .route("/page.js", web::get().to(move || script(page_js.to_owned())))
            .route("/favicon.ico", web::get().to(HttpResponse::NoContent))
    })
    .workers(1)
    .disable_signals();
    listeners.into_iter().try_fold(server, |server, listener| server.listen(listener)).unwrap().run()
}

async fn script(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/javascript; charset=utf-8").body(body)
}

/// Waits until the page has set up the SDK (and handled a redirect callback).
async fn page_ready(browser: &Client) {
    for _ in 0..200 {
        let state = browser.execute("return window.pageState || null;", vec![]).await.ok();
        match state.as_ref().and_then(Value::as_str) {
            Some("ready") => return,
            Some(state) if state.starts_with("error") => panic!("the page failed: {state}"),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("the page never got ready at {:?}", browser.current_url().await.map(|url| url.to_string()));
}

async fn call_admin(browser: &Client) -> Value {
    let script = "const done = arguments[arguments.length - 1]; window.callAdmin().then(done);";
    browser.execute_async(script, vec![]).await.unwrap()
}

/// [`DPOP_PAGE_JS`]'s admin call, with a fresh token first when `fresh`.
async fn call_admin_with_dpop(browser: &Client, fresh: bool) -> Value {
    let script = "const done = arguments[arguments.length - 1]; window.callAdmin(arguments[0]).then(done);";
    browser.execute_async(script, vec![json!(fresh)]).await.unwrap()
}

async fn network(browser: &Client) -> Value {
    browser.execute("return window.network();", vec![]).await.unwrap()
}

/// The client origin on `localhost` (IPv4 and, when available, IPv6 on the same port).
fn client_origin() -> (Vec<TcpListener>, String) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut listeners = vec![listener];
    listeners.extend(TcpListener::bind((Ipv6Addr::LOCALHOST, port)).ok());
    (listeners, format!("http://localhost:{port}"))
}

async fn login_with_redirect(browser: &Client) {
    browser.execute("window.ready.then((client) => client.loginWithRedirect());", vec![]).await.unwrap();
}

/// The page `page_js` on a fresh client origin, against a local-mode API that allows that
/// origin, opened in Chromium with the profile folder `profile` and ready.
struct SdkPage {
    app: TestApp,
    origin: String,
    issuer: String,
    browser: Client,
    /// Kept for as long as the browser runs.
    driver: Driver,
    profile: TempDir,
}

async fn open_sdk_page(page_js: &'static str, profile: &str) -> SdkPage {
    let (listeners, origin) = client_origin();
    let app = TestApp::local(&[("CLIENT_ORIGIN_URL", origin.as_str())]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    // The SDK's `domain` is the issuer URL without the trailing `/`: it appends `/authorize`
    // and expects the `iss` `{domain}/`.
    let config = json!({ "domain": issuer.trim_end_matches('/'), "audience": AUDIENCE, "api": app.url });
    tokio::spawn(serve_page(listeners, config, page_js));

    let driver = start_chromedriver().await;
    let profile = TempDir::new(profile);
    let browser = open_browser(&driver, &profile).await;
    browser.goto(&format!("{origin}/")).await.unwrap();
    page_ready(&browser).await;
    SdkPage { app, origin, issuer, browser, driver, profile }
}

#[tokio::test]
async fn the_official_spa_sdk_signs_in_refreshes_silently_and_logs_out() {
    let SdkPage { origin, issuer, browser, driver: _driver, profile: _profile, .. } =
        open_sdk_page(PAGE_JS, "chromium-sdk").await;
    let mut outcomes = Vec::new();

    login_with_redirect(&browser).await;
    // A wrong password shows the form again and never goes back to the page.
    submit_login(&browser, "admin@example.com", "demo-user-password").await;
    displayed(&browser, "[data-error]").await;
    let after_wrong_password = browser.current_url().await.unwrap().to_string();
    browser.find(Locator::Css("input[name=username]")).await.unwrap().clear().await.unwrap();
    submit_login(&browser, "admin@example.com", "demo-admin-password").await;
    page_ready(&browser).await;
    outcomes.push(("admin signed in", call_admin(&browser).await));

    // A reload loses the SDK's memory cache; silent authentication (hidden iframe, prompt=none,
    // web_message) gets new tokens from the issuer's session, without the form.
    browser.refresh().await.unwrap();
    page_ready(&browser).await;
    outcomes.push(("after reload", call_admin(&browser).await));
    let url_after_reload = browser.current_url().await.unwrap().to_string();

    browser
        .execute(
            "window.pageState = 'leaving'; \
             window.ready.then((client) => client.logout({ logoutParams: { returnTo: window.location.origin + '/' } }));",
            vec![],
        )
        .await
        .unwrap();
    page_ready(&browser).await;
    outcomes.push(("after logout", call_admin(&browser).await));

    login_with_redirect(&browser).await;
    submit_login(&browser, "user@example.com", "demo-user-password").await;
    page_ready(&browser).await;
    outcomes.push(("plain user", call_admin(&browser).await));

    browser.close().await.unwrap();

    assert!(after_wrong_password.starts_with(&issuer), "{after_wrong_password}");
    assert_eq!(url_after_reload, format!("{origin}/"), "no form on reload");
    assert_eq!(
        outcomes,
        vec![
            ("admin signed in", json!({ "email": "admin@example.com", "status": 200 })),
            ("after reload", json!({ "email": "admin@example.com", "status": 200 })),
            ("after logout", json!({ "error": "login_required" })),
            ("plain user", json!({ "email": "user@example.com", "status": 403 })),
        ]
    );
}

/// Replays a captured DPoP-bound token from outside the browser, with Python's urllib and PyJWT:
/// as Bearer, with the DPoP scheme but no proof, with the browser's captured proof, and with a
/// proof PyJWT signs with a P-256 key of its own. Prints `[status, error_description]` per try.
const REPLAY: &str = r#"
import json, sys, time, uuid, hashlib, base64, urllib.request, urllib.error
import jwt
from cryptography.hazmat.primitives.asymmetric import ec
given = json.load(sys.stdin)
token, url = given["token"], given["url"]
key = ec.generate_private_key(ec.SECP256R1())
jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
ath = base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).rstrip(b"=").decode()
own_proof = jwt.encode({"jti": str(uuid.uuid4()), "htm": "GET", "htu": url, "iat": int(time.time()), "ath": ath},
                       key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": jwk})
tries = [
    {"Authorization": "Bearer " + token},
    {"Authorization": "DPoP " + token},
    {"Authorization": "DPoP " + token, "DPoP": given["proof"]},
    {"Authorization": "DPoP " + token, "DPoP": own_proof},
]
out = []
for headers in tries:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers)) as response:
            out.append([response.status, None])
    except urllib.error.HTTPError as refused:
        out.append([refused.code, json.load(refused).get("error_description")])
print(json.dumps(out))
"#;

/// docs/dpop.md, "The SPA SDK with `make run`": the SDK with `useDpop`, `useRefreshTokens` and
/// `cacheLocation: 'localstorage'` signs in, calls the admin route through `createFetcher()` with
/// a proof, gets a new token after a reload from the refresh token alone (no `/authorize`, no
/// iframe), and the token it sent is refused to a Python client replaying it without the key.
#[tokio::test]
async fn the_spa_sdk_with_dpop_and_refresh_tokens_survives_a_reload_and_its_token_is_useless_to_a_thief() {
    let SdkPage { app, origin, issuer, browser, driver: _driver, profile: _profile } =
        open_sdk_page(DPOP_PAGE_JS, "chromium-sdk-dpop").await;
    login_with_redirect(&browser).await;
    submit_login(&browser, "admin@example.com", "demo-admin-password").await;
    page_ready(&browser).await;
    let signed_in = call_admin_with_dpop(&browser, false).await;
    let before_reload = network(&browser).await;

    browser.refresh().await.unwrap();
    page_ready(&browser).await;
    let after_reload = call_admin_with_dpop(&browser, true).await;
    let reloaded = network(&browser).await;
    let url_after_reload = browser.current_url().await.unwrap().to_string();
    browser.close().await.unwrap();

    let admin = json!({ "email": "admin@example.com", "status": 200 });
    assert_eq!(signed_in, admin, "signed in: {before_reload:#}");
    assert_eq!(after_reload, admin, "after the reload: {reloaded:#}");
    assert_eq!(url_after_reload, format!("{origin}/"), "no form on reload");
    let grants = |network: &Value| -> Vec<Value> {
        let sent = network["sent"].as_array().unwrap();
        sent.iter()
            .filter(|request| request["url"].as_str().unwrap().starts_with(&issuer))
            .map(|r| r["grantType"].clone())
            .collect()
    };
    assert_eq!(grants(&before_reload), vec![json!("authorization_code")], "{before_reload:#}");
    assert_eq!(grants(&reloaded), vec![json!("refresh_token")], "the refresh token alone: {reloaded:#}");
    assert_eq!((&reloaded["iframes"], &reloaded["authorize"]), (&json!(0), &json!(0)), "nothing went to /authorize");

    let api_calls = |network: &Value| -> Vec<Value> {
        let sent = network["sent"].as_array().unwrap();
        sent.iter().filter(|request| request["url"].as_str().unwrap().starts_with(&app.url)).cloned().collect()
    };
    let [first] = api_calls(&before_reload).try_into().expect("one API call before the reload");
    let [captured] = api_calls(&reloaded).try_into().expect("one API call after the reload");
    let scheme_and_token = |call: &Value| {
        call["authorization"].as_str().unwrap().split_once(' ').map(|(s, t)| (s.to_owned(), t.to_owned())).unwrap()
    };
    let (scheme, token) = scheme_and_token(&captured);
    assert_eq!(scheme, "DPoP");
    assert_ne!(scheme_and_token(&first).1, token, "a new access token after the reload");
    let payload = token.split('.').nth(1).unwrap();
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims["cnf"]["jkt"].as_str().map(str::len), Some(43), "bound to the page's key: {claims}");

    let url = format!("{}/api/messages/admin", app.url);
    let replayed = crate::pyjwt::python(REPLAY, &json!({ "token": token, "url": url, "proof": captured["dpop"] }));
    assert_eq!(
        replayed,
        json!([
            [401, "DPoP-bound token sent as Bearer"],
            [401, "proof is missing"],
            [401, "proof was already used"],
            [401, "proof key is not the token's"],
        ])
    );
}
