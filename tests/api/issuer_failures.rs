//! docs/contract.md, "The key set", against an issuer that fails in every way it can: the last good keys keep
//! serving, a 503 with `Retry-After` comes only when no key can serve, every answer comes in
//! bounded time, nothing is followed or buffered beyond the limits, and the server recovers by
//! itself.

use std::future::Future;
use std::time::Duration;

use futures_util::StreamExt as _;
use futures_util::future::join_all;
use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::helpers::{
    Behaviour, FakeIssuer, Signer, TestApp, assert_invalid_token, assert_unavailable, b64, claims, eventually,
};

const PROTECTED: &str = "/api/messages/protected";
/// A hang guard, not a performance bound: every answer comes well within it (fetch timeout 5 s).
const GUARD: Duration = Duration::from_secs(10);
/// Larger than the 1 MiB limit on key-set and metadata documents.
const TEN_MB: usize = 10 * 1024 * 1024;

/// Runs `future`, failing the test if it has not finished within [`GUARD`].
async fn bounded<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, future).await.unwrap_or_else(|_| panic!("{what}: no answer within {GUARD:?}"))
}

/// One way for the issuer to fail.
#[derive(Clone, Debug)]
enum Failure {
    /// The port is closed: connections are refused.
    Refuses,
    /// The issuer answers, badly.
    Answers(Behaviour),
}

impl Failure {
    async fn begin(&self, issuer: &FakeIssuer) {
        match self {
            Self::Refuses => issuer.go_down(),
            Self::Answers(behaviour) => issuer.behave(behaviour.clone()),
        }
    }

    async fn end(&self, issuer: &FakeIssuer) {
        issuer.behave(Behaviour::Normal);
        if let Self::Refuses = self {
            issuer.come_back().await;
        }
    }
}

/// Arrange: an API whose keys go stale after 1 s, with the key `good` loaded. Act: the issuer
/// fails, and a second key `newcomer` is published (where a fetch that followed a redirect or
/// read past the size limit would find it). Assert: `good` keeps working, `newcomer` is a 503
/// with `Retry-After`, both within the guard; once the issuer works again, `newcomer` passes.
async fn survive(name: &str, failure: Failure, elsewhere: &FakeIssuer) {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let newcomer = Signer::rsa(1, "newcomer", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "0")]).await;
    let cached = good.sign(&claims(&issuer.issuer(), &[]));
    let uncached = newcomer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &cached, 200).await;
    let requests_before = issuer.paths().len();

    failure.begin(&issuer).await;
    issuer.set_keys(vec![good.jwk(), newcomer.jwk()]);
    tokio::time::sleep(Duration::from_millis(1100)).await; // stale: the next use refreshes

    let response = bounded(name, app.get(PROTECTED, Some(&cached))).await;
    assert_eq!(response.status(), 200, "{name}: a cached key keeps serving");
    let response = bounded(name, app.get(PROTECTED, Some(&uncached))).await;
    assert_eq!(response.status(), 503, "{name}: no cached key serves the newcomer");
    assert_unavailable(response).await;
    let response = bounded(name, app.get(PROTECTED, Some(&cached))).await;
    assert_eq!(response.status(), 200, "{name}: a failed fetch keeps the last good keys");
    if let Failure::Answers(_) = failure {
        assert!(issuer.paths().len() > requests_before, "{name}: the failing issuer was asked");
    }
    assert!(elsewhere.paths().is_empty(), "{name}: a redirect was followed to {:?}", elsewhere.paths());

    failure.end(&issuer).await;
    bounded(name, app.wait_for_status(PROTECTED, &uncached, 200)).await;
    assert_eq!(app.get(PROTECTED, Some(&cached)).await.status(), 200, "{name}: recovered");
}

#[tokio::test]
async fn every_kind_of_issuer_failure_keeps_the_last_good_keys_and_recovers_without_a_restart() {
    // Where redirects point: it serves both keys, so a fetch that followed one would succeed.
    let elsewhere = FakeIssuer::start(vec![
        Signer::rsa(0, "good", Algorithm::RS256).jwk(),
        Signer::rsa(1, "newcomer", Algorithm::RS256).jwk(),
    ])
    .await;
    let answers = Failure::Answers;
    let failures = [
        ("refuses connections", Failure::Refuses),
        ("answers 500", answers(Behaviour::Status(500))),
        ("answers 404", answers(Behaviour::Status(404))),
        ("answers 200 with HTML", answers(Behaviour::Body("<!doctype html><p>maintenance</p>".into()))),
        ("answers 200 with {}", answers(Behaviour::Body("{}".into()))),
        ("answers 200 with no keys", answers(Behaviour::Body(r#"{"keys":[]}"#.into()))),
        ("answers 10 MB, declared", answers(Behaviour::Huge { bytes: TEN_MB, declared: true })),
        ("answers 10 MB, undeclared", answers(Behaviour::Huge { bytes: TEN_MB, declared: false })),
        ("hangs", answers(Behaviour::Hang)),
        ("drips its answer a byte at a time", answers(Behaviour::Drip(Duration::from_millis(20)))),
        ("redirects to itself", answers(Behaviour::Redirect { status: 302, location: "{path}".into() })),
        ("redirects in a loop", answers(Behaviour::Redirect { status: 307, location: "/loop".into() })),
        (
            "redirects to another host (301)",
            answers(Behaviour::Redirect { status: 301, location: format!("{}{{path}}", elsewhere.url) }),
        ),
        (
            "redirects to another host (308)",
            answers(Behaviour::Redirect { status: 308, location: format!("{}{{path}}", elsewhere.url) }),
        ),
    ];
    // Each failure has its own issuer and API; they run side by side to keep the test short.
    join_all(failures.into_iter().map(|(name, failure)| survive(name, failure, &elsewhere))).await;
}

#[tokio::test]
async fn an_oversized_discovery_document_is_refused_and_names_no_key_set() {
    for declared in [true, false] {
        // The padded metadata is valid and names the key set: read in full, it would work.
        let good = Signer::rsa(0, "good", Algorithm::RS256);
        let issuer = FakeIssuer::start(vec![good.jwk()]).await;
        issuer.behave(Behaviour::Huge { bytes: TEN_MB, declared });
        let app = TestApp::trusting(&issuer, &[]).await;
        let token = good.sign(&claims(&issuer.issuer(), &[]));

        let response = bounded("huge metadata", app.get(PROTECTED, Some(&token))).await;
        assert_unavailable(response).await;
        assert!(issuer.metadata_fetches() >= 1);
        assert_eq!(issuer.jwks_fetches(), 0, "declared: {declared}");
        assert_eq!(app.get("/api/messages/public", None).await.status(), 200);
    }
}

#[tokio::test]
async fn an_oversized_key_set_is_refused_at_start_up() {
    for declared in [true, false] {
        // The padded key set holds the token's key: read in full, it would work.
        let good = Signer::rsa(0, "good", Algorithm::RS256);
        let issuer = FakeIssuer::start(vec![good.jwk()]).await;
        issuer.behave(Behaviour::Huge { bytes: TEN_MB, declared });
        let app = TestApp::spawn(&[("AUTH0_DOMAIN", &issuer.url), ("AUTH0_AUDIENCE", crate::helpers::AUDIENCE)]).await;
        let token = good.sign(&claims(&format!("{}/", issuer.url), &[]));

        let response = bounded("huge key set", app.get(PROTECTED, Some(&token))).await;
        assert_unavailable(response).await;
        assert!(issuer.jwks_fetches() >= 1, "declared: {declared}");
    }
}

#[tokio::test]
async fn a_key_replaced_under_the_same_kid_is_trusted_only_in_its_new_form_after_a_refresh() {
    let original = Signer::rsa(0, "k", Algorithm::RS256);
    let replacement = Signer::rsa(1, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![original.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let old_token = original.sign(&claims(&issuer.issuer(), &[]));
    let new_token = replacement.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &old_token, 200).await;

    issuer.set_keys(vec![replacement.jwk()]);
    // A known kid with a bad signature does not refresh: the cached material still decides.
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&new_token)).await).await, "signature is invalid");

    // Once the stale refresh lands, the new material passes and the old never again.
    app.until_status(PROTECTED, Some(&new_token), 200).await;
    for _ in 0..3 {
        assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&old_token)).await).await, "signature is invalid");
        assert_eq!(app.get(PROTECTED, Some(&new_token)).await.status(), 200);
    }
}

#[tokio::test]
async fn a_removed_key_is_an_unknown_kid_once_the_key_set_is_fresh_not_a_503() {
    let kept = Signer::rsa(0, "kept", Algorithm::RS256);
    let removed = Signer::rsa(1, "removed", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![kept.jwk(), removed.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let kept_token = kept.sign(&claims(&issuer.issuer(), &[]));
    let removed_token = removed.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &kept_token, 200).await;
    assert_eq!(app.get(PROTECTED, Some(&removed_token)).await.status(), 200);
    let fetches = issuer.jwks_fetches();

    issuer.set_keys(vec![kept.jwk()]);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.get(PROTECTED, Some(&kept_token)).await.status(), 200); // starts the stale refresh
    eventually("the stale refresh", || async { (issuer.jwks_fetches() > fetches).then_some(()) }).await;
    app.wait_for_status(PROTECTED, &removed_token, 401).await;

    for _ in 0..3 {
        let response = app.get(PROTECTED, Some(&removed_token)).await;
        assert_eq!(assert_invalid_token(response).await, "key id is unknown");
    }
    assert_eq!(app.get(PROTECTED, Some(&kept_token)).await.status(), 200);
}

/// A token naming `kid` that is refused at the key lookup, before its signature is looked at.
fn unsigned_token(kid: &str, issuer: &str) -> String {
    let header = b64(json!({ "alg": "RS256", "typ": "JWT", "kid": kid }).to_string());
    format!("{header}.{}.{}", b64(claims(issuer, &[]).to_string()), b64("not a signature"))
}

/// State stays bounded under a flood during an outage: the fetch count is the observable part.
/// (Resident memory is the soak test's business, not an integration test's.)
#[tokio::test]
async fn a_flood_of_unknown_kids_during_an_outage_costs_one_fetch_and_leaves_nothing_remembered() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let cached = good.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &cached, 200).await;
    let fetches = issuer.jwks_fetches() + issuer.metadata_fetches();

    issuer.behave(Behaviour::Status(500));
    let latecomer = Signer::rsa(1, "made-up-7", Algorithm::RS256);
    let latecomer_token = latecomer.sign(&claims(&issuer.issuer(), &[]));
    let tokens: Vec<String> =
        (0..2_000)
            .map(|i| {
                if i == 7 { latecomer_token.clone() } else { unsigned_token(&format!("made-up-{i}"), &issuer.issuer()) }
            })
            .collect();
    let statuses: Vec<u16> = futures_util::stream::iter(&tokens)
        .map(|token| {
            let app = &app;
            async move { bounded("flood", app.get(PROTECTED, Some(token))).await.status().as_u16() }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert!(statuses.iter().all(|&status| status == 503), "only 503s while no key can serve");
    assert!(
        issuer.jwks_fetches() + issuer.metadata_fetches() <= fetches + 1,
        "at most one fetch for the whole flood (cooldown 300 s)"
    );
    assert_eq!(app.get(PROTECTED, Some(&cached)).await.status(), 200);

    // The issuer comes back and publishes the latecomer's key; a refused token was not remembered.
    issuer.set_keys(vec![good.jwk(), latecomer.jwk()]);
    issuer.behave(Behaviour::Normal);
    tokio::time::sleep(Duration::from_millis(1100)).await; // the retry window has passed
    assert_eq!(app.get(PROTECTED, Some(&cached)).await.status(), 200); // starts the stale refresh
    bounded("recovery", app.wait_for_status(PROTECTED, &latecomer_token, 200)).await;
}
