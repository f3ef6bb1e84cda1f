//! The browser demo's host: page, config document, CSP, and CORS on the issuer for the page.

use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn local_mode_serves_the_page_and_a_config_that_points_at_the_api_and_issuer() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let origin = app.demo_origin.clone().expect("the demo is served in local mode");
    assert!(origin.starts_with("http://localhost:") && !origin.ends_with(":0"));
    let page = origin.replace("localhost", "127.0.0.1");

    let index = app.http.get(format!("{page}/")).send().await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let csp = index.headers()["content-security-policy"].to_str().unwrap().to_owned();
    let html = index.text().await.unwrap();
    assert!(html.contains("data-identity") && !html.contains("<script>"), "no inline script");

    let config: Value = app.http.get(format!("{page}/config.json")).send().await.unwrap().json().await.unwrap();
    let issuer = app.local_issuer_url.clone().unwrap();
    assert_eq!(config["apiServerUrl"], app.url);
    assert_eq!(config["issuerUrl"], issuer);
    assert_eq!(config["tokenEndpoint"], format!("{issuer}oauth/token"));
    assert_eq!(config["spaClientId"], "demo-spa");
    let issuer_origin = issuer.trim_end_matches('/');
    assert_eq!(
        csp,
        format!(
            "default-src 'self'; connect-src 'self' {} {issuer_origin}; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            app.url
        )
    );
    for asset in ["/app.js", "/style.css"] {
        assert_eq!(app.http.get(format!("{page}{asset}")).send().await.unwrap().status(), 200, "{asset}");
    }

    // The page's origin may preflight the API and ask the issuer for tokens; others may not.
    let token = app
        .http
        .post(format!("{issuer}oauth/token"))
        .header("Origin", &origin)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-client-secret"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(token.headers()["access-control-allow-origin"], origin.as_str());
    let preflight = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/api/messages/admin", app.url))
        .header("Origin", &origin)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization,content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(preflight.headers()["access-control-allow-origin"], origin.as_str());
}

#[tokio::test]
async fn outside_local_mode_the_demo_is_off_unless_asked_for() {
    let issuer = crate::helpers::FakeIssuer::start(vec![]).await;
    let off = TestApp::trusting(&issuer, &[("SERVE_DEMO", ""), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    assert_eq!(off.demo_origin, None);
    let on = TestApp::trusting(&issuer, &[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://127.0.0.1:0")]).await;
    let origin = on.demo_origin.clone().unwrap();
    let config: Value = on.http.get(format!("{origin}/config.json")).send().await.unwrap().json().await.unwrap();
    assert!(
        config.get("clients").is_none() && config.get("tokenEndpoint").is_none() && config.get("spaClientId").is_none(),
        "no demo clients: {config}"
    );
}

#[tokio::test]
async fn head_on_the_demo_pages_answers_like_get_without_a_body() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let page = app.demo_origin.clone().unwrap().replace("localhost", "127.0.0.1");
    for path in ["/", "/index.html", "/app.js", "/sign-in.js", "/style.css", "/config.json", "/favicon.ico"] {
        let get = app.http.get(format!("{page}{path}")).send().await.unwrap();
        let head = app.http.head(format!("{page}{path}")).send().await.unwrap();
        assert_eq!(head.status(), 200, "HEAD {path}");
        assert_eq!(head.headers().get("content-type"), get.headers().get("content-type"), "HEAD {path}");
        assert_eq!(head.headers().get("content-security-policy"), get.headers().get("content-security-policy"));
        assert_eq!(head.text().await.unwrap(), "", "HEAD {path} has no body");
    }
}

#[tokio::test]
async fn the_demo_serves_an_icon_at_favicon_ico() {
    let app = TestApp::local(&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "http://localhost:0")]).await;
    let page = app.demo_origin.clone().unwrap().replace("localhost", "127.0.0.1");
    let icon = app.http.get(format!("{page}/favicon.ico")).send().await.unwrap();
    assert_eq!(icon.status(), 200);
    let content_type = icon.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("image/"), "{content_type}");
    assert!(!icon.bytes().await.unwrap().is_empty());
}
