//! docs/contract.md, "The key set", against keys published to forge or to deny: keys that can
//! never verify honestly are skipped as if absent, a refresh applies each key as it is published
//! now, and discovery metadata must name the configured issuer (docs/providers.md).

use std::time::Duration;

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::{
    FakeIssuer, LOG_LINES, Signer, TestApp, assert_invalid_token, assert_unavailable, b64, claims, with,
};

const ADMIN: &str = "/api/messages/admin";
const PROTECTED: &str = "/api/messages/protected";

/// Ed25519 public keys of small order: the identity and the point of order 2.
const IDENTITY: &str = "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
const ORDER_2: &str = "7P_______________________________________38";

fn weak_ed25519(kid: &str, x: &str) -> Value {
    json!({ "kty": "OKP", "crv": "Ed25519", "kid": kid, "use": "sig", "alg": "EdDSA", "x": x })
}

/// An admin token "signed" with R = identity and S = 0: it verifies under the identity key for
/// any message.
fn forged_eddsa_token(kid: &str, issuer: &str) -> String {
    let header = b64(json!({ "alg": "EdDSA", "typ": "JWT", "kid": kid }).to_string());
    let payload = b64(claims(issuer, &["read:admin-messages"]).to_string());
    format!("{header}.{payload}.AQ{}", "A".repeat(84))
}

/// Waits (at most ~15 s) until the API logged, after log line `since`, a failed fetch from
/// `issuer` whose reason holds `why`.
async fn wait_for_a_failed_fetch(issuer: &FakeIssuer, since: usize, why: &str) {
    let needle = format!("key set fetch from {}/", issuer.url);
    for _ in 0..150 {
        let failed = LOG_LINES.lock().unwrap()[since..].iter().any(|line| line.contains(&needle) && line.contains(why));
        if failed {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no fetch from {} failed with {why:?}", issuer.url);
}

#[tokio::test]
async fn a_token_forged_for_a_small_order_ed25519_key_is_refused() {
    let good = Signer::ed25519("good");
    let issuer =
        FakeIssuer::start(vec![good.jwk(), weak_ed25519("identity", IDENTITY), weak_ed25519("order-2", ORDER_2)]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "EdDSA"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    app.wait_for_status(ADMIN, &good.sign(&claims(&issuer.issuer(), &["read:admin-messages"])), 200).await;

    for kid in ["identity", "order-2"] {
        let forged = forged_eddsa_token(kid, &issuer.issuer());
        assert_eq!(assert_invalid_token(app.get(ADMIN, Some(&forged)).await).await, "key id is unknown", "{kid}");
    }
}

#[tokio::test]
async fn a_key_set_of_small_order_ed25519_keys_only_is_a_failed_fetch() {
    let issuer = FakeIssuer::start(vec![weak_ed25519("identity", IDENTITY), weak_ed25519("order-2", ORDER_2)]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "EdDSA")]).await;
    assert_unavailable(app.get(ADMIN, Some(&forged_eddsa_token("identity", &issuer.issuer()))).await).await;
}

#[tokio::test]
async fn valid_tokens_keep_working_when_the_issuer_starts_serving_degenerate_rsa_exponents() {
    let good = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![good.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_CACHE_SECONDS", "1"), ("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let token = good.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;

    // The good key's own modulus under its own kid, and others, each with an exponent that
    // cannot verify honestly.
    let n = good.jwk()["n"].clone();
    let degenerate = [("good", &[1u8][..]), ("two", &[2]), ("even", &[1, 0, 0]), ("zero", &[0])]
        .map(|(kid, e)| json!({ "kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": n, "e": b64(e) }));
    issuer.set_keys(degenerate.to_vec());
    let since = LOG_LINES.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(1100)).await; // stale: the next request starts a refresh
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200);
    wait_for_a_failed_fetch(&issuer, since, "holds no usable key").await;

    for _ in 0..3 {
        assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200, "the last good keys stay");
    }
}

/// Arrange: the API trusts key `k` (RS256 and PS256 accepted) and remembers an RS256 token.
/// Act: the issuer republishes the same numbers with `change`, and a token naming an unknown
/// `kid` makes the API refresh (the start-up fetch starts no cooldown). Assert: the remembered token gets `expected`.
async fn republish_and_refresh(change: Value, expected: &str) {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "RS256,PS256")]).await;
    let token = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200, "remembered");

    let mut republished = signer.jwk();
    republished.as_object_mut().unwrap().extend(change.as_object().unwrap().clone());
    // Another key keeps the set usable: a set with no usable key would keep the last good keys.
    issuer.set_keys(vec![republished, Signer::rsa(2, "other", Algorithm::RS256).jwk()]);
    let stranger = Signer::rsa(1, "unknown", Algorithm::RS256).sign(&claims(&issuer.issuer(), &[]));
    let fetches = issuer.jwks_fetches();
    assert_invalid_token(app.get(PROTECTED, Some(&stranger)).await).await;
    assert_eq!(issuer.jwks_fetches(), fetches + 1, "the unknown kid refreshed the key set");

    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, expected, "{change}");
    let fresh = signer.sign(&claims(&issuer.issuer(), &["fresh"]));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&fresh)).await).await, expected, "{change}");
}

#[tokio::test]
async fn a_key_republished_with_another_alg_use_or_key_ops_is_checked_against_them_after_a_refresh() {
    republish_and_refresh(json!({ "alg": "PS256" }), "key does not fit the algorithm").await;
    republish_and_refresh(json!({ "use": "enc" }), "key id is unknown").await;
    republish_and_refresh(json!({ "key_ops": ["encrypt"] }), "key id is unknown").await;
}

#[tokio::test]
async fn a_stale_refresh_applies_a_new_alg_to_a_remembered_token_and_the_new_alg_passes() {
    let rs256 = Signer::rsa(0, "k", Algorithm::RS256);
    let ps256 = Signer::rsa(0, "k", Algorithm::PS256);
    let issuer = FakeIssuer::start(vec![rs256.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "RS256,PS256"), ("JWKS_CACHE_SECONDS", "1")]).await;
    let token = rs256.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    let ps_token = ps256.sign(&claims(&issuer.issuer(), &[]));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&ps_token)).await).await, "key does not fit the algorithm");

    issuer.set_keys(vec![ps256.jwk()]);
    app.wait_for_status(PROTECTED, &token, 401).await;
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await, "key does not fit the algorithm");
    assert_eq!(app.get(PROTECTED, Some(&ps_token)).await.status(), 200);
}

#[tokio::test]
async fn metadata_naming_another_issuer_is_a_failed_fetch_until_it_names_the_configured_one() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let impostor = format!("{}/someone-else", issuer.url);
    issuer.set_issuer(&impostor);
    let since = LOG_LINES.lock().unwrap().len();
    let app = TestApp::trusting(&issuer, &[]).await;

    let token = signer.sign(&claims(&impostor, &[]));
    assert_unavailable(app.get(PROTECTED, Some(&token)).await).await;
    wait_for_a_failed_fetch(&issuer, since, &format!("names the issuer {impostor:?}")).await;
    assert_eq!(issuer.jwks_fetches(), 0, "no key set is fetched from a mismatched metadata document");

    issuer.set_issuer(&format!("{}/", issuer.url));
    app.wait_for_status(PROTECTED, &signer.sign(&claims(&issuer.issuer(), &[])), 200).await;
}

#[tokio::test]
async fn one_trailing_slash_on_either_side_does_not_count() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    issuer.set_issuer(&issuer.url); // no trailing slash, while the configuration has one
    let configured = format!("{}/", issuer.url);
    let app = TestApp::spawn(&[("ISSUER_BASE_URL", &configured), ("AUDIENCE", crate::helpers::AUDIENCE)]).await;
    app.wait_for_status(PROTECTED, &signer.sign(&claims(&issuer.url, &[])), 200).await;
}

#[tokio::test]
async fn entra_metadata_may_name_the_tenant_id_for_a_domain_but_not_another_host() {
    let signer = Signer::rsa(0, "entra-key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    let tenant_id = format!("{}/00000000-0000-0000-0000-000000000001/v2.0", provider.url);
    provider.set_issuer(&tenant_id);
    let vars = [
        ("AZURE_TENANT_ID", "contoso.onmicrosoft.com"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("AZURE_AUTHORITY_HOST", provider.url.as_str()),
    ];
    let app = TestApp::spawn(&vars).await;
    let token = |iss: &str| signer.sign(&with(claims(iss, &[]), json!({ "aud": "app-1" })));
    app.wait_for_status(PROTECTED, &token(&tenant_id), 200).await;

    let elsewhere = "https://login.elsewhere.example/00000000-0000-0000-0000-000000000001/v2.0";
    provider.set_issuer(elsewhere);
    let app = TestApp::spawn(&vars).await;
    assert_unavailable(app.get(PROTECTED, Some(&token(elsewhere))).await).await;
}
