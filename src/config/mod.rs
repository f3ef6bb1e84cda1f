//! Typed settings, read once at start-up from flags, the environment and `.env`
//! (docs/configuration.md).
//!
//! Everything the rest of the program needs is parsed here into types (`Url`, `Duration`,
//! `Vec<String>`, [`crate::auth::SigningAlgorithm`]); no other module reads the environment. Each mistake is
//! reported as one [`ConfigError`] that names the variable. The module's parts:
//! [`mod@env`] reads `.env`, `declare` says what a setting is, `vars` declares each one (and
//! `dpop` the DPoP ones), `authority` decides which issuer, `parse` turns single values into types.

mod authority;
mod declare;
pub mod defaults;
mod dpop;
pub mod env;
mod parse;
pub(crate) mod vars;

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub(crate) use authority::is_multi_tenant;
pub(crate) use authority::{Authority, AuthorityVars};
pub(crate) use dpop::DpopSettings;
pub(crate) use parse::list;
pub(crate) use vars::LocalVars;
pub use vars::command;

use crate::auth::{RefreshPolicy, TokenPolicy};
use declare::Found;
use vars::*;

pub use defaults::LOCAL_AUDIENCE;

/// A configuration mistake: the variable and what is wrong with it, printed as one line.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The variable (or variables) at fault, e.g. `PORT`.
    pub variable: String,
    /// What is wrong, e.g. `"abc" is not a port number (0-65535)`.
    pub problem: String,
}

impl ConfigError {
    /// A mistake in `variable`.
    pub fn new(variable: impl Into<String>, problem: impl Into<String>) -> Self {
        Self { variable: variable.into(), problem: problem.into() }
    }
}

/// Where the API listens, and the browser origin it answers (CORS) and the demo is served at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListenSettings {
    /// `HOST`: an IP address or host name.
    pub host: String,
    /// `PORT`; 0 picks a free port.
    pub port: u16,
    /// `CLIENT_ORIGIN_URL`, normalised to an origin (no trailing `/`).
    pub client_origin: String,
}

/// What the validator needs: the token rules and the size of its cache of verified tokens.
#[derive(Clone, Debug)]
pub struct TokenSettings {
    /// Audiences, algorithms, leeway, permission claims and tenants (docs/configuration.md).
    pub policy: TokenPolicy,
    /// `TOKEN_CACHE_SIZE`; 0 turns the cache off.
    pub cache_size: usize,
}

/// Settings of the embedded local issuer (used only in local mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalIssuerSettings {
    /// `LOCAL_ISSUER_PORT`; 0 picks a free port. The issuer always binds 127.0.0.1.
    pub port: u16,
    /// `LOCAL_CLIENT_SECRET`.
    pub client_secret: String,
    /// `LOCAL_ADMIN_SECRET`.
    pub admin_secret: String,
    /// `LOCAL_ISSUER_KEY_FILE`: the signing key, kept across restarts.
    pub key_file: PathBuf,
}

/// What the API serves beside the messages, and how it stops (docs/operations.md).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationsSettings {
    /// `DRAIN_SECONDS`: time between the start of a graceful stop (readiness turns 503) and
    /// closing the listeners.
    pub drain: Duration,
    /// `METRICS`: whether `GET /metrics` is served and requests are counted.
    pub metrics: bool,
    /// `RUST_LOG`: the log filter.
    pub log_filter: String,
}

/// Everything the server needs, validated, grouped by the part that uses it. Each default is
/// the one declared in `vars` (src/config/vars.rs).
#[derive(Clone, Debug)]
pub struct Settings {
    /// The API's address and the browser origin.
    pub listen: ListenSettings,
    /// The issuer chosen by `AUTH0_DOMAIN`, `ISSUER_BASE_URL` or the Entra ID / B2C presets.
    pub authority: Authority,
    /// The validator's rules and cache.
    pub tokens: TokenSettings,
    /// The key-set cache: `JWKS_CACHE_SECONDS`, `JWKS_COOLDOWN_SECONDS`, `JWKS_RETRY_SECONDS`.
    pub key_set: RefreshPolicy,
    /// DPoP: the mode, proof algorithms and window, replay store and `PUBLIC_URL` (docs/dpop.md).
    pub dpop: DpopSettings,
    /// The local issuer's settings (used only when `authority` is `Authority::Local`).
    pub local: LocalIssuerSettings,
    /// `SERVE_DEMO`: whether the browser demo is served at the client origin (by default in
    /// local mode when the origin is a loopback `http` URL).
    pub serve_demo: bool,
    /// Draining, metrics and logging.
    pub operations: OperationsSettings,
}

/// The names of every variable the server reads, e.g. `PORT`.
pub fn variable_names() -> Vec<&'static str> {
    vars::names()
}

impl Settings {
    /// Checks the settings of a parsed [`command`] line: flags, else their variables.
    pub fn from_matches(matches: &clap::ArgMatches) -> Result<Self, ConfigError> {
        Self::check(&Found::from_matches(&vars::server(), matches))
    }

    /// Checks settings given as `NAME -> value` pairs; names the server does not read are ignored.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let pairs = vars.into_iter().map(|(key, value)| (key.into(), value.into()));
        Self::check(&Found::from_pairs(&vars::server(), pairs))
    }

    // The checks run in the order they always have, so that of two mistakes the same one is reported.
    fn check(found: &Found) -> Result<Self, ConfigError> {
        let listen = ListenSettings {
            host: found.value(&HOST)?,
            port: found.value(&PORT)?,
            client_origin: found.value(&CLIENT_ORIGIN_URL)?,
        };
        let authority = AuthorityVars::from_found(found).authority()?;
        let allowed_tenants = authority.allowed_tenants(found.raw(&AZURE_ALLOWED_TENANTS.about))?;
        let audiences = audiences(found, &authority)?;
        let permission_claims = match found.get(&PERMISSIONS_CLAIM)? {
            Some(claims) => claims,
            None => vec![authority.default_permission_claim().to_owned()],
        };
        let algorithms = found.value(&TOKEN_ALGORITHMS)?;
        let local = LocalIssuerSettings {
            port: found.value(&LOCAL_ISSUER_PORT)?,
            client_secret: found.value(&LOCAL_CLIENT_SECRET)?,
            admin_secret: found.value(&LOCAL_ADMIN_SECRET)?,
            key_file: found.value(&LOCAL_ISSUER_KEY_FILE)?,
        };
        let serve_demo = serve_demo(found.get(&SERVE_DEMO)?, &listen.client_origin, &authority)?;
        let dpop = DpopSettings::from_found(found)?;
        let leeway = found.value(&CLOCK_SKEW_SECONDS)?;
        let key_set = RefreshPolicy {
            fresh_for: found.value(&JWKS_CACHE_SECONDS)?,
            cooldown: found.value(&JWKS_COOLDOWN_SECONDS)?,
            retry: found.value(&JWKS_RETRY_SECONDS)?,
        };
        let policy = TokenPolicy { audiences, algorithms, leeway, permission_claims, allowed_tenants };
        Ok(Settings {
            listen,
            authority,
            tokens: TokenSettings { policy, cache_size: found.value(&TOKEN_CACHE_SIZE)? },
            key_set,
            dpop,
            local,
            serve_demo,
            operations: OperationsSettings {
                drain: found.value(&DRAIN_SECONDS)?,
                metrics: found.value(&METRICS)?,
                log_filter: found.value(&RUST_LOG)?,
            },
        })
    }
}

/// `AUTH0_AUDIENCE` or `AUDIENCE` (the same list if both), else the authority's default.
fn audiences(found: &Found, authority: &Authority) -> Result<Vec<String>, ConfigError> {
    let configured = match (found.get(&AUTH0_AUDIENCE)?, found.get(&AUDIENCE)?) {
        (Some(a), Some(b)) if a != b => {
            return Err(ConfigError::new("AUTH0_AUDIENCE, AUDIENCE", "both are set to different values; set only one"));
        }
        (Some(audiences), _) | (None, Some(audiences)) => Some(audiences),
        (None, None) => None,
    };
    match (configured, authority.default_audiences()) {
        (Some(audiences), _) => Ok(audiences),
        (None, _) if *authority == Authority::Local => Ok(vec![LOCAL_AUDIENCE.to_owned()]),
        (None, Some(defaults)) => Ok(defaults),
        (None, None) => Err(ConfigError::new(
            AUTH0_AUDIENCE.variable(),
            "is required when an issuer is configured (the API identifier, e.g. https://hello-world.example.com); AUDIENCE works too",
        )),
    }
}

/// `SERVE_DEMO`: only at a loopback `http` origin; by default in local mode when possible.
fn serve_demo(value: Option<bool>, client_origin: &str, authority: &Authority) -> Result<bool, ConfigError> {
    let servable = Url::parse(client_origin).is_ok_and(|url| url.scheme() == "http" && crate::urls::is_loopback(&url));
    match value {
        Some(true) if !servable => Err(ConfigError::new(
            SERVE_DEMO.variable(),
            format!("the demo is served only at a loopback http CLIENT_ORIGIN_URL, not {client_origin}"),
        )),
        Some(serve) => Ok(serve),
        None => Ok(*authority == Authority::Local && servable),
    }
}

#[cfg(test)]
mod tests;
