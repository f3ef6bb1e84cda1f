//! docs/contract.md, "The key set": rotation, cooldown, single flight, last good keys, outages, recovery.

use std::time::Duration;

use futures_util::future::join_all;
use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::helpers::{
    Behaviour, FakeIssuer, Signer, TestApp, assert_invalid_token, assert_unavailable, claims, eventually,
};

const PROTECTED: &str = "/api/messages/protected";

#[tokio::test]
async fn a_key_rotated_in_after_start_up_is_picked_up_at_once() {
    let old = Signer::rsa(0, "old", Algorithm::RS256);
    let new = Signer::rsa(1, "new", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![old.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(PROTECTED, &old.sign(&claims(&issuer.issuer(), &[])), 200).await;
    let fetches = issuer.jwks_fetches();

    issuer.set_keys(vec![new.jwk()]);
    let response = app.get(PROTECTED, Some(&new.sign(&claims(&issuer.issuer(), &[])))).await;
    assert_eq!(response.status(), 200, "the start-up fetch does not start the cooldown");
    assert_eq!(issuer.jwks_fetches(), fetches + 1);

    // The old key left the set: its tokens are no longer accepted.
    let description =
        assert_invalid_token(app.get(PROTECTED, Some(&old.sign(&claims(&issuer.issuer(), &[])))).await).await;
    assert_eq!(description, "key id is unknown");
}

#[tokio::test]
async fn a_flood_of_made_up_kids_costs_at_most_one_fetch_per_cooldown() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(PROTECTED, &good.sign(&claims(&issuer.issuer(), &[])), 200).await;
    let fetches = issuer.jwks_fetches();

    let requests = (0..100).map(|i| {
        let token = Signer::rsa(1, &format!("made-up-{i}"), Algorithm::RS256).sign(&claims(&issuer.issuer(), &[]));
        let app = &app;
        async move { app.get(PROTECTED, Some(&token)).await.status().as_u16() }
    });
    let statuses = join_all(requests).await;
    assert!(statuses.iter().all(|&status| status == 401), "{statuses:?}");
    assert_eq!(issuer.jwks_fetches(), fetches + 1, "one refresh for the whole flood");

    // A key rotated in during the cooldown is picked up when the cooldown ends.
    let rotated = Signer::rsa(2, "rotated", Algorithm::RS256);
    issuer.set_keys(vec![good.jwk(), rotated.jwk()]);
    let token = rotated.sign(&claims(&issuer.issuer(), &[]));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, "key id is unknown");
    assert_eq!(issuer.jwks_fetches(), fetches + 1);
}

#[tokio::test]
async fn after_the_cooldown_an_unknown_kid_refreshes_again() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "1")]).await;
    app.wait_for_status(PROTECTED, &good.sign(&claims(&issuer.issuer(), &[])), 200).await;
    let unknown = Signer::rsa(1, "later", Algorithm::RS256);
    let token = unknown.sign(&claims(&issuer.issuer(), &[]));
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 401);
    let fetches = issuer.jwks_fetches();
    issuer.set_keys(vec![good.jwk(), unknown.jwk()]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200);
    assert_eq!(issuer.jwks_fetches(), fetches + 1);
}

#[tokio::test]
async fn concurrent_first_requests_share_one_fetch() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    issuer.behave(Behaviour::Slow(Duration::from_millis(500)));
    let app = TestApp::trusting(&issuer, &[]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));
    let requests = (0..40).map(|_| {
        let (app, token) = (&app, &token);
        async move { app.get(PROTECTED, Some(token)).await.status().as_u16() }
    });
    let statuses = join_all(requests).await;
    assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
    assert_eq!(issuer.metadata_fetches(), 1);
    assert_eq!(issuer.jwks_fetches(), 1);
}

#[tokio::test]
async fn concurrent_requests_naming_a_newly_rotated_kid_share_its_one_fetch() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let rotated = Signer::rsa(1, "rotated", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(PROTECTED, &good.sign(&claims(&issuer.issuer(), &[])), 200).await;
    let fetches = issuer.jwks_fetches();

    issuer.set_keys(vec![good.jwk(), rotated.jwk()]);
    issuer.behave(Behaviour::Slow(Duration::from_millis(500)));
    let token = rotated.sign(&claims(&issuer.issuer(), &[]));
    // The first request starts the refresh; the others arrive while it is under way.
    let requests = (0..10u64).map(|i| {
        let (app, token) = (&app, &token);
        async move {
            tokio::time::sleep(Duration::from_millis(i * 30)).await;
            app.get(PROTECTED, Some(token)).await.status().as_u16()
        }
    });
    let statuses = join_all(requests).await;
    assert!(statuses.iter().all(|&status| status == 200), "{statuses:?}");
    assert_eq!(issuer.jwks_fetches(), fetches + 1);
}

#[tokio::test]
async fn cached_keys_keep_working_while_the_issuer_is_down() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "0"), ("JWKS_CACHE_SECONDS", "1")]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;

    for failure in [
        Behaviour::Status(500),
        Behaviour::Body("<html>oops</html>".into()),
        Behaviour::Body("{}".into()),
        Behaviour::Body(r#"{"keys":[]}"#.into()),
    ] {
        issuer.behave(failure.clone());
        tokio::time::sleep(Duration::from_millis(1100)).await; // stale: a background refresh fails
        assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200, "{failure:?}");
    }
    issuer.go_down();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200, "refused connections");

    // A token whose key is not cached cannot be verified while the issuer is down.
    let stranger = Signer::rsa(1, "stranger", Algorithm::RS256).sign(&claims(&issuer.issuer(), &[]));
    assert_unavailable(app.get(PROTECTED, Some(&stranger)).await).await;
}

#[tokio::test]
async fn the_server_starts_with_the_issuer_down_and_recovers_by_itself() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    issuer.go_down();
    let app = TestApp::trusting(&issuer, &[]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));

    assert_eq!(app.get("/api/messages/public", None).await.status(), 200);
    assert_unavailable(app.get(PROTECTED, Some(&token)).await).await;

    issuer.come_back().await;
    // Recovery needs no request: the background start-up fetch keeps retrying.
    eventually("the key set is fetched after the issuer came back", || async {
        (issuer.jwks_fetches() > 0).then_some(())
    })
    .await;
    app.wait_for_status(PROTECTED, &token, 200).await;
}

#[tokio::test]
async fn a_hanging_issuer_times_out_while_the_public_route_keeps_answering() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    issuer.behave(Behaviour::Hang);
    let app = TestApp::trusting(&issuer, &[]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));

    let protected = async {
        let response = app.get(PROTECTED, Some(&token)).await;
        (std::time::Instant::now(), response)
    };
    let public = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let response = app.get("/api/messages/public", None).await;
        (std::time::Instant::now(), response.status())
    };
    let ((protected_done, protected), (public_done, public_status)) = tokio::join!(protected, public);
    assert_eq!(public_status, 200);
    assert!(public_done < protected_done, "the public route answered while the key fetch hung");
    assert_unavailable(protected).await;
}

#[tokio::test]
async fn stale_keys_are_refreshed_in_the_background() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    let fetches = issuer.jwks_fetches();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200);
    eventually("the stale refresh", || async { (issuer.jwks_fetches() > fetches).then_some(()) }).await;
    assert_eq!(issuer.jwks_fetches(), fetches + 1);
}

#[tokio::test]
async fn unusable_keys_are_skipped_without_hiding_good_ones() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let mut encrypting = Signer::rsa(1, "enc", Algorithm::RS256).jwk();
    encrypting["use"] = json!("enc");
    let keys = vec![
        json!({ "kty": "oct", "kid": "hmac", "k": "c2VjcmV0" }),
        json!({ "kty": "RSA", "kid": "bad-numbers", "n": "!!!", "e": "AQAB" }),
        json!({ "kty": "RSA", "kid": "tiny", "n": "AQAB", "e": "AQAB" }),
        json!({ "kty": "EC", "kid": "off-curve", "crv": "P-256", "x": crate::helpers::b64([1u8; 32]), "y": crate::helpers::b64([2u8; 32]) }),
        json!({ "kty": "XYZ", "kid": "unknown-type" }),
        json!({ "kid": "no-type" }),
        json!("not an object"),
        json!({ "kty": "RSA", "kid": "hs-alg", "alg": "HS256", "n": "AQAB", "e": "AQAB" }),
        encrypting,
        good.jwk(),
    ];
    let issuer = FakeIssuer::start(keys).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(PROTECTED, &good.sign(&claims(&issuer.issuer(), &[])), 200).await;
    let token = Signer::rsa(1, "enc", Algorithm::RS256).sign(&claims(&issuer.issuer(), &[]));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, "key id is unknown");
}

#[tokio::test]
async fn an_auth0_domain_fetches_the_key_set_directly() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::spawn(&[("AUTH0_DOMAIN", &issuer.url), ("AUTH0_AUDIENCE", crate::helpers::AUDIENCE)]).await;
    app.wait_for_status(PROTECTED, &good.sign(&claims(&format!("{}/", issuer.url), &[])), 200).await;
    assert_eq!(issuer.metadata_fetches(), 0);
}
