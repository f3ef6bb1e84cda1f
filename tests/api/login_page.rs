//! docs/sign-in.md, "How it works": the login page and the profile: a page a person is glad to see, served with
//! its styles, script and icon by the issuer itself; `picture` in the ID token and `/userinfo`.

use serde_json::Value;

use crate::helpers::code_flow::{ORIGIN, REDIRECT, VERIFIER, exchange, issuer, log_in, query, sign_in};
use crate::helpers::{AUDIENCE, TestApp};
use crate::sign_in::{authorize, decode_part};

#[tokio::test]
async fn the_login_page_names_the_client_what_it_asks_for_and_the_demo_accounts() {
    let app = TestApp::local(&[]).await;
    let response = authorize(&app, &query(&[]), None).await;
    assert_eq!(response.status(), 200);
    let csp = response.headers()["content-security-policy"].to_str().unwrap().to_owned();
    assert!(csp.contains(&format!("form-action 'self' {ORIGIN}")), "the form's redirect may go to the client: {csp}");
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{csp}");
    let page = response.text().await.unwrap();
    for needle in [
        "demo-spa",
        ORIGIN,
        AUDIENCE,
        "read:admin-messages",
        "your email address",
        r#"data-fill-username="admin@example.com" data-fill-password="demo-admin-password""#,
        r#"data-fill-username="user@example.com" data-fill-password="demo-user-password""#,
        r#"<link rel="icon" href="/favicon.ico">"#,
        r#"href="/style.css""#,
        r#"src="/login.js""#,
    ] {
        assert!(page.contains(needle), "{needle} in {page}");
    }

    // Everything the page loads, the issuer serves.
    let issuer = issuer(&app);
    for (path, content_type) in [
        ("style.css", "text/css"),
        ("login.css", "text/css"),
        ("login.js", "text/javascript"),
        ("favicon.ico", "image/x-icon"),
    ] {
        let response = app.http.get(format!("{issuer}{path}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.headers()["content-type"].to_str().unwrap().starts_with(content_type), "{path}");
    }
    let icon = app.http.get(format!("{issuer}favicon.ico")).send().await.unwrap().bytes().await.unwrap();
    let file = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/static/favicon.ico")).unwrap();
    assert_eq!(icon.as_ref(), file.as_slice(), "the same icon as static/favicon.ico, which the demo serves too");
    assert_eq!(&icon[..4], &[0, 0, 1, 0], "an ICO file");
}

#[tokio::test]
async fn a_wrong_password_keeps_the_email_and_says_so_without_a_redirect() {
    let app = TestApp::local(&[]).await;
    let response = log_in(&app, &query(&[]), "admin@example.com", "wrong").await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("location").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"role="alert" data-error>Wrong email or password."#), "{page}");
    assert!(page.contains(r#"value="admin@example.com""#), "the email is kept: {page}");
}

#[tokio::test]
async fn the_id_token_and_userinfo_carry_the_same_picture() {
    let app = TestApp::local(&[]).await;
    let (code, _) = sign_in(&app, "user@example.com", "demo-user-password").await;
    let body: Value = exchange(&app, &code, VERIFIER, REDIRECT).await.json().await.unwrap();
    let id = decode_part(body["id_token"].as_str().unwrap(), 1);
    let picture = id["picture"].as_str().expect("a picture").to_owned();
    assert!(picture.starts_with("data:image/svg+xml;base64,"), "{picture}");

    let issuer = issuer(&app);
    let access_token = body["access_token"].as_str().unwrap();
    let profile: Value =
        app.http.get(format!("{issuer}userinfo")).bearer_auth(access_token).send().await.unwrap().json().await.unwrap();
    assert_eq!(profile["picture"], picture.as_str());
    assert_eq!(profile["email"], "user@example.com");
    assert_eq!(profile["nickname"], "user");
}

#[tokio::test]
async fn userinfo_checks_tokens_as_the_api_does() {
    let app = TestApp::local(&[]).await;
    let url = format!("{}userinfo", issuer(&app));
    let machine = app.local_token("demo-client", "demo-client-secret").await;
    for (case, authorization) in [
        ("no token", None),
        ("not a JWT", Some("Bearer not-a-token".to_owned())),
        ("a machine's token: no user", Some(format!("Bearer {machine}"))),
        ("another scheme", Some(format!("Basic {machine}"))),
    ] {
        let mut request = app.http.get(&url);
        if let Some(value) = authorization {
            request = request.header("Authorization", value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{case}");
        let challenge = response.headers()["www-authenticate"].to_str().unwrap().to_owned();
        assert!(challenge.starts_with("Bearer"), "{case}: {challenge}");
    }
}
