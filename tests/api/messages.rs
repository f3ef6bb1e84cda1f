//! The three routes and the error table's non-token rows.

use serde_json::{Value, json};

use crate::helpers::{FakeIssuer, Signer, TestApp, claims};
use jsonwebtoken::Algorithm;

async fn api_with_key() -> (FakeIssuer, TestApp, Signer) {
    let signer = Signer::rsa(0, "key-1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    (issuer, app, signer)
}

async fn body(response: reqwest::Response) -> String {
    response.text().await.unwrap()
}

#[tokio::test]
async fn the_public_message_needs_nothing() {
    let (_issuer, app, _) = api_with_key().await;
    let response = app.get("/api/messages/public", None).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/json");
    assert_eq!(body(response).await, r#"{"text":"This is a public message."}"#);
}

#[tokio::test]
async fn the_protected_message_needs_a_valid_token() {
    let (issuer, app, signer) = api_with_key().await;
    let token = signer.sign(&claims(&issuer.issuer(), &[]));
    let response = app.wait_for_status("/api/messages/protected", &token, 200).await;
    assert_eq!(body(response).await, r#"{"text":"This is a protected message."}"#);
}

#[tokio::test]
async fn the_admin_message_needs_the_admin_permission() {
    let (issuer, app, signer) = api_with_key().await;
    let admin = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    let response = app.wait_for_status("/api/messages/admin", &admin, 200).await;
    assert_eq!(body(response).await, r#"{"text":"This is an admin message."}"#);

    let user = signer.sign(&claims(&issuer.issuer(), &["read:messages"]));
    let response = app.get("/api/messages/admin", Some(&user)).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        response.headers()["www-authenticate"],
        r#"Bearer realm="api", error="insufficient_scope", scope="read:admin-messages""#
    );
    assert_eq!(
        body(response).await,
        r#"{"message":"Permission denied","error":"insufficient_scope","error_description":"Requires read:admin-messages"}"#
    );
}

#[tokio::test]
async fn a_bad_token_on_the_admin_route_is_401_not_403() {
    let (issuer, app, signer) = api_with_key().await;
    let expired = signer.sign(&crate::helpers::with(claims(&issuer.issuer(), &[]), json!({ "exp": 1 })));
    let response = app.get("/api/messages/admin", Some(&expired)).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_missing_token_another_scheme_or_an_empty_token_requires_authentication() {
    let (_issuer, app, _) = api_with_key().await;
    let mut responses = vec![app.get("/api/messages/protected", None).await];
    for authorization in ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer    ", "Token abc", "bearer"] {
        responses.push(app.get_with_authorization("/api/messages/protected", authorization).await);
    }
    for response in responses {
        assert_eq!(response.status(), 401);
        assert_eq!(response.headers()["www-authenticate"], r#"Bearer realm="api""#);
        assert_eq!(body(response).await, r#"{"message":"Requires authentication"}"#);
    }
}

#[tokio::test]
async fn the_bearer_scheme_is_matched_in_any_case() {
    let (issuer, app, signer) = api_with_key().await;
    let token = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status("/api/messages/protected", &token, 200).await;
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let response = app.get_with_authorization("/api/messages/protected", &format!("{scheme} {token}")).await;
        assert_eq!(response.status(), 200, "{scheme}");
    }
}

#[tokio::test]
async fn unknown_paths_are_a_json_404_and_other_methods_a_json_405() {
    let (_issuer, app, _) = api_with_key().await;
    for path in ["/", "/api", "/api/messages", "/api/messages/public/", "/api/messages/secret"] {
        let response = app.get(path, None).await;
        assert_eq!(response.status(), 404, "{path}");
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(body(response).await, r#"{"message":"Not Found"}"#);
    }
    for method in ["POST", "PUT", "DELETE", "PATCH"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response =
            app.http.request(method.clone(), format!("{}/api/messages/admin", app.url)).send().await.unwrap();
        assert_eq!(response.status(), 405, "{method}");
        assert_eq!(response.headers()["allow"], "GET");
        assert_eq!(response.headers()["content-type"], "application/json");
        assert_eq!(body(response).await, r#"{"message":"Method Not Allowed"}"#);
    }
}

#[tokio::test]
async fn permissions_come_only_from_the_configured_claims() {
    let signer = Signer::rsa(0, "key-1", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let by_default = TestApp::trusting(&issuer, &[]).await;
    let from_scope = TestApp::trusting(&issuer, &[("PERMISSIONS_CLAIM", "permissions,scope")]).await;
    // Auth0 grants any requested scope when RBAC is off: `scope` must not count unless configured.
    let token = signer
        .sign(&crate::helpers::with(claims(&issuer.issuer(), &[]), json!({ "scope": "openid read:admin-messages" })));
    by_default.wait_for_status("/api/messages/protected", &token, 200).await;
    assert_eq!(by_default.get("/api/messages/admin", Some(&token)).await.status(), 403);
    from_scope.wait_for_status("/api/messages/admin", &token, 200).await;

    let not_strings =
        signer.sign(&crate::helpers::with(claims(&issuer.issuer(), &[]), json!({ "permissions": [1, 2] })));
    let response = by_default.get("/api/messages/admin", Some(&not_strings)).await;
    let description: Value = response.json().await.unwrap();
    assert_eq!(description["error_description"], "claims are not usable");
}
