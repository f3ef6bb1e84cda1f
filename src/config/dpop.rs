//! The DPoP settings (docs/dpop.md): `DPOP`, `DPOP_ALGORITHMS`, `DPOP_PROOF_SECONDS`,
//! `DPOP_REPLAY_STORE` and `PUBLIC_URL`.

use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::ConfigError;
use super::parse::{algorithms, seconds};
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
    pub fn proof_policy(&self, leeway: Duration) -> ProofPolicy {
        ProofPolicy { algorithms: self.algorithms.clone(), window: self.proof_window, leeway }
    }

    /// The API's DPoP rules and replay store, built once at start-up; `leeway` is
    /// `CLOCK_SKEW_SECONDS`, and `observer` is told every proof check's outcome.
    pub fn gate(&self, leeway: Duration, observer: Option<Arc<dyn DpopObserver>>) -> Dpop {
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

/// The DPoP variables as found (empty counts as unset).
pub(super) struct DpopVars<'a> {
    pub mode: Option<&'a str>,
    pub algorithms: Option<&'a str>,
    pub proof_seconds: Option<&'a str>,
    pub replay_store: Option<&'a str>,
    pub public_url: Option<&'a str>,
}

impl DpopVars<'_> {
    pub(super) fn check(self) -> Result<DpopSettings, ConfigError> {
        let mode = match self.mode.map(|mode| mode.trim().to_ascii_lowercase()).as_deref() {
            None | Some("allowed") => DpopMode::Allowed,
            Some("required") => DpopMode::Required,
            Some("off") => DpopMode::Off,
            Some(_) => {
                let value = self.mode.unwrap_or_default();
                return Err(ConfigError::new("DPOP", format!("{value:?} is not allowed, required or off")));
            }
        };
        let algorithms = match self.algorithms {
            Some(value) => algorithms("DPOP_ALGORITHMS", value)?,
            None => vec![SigningAlgorithm::ES256],
        };
        let replay_store = match self.replay_store.map(str::trim) {
            None => ReplayStoreSetting::Memory,
            Some(value) if value.eq_ignore_ascii_case("memory") => ReplayStoreSetting::Memory,
            Some(value) => {
                RedisReplayStore::new(value).map_err(|problem| ConfigError::new("DPOP_REPLAY_STORE", problem))?;
                ReplayStoreSetting::Redis(value.to_owned())
            }
        };
        Ok(DpopSettings {
            mode,
            algorithms,
            proof_window: seconds("DPOP_PROOF_SECONDS", self.proof_seconds, 300, 1)?,
            replay_store,
            public_url: self.public_url.map(public_url).transpose()?,
        })
    }
}

/// `PUBLIC_URL`: an http(s) URL with a host, no user, query or fragment.
fn public_url(value: &str) -> Result<Url, ConfigError> {
    let value = value.trim();
    let problem = || {
        ConfigError::new(
            "PUBLIC_URL",
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
