//! Checks exercise 03 (workshop/README.md, "03 return_sub").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/03_return_sub.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/03_return_sub.rs"));
}

use hello_workshop::{Api, DEMO_ADMIN, DEMO_CLIENT, claims_of};

#[tokio::test]
async fn each_caller_gets_the_sub_of_its_own_token() {
    let api = Api::local(&[], learner::routes).await;

    for client in [DEMO_CLIENT, DEMO_ADMIN] {
        let token = api.token(client).await;
        let sub = claims_of(&token)["sub"].clone();

        let reply = api.get("/api/workshop/whoami", Some(&token)).await;

        assert_eq!(reply.status, 200, "the answer was {:?}", reply.body);
        assert_eq!(reply.body["sub"], sub, "{} should be told its own sub", client.0);
    }
}

#[tokio::test]
async fn whoami_stays_protected() {
    let api = Api::local(&[], learner::routes).await;

    let reply = api.get("/api/workshop/whoami", None).await;

    assert_eq!(reply.status, 401, "the answer was {:?}", reply.body);
}
