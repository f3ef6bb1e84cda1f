//! Checks exercise 09 (workshop/README.md, "09 dpop").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/09_dpop.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/09_dpop.rs"));
}

use hello_workshop::{Api, ProofKey, Reply, get_with};
use reqwest::Url;

const ROUTE: &str = "/api/messages/admin";

/// A running API, the owner's key, a token bound to it, and the URL of [`ROUTE`].
async fn owner() -> (Api, ProofKey, String, Url) {
    let api = Api::local(&[], |_| {}).await;
    let key = ProofKey::generate().expect("a P-256 key");
    let token = api.dpop_token(&key).await;
    let url = Url::parse(&api.url(ROUTE)).expect("a valid URL");
    (api, key, token, url)
}

/// The owner's call, made with the learner's headers: it must pass.
async fn owners_call(key: &ProofKey, url: &Url, token: &str) -> Vec<(&'static str, String)> {
    let headers = learner::dpop_headers(key, url, token);
    let reply = get_with(url.as_str(), headers.clone()).await;
    assert_eq!(reply.status, 200, "the owner's call with a proof must pass: {:?}", reply.body);
    headers
}

fn refused(reply: &Reply, expected: &str) {
    assert_eq!(reply.status, 401, "the thief must be refused: {:?}", reply.body);
    assert_eq!(reply.error_description(), Some(expected), "the constant should be what the API said");
    let challenge = reply.www_authenticate.as_deref().unwrap_or_default();
    assert!(challenge.contains("DPoP"), "the API asks for DPoP: {challenge:?}");
}

#[tokio::test]
async fn the_owners_call_with_a_proof_passes() {
    let (_api, key, token, url) = owner().await;

    let headers = owners_call(&key, &url, &token).await;

    let names: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
    assert!(names.iter().any(|name| name.eq_ignore_ascii_case("dpop")), "a DPoP header: {names:?}");
    // A fresh proof per request: a second call with new headers passes too.
    owners_call(&key, &url, &token).await;
}

#[tokio::test]
async fn the_stolen_token_sent_as_bearer_is_refused() {
    let (api, key, token, url) = owner().await;
    owners_call(&key, &url, &token).await;

    let reply = api.get(ROUTE, Some(&token)).await;

    refused(&reply, learner::AS_BEARER);
}

#[tokio::test]
async fn a_captured_request_replayed_is_refused() {
    let (_api, key, token, url) = owner().await;
    let captured = owners_call(&key, &url, &token).await;

    let reply = get_with(url.as_str(), captured).await;

    refused(&reply, learner::REPLAYED);
}

#[tokio::test]
async fn a_captured_proof_sent_to_another_route_is_refused() {
    let (api, key, token, url) = owner().await;
    // The owner made the proof, but the thief caught the request before it arrived.
    let captured = learner::dpop_headers(&key, &url, &token);

    let reply = get_with(&api.url("/api/messages/protected"), captured).await;

    refused(&reply, learner::OTHER_URL);
}

#[tokio::test]
async fn a_proof_from_the_thiefs_own_key_is_refused() {
    let (_api, key, token, url) = owner().await;
    owners_call(&key, &url, &token).await;
    let thiefs_key = ProofKey::generate().expect("a P-256 key");
    let proof = thiefs_key.proof("GET", &url, Some(&token)).expect("a proof");

    let reply = get_with(url.as_str(), vec![("Authorization", format!("DPoP {token}")), ("DPoP", proof)]).await;

    refused(&reply, learner::THIEFS_KEY);
}
