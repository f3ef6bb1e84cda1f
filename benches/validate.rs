//! Micro-benchmarks of token validation (`cargo bench`), all on RS256 tokens like the local
//! issuer's:
//! - `validate/cache hit`: a token verified before, so a hash and a lookup;
//! - `validate/cache miss`: the full check with the cache off (`TOKEN_CACHE_SIZE=0`);
//! - `validate/cache miss, distinct tokens`: the full check plus hashing and remembering, with
//!   more distinct tokens cycling than the cache holds;
//! - `validate/bare RS256 verify`: aws-lc-rs checking the same signature over the same bytes
//!   with an already parsed key, the floor a miss cannot go below.
//!
//! The key set is fetched, as in the server, from a real key-set server on loopback (testkit).

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group, criterion_main};
use hello_api::auth::{KeySet, KeySource, RefreshPolicy, SigningAlgorithm, TokenPolicy, Validator};
use hello_api::local_issuer::{SigningKey, generate_pem};
use serde_json::{Value, json};
use testkit::{FakeIssuer, eventually};
use tokio::runtime::Runtime;

const ISSUER: &str = "https://issuer.bench.example/";
const AUDIENCE: &str = "https://hello-world.example.com";
/// Distinct tokens for the miss-with-cache bench, cycling through a cache far too small to keep
/// any of them until its next turn (S3-FIFO admits a returning key only while it is remembered).
const DISTINCT_TOKENS: usize = 512;
const SMALL_CACHE: usize = 16;

/// Claims shaped like the local issuer's admin tokens.
fn claims(serial: usize) -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).expect("the clock is after 1970").as_secs();
    json!({
        "iss": ISSUER,
        "sub": "demo-admin@clients",
        "aud": AUDIENCE,
        "azp": "demo-admin",
        "iat": now,
        "exp": now + 3600,
        "jti": format!("bench-{serial}"),
        "permissions": ["read:admin-messages"],
        "scope": "read:admin-messages",
        "gty": "client-credentials",
    })
}

/// A loaded key set served from loopback, and the key that signs the tokens.
fn key_set(runtime: &Runtime) -> (Arc<KeySet>, SigningKey) {
    let key = SigningKey::from_pem(&generate_pem().expect("an RSA key")).expect("a usable key");
    runtime.block_on(async {
        // Kept alive for the whole bench run: the key set is fetched once and stays fresh.
        let issuer = Box::leak(Box::new(FakeIssuer::start(vec![key.public_jwk().clone()]).await));
        let jwks_uri = format!("{}/jwks.json", issuer.url).parse().expect("a URL");
        let source = KeySource::Fixed { issuer: ISSUER.to_owned(), jwks_uri };
        let policy = RefreshPolicy {
            fresh_for: Duration::from_secs(3600),
            cooldown: Duration::from_secs(30),
            retry: Duration::from_secs(1),
        };
        let http = KeySet::http_client(true).expect("an HTTP client");
        let keys = KeySet::new(source, http, vec![SigningAlgorithm::RS256], policy);
        keys.start();
        eventually("the key set loads", || async { keys.is_loaded().then_some(()) }).await;
        (keys, key)
    })
}

fn validator(keys: &Arc<KeySet>, cache_size: usize) -> Validator {
    let policy = TokenPolicy {
        audiences: vec![AUDIENCE.to_owned()],
        algorithms: vec![SigningAlgorithm::RS256],
        leeway: Duration::from_secs(5),
        permission_claims: vec!["permissions".to_owned()],
        allowed_tenants: None,
    };
    Validator::new(Arc::clone(keys), policy, cache_size)
}

fn validate(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a Tokio runtime");
    let (keys, signing_key) = key_set(&runtime);
    let token = signing_key.sign(&claims(0)).expect("a signed token");
    let distinct: Vec<String> =
        (1..=DISTINCT_TOKENS).map(|serial| signing_key.sign(&claims(serial)).expect("a signed token")).collect();

    let mut group = c.benchmark_group("validate");

    let cached = validator(&keys, 10_000);
    runtime.block_on(cached.validate(&token)).expect("the token is valid");
    group.bench_function("cache hit", |b| {
        b.iter(|| runtime.block_on(cached.validate(black_box(&token))).expect("valid"));
    });

    let uncached = validator(&keys, 0);
    group.bench_function("cache miss", |b| {
        b.iter(|| runtime.block_on(uncached.validate(black_box(&token))).expect("valid"));
    });

    let small = validator(&keys, SMALL_CACHE);
    let mut next = distinct.iter().cycle();
    group.bench_function("cache miss, distinct tokens", |b| {
        b.iter(|| {
            let token = next.next().expect("a cycle never ends");
            runtime.block_on(small.validate(black_box(token))).expect("valid")
        });
    });

    // The same check the validator makes, without anything around it.
    let jwk = signing_key.public_jwk();
    let component = |name: &str| URL_SAFE_NO_PAD.decode(jwk[name].as_str().expect("an RSA JWK")).expect("base64url");
    let (n, e) = (component("n"), component("e"));
    let public_key = PublicKeyComponents { n: n.as_slice(), e: e.as_slice() }
        .to_parsed_public_key(&RSA_PKCS1_2048_8192_SHA256)
        .expect("a usable RSA key");
    let (signed, signature) = token.rsplit_once('.').expect("a compact JWS");
    let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
    group.bench_function("bare RS256 verify", |b| {
        b.iter(|| public_key.verify_sig(black_box(signed.as_bytes()), black_box(&signature)).expect("valid"));
    });

    group.finish();
}

criterion_group!(benches, validate);
criterion_main!(benches);
