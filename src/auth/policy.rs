//! What a token's claims must satisfy, and the pure check of them: a function of the policy, the
//! claims, the expected issuer and the time. No key set, no runtime, no network (the fuzz target
//! and the unit tests call it as it is).

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::algorithm::SigningAlgorithm;
use super::claims::{Claims, Grant};
use super::error::InvalidToken;
use super::jwks::{ExpectedIssuer, TENANT_PLACEHOLDER};

/// What a valid token must satisfy beyond its signature.
#[derive(Clone, Debug)]
pub struct TokenPolicy {
    /// Accepted `aud` values; a token's `aud` must hold at least one.
    pub audiences: Vec<String>,
    /// Accepted header `alg` values.
    pub algorithms: Vec<SigningAlgorithm>,
    /// Leeway for `exp`, `nbf` and `iat`.
    pub leeway: Duration,
    /// Claims whose strings (an array, or one space-delimited string) are granted permissions.
    pub permission_claims: Vec<String>,
    /// Tenants accepted from a `{tenantid}` issuer; `None` accepts none.
    pub allowed_tenants: Option<Vec<String>>,
}

/// Seconds since the Unix epoch, as the JWT time claims count them (0 for a time before it).
pub(crate) fn unix_seconds(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH).map_or(0.0, |since| since.as_secs_f64())
}

/// Checks verified claims against `policy` at time `now`: time, issuer (`issuer`, named by the
/// key set's documents), audience, permissions.
pub fn check_claims(
    policy: &TokenPolicy,
    claims: Map<String, Value>,
    issuer: &ExpectedIssuer,
    now: SystemTime,
) -> Result<Claims, InvalidToken> {
    let now = unix_seconds(now);
    let expires_at = check_time(policy, &claims, now)?;
    check_issuer(policy, &claims, issuer)?;
    check_audience(policy, &claims)?;
    let permissions = permissions(policy, &claims)?;
    check_confirmation(&claims)?;
    Ok(Claims::parsed(Arc::new(Grant::new(&claims, permissions)), expires_at, claims))
}

/// A `cnf` claim must name a DPoP key (`jkt`, a string): a token bound some other way (an mTLS
/// certificate's `x5t#S256`) or malformed would otherwise pass as unbound, usable as Bearer.
fn check_confirmation(claims: &Map<String, Value>) -> Result<(), InvalidToken> {
    match claims.get("cnf") {
        None => Ok(()),
        Some(cnf) if cnf.get("jkt").is_some_and(Value::is_string) => Ok(()),
        Some(_) => Err(InvalidToken::UnusableClaims),
    }
}

/// Checks `exp` (required), `nbf` and `iat` with the leeway; returns `exp`.
fn check_time(policy: &TokenPolicy, claims: &Map<String, Value>, now: f64) -> Result<f64, InvalidToken> {
    let leeway = policy.leeway.as_secs_f64();
    let number = |name| match claims.get(name) {
        None => Ok(None),
        Some(value) => value.as_f64().map(Some).ok_or(InvalidToken::UnusableClaims),
    };
    let exp = number("exp")?.ok_or(InvalidToken::MissingExpiry)?;
    if now >= exp + leeway {
        return Err(InvalidToken::Expired);
    }
    if number("nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(InvalidToken::NotYetValid);
    }
    if number("iat")?.is_some_and(|iat| iat > now + leeway) {
        return Err(InvalidToken::IssuedInFuture);
    }
    Ok(exp)
}

fn check_issuer(
    policy: &TokenPolicy,
    claims: &Map<String, Value>,
    expected: &ExpectedIssuer,
) -> Result<(), InvalidToken> {
    let iss = claims.get("iss").and_then(Value::as_str).ok_or(InvalidToken::WrongIssuer)?;
    match expected {
        ExpectedIssuer::Exact(issuer) if iss == issuer => Ok(()),
        ExpectedIssuer::Exact(_) => Err(InvalidToken::WrongIssuer),
        ExpectedIssuer::PerTenant(template) => {
            let tid = claims.get("tid").and_then(Value::as_str).ok_or(InvalidToken::TenantNotAllowed)?;
            let allowed = policy.allowed_tenants.as_ref().is_some_and(|tenants| tenants.iter().any(|t| t == tid));
            if !allowed {
                return Err(InvalidToken::TenantNotAllowed);
            }
            if iss == template.replace(TENANT_PLACEHOLDER, tid) { Ok(()) } else { Err(InvalidToken::WrongIssuer) }
        }
    }
}

fn check_audience(policy: &TokenPolicy, claims: &Map<String, Value>) -> Result<(), InvalidToken> {
    let accepted = |aud: &Value| aud.as_str().is_some_and(|aud| policy.audiences.iter().any(|ok| ok == aud));
    let ok = match claims.get("aud") {
        Some(Value::Array(auds)) => auds.iter().any(accepted),
        Some(aud) => accepted(aud),
        None => false,
    };
    if ok { Ok(()) } else { Err(InvalidToken::WrongAudience) }
}

/// The union of the strings in the configured permission claims ([`Claims`] sorts them once).
fn permissions(policy: &TokenPolicy, claims: &Map<String, Value>) -> Result<Vec<String>, InvalidToken> {
    let mut granted: Vec<String> = Vec::new();
    for name in &policy.permission_claims {
        match claims.get(name) {
            None | Some(Value::Null) => {}
            Some(Value::String(list)) => granted.extend(list.split_whitespace().map(str::to_owned)),
            Some(Value::Array(items)) => {
                for item in items {
                    granted.push(item.as_str().ok_or(InvalidToken::UnusableClaims)?.to_owned());
                }
            }
            Some(_) => return Err(InvalidToken::UnusableClaims),
        }
    }
    Ok(granted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TokenPolicy {
        TokenPolicy {
            audiences: vec!["https://api.example.com".into()],
            algorithms: vec![SigningAlgorithm::RS256],
            leeway: Duration::from_secs(5),
            permission_claims: vec!["permissions".into()],
            allowed_tenants: None,
        }
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn the_time_checks_use_the_time_given_with_the_leeway() {
        let issuer = ExpectedIssuer::Exact("https://issuer.example.com/".into());
        let claims = serde_json::json!({
            "iss": "https://issuer.example.com/", "aud": "https://api.example.com",
            "exp": 1_000, "nbf": 500, "permissions": ["b", "a"],
        });
        let claims = claims.as_object().unwrap().clone();
        let cases = [
            (494, Err(InvalidToken::NotYetValid)),
            (495, Ok(())),
            (1_004, Ok(())),
            (1_005, Err(InvalidToken::Expired)),
        ];
        for (now, expected) in cases {
            let result = check_claims(&policy(), claims.clone(), &issuer, at(now));
            assert_eq!(result.as_ref().map(|_| ()).map_err(|err| *err), expected, "at {now}");
        }
        let granted = check_claims(&policy(), claims, &issuer, at(600)).unwrap();
        assert_eq!(granted.permissions(), ["a", "b"]);
        assert_eq!(granted.expires_at(), 1_000.0);
    }

    #[test]
    fn a_cnf_claim_must_name_a_dpop_key_or_the_token_is_unusable() {
        let issuer = ExpectedIssuer::Exact("https://issuer.example.com/".into());
        let with_cnf = |cnf: serde_json::Value| {
            let mut claims = serde_json::json!({
                "iss": "https://issuer.example.com/", "aud": "https://api.example.com", "exp": 1_000,
            });
            if !cnf.is_null() {
                claims["cnf"] = cnf;
            }
            check_claims(&policy(), claims.as_object().unwrap().clone(), &issuer, at(600))
        };
        let bound = with_cnf(serde_json::json!({ "jkt": "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" })).unwrap();
        assert_eq!(bound.bound_key(), Some("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
        assert_eq!(with_cnf(serde_json::Value::Null).unwrap().bound_key(), None);
        for cnf in [serde_json::json!({ "x5t#S256": "abc" }), serde_json::json!({ "jkt": 7 }), serde_json::json!("jkt")]
        {
            assert_eq!(with_cnf(cnf.clone()).map(|_| ()), Err(InvalidToken::UnusableClaims), "{cnf}");
        }
    }
}
