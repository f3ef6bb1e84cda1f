//! What the log says: never a token or a secret.

use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::helpers::{FakeIssuer, LOG_LINES, Signer, TestApp, claims, with};

#[tokio::test]
async fn no_token_or_secret_ever_reaches_the_log() {
    let signer = Signer::rsa(0, "k", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    let valid = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
    let expired = signer.sign(&with(claims(&issuer.issuer(), &[]), json!({ "exp": 1 })));
    let forged = format!("{}x", &valid[..valid.len() - 1]);
    app.wait_for_status("/api/messages/admin", &valid, 200).await;
    for token in [&expired, &forged, &"garbage.token.here".to_owned()] {
        assert_eq!(app.get("/api/messages/admin", Some(token)).await.status(), 401);
    }

    let local = TestApp::local(&[("LOCAL_CLIENT_SECRET", "client-secret-in-test")]).await;
    let issued = local.local_token("demo-client", "client-secret-in-test").await;
    local.wait_for_status("/api/messages/protected", &issued, 200).await;

    let lines = LOG_LINES.lock().unwrap().clone();
    assert!(lines.iter().any(|line| line.contains("GET /api/messages/admin 401")), "requests are logged");
    assert!(lines.iter().any(|line| line.contains("token rejected")), "rejections are logged at debug");
    for secret in [&valid, &expired, &forged, &issued, &"client-secret-in-test".to_owned()] {
        let signature = secret.rsplit('.').next().unwrap();
        for line in &lines {
            assert!(!line.contains(secret.as_str()) && !line.contains(signature), "leaked into the log: {line}");
        }
    }
}
