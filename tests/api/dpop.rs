//! docs/dpop.md: DPoP-bound tokens (RFC 9449) at the API. Proofs are made here with jsonwebtoken
//! (an independent JOSE library), never with the crate's own code; the expected thumbprint is
//! computed here by hand (RFC 7638: canonical JSON, SHA-256).

use aws_lc_rs::digest;
use jsonwebtoken::{Algorithm, EncodingKey};
use reqwest::Method;
use serde_json::{Value, json};

// The proof maker is shared (tests/api/helpers/dpop.rs); named here too for the files that use it
// from this one.
pub use crate::helpers::{DpopKey, proof_claims};
use crate::helpers::{FakeIssuer, Signer, TestApp, b64, claims, now, with};

const PROTECTED: &str = "/api/messages/protected";
const ADMIN: &str = "/api/messages/admin";
const ORIGIN: &str = "http://localhost:4040";

/// An API trusting one RSA key, with `vars`, and that key; the key set is loaded.
async fn api(vars: &[(&str, &str)]) -> (FakeIssuer, TestApp, Signer) {
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, vars).await;
    app.wait_for_status("/health/ready", "", 200).await;
    (issuer, app, signer)
}

/// A token bound to `key` (`cnf.jkt`), granting `permissions`.
fn bound_token(issuer: &FakeIssuer, signer: &Signer, key: &DpopKey, permissions: &[&str]) -> String {
    signer.sign(&with(claims(&issuer.issuer(), permissions), json!({ "cnf": { "jkt": key.jkt() } })))
}

async fn send(app: &TestApp, path: &str, authorization: &str, proofs: &[&str]) -> reqwest::Response {
    let mut request = app.http.get(format!("{}{path}", app.url)).header("Authorization", authorization);
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    request.send().await.unwrap()
}

fn challenges(response: &reqwest::Response) -> Vec<String> {
    response.headers().get_all("www-authenticate").iter().map(|v| v.to_str().unwrap().to_owned()).collect()
}

/// Asserts a 401 `invalid_dpop_proof` with `phrase` and its DPoP challenge.
async fn assert_invalid_proof(response: reqwest::Response, phrase: &str, case: &str) {
    assert_eq!(response.status(), 401, "{case}");
    assert_eq!(
        challenges(&response),
        [format!(r#"DPoP error="invalid_dpop_proof", error_description="{phrase}", algs="ES256""#)],
        "{case}"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body,
        json!({ "message": "Bad credentials", "error": "invalid_dpop_proof", "error_description": phrase }),
        "{case}"
    );
}

#[tokio::test]
async fn a_bound_token_with_a_fresh_proof_for_this_request_is_accepted() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let url = format!("{}{PROTECTED}", app.url);
    for scheme in ["DPoP", "dpop", "DPOP"] {
        let proof = key.proof(&proof_claims("GET", &url, Some(&token)));
        let response = send(&app, PROTECTED, &format!("{scheme} {token}"), &[&proof]).await;
        assert_eq!(response.status(), 200, "scheme {scheme}");
    }
    // The query is not part of htu.
    let proof = key.proof(&proof_claims("GET", &url, Some(&token)));
    let response = send(&app, &format!("{PROTECTED}?x=1"), &format!("DPoP {token}"), &[&proof]).await;
    assert_eq!(response.status(), 200, "with a query");
}

#[tokio::test]
async fn every_proof_check_refuses_with_its_fixed_phrase_and_a_dpop_challenge() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let other = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let url = format!("{}{PROTECTED}", app.url);
    let good = || proof_claims("GET", &url, Some(&token));
    let changed = |changes: Value| with(good(), changes);
    let mut private_jwk = key.header();
    private_jwk["jwk"]["d"] = json!(b64([7u8; 32]));
    let forged = {
        // Signed by `other`, naming `key`'s public key.
        other.proof_with_header(&key.header(), &good())
    };
    let hs256 = {
        let header = json!({ "typ": "dpop+jwt", "alg": "HS256", "jwk": key.jwk });
        let message = format!("{}.{}", b64(header.to_string()), b64(good().to_string()));
        let secret = EncodingKey::from_secret(b"secret");
        format!("{message}.{}", jsonwebtoken::crypto::sign(message.as_bytes(), &secret, Algorithm::HS256).unwrap())
    };
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("no proof header", vec![], "proof is missing"),
        ("two proof headers", vec![key.proof(&good()), key.proof(&good())], "only one proof is allowed"),
        ("not a JWS", vec!["not-a-jwt".into()], "proof is malformed"),
        (
            "typ JWT",
            vec![key.proof_with_header(&with(key.header(), json!({"typ": "JWT"})), &good())],
            "proof type is not dpop+jwt",
        ),
        (
            "no typ",
            vec![key.proof_with_header(&with(key.header(), json!({"typ": null})), &good())],
            "proof type is not dpop+jwt",
        ),
        ("alg not accepted", vec![DpopKey::ed25519().proof(&good())], "proof algorithm is not accepted"),
        ("alg HS256", vec![hs256], "proof algorithm is not accepted"),
        (
            "alg none",
            vec![format!(
                "{}.{}.",
                b64(with(key.header(), json!({"alg": "none"})).to_string()),
                b64(good().to_string())
            )],
            "proof algorithm is not accepted",
        ),
        (
            "no jwk",
            vec![key.proof_with_header(&with(key.header(), json!({"jwk": null})), &good())],
            "proof key is not usable",
        ),
        ("a private jwk", vec![key.proof_with_header(&private_jwk, &good())], "proof key is not public"),
        ("signed by another key", vec![forged], "proof signature is invalid"),
        ("no jti", vec![key.proof(&changed(json!({"jti": null})))], "proof claims are missing"),
        ("another method", vec![key.proof(&changed(json!({"htm": "POST"})))], "proof is for another method"),
        (
            "another path",
            vec![key.proof(&changed(json!({"htu": format!("{}/api/messages/admin", app.url)})))],
            "proof is for another URL",
        ),
        (
            "another host",
            vec![key.proof(&changed(json!({"htu": format!("https://api.example.com{PROTECTED}")})))],
            "proof is for another URL",
        ),
        ("iat too old", vec![key.proof(&changed(json!({"iat": now() - 400})))], "proof is outside its time window"),
        (
            "iat in the future",
            vec![key.proof(&changed(json!({"iat": now() + 60})))],
            "proof is outside its time window",
        ),
        ("no ath", vec![key.proof(&changed(json!({"ath": null})))], "proof is for another token"),
        (
            "ath of another token",
            vec![key.proof(&changed(json!({"ath": b64(digest::digest(&digest::SHA256, b"other"))})))],
            "proof is for another token",
        ),
        ("a valid proof by a key that is not the token's", vec![other.proof(&good())], "proof key is not the token's"),
    ];
    for (case, proofs, phrase) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let response = send(&app, PROTECTED, &format!("DPoP {token}"), &proofs).await;
        assert_invalid_proof(response, phrase, case).await;
    }
}

#[tokio::test]
async fn equivalent_urls_match_after_normalisation() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let port = app.url.rsplit(':').next().unwrap();
    for htu in [
        format!("HTTP://127.0.0.1:{port}/api/messages/protected"),
        format!("http://127.0.0.1:{port}/api/./messages/prot%65cted"),
        format!("http://127.0.0.1:{port}/api/messages/protected#fragment"),
    ] {
        let proof = key.proof(&proof_claims("GET", &htu, Some(&token)));
        assert_eq!(send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]).await.status(), 200, "{htu}");
    }
}

#[tokio::test]
async fn a_proof_is_accepted_once_and_the_token_cache_never_stands_in_for_one() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{PROTECTED}", app.url), Some(&token)));
    assert_eq!(send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]).await.status(), 200);
    // The token is now in the verified-token cache; the proof is still checked every time.
    assert_invalid_proof(
        send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]).await,
        "proof was already used",
        "replay",
    )
    .await;
    assert_invalid_proof(send(&app, PROTECTED, &format!("DPoP {token}"), &[]).await, "proof is missing", "after a hit")
        .await;
    let stolen = send(&app, PROTECTED, &format!("Bearer {token}"), &[]).await;
    assert_eq!(stolen.status(), 401, "the bound token without its key, as Bearer");
}

/// (case, `Authorization`, proof, status, `error_description`, challenges).
type Case<'a> = (&'a str, String, Option<String>, u16, Option<&'a str>, Vec<String>);

#[tokio::test]
async fn token_refusals_follow_the_scheme_and_the_mode() {
    let key = DpopKey::es256();
    let algs = r#"DPoP algs="ES256""#;
    let bearer =
        |description: &str| format!(r#"Bearer realm="api", error="invalid_token", error_description="{description}""#);
    let dpop =
        |description: &str| format!(r#"DPoP error="invalid_token", error_description="{description}", algs="ES256""#);
    for mode in ["allowed", "required", "off"] {
        let (issuer, app, signer) = api(&[("DPOP", mode)]).await;
        let bound = bound_token(&issuer, &signer, &key, &[]);
        let plain = signer.sign(&claims(&issuer.issuer(), &[]));
        let expired_bound = signer.sign(&with(
            claims(&issuer.issuer(), &[]),
            json!({ "cnf": { "jkt": key.jkt() }, "exp": now() - 100, "iat": now() - 700 }),
        ));
        let url = format!("{}{PROTECTED}", app.url);
        let proof_for = |token: &str| key.proof(&proof_claims("GET", &url, Some(token)));
        let cases: Vec<Case> = match mode {
            "allowed" => vec![
                ("no token", String::new(), None, 401, None, vec![r#"Bearer realm="api""#.into(), algs.into()]),
                ("plain Bearer", format!("Bearer {plain}"), None, 200, None, vec![]),
                (
                    "bound as Bearer",
                    format!("Bearer {bound}"),
                    None,
                    401,
                    Some("DPoP-bound token sent as Bearer"),
                    vec![bearer("DPoP-bound token sent as Bearer"), algs.into()],
                ),
                (
                    "plain with DPoP",
                    format!("DPoP {plain}"),
                    Some(proof_for(&plain)),
                    401,
                    Some("token is not DPoP-bound"),
                    vec![dpop("token is not DPoP-bound")],
                ),
                (
                    "expired with DPoP",
                    format!("DPoP {expired_bound}"),
                    Some(proof_for(&expired_bound)),
                    401,
                    Some("token has expired"),
                    vec![dpop("token has expired")],
                ),
                ("bound with DPoP", format!("DPoP {bound}"), Some(proof_for(&bound)), 200, None, vec![]),
            ],
            "required" => vec![
                ("no token", String::new(), None, 401, None, vec![r#"Bearer realm="api""#.into(), algs.into()]),
                ("plain Bearer", format!("Bearer {plain}"), None, 401, Some("DPoP proof required"), vec![algs.into()]),
                ("bound with DPoP", format!("DPoP {bound}"), Some(proof_for(&bound)), 200, None, vec![]),
            ],
            _ => vec![
                ("no token", String::new(), None, 401, None, vec![r#"Bearer realm="api""#.into()]),
                ("bound as Bearer", format!("Bearer {bound}"), None, 200, None, vec![]),
                (
                    "DPoP scheme",
                    format!("DPoP {bound}"),
                    Some(proof_for(&bound)),
                    401,
                    None,
                    vec![r#"Bearer realm="api""#.into()],
                ),
            ],
        };
        for (case, authorization, proof, status, description, expected_challenges) in cases {
            let mut request = app.http.get(&url);
            if !authorization.is_empty() {
                request = request.header("Authorization", authorization);
            }
            if let Some(proof) = proof {
                request = request.header("DPoP", proof);
            }
            let response = request.send().await.unwrap();
            let case = format!("DPOP={mode}: {case}");
            assert_eq!(response.status(), status, "{case}");
            assert_eq!(challenges(&response), expected_challenges, "{case}");
            let body: Value = response.json().await.unwrap();
            if let Some(description) = description {
                assert_eq!(body["error"], "invalid_token", "{case}");
                assert_eq!(body["error_description"], description, "{case}");
            } else if status == 401 {
                assert_eq!(body, json!({ "message": "Requires authentication" }), "{case}");
            }
        }
    }
}

#[tokio::test]
async fn a_missing_permission_is_a_403_challenged_in_the_scheme_used() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{ADMIN}", app.url), Some(&token)));
    let response = send(&app, ADMIN, &format!("DPoP {token}"), &[&proof]).await;
    assert_eq!(response.status(), 403);
    assert_eq!(
        challenges(&response),
        [r#"DPoP error="insufficient_scope", scope="read:admin-messages", algs="ES256""#]
    );
    let admin = bound_token(&issuer, &signer, &key, &["read:admin-messages"]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{ADMIN}", app.url), Some(&admin)));
    assert_eq!(send(&app, ADMIN, &format!("DPoP {admin}"), &[&proof]).await.status(), 200);
}

#[tokio::test]
async fn public_url_is_the_base_of_htu_behind_a_proxy() {
    let (issuer, app, signer) = api(&[("PUBLIC_URL", "https://api.example.com")]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let public = key.proof(&proof_claims("GET", &format!("https://api.example.com{PROTECTED}"), Some(&token)));
    assert_eq!(send(&app, PROTECTED, &format!("DPoP {token}"), &[&public]).await.status(), 200);
    let internal = key.proof(&proof_claims("GET", &format!("{}{PROTECTED}", app.url), Some(&token)));
    assert_invalid_proof(
        send(&app, PROTECTED, &format!("DPoP {token}"), &[&internal]).await,
        "proof is for another URL",
        "internal URL",
    )
    .await;
}

#[tokio::test]
async fn dpop_algorithms_chooses_the_accepted_proof_algorithms() {
    let (issuer, app, signer) = api(&[("DPOP_ALGORITHMS", "ES256,EdDSA")]).await;
    let key = DpopKey::ed25519();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{PROTECTED}", app.url), Some(&token)));
    assert_eq!(send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]).await.status(), 200);
    let response = app.http.get(format!("{}{PROTECTED}", app.url)).send().await.unwrap();
    assert_eq!(challenges(&response), [r#"Bearer realm="api""#, r#"DPoP algs="ES256 EdDSA""#]);
}

#[tokio::test]
async fn a_page_at_the_allowed_origin_may_send_a_proof_and_read_the_challenge() {
    let (_issuer, app, _signer) = api(&[]).await;
    let preflight = app
        .http
        .request(Method::OPTIONS, format!("{}{PROTECTED}", app.url))
        .header("Origin", ORIGIN)
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization,dpop")
        .send()
        .await
        .unwrap();
    assert!(matches!(preflight.status().as_u16(), 200 | 204), "{}", preflight.status());
    let allowed = preflight.headers()["access-control-allow-headers"].to_str().unwrap().to_ascii_lowercase();
    assert!(allowed.split(',').any(|name| name.trim() == "dpop"), "{allowed}");
    let response = app.http.get(format!("{}{PROTECTED}", app.url)).header("Origin", ORIGIN).send().await.unwrap();
    let exposed = response.headers()["access-control-expose-headers"].to_str().unwrap().to_ascii_lowercase();
    let mut exposed: Vec<&str> = exposed.split(',').map(str::trim).collect();
    exposed.sort();
    assert_eq!(exposed, ["dpop-nonce", "www-authenticate"]);
}

#[tokio::test]
async fn proof_checks_are_counted_by_outcome() {
    let (issuer, app, signer) = api(&[]).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{PROTECTED}", app.url), Some(&token)));
    for _ in 0..2 {
        send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]).await;
    }
    let text = app.http.get(format!("{}/metrics", app.url)).send().await.unwrap().text().await.unwrap();
    assert!(text.contains(r#"hello_api_dpop_checks_total{outcome="valid"} 1"#), "{text}");
    assert!(text.contains(r#"hello_api_dpop_checks_total{outcome="proof_was_already_used"} 1"#), "{text}");
}

#[tokio::test]
async fn the_openapi_document_names_the_dpop_scheme_beside_bearer() {
    let (_issuer, app, _signer) = api(&[]).await;
    let document: Value = app.http.get(format!("{}/openapi.json", app.url)).send().await.unwrap().json().await.unwrap();
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["DPoP"]["scheme"], "DPoP");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
}

#[tokio::test]
async fn a_redis_that_never_answers_gives_a_503_with_retry_after_not_a_hanging_request() {
    // Accepts connections and never answers, as a hung Redis would.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let store = format!("redis://127.0.0.1:{}", silent.local_addr().unwrap().port());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            held.push(stream);
        }
    });
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("DPOP_REPLAY_STORE", &store)]).await;
    let plain = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &plain, 200).await;
    let key = DpopKey::es256();
    let token = bound_token(&issuer, &signer, &key, &[]);
    let proof = key.proof(&proof_claims("GET", &format!("{}{PROTECTED}", app.url), Some(&token)));

    // The outer limit only turns a hang into a failure; the store's own deadlines answer first.
    let response = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        send(&app, PROTECTED, &format!("DPoP {token}"), &[&proof]),
    )
    .await
    .expect("the request does not hang");
    assert_eq!(response.status(), 503);
    assert!(response.headers()["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({ "message": "Unable to verify credentials" }));
    let ready = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.http.get(format!("{}/health/ready", app.url)).send(),
    )
    .await
    .expect("readiness does not hang")
    .unwrap();
    assert_eq!(ready.status(), 503);
    assert_eq!(ready.json::<Value>().await.unwrap()["reason"], "replay store unreachable");
}
