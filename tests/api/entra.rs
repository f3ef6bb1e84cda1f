//! Microsoft Entra ID presets against a local provider that answers like Entra ID.

use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::helpers::{FakeIssuer, Signer, TestApp, assert_invalid_token, claims, with};

const ADMIN: &str = "/api/messages/admin";
const PROTECTED: &str = "/api/messages/protected";

fn entra_claims(iss: &str, aud: &str, changes: serde_json::Value) -> serde_json::Value {
    with(claims(iss, &[]), with(json!({ "aud": aud, "permissions": null }), changes))
}

#[tokio::test]
async fn single_tenant_accepts_both_audience_forms_and_grants_permissions_from_roles() {
    let signer = Signer::rsa(0, "entra-key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    let issuer = format!("{}/tenant-1/v2.0", provider.url);
    provider.set_issuer(&issuer);
    let app = TestApp::spawn(&[
        ("AZURE_TENANT_ID", "tenant-1"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("AZURE_AUTHORITY_HOST", &provider.url),
    ])
    .await;

    let admin = signer.sign(&entra_claims(&issuer, "api://app-1", json!({ "roles": ["read:admin-messages"] })));
    app.wait_for_status(ADMIN, &admin, 200).await;
    assert_eq!(provider.paths()[0], "/tenant-1/v2.0/.well-known/openid-configuration");

    let bare_audience = signer.sign(&entra_claims(&issuer, "app-1", json!({ "roles": ["read:admin-messages"] })));
    assert_eq!(app.get(ADMIN, Some(&bare_audience)).await.status(), 200);

    let permissions_do_not_count =
        signer.sign(&entra_claims(&issuer, "app-1", json!({ "permissions": ["read:admin-messages"] })));
    assert_eq!(app.get(ADMIN, Some(&permissions_do_not_count)).await.status(), 403);

    let other_app = signer.sign(&entra_claims(&issuer, "api://app-2", json!({})));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&other_app)).await).await, "audience is not accepted");
}

#[tokio::test]
async fn multi_tenant_fills_the_issuer_template_with_an_allowed_tid() {
    let signer = Signer::rsa(0, "entra-key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    provider.set_issuer(&format!("{}/{{tenantid}}/v2.0", provider.url));
    let app = TestApp::spawn(&[
        ("AZURE_TENANT_ID", "common"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("AZURE_ALLOWED_TENANTS", "t-1, t-2"),
        ("AZURE_AUTHORITY_HOST", &provider.url),
    ])
    .await;
    let iss = |tid: &str| format!("{}/{tid}/v2.0", provider.url);

    let allowed = signer.sign(&entra_claims(&iss("t-2"), "app-1", json!({ "tid": "t-2" })));
    app.wait_for_status(PROTECTED, &allowed, 200).await;
    assert_eq!(provider.paths()[0], "/common/v2.0/.well-known/openid-configuration");

    let cases = [
        ("a tenant not allowed", entra_claims(&iss("t-3"), "app-1", json!({ "tid": "t-3" })), "tenant is not allowed"),
        ("no tid", entra_claims(&iss("t-1"), "app-1", json!({})), "tenant is not allowed"),
        (
            "iss of another tenant",
            entra_claims(&iss("t-2"), "app-1", json!({ "tid": "t-1" })),
            "issuer is not accepted",
        ),
        (
            "the template itself",
            entra_claims(&format!("{}/{{tenantid}}/v2.0", provider.url), "app-1", json!({ "tid": "t-1" })),
            "issuer is not accepted",
        ),
    ];
    for (name, claims, expected) in cases {
        let description = assert_invalid_token(app.get(PROTECTED, Some(&signer.sign(&claims))).await).await;
        assert_eq!(description, expected, "{name}");
    }
}

#[tokio::test]
async fn b2c_uses_the_policy_metadata_and_its_issuer() {
    let signer = Signer::rsa(0, "b2c-key", Algorithm::RS256);
    let provider = FakeIssuer::start(vec![signer.jwk()]).await;
    let issuer = format!("{}/b2c-tenant-guid/v2.0/", provider.url);
    provider.set_issuer(&issuer);
    let app = TestApp::spawn(&[
        ("AZURE_B2C_TENANT_NAME", "contoso"),
        ("AZURE_B2C_POLICY", "B2C_1_signin"),
        ("AZURE_APP_CLIENT_ID", "app-1"),
        ("AZURE_B2C_AUTHORITY_HOST", &provider.url),
        ("PERMISSIONS_CLAIM", "scp"),
    ])
    .await;
    let token = signer.sign(&entra_claims(&issuer, "app-1", json!({ "scp": "read:admin-messages" })));
    app.wait_for_status(ADMIN, &token, 200).await;
    assert_eq!(provider.paths()[0], "/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration");

    let api_form = signer.sign(&entra_claims(&issuer, "api://app-1", json!({})));
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&api_form)).await).await, "audience is not accepted");
}
