//! Checks exercise 02 (workshop/README.md, "02 protect_route").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/02_protect_route.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/02_protect_route.rs"));
}

use hello_workshop::{Api, DEMO_CLIENT};

const HELLO: &str = "/api/workshop/hello";

#[tokio::test]
async fn without_a_token_the_new_route_is_401_requires_authentication() {
    let api = Api::local(&[], learner::routes).await;

    let reply = api.get(HELLO, None).await;

    assert_eq!(reply.status, 401, "a request without a token must be refused; the answer was {:?}", reply.body);
    assert_eq!(reply.body["message"], "Requires authentication");
    assert_eq!(reply.www_authenticate.as_deref(), Some(r#"Bearer realm="api""#));
}

#[tokio::test]
async fn a_token_that_is_not_valid_is_401_invalid_token() {
    let api = Api::local(&[], learner::routes).await;

    let reply = api.get(HELLO, Some("not-a-token")).await;

    assert_eq!(reply.status, 401, "a bad token must be refused; the answer was {:?}", reply.body);
    assert_eq!(reply.body["error"], "invalid_token");
}

#[tokio::test]
async fn a_valid_token_gets_the_hello() {
    let api = Api::local(&[], learner::routes).await;
    let token = api.token(DEMO_CLIENT).await;

    let reply = api.get(HELLO, Some(&token)).await;

    assert_eq!(reply.status, 200, "a valid token must be let through; the answer was {:?}", reply.body);
    assert_eq!(reply.body["text"], "Hello, caller with a token.");
}
