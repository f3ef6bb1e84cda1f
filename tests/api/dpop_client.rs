//! `hello-client --dpop` (docs/hello-client.md): the real binary gets a DPoP-bound token from the
//! fake issuer, which binds it to the key of the proof it received (checked here with jsonwebtoken),
//! and the real API accepts its calls, each with a fresh proof. Also: settings after the subcommand.

use std::process::{Output, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::{Value, json};
use tokio::process::Command;

use crate::helpers::{AUDIENCE, FakeIssuer, Signer, TestApp, b64, claims, with};

/// Runs the real `hello-client` with only `vars` in its environment.
pub(crate) async fn hello_client(vars: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hello-client"))
        .env_clear()
        .envs(vars.iter().copied())
        .args(args)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .expect("hello-client runs")
}

/// The RFC 7638 thumbprint of a P-256 JWK, by hand.
fn jkt(jwk: &Value) -> String {
    let canonical = format!(
        r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#,
        jwk["x"].as_str().unwrap(),
        jwk["y"].as_str().unwrap()
    );
    b64(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, canonical.as_bytes()))
}

/// A fake issuer that checks each token request's proof and binds the token to its key.
async fn binding_issuer(signer: &Signer) -> FakeIssuer {
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let token_endpoint = format!("{}/oauth/token", issuer.url);
    let (iss, signer) = (issuer.issuer(), signer.clone());
    issuer.mint_token_requests_with(move |seen| {
        let Some(proof) = &seen.dpop else {
            return (400, json!({ "error": "invalid_dpop_proof", "error_description": "no proof" }));
        };
        let header: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(proof.split('.').next().unwrap()).unwrap()).unwrap();
        assert_eq!(header["typ"], "dpop+jwt");
        let key = DecodingKey::from_jwk(&serde_json::from_value(header["jwk"].clone()).unwrap()).unwrap();
        let mut validation = Validation::new(Algorithm::ES256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        let proof = jsonwebtoken::decode::<Value>(proof, &key, &validation).expect("the proof verifies").claims;
        assert_eq!((proof["htm"].as_str(), proof["htu"].as_str()), (Some("POST"), Some(token_endpoint.as_str())));
        assert!(proof.get("ath").is_none() && proof["jti"].is_string() && proof["iat"].is_u64(), "{proof}");
        let bound = with(claims(&iss, &["read:admin-messages"]), json!({ "cnf": { "jkt": jkt(&header["jwk"]) } }));
        (200, json!({ "access_token": signer.sign(&bound), "token_type": "DPoP", "expires_in": 600 }))
    });
    issuer
}

#[tokio::test]
async fn dpop_flag_after_the_subcommand_gets_a_bound_token_and_calls_with_a_fresh_proof_each_time() {
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = binding_issuer(&signer).await;
    let app = TestApp::trusting(&issuer, &[]).await;
    app.wait_for_status("/health/ready", "", 200).await;
    let vars = [
        ("ISSUER_BASE_URL", issuer.url.as_str()),
        ("AUDIENCE", AUDIENCE),
        ("CLIENT_ID", "caller"),
        ("CLIENT_SECRET", "caller-secret"),
        ("API_SERVER_URL", app.url.as_str()),
    ];
    type Run<'a> = (&'a [(&'a str, &'a str)], &'a [&'a str]);
    let runs: [Run; 2] = [
        (&[], &["call", "--dpop", "/api/messages/admin", "/api/messages/protected", "/api/messages/admin"]),
        (
            &[("CLIENT_DPOP", "true")],
            &["call", "/api/messages/admin", "/api/messages/protected", "/api/messages/admin"],
        ),
    ];
    for (extra, args) in runs {
        let mut all = vars.to_vec();
        all.extend_from_slice(extra);
        let output = hello_client(&all, args).await;
        let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        assert_eq!(output.status.code(), Some(0), "{args:?}\nstdout: {stdout}\nstderr: {stderr}");
        assert_eq!(
            stdout.lines().collect::<Vec<_>>(),
            [
                r#"{"text":"This is an admin message."}"#,
                r#"{"text":"This is a protected message."}"#,
                r#"{"text":"This is an admin message."}"#
            ],
            "{args:?}: one token, three proofs (the admin path twice: a reused proof would be refused)"
        );
    }
    let requests = issuer.token_requests();
    assert_eq!(requests.len(), 2, "one token per run");
}

#[tokio::test]
async fn settings_may_follow_the_subcommand() {
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let token = signer.sign(&claims(&issuer.issuer(), &[]));
    issuer.answer_token_requests(200, json!({ "access_token": token, "token_type": "Bearer", "expires_in": 600 }));
    let vars = [("ISSUER_BASE_URL", issuer.url.as_str()), ("AUDIENCE", AUDIENCE), ("CLIENT_SECRET", "s")];
    let output = hello_client(&vars, &["token", "--scope", "x", "--client-id", "caller"]).await;
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), token);
    let seen = issuer.token_requests();
    assert_eq!((seen[0].form["scope"].as_str(), seen[0].form["client_id"].as_str()), ("x", "caller"));
    assert_eq!(seen[0].dpop, None, "no proof without --dpop");
}
