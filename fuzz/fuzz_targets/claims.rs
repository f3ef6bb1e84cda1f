//! Arbitrary payload JSON → `Validator::check_claims`, against an exact issuer and a per-tenant
//! (`{tenantid}`) issuer. Accepted claims must really carry the issuer and an accepted audience.
#![no_main]

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use hello_api::auth::{ExpectedIssuer, KeySet, KeySource, RefreshPolicy, SigningAlgorithm, TokenPolicy, Validator};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const ISSUER: &str = "https://issuer.example.com/";
const TENANT_ISSUER: &str = "https://login.example.com/{tenantid}/v2.0";
const AUDIENCE: &str = "https://api.example.com";

struct Fixture {
    validator: Validator,
    // The key set needs a runtime to exist; it is never started, so nothing is fetched.
    _runtime: tokio::runtime::Runtime,
}

static FIXTURE: LazyLock<Fixture> = LazyLock::new(|| {
    let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
    let entered = runtime.enter();
    let source = KeySource::Fixed {
        issuer: ISSUER.into(),
        jwks_uri: "https://issuer.example.com/.well-known/jwks.json".parse().unwrap(),
    };
    let policy = RefreshPolicy {
        fresh_for: Duration::from_secs(600),
        cooldown: Duration::from_secs(30),
        retry: Duration::from_secs(5),
    };
    let keys = KeySet::new(source, KeySet::http_client(false).unwrap(), vec![SigningAlgorithm::RS256], policy);
    let token_policy = TokenPolicy {
        audiences: vec![AUDIENCE.into(), "api://app".into()],
        algorithms: vec![SigningAlgorithm::RS256],
        leeway: Duration::from_secs(5),
        permission_claims: vec!["permissions".into(), "scp".into(), "roles".into()],
        allowed_tenants: Some(vec!["tenant-a".into(), "tenant-b".into()]),
    };
    let validator = Validator::new(Arc::clone(&keys), token_policy, 0);
    drop(entered);
    Fixture { validator, _runtime: runtime }
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, json)) = data.split_first() else { return };
    let Ok(claims) = serde_json::from_slice::<Map<String, Value>>(json) else { return };
    let issuer = if mode & 1 == 0 {
        ExpectedIssuer::Exact(ISSUER.into())
    } else {
        ExpectedIssuer::PerTenant(TENANT_ISSUER.into())
    };
    let Ok(verified) = FIXTURE.validator.check_claims(claims.clone(), &issuer) else { return };

    let iss = claims.get("iss").and_then(Value::as_str).expect("accepted claims carry an iss");
    match &issuer {
        ExpectedIssuer::Exact(expected) => assert_eq!(iss, expected),
        ExpectedIssuer::PerTenant(_) => {
            let tid = claims.get("tid").and_then(Value::as_str).expect("a per-tenant issuer needs a tid");
            assert!(tid == "tenant-a" || tid == "tenant-b");
            assert_eq!(iss, TENANT_ISSUER.replace("{tenantid}", tid));
        }
    }
    let accepted = |aud: &Value| aud.as_str().is_some_and(|aud| aud == AUDIENCE || aud == "api://app");
    let audience_ok = match claims.get("aud") {
        Some(Value::Array(auds)) => auds.iter().any(accepted),
        Some(aud) => accepted(aud),
        None => false,
    };
    assert!(audience_ok, "accepted claims without an accepted audience");
    assert!(verified.expires_at().is_finite());
    assert!(verified.permissions().windows(2).all(|pair| pair[0] < pair[1]), "permissions sorted and unique");
});
