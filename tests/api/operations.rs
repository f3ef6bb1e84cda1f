//! docs/operations.md: the probes through an issuer outage and a graceful stop, the metrics after
//! known traffic (read by the Prometheus project's own Python parser), `METRICS=off`, and the
//! OpenAPI document checked by an independent validator and by schemathesis against the server.
//!
//! The Python tools live in `target/venv`, installed by `scripts/test-deps.sh` (`make test-deps`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use hello_api::config::Settings;
use hello_api::startup::Application;
use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, Behaviour, FakeIssuer, Signer, TestApp, claims, now, with};

const PROTECTED: &str = "/api/messages/protected";

/// A Python tool from `target/venv`, or a clear failure saying how to install it.
fn venv_tool(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin").join(name);
    assert!(path.exists(), "{} is missing: run scripts/test-deps.sh (make test-deps) first", path.display());
    path
}

/// GETs `path` until it answers `status`, at most ~15 s (the key set loads in the background).
async fn until_status(app: &TestApp, path: &str, status: u16) -> reqwest::Response {
    for _ in 0..150 {
        let response = app.get(path, None).await;
        if response.status().as_u16() == status {
            return response;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never answered {status}");
}

async fn json_of(response: reqwest::Response) -> Value {
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.expect("a JSON body")
}

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
    let ready = until_status(&app, "/health/ready", 200).await;
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
    for _ in 0..150 {
        if probe().await.status() == 200 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(probe().await.status(), 200);
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

/// One parsed sample: name, labels, value.
type Sample = (String, HashMap<String, String>, f64);

/// Every sample of a text exposition, as the `prometheus_client` Python package parses it, and
/// each family's type by name.
fn parse_exposition(text: &str) -> (Vec<Sample>, HashMap<String, String>) {
    const PARSE: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
samples, types = [], {}
for family in text_string_to_metric_families(sys.stdin.read()):
    types[family.name] = family.type
    samples += [[s.name, s.labels, s.value] for s in family.samples]
print(json.dumps({"samples": samples, "types": types}))
"#;
    let mut child = Command::new(venv_tool("python"))
        .args(["-c", PARSE])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "the Prometheus parser refused the exposition:\n{text}");
    let parsed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let samples = serde_json::from_value(parsed["samples"].clone()).unwrap();
    let types = serde_json::from_value(parsed["types"].clone()).unwrap();
    (samples, types)
}

/// The value of the sample `name` whose labels include `labels` (0 when there is none).
fn value(samples: &[Sample], name: &str, labels: &[(&str, &str)]) -> f64 {
    let matching: Vec<f64> = samples
        .iter()
        .filter(|(sample, have, _)| {
            sample == name && labels.iter().all(|(key, value)| have.get(*key).map(String::as_str) == Some(*value))
        })
        .map(|(_, _, value)| *value)
        .collect();
    assert!(matching.len() <= 1, "{name} {labels:?} matches {} samples", matching.len());
    matching.first().copied().unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_known_traffic_with_bounded_labels() {
    // Arrange: an API with its key set loaded.
    let signer = Signer::rsa(0, "k1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    until_status(&app, "/health/ready", 200).await;

    // Act: one valid token twice (the second is a cache hit), one expired token, two made-up paths,
    // one wrong method.
    let valid = signer.sign(&claims(&issuer.issuer(), &[]));
    let expired = signer.sign(&with(claims(&issuer.issuer(), &[]), json!({"exp": now() - 3600, "iat": now() - 7200})));
    for (token, status) in [(&valid, 200), (&valid, 200), (&expired, 401)] {
        assert_eq!(app.get(PROTECTED, Some(token)).await.status(), status);
    }
    for path in ["/no/such/path", "/another/made-up/path?x=1"] {
        assert_eq!(app.get(path, None).await.status(), 404);
    }
    let post = app.http.post(format!("{}/api/messages/public", app.url)).send().await.unwrap();
    assert_eq!(post.status(), 405);

    // Assert: the exposition format, parsed by a real Prometheus parser.
    let response = app.get("/metrics", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain; version=0.0.4");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let text = response.text().await.unwrap();
    let (samples, types) = parse_exposition(&text);

    let requests = "hello_api_http_requests_total";
    let protected = |status| [("route", PROTECTED), ("method", "GET"), ("status", status)];
    assert_eq!(value(&samples, requests, &protected("200")), 2.0);
    assert_eq!(value(&samples, requests, &protected("401")), 1.0);
    assert_eq!(value(&samples, requests, &[("route", "unmatched"), ("method", "GET"), ("status", "404")]), 2.0);
    assert_eq!(
        value(&samples, requests, &[("route", "/api/messages/public"), ("method", "POST"), ("status", "405")]),
        1.0
    );
    let routes: Vec<&str> =
        samples.iter().filter_map(|(_, labels, _)| labels.get("route").map(String::as_str)).collect();
    assert!(routes.iter().all(|route| !route.contains("made-up") && !route.contains("no/such")), "{routes:?}");

    let checks = "hello_api_token_checks_total";
    assert_eq!(value(&samples, checks, &[("outcome", "valid")]), 2.0);
    assert_eq!(value(&samples, checks, &[("outcome", "token_has_expired")]), 1.0);
    assert_eq!(value(&samples, "hello_api_token_cache_hits_total", &[]), 1.0);
    assert_eq!(value(&samples, "hello_api_key_set_fetches_total", &[("result", "ok")]), 1.0);
    assert_eq!(value(&samples, "hello_api_key_set_fetches_total", &[("result", "error")]), 0.0);
    assert_eq!(value(&samples, "hello_api_key_set_keys", &[]), 1.0);

    let duration = "hello_api_http_request_duration_seconds";
    assert_eq!(types.get(duration).map(String::as_str), Some("histogram"));
    assert_eq!(value(&samples, &format!("{duration}_count"), &[("route", PROTECTED)]), 3.0);
    assert_eq!(value(&samples, &format!("{duration}_bucket"), &[("route", PROTECTED), ("le", "+Inf")]), 3.0);
    assert_eq!(types.get("hello_api_key_set_keys").map(String::as_str), Some("gauge"));
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
async fn the_openapi_document_passes_a_validator_and_schemathesis_against_the_server() {
    // Arrange: an API with its key set loaded, and an admin token.
    let signer = Signer::rsa(0, "k1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    until_status(&app, "/health/ready", 200).await;
    let admin = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    assert_eq!(app.get("/api/messages/admin", Some(&admin)).await.status(), 200);

    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let document = json_of(response).await;
    assert_eq!(document["openapi"], "3.1.0");
    let work = std::env::temp_dir().join(format!("hello-api-openapi-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let file = work.join("openapi.json");
    std::fs::write(&file, document.to_string()).unwrap();

    // An independent validator accepts it.
    let validated = Command::new(venv_tool("openapi-spec-validator")).arg(&file).output().unwrap();
    assert!(validated.status.success(), "{}", String::from_utf8_lossy(&validated.stdout));

    // schemathesis calls every operation (and other methods) with the admin token: no server
    // error, and no answer that contradicts the document. Run in the work folder (it writes
    // `.hypothesis` there) on a worker thread, so that this runtime keeps serving.
    let url = format!("{}/openapi.json", app.url);
    let authorization = format!("Authorization: Bearer {admin}");
    let schemathesis = venv_tool("schemathesis");
    let cwd = work.clone();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(schemathesis)
            .args(["run", &url, "--checks", "all", "--header", &authorization, "--seed", "1", "--no-color"])
            .current_dir(cwd)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "schemathesis found problems:\n{report}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(report.contains("5 selected / 5 total") && report.contains("No issues found"), "{report}");
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
