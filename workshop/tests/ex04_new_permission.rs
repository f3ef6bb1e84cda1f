//! Checks exercise 04 (workshop/README.md, "04 new_permission").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/04_new_permission.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/04_new_permission.rs"));
}

use hello_workshop::{Api, DEMO_ADMIN};
use serde_json::json;

const REPORTS: &str = "/api/workshop/reports";

#[tokio::test]
async fn without_a_token_the_answer_is_the_status_you_named() {
    let api = Api::local(&[], learner::routes).await;

    let reply = api.get(REPORTS, None).await;

    assert_eq!(reply.status, learner::WITHOUT_TOKEN, "WITHOUT_TOKEN should be what the API answers");
    assert_eq!(reply.body["message"], "Requires authentication");
}

#[tokio::test]
async fn a_valid_token_without_read_reports_is_refused_with_the_status_you_named() {
    let api = Api::local(&[], learner::routes).await;
    // demo-admin is granted read:admin-messages, not read:reports.
    let token = api.token(DEMO_ADMIN).await;

    let reply = api.get(REPORTS, Some(&token)).await;

    assert_eq!(reply.status, learner::WITHOUT_PERMISSION, "WITHOUT_PERMISSION should be what the API answers");
    assert_eq!(reply.error_description(), Some("Requires read:reports"), "the answer was {:?}", reply.body);
    let challenge = reply.www_authenticate.unwrap_or_default();
    assert!(challenge.contains(r#"scope="read:reports""#), "WWW-Authenticate was {challenge:?}");
}

#[tokio::test]
async fn a_token_granting_read_reports_gets_the_reports() {
    let api = Api::local(&[], learner::routes).await;
    let mut claims = api.demo_claims().await;
    claims.insert("permissions".into(), json!(["read:reports"]));

    let reply = api.get(REPORTS, Some(&api.sign(&claims))).await;

    assert_eq!(reply.status, 200, "the answer was {:?}", reply.body);
    assert_eq!(reply.body["text"], "The reports.");
}

#[tokio::test]
async fn the_token_is_checked_before_the_permission() {
    let api = Api::local(&[], learner::routes).await;
    let mut claims = api.demo_claims().await;
    claims.insert("permissions".into(), json!(["read:reports"]));
    claims.insert("exp".into(), json!(1));

    let reply = api.get(REPORTS, Some(&api.sign(&claims))).await;

    assert_eq!(reply.status, 401, "an expired token is not valid, whatever it grants: {:?}", reply.body);
}
