//! The browser demo in real headless Chromium, driven through WebDriver (chromedriver).

use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::process::{Child, Command};

use crate::helpers::{TempDir, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// chromedriver on a free loopback port, stopped when dropped.
pub(crate) struct Driver {
    url: String,
    _process: Child,
}

pub(crate) async fn start_chromedriver() -> Driver {
    assert!(
        std::path::Path::new(CHROMEDRIVER).exists(),
        "the browser test needs Debian's chromium and chromium-driver (make test installs them)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let process = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    for _ in 0..100 {
        if http.get(format!("{url}/status")).send().await.is_ok_and(|r| r.status().is_success()) {
            return Driver { url, _process: process };
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not come up");
}

pub(crate) async fn open_browser(driver: &Driver, profile: &std::path::Path) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--window-size=1200,1000", format!("--user-data-dir={}", profile.display()),
            ],
        },
        "goog:loggingPrefs": { "browser": "ALL" },
    });
    let Value::Object(capabilities) = capabilities else { unreachable!() };
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(capabilities).connect(&driver.url).await.expect("a browser session")
}

/// Console entries since the last call (chromedriver's log endpoint).
async fn console(driver: &Driver, browser: &Client) -> Vec<Value> {
    let session = browser.session_id().await.unwrap().unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/session/{session}/se/log", driver.url))
        .json(&json!({ "type": "browser" }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["value"].as_array().cloned().unwrap_or_default()
}

/// Picks `identity`, clicks `call`, and returns the text of `[data-response]` once it settles.
async fn call(browser: &Client, identity: &str, call: &str) -> String {
    browser.find(Locator::Css("select[data-identity]")).await.unwrap().select_by_value(identity).await.unwrap();
    click_and_read(browser, &format!("button[data-call='{call}']"), &format!("{identity} → {call}")).await
}

/// Clicks `button` and returns the text of `[data-response]` once it settles.
async fn click_and_read(browser: &Client, button: &str, what: &str) -> String {
    browser.find(Locator::Css(button)).await.unwrap().click().await.unwrap();
    for _ in 0..100 {
        let response = browser.find(Locator::Css("[data-response]")).await.unwrap();
        let status = response.attr("data-status").await.unwrap();
        if status.as_deref().is_some_and(|status| status != "pending") {
            return response.text().await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: the response never settled");
}

#[tokio::test]
async fn the_demo_page_calls_the_api_across_origins_in_a_real_browser() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let origin = app.demo_origin.clone().unwrap();
    let driver = start_chromedriver().await;
    let profile = TempDir::new("chromium");
    let browser = open_browser(&driver, &profile).await;

    browser.goto(&format!("{origin}/")).await.unwrap();
    let scenarios = [
        ("anonymous", "public", "200", "This is a public message."),
        ("anonymous", "protected", "401", "Requires authentication"),
        ("demo-client", "protected", "200", "This is a protected message."),
        ("demo-client", "admin", "403", "Permission denied"),
        ("demo-admin", "admin", "200", "This is an admin message."),
    ];
    let mut failures = Vec::new();
    for (identity, route, status, text) in scenarios {
        let shown = call(&browser, identity, route).await;
        if !(shown.starts_with(status) && shown.contains(text)) {
            failures.push(format!("{identity} → {route}: expected {status} {text:?}, page shows {shown:?}"));
        }
    }
    // The decoded token of demo-admin is on the page.
    let token_panel = browser.find(Locator::Css("[data-token-panel]")).await.unwrap().text().await.unwrap();

    let screenshot = browser.screenshot().await.unwrap();
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("browser-demo.png"), screenshot).unwrap();

    let entries = console(&driver, &browser).await;
    browser.close().await.unwrap();

    assert!(failures.is_empty(), "{failures:#?}");
    assert!(token_panel.contains("read:admin-messages") && token_panel.contains("demo-admin@clients"), "{token_panel}");
    // Chrome reports every 4xx fetch as a console error of its own; anything else is the page's fault.
    let errors: Vec<&Value> = entries
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .filter(|entry| {
            let message = entry["message"].as_str().unwrap_or_default();
            !(message.contains("Failed to load resource") && (message.contains("401") || message.contains("403")))
        })
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}

/// Waits until `selector` matches an element that is displayed.
pub(crate) async fn displayed(browser: &Client, selector: &str) -> fantoccini::elements::Element {
    for _ in 0..100 {
        if let Ok(element) = browser.find(Locator::Css(selector)).await
            && element.is_displayed().await.unwrap_or(false)
        {
            return element;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{selector} never showed; page: {:?}", browser.current_url().await.map(|url| url.to_string()));
}

/// Fills the local issuer's login form and submits it.
pub(crate) async fn submit_login(browser: &Client, username: &str, password: &str) {
    displayed(browser, "input[name=username]").await.send_keys(username).await.unwrap();
    browser.find(Locator::Css("input[name=password]")).await.unwrap().send_keys(password).await.unwrap();
    browser.find(Locator::Css("button[type=submit]")).await.unwrap().click().await.unwrap();
}

/// docs/sign-in.md, "The browser demo": a person signs in through the issuer's form (authorization code + PKCE
/// in the page's own code), reads the admin message with their own token, and signs out.
#[tokio::test]
async fn the_admin_signs_in_through_the_form_reads_the_admin_message_and_signs_out() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let origin = app.demo_origin.clone().unwrap();
    let driver = start_chromedriver().await;
    let profile = TempDir::new("chromium-sign-in");
    let browser = open_browser(&driver, &profile).await;

    browser.goto(&format!("{origin}/")).await.unwrap();
    displayed(&browser, "[data-login]").await.click().await.unwrap();
    // A wrong password shows the form again, on the issuer.
    submit_login(&browser, "admin@example.com", "not-the-password").await;
    displayed(&browser, "[data-error]").await;
    assert!(browser.current_url().await.unwrap().as_str().starts_with(app.local_issuer_url.as_deref().unwrap()));
    browser.find(Locator::Css("input[name=username]")).await.unwrap().clear().await.unwrap();
    submit_login(&browser, "admin@example.com", "demo-admin-password").await;

    let user = displayed(&browser, "[data-user]").await.text().await.unwrap();
    let shown = call(&browser, "signed-in", "admin").await;
    let token_panel = browser.find(Locator::Css("[data-token-panel]")).await.unwrap().text().await.unwrap();
    let url_after_sign_in = browser.current_url().await.unwrap().to_string();

    displayed(&browser, "[data-logout]").await.click().await.unwrap();
    displayed(&browser, "[data-login]").await.click().await.unwrap();
    // The session ended: the issuer asks for the password again.
    displayed(&browser, "input[name=password]").await;
    browser.close().await.unwrap();

    assert_eq!(user, "admin@example.com");
    assert!(shown.starts_with("200") && shown.contains("This is an admin message."), "{shown}");
    assert!(token_panel.contains("local|admin") && token_panel.contains("read:admin-messages"), "{token_panel}");
    assert_eq!(url_after_sign_in, format!("{origin}/"), "the code and state are cleaned from the address bar");
}

/// docs/browser-demo.md, "DPoP: a token a thief cannot use": the sign-in binds the person's token to a non-extractable key the
/// page made (`cnf.jkt`), every call carries a proof made in the page, and the same token replayed
/// without the key is refused with its reason.
#[tokio::test]
async fn the_signed_in_token_is_dpop_bound_and_a_thief_replaying_it_gets_401() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let origin = app.demo_origin.clone().unwrap();
    let driver = start_chromedriver().await;
    let profile = TempDir::new("chromium-dpop");
    let browser = open_browser(&driver, &profile).await;

    browser.goto(&format!("{origin}/")).await.unwrap();
    displayed(&browser, "[data-login]").await.click().await.unwrap();
    submit_login(&browser, "admin@example.com", "demo-admin-password").await;
    displayed(&browser, "[data-user]").await;
    let replay_enabled = browser.find(Locator::Css("[data-replay]")).await.unwrap().is_enabled().await.unwrap();
    let owner = call(&browser, "signed-in", "admin").await;
    let jkt =
        browser.find(Locator::Css("[data-jkt]")).await.unwrap().attr("data-jkt").await.unwrap().unwrap_or_default();
    let bound_to = browser.find(Locator::Css("[data-jkt]")).await.unwrap().text().await.unwrap();
    // The key cannot be read out of the page: WebCrypto refuses to export it.
    let export = "const done = arguments[arguments.length - 1]; \
                  import('./sign-in.js').then(async (m) => { \
                    try { await crypto.subtle.exportKey('jwk', m.userProofKey().privateKey); done('exported'); } \
                    catch (e) { done(e.name); } });";
    let exported = browser.execute_async(export, vec![]).await.unwrap();

    let thief = click_and_read(&browser, "button[data-replay]", "replay as a thief").await;
    // The whole page, with the thief's 401 and the token's cnf.jkt (docs/browser-demo.md's picture).
    browser.set_window_size(1200, 2000).await.unwrap();
    browser.execute("window.scrollTo(0, 0);", vec![]).await.unwrap();
    let screenshot = browser.screenshot().await.unwrap();
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("browser-demo-dpop.png"), screenshot).unwrap();
    let owner_again = call(&browser, "signed-in", "admin").await;
    let entries = console(&driver, &browser).await;
    browser.close().await.unwrap();

    assert!(replay_enabled, "the replay button is on once the token is bound");
    assert!(owner.starts_with("200") && owner.contains("This is an admin message."), "{owner}");
    assert_eq!(jkt.len(), 43, "a SHA-256 thumbprint in base64url: {jkt:?}");
    assert!(bound_to.starts_with(&jkt) && bound_to.contains("this tab's key"), "{bound_to}");
    assert_eq!(exported, json!("InvalidAccessError"), "the private key is not extractable");
    assert!(thief.starts_with("401") && thief.contains("DPoP-bound token sent as Bearer"), "{thief}");
    assert!(owner_again.starts_with("200"), "the owner's next call, with a fresh proof: {owner_again}");
    let errors: Vec<&Value> = entries
        .iter()
        .filter(|entry| entry["level"] == "SEVERE")
        .filter(|entry| !entry["message"].as_str().unwrap_or_default().contains("401"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:#?}");
}
