//! docs/dpop.md, "In the local issuer": DPoP at the real local issuer's token endpoint, for every
//! grant, and `dpop_jkt` on `/authorize`. Proofs are made with jsonwebtoken (tests/api/helpers/dpop.rs),
//! never with the crate's own code; the expected `cnf.jkt` is the thumbprint computed by hand.

use serde_json::{Value, json};

use crate::dpop_client::hello_client;
use crate::helpers::code_flow::{REDIRECT, VERIFIER, issuer, location, log_in, parameter, query};
use crate::helpers::{DpopKey, TestApp, b64, now, proof_claims, with};
use crate::sign_in::decode_part;

const ADMIN: &str = "/api/messages/admin";

/// The local issuer's token endpoint as discovery names it.
pub(crate) fn token_endpoint(app: &TestApp) -> String {
    format!("{}oauth/token", issuer(app))
}

/// A proof by `key` for a token request to `app`'s issuer, as a client makes it.
pub(crate) fn token_proof(app: &TestApp, key: &DpopKey) -> String {
    key.proof(&proof_claims("POST", &token_endpoint(app), None))
}

/// POSTs the form `fields` to the token endpoint with each of `proofs` as a `DPoP` header; the
/// status and the JSON body.
pub(crate) async fn token_request(app: &TestApp, fields: &[(&str, &str)], proofs: &[&str]) -> (u16, Value) {
    let mut request = app.http.post(token_endpoint(app)).form(fields);
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

/// Signs the admin in through the form with `changes` to the authorization request: the code.
pub(crate) async fn admin_code(app: &TestApp, changes: &[(&str, Option<&str>)]) -> String {
    let response = log_in(app, &query(changes), "admin@example.com", "demo-admin-password").await;
    assert_eq!(response.status(), 303);
    parameter(&location(&response), "code").expect("a code")
}

/// The form exchanging `code` (made for the default authorization request).
pub(crate) fn code_exchange(code: &str) -> [(&'static str, &str); 5] {
    [
        ("grant_type", "authorization_code"),
        ("client_id", "demo-spa"),
        ("code", code),
        ("code_verifier", VERIFIER),
        ("redirect_uri", REDIRECT),
    ]
}

/// `GET {path}` at the API with `Authorization: {scheme} {token}`, and a fresh proof by `key`.
pub(crate) async fn call(app: &TestApp, path: &str, scheme: &str, token: &str, key: Option<&DpopKey>) -> u16 {
    let url = format!("{}{path}", app.url);
    let mut request = app.http.get(&url).header("Authorization", format!("{scheme} {token}"));
    if let Some(key) = key {
        request = request.header("DPoP", key.proof(&proof_claims("GET", &url, Some(token))));
    }
    request.send().await.unwrap().status().as_u16()
}

/// Asserts `answer` is a DPoP-bound token for `key`, and that the API takes it with a proof from
/// that key only.
async fn assert_bound_and_accepted_only_with_its_proof(app: &TestApp, answer: &Value, key: &DpopKey, case: &str) {
    assert_eq!(answer["token_type"], "DPoP", "{case}: {answer}");
    let token = answer["access_token"].as_str().unwrap();
    assert_eq!(decode_part(token, 1)["cnf"], json!({ "jkt": key.jkt() }), "{case}");
    assert_eq!(call(app, ADMIN, "DPoP", token, Some(key)).await, 200, "{case}: with a proof");
    assert_eq!(call(app, ADMIN, "Bearer", token, None).await, 401, "{case}: refused as Bearer");
    assert_eq!(call(app, ADMIN, "DPoP", token, Some(&DpopKey::es256())).await, 401, "{case}: another key");
}

async fn local_app() -> TestApp {
    let app = TestApp::local(&[]).await;
    app.wait_for_status("/health/ready", "", 200).await;
    app
}

#[tokio::test]
async fn discovery_names_the_proof_algorithms_the_refresh_token_grant_and_offline_access() {
    let app = local_app().await;
    let metadata: Value = app
        .http
        .get(format!("{}.well-known/openid-configuration", issuer(&app)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["dpop_signing_alg_values_supported"], json!(["ES256"]));
    let listed = |name: &str, value: &str| metadata[name].as_array().unwrap().iter().any(|v| v == value);
    assert!(listed("grant_types_supported", "refresh_token"), "{metadata}");
    assert!(listed("scopes_supported", "offline_access"), "{metadata}");
    assert_eq!(metadata["token_endpoint"], token_endpoint(&app));
}

#[tokio::test]
async fn every_grant_with_a_proof_gives_a_bound_token_the_api_accepts_with_a_proof_and_refuses_as_bearer() {
    let app = local_app().await;
    let key = DpopKey::es256();

    let machine =
        [("grant_type", "client_credentials"), ("client_id", "demo-admin"), ("client_secret", "demo-admin-secret")];
    let (status, answer) = token_request(&app, &machine, &[&token_proof(&app, &key)]).await;
    assert_eq!(status, 200, "{answer}");
    assert_bound_and_accepted_only_with_its_proof(&app, &answer, &key, "client_credentials").await;

    let code = admin_code(&app, &[("scope", Some("openid profile email offline_access"))]).await;
    let (status, answer) = token_request(&app, &code_exchange(&code), &[&token_proof(&app, &key)]).await;
    assert_eq!(status, 200, "{answer}");
    assert_bound_and_accepted_only_with_its_proof(&app, &answer, &key, "authorization_code").await;

    let refresh = answer["refresh_token"].as_str().unwrap();
    let form = [("grant_type", "refresh_token"), ("client_id", "demo-spa"), ("refresh_token", refresh)];
    let (status, answer) = token_request(&app, &form, &[&token_proof(&app, &key)]).await;
    assert_eq!(status, 200, "{answer}");
    assert_bound_and_accepted_only_with_its_proof(&app, &answer, &key, "refresh_token").await;
}

#[tokio::test]
async fn without_a_proof_the_token_is_a_bearer_token_without_cnf() {
    let app = local_app().await;
    let machine =
        [("grant_type", "client_credentials"), ("client_id", "demo-admin"), ("client_secret", "demo-admin-secret")];
    let (status, answer) = token_request(&app, &machine, &[]).await;
    assert_eq!((status, answer["token_type"].as_str()), (200, Some("Bearer")));
    let token = answer["access_token"].as_str().unwrap();
    assert!(decode_part(token, 1).get("cnf").is_none());
    assert_eq!(call(&app, ADMIN, "Bearer", token, None).await, 200);
}

#[tokio::test]
async fn a_bad_proof_is_400_invalid_dpop_proof_with_a_fixed_phrase() {
    let app = local_app().await;
    let key = DpopKey::es256();
    let endpoint = token_endpoint(&app);
    let good = || proof_claims("POST", &endpoint, None);
    let changed = |changes: Value| key.proof(&with(good(), changes));
    let mut header = key.header();
    header["typ"] = json!("JWT");
    let signed = key.proof(&good());
    let (message, _) = signed.rsplit_once('.').unwrap();
    let used = key.proof(&good());
    let (status, _) = token_request(&app, &machine_form(), &[&used]).await;
    assert_eq!(status, 200, "a proof's first use");
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "another URL (the API's)",
            vec![changed(json!({"htu": format!("{}{ADMIN}", app.url)}))],
            "proof is for another URL",
        ),
        (
            "another path at the issuer",
            vec![changed(json!({"htu": format!("{}authorize", issuer(&app))}))],
            "proof is for another URL",
        ),
        ("another method", vec![changed(json!({"htm": "GET"}))], "proof is for another method"),
        (
            "an ath",
            vec![changed(json!({"ath": b64("an access token")}))],
            "a proof sent to the token endpoint has no ath",
        ),
        ("iat too old", vec![changed(json!({"iat": now() - 400}))], "proof is outside its time window"),
        ("iat in the future", vec![changed(json!({"iat": now() + 60}))], "proof is outside its time window"),
        ("no jti", vec![changed(json!({"jti": null}))], "proof claims are missing"),
        ("typ JWT", vec![key.proof_with_header(&header, &good())], "proof type is not dpop+jwt"),
        ("an EdDSA proof (not accepted)", vec![DpopKey::ed25519().proof(&good())], "proof algorithm is not accepted"),
        (
            "another key's signature",
            vec![format!("{message}.{}", DpopKey::es256().proof(&good()).rsplit_once('.').unwrap().1)],
            "proof signature is invalid",
        ),
        ("not a JWS", vec!["not-a-proof".to_owned()], "proof is malformed"),
        ("two proofs", vec![key.proof(&good()), key.proof(&good())], "only one proof is allowed"),
        ("used before", vec![used.clone()], "proof was already used"),
    ];
    for (case, proofs, phrase) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let (status, body) = token_request(&app, &machine_form(), &proofs).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert_eq!(body, json!({ "error": "invalid_dpop_proof", "error_description": phrase }), "{case}");
    }
}

fn machine_form() -> [(&'static str, &'static str); 3] {
    [("grant_type", "client_credentials"), ("client_id", "demo-admin"), ("client_secret", "demo-admin-secret")]
}

#[tokio::test]
async fn htu_may_name_the_endpoint_as_discovery_does_or_as_the_request_reached_it() {
    let app = local_app().await;
    let key = DpopKey::es256();
    let port = issuer(&app).trim_end_matches('/').rsplit(':').next().unwrap().to_owned();
    let by_address = format!("http://127.0.0.1:{port}/oauth/token");
    for (sent_to, htu) in [(by_address.as_str(), token_endpoint(&app)), (by_address.as_str(), by_address.clone())] {
        let proof = key.proof(&proof_claims("POST", &htu, None));
        let response = app.http.post(sent_to).form(&machine_form()).header("DPoP", proof).send().await.unwrap();
        assert_eq!(response.status(), 200, "sent to {sent_to}, htu {htu}");
        let answer: Value = response.json().await.unwrap();
        assert_eq!(answer["token_type"], "DPoP");
    }
    let elsewhere = key.proof(&proof_claims("POST", "http://127.0.0.1:1/oauth/token", None));
    let (status, body) = token_request(&app, &machine_form(), &[&elsewhere]).await;
    assert_eq!((status, body["error_description"].as_str()), (400, Some("proof is for another URL")));
}

#[tokio::test]
async fn a_code_asked_with_dpop_jkt_is_exchanged_only_with_a_proof_from_that_key() {
    let app = local_app().await;
    let key = DpopKey::es256();
    let jkt = key.jkt();
    let bound = [("dpop_jkt", Some(jkt.as_str()))];
    let cases: [(&str, Option<DpopKey>, &str); 2] = [
        ("no proof", None, "the code is DPoP-bound: send a proof made with its key"),
        ("another key's proof", Some(DpopKey::es256()), "the code is bound to another DPoP key"),
    ];
    for (case, other, phrase) in cases {
        let code = admin_code(&app, &bound).await;
        let proofs: Vec<String> = other.iter().map(|other| token_proof(&app, other)).collect();
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let (status, body) = token_request(&app, &code_exchange(&code), &proofs).await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body, json!({ "error": "invalid_dpop_proof", "error_description": phrase }), "{case}");
        let (status, body) = token_request(&app, &code_exchange(&code), &[&token_proof(&app, &key)]).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_grant")), "{case}: the code was used up");
    }
    let code = admin_code(&app, &bound).await;
    let (status, answer) = token_request(&app, &code_exchange(&code), &[&token_proof(&app, &key)]).await;
    assert_eq!(status, 200, "{answer}");
    assert_bound_and_accepted_only_with_its_proof(&app, &answer, &key, "dpop_jkt").await;
}

#[tokio::test]
async fn a_dpop_jkt_that_is_no_thumbprint_goes_back_to_the_client_as_invalid_request() {
    let app = local_app().await;
    for bad in ["x", "a-thumbprint-of-43-characters-but-not-b64=!", &"A".repeat(44)] {
        let response =
            log_in(&app, &query(&[("dpop_jkt", Some(bad))]), "admin@example.com", "demo-admin-password").await;
        assert_eq!(response.status(), 303, "{bad}");
        let url = location(&response);
        assert_eq!(parameter(&url, "error").as_deref(), Some("invalid_request"), "{bad}");
        assert!(parameter(&url, "code").is_none());
    }
}

#[tokio::test]
async fn hello_client_dpop_as_demo_admin_reads_the_admin_message_with_a_bound_token_from_the_local_issuer() {
    let app = local_app().await;
    let port = issuer(&app).trim_end_matches('/').rsplit(':').next().unwrap().to_owned();
    let vars = [
        ("API_SERVER_URL", app.url.as_str()),
        ("LOCAL_ISSUER_PORT", port.as_str()),
        ("CLIENT_ID", "demo-admin"),
        ("HTTP_PROXY", "http://127.0.0.1:9"),
        ("ALL_PROXY", "http://127.0.0.1:9"),
    ];
    let output = hello_client(&vars, &["call", "--dpop", ADMIN, ADMIN]).await;
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert_eq!(stdout.lines().collect::<Vec<_>>(), [r#"{"text":"This is an admin message."}"#; 2]);

    let token = hello_client(&vars, &["token", "--dpop"]).await;
    let token = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    let claims = decode_part(&token, 1);
    assert!(claims["cnf"]["jkt"].as_str().is_some_and(|jkt| jkt.len() == 43), "{claims}");
    assert_eq!(call(&app, ADMIN, "Bearer", &token, None).await, 401, "the printed token alone is of no use");
}

/// A thief holding a person's DPoP-bound access token reads nothing at `/userinfo` by sending it
/// as Bearer: the binding holds at the issuer as at the API (docs/dpop.md).
#[tokio::test]
async fn userinfo_refuses_a_bound_token_sent_as_bearer_and_answers_an_unbound_one() {
    let app = local_app().await;
    let userinfo = |token: String| {
        let request = app.http.get(format!("{}userinfo", issuer(&app))).bearer_auth(token);
        async move { request.send().await.unwrap() }
    };

    let code = admin_code(&app, &[]).await;
    let (status, bound) = token_request(&app, &code_exchange(&code), &[&token_proof(&app, &DpopKey::es256())]).await;
    assert_eq!(status, 200, "{bound}");
    let response = userinfo(bound["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(response.status(), 401);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_description"], "DPoP-bound token sent as Bearer", "{body}");

    let code = admin_code(&app, &[]).await;
    let (status, plain) = token_request(&app, &code_exchange(&code), &[]).await;
    assert_eq!(status, 200, "{plain}");
    let response = userinfo(plain["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["email"], "admin@example.com");
}
