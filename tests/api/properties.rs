//! Properties of everything a client or an issuer can send: whatever arrives, the answer is one
//! docs/contract.md lists, never a panic, never a 5xx, and never a 200 for a token other than the one signed.
//!
//! The properties that need a server share one runtime, one issuer and one API (built once, on
//! first use); each case is one request to it.

use std::sync::LazyLock;

use hello_api::auth::jwks::{parse_key_set, parse_metadata};
use hello_api::auth::{SigningAlgorithm, parse_token};
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestCaseError, TestCaseResult, TestRunner};
use reqwest::header::HeaderValue;
use serde_json::{Value, json};
use url::Host;

use crate::helpers::{AUDIENCE, Behaviour, FakeIssuer, Signer, TestApp, b64, claims};

const PROTECTED: &str = "/api/messages/protected";

/// Runs `test` on `cases` values of `strategy`; a failure names the smallest input found.
fn check<S: Strategy>(cases: u32, strategy: S, test: impl Fn(S::Value) -> TestCaseResult) {
    let config = Config { cases, failure_persistence: None, ..Config::default() };
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!("{failure}");
    }
}

// ---------------------------------------------------------------------------------------------
// The shared server

struct Fixture {
    runtime: tokio::runtime::Runtime,
    /// Kept so that the API's issuer stays up.
    _issuer: FakeIssuer,
    app: TestApp,
    /// A valid token from the issuer's one key, `good`.
    token: String,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let (issuer, app, token) = runtime.block_on(async {
        let signer = Signer::rsa(0, "good", Algorithm::RS256);
        let issuer = FakeIssuer::start(vec![signer.jwk()]).await;
        // Made-up kids cost one fetch per 300 s, not one per case.
        let app = TestApp::trusting(&issuer, &[("JWKS_COOLDOWN_SECONDS", "300")]).await;
        let token = signer.sign(&claims(&issuer.issuer(), &["read:admin-messages"]));
        app.wait_for_status(PROTECTED, &token, 200).await;
        (issuer, app, token)
    });
    Fixture { runtime, _issuer: issuer, app, token }
});

/// Sends `Authorization: {value}` to the protected route of the shared API.
fn send(value: &[u8]) -> Result<reqwest::Response, TestCaseError> {
    let value = HeaderValue::from_bytes(value).map_err(|_| TestCaseError::reject("not a header value"))?;
    let fixture = &*FIXTURE;
    let request = fixture.app.http.get(format!("{}{PROTECTED}", fixture.app.url)).header("Authorization", value);
    fixture.runtime.block_on(request.send()).map_err(|err| TestCaseError::fail(format!("no answer: {err}")))
}

/// Asserts one of the contract's two 401 answers: `Requires authentication`, or `invalid_token`.
fn assert_spec_401(response: reqwest::Response) -> TestCaseResult {
    let status = response.status().as_u16();
    let challenge =
        response.headers().get("www-authenticate").and_then(|value| value.to_str().ok()).unwrap_or("").to_owned();
    let body: Value = FIXTURE.runtime.block_on(response.json()).map_err(|_| TestCaseError::fail("not JSON"))?;
    prop_assert_eq!(status, 401, "{}", body);
    match body["message"].as_str() {
        Some("Requires authentication") => prop_assert_eq!(challenge, r#"Bearer realm="api""#),
        Some("Bad credentials") => {
            prop_assert_eq!(&body["error"], "invalid_token");
            prop_assert!(challenge.starts_with(r#"Bearer realm="api", error="invalid_token""#), "{}", challenge);
        }
        _ => prop_assert!(false, "not a contract 401: {}", body),
    }
    Ok(())
}

/// Asserts that the shared API still serves its valid token.
fn assert_the_valid_token_still_works() {
    let fixture = &*FIXTURE;
    let status = fixture.runtime.block_on(fixture.app.get(PROTECTED, Some(&fixture.token))).status();
    assert_eq!(status, 200);
}

// ---------------------------------------------------------------------------------------------
// Strategies

/// Bytes a header value may hold: visible ASCII, space, tab and obs-text.
fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop_oneof![8 => 0x20u8..=0x7e, 1 => Just(b'\t'), 1 => 0x80u8..=0xff], 0..max)
}

/// Any JSON value, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|number| serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number)),
        ".{0,20}".prop_map(Value::String),
        "[A-Za-z0-9_-]{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,10}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Values a JWK or JOSE header member plausibly holds, right or wrong for the member.
fn plausible_member() -> impl Strategy<Value = Value> {
    const WORDS: &[&str] = &[
        "RSA", "EC", "OKP", "oct", "P-256", "P-384", "P-521", "Ed25519", "X25519", "sig", "enc", "RS256", "PS512",
        "ES256", "ES384", "EdDSA", "HS256", "none", "JWT", "at+jwt", "good", "AQAB", "",
    ];
    prop_oneof![
        prop::sample::select(WORDS).prop_map(|word| json!(word)),
        "[A-Za-z0-9_-]{0,120}".prop_map(Value::String),
        Just(json!(["verify"])),
        Just(json!(["sign", "encrypt"])),
        Just(json!("x".repeat(600))),
    ]
}

/// The public JWKs of real keys, to start mutations from.
static REAL_JWKS: LazyLock<Vec<Value>> = LazyLock::new(|| {
    vec![Signer::rsa(0, "good", Algorithm::RS256).jwk(), Signer::es256("ec").jwk(), Signer::ed25519("ed").jwk()]
});

/// A real JWK with a few members removed or replaced by plausible or arbitrary values.
fn near_valid_jwk() -> impl Strategy<Value = Value> {
    const MEMBERS: &[&str] = &["kty", "crv", "kid", "use", "alg", "key_ops", "n", "e", "x", "y"];
    let edit = prop_oneof![Just(None), plausible_member().prop_map(Some), json_value().prop_map(Some)];
    let edits = prop::collection::vec((prop::sample::select(MEMBERS), edit), 0..4);
    (0..REAL_JWKS.len(), edits).prop_map(|(base, edits)| {
        let mut jwk = REAL_JWKS[base].clone();
        for (member, edit) in edits {
            match edit {
                None => drop(jwk.as_object_mut().unwrap().remove(member)),
                Some(value) => jwk[member] = value,
            }
        }
        jwk
    })
}

/// A key-set document: anything, a `keys` member that is anything, or keys that nearly work.
fn key_set_document() -> impl Strategy<Value = Value> {
    prop_oneof![
        json_value(),
        json_value().prop_map(|keys| json!({ "keys": keys })),
        prop::collection::vec(prop_oneof![3 => near_valid_jwk(), 1 => json_value()], 0..5)
            .prop_map(|keys| json!({ "keys": keys })),
    ]
}

/// A metadata document: anything, or `issuer` and `jwks_uri` of any shape, plus another member.
fn metadata_document() -> impl Strategy<Value = Value> {
    const URIS: &[&str] = &[
        "https://issuer.example.com/.well-known/jwks.json",
        "http://issuer.example.com/jwks.json",
        "http://127.0.0.1:1/jwks.json",
        "http://localhost/jwks.json",
        "http://[::1]:8080/keys",
        "http://10.0.0.1/jwks.json",
        "file:///etc/passwd",
        "ftp://127.0.0.1/jwks.json",
        "https://",
        "not a url",
        "",
    ];
    let member = |strategy: BoxedStrategy<Value>| prop::option::of(prop_oneof![strategy, json_value()]);
    prop_oneof![
        json_value(),
        (
            member(".{0,30}".prop_map(Value::String).boxed()),
            member(prop::sample::select(URIS).prop_map(|uri| json!(uri)).boxed()),
            json_value(),
        )
            .prop_map(|(issuer, jwks_uri, extra)| {
                let mut document = json!({ "extra": extra });
                if let Some(issuer) = issuer {
                    document["issuer"] = issuer;
                }
                if let Some(jwks_uri) = jwks_uri {
                    document["jwks_uri"] = jwks_uri;
                }
                document
            }),
    ]
}

/// One segment of a compact token: base64url, not base64url, or encoded JSON of any shape.
fn segment() -> impl Strategy<Value = String> {
    let header = (
        prop::option::of(plausible_member()),
        prop::option::of(prop_oneof![plausible_member(), json_value()]),
        prop::option::of(plausible_member()),
        any::<bool>(),
    )
        .prop_map(|(alg, kid, typ, crit)| {
            let mut header = json!({});
            for (name, value) in [("alg", alg), ("kid", kid), ("typ", typ)] {
                if let Some(value) = value {
                    header[name] = value;
                }
            }
            if crit {
                header["crit"] = json!(["exp"]);
            }
            header
        });
    prop_oneof![
        "[A-Za-z0-9_-]{0,80}",
        "[!-~]{0,40}".prop_map(|text| text.replace('.', "")),
        json_value().prop_map(|value| b64(value.to_string())),
        header.prop_map(|value| b64(value.to_string())),
    ]
}

/// How to damage one byte of a token.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(u8),
    FlipBit(u8),
    Insert(u8),
    Delete,
}

fn mutation() -> impl Strategy<Value = (usize, Index, Mutation)> {
    let byte = prop_oneof![0x21u8..=0x7e, 0x80u8..=0xff];
    let mutation = prop_oneof![
        byte.clone().prop_map(Mutation::Replace),
        (0u8..8).prop_map(Mutation::FlipBit),
        byte.prop_map(Mutation::Insert),
        Just(Mutation::Delete),
    ];
    (0..3usize, any::<Index>(), mutation)
}

fn mutate(token: &str, (segment, at, mutation): (usize, Index, Mutation)) -> Vec<u8> {
    let mut segments: Vec<Vec<u8>> = token.split('.').map(|part| part.as_bytes().to_vec()).collect();
    let bytes = &mut segments[segment];
    let (inside, between) = (at.index(bytes.len().max(1)), at.index(bytes.len() + 1));
    match mutation {
        Mutation::Insert(byte) => bytes.insert(between, byte),
        _ if bytes.is_empty() => {}
        Mutation::Replace(byte) => bytes[inside] = byte,
        Mutation::FlipBit(bit) => bytes[inside] ^= 1 << bit,
        Mutation::Delete => drop(bytes.remove(inside)),
    }
    segments.join(&b'.')
}

/// Each segment of a token, base64url-decoded (`None` where it does not decode).
fn decoded(token: &[u8]) -> Vec<Option<Vec<u8>>> {
    use base64::Engine as _;
    token
        .split(|&byte| byte == b'.')
        .map(|part| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(part).ok())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Properties of the API

#[test]
fn any_authorization_header_is_answered_with_a_spec_401() {
    let value = prop_oneof![
        header_bytes(200),
        header_bytes(200).prop_map(|rest| [b"Bearer ".as_slice(), &rest].concat()),
        ("[bB][eE][aA][rR][eE][rR]", "[ \t]{0,3}", header_bytes(100)).prop_map(|(scheme, space, rest)| [
            scheme.as_bytes(),
            space.as_bytes(),
            &rest
        ]
        .concat()),
    ];
    check(256, value, |value| assert_spec_401(send(&value)?));
    assert_the_valid_token_still_works();
}

#[test]
fn any_three_segments_are_answered_with_a_spec_401() {
    check(256, (segment(), segment(), segment()), |(header, payload, signature)| {
        assert_spec_401(send(format!("Bearer {header}.{payload}.{signature}").as_bytes())?)
    });
    assert_the_valid_token_still_works();
}

#[test]
fn a_valid_token_with_any_byte_flipped_inserted_or_deleted_is_refused() {
    let original = FIXTURE.token.clone();
    check(256, mutation(), |mutation| {
        let mutated = mutate(&original, mutation);
        prop_assume!(mutated != original.as_bytes(), "the mutation changed nothing");
        let response = send(&[b"Bearer ".as_slice(), &mutated].concat())?;
        if response.status() == 200 {
            // Only a token that decodes to the very bytes that were signed may pass.
            prop_assert_eq!(decoded(&mutated), decoded(original.as_bytes()));
            return Ok(());
        }
        assert_spec_401(response)
    });
    assert_the_valid_token_still_works();
}

#[test]
fn any_key_set_an_issuer_serves_is_answered_with_401_or_503_never_500() {
    // A key set that fails to load keeps the fetch from being retried for a second, so each case
    // gets an API of its own; the issuer, the runtime and the token are shared.
    let signer = Signer::rsa(0, "good", Algorithm::RS256);
    let fixture = &*FIXTURE;
    let issuer = fixture.runtime.block_on(FakeIssuer::start(Vec::new()));
    let token = signer.sign(&claims(&format!("{}/", issuer.url), &[]));
    let body = prop_oneof![key_set_document().prop_map(|document| document.to_string()), ".{0,100}"];
    check(32, body, |body| {
        issuer.behave(Behaviour::Body(body.clone()));
        let (public, protected) = fixture.runtime.block_on(async {
            let app = TestApp::spawn(&[("AUTH0_DOMAIN", &issuer.url), ("AUTH0_AUDIENCE", AUDIENCE)]).await;
            let public = app.get("/api/messages/public", None).await.status().as_u16();
            (public, app.get(PROTECTED, Some(&token)).await)
        });
        prop_assert_eq!(public, 200);
        // The pure parser is the oracle: no usable key set is a 503; a usable one decides the token.
        let parsed =
            serde_json::from_str(&body).ok().and_then(|doc| parse_key_set(&doc, &[SigningAlgorithm::RS256]).ok());
        match (protected.status().as_u16(), parsed) {
            (503, None) => Ok(()),
            (200, Some(keys)) if keys.contains_key("good") => Ok(()),
            (401, Some(_)) => assert_spec_401(protected),
            (status, keys) => Err(TestCaseError::fail(format!(
                "answered {status} for a key set with keys {:?}",
                keys.map(|keys| keys.into_keys().collect::<Vec<_>>())
            ))),
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Properties of the pure parsers

#[test]
fn parse_key_set_never_panics_and_keeps_only_keys_with_a_usable_kid() {
    let algorithms = [SigningAlgorithm::ALL.as_slice(), &[SigningAlgorithm::RS256]];
    check(512, key_set_document(), |document| {
        for algorithms in algorithms {
            if let Ok(keys) = parse_key_set(&document, algorithms) {
                prop_assert!(!keys.is_empty());
                for (kid, key) in &keys {
                    prop_assert_eq!(kid, key.kid());
                    prop_assert!(!kid.is_empty() && kid.len() <= 512);
                }
            }
        }
        Ok(())
    });
}

#[test]
fn parse_metadata_never_panics_and_accepts_only_https_or_loopback_http_key_sets() {
    check(512, metadata_document(), |document| {
        if let Ok((_, jwks_uri)) = parse_metadata(&document) {
            let loopback = match jwks_uri.host() {
                Some(Host::Domain(name)) => name == "localhost",
                Some(Host::Ipv4(ip)) => ip.is_loopback(),
                Some(Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            prop_assert!(jwks_uri.scheme() == "https" || (jwks_uri.scheme() == "http" && loopback), "{}", jwks_uri);
        }
        Ok(())
    });
}

#[test]
fn parse_token_never_panics_and_splits_only_what_it_accepts() {
    let token = prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_.-]{8185,8200}",
        (segment(), segment(), segment()).prop_map(|(h, p, s)| format!("{h}.{p}.{s}")),
        Just(FIXTURE_FREE_TOKEN.clone()),
    ];
    check(512, token, |token| {
        if let Ok(parsed) = parse_token(&token, &SigningAlgorithm::ALL) {
            prop_assert!(!parsed.kid.is_empty());
            prop_assert_eq!(format!("{}.{}", parsed.signed, parsed.signature), token.as_str());
            prop_assert!(parsed.signed.ends_with(parsed.payload));
        }
        Ok(())
    });
}

/// A well-formed token made without any server, so that the pure properties need none.
static FIXTURE_FREE_TOKEN: LazyLock<String> =
    LazyLock::new(|| Signer::es256("ec").sign(&claims("https://issuer.example.com/", &[])));
