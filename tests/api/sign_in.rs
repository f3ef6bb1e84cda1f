//! docs/sign-in.md: the authorization-code flow with PKCE against the
//! real local issuer, without a browser (the login form is posted as a browser would post it).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};

use crate::helpers::code_flow::{
    ORIGIN, REDIRECT, VERIFIER, exchange, issuer, location, log_in, parameter, query, sign_in,
};
use crate::helpers::{AUDIENCE, TestApp};

pub(crate) async fn authorize(app: &TestApp, query: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app.http.get(format!("{}authorize?{query}", issuer(app)));
    if let Some(cookie) = cookie {
        request = request.header("Cookie", cookie);
    }
    request.send().await.unwrap()
}

pub(crate) async fn assert_invalid_grant(response: reqwest::Response) {
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
}

pub(crate) fn decode_part(token: &str, index: usize) -> Value {
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(token.split('.').nth(index).unwrap()).unwrap()).unwrap()
}

#[tokio::test]
async fn the_login_page_is_a_form_and_discovery_lists_the_sign_in_endpoints() {
    let app = TestApp::local(&[]).await;
    let response = authorize(&app, &query(&[]), None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    for needle in ["<form method=\"post\"", "name=\"username\"", "name=\"password\"", "<button type=\"submit\""] {
        assert!(page.contains(needle), "{needle} in {page}");
    }

    let issuer = issuer(&app);
    let metadata: Value =
        app.http.get(format!("{issuer}.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();
    assert_eq!(metadata["authorization_endpoint"], format!("{issuer}authorize"));
    assert_eq!(metadata["userinfo_endpoint"], format!("{issuer}userinfo"));
    assert_eq!(metadata["end_session_endpoint"], format!("{issuer}v2/logout"));
    assert_eq!(metadata["response_types_supported"], json!(["code"]));
    assert_eq!(metadata["response_modes_supported"], json!(["query", "web_message"]));
    assert_eq!(metadata["code_challenge_methods_supported"], json!(["S256"]));
    assert!(metadata["grant_types_supported"].as_array().unwrap().contains(&json!("authorization_code")));
    for field in ["subject_types_supported", "id_token_signing_alg_values_supported", "scopes_supported"] {
        assert!(metadata[field].as_array().is_some_and(|list| !list.is_empty()), "{field}");
    }
}

#[tokio::test]
async fn the_admin_signs_in_gets_a_verified_id_token_and_reads_the_admin_message() {
    let app = TestApp::local(&[]).await;
    let (code, cookie) = sign_in(&app, "admin@example.com", "demo-admin-password").await;

    let response = exchange(&app, &code, VERIFIER, REDIRECT).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    assert!(body["scope"].as_str().unwrap().split(' ').any(|scope| scope == "read:admin-messages"));

    // The ID token verifies against the issuer's published key set.
    let issuer = issuer(&app);
    let jwks: jsonwebtoken::jwk::JwkSet =
        app.http.get(format!("{issuer}.well-known/jwks.json")).send().await.unwrap().json().await.unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    let kid = jsonwebtoken::decode_header(id_token).unwrap().kid.expect("a kid");
    let key = DecodingKey::from_jwk(jwks.find(&kid).expect("the kid is in the key set")).unwrap();
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_issuer(&[&issuer]);
    validation.set_audience(&["demo-spa"]);
    let id = jsonwebtoken::decode::<Value>(id_token, &key, &validation).unwrap().claims;
    assert_eq!(id["nonce"], "the-nonce");
    assert_eq!(id["email"], "admin@example.com");
    assert_eq!(id["email_verified"], true);
    for claim in ["sub", "iat", "exp", "auth_time", "sid", "name", "nickname"] {
        assert!(!id[claim].is_null(), "{claim} in {id}");
    }

    // The access token: RFC 9068 and Auth0's shape, the user's permissions, accepted by the API.
    let access_token = body["access_token"].as_str().unwrap();
    assert_eq!(decode_part(access_token, 0)["typ"], "at+jwt");
    let claims = decode_part(access_token, 1);
    assert_eq!(claims["client_id"], "demo-spa");
    assert_eq!(claims["azp"], "demo-spa");
    assert_eq!(claims["sub"], id["sub"]);
    assert_eq!(claims["aud"], AUDIENCE);
    assert_eq!(claims["permissions"], json!(["read:admin-messages"]));
    let admin = app.wait_for_status("/api/messages/admin", access_token, 200).await;
    assert_eq!(admin.status(), 200);

    let profile: Value =
        app.http.get(format!("{issuer}userinfo")).bearer_auth(access_token).send().await.unwrap().json().await.unwrap();
    assert_eq!(profile["email"], "admin@example.com");
    assert_eq!(profile["sub"], id["sub"]);

    // The code was single-use.
    assert_invalid_grant(exchange(&app, &code, VERIFIER, REDIRECT).await).await;

    // With the session, prompt=none gets a new code without a form.
    let silent = authorize(&app, &query(&[("prompt", Some("none"))]), Some(&cookie)).await;
    assert_eq!(silent.status(), 302);
    let code = parameter(&location(&silent), "code").expect("a code without a form");
    assert_eq!(exchange(&app, &code, VERIFIER, REDIRECT).await.status(), 200);

    // Logout ends the session and goes back to returnTo on the client origin.
    let logout = app
        .http
        .get(format!("{issuer}v2/logout?client_id=demo-spa&returnTo=http%3A%2F%2Flocalhost%3A4040%2F"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 302);
    assert_eq!(location(&logout).as_str(), "http://localhost:4040/");
    let after = authorize(&app, &query(&[("prompt", Some("none"))]), Some(&cookie)).await;
    assert_eq!(parameter(&location(&after), "error").as_deref(), Some("login_required"));
}

#[tokio::test]
async fn a_plain_user_is_refused_the_admin_message_and_the_session_cookie_is_httponly_lax_an_hour() {
    let app = TestApp::local(&[]).await;
    let response = log_in(&app, &query(&[]), "user@example.com", "demo-user-password").await;
    let cookie = response.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    for attribute in ["HttpOnly", "SameSite=Lax", "Max-Age=3600"] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    let code = parameter(&location(&response), "code").unwrap();
    let body: Value = exchange(&app, &code, VERIFIER, REDIRECT).await.json().await.unwrap();
    let token = body["access_token"].as_str().unwrap();
    assert_eq!(decode_part(token, 1)["permissions"], json!([]));
    app.wait_for_status("/api/messages/protected", token, 200).await;
    assert_eq!(app.get("/api/messages/admin", Some(token)).await.status(), 403);
}

#[tokio::test]
async fn pkce_is_required_and_a_code_is_bound_to_its_verifier_and_redirect_uri() {
    let app = TestApp::local(&[]).await;
    for missing in ["code_challenge", "code_challenge_method"] {
        let response = authorize(&app, &query(&[(missing, None)]), None).await;
        let url = location(&response);
        assert!(url.as_str().starts_with(REDIRECT), "{url}");
        assert_eq!(parameter(&url, "error").as_deref(), Some("invalid_request"), "{missing}");
        assert_eq!(parameter(&url, "state").as_deref(), Some("the-state"));
    }
    let plain = authorize(&app, &query(&[("code_challenge_method", Some("plain"))]), None).await;
    assert_eq!(parameter(&location(&plain), "error").as_deref(), Some("invalid_request"));

    let (code, _) = sign_in(&app, "user@example.com", "demo-user-password").await;
    assert_invalid_grant(exchange(&app, &code, "another-verifier-of-43-characters-000000000000", REDIRECT).await).await;
    // A failed attempt used the code up, too.
    assert_invalid_grant(exchange(&app, &code, VERIFIER, REDIRECT).await).await;

    let (code, _) = sign_in(&app, "user@example.com", "demo-user-password").await;
    assert_invalid_grant(exchange(&app, &code, VERIFIER, "http://localhost:4040/other").await).await;
    assert_invalid_grant(exchange(&app, "no-such-code", VERIFIER, REDIRECT).await).await;

    let form = app
        .http
        .post(format!("{}oauth/token", issuer(&app)))
        .form(&[("grant_type", "authorization_code"), ("client_id", "demo-spa"), ("code_verifier", VERIFIER)])
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 400, "a form without a code is refused");
    let body: Value = form.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(body["error_description"], "code is required");
}

#[tokio::test]
async fn an_unknown_client_or_a_redirect_uri_off_the_client_origin_is_a_400_page_never_a_redirect() {
    let app = TestApp::local(&[]).await;
    let cases = [
        ("redirect_uri", Some("http://evil.example/callback")),
        ("redirect_uri", Some("http://localhost:4041/callback")),
        ("redirect_uri", Some("http://origin.evil.example")),
        ("redirect_uri", Some("not a url")),
        ("redirect_uri", None),
        ("client_id", Some("demo-client")),
        ("client_id", None),
    ];
    for (name, value) in cases {
        let response = authorize(&app, &query(&[(name, value)]), None).await;
        assert_eq!(response.status(), 400, "{name}={value:?}");
        assert!(response.headers().get("location").is_none(), "{name}={value:?}");
        let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/html"), "a page a person can read: {content_type}");
        let page = response.text().await.unwrap();
        let reason = if name == "client_id" { "unknown client_id" } else { "redirect_uri is not allowed" };
        assert!(page.contains(reason), "{name}={value:?}: {page}");
        let posted = log_in(&app, &query(&[(name, value)]), "admin@example.com", "demo-admin-password").await;
        assert_eq!(posted.status(), 400, "login with {name}={value:?}");
        assert!(posted.headers().get("location").is_none());
    }
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required_with_the_state() {
    let app = TestApp::local(&[]).await;
    let response = authorize(&app, &query(&[("prompt", Some("none"))]), None).await;
    assert_eq!(response.status(), 302);
    let url = location(&response);
    assert_eq!(parameter(&url, "error").as_deref(), Some("login_required"));
    assert!(parameter(&url, "error_description").is_some());
    assert_eq!(parameter(&url, "state").as_deref(), Some("the-state"));
    assert!(parameter(&url, "code").is_none());
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_and_never_redirects() {
    let app = TestApp::local(&[]).await;
    for (username, password) in [
        ("admin@example.com", "demo-user-password"),
        ("admin@example.com", ""),
        ("nobody@example.com", "demo-admin-password"),
    ] {
        let response = log_in(&app, &query(&[]), username, password).await;
        assert_eq!(response.status(), 200, "{username}");
        assert!(response.headers().get("location").is_none());
        assert!(response.headers().get("set-cookie").is_none());
        let page = response.text().await.unwrap();
        assert!(page.contains("Wrong email or password"), "{page}");
        assert!(page.contains("name=\"password\""));
    }
}

#[tokio::test]
async fn web_message_posts_to_the_client_origin_from_a_page_only_it_may_frame() {
    let app = TestApp::local(&[]).await;
    let (_, cookie) = sign_in(&app, "admin@example.com", "demo-admin-password").await;
    let changes = [("prompt", Some("none")), ("response_mode", Some("web_message"))];
    let response = authorize(&app, &query(&changes), Some(&cookie)).await;
    assert_eq!(response.status(), 200);
    let csp = response.headers().get("content-security-policy").unwrap().to_str().unwrap().to_owned();
    assert!(csp.ends_with(&format!("frame-ancestors {ORIGIN}")), "{csp}");
    assert!(response.headers().get("x-frame-options").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains(r#""type":"authorization_response""#) && page.contains(r#""code":"#), "{page}");
    assert!(page.contains(&format!(r#""{ORIGIN}""#)), "posted to the client origin only: {page}");

    let failed = authorize(&app, &query(&changes), None).await;
    let page = failed.text().await.unwrap();
    assert!(page.contains(r#""error":"login_required""#) && page.contains(r#""state":"the-state""#), "{page}");

    // Every other response still refuses framing.
    let login = authorize(&app, &query(&[]), None).await;
    assert_eq!(login.headers().get("x-frame-options").unwrap(), "deny");
}

#[tokio::test]
async fn the_token_endpoint_allows_the_sdk_headers_from_the_client_origin() {
    let app = TestApp::local(&[]).await;
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, format!("{}oauth/token", issuer(&app)))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "auth0-client, content-type, dpop")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers().get("access-control-allow-origin").unwrap(), ORIGIN);
    let allowed = response.headers().get("access-control-allow-headers").unwrap().to_str().unwrap().to_lowercase();
    assert!(allowed.contains("auth0-client") && allowed.contains("content-type"), "{allowed}");
    assert!(allowed.contains("dpop"), "`useDpop: true` sends the DPoP header: {allowed}");
}

#[tokio::test]
async fn logout_redirects_only_to_the_client_origin() {
    let app = TestApp::local(&[]).await;
    let response = app
        .http
        .get(format!("{}v2/logout?client_id=demo-spa&returnTo=http%3A%2F%2Fevil.example%2F", issuer(&app)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
}
