//! Typed settings, read once at start-up from flags, the environment and `.env`
//! (docs/configuration.md).
//!
//! Everything the rest of the program needs is parsed here into types (`Url`, `Duration`,
//! `Vec<String>`, [`SigningAlgorithm`]); no other module reads the environment. Each mistake is
//! reported as one [`ConfigError`] that names the variable. The module's parts:
//! [`mod@env`] reads `.env`, `vars` declares the server's variables, `authority` decides which
//! issuer, `parse` turns single values into types.

mod authority;
pub mod defaults;
mod dpop;
pub mod env;
mod parse;
mod vars;

use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

pub(crate) use authority::is_multi_tenant;
pub use authority::{Authority, AuthorityVars};
pub use dpop::{DpopSettings, ReplayStoreSetting};
pub(crate) use parse::{list, port_var};
pub use vars::command;

use crate::auth::SigningAlgorithm;
use parse::{algorithms, boolean, count, is_hostname, origin, seconds};
pub use vars::LocalVars;
use vars::ServerVars;

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

/// Settings of the embedded local issuer (used only in local mode).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalIssuerSettings {
    /// `LOCAL_ISSUER_PORT`, default 6061; 0 picks a free port. The issuer always binds 127.0.0.1.
    pub port: u16,
    /// `LOCAL_CLIENT_SECRET`, default `demo-client-secret`.
    pub client_secret: String,
    /// `LOCAL_ADMIN_SECRET`, default `demo-admin-secret`.
    pub admin_secret: String,
    /// `LOCAL_ISSUER_KEY_FILE`, default `.local-issuer-key.pem`: the signing key, kept across restarts.
    pub key_file: PathBuf,
}

/// Everything the server needs, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// `HOST`, default `127.0.0.1`.
    pub host: String,
    /// `PORT`, default 6060; 0 picks a free port.
    pub port: u16,
    /// `CLIENT_ORIGIN_URL`, default `http://localhost:4040`, normalised to an origin (no trailing `/`).
    pub client_origin: String,
    /// The issuer chosen by `AUTH0_DOMAIN`, `ISSUER_BASE_URL` or the Entra ID / B2C presets.
    pub authority: Authority,
    /// Accepted `aud` values (`AUTH0_AUDIENCE` or `AUDIENCE`; Entra presets and local mode have defaults).
    pub audiences: Vec<String>,
    /// Claims that carry permissions (`PERMISSIONS_CLAIM`, default `permissions`, Entra presets `roles`).
    pub permission_claims: Vec<String>,
    /// Tenants whose tokens are accepted from a `{tenantid}` issuer (`AZURE_ALLOWED_TENANTS`).
    pub allowed_tenants: Option<Vec<String>>,
    /// Accepted signature algorithms (`TOKEN_ALGORITHMS`, default `RS256`).
    pub algorithms: Vec<SigningAlgorithm>,
    /// Leeway for `exp`, `nbf` and `iat` (`CLOCK_SKEW_SECONDS`, default 5 s).
    pub clock_skew: Duration,
    /// How long fetched keys are fresh (`JWKS_CACHE_SECONDS`, default 600 s).
    pub jwks_fresh_for: Duration,
    /// Least time between two refreshes caused by unknown `kid`s (`JWKS_COOLDOWN_SECONDS`, default 30 s).
    pub jwks_cooldown: Duration,
    /// Least time between two attempts after a failed fetch (`JWKS_RETRY_SECONDS`, default 3 s).
    pub jwks_retry: Duration,
    /// How many verified tokens are remembered (`TOKEN_CACHE_SIZE`, default 10 000; 0 turns the cache off).
    pub token_cache_size: usize,
    /// Whether the browser demo is served at `client_origin` (`SERVE_DEMO`; default: on in local
    /// mode when the origin is a loopback `http` URL, off otherwise).
    pub serve_demo: bool,
    /// Time between the start of a graceful stop (readiness turns 503) and closing the listeners
    /// (`DRAIN_SECONDS`, default 0).
    pub drain: Duration,
    /// Whether `GET /metrics` is served and requests are counted (`METRICS`, default on).
    pub metrics: bool,
    /// DPoP: the mode, proof algorithms and window, replay store and `PUBLIC_URL` (docs/dpop.md).
    pub dpop: DpopSettings,
    /// The local issuer's settings (used only when `authority` is [`Authority::Local`]).
    pub local: LocalIssuerSettings,
    /// `RUST_LOG`, default `info`.
    pub log_filter: String,
}

/// The names of every variable the server reads (from [`command`]), e.g. `PORT`.
pub fn variable_names() -> Vec<String> {
    vars::names()
}

impl Settings {
    /// Checks the settings of a parsed [`command`] line: flags, else their variables.
    pub fn from_matches(command: &clap::Command, matches: &clap::ArgMatches) -> Result<Self, ConfigError> {
        Self::from_vars(vars::given(command, matches))
    }

    /// Checks settings given as `NAME -> value` pairs; names the server does not read are ignored.
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let names = variable_names();
        let vars = vars
            .into_iter()
            .map(|(key, value)| (key.into(), value.into()))
            .filter(|(key, value): &(String, String)| names.contains(key) && !value.trim().is_empty());
        let raw: ServerVars = envy::from_iter(vars).map_err(|err| ConfigError::new("environment", err.to_string()))?;
        raw.check()
    }
}

impl ServerVars {
    fn check(self) -> Result<Settings, ConfigError> {
        let host = self.host.as_deref().map(str::trim).unwrap_or("127.0.0.1").to_owned();
        if host.parse::<IpAddr>().is_err() && !is_hostname(&host) {
            return Err(ConfigError::new("HOST", format!("{host:?} is not an IP address or host name")));
        }
        let port = port_var("PORT", self.port.as_deref(), defaults::API_PORT)?;
        let client_origin = origin("CLIENT_ORIGIN_URL", self.client_origin_url.as_deref())?;

        let authority = self.authority.authority()?;
        let allowed_tenants = authority.allowed_tenants(self.azure_allowed_tenants.as_deref())?;
        let audiences = self.audiences(&authority)?;
        let permission_claims = match &self.permissions_claim {
            Some(value) => list("PERMISSIONS_CLAIM", value)?,
            None => vec![authority.default_permission_claim().to_owned()],
        };
        let algorithms = match &self.token_algorithms {
            Some(value) => algorithms("TOKEN_ALGORITHMS", value)?,
            None => vec![SigningAlgorithm::RS256],
        };
        let local = LocalIssuerSettings {
            port: port_var("LOCAL_ISSUER_PORT", self.local.local_issuer_port.as_deref(), defaults::LOCAL_ISSUER_PORT)?,
            client_secret: self.local.local_client_secret.unwrap_or_else(|| defaults::DEMO_CLIENT_SECRET.into()),
            admin_secret: self.local.local_admin_secret.unwrap_or_else(|| defaults::DEMO_ADMIN_SECRET.into()),
            key_file: self.local_issuer_key_file.map_or_else(|| ".local-issuer-key.pem".into(), PathBuf::from),
        };
        let serve_demo = serve_demo(self.serve_demo.as_deref(), &client_origin, &authority)?;
        let dpop = dpop::DpopVars {
            mode: self.dpop.as_deref(),
            algorithms: self.dpop_algorithms.as_deref(),
            proof_seconds: self.dpop_proof_seconds.as_deref(),
            replay_store: self.dpop_replay_store.as_deref(),
            public_url: self.public_url.as_deref(),
        }
        .check()?;

        Ok(Settings {
            host,
            port,
            client_origin,
            authority,
            audiences,
            permission_claims,
            allowed_tenants,
            algorithms,
            clock_skew: seconds("CLOCK_SKEW_SECONDS", self.clock_skew_seconds.as_deref(), 5, 0)?,
            jwks_fresh_for: seconds("JWKS_CACHE_SECONDS", self.jwks_cache_seconds.as_deref(), 600, 1)?,
            jwks_cooldown: seconds("JWKS_COOLDOWN_SECONDS", self.jwks_cooldown_seconds.as_deref(), 30, 0)?,
            jwks_retry: seconds("JWKS_RETRY_SECONDS", self.jwks_retry_seconds.as_deref(), 3, 1)?,
            token_cache_size: count("TOKEN_CACHE_SIZE", self.token_cache_size.as_deref(), 10_000)?,
            serve_demo,
            drain: seconds("DRAIN_SECONDS", self.drain_seconds.as_deref(), 0, 0)?,
            metrics: self.metrics.as_deref().map_or(Ok(true), |value| boolean("METRICS", value))?,
            dpop,
            local,
            log_filter: self.rust_log.unwrap_or_else(|| "info".into()),
        })
    }

    fn audiences(&self, authority: &Authority) -> Result<Vec<String>, ConfigError> {
        let configured = match (&self.auth0_audience, &self.audience) {
            (Some(a), Some(b)) if list("AUTH0_AUDIENCE", a)? != list("AUDIENCE", b)? => {
                return Err(ConfigError::new(
                    "AUTH0_AUDIENCE, AUDIENCE",
                    "both are set to different values; set only one",
                ));
            }
            (Some(value), _) => Some(list("AUTH0_AUDIENCE", value)?),
            (None, Some(value)) => Some(list("AUDIENCE", value)?),
            (None, None) => None,
        };
        match (configured, authority.default_audiences()) {
            (Some(audiences), _) => Ok(audiences),
            (None, _) if *authority == Authority::Local => Ok(vec![LOCAL_AUDIENCE.to_owned()]),
            (None, Some(defaults)) => Ok(defaults),
            (None, None) => Err(ConfigError::new(
                "AUTH0_AUDIENCE",
                "is required when an issuer is configured (the API identifier, e.g. https://hello-world.example.com); AUDIENCE works too",
            )),
        }
    }
}

/// `SERVE_DEMO`: only at a loopback `http` origin; by default in local mode when possible.
fn serve_demo(value: Option<&str>, client_origin: &str, authority: &Authority) -> Result<bool, ConfigError> {
    let servable = Url::parse(client_origin).is_ok_and(|url| url.scheme() == "http" && crate::urls::is_loopback(&url));
    match value {
        Some(value) if boolean("SERVE_DEMO", value)? && !servable => Err(ConfigError::new(
            "SERVE_DEMO",
            format!("the demo is served only at a loopback http CLIENT_ORIGIN_URL, not {client_origin}"),
        )),
        Some(value) => boolean("SERVE_DEMO", value),
        None => Ok(*authority == Authority::Local && servable),
    }
}

#[cfg(test)]
mod tests;
