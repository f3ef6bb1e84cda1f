//! Checks exercise 06 (workshop/README.md, "06 client_credentials").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/06_client_credentials.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/06_client_credentials.rs"));
}

use hello_workshop::{Api, DEMO_ADMIN, DEMO_CLIENT, claims_of};

#[tokio::test]
async fn the_admin_clients_token_opens_the_admin_route() {
    let api = Api::local(&[], |_| {}).await;

    let token = learner::fetch_token(&api.token_endpoint(), DEMO_ADMIN.0, DEMO_ADMIN.1).await.expect("a token");

    let reply = api.get("/api/messages/admin", Some(&token)).await;
    assert_eq!(reply.status, 200, "the token {token:?} should open the admin route: {:?}", reply.body);
    assert_eq!(claims_of(&token)["gty"], "client-credentials");
}

#[tokio::test]
async fn the_plain_clients_token_is_valid_but_not_admin() {
    let api = Api::local(&[], |_| {}).await;

    let token = learner::fetch_token(&api.token_endpoint(), DEMO_CLIENT.0, DEMO_CLIENT.1).await.expect("a token");

    assert_eq!(api.get("/api/messages/protected", Some(&token)).await.status, 200, "the token was {token:?}");
    assert_eq!(api.get("/api/messages/admin", Some(&token)).await.status, 403);
}

#[tokio::test]
async fn a_wrong_secret_gets_no_token() {
    let api = Api::local(&[], |_| {}).await;

    let result = learner::fetch_token(&api.token_endpoint(), DEMO_ADMIN.0, "wrong-secret").await;

    let refused = match result {
        Err(_) => true,
        Ok(token) => api.get("/api/messages/admin", Some(&token)).await.status == 401,
    };
    assert!(refused, "a wrong secret must not give a token that the API accepts");
}
