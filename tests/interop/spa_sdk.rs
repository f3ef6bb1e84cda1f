//! docs/sign-in.md: the official Auth0 SPA SDK (`@auth0/auth0-spa-js`
//! 2, unmodified, fetched by `scripts/test-deps.sh` into `target/test-deps/`) signs people in
//! against the local issuer, in real headless Chromium, from a page on the client origin.

use std::net::{Ipv4Addr, Ipv6Addr, TcpListener};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

use crate::browser::{displayed, open_browser, start_chromedriver, submit_login};
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

/// Serves the page and the SDK on `listeners` (the client origin).
fn serve_page(listeners: Vec<TcpListener>, config: Value) -> actix_web::dev::Server {
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
            .route("/page.js", web::get().to(|| script(PAGE_JS.to_owned())))
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

async fn login_with_redirect(browser: &Client) {
    browser.execute("window.ready.then((client) => client.loginWithRedirect());", vec![]).await.unwrap();
}

#[tokio::test]
async fn the_official_spa_sdk_signs_in_refreshes_silently_and_logs_out() {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut listeners = vec![listener];
    listeners.extend(TcpListener::bind((Ipv6Addr::LOCALHOST, port)).ok());
    let origin = format!("http://localhost:{port}");
    let app = TestApp::local(&[("CLIENT_ORIGIN_URL", origin.as_str())]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    // The SDK's `domain` is the issuer URL without the trailing `/`: it appends `/authorize`
    // and expects the `iss` `{domain}/`.
    let config = json!({ "domain": issuer.trim_end_matches('/'), "audience": AUDIENCE, "api": app.url });
    tokio::spawn(serve_page(listeners, config));

    let driver = start_chromedriver().await;
    let profile = TempDir::new("chromium-sdk");
    let browser = open_browser(&driver, &profile).await;
    let mut outcomes = Vec::new();

    browser.goto(&format!("{origin}/")).await.unwrap();
    page_ready(&browser).await;
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
