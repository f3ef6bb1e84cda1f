//! docs/operations.md, checked by independent Python tools: the metrics after known traffic (read
//! by the Prometheus project's own parser), and the OpenAPI document (an independent validator, and
//! schemathesis against the server). The rest of the operation routes: tests/api/operations.rs.
//!
//! The Python tools live in `target/venv`, installed by `scripts/test-deps.sh` (`make test-deps`);
//! the tests fail, never skip, without them.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::{FakeIssuer, Signer, TempDir, TestApp, claims, json_of, now, with};

const PROTECTED: &str = "/api/messages/protected";

/// A Python tool from `target/venv`, or a clear failure saying how to install it.
fn venv_tool(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin").join(name);
    assert!(path.exists(), "{} is missing: run scripts/test-deps.sh (make test-deps) first", path.display());
    path
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
    app.until_status("/health/ready", None, 200).await;

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
async fn the_openapi_document_passes_a_validator_and_schemathesis_against_the_server() {
    // Arrange: an API with its key set loaded, and an admin token.
    let signer = Signer::rsa(0, "k1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    app.until_status("/health/ready", None, 200).await;
    let admin = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    assert_eq!(app.get("/api/messages/admin", Some(&admin)).await.status(), 200);

    let response = app.get("/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let document = json_of(response).await;
    assert_eq!(document["openapi"], "3.1.0");
    let work = TempDir::new("openapi");
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
    let cwd = work.to_path_buf();
    let run = tokio::task::spawn_blocking(move || {
        Command::new(schemathesis)
            .args(["run", &url, "--checks", "all", "--header", &authorization, "--seed", "1", "--no-color"])
            .current_dir(cwd)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    drop(work);
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "schemathesis found problems:\n{report}\n{}", String::from_utf8_lossy(&run.stderr));
    assert!(report.contains("5 selected / 5 total") && report.contains("No issues found"), "{report}");
}
