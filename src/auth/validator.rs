//! Token → verified claims: algorithm, key, signature, then issuer, audience and time.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::algorithm::SigningAlgorithm;
use super::claims::{Claims, Grant};
use super::error::{AuthError, InvalidToken};
use super::jwks::{ExpectedIssuer, KeyLookupError, KeySet, SignatureError, TENANT_PLACEHOLDER, VerifyingKey};

/// Tokens longer than this are refused before any parsing (8 KiB; real access tokens are 1–3 KiB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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

/// A token verified earlier, as the cache keeps it: its expiry, what it grants (shared, not its
/// whole claim set, docs/performance.md, "Memory") and the key that verified it.
#[derive(Clone)]
struct Verified {
    expires_at: f64,
    grant: Arc<Grant>,
    key: Arc<VerifyingKey>,
}

/// How many distinct grants (subject, permissions, DPoP key) are kept for sharing between
/// remembered tokens; a grant not among them is simply not shared.
const SHARED_GRANTS: usize = 1024;

/// Verifies access tokens against one issuer's cached key set. Built once, shared by all workers.
///
/// Fully valid tokens are remembered (by the SHA-256 of the whole token) until their own `exp`,
/// so a token used again costs a hash and a lookup instead of a signature check. A remembered
/// token stops counting as soon as its key leaves the key set. Rejected tokens are never kept.
pub struct Validator {
    keys: Arc<KeySet>,
    policy: TokenPolicy,
    verified: Option<quick_cache::sync::Cache<[u8; 32], Verified>>,
    grants: quick_cache::sync::Cache<Arc<Grant>, Arc<Grant>>,
    metrics: Option<Arc<crate::metrics::Metrics>>,
}

/// A compact JWS split and its header checked: what can be known before any key is looked up.
#[derive(Debug, PartialEq, Eq)]
pub struct ParsedToken<'a> {
    /// The header's `alg`, one of the accepted algorithms.
    pub algorithm: SigningAlgorithm,
    /// The header's `kid`.
    pub kid: String,
    /// `header.payload`, the bytes the signature covers.
    pub signed: &'a str,
    /// The payload segment (base64url).
    pub payload: &'a str,
    /// The signature segment (base64url).
    pub signature: &'a str,
}

/// Splits `token` and checks its header: size, shape, `alg` among `algorithms` (so `none` and
/// `HS*` never pass), no `crit`, an accepted `typ`, and a `kid`. Needs no key and no network.
pub fn parse_token<'a>(token: &'a str, algorithms: &[SigningAlgorithm]) -> Result<ParsedToken<'a>, InvalidToken> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(InvalidToken::TooLarge);
    }
    let (signed, signature) = token.rsplit_once('.').ok_or(InvalidToken::Malformed)?;
    let (header, payload) = signed.split_once('.').ok_or(InvalidToken::Malformed)?;
    if payload.contains('.') {
        return Err(InvalidToken::Malformed);
    }
    let header = json_object(header)?;

    // The algorithm list comes from configuration; the token only picks from it. `none` and
    // `HS*` are never on the list, so they are refused here, before any key is looked up.
    let algorithm = header
        .get("alg")
        .and_then(Value::as_str)
        .and_then(SigningAlgorithm::from_name)
        .filter(|alg| algorithms.contains(alg))
        .ok_or(InvalidToken::AlgorithmNotAccepted)?;
    if header.contains_key("crit") {
        return Err(InvalidToken::CriticalHeader);
    }
    if let Some(typ) = header.get("typ") {
        let accepted = typ
            .as_str()
            .is_some_and(|typ| ["JWT", "at+jwt", "application/at+jwt"].iter().any(|ok| ok.eq_ignore_ascii_case(typ)));
        if !accepted {
            return Err(InvalidToken::WrongType);
        }
    }
    // `jku`, `x5u`, `jwk` and `x5c` are deliberately never read: keys come only from the key set.
    let kid =
        header.get("kid").and_then(Value::as_str).filter(|kid| !kid.is_empty()).ok_or(InvalidToken::MissingKid)?;
    Ok(ParsedToken { algorithm, kid: kid.to_owned(), signed, payload, signature })
}

/// A base64url (no padding) segment holding a JSON object.
fn json_object(segment: &str) -> Result<Map<String, Value>, InvalidToken> {
    let bytes = URL_SAFE_NO_PAD.decode(segment).map_err(|_| InvalidToken::Malformed)?;
    serde_json::from_slice(&bytes).map_err(|_| InvalidToken::Malformed)
}

fn unix_now() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0.0, |now| now.as_secs_f64())
}

impl Validator {
    /// A validator for tokens signed by keys from `keys`, remembering up to `cache_size` verified
    /// tokens (0: none).
    pub fn new(keys: Arc<KeySet>, policy: TokenPolicy, cache_size: usize) -> Self {
        let verified = (cache_size > 0).then(|| quick_cache::sync::Cache::new(cache_size));
        let grants = quick_cache::sync::Cache::new(SHARED_GRANTS);
        Self { keys, policy, verified, grants, metrics: None }
    }

    /// Counts every check and cache hit in `metrics` (docs/operations.md, "Metrics").
    pub fn with_metrics(mut self, metrics: Arc<crate::metrics::Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Verifies `token` and returns its claims, or says why it is not valid.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let result = self.check(token).await;
        if let Some(metrics) = &self.metrics {
            metrics.token_checked(&result);
        }
        result
    }

    async fn check(&self, token: &str) -> Result<Claims, AuthError> {
        if token.len() > MAX_TOKEN_BYTES {
            // Refused before hashing or parsing anything.
            return Err(InvalidToken::TooLarge.into());
        }
        let Some(cache) = &self.verified else {
            return self.verify(token).await.map(|(claims, _)| claims);
        };
        let mut hash = [0u8; 32];
        hash.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
        if let Some(hit) = cache.get(&hash) {
            if unix_now() < hit.expires_at && self.keys.still_holds(&hit.key) {
                if let Some(metrics) = &self.metrics {
                    metrics.token_cache_hit();
                }
                // The hashed token is this one, so its payload is the one verified.
                let payload = token.split('.').nth(1).unwrap_or_default();
                return Ok(Claims::remembered(hit.grant, hit.expires_at, payload));
            }
            cache.remove(&hash);
        }
        let (claims, verified) = self.verify(token).await?;
        cache.insert(hash, verified);
        Ok(claims)
    }

    /// The full check: header, key, signature, then the claims.
    async fn verify(&self, token: &str) -> Result<(Claims, Verified), AuthError> {
        let token = parse_token(token, &self.policy.algorithms)?;
        let found = self.keys.key_for(&token.kid).await.map_err(|err| match err {
            KeyLookupError::UnknownKid => AuthError::InvalidToken(InvalidToken::UnknownKid),
            KeyLookupError::Unavailable { retry_after } => AuthError::KeysUnavailable { retry_after },
        })?;
        let signature = URL_SAFE_NO_PAD.decode(token.signature).map_err(|_| InvalidToken::Malformed)?;
        found.key.verify(token.algorithm, token.signed.as_bytes(), &signature).map_err(|err| match err {
            SignatureError::KeyMismatch => InvalidToken::KeyMismatch,
            SignatureError::Invalid => InvalidToken::BadSignature,
        })?;
        let claims = self.check_claims(json_object(token.payload)?, &found.issuer)?;
        let verified = Verified { expires_at: claims.expires_at(), grant: claims.grant().clone(), key: found.key };
        Ok((claims, verified))
    }

    /// Checks verified claims against the policy: time, issuer, audience, permissions. Needs no
    /// key and no network.
    pub fn check_claims(&self, claims: Map<String, Value>, issuer: &ExpectedIssuer) -> Result<Claims, InvalidToken> {
        let expires_at = self.check_time(&claims)?;
        self.check_issuer(&claims, issuer)?;
        self.check_audience(&claims)?;
        let permissions = self.permissions(&claims)?;
        let grant = self.shared(Grant::new(&claims, permissions));
        Ok(Claims::parsed(grant, expires_at, claims))
    }

    /// `grant`, or an equal one already shared.
    fn shared(&self, grant: Grant) -> Arc<Grant> {
        let grant = Arc::new(grant);
        if let Some(known) = self.grants.get(&grant) {
            return known;
        }
        self.grants.insert(grant.clone(), grant.clone());
        grant
    }

    /// Checks `exp` (required), `nbf` and `iat` with the leeway; returns `exp`.
    fn check_time(&self, claims: &Map<String, Value>) -> Result<f64, InvalidToken> {
        let now = unix_now();
        let leeway = self.policy.leeway.as_secs_f64();
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

    fn check_issuer(&self, claims: &Map<String, Value>, expected: &ExpectedIssuer) -> Result<(), InvalidToken> {
        let iss = claims.get("iss").and_then(Value::as_str).ok_or(InvalidToken::WrongIssuer)?;
        match expected {
            ExpectedIssuer::Exact(issuer) if iss == issuer => Ok(()),
            ExpectedIssuer::Exact(_) => Err(InvalidToken::WrongIssuer),
            ExpectedIssuer::PerTenant(template) => {
                let tid = claims.get("tid").and_then(Value::as_str).ok_or(InvalidToken::TenantNotAllowed)?;
                let allowed =
                    self.policy.allowed_tenants.as_ref().is_some_and(|tenants| tenants.iter().any(|t| t == tid));
                if !allowed {
                    return Err(InvalidToken::TenantNotAllowed);
                }
                if iss == template.replace(TENANT_PLACEHOLDER, tid) { Ok(()) } else { Err(InvalidToken::WrongIssuer) }
            }
        }
    }

    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), InvalidToken> {
        let accepted = |aud: &Value| aud.as_str().is_some_and(|aud| self.policy.audiences.iter().any(|ok| ok == aud));
        let ok = match claims.get("aud") {
            Some(Value::Array(auds)) => auds.iter().any(accepted),
            Some(aud) => accepted(aud),
            None => false,
        };
        if ok { Ok(()) } else { Err(InvalidToken::WrongAudience) }
    }

    /// The union of the strings in the configured permission claims ([`Claims`] sorts them once).
    fn permissions(&self, claims: &Map<String, Value>) -> Result<Vec<String>, InvalidToken> {
        let mut granted: Vec<String> = Vec::new();
        for name in &self.policy.permission_claims {
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
}
