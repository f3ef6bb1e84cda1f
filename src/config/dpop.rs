//! The DPoP settings (docs/dpop.md): `DPOP`, `DPOP_ALGORITHMS`, `DPOP_PROOF_SECONDS`,
//! `DPOP_REPLAY_STORE` and `PUBLIC_URL`.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::declare::Fallback::{Derived, Value};
use super::declare::{About, Found, Setting};
use super::parse::{algorithms, seconds};
use super::vars::setting;
use crate::auth::SigningAlgorithm;
use crate::auth::dpop::{Dpop, DpopMode, DpopObserver, MEMORY_CAPACITY, ProofPolicy, RedisReplayStore, ReplayStore};

/// Where used proofs are remembered (`DPOP_REPLAY_STORE`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReplayStoreSetting {
    /// `memory` (the default): this process only.
    Memory,
    /// `redis://host:port[/db]`: shared by replicas.
    Redis(String),
}

/// How the API treats DPoP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopSettings {
    /// `DPOP`: `allowed` (default), `required` or `off`.
    pub mode: DpopMode,
    /// `DPOP_ALGORITHMS`: accepted proof algorithms, asymmetric only (default ES256).
    pub algorithms: Vec<SigningAlgorithm>,
    /// `DPOP_PROOF_SECONDS`: how old a proof's `iat` may be (default 300 s).
    pub proof_window: Duration,
    /// `DPOP_REPLAY_STORE` (default `memory`).
    pub replay_store: ReplayStoreSetting,
    /// `PUBLIC_URL`: the API's external base URL for `htu`; `None`: `http://{Host}` of the request.
    pub public_url: Option<Url>,
}

impl DpopSettings {
    /// How proofs are checked (the API's and the local issuer's token endpoint's); `leeway` is
    /// `CLOCK_SKEW_SECONDS`.
    pub(crate) fn proof_policy(&self, leeway: Duration) -> ProofPolicy {
        ProofPolicy { algorithms: self.algorithms.clone(), window: self.proof_window, leeway }
    }

    /// The API's DPoP rules and replay store, built once at start-up; `leeway` is
    /// `CLOCK_SKEW_SECONDS`, and `observer` is told every proof check's outcome.
    pub(crate) fn gate(&self, leeway: Duration, observer: Option<Arc<dyn DpopObserver>>) -> Dpop {
        let store = match &self.replay_store {
            ReplayStoreSetting::Memory => ReplayStore::memory(MEMORY_CAPACITY),
            ReplayStoreSetting::Redis(url) => ReplayStore::redis(url).expect("the URL was checked with the settings"),
        };
        let dpop = Dpop::new(self.mode, self.proof_policy(leeway), self.public_url.clone(), Arc::new(store));
        match observer {
            Some(observer) => dpop.with_observer(observer),
            None => dpop,
        }
    }
}

pub(super) const DPOP: Setting<DpopMode> = setting(
    "DPOP",
    "MODE",
    Value("allowed"),
    "DPoP-bound tokens: allowed (Bearer and DPoP), required (DPoP only) or off (Bearer only)",
    mode,
);
pub(super) const DPOP_ALGORITHMS: Setting<Vec<SigningAlgorithm>> = setting(
    "DPOP_ALGORITHMS",
    "ALGORITHMS",
    Value("ES256"),
    "Accepted DPoP proof algorithms, comma-separated (asymmetric only, as for tokens)",
    algorithms,
);
pub(super) const DPOP_PROOF_SECONDS: Setting<Duration> = setting(
    "DPOP_PROOF_SECONDS",
    "SECONDS",
    Value("300"),
    "How old a DPoP proof's iat may be, in seconds (plus CLOCK_SKEW_SECONDS either way)",
    seconds::<1>,
);
pub(super) const DPOP_REPLAY_STORE: Setting<ReplayStoreSetting> = setting(
    "DPOP_REPLAY_STORE",
    "STORE",
    Value("memory"),
    "Where used DPoP proof ids are remembered: memory (this process) or redis://host:port[/db] (shared by replicas)",
    replay_store,
);
pub(super) const PUBLIC_URL: Setting<Url> = setting(
    "PUBLIC_URL",
    "URL",
    Derived("`http://{Host}` of each request"),
    "The API's external base URL (https://api.example.com), for DPoP's htu behind a proxy",
    public_url,
);

/// The DPoP settings, in `--help` order.
pub(super) const SETTINGS: [&About; 5] =
    [&DPOP.about, &DPOP_ALGORITHMS.about, &DPOP_PROOF_SECONDS.about, &DPOP_REPLAY_STORE.about, &PUBLIC_URL.about];

impl DpopSettings {
    pub(super) fn from_found(found: &Found) -> Result<Self, ConfigError> {
        let (mode, algorithms) = (found.value(&DPOP)?, found.value(&DPOP_ALGORITHMS)?);
        let replay_store = found.value(&DPOP_REPLAY_STORE)?;
        let proof_window = found.value(&DPOP_PROOF_SECONDS)?;
        Ok(Self { mode, algorithms, proof_window, replay_store, public_url: found.get(&PUBLIC_URL)? })
    }
}

/// `DPOP`: `allowed`, `required` or `off`, in any case.
fn mode(variable: &str, value: &str) -> Result<DpopMode, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "allowed" => Ok(DpopMode::Allowed),
        "required" => Ok(DpopMode::Required),
        "off" => Ok(DpopMode::Off),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not allowed, required or off"))),
    }
}

/// `DPOP_REPLAY_STORE`: `memory`, or a Redis URL the store accepts.
fn replay_store(variable: &str, value: &str) -> Result<ReplayStoreSetting, ConfigError> {
    let value = value.trim();
    if value.eq_ignore_ascii_case("memory") {
        return Ok(ReplayStoreSetting::Memory);
    }
    RedisReplayStore::new(value).map_err(|problem| ConfigError::new(variable, problem))?;
    Ok(ReplayStoreSetting::Redis(value.to_owned()))
}

/// `PUBLIC_URL`: an http(s) URL with a host, no user, query or fragment.
fn public_url(variable: &str, value: &str) -> Result<Url, ConfigError> {
    let value = value.trim();
    let problem = || {
        ConfigError::new(
            variable,
            format!("{value:?} is not the API's external base URL (e.g. https://api.example.com)"),
        )
    };
    let url = Url::parse(value).map_err(|_| problem())?;
    let usable = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none();
    if usable { Ok(url) } else { Err(problem()) }
}
