//! PyJWT, the JWT library of Python's web servers, against hello-api in both directions: it
//! verifies the local issuer's tokens (a machine's access token, a signed-in person's access and
//! ID tokens) through the published key set with its own `PyJWKClient`, and the server accepts
//! the tokens it signs with keys made here, in every algorithm the server offers, while refusing
//! its unsigned `alg: none` token (docs/testing.md, "The interop target"). Python comes from
//! `target/venv` (`scripts/test-deps.sh`); the test fails, never skips, without it.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::code_flow::{REDIRECT, VERIFIER, exchange, sign_in};
use crate::helpers::{AUDIENCE, FakeIssuer, Signer, TestApp, assert_invalid_token, claims};

/// Runs `script` with PyJWT, `input` as JSON on stdin; its stdout parsed as JSON.
pub(crate) fn python(script: &str, input: &Value) -> Value {
    let python = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/venv/bin/python");
    assert!(python.exists(), "{} is missing: run scripts/test-deps.sh (make test-deps) first", python.display());
    let mut child = Command::new(python)
        .args(["-c", script])
        // PyJWKClient fetches with urllib, which would honour a proxy; the issuer is on loopback.
        .env("no_proxy", "*")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "PyJWT failed:\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Verifies each token with the key `PyJWKClient` finds for its `kid` in the key set, checking
/// signature, issuer, audience and expiry, and prints the header and claims.
const VERIFY: &str = r#"
import json, sys, jwt
given = json.load(sys.stdin)
keys = jwt.PyJWKClient(given["jwks_uri"])
out = []
for token, audience in given["tokens"]:
    key = keys.get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=given["issuer"],
                        options={"require": ["exp", "iat", "iss", "aud", "sub"]})
    out.append({"header": jwt.get_unverified_header(token), "claims": claims})
print(json.dumps(out))
"#;

#[tokio::test]
async fn pyjwt_verifies_the_local_issuers_tokens_through_its_key_set() {
    let app = TestApp::local(&[]).await;
    let issuer = app.local_issuer_url.clone().expect("local mode");
    let metadata: Value =
        app.http.get(format!("{issuer}.well-known/openid-configuration")).send().await.unwrap().json().await.unwrap();

    let machine = app.local_token("demo-admin", "demo-admin-secret").await;
    let (code, _) = sign_in(&app, "admin@example.com", "demo-admin-password").await;
    let person: Value = exchange(&app, &code, VERIFIER, REDIRECT).await.json().await.unwrap();

    let verified = python(
        VERIFY,
        &json!({
            "jwks_uri": metadata["jwks_uri"],
            "issuer": issuer,
            "tokens": [
                [machine, AUDIENCE],
                [person["access_token"], AUDIENCE],
                [person["id_token"], "demo-spa"],
            ],
        }),
    );
    let [machine, access, id] = [&verified[0], &verified[1], &verified[2]];
    assert_eq!(machine["header"]["typ"], "at+jwt");
    assert_eq!(machine["claims"]["sub"], "demo-admin@clients");
    assert_eq!(machine["claims"]["permissions"], json!(["read:admin-messages"]));
    assert_eq!(access["header"]["typ"], "at+jwt");
    assert_eq!(access["claims"]["client_id"], "demo-spa");
    assert_eq!(access["claims"]["permissions"], json!(["read:admin-messages"]));
    assert_eq!(id["claims"]["nonce"], "the-nonce");
    assert_eq!(id["claims"]["email"], "admin@example.com");
    assert_eq!(id["claims"]["sub"], access["claims"]["sub"]);
}

/// Signs the claims with each key (PKCS#8 PEM, `alg`, `kid`), then once with `alg: none`.
const SIGN: &str = r#"
import json, sys, jwt
given = json.load(sys.stdin)
signed = [jwt.encode(given["claims"], key["pem"], algorithm=key["alg"], headers={"kid": key["kid"]})
          for key in given["keys"]]
unsigned = jwt.encode(given["claims"], None, algorithm="none")
print(json.dumps({"signed": signed, "unsigned": unsigned}))
"#;

#[tokio::test]
async fn tokens_pyjwt_signs_are_accepted_in_every_offered_algorithm_and_its_unsigned_token_is_not() {
    let signers = [
        Signer::rsa(0, "py-rs256", Algorithm::RS256),
        Signer::rsa(1, "py-ps256", Algorithm::PS256),
        Signer::es256("py-es256"),
        Signer::ed25519("py-eddsa"),
    ];
    let issuer = FakeIssuer::start(signers.iter().map(Signer::jwk).collect()).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "RS256,PS256,ES256,EdDSA")]).await;

    let keys: Vec<Value> = signers
        .iter()
        .map(|signer| json!({ "pem": signer.private_pem, "alg": format!("{:?}", signer.alg), "kid": signer.kid }))
        .collect();
    let tokens = python(SIGN, &json!({ "claims": claims(&issuer.issuer(), &["read:admin-messages"]), "keys": keys }));

    for (signer, token) in signers.iter().zip(tokens["signed"].as_array().unwrap()) {
        let response = app.wait_for_status("/api/messages/admin", token.as_str().unwrap(), 200).await;
        assert_eq!(response.status(), 200, "PyJWT's {:?} token", signer.alg);
    }
    let unsigned = tokens["unsigned"].as_str().unwrap();
    assert!(unsigned.ends_with('.'), "an unsigned token: {unsigned}");
    assert_invalid_token(app.get("/api/messages/admin", Some(unsigned)).await).await;
}
