//! docs/contract.md, "CORS" and "Headers on every response".

use jsonwebtoken::Algorithm;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{FakeIssuer, Signer, TestApp, claims};

const ORIGIN: &str = "http://localhost:4040";
/// The headers on every response, as docs/contract.md, "Headers on every response" writes them.
pub(crate) const SECURITY_HEADERS: [(&str, &str); 9] = [
    ("x-xss-protection", "0"),
    ("strict-transport-security", "max-age=31536000; includeSubDomains"),
    ("x-frame-options", "deny"),
    ("x-content-type-options", "nosniff"),
    ("content-security-policy", "default-src 'self'; frame-ancestors 'none'"),
    ("referrer-policy", "no-referrer"),
    ("cache-control", "no-cache, no-store, max-age=0, must-revalidate"),
    ("pragma", "no-cache"),
    ("expires", "0"),
];

fn assert_security_headers(response: &reqwest::Response, what: &str) {
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(response.headers().get(name).map(|v| v.to_str().unwrap()), Some(value), "{name} on {what}");
    }
}

fn preflight(app: &TestApp, origin: &str, path: &str) -> reqwest::RequestBuilder {
    app.http
        .request(Method::OPTIONS, format!("{}{path}", app.url))
        .header("Origin", origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization,content-type")
}

fn list(response: &reqwest::Response, name: &str) -> Vec<String> {
    let value = response.headers().get(name).map_or("", |v| v.to_str().unwrap());
    value.split(',').map(|item| item.trim().to_ascii_lowercase()).filter(|item| !item.is_empty()).collect()
}

#[tokio::test]
async fn a_preflight_from_the_allowed_origin_succeeds_and_names_what_is_allowed() {
    let app = TestApp::trusting(&FakeIssuer::start(vec![]).await, &[]).await;
    for path in ["/api/messages/public", "/api/messages/protected", "/api/messages/admin"] {
        let response = preflight(&app, ORIGIN, path).send().await.unwrap();
        assert!(matches!(response.status().as_u16(), 200 | 204), "{path}: {}", response.status());
        assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN);
        assert_eq!(list(&response, "access-control-allow-methods"), ["get"]);
        let mut headers = list(&response, "access-control-allow-headers");
        headers.sort();
        assert_eq!(headers, ["authorization", "content-type", "dpop"]);
        assert_eq!(response.headers()["access-control-max-age"], "86400");
        assert!(response.headers().get("access-control-allow-credentials").is_none());
        assert!(list(&response, "vary").contains(&"origin".to_owned()));
        assert_security_headers(&response, "a preflight");
    }
}

#[tokio::test]
async fn responses_to_the_allowed_origin_carry_its_cors_headers_errors_included() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    let user = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status("/api/messages/protected", &user, 200).await;
    let cases = [
        ("/api/messages/public", None, 200),
        ("/api/messages/protected", None, 401),
        ("/api/messages/admin", Some(&user), 403),
    ];
    for (path, token, status) in cases {
        let mut request = app.http.get(format!("{}{path}", app.url)).header("Origin", ORIGIN);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()["access-control-allow-origin"], ORIGIN, "{path}");
        assert!(list(&response, "vary").contains(&"origin".to_owned()), "{path}");
    }
}

#[tokio::test]
async fn another_origin_never_gets_an_allow_origin_header() {
    let app = TestApp::trusting(&FakeIssuer::start(vec![]).await, &[]).await;
    for origin in ["http://evil.example.com", "http://localhost:4041", "https://localhost:4040", "null"] {
        let response = preflight(&app, origin, "/api/messages/admin").send().await.unwrap();
        assert!(response.status().is_client_error(), "{origin}: {}", response.status());
        assert!(response.headers().get("access-control-allow-origin").is_none(), "{origin}");
        assert_eq!(response.headers()["content-type"], "application/json");
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].is_string());

        let response =
            app.http.get(format!("{}/api/messages/public", app.url)).header("Origin", origin).send().await.unwrap();
        assert!(response.headers().get("access-control-allow-origin").is_none(), "{origin}");
    }
    // The allowed origin with a method or a header that is not allowed is refused too.
    let response = app
        .http
        .request(Method::OPTIONS, format!("{}/api/messages/public", app.url))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error());
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    let user = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status("/api/messages/protected", &user, 200).await;

    let cases = [
        ("200", app.get("/api/messages/public", None).await),
        ("401", app.get("/api/messages/protected", None).await),
        ("401 invalid_token", app.get("/api/messages/protected", Some("x.y.z")).await),
        ("403", app.get("/api/messages/admin", Some(&user)).await),
        ("404", app.get("/nowhere", None).await),
        ("405", app.http.post(format!("{}/api/messages/public", app.url)).send().await.unwrap()),
        ("preflight", preflight(&app, ORIGIN, "/api/messages/public").send().await.unwrap()),
        (
            "rejected preflight",
            preflight(&app, "http://evil.example.com", "/api/messages/public").send().await.unwrap(),
        ),
    ];
    for (what, response) in cases {
        assert_security_headers(&response, what);
        if response.content_length() != Some(0) {
            assert_eq!(response.headers()["content-type"], "application/json", "{what}");
        }
    }
}

#[tokio::test]
async fn a_503_carries_the_security_headers_and_retry_after() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    issuer.go_down();
    let app = TestApp::trusting(&issuer, &[]).await;
    let response = app.get("/api/messages/protected", Some(&signer.sign(&claims(&issuer.issuer(), &[])))).await;
    assert_eq!(response.status(), 503);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_security_headers(&response, "503");
}

#[tokio::test]
async fn the_issuer_and_the_demo_answer_errors_in_json_with_the_security_headers() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    let issuer = issuer.trim_end_matches('/');
    let demo = app.demo_origin.clone().unwrap();
    let cases = [
        (reqwest::Method::GET, format!("{}/nowhere", app.url), 404, r#"{"message":"Not Found"}"#),
        (reqwest::Method::GET, format!("{issuer}/nowhere"), 404, r#"{"message":"Not Found"}"#),
        (reqwest::Method::GET, format!("{demo}/nowhere"), 404, r#"{"message":"Not Found"}"#),
        (reqwest::Method::GET, format!("{issuer}/oauth/token"), 405, r#"{"message":"Method Not Allowed"}"#),
        (reqwest::Method::DELETE, format!("{demo}/config.json"), 405, r#"{"message":"Method Not Allowed"}"#),
    ];
    for (method, url, status, body) in cases {
        let what = format!("{method} {url}");
        let response = app.http.request(method, &url).send().await.unwrap();
        assert_eq!(response.status().as_u16(), status, "{what}");
        assert_eq!(response.headers()["content-type"], "application/json", "{what}");
        for (name, value) in SECURITY_HEADERS {
            let expected = if name == "content-security-policy" && url.starts_with(&demo) { None } else { Some(value) };
            match expected {
                Some(value) => assert_eq!(
                    response.headers().get(name).map(|v| v.to_str().unwrap()),
                    Some(value),
                    "{name} on {what}"
                ),
                // The demo's responses carry its own policy (tests/api/demo.rs).
                None => {
                    assert!(response.headers()[name].to_str().unwrap().contains("frame-ancestors 'none'"), "{what}")
                }
            }
        }
        assert_eq!(response.text().await.unwrap(), body, "{what}");
    }
}
