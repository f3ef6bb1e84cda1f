//! docs/local-issuer.md: discovery, key set, the token endpoint and its errors, and its
//! tokens going through the same discovery + key-set path as any issuer's.

use base64::Engine as _;
use serde_json::{Value, json};

use crate::helpers::{AUDIENCE, TestApp, now};

async fn token_request(app: &TestApp) -> reqwest::RequestBuilder {
    let issuer = app.local_issuer_url.as_ref().expect("local mode runs the local issuer");
    app.http.post(format!("{issuer}oauth/token"))
}

fn decode_part(token: &str, index: usize) -> Value {
    let part = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

#[tokio::test]
async fn the_local_issuer_publishes_discovery_metadata_and_its_key() {
    let app = TestApp::local(&[]).await;
    let issuer = app.local_issuer_url.clone().unwrap();
    assert!(issuer.starts_with("http://localhost:") && issuer.ends_with('/'));
    let metadata: Value =
        app.http.get(format!("{issuer}.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();
    assert_eq!(metadata["issuer"], issuer);
    assert_eq!(metadata["jwks_uri"], format!("{issuer}.well-known/jwks.json"));
    assert_eq!(metadata["token_endpoint"], format!("{issuer}oauth/token"));
    let jwks: Value =
        app.http.get(format!("{issuer}.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    let key = &jwks["keys"][0];
    assert_eq!(
        (key["kty"].as_str(), key["alg"].as_str(), key["use"].as_str()),
        (Some("RSA"), Some("RS256"), Some("sig"))
    );
    assert!(key.get("d").is_none(), "no private parts in the key set");
}

#[tokio::test]
async fn clients_authenticate_by_form_json_or_basic_and_the_admin_token_reads_the_admin_message() {
    let app = TestApp::local(&[]).await;
    let form = token_request(&app)
        .await
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-admin"),
            ("client_secret", "demo-admin-secret"),
        ])
        .send()
        .await
        .unwrap();
    let json_body = token_request(&app)
        .await
        .json(&json!({ "grant_type": "client_credentials", "client_id": "demo-admin", "client_secret": "demo-admin-secret", "audience": AUDIENCE }))
        .send()
        .await
        .unwrap();
    let basic = token_request(&app)
        .await
        .basic_auth("demo-admin", Some("demo-admin-secret"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    for (how, response) in [("form", form), ("json", json_body), ("basic", basic)] {
        assert_eq!(response.status(), 200, "{how}");
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("no-store"));
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["token_type"], "Bearer");
        assert_eq!(body["expires_in"], 3600);
        let token = body["access_token"].as_str().unwrap();
        let response = app.wait_for_status("/api/messages/admin", token, 200).await;
        assert_eq!(response.text().await.unwrap(), r#"{"text":"This is an admin message."}"#, "{how}");
    }
}

#[tokio::test]
async fn tokens_carry_the_documented_claims() {
    let app = TestApp::local(&[]).await;
    let body: Value = token_request(&app)
        .await
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", "demo-client"),
            ("client_secret", "demo-client-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = body["access_token"].as_str().unwrap();
    let header = decode_part(token, 0);
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "at+jwt");
    assert!(header["kid"].as_str().is_some_and(|kid| !kid.is_empty()));
    let claims = decode_part(token, 1);
    assert_eq!(claims["iss"], app.local_issuer_url.clone().unwrap());
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["sub"], "demo-client@clients");
    assert_eq!(claims["azp"], "demo-client");
    assert_eq!(claims["client_id"], "demo-client");
    assert_eq!(claims["gty"], "client-credentials");
    assert_eq!(claims["permissions"], json!([]));
    assert!(claims.get("scope").is_none(), "no granted scopes: scope is left out, not \"\"");
    assert!(body.get("scope").is_none(), "nor in the token answer: {body}");
    assert!(claims["jti"].as_str().is_some_and(|jti| jti.len() >= 16));
    let (iat, exp) = (claims["iat"].as_u64().unwrap(), claims["exp"].as_u64().unwrap());
    assert!(iat.abs_diff(now()) < 60);
    assert_eq!(exp - iat, 3600);

    app.wait_for_status("/api/messages/protected", token, 200).await;
    let response = app.get("/api/messages/admin", Some(token)).await;
    assert_eq!(response.status(), 403);
}

#[tokio::test]
async fn token_endpoint_errors_follow_rfc_6749() {
    let app = TestApp::local(&[("LOCAL_ADMIN_SECRET", "s3cret-admin")]).await;
    let cases: Vec<(&str, reqwest::RequestBuilder, u16, &str)> = vec![
        (
            "wrong secret",
            token_request(&app).await.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-admin"),
                ("client_secret", "demo-admin-secret"),
            ]),
            401,
            "invalid_client",
        ),
        (
            "unknown client",
            token_request(&app).await.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "x"),
            ]),
            401,
            "invalid_client",
        ),
        (
            "no credentials",
            token_request(&app).await.form(&[("grant_type", "client_credentials")]),
            401,
            "invalid_client",
        ),
        (
            "wrong basic secret",
            token_request(&app)
                .await
                .basic_auth("demo-admin", Some("nope"))
                .form(&[("grant_type", "client_credentials")]),
            401,
            "invalid_client",
        ),
        (
            "password grant",
            token_request(&app).await.form(&[
                ("grant_type", "password"),
                ("client_id", "demo-admin"),
                ("client_secret", "s3cret-admin"),
            ]),
            400,
            "unsupported_grant_type",
        ),
        (
            "no grant type",
            token_request(&app).await.form(&[("client_id", "demo-admin"), ("client_secret", "s3cret-admin")]),
            400,
            "invalid_request",
        ),
        (
            "two authentication methods",
            token_request(&app).await.basic_auth("demo-admin", Some("s3cret-admin")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-admin"),
                ("client_secret", "s3cret-admin"),
            ]),
            400,
            "invalid_request",
        ),
        (
            "not a form",
            token_request(&app).await.header("content-type", "text/plain").body("grant_type=client_credentials"),
            400,
            "invalid_request",
        ),
        (
            "broken JSON",
            token_request(&app).await.header("content-type", "application/json").body("{"),
            400,
            "invalid_request",
        ),
        (
            "another audience",
            token_request(&app).await.form(&[
                ("grant_type", "client_credentials"),
                ("client_id", "demo-admin"),
                ("client_secret", "s3cret-admin"),
                ("audience", "https://other"),
            ]),
            400,
            "invalid_request",
        ),
    ];
    for (name, request, status, error) in cases {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{name}");
        assert_eq!(response.headers()["content-type"], "application/json", "{name}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], error, "{name}");
        assert!(body["error_description"].is_string(), "{name}");
        assert!(!body.to_string().contains("s3cret"), "{name}: never echo a secret");
    }
    let ok = token_request(&app)
        .await
        .basic_auth("demo-admin", Some("s3cret-admin"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200, "the configured secret works");
}

#[tokio::test]
async fn the_signing_key_survives_restarts() {
    let first = TestApp::local(&[]).await;
    let second = TestApp::local(&[]).await;
    let kid = |app: &TestApp| {
        let url = format!("{}.well-known/jwks.json", app.local_issuer_url.clone().unwrap());
        let http = app.http.clone();
        async move { http.get(url).send().await.unwrap().json::<Value>().await.unwrap()["keys"][0]["kid"].clone() }
    };
    assert_eq!(kid(&first).await, kid(&second).await);
}
