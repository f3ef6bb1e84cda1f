//! docs/sign-in.md, "Refresh tokens": the real local issuer's rotating refresh tokens for a login
//! that asked for `offline_access`, reuse detection, DPoP-bound refresh tokens, and logout. The
//! 24-hour limit and the stores' bounds are checked with an injected clock in
//! `src/local_issuer/refresh_tokens.rs` (no test sleeps a day).

use serde_json::{Value, json};

use crate::helpers::code_flow::{issuer, session_cookie};
use crate::helpers::{DpopKey, TestApp};
use crate::issuer_dpop::{admin_code, call, code_exchange, token_proof, token_request};
use crate::sign_in::decode_part;

const ADMIN: &str = "/api/messages/admin";
const OFFLINE: &str = "openid profile email offline_access";

async fn local_app() -> TestApp {
    let app = TestApp::local(&[]).await;
    app.wait_for_status("/health/ready", "", 200).await;
    app
}

/// Signs the admin in with `offline_access` and exchanges the code (with a proof by `key`, if
/// any): the token answer.
async fn offline_login(app: &TestApp, key: Option<&DpopKey>) -> Value {
    let code = admin_code(app, &[("scope", Some(OFFLINE))]).await;
    let proofs: Vec<String> = key.iter().map(|key| token_proof(app, key)).collect();
    let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
    let (status, answer) = token_request(app, &code_exchange(&code), &proofs).await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// `grant_type=refresh_token` for `demo-spa`, with a proof by `key` if any.
async fn refresh(app: &TestApp, refresh_token: &str, key: Option<&DpopKey>) -> (u16, Value) {
    let form = [("grant_type", "refresh_token"), ("client_id", "demo-spa"), ("refresh_token", refresh_token)];
    let proofs: Vec<String> = key.iter().map(|key| token_proof(app, key)).collect();
    let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
    token_request(app, &form, &proofs).await
}

fn refresh_token(answer: &Value) -> String {
    answer["refresh_token"].as_str().unwrap_or_else(|| panic!("a refresh token: {answer}")).to_owned()
}

async fn assert_invalid_grant(answer: (u16, Value), case: &str) {
    assert_eq!((answer.0, answer.1["error"].as_str()), (400, Some("invalid_grant")), "{case}: {}", answer.1);
}

#[tokio::test]
async fn a_login_with_offline_access_gets_an_opaque_refresh_token_and_one_without_gets_none() {
    let app = local_app().await;
    let answer = offline_login(&app, None).await;
    let token = refresh_token(&answer);
    assert!(token.len() >= 22 && !token.contains('.'), "opaque and random: {token}");
    assert!(answer["scope"].as_str().unwrap().split(' ').any(|scope| scope == "offline_access"), "{answer}");
    assert_ne!(refresh_token(&offline_login(&app, None).await), token, "each login its own");

    let code = admin_code(&app, &[]).await;
    let (status, answer) = token_request(&app, &code_exchange(&code), &[]).await;
    assert_eq!(status, 200);
    assert!(answer.get("refresh_token").is_none(), "{answer}");
}

#[tokio::test]
async fn a_refresh_answers_new_tokens_and_a_new_refresh_token_and_spends_the_old_one() {
    let app = local_app().await;
    let first = refresh_token(&offline_login(&app, None).await);

    let (status, answer) = refresh(&app, &first, None).await;

    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["token_type"], "Bearer");
    let second = refresh_token(&answer);
    assert_ne!(second, first);
    let access = answer["access_token"].as_str().unwrap();
    let claims = decode_part(access, 1);
    assert_eq!((claims["sub"].as_str(), claims["azp"].as_str()), (Some("local|admin"), Some("demo-spa")));
    assert_eq!(call(&app, ADMIN, "Bearer", access, None).await, 200, "the admin reads the admin message");
    let id = decode_part(answer["id_token"].as_str().unwrap(), 1);
    assert_eq!((id["email"].as_str(), id["aud"].as_str()), (Some("admin@example.com"), Some("demo-spa")));
    let (status, _) = refresh(&app, &second, None).await;
    assert_eq!(status, 200, "the new one works once too");
}

#[tokio::test]
async fn a_spent_refresh_token_presented_again_is_invalid_grant_and_revokes_the_whole_family() {
    let app = local_app().await;
    let first = refresh_token(&offline_login(&app, None).await);
    let (_, answer) = refresh(&app, &first, None).await;
    let second = refresh_token(&answer);
    let other_login = refresh_token(&offline_login(&app, None).await);

    let reused = refresh(&app, &first, None).await;

    assert_eq!(
        reused.1["error_description"],
        "the refresh token was already used: every refresh token of this login is revoked"
    );
    assert_invalid_grant(reused, "the spent one").await;
    assert_invalid_grant(refresh(&app, &second, None).await, "its successor, revoked").await;
    assert_eq!(refresh(&app, &other_login, None).await.0, 200, "another login keeps its refresh token");
}

#[tokio::test]
async fn a_refresh_token_issued_under_dpop_needs_a_proof_from_the_same_key() {
    let app = local_app().await;
    let key = DpopKey::es256();
    let token = refresh_token(&offline_login(&app, Some(&key)).await);
    let other = DpopKey::es256();
    let cases: [(&str, Option<&DpopKey>, &str); 2] = [
        ("no proof", None, "the refresh token is DPoP-bound: send a proof made with its key"),
        ("another key", Some(&other), "the refresh token is bound to another DPoP key"),
    ];
    for (case, key, phrase) in cases {
        let (status, body) = refresh(&app, &token, key).await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body, json!({ "error": "invalid_dpop_proof", "error_description": phrase }), "{case}");
    }

    let (status, answer) = refresh(&app, &token, Some(&key)).await;

    assert_eq!(status, 200, "a thief without the key did not spend it: {answer}");
    assert_eq!(answer["token_type"], "DPoP");
    let next = refresh_token(&answer);
    assert_eq!(refresh(&app, &next, Some(&other)).await.0, 400, "the next one is bound to the same key");
    assert_eq!(refresh(&app, &next, Some(&key)).await.0, 200);
}

#[tokio::test]
async fn logout_of_the_session_ends_its_refresh_tokens() {
    let app = local_app().await;
    let response = crate::helpers::code_flow::log_in(
        &app,
        &crate::helpers::code_flow::query(&[("scope", Some(OFFLINE))]),
        "admin@example.com",
        "demo-admin-password",
    )
    .await;
    let cookie = session_cookie(&response);
    let code = crate::helpers::code_flow::parameter(&crate::helpers::code_flow::location(&response), "code").unwrap();
    let (_, answer) = token_request(&app, &code_exchange(&code), &[]).await;
    let token = refresh_token(&answer);
    let kept = refresh_token(&offline_login(&app, None).await);

    let logout = app.http.get(format!("{}v2/logout?client_id=demo-spa", issuer(&app))).header("Cookie", cookie);
    assert_eq!(logout.send().await.unwrap().status(), 200);

    assert_invalid_grant(refresh(&app, &token, None).await, "after logout").await;
    assert_eq!(refresh(&app, &kept, None).await.0, 200, "another session's refresh token lives on");
}

#[tokio::test]
async fn a_refresh_request_that_is_not_the_spa_with_a_live_token_is_refused() {
    let app = local_app().await;
    let live = refresh_token(&offline_login(&app, None).await);
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: [Case; 4] = [
        ("no refresh_token", vec![("client_id", "demo-spa")], 400, "invalid_request"),
        ("an unknown one", vec![("client_id", "demo-spa"), ("refresh_token", "made-up")], 400, "invalid_grant"),
        (
            "a machine client",
            vec![("client_id", "demo-admin"), ("client_secret", "demo-admin-secret"), ("refresh_token", &live)],
            400,
            "unauthorized_client",
        ),
        ("no client", vec![("refresh_token", &live)], 401, "invalid_client"),
    ];
    for (case, fields, status, error) in cases {
        let mut form = vec![("grant_type", "refresh_token")];
        form.extend(fields);
        let (got, body) = token_request(&app, &form, &[]).await;
        assert_eq!((got, body["error"].as_str()), (status, Some(error)), "{case}: {body}");
    }
    assert_eq!(refresh(&app, &live, None).await.0, 200, "none of those spent it");
}
