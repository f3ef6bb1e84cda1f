//! Token → verified claims: algorithm, key, signature, then the pure claim checks of `policy.rs`
//! (time, issuer, audience, permissions); the cache of verified tokens.

use std::sync::Arc;
use std::time::SystemTime;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value};

use super::algorithm::SigningAlgorithm;
use super::claims::{Claims, Grant};
use super::error::{AuthError, InvalidToken};
use super::jwks::{KeyLookupError, KeySet, SignatureError, VerifyingKey};
use super::policy::{TokenPolicy, check_claims, unix_seconds};

/// Tokens longer than this are refused before any parsing (8 KiB; real access tokens are 1–3 KiB).
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

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
    observer: Option<Arc<dyn TokenObserver>>,
}

/// Told the outcome of every token check: `valid`, or the refusal's [`AuthError::code`] (an
/// [`InvalidToken::code`] or `keys_unavailable`), and every answer from the cache (the metrics
/// implement it; `auth` imports nothing above it).
pub(crate) trait TokenObserver: Send + Sync {
    /// One token checked, with its outcome's stable code.
    fn token_checked(&self, outcome: &'static str);
    /// One token check answered from the cache of verified tokens.
    fn token_cache_hit(&self);
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

impl Validator {
    /// A validator for tokens signed by keys from `keys`, remembering up to `cache_size` verified
    /// tokens (0: none).
    pub fn new(keys: Arc<KeySet>, policy: TokenPolicy, cache_size: usize) -> Self {
        let verified = (cache_size > 0).then(|| quick_cache::sync::Cache::new(cache_size));
        let grants = quick_cache::sync::Cache::new(SHARED_GRANTS);
        Self { keys, policy, verified, grants, observer: None }
    }

    /// Reports every check's outcome and every cache hit to `observer` (the metrics:
    /// docs/operations.md, "Metrics").
    pub(crate) fn with_observer(mut self, observer: Arc<dyn TokenObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Verifies `token` and returns its claims, or says why it is not valid.
    pub async fn validate(&self, token: &str) -> Result<Claims, AuthError> {
        let result = self.check(token).await;
        if let Some(observer) = &self.observer {
            // `check` refuses only with `InvalidToken` or `KeysUnavailable`.
            observer.token_checked(result.as_ref().map_or_else(AuthError::code, |_| "valid"));
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
            if unix_seconds(SystemTime::now()) < hit.expires_at && self.keys.still_holds(&hit.key) {
                if let Some(observer) = &self.observer {
                    observer.token_cache_hit();
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
        let claims = check_claims(&self.policy, json_object(token.payload)?, &found.issuer, SystemTime::now())?;
        // Tokens that grant the same (subject, permissions, DPoP key) share one grant in the cache.
        let grant = self.shared(claims.grant().clone());
        let verified = Verified { expires_at: claims.expires_at(), grant, key: found.key };
        Ok((claims, verified))
    }

    /// `grant`, or an equal one already shared.
    fn shared(&self, grant: Arc<Grant>) -> Arc<Grant> {
        if let Some(known) = self.grants.get(&grant) {
            return known;
        }
        self.grants.insert(grant.clone(), grant.clone());
        grant
    }
}
