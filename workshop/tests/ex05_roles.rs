//! Checks exercise 05 (workshop/README.md, "05 roles").

mod learner {
    #[cfg(not(feature = "solutions"))]
    include!(concat!(env!("WORKSHOP_EXERCISES"), "/05_roles.rs"));
    #[cfg(feature = "solutions")]
    include!(concat!(env!("WORKSHOP_SOLUTIONS"), "/05_roles.rs"));
}

use hello_workshop::{Api, DEMO_ADMIN};
use serde_json::json;

const ADMIN: &str = "/api/messages/admin";

#[tokio::test]
async fn a_grant_in_roles_opens_the_admin_route() {
    let api = Api::local(learner::SETTINGS, |_| {}).await;
    let mut claims = api.demo_claims().await;
    claims.remove("permissions");
    claims.insert("roles".into(), json!(["read:admin-messages"]));

    let reply = api.get(ADMIN, Some(&api.sign(&claims))).await;

    assert_eq!(reply.status, 200, "a token with roles [read:admin-messages] should be let in: {:?}", reply.body);
}

#[tokio::test]
async fn a_grant_in_permissions_no_longer_counts() {
    let api = Api::local(learner::SETTINGS, |_| {}).await;
    // demo-admin's token grants read:admin-messages in `permissions`, not in `roles`.
    let token = api.token(DEMO_ADMIN).await;

    let reply = api.get(ADMIN, Some(&token)).await;

    assert_eq!(reply.status, 403, "permissions should come from roles only: {:?}", reply.body);
}
