//! Arbitrary payload JSON → `auth::check_claims`, against an exact issuer and a per-tenant
//! (`{tenantid}`) issuer. Accepted claims must really carry the issuer and an accepted audience.
#![no_main]

use std::sync::LazyLock;
use std::time::{Duration, SystemTime};

use hello_api::auth::{ExpectedIssuer, SigningAlgorithm, TokenPolicy, check_claims};
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Value};

const ISSUER: &str = "https://issuer.example.com/";
const TENANT_ISSUER: &str = "https://login.example.com/{tenantid}/v2.0";
const AUDIENCE: &str = "https://api.example.com";

// The claim checks are a pure function of the policy, the claims and the time: no key set,
// runtime or HTTP client to build.
static POLICY: LazyLock<TokenPolicy> = LazyLock::new(|| TokenPolicy {
    audiences: vec![AUDIENCE.into(), "api://app".into()],
    algorithms: vec![SigningAlgorithm::RS256],
    leeway: Duration::from_secs(5),
    permission_claims: vec!["permissions".into(), "scp".into(), "roles".into()],
    allowed_tenants: Some(vec!["tenant-a".into(), "tenant-b".into()]),
});

fuzz_target!(|data: &[u8]| {
    let Some((&mode, json)) = data.split_first() else { return };
    let Ok(claims) = serde_json::from_slice::<Map<String, Value>>(json) else { return };
    let issuer = if mode & 1 == 0 {
        ExpectedIssuer::Exact(ISSUER.into())
    } else {
        ExpectedIssuer::PerTenant(TENANT_ISSUER.into())
    };
    let Ok(verified) = check_claims(&POLICY, claims.clone(), &issuer, SystemTime::now()) else { return };

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
