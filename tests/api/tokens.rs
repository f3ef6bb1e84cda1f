//! Every token rule of docs/contract.md, "Token validation": each forged or unusable token is a 401
//! `invalid_token` with a fixed description, and the good ones pass.

use jsonwebtoken::Algorithm;
use serde_json::{Value, json};

use crate::helpers::{FakeIssuer, Signer, TestApp, assert_invalid_token, b64, claims, now, with};

const PROTECTED: &str = "/api/messages/protected";

/// An API trusting one RSA key `good`, already loaded.
async fn api() -> (FakeIssuer, TestApp, Signer) {
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
    let token = signer.sign(&claims(&issuer.issuer(), &[]));
    app.wait_for_status(PROTECTED, &token, 200).await;
    (issuer, app, signer)
}

#[tokio::test]
async fn forged_stale_and_misdirected_tokens_are_401_invalid_token() {
    let (issuer, app, good) = api().await;
    let iss = issuer.issuer();
    let valid = claims(&iss, &[]);
    let other_key_same_kid = Signer::rsa(1, "good", Algorithm::RS256);
    let header = |changes: Value| {
        let mut header = json!({ "alg": "RS256", "typ": "JWT", "kid": "good" });
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                header.as_object_mut().unwrap().remove(name);
            } else {
                header[name] = value.clone();
            }
        }
        header
    };
    let payload = valid.to_string();
    let sign = |header: Value| good.sign_raw(&header, payload.as_bytes());

    let cases: Vec<(&str, String, &str)> = vec![
        ("expired", good.sign(&with(valid.clone(), json!({ "exp": now() - 60 }))), "token has expired"),
        ("not yet valid", good.sign(&with(valid.clone(), json!({ "nbf": now() + 600 }))), "token is not yet valid"),
        (
            "issued in the future",
            good.sign(&with(valid.clone(), json!({ "iat": now() + 600 }))),
            "token is issued in the future",
        ),
        ("no exp", good.sign(&with(valid.clone(), json!({ "exp": null }))), "token has no expiry"),
        ("exp as text", good.sign(&with(valid.clone(), json!({ "exp": "tomorrow" }))), "claims are not usable"),
        (
            "wrong iss",
            good.sign(&with(valid.clone(), json!({ "iss": "https://evil.example.com/" }))),
            "issuer is not accepted",
        ),
        (
            "iss without trailing slash",
            good.sign(&with(valid.clone(), json!({ "iss": iss.trim_end_matches('/') }))),
            "issuer is not accepted",
        ),
        ("no iss", good.sign(&with(valid.clone(), json!({ "iss": null }))), "issuer is not accepted"),
        (
            "wrong aud",
            good.sign(&with(valid.clone(), json!({ "aud": "https://other.example.com" }))),
            "audience is not accepted",
        ),
        (
            "aud array without ours",
            good.sign(&with(valid.clone(), json!({ "aud": ["a", "b"] }))),
            "audience is not accepted",
        ),
        ("no aud", good.sign(&with(valid.clone(), json!({ "aud": null }))), "audience is not accepted"),
        ("unknown kid", sign(header(json!({ "kid": "made-up" }))), "key id is unknown"),
        ("no kid", sign(header(json!({ "kid": null }))), "token has no key id"),
        ("empty kid", sign(header(json!({ "kid": "" }))), "token has no key id"),
        ("another key under the same kid", other_key_same_kid.sign(&valid), "signature is invalid"),
        (
            "RS384 when only RS256 is accepted",
            Signer::rsa(0, "good", Algorithm::RS384).sign(&valid),
            "algorithm is not accepted",
        ),
        (
            "PS256 when only RS256 is accepted",
            Signer::rsa(0, "good", Algorithm::PS256).sign(&valid),
            "algorithm is not accepted",
        ),
        ("crit", sign(header(json!({ "crit": ["exp"] }))), "critical header parameters are not supported"),
        ("typ JOSE", sign(header(json!({ "typ": "JOSE" }))), "token type is not accepted"),
        ("typ not a string", sign(header(json!({ "typ": 1 }))), "token type is not accepted"),
        ("alg missing", sign(header(json!({ "alg": null }))), "algorithm is not accepted"),
        ("alg lower case", sign(header(json!({ "alg": "rs256" }))), "algorithm is not accepted"),
        ("garbage", "garbage".to_owned(), "token is malformed"),
        ("two segments", "abc.def".to_owned(), "token is malformed"),
        ("four segments", format!("{}.x", good.sign(&valid)), "token is malformed"),
        ("bad base64 header", format!("!!!.{}.sig", b64("{}")), "token is malformed"),
        ("header not JSON", format!("{}.{}.c2ln", b64("not json"), b64("{}")), "token is malformed"),
        ("payload not JSON", good.sign_raw(&header(json!({})), b64("x").as_bytes()), "token is malformed"),
        ("payload a JSON array", good.sign_raw(&header(json!({})), b"[1,2]"), "token is malformed"),
        ("padded base64", good.sign(&valid).replacen('.', "=.", 1), "token is malformed"),
        (
            "tampered payload",
            {
                let token = good.sign(&valid);
                let parts: Vec<&str> = token.split('.').collect();
                let forged = with(valid.clone(), json!({ "permissions": ["read:admin-messages"] }));
                format!("{}.{}.{}", parts[0], b64(forged.to_string()), parts[2])
            },
            "signature is invalid",
        ),
        (
            "empty signature",
            {
                let token = good.sign(&valid);
                format!("{}.", &token[..token.rfind('.').unwrap()])
            },
            "signature is invalid",
        ),
        ("too large", format!("{}.{}.{}", "a".repeat(5000), "b".repeat(5000), "c"), "token is too large"),
    ];
    for (name, token, expected) in cases {
        let description = assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await;
        assert_eq!(description, expected, "{name}");
    }
}

#[tokio::test]
async fn alg_none_in_any_case_and_hs256_keyed_with_the_public_key_are_refused_without_a_key_fetch() {
    let (issuer, app, good) = api().await;
    let valid = claims(&issuer.issuer(), &[]);
    let fetches = issuer.jwks_fetches();
    let payload = b64(valid.to_string());
    for alg in ["none", "None", "NONE", "nOnE"] {
        // A kid the server has never seen: reaching the key lookup would cost a fetch.
        let header = b64(json!({ "alg": alg, "typ": "JWT", "kid": "never-seen" }).to_string());
        for token in [format!("{header}.{payload}."), format!("{header}.{payload}.c2ln")] {
            let description = assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await;
            assert_eq!(description, "algorithm is not accepted", "{alg}");
        }
    }
    // The classic algorithm confusion: HMAC keyed with the RSA public key the server trusts.
    let secret = good.public_pem.clone().unwrap();
    for (alg, kid) in [(Algorithm::HS256, "good"), (Algorithm::HS256, "never-seen"), (Algorithm::HS512, "good")] {
        let header = jsonwebtoken::Header { alg, kid: Some(kid.into()), ..Default::default() };
        let token =
            jsonwebtoken::encode(&header, &valid, &jsonwebtoken::EncodingKey::from_secret(secret.as_bytes())).unwrap();
        let description = assert_invalid_token(app.get(PROTECTED, Some(&token)).await).await;
        assert_eq!(description, "algorithm is not accepted");
    }
    assert_eq!(issuer.jwks_fetches(), fetches, "no key fetch for alg none or HS*");
}

#[tokio::test]
async fn key_url_headers_are_never_followed() {
    let (issuer, app, _) = api().await;
    let attacker = Signer::rsa(2, "attacker", Algorithm::RS256);
    let evil = FakeIssuer::start(vec![attacker.jwk()]).await;
    let header = json!({
        "alg": "RS256",
        "kid": "attacker",
        "jku": format!("{}/.well-known/jwks.json", evil.url),
        "x5u": format!("{}/cert.pem", evil.url),
        "jwk": attacker.jwk(),
    });
    let token = attacker.sign_raw(&header, claims(&issuer.issuer(), &["read:admin-messages"]).to_string().as_bytes());
    let description = assert_invalid_token(app.get("/api/messages/admin", Some(&token)).await).await;
    assert_eq!(description, "key id is unknown");
    assert_eq!(evil.jwks_fetches(), 0);
}

#[tokio::test]
async fn good_variants_pass() {
    let (issuer, app, good) = api().await;
    let valid = claims(&issuer.issuer(), &[]);
    let ok_tokens = [
        (
            "aud array holding ours",
            good.sign(&with(valid.clone(), json!({ "aud": ["other", crate::helpers::AUDIENCE] }))),
        ),
        (
            "typ at+jwt",
            good.sign_raw(&json!({ "alg": "RS256", "typ": "at+jwt", "kid": "good" }), valid.to_string().as_bytes()),
        ),
        (
            "typ application/AT+JWT",
            good.sign_raw(
                &json!({ "alg": "RS256", "typ": "application/AT+JWT", "kid": "good" }),
                valid.to_string().as_bytes(),
            ),
        ),
        ("no typ", good.sign_raw(&json!({ "alg": "RS256", "kid": "good" }), valid.to_string().as_bytes())),
        ("expired within the clock skew", good.sign(&with(valid.clone(), json!({ "exp": now() - 2 })))),
        ("nbf within the clock skew", good.sign(&with(valid.clone(), json!({ "nbf": now() + 2 })))),
    ];
    for (name, token) in ok_tokens {
        assert_eq!(app.get(PROTECTED, Some(&token)).await.status(), 200, "{name}");
    }
}

#[tokio::test]
async fn other_asymmetric_algorithms_work_when_enabled() {
    let rsa = Signer::rsa(0, "rsa", Algorithm::RS256);
    let pss = Signer::rsa(1, "pss", Algorithm::PS256);
    let ec = Signer::es256("ec");
    let ed = Signer::ed25519("ed");
    let issuer = FakeIssuer::start(vec![rsa.jwk(), pss.bare_jwk(), ec.jwk(), ed.jwk()]).await;
    let app = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "RS256,PS256,ES256,EdDSA")]).await;
    let valid = claims(&issuer.issuer(), &[]);
    app.wait_for_status(PROTECTED, &rsa.sign(&valid), 200).await;
    for signer in [&pss, &ec, &ed] {
        assert_eq!(app.get(PROTECTED, Some(&signer.sign(&valid))).await.status(), 200, "{:?}", signer.alg);
    }
    // A key must fit the algorithm: an RSA key cannot serve an ES256 token, and a JWK that says
    // `alg: RS256` cannot serve PS256.
    let mismatch = ec.sign_raw(&json!({ "alg": "ES256", "kid": "rsa" }), valid.to_string().as_bytes());
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&mismatch)).await).await, "key does not fit the algorithm");
    let pinned = Signer::rsa(0, "rsa", Algorithm::PS256).sign(&valid);
    assert_eq!(assert_invalid_token(app.get(PROTECTED, Some(&pinned)).await).await, "key does not fit the algorithm");

    let es_only = TestApp::trusting(&issuer, &[("TOKEN_ALGORITHMS", "ES256")]).await;
    es_only.wait_for_status(PROTECTED, &ec.sign(&valid), 200).await;
    let description = assert_invalid_token(es_only.get(PROTECTED, Some(&rsa.sign(&valid))).await).await;
    assert_eq!(description, "algorithm is not accepted");
}

#[tokio::test]
async fn hostile_authorization_headers_never_cause_a_5xx() {
    let (_issuer, app, _) = api().await;
    let values = [
        "Bearer \u{1}".to_owned(),
        format!("Bearer {}", "x".repeat(20_000)),
        "Bearer a.b.c d.e.f".to_owned(),
        "Bearer ....".to_owned(),
        "Bearer e30.e30.e30".to_owned(),
        format!("Bearer {}.{}.", b64("{\"alg\":\"RS256\",\"kid\":{}}"), b64("{}")),
        format!("Bearer {}.{}.", b64("{\"alg\":[\"RS256\"],\"kid\":\"good\"}"), b64("{}")),
    ];
    for value in values {
        let Ok(header) = reqwest::header::HeaderValue::from_str(&value) else { continue };
        let response =
            app.http.get(format!("{}{PROTECTED}", app.url)).header("Authorization", header).send().await.unwrap();
        assert_eq!(response.status(), 401, "{}", &value[..value.len().min(40)]);
    }
    let raw = reqwest::header::HeaderValue::from_bytes(b"Bearer \xff\xfe").unwrap();
    let response = app.http.get(format!("{}{PROTECTED}", app.url)).header("Authorization", raw).send().await.unwrap();
    assert_eq!(response.status(), 401);
    let twice = app
        .http
        .get(format!("{}{PROTECTED}", app.url))
        .header("Authorization", "Bearer a")
        .header("Authorization", "Bearer b")
        .send()
        .await
        .unwrap();
    assert_eq!(assert_invalid_token(twice).await, "authorization header is malformed");
}
