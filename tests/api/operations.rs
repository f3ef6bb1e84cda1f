//! docs/operations.md: the probes through an issuer outage and a graceful stop, `METRICS=off`, and
//! the OpenAPI document's links. The metrics after known traffic and the OpenAPI document, read by
//! Python tools, are in tests/interop/operations.rs.

use std::time::Duration;

use hello_api::config::Settings;
use hello_api::startup::Application;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, Behaviour, FakeIssuer, Signer, TestApp, claims, eventually, json_of};

const PROTECTED: &str = "/api/messages/protected";

#[tokio::test]
async fn readiness_waits_for_the_first_key_set_and_survives_an_issuer_outage() {
    // Arrange: the issuer is failing when the API starts.
    let signer = Signer::rsa(0, "k1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    issuer.behave(Behaviour::Status(503));
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "0")]).await;

    // Live at once; not ready before any key set, with Retry-After and the same security headers.
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status(), 200);
    assert_eq!(json_of(live).await, json!({"status": "live"}));
    let not_ready = app.get("/health/ready", None).await;
    assert_eq!(not_ready.status(), 503);
    assert!(not_ready.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(not_ready.headers()["x-content-type-options"], "nosniff");
    assert_eq!(json_of(not_ready).await, json!({"status": "not ready", "reason": "no key set loaded yet"}));

    // The issuer recovers: ready, with the number of keys.
    issuer.behave(Behaviour::Normal);
    let ready = app.until_status("/health/ready", None, 200).await;
    assert_eq!(json_of(ready).await, json!({"status": "ready", "keys": 1}));

    // The issuer goes down and a token with an unknown kid forces a refresh that fails: the last
    // good keys are kept, so the API stays ready and valid tokens still pass.
    issuer.go_down();
    let stranger = Signer::rsa(1, "unknown", Algorithm::RS256);
    let refused = app.get(PROTECTED, Some(&stranger.sign(&claims(&issuer.issuer(), &[])))).await;
    assert_eq!(refused.status(), 503, "no key can serve the unknown kid while the issuer is down");
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status(), 200);
    assert_eq!(json_of(ready).await, json!({"status": "ready", "keys": 1}));
    let valid = app.get(PROTECTED, Some(&signer.sign(&claims(&issuer.issuer(), &[])))).await;
    assert_eq!(valid.status(), 200);

    // Probes take GET only, like every route.
    let post = app.http.post(format!("{}/health/ready", app.url)).send().await.unwrap();
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET");
}

#[tokio::test]
async fn a_graceful_stop_turns_readiness_off_while_an_in_flight_request_finishes() {
    // Arrange: the API drains for 2 s at a stop, and is ready; then a second key is published,
    // slowly (4 s, within the 5 s fetch timeout).
    let first = Signer::rsa(0, "first", Algorithm::RS256);
    let second = Signer::rsa(1, "second", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![first.jwk()]).await;
    let vars = [
        ("PORT", "0"),
        ("HOST", "127.0.0.1"),
        ("SERVE_DEMO", "false"),
        ("ISSUER_BASE_URL", issuer.url.as_str()),
        ("AUDIENCE", AUDIENCE),
        ("JWKS_COOLDOWN_SECONDS", "0"),
        ("DRAIN_SECONDS", "2"),
    ];
    let application = Application::build(Settings::from_vars(vars).unwrap()).await.unwrap();
    let url = application.api_url().to_owned();
    let stopper = application.stopper();
    let running = tokio::spawn(application.run_until_stopped());
    let prober = reqwest::Client::new();
    let probe = || async { prober.get(format!("{url}/health/ready")).send().await.expect("the probe is answered") };
    eventually("the API is ready", || async { (probe().await.status() == 200).then_some(()) }).await;
    issuer.set_keys(vec![first.jwk(), second.jwk()]);
    issuer.behave(Behaviour::Slow(Duration::from_secs(4)));

    // Act: a request that waits for the slow key-set fetch is in flight when the stop begins.
    let fetches = issuer.jwks_fetches();
    let token = second.sign(&claims(&issuer.issuer(), &[]));
    let in_flight = tokio::spawn({
        let url = url.clone();
        async move {
            let response = reqwest::Client::new().get(format!("{url}{PROTECTED}")).bearer_auth(token).send().await;
            response.expect("the in-flight request is answered")
        }
    });
    while issuer.jwks_fetches() == fetches {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let stopping = tokio::spawn(async move { stopper.stop().await });

    // Assert: during the drain the probe says "not ready" while the request is still in flight…
    let mut answer = probe().await;
    while answer.status() == 200 {
        tokio::time::sleep(Duration::from_millis(10)).await;
        answer = probe().await;
    }
    assert!(!in_flight.is_finished(), "the stop must be observable before the in-flight request ends");
    assert_eq!(answer.status(), 503);
    assert!(answer.headers().contains_key("retry-after"));
    assert_eq!(json_of(answer).await, json!({"status": "not ready", "reason": "stopping"}));
    // …which then finishes normally, and the server stops.
    let response = in_flight.await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"text": "This is a protected message."}));
    drop(prober);
    stopping.await.unwrap();
    running.await.unwrap().expect("the server stops cleanly");
}

#[tokio::test]
async fn metrics_off_removes_the_route() {
    let signer = Signer::rsa(0, "k1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("METRICS", "off")]).await;

    let response = app.get("/metrics", None).await;

    assert_eq!(response.status(), 404);
    assert_eq!(json_of(response).await, json!({"message": "Not Found"}));
    assert_eq!(app.get("/health/live", None).await.status(), 200, "the other operation routes stay");
}

#[tokio::test]
async fn local_mode_names_the_local_issuer_in_the_document_and_the_demo_links_it() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let page = app.demo_origin.clone().expect("the demo is served").replace("localhost", "127.0.0.1");

    // The oauth2 flow's token URL is the one the demo itself uses: the embedded issuer's.
    let document = json_of(app.get("/openapi.json", None).await).await;
    let config: Value = app.http.get(format!("{page}/config.json")).send().await.unwrap().json().await.unwrap();
    let flow = &document["components"]["securitySchemes"]["oauth2"]["flows"]["clientCredentials"];
    assert_eq!(flow["tokenUrl"], config["tokenEndpoint"]);
    let issuer = app.local_issuer_url.as_deref().expect("local mode");
    assert_eq!(flow["tokenUrl"], format!("{issuer}oauth/token"));

    // The page has the link, and its script points it at the API's document.
    let html = app.http.get(format!("{page}/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("data-openapi-link"), "{html}");
    let script = app.http.get(format!("{page}/app.js")).send().await.unwrap().text().await.unwrap();
    assert!(script.contains("'[data-openapi-link]'") && script.contains("${config.apiServerUrl}/openapi.json"));
}
