//! Checks exercise 08 (workshop/README.md, "08 key_rotation").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/08_key_rotation.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/08_key_rotation.rs"));
}

use hello_workshop::{Api, KeySetServer, new_key};

const PROTECTED: &str = "/api/messages/protected";

#[tokio::test]
async fn a_new_kid_is_accepted_by_the_running_api_and_the_old_one_still_is() {
    let old = new_key();
    let issuer = KeySetServer::start(vec![old.public_jwk().clone()]).await;
    let api = Api::trusting(&issuer, |_| {}).await;
    let before = api.get(PROTECTED, Some(&issuer.token(&old, "before"))).await;
    assert_eq!(before.status, 200, "the old key works before the rotation: {:?}", before.body);
    let fetches = issuer.fetches();

    let new = new_key();
    learner::rotate(&issuer, &old, &new);

    let with_new = api.get(PROTECTED, Some(&issuer.token(&new, "after"))).await;
    assert_eq!(with_new.status, 200, "a token with the new kid should be accepted: {:?}", with_new.body);
    assert!(issuer.fetches() > fetches, "the API fetched the key set again to learn the new kid");
    let with_old = api.get(PROTECTED, Some(&issuer.token(&old, "during"))).await;
    assert_eq!(with_old.status, 200, "tokens signed before the rotation still work: {:?}", with_old.body);
}
