//! [`KeySet`]: the cache, its refresh rules, single flight and last good keys.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OwnedMutexGuard};
use url::Url;

use super::fetch::get_json;
use super::jwk::{VerifyingKey, parse_key_set};
use super::parse_metadata;
use super::{ExpectedIssuer, FETCH_TIMEOUT, FetchError, FoundKey, KeyLookupError, KeySource, RefreshPolicy};
use crate::auth::algorithm::SigningAlgorithm;

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
    /// Told of every fetch, when metrics are on.
    observer: std::sync::OnceLock<Arc<dyn KeySetObserver>>,
}

/// Told of every key-set fetch (the metrics implement it; `auth` imports nothing above it).
pub trait KeySetObserver: Send + Sync {
    /// One fetch done, `ok` or failed; `keys` is the number of keys in use after it.
    fn key_set_fetched(&self, ok: bool, keys: usize);
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
            observer: std::sync::OnceLock::new(),
        })
    }

    /// An HTTP client fit for key-set fetches (`crate::http::client` with a 5 s timeout); an
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
    pub(crate) fn key_count(&self) -> Option<usize> {
        self.read().loaded.as_ref().map(|loaded| loaded.keys.len())
    }

    /// Reports every fetch from now on to `observer` (the metrics: docs/operations.md, "Metrics").
    pub(crate) fn report_to(&self, observer: Arc<dyn KeySetObserver>) {
        let _ = self.observer.set(observer);
    }

    /// Whether `key` is still in the key set, unchanged: a remembered verification must not
    /// outlive its key. Like a lookup, it starts a background refresh when the keys are stale.
    pub(crate) fn still_holds(self: &Arc<Self>, key: &Arc<VerifyingKey>) -> bool {
        let (holds, stale) = {
            let state = self.read();
            let Some(loaded) = state.loaded.as_ref() else { return false };
            let holds = loaded.keys.get(key.kid()).is_some_and(|current| Arc::ptr_eq(current, key));
            (holds, loaded.loaded_at.elapsed() >= self.policy.fresh_for)
        };
        if stale {
            self.refresh_in_background();
        }
        holds
    }

    /// The key a token's `kid` names, fetching the key set when needed and allowed.
    pub(crate) async fn key_for(self: &Arc<Self>, kid: &str) -> Result<FoundKey, KeyLookupError> {
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
        if let Some(observer) = self.observer.get() {
            observer.key_set_fetched(ok, state.loaded.as_ref().map_or(0, |loaded| loaded.keys.len()));
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
            (KeySource::Discovery { metadata_url, issuer }, None) => {
                let metadata = get_json(&self.http, metadata_url, "OpenID metadata document").await?;
                let (issuer, jwks_uri) = parse_metadata(&metadata, issuer)?;
                (Arc::new(issuer), jwks_uri)
            }
        };
        let document = get_json(&self.http, &jwks_uri, "key set").await?;
        let keys = parse_key_set(&document, &self.algorithms)?;
        Ok((issuer, jwks_uri, keys))
    }
}

/// Reuses the previous `Arc` of every key that did not change (material and restrictions alike,
/// [`VerifyingKey::same_key`]), so that verifications cached against it stay trusted across
/// refreshes, and only those.
fn keep_identity(
    previous: Option<&HashMap<String, Arc<VerifyingKey>>>,
    keys: HashMap<String, Arc<VerifyingKey>>,
) -> HashMap<String, Arc<VerifyingKey>> {
    let Some(previous) = previous else { return keys };
    keys.into_iter()
        .map(|(kid, key)| match previous.get(&kid) {
            Some(old) if old.same_key(&key) => (kid, Arc::clone(old)),
            _ => (kid, key),
        })
        .collect()
}
