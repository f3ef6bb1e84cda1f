//! The key-set cache: fetch, refresh, cooldown, single flight, last good keys.
//!
//! The rules (SPEC "The key set"):
//! - keys are fetched in the background at start-up, and again when stale (in the background,
//!   while the stale keys keep serving) or when a token names an unknown `kid`;
//! - refreshes caused by unknown `kid`s happen at most once per cooldown, counted from the last such
//!   refresh; the start-up fetch and stale refreshes do not start the cooldown;
//! - callers that need a fetch while one is running wait for it instead of starting another;
//! - a failed fetch keeps the last good keys, and no fetch is attempted again for `retry` after a failure;
//! - every fetch is bounded in time and size and obeys the https-or-loopback rule.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use aws_lc_rs::digest;
use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::ParsedPublicKey;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;
use tokio::sync::{Mutex, OwnedMutexGuard};
use url::Url;

use super::algorithm::{KeyKind, SigningAlgorithm};
use crate::urls::check_transport;

/// The most a key-set or metadata document may weigh; larger answers are refused unread.
pub const MAX_DOCUMENT_BYTES: usize = 1024 * 1024;
/// How long one fetch (connect, headers and body) may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The placeholder Microsoft's multi-tenant metadata puts in its `issuer`.
pub const TENANT_PLACEHOLDER: &str = "{tenantid}";

/// Where the keys and the expected issuer come from.
#[derive(Clone, Debug)]
pub enum KeySource {
    /// The issuer is known and the keys are at a fixed URL (Auth0).
    Fixed {
        /// The exact `iss` tokens must carry.
        issuer: String,
        /// The key-set URL.
        jwks_uri: Url,
    },
    /// OpenID Connect discovery: the metadata document names the issuer and the key-set URL.
    Discovery {
        /// The metadata document's URL.
        metadata_url: Url,
    },
}

impl KeySource {
    fn url(&self) -> &Url {
        match self {
            Self::Fixed { jwks_uri, .. } => jwks_uri,
            Self::Discovery { metadata_url } => metadata_url,
        }
    }
}

/// The `iss` a token must carry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExpectedIssuer {
    /// Exactly this value.
    Exact(String),
    /// A template holding `{tenantid}`, filled with the token's own `tid` (Entra ID multi-tenant).
    PerTenant(String),
}

impl ExpectedIssuer {
    fn from_metadata(issuer: String) -> Self {
        if issuer.contains(TENANT_PLACEHOLDER) { Self::PerTenant(issuer) } else { Self::Exact(issuer) }
    }
}

/// Timing rules of the cache.
#[derive(Clone, Copy, Debug)]
pub struct RefreshPolicy {
    /// How long fetched keys are fresh (`JWKS_CACHE_SECONDS`).
    pub fresh_for: Duration,
    /// Least time between two refreshes caused by unknown `kid`s (`JWKS_COOLDOWN_SECONDS`).
    pub cooldown: Duration,
    /// Least time between a failed fetch and the next attempt (`JWKS_RETRY_SECONDS`).
    pub retry: Duration,
}

/// A public key from the key set, parsed once for each accepted algorithm it can serve.
pub struct VerifyingKey {
    kid: String,
    fingerprint: digest::Digest,
    verifiers: Vec<(SigningAlgorithm, ParsedPublicKey)>,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let algorithms: Vec<_> = self.verifiers.iter().map(|(alg, _)| alg.name()).collect();
        f.debug_struct("VerifyingKey").field("kid", &self.kid).field("algorithms", &algorithms).finish()
    }
}

/// Why a signature was not accepted.
#[derive(Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The key's type, curve or `alg` does not fit the token's algorithm.
    KeyMismatch,
    /// The signature does not verify.
    Invalid,
}

impl VerifyingKey {
    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Checks `signature` over `message` with `algorithm`.
    pub fn verify(&self, algorithm: SigningAlgorithm, message: &[u8], signature: &[u8]) -> Result<(), SignatureError> {
        let (_, key) = self.verifiers.iter().find(|(alg, _)| *alg == algorithm).ok_or(SignatureError::KeyMismatch)?;
        key.verify_sig(message, signature).map_err(|_| SignatureError::Invalid)
    }
}

/// A key found for a token, with the issuer the same document set names.
#[derive(Clone, Debug)]
pub struct FoundKey {
    /// The key the token's `kid` names.
    pub key: Arc<VerifyingKey>,
    /// The `iss` the token must carry.
    pub issuer: Arc<ExpectedIssuer>,
}

/// Why no key could be had for a token.
#[derive(Debug, PartialEq, Eq)]
pub enum KeyLookupError {
    /// The key set is known and has no such `kid`.
    UnknownKid,
    /// The key set cannot be had right now; try again after this long.
    Unavailable {
        /// When a new attempt may succeed.
        retry_after: Duration,
    },
}

/// Why a fetch failed. Logged only; never shown to a client.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// Connection refused, reset, DNS, TLS, timeout, redirect refused…
    #[error("request failed: {0}")]
    Network(#[from] reqwest::Error),
    /// Any status but 200.
    #[error("answered HTTP {0}")]
    Status(u16),
    /// Larger than [`MAX_DOCUMENT_BYTES`].
    #[error("answer is larger than {MAX_DOCUMENT_BYTES} bytes")]
    TooLarge,
    /// Not the JSON document expected.
    #[error("answer is not a valid {0}")]
    BadDocument(&'static str),
    /// A key set with no key this server can use.
    #[error("key set holds no usable key ({0} skipped)")]
    NoUsableKeys(usize),
    /// A URL named by the metadata that breaks the https-or-loopback rule.
    #[error("{0}")]
    Insecure(String),
}

/// What a successful fetch yields.
struct Loaded {
    keys: HashMap<String, Arc<VerifyingKey>>,
    issuer: Arc<ExpectedIssuer>,
    loaded_at: Instant,
}

#[derive(Default)]
struct State {
    loaded: Option<Arc<Loaded>>,
    /// Discovery's answer, kept until a key-set fetch from it fails.
    discovered: Option<(Arc<ExpectedIssuer>, Url)>,
    attempts: u64,
    last_failure: Option<Instant>,
    last_kid_refresh: Option<Instant>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reason {
    Initial,
    Stale,
    UnknownKid,
}

/// The cached, rotation-safe key set of one issuer. Built once at start-up and shared.
pub struct KeySet {
    source: KeySource,
    http: reqwest::Client,
    algorithms: Vec<SigningAlgorithm>,
    policy: RefreshPolicy,
    state: RwLock<State>,
    /// Held for the duration of a fetch: concurrent callers wait for it instead of fetching again.
    fetching: Arc<Mutex<()>>,
    /// Fetches run on the runtime that built the key set, whichever worker asked for them.
    runtime: tokio::runtime::Handle,
    /// Where fetches are counted, when metrics are on.
    metrics: std::sync::OnceLock<Arc<crate::metrics::Metrics>>,
}

impl KeySet {
    /// A key set for `source`, not fetched yet; call [`KeySet::start`] to fetch in the background.
    ///
    /// Must be called within a Tokio runtime, which then runs every fetch.
    pub fn new(
        source: KeySource,
        http: reqwest::Client,
        algorithms: Vec<SigningAlgorithm>,
        policy: RefreshPolicy,
    ) -> Arc<Self> {
        Arc::new(Self {
            source,
            http,
            algorithms,
            policy,
            state: RwLock::new(State::default()),
            fetching: Arc::new(Mutex::new(())),
            runtime: tokio::runtime::Handle::current(),
            metrics: std::sync::OnceLock::new(),
        })
    }

    /// An HTTP client fit for key-set fetches ([`crate::http::client`] with a 5 s timeout); an
    /// issuer on loopback (`loopback`) is reached without a proxy.
    pub fn http_client(loopback: bool) -> reqwest::Result<reqwest::Client> {
        crate::http::client(FETCH_TIMEOUT, loopback)
    }

    /// Starts fetching in the background, retrying after failures until a key set is loaded.
    pub fn start(self: &Arc<Self>) {
        let keys = Arc::clone(self);
        self.runtime.spawn(async move {
            loop {
                let attempts = keys.read().attempts;
                keys.refresh(Reason::Initial, attempts).await;
                if keys.read().loaded.is_some() {
                    break;
                }
                tokio::time::sleep(keys.policy.retry).await;
            }
        });
    }

    /// Whether a key set has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.read().loaded.is_some()
    }

    /// How many keys are in use; `None` until a key set has been loaded. After a failed refresh
    /// the last good keys stay in use and are counted.
    pub fn key_count(&self) -> Option<usize> {
        self.read().loaded.as_ref().map(|loaded| loaded.keys.len())
    }

    /// Counts every fetch from now on in `metrics`.
    pub fn report_to(&self, metrics: Arc<crate::metrics::Metrics>) {
        let _ = self.metrics.set(metrics);
    }

    /// Whether `key` is still in the key set, unchanged: a remembered verification must not
    /// outlive its key. Like a lookup, it starts a background refresh when the keys are stale.
    pub fn still_holds(self: &Arc<Self>, key: &Arc<VerifyingKey>) -> bool {
        let (holds, stale) = {
            let state = self.read();
            let Some(loaded) = state.loaded.as_ref() else { return false };
            let holds = loaded.keys.get(&key.kid).is_some_and(|current| Arc::ptr_eq(current, key));
            (holds, loaded.loaded_at.elapsed() >= self.policy.fresh_for)
        };
        if stale {
            self.refresh_in_background();
        }
        holds
    }

    /// The key a token's `kid` names, fetching the key set when needed and allowed.
    pub async fn key_for(self: &Arc<Self>, kid: &str) -> Result<FoundKey, KeyLookupError> {
        let (loaded, attempts) = {
            let state = self.read();
            (state.loaded.clone(), state.attempts)
        };
        if let Some((loaded, key)) = loaded.as_ref().and_then(|loaded| Some((loaded, loaded.keys.get(kid)?))) {
            if loaded.loaded_at.elapsed() >= self.policy.fresh_for {
                self.refresh_in_background();
            }
            return Ok(FoundKey { key: Arc::clone(key), issuer: Arc::clone(&loaded.issuer) });
        }

        let reason = if loaded.is_some() { Reason::UnknownKid } else { Reason::Initial };
        self.refresh(reason, attempts).await;

        let state = self.read();
        if let Some(loaded) = &state.loaded {
            if let Some(key) = loaded.keys.get(kid) {
                return Ok(FoundKey { key: Arc::clone(key), issuer: Arc::clone(&loaded.issuer) });
            }
            if state.last_failure.is_none() {
                return Err(KeyLookupError::UnknownKid);
            }
        }
        let retry_after =
            state.last_failure.map_or(self.policy.retry, |failed| self.policy.retry.saturating_sub(failed.elapsed()));
        Err(KeyLookupError::Unavailable { retry_after: retry_after.max(Duration::from_secs(1)) })
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, State> {
        self.state.write().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether the rules allow a fetch for `reason` now.
    fn may_fetch(&self, reason: Reason) -> bool {
        let state = self.read();
        let within = |at: Option<Instant>, window: Duration| at.is_some_and(|at| at.elapsed() < window);
        match reason {
            Reason::Initial => state.loaded.is_none() && !within(state.last_failure, self.policy.retry),
            Reason::Stale => {
                let stale =
                    state.loaded.as_ref().is_none_or(|loaded| loaded.loaded_at.elapsed() >= self.policy.fresh_for);
                stale && !within(state.last_failure, self.policy.retry)
            }
            Reason::UnknownKid => {
                !within(state.last_failure, self.policy.retry) && !within(state.last_kid_refresh, self.policy.cooldown)
            }
        }
    }

    /// Fetches unless the rules forbid it or another caller fetched since `seen_attempts`.
    async fn refresh(self: &Arc<Self>, reason: Reason, seen_attempts: u64) {
        if !self.may_fetch(reason) {
            // A fetch another caller started may bring what this one needs (a freshly rotated
            // kid): wait for it rather than answer from the keys it is about to replace.
            if self.read().attempts == seen_attempts {
                drop(self.fetching.lock().await);
            }
            return;
        }
        let guard = Arc::clone(&self.fetching).lock_owned().await;
        if self.read().attempts != seen_attempts || !self.may_fetch(reason) {
            return;
        }
        // The fetch runs as its own task so that it completes, and releases the guard, even when
        // the request that asked for it goes away.
        let task = self.runtime.spawn(Arc::clone(self).fetch(reason, guard));
        let _ = task.await;
    }

    fn refresh_in_background(self: &Arc<Self>) {
        if !self.may_fetch(Reason::Stale) {
            return;
        }
        if let Ok(guard) = Arc::clone(&self.fetching).try_lock_owned()
            && self.may_fetch(Reason::Stale)
        {
            self.runtime.spawn(Arc::clone(self).fetch(Reason::Stale, guard));
        }
    }

    async fn fetch(self: Arc<Self>, reason: Reason, _guard: OwnedMutexGuard<()>) {
        if reason == Reason::UnknownKid {
            self.write().last_kid_refresh = Some(Instant::now());
        }
        let discovered = self.read().discovered.clone();
        let result = self.download(discovered).await;

        let ok = result.is_ok();
        let mut state = self.write();
        state.attempts += 1;
        match result {
            Ok((issuer, jwks_uri, keys)) => {
                let previous = state.loaded.as_ref().map(|loaded| &loaded.keys);
                let keys = keep_identity(previous, keys);
                log::info!("key set loaded from {jwks_uri}: {} key(s) ({reason:?})", keys.len());
                if matches!(self.source, KeySource::Discovery { .. }) {
                    state.discovered = Some((Arc::clone(&issuer), jwks_uri));
                }
                state.loaded = Some(Arc::new(Loaded { keys, issuer, loaded_at: Instant::now() }));
                state.last_failure = None;
            }
            Err(err) => {
                let kept = state.loaded.as_ref().map_or(0, |loaded| loaded.keys.len());
                log::warn!(
                    "key set fetch from {} failed: {err}; keeping {kept} cached key(s), next attempt in {} s at the earliest",
                    self.source.url(),
                    self.policy.retry.as_secs()
                );
                state.discovered = None;
                state.last_failure = Some(Instant::now());
            }
        }
        if let Some(metrics) = self.metrics.get() {
            metrics.key_set_fetched(ok, state.loaded.as_ref().map_or(0, |loaded| loaded.keys.len()));
        }
    }

    async fn download(
        &self,
        discovered: Option<(Arc<ExpectedIssuer>, Url)>,
    ) -> Result<(Arc<ExpectedIssuer>, Url, HashMap<String, Arc<VerifyingKey>>), FetchError> {
        let (issuer, jwks_uri) = match (&self.source, discovered) {
            (KeySource::Fixed { issuer, jwks_uri }, _) => {
                (Arc::new(ExpectedIssuer::Exact(issuer.clone())), jwks_uri.clone())
            }
            (KeySource::Discovery { .. }, Some(discovered)) => discovered,
            (KeySource::Discovery { metadata_url }, None) => {
                let metadata = get_json(&self.http, metadata_url, "OpenID metadata document").await?;
                let (issuer, jwks_uri) = parse_metadata(&metadata)?;
                (Arc::new(issuer), jwks_uri)
            }
        };
        let document = get_json(&self.http, &jwks_uri, "key set").await?;
        let keys = parse_key_set(&document, &self.algorithms)?;
        Ok((issuer, jwks_uri, keys))
    }
}

/// Reuses the previous `Arc` of every key whose material did not change, so that verifications
/// cached against it stay trusted across refreshes.
fn keep_identity(
    previous: Option<&HashMap<String, Arc<VerifyingKey>>>,
    keys: HashMap<String, Arc<VerifyingKey>>,
) -> HashMap<String, Arc<VerifyingKey>> {
    let Some(previous) = previous else { return keys };
    keys.into_iter()
        .map(|(kid, key)| match previous.get(&kid) {
            Some(old) if old.fingerprint.as_ref() == key.fingerprint.as_ref() => (kid, Arc::clone(old)),
            _ => (kid, key),
        })
        .collect()
}

/// GETs `url` and parses its body as JSON, within the time and size limits.
async fn get_json(http: &reqwest::Client, url: &Url, what: &'static str) -> Result<Value, FetchError> {
    check_transport(url).map_err(FetchError::Insecure)?;
    let response = http.get(url.clone()).header(reqwest::header::ACCEPT, "application/json").send().await?;
    if response.status() != reqwest::StatusCode::OK {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    let body = crate::http::read_body(response, MAX_DOCUMENT_BYTES).await?.ok_or(FetchError::TooLarge)?;
    serde_json::from_slice(&body).map_err(|_| FetchError::BadDocument(what))
}

/// The issuer and key-set URL an OpenID metadata document names.
pub fn parse_metadata(metadata: &Value) -> Result<(ExpectedIssuer, Url), FetchError> {
    let field = |name| metadata.get(name).and_then(Value::as_str).filter(|value| !value.is_empty());
    let issuer = field("issuer").ok_or(FetchError::BadDocument("OpenID metadata document (no issuer)"))?;
    let jwks_uri = field("jwks_uri").ok_or(FetchError::BadDocument("OpenID metadata document (no jwks_uri)"))?;
    let jwks_uri =
        Url::parse(jwks_uri).map_err(|_| FetchError::BadDocument("OpenID metadata document (bad jwks_uri)"))?;
    check_transport(&jwks_uri).map_err(|problem| FetchError::Insecure(format!("jwks_uri {problem}")))?;
    Ok((ExpectedIssuer::from_metadata(issuer.to_owned()), jwks_uri))
}

/// The usable keys of a key-set document, by `kid`. Unusable keys are skipped (and logged at
/// debug); a document with none left is an error, so that the last good keys stay in use.
pub fn parse_key_set(
    document: &Value,
    algorithms: &[SigningAlgorithm],
) -> Result<HashMap<String, Arc<VerifyingKey>>, FetchError> {
    let entries =
        document.get("keys").and_then(Value::as_array).ok_or(FetchError::BadDocument("key set (no keys array)"))?;
    let mut keys = HashMap::new();
    let mut skipped = 0;
    for entry in entries {
        match parse_key(entry, algorithms) {
            Ok(key) if keys.contains_key(&key.kid) => {
                log::debug!("skipped a second key with kid {:?}", key.kid);
                skipped += 1;
            }
            Ok(key) => {
                keys.insert(key.kid.clone(), Arc::new(key));
            }
            Err(why) => {
                log::debug!("skipped a key: {why}");
                skipped += 1;
            }
        }
    }
    if keys.is_empty() {
        return Err(FetchError::NoUsableKeys(skipped));
    }
    Ok(keys)
}

/// The bit length of a big-endian unsigned integer.
fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|&byte| byte != 0) {
        Some(first) => (bytes.len() - first) * 8 - bytes[first].leading_zeros() as usize,
        None => 0,
    }
}

/// One JWK (RFC 7517) as a verifying key for the accepted algorithms it fits.
fn parse_key(jwk: &Value, algorithms: &[SigningAlgorithm]) -> Result<VerifyingKey, &'static str> {
    let text = |name| jwk.get(name).and_then(Value::as_str);
    let kid = text("kid").filter(|kid| !kid.is_empty() && kid.len() <= 512).ok_or("no usable kid")?;
    if jwk.get("use").is_some_and(|usage| usage != "sig") {
        return Err("use is not sig");
    }
    if let Some(ops) = jwk.get("key_ops") {
        let verifies = ops.as_array().is_some_and(|ops| ops.iter().any(|op| op == "verify"));
        if !verifies {
            return Err("key_ops does not allow verify");
        }
    }
    let key_alg = match jwk.get("alg") {
        None => None,
        Some(alg) => Some(alg.as_str().and_then(SigningAlgorithm::from_name).ok_or("alg is not usable")?),
    };
    let b64 = |name| -> Result<Vec<u8>, &'static str> {
        let value = text(name).ok_or("a key parameter is missing")?;
        URL_SAFE_NO_PAD.decode(value.trim_end_matches('=')).map_err(|_| "a key parameter is not base64url")
    };
    let (kind, material) = match (text("kty"), text("crv")) {
        (Some("RSA"), _) => {
            let n = b64("n")?;
            // aws-lc parses any modulus but verifies only with 2048–8192 bits: a smaller or larger
            // key would pass as usable, take its `kid`, and replace the last good keys.
            if !(2048..=8192).contains(&bit_length(&n)) {
                return Err("RSA modulus is not 2048 to 8192 bits");
            }
            (KeyKind::Rsa, [n, b64("e")?])
        }
        (Some("EC"), Some("P-256")) => (KeyKind::P256, [b64("x")?, b64("y")?]),
        (Some("EC"), Some("P-384")) => (KeyKind::P384, [b64("x")?, b64("y")?]),
        (Some("OKP"), Some("Ed25519")) => (KeyKind::Ed25519, [b64("x")?, Vec::new()]),
        _ => return Err("kty or crv is not supported"),
    };

    let mut verifiers = Vec::new();
    for &alg in algorithms.iter().filter(|alg| alg.key_kind() == kind && key_alg.is_none_or(|key_alg| key_alg == **alg))
    {
        let parsed = match kind {
            KeyKind::Rsa => {
                let params = alg.rsa_parameters().ok_or("no RSA parameters")?;
                PublicKeyComponents { n: &material[0], e: &material[1] }
                    .to_parsed_public_key(params)
                    .map_err(|_| "RSA numbers are not a usable key")?
            }
            KeyKind::P256 | KeyKind::P384 => {
                let size = if kind == KeyKind::P256 { 32 } else { 48 };
                if material[0].len() != size || material[1].len() != size {
                    return Err("EC coordinates have the wrong length");
                }
                let point = [&[4u8][..], &material[0], &material[1]].concat();
                ParsedPublicKey::new(alg.curve_algorithm().ok_or("no curve")?, point)
                    .map_err(|_| "EC point is not on the curve")?
            }
            KeyKind::Ed25519 => ParsedPublicKey::new(alg.curve_algorithm().ok_or("no curve")?, &material[0])
                .map_err(|_| "Ed25519 key is not usable")?,
        };
        verifiers.push((alg, parsed));
    }
    if verifiers.is_empty() {
        return Err("fits no accepted algorithm");
    }

    let mut context = digest::Context::new(&digest::SHA256);
    for part in [kid.as_bytes(), &material[0], &material[1]] {
        context.update(&(part.len() as u64).to_be_bytes());
        context.update(part);
    }
    Ok(VerifyingKey { kid: kid.to_owned(), fingerprint: context.finish(), verifiers })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn discovery_names_the_issuer_and_a_key_set_url_that_obeys_the_transport_rule() {
        let cases = [
            (json!({ "issuer": "https://a.example/", "jwks_uri": "https://a.example/keys" }), true),
            (json!({ "issuer": "http://127.0.0.1:1/", "jwks_uri": "http://127.0.0.1:1/keys" }), true),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "http://a.example/keys" }), false),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "ftp://a.example/keys" }), false),
            (json!({ "issuer": "https://a.example/", "jwks_uri": "not a url" }), false),
            (json!({ "issuer": "", "jwks_uri": "https://a.example/keys" }), false),
            (json!({ "jwks_uri": "https://a.example/keys" }), false),
            (json!(["https://a.example/"]), false),
        ];
        for (document, accepted) in cases {
            assert_eq!(parse_metadata(&document).is_ok(), accepted, "{document}");
        }
        let (issuer, _) = parse_metadata(
            &json!({ "issuer": "https://l.example/{tenantid}/v2.0", "jwks_uri": "https://l.example/k" }),
        )
        .unwrap();
        assert_eq!(issuer, ExpectedIssuer::PerTenant("https://l.example/{tenantid}/v2.0".into()));
    }

    #[test]
    fn a_key_set_without_a_usable_key_is_refused() {
        let rsa_2047_bits = URL_SAFE_NO_PAD.encode([&[0x7f][..], &[0xff; 255]].concat());
        let rsa_8200_bits = URL_SAFE_NO_PAD.encode([0xff; 1025]);
        let unusable = [
            json!({ "keys": [] }),
            json!({ "keys": "none" }),
            json!({}),
            json!({ "keys": [{ "kty": "oct", "kid": "h", "k": "c2VjcmV0" }] }),
            // Found by the unit test that came with the fuzz targets: a 17-bit modulus was a
            // "usable" key, so such a key set replaced the last good keys.
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": rsa_2047_bits.clone(), "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "RSA", "kid": "r", "n": rsa_8200_bits, "e": "AQAB" }] }),
            json!({ "keys": [{ "kty": "EC", "crv": "P-256", "kid": "e", "x": "AA", "y": "AA" }] }),
            json!({ "keys": [{ "kty": "OKP", "crv": "Ed25519", "kid": "", "x": "AA" }] }),
        ];
        for document in unusable {
            assert!(parse_key_set(&document, &SigningAlgorithm::ALL).is_err(), "{document}");
        }
    }

    #[test]
    fn bit_length_counts_from_the_first_set_bit() {
        for (bytes, bits) in
            [(&[][..], 0), (&[0, 0][..], 0), (&[1][..], 1), (&[0, 0x80, 0][..], 16), (&[0x7f, 0xff][..], 15)]
        {
            assert_eq!(bit_length(bytes), bits, "{bytes:?}");
        }
    }
}
