//! Checks exercise 07 (workshop/README.md, "07 refused_tokens").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/07_refused_tokens.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/07_refused_tokens.rs"));
}

use hello_workshop::{AUDIENCE, Api, now};
use serde_json::{Map, Value};

/// The API's default leeway for `exp` (CLOCK_SKEW_SECONDS).
const LEEWAY: u64 = 5;

/// Changes a real token's claims with `change`, checks that exactly `claim` changed, and sends
/// the re-signed token to the protected route: it must be a 401 saying `expected`.
async fn refused(change: fn(&mut Map<String, Value>), claim: &str, expected: &str) -> Map<String, Value> {
    let api = Api::local(&[], |_| {}).await;
    let original = api.demo_claims().await;
    let mut claims = original.clone();
    change(&mut claims);
    for (name, value) in &original {
        if name != claim {
            assert_eq!(claims.get(name), Some(value), "only {claim:?} should change, not {name:?}");
        }
    }
    assert_ne!(claims.get(claim), original.get(claim), "{claim:?} should change");

    let reply = api.get("/api/messages/protected", Some(&api.sign(&claims))).await;

    assert_eq!(reply.status, 401, "the changed token must be refused: {:?}", reply.body);
    assert_eq!(reply.body["error"], "invalid_token");
    assert_eq!(reply.error_description(), Some(expected), "the constant should be what the API said");
    claims
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let claims = refused(learner::expire, "exp", learner::EXPIRED).await;

    let exp = claims["exp"].as_u64().expect("exp is a number of seconds");
    assert!(exp + LEEWAY < now(), "exp should be more than {LEEWAY} s in the past");
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let claims = refused(learner::change_audience, "aud", learner::WRONG_AUDIENCE).await;

    assert_ne!(claims["aud"], AUDIENCE);
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    refused(learner::change_issuer, "iss", learner::WRONG_ISSUER).await;
}
