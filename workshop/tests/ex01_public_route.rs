//! Checks exercise 01 (workshop/README.md, "01 public_route").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/01_public_route.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/01_public_route.rs"));
}

use hello_workshop::Api;

#[tokio::test]
async fn the_public_message_is_read_from_the_running_api() {
    let api = Api::local(&[], |_| {}).await;

    let text = learner::public_message(&api.url("")).await;

    assert_eq!(text, "This is a public message.", "public_message() should return the text the API answers");
}
