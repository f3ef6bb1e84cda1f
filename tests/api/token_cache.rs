//! The cache of verified tokens: never past a token's `exp`, never past its key.

use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::helpers::{FakeIssuer, Signer, TestApp, assert_invalid_token, claims, eventually, now, with};

const PROTECTED: &str = "/api/messages/protected";

#[tokio::test]
async fn a_remembered_token_is_refused_once_its_own_exp_passes() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("CLOCK_SKEW_SECONDS", "0")]).await;
    app.wait_for_status(PROTECTED, &signer.sign(&claims(&issuer.issuer(), &[])), 200).await;

    let short_lived = signer.sign(&with(claims(&issuer.issuer(), &[]), json!({ "exp": now() + 2 })));
    assert_eq!(app.get(PROTECTED, Some(&short_lived)).await.status(), 200);
    assert_eq!(app.get(PROTECTED, Some(&short_lived)).await.status(), 200);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&short_lived)).await).await, "token has expired");
}

#[tokio::test]
async fn a_remembered_token_is_refused_once_its_key_leaves_the_key_set() {
    let old = Signer::rsa(0, "old", Algorithm::RS256);
    let new = Signer::rsa(1, "new", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![old.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    let token = old.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200);

    issuer.set_keys(vec![new.jwk()]);
    assert_eq!(app.get(PROTECTED, Some(&new.sign(&claims(&issuer.issuer(), &[])))).await.status(), 200);
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, "key id is unknown");
}

#[tokio::test]
async fn a_remembered_token_is_refused_once_its_kid_names_other_key_material() {
    let original = Signer::rsa(0, "k", Algorithm::RS256);
    let replaced = Signer::rsa(1, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![original.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1")]).await;
    let token = original.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    let fetches = issuer.jwks_fetches();

    issuer.set_keys(vec![replaced.jwk()]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    // Stale keys still serve while the refresh runs in the background, even for remembered tokens.
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200);
    eventually("a remembered token still triggers the stale refresh", || async {
        (issuer.jwks_fetches() > fetches).then_some(())
    })
    .await;
    app.wait_for_status(PROTECTED, &token, 401).await;
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, "signature is invalid");
}

#[tokio::test]
async fn a_token_cache_of_size_zero_still_validates_and_never_answers_from_the_cache() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_CACHE_SIZE", "0")]).await;
    let token = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    app.wait_for_status("/api/messages/admin", &token, 200).await;
    assert_eq!(app.get("/api/messages/admin", Some(&token)).await.status(), 200);

    // The same token twice, and the cache never answered: every check was a full one.
    let metrics = app.get("/metrics", None).await.text().await.unwrap();
    let hits = metrics.lines().find(|line| line.starts_with("hello_api_token_cache_hits_total "));
    assert_eq!(hits, Some("hello_api_token_cache_hits_total 0"), "{metrics}");
}
