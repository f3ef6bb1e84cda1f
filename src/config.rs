//! Typed settings, read once at start-up from the environment and `.env`.
//!
//! Everything the rest of the program needs is parsed here into types (`Url`, `Duration`,
//! `Vec<String>`, [`SigningAlgorithm`]); no other module reads the environment. Each mistake is
//! reported as one [`ConfigError`] that names the variable.

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;
use url::Url;

use crate::auth::SigningAlgorithm;

/// The audience that local mode accepts and mints tokens for, unless `AUDIENCE` says otherwise.
pub const LOCAL_AUDIENCE: &str = "https://hello-world.example.com";

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

/// Where the server gets its expected issuer and signing keys from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssuerSource {
    /// No issuer configured: start the embedded local issuer and trust it (through discovery).
    Local,
    /// Auth0: issuer `https://{domain}/`, keys at `https://{domain}/.well-known/jwks.json`.
    Fixed {
        /// The exact `iss` value tokens must carry.
        issuer: String,
        /// Where the key set is published.
        jwks_uri: Url,
    },
    /// Any OpenID provider: the metadata document names the issuer and the key-set URL.
    Discovery {
        /// `{base}/.well-known/openid-configuration`.
        metadata_url: Url,
    },
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
    /// The issuer source chosen by `AUTH0_DOMAIN`, `ISSUER_BASE_URL` or the Entra ID / B2C presets.
    pub issuer: IssuerSource,
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
    /// The local issuer's settings (used only when `issuer` is [`IssuerSource::Local`]).
    pub local: LocalIssuerSettings,
    /// `RUST_LOG`, default `info`.
    pub log_filter: String,
}

/// The variables as found, before any checking. Empty values count as unset.
#[derive(Debug, Default, Deserialize)]
struct Raw {
    host: Option<String>,
    port: Option<String>,
    client_origin_url: Option<String>,
    #[serde(flatten)]
    authority: AuthorityVars,
    auth0_audience: Option<String>,
    audience: Option<String>,
    azure_allowed_tenants: Option<String>,
    permissions_claim: Option<String>,
    token_algorithms: Option<String>,
    clock_skew_seconds: Option<String>,
    jwks_cache_seconds: Option<String>,
    jwks_cooldown_seconds: Option<String>,
    jwks_retry_seconds: Option<String>,
    token_cache_size: Option<String>,
    serve_demo: Option<String>,
    local_issuer_port: Option<String>,
    local_client_secret: Option<String>,
    local_admin_secret: Option<String>,
    local_issuer_key_file: Option<String>,
    rust_log: Option<String>,
}

/// Reads the process environment, with `./.env` filling in what the environment does not set.
///
/// The `.env` file is read without changing the process environment.
pub fn load_vars() -> Result<HashMap<String, String>, ConfigError> {
    let mut vars = HashMap::new();
    match dotenvy::from_path_iter(".env") {
        Ok(entries) => {
            for entry in entries {
                let (key, value) = entry.map_err(|err| ConfigError::new(".env", dotenv_problem(&err)))?;
                vars.insert(key, value);
            }
        }
        Err(err) if err.not_found() => {}
        Err(err) => return Err(ConfigError::new(".env", dotenv_problem(&err))),
    }
    // An empty variable counts as unset, so `.env` still fills it in.
    for (key, value) in std::env::vars_os() {
        if let (Some(key), value) = (key.to_str(), value.to_string_lossy())
            && !value.trim().is_empty()
        {
            vars.insert(key.to_owned(), value.into_owned());
        }
    }
    Ok(vars)
}

pub(crate) fn dotenv_problem(err: &dotenvy::Error) -> String {
    match err {
        dotenvy::Error::LineParse(_, index) => format!("cannot parse the line at byte {index}"),
        dotenvy::Error::Io(io) => format!("cannot be read: {io}"),
        other => other.to_string(),
    }
}

/// The names of every variable this server reads (for `envy`, which is case-insensitive).
fn relevant(key: &str) -> bool {
    const PREFIXES: [&str; 4] = ["AUTH0_", "AZURE_", "JWKS_", "LOCAL_"];
    const NAMES: [&str; 12] = [
        "HOST",
        "PORT",
        "CLIENT_ORIGIN_URL",
        "ISSUER_BASE_URL",
        "AUDIENCE",
        "PERMISSIONS_CLAIM",
        "TOKEN_ALGORITHMS",
        "CLOCK_SKEW_SECONDS",
        "TOKEN_CACHE_SIZE",
        "SERVE_DEMO",
        "RUST_LOG",
        "JWKS_RETRY_SECONDS",
    ];
    NAMES.contains(&key) || PREFIXES.iter().any(|prefix| key.starts_with(prefix))
}

impl Settings {
    /// Reads and checks the settings from the environment and `./.env`.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_vars(load_vars()?)
    }

    /// Checks settings given as `NAME -> value` pairs (what [`Settings::from_env`] reads).
    pub fn from_vars<I, K, V>(vars: I) -> Result<Self, ConfigError>
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        let vars = vars
            .into_iter()
            .map(|(key, value)| (key.into(), value.into()))
            .filter(|(key, value): &(String, String)| relevant(key) && !value.trim().is_empty());
        let raw: Raw = envy::from_iter(vars).map_err(|err| ConfigError::new("environment", err.to_string()))?;
        raw.check()
    }

    /// Whether the embedded local issuer is in use.
    pub fn is_local(&self) -> bool {
        self.issuer == IssuerSource::Local
    }
}

impl Raw {
    fn check(self) -> Result<Settings, ConfigError> {
        let host = self.host.as_deref().map(str::trim).unwrap_or("127.0.0.1").to_owned();
        if host.parse::<IpAddr>().is_err() && !is_hostname(&host) {
            return Err(ConfigError::new("HOST", format!("{host:?} is not an IP address or host name")));
        }
        let port = port_var("PORT", self.port.as_deref(), 6060)?;
        let client_origin = origin("CLIENT_ORIGIN_URL", self.client_origin_url.as_deref())?;

        let preset = self.issuer_preset()?;
        let issuer = preset.as_ref().map_or(IssuerSource::Local, |preset| preset.source.clone());
        let audiences = self.audiences(preset.as_ref())?;
        let permission_claims = match &self.permissions_claim {
            Some(value) => list("PERMISSIONS_CLAIM", value)?,
            None => vec![preset.as_ref().map_or("permissions", |preset| preset.permission_claim).to_owned()],
        };
        let algorithms = match &self.token_algorithms {
            Some(value) => algorithms(value)?,
            None => vec![SigningAlgorithm::RS256],
        };
        let allowed_tenants = preset.and_then(|preset| preset.allowed_tenants);

        let local = LocalIssuerSettings {
            port: port_var("LOCAL_ISSUER_PORT", self.local_issuer_port.as_deref(), 6061)?,
            client_secret: self.local_client_secret.unwrap_or_else(|| "demo-client-secret".into()),
            admin_secret: self.local_admin_secret.unwrap_or_else(|| "demo-admin-secret".into()),
            key_file: self.local_issuer_key_file.map_or_else(|| ".local-issuer-key.pem".into(), PathBuf::from),
        };
        let servable = Url::parse(&client_origin).is_ok_and(|url| url.scheme() == "http" && is_loopback(&url));
        let serve_demo = match self.serve_demo.as_deref() {
            Some(value) if boolean("SERVE_DEMO", value)? && !servable => {
                return Err(ConfigError::new(
                    "SERVE_DEMO",
                    format!("the demo is served only at a loopback http CLIENT_ORIGIN_URL, not {client_origin}"),
                ));
            }
            Some(value) => boolean("SERVE_DEMO", value)?,
            None => issuer == IssuerSource::Local && servable,
        };

        Ok(Settings {
            host,
            port,
            client_origin,
            issuer,
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
            local,
            log_filter: self.rust_log.unwrap_or_else(|| "info".into()),
        })
    }

    /// The one issuer source, or `None` for local mode; two sources at once is a mistake.
    fn issuer_preset(&self) -> Result<Option<Preset>, ConfigError> {
        let authority = self.authority.authority()?;
        let multi_tenant = matches!(&authority, Authority::Entra { tenant, .. } if is_multi_tenant(tenant));
        let tenants_apply = matches!(authority, Authority::OpenId { .. }) || multi_tenant;
        let allowed_tenants = match (&self.azure_allowed_tenants, &authority) {
            (Some(value), _) if tenants_apply => Some(list("AZURE_ALLOWED_TENANTS", value)?),
            (Some(_), Authority::Entra { tenant, .. }) => {
                return Err(ConfigError::new(
                    "AZURE_ALLOWED_TENANTS",
                    format!("applies only when AZURE_TENANT_ID is common or organizations, not {tenant}"),
                ));
            }
            (Some(_), _) => {
                return Err(ConfigError::new(
                    "AZURE_ALLOWED_TENANTS",
                    "applies only with AZURE_TENANT_ID=common or organizations, or with ISSUER_BASE_URL",
                ));
            }
            (None, Authority::Entra { tenant, .. }) if multi_tenant => {
                return Err(ConfigError::new(
                    "AZURE_ALLOWED_TENANTS",
                    format!("is required when AZURE_TENANT_ID is {tenant} (list the tenant ids to accept)"),
                ));
            }
            (None, _) => None,
        };
        let preset = match authority {
            Authority::Local => return Ok(None),
            Authority::Auth0 { base } => {
                let issuer = format!("{}/", base.as_str().trim_end_matches('/'));
                let jwks_uri = join(&base, ".well-known/jwks.json");
                Preset::generic(IssuerSource::Fixed { issuer, jwks_uri })
            }
            Authority::OpenId { base } => {
                Preset::generic(IssuerSource::Discovery { metadata_url: metadata_url(&base) })
            }
            Authority::Entra { host, tenant, app } => Preset {
                source: IssuerSource::Discovery {
                    metadata_url: join(&host, &format!("{tenant}/v2.0/.well-known/openid-configuration")),
                },
                audiences: Some(vec![format!("api://{app}"), app]),
                permission_claim: "roles",
                allowed_tenants: None,
            },
            Authority::B2c { host, name, policy, app } => Preset {
                source: IssuerSource::Discovery {
                    metadata_url: join(
                        &host,
                        &format!("{name}.onmicrosoft.com/{policy}/v2.0/.well-known/openid-configuration"),
                    ),
                },
                audiences: Some(vec![app]),
                permission_claim: "roles",
                allowed_tenants: None,
            },
        };
        Ok(Some(Preset { allowed_tenants, ..preset }))
    }

    fn audiences(&self, preset: Option<&Preset>) -> Result<Vec<String>, ConfigError> {
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
        match (configured, preset) {
            (Some(audiences), _) => Ok(audiences),
            (None, None) => Ok(vec![LOCAL_AUDIENCE.to_owned()]),
            (None, Some(Preset { audiences: Some(defaults), .. })) => Ok(defaults.clone()),
            (None, Some(_)) => Err(ConfigError::new(
                "AUTH0_AUDIENCE",
                "is required when an issuer is configured (the API identifier, e.g. https://hello-world.example.com); AUDIENCE works too",
            )),
        }
    }
}

/// What an issuer source implies beyond where its keys are.
struct Preset {
    source: IssuerSource,
    audiences: Option<Vec<String>>,
    permission_claim: &'static str,
    allowed_tenants: Option<Vec<String>>,
}

impl Preset {
    fn generic(source: IssuerSource) -> Self {
        Self { source, audiences: None, permission_claim: "permissions", allowed_tenants: None }
    }
}

/// Who issues the tokens, as the issuer variables name it. The server and `hello-client` both
/// start from this, so they always agree on the issuer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Authority {
    /// Nothing configured: the embedded local issuer.
    Local,
    /// `AUTH0_DOMAIN`: `https://{domain}`.
    Auth0 {
        /// The tenant's base URL.
        base: Url,
    },
    /// `ISSUER_BASE_URL`: any OpenID provider.
    OpenId {
        /// The issuer URL (or its metadata URL) as configured.
        base: Url,
    },
    /// Microsoft Entra ID: `{host}/{tenant}/v2.0`.
    Entra {
        /// `AZURE_AUTHORITY_HOST`, default `https://login.microsoftonline.com`.
        host: Url,
        /// `AZURE_TENANT_ID`: a tenant id, `common` or `organizations`.
        tenant: String,
        /// `AZURE_APP_CLIENT_ID`: the API's application (client) id.
        app: String,
    },
    /// Azure AD B2C: `{host}/{name}.onmicrosoft.com/{policy}/v2.0`.
    B2c {
        /// `AZURE_B2C_AUTHORITY_HOST`, default `https://{name}.b2clogin.com`.
        host: Url,
        /// `AZURE_B2C_TENANT_NAME`.
        name: String,
        /// `AZURE_B2C_POLICY`, the user flow, e.g. `B2C_1_signupsignin`.
        policy: String,
        /// `AZURE_APP_CLIENT_ID`: the API's application (client) id.
        app: String,
    },
}

/// The issuer variables as found (`None` = unset).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct AuthorityVars {
    /// `AUTH0_DOMAIN`.
    pub auth0_domain: Option<String>,
    /// `ISSUER_BASE_URL`.
    pub issuer_base_url: Option<String>,
    /// `AZURE_TENANT_ID`.
    pub azure_tenant_id: Option<String>,
    /// `AZURE_APP_CLIENT_ID`.
    pub azure_app_client_id: Option<String>,
    /// `AZURE_AUTHORITY_HOST`.
    pub azure_authority_host: Option<String>,
    /// `AZURE_B2C_TENANT_NAME`.
    pub azure_b2c_tenant_name: Option<String>,
    /// `AZURE_B2C_POLICY`.
    pub azure_b2c_policy: Option<String>,
    /// `AZURE_B2C_AUTHORITY_HOST`.
    pub azure_b2c_authority_host: Option<String>,
}

impl AuthorityVars {
    /// The one authority these variables name; two at once is a mistake naming both.
    pub fn authority(&self) -> Result<Authority, ConfigError> {
        let entra = self.azure_tenant_id.is_some();
        let b2c = self.azure_b2c_tenant_name.is_some() || self.azure_b2c_policy.is_some();
        let chosen: Vec<&str> = [
            (self.auth0_domain.is_some(), "AUTH0_DOMAIN"),
            (self.issuer_base_url.is_some(), "ISSUER_BASE_URL"),
            (entra, "AZURE_TENANT_ID"),
            (b2c, "AZURE_B2C_TENANT_NAME"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
        if chosen.len() > 1 {
            return Err(ConfigError::new(
                chosen.join(", "),
                format!("only one issuer may be configured, but {} are set", chosen.join(" and ")),
            ));
        }
        if let Some(domain) = &self.auth0_domain {
            return Ok(Authority::Auth0 { base: issuer_url("AUTH0_DOMAIN", domain)? });
        }
        if let Some(url) = &self.issuer_base_url {
            return Ok(Authority::OpenId { base: issuer_url("ISSUER_BASE_URL", url)? });
        }
        if let Some(tenant) = &self.azure_tenant_id {
            let tenant = segment("AZURE_TENANT_ID", tenant)?.to_owned();
            let app = self.app_client_id("AZURE_TENANT_ID")?;
            let host = self.azure_authority_host.as_deref().unwrap_or("https://login.microsoftonline.com");
            return Ok(Authority::Entra { host: issuer_url("AZURE_AUTHORITY_HOST", host)?, tenant, app });
        }
        if b2c {
            let name = segment("AZURE_B2C_TENANT_NAME", self.azure_b2c_tenant_name.as_deref().unwrap_or_default())?;
            let policy = segment("AZURE_B2C_POLICY", self.azure_b2c_policy.as_deref().unwrap_or_default())?;
            let app = self.app_client_id("AZURE_B2C_TENANT_NAME")?;
            let host = match &self.azure_b2c_authority_host {
                Some(host) => issuer_url("AZURE_B2C_AUTHORITY_HOST", host)?,
                None => issuer_url("AZURE_B2C_TENANT_NAME", &format!("https://{name}.b2clogin.com"))?,
            };
            return Ok(Authority::B2c { host, name: name.to_owned(), policy: policy.to_owned(), app });
        }
        Ok(Authority::Local)
    }

    fn app_client_id(&self, preset: &str) -> Result<String, ConfigError> {
        match &self.azure_app_client_id {
            Some(app) => Ok(segment("AZURE_APP_CLIENT_ID", app)?.to_owned()),
            None => Err(ConfigError::new("AZURE_APP_CLIENT_ID", format!("is required with {preset}"))),
        }
    }
}

/// Whether an Entra ID tenant value stands for many tenants (`common`, `organizations`).
pub fn is_multi_tenant(tenant: &str) -> bool {
    matches!(tenant.to_ascii_lowercase().as_str(), "common" | "organizations")
}

/// Whether `url`'s host is a loopback host: `localhost`, `127.0.0.0/8` or `[::1]`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The transport rule for every issuer, key-set and token-endpoint URL:
/// `https`, or `http` on a loopback host only.
pub fn check_transport(url: &Url) -> Result<(), String> {
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => {
            Err(format!("{url} must use https (plain http is allowed only for localhost, 127.0.0.0/8 and [::1])"))
        }
        _ => Err(format!("{url} is not an https URL")),
    }
}

/// Parses an issuer URL or bare domain (which means `https://`), applying [`check_transport`].
pub fn issuer_url(variable: &str, value: &str) -> Result<Url, ConfigError> {
    let value = value.trim();
    let with_scheme = if value.contains("://") { value.to_owned() } else { format!("https://{value}") };
    let url = Url::parse(&with_scheme)
        .map_err(|err| ConfigError::new(variable, format!("{value:?} is not a valid URL or domain ({err})")))?;
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(variable, format!("{value:?} must not carry credentials, a query or a fragment")));
    }
    check_transport(&url).map_err(|problem| ConfigError::new(variable, problem))?;
    Ok(url)
}

/// `{base}/.well-known/openid-configuration`, unless `base` already ends so.
pub fn metadata_url(base: &Url) -> Url {
    const WELL_KNOWN: &str = ".well-known/openid-configuration";
    if base.path().trim_end_matches('/').ends_with(WELL_KNOWN) { base.clone() } else { join(base, WELL_KNOWN) }
}

/// Appends `path` to `base`'s path, with exactly one `/` between them.
pub fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url
}

fn origin(variable: &str, value: Option<&str>) -> Result<String, ConfigError> {
    let value = value.map(str::trim).unwrap_or("http://localhost:4040");
    let url = Url::parse(value).map_err(|err| ConfigError::new(variable, format!("{value:?} is not a URL ({err})")))?;
    let is_origin = matches!(url.scheme(), "http" | "https")
        && url.host().is_some()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        && url.username().is_empty();
    if !is_origin {
        return Err(ConfigError::new(
            variable,
            format!("{value:?} is not an origin (scheme, host and optional port, e.g. http://localhost:4040)"),
        ));
    }
    Ok(url.origin().ascii_serialization())
}

fn is_hostname(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 253
        && value.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

pub(crate) fn port_var(variable: &str, value: Option<&str>, default: u16) -> Result<u16, ConfigError> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(value) => {
            value.parse().map_err(|_| ConfigError::new(variable, format!("{value:?} is not a port number (0-65535)")))
        }
    }
}

fn seconds(variable: &str, value: Option<&str>, default: u64, least: u64) -> Result<Duration, ConfigError> {
    let Some(value) = value.map(str::trim) else {
        return Ok(Duration::from_secs(default));
    };
    match value.parse::<u64>() {
        Ok(secs) if secs >= least && secs <= 31_536_000 => Ok(Duration::from_secs(secs)),
        _ => Err(ConfigError::new(
            variable,
            format!("{value:?} is not a whole number of seconds from {least} to 31536000"),
        )),
    }
}

fn count(variable: &str, value: Option<&str>, default: usize) -> Result<usize, ConfigError> {
    match value.map(str::trim) {
        None => Ok(default),
        Some(value) => {
            value.parse::<usize>().ok().filter(|&n| n <= 10_000_000).ok_or_else(|| {
                ConfigError::new(variable, format!("{value:?} is not a whole number from 0 to 10000000"))
            })
        }
    }
}

fn boolean(variable: &str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::new(variable, format!("{value:?} is not true or false"))),
    }
}

/// A comma-separated list of non-empty items.
pub(crate) fn list(variable: &str, value: &str) -> Result<Vec<String>, ConfigError> {
    let items: Vec<String> = value.split(',').map(|item| item.trim().to_owned()).collect();
    if items.iter().any(String::is_empty) {
        return Err(ConfigError::new(variable, format!("{value:?} has an empty item (use a comma-separated list)")));
    }
    Ok(items)
}

/// One path segment of an authority URL: no `/`, `?`, `#` or spaces.
pub(crate) fn segment<'a>(variable: &str, value: &'a str) -> Result<&'a str, ConfigError> {
    let value = value.trim();
    if value.is_empty() || value.chars().any(|c| matches!(c, '/' | '?' | '#' | '%') || c.is_whitespace()) {
        return Err(ConfigError::new(variable, format!("{value:?} is not a valid identifier")));
    }
    Ok(value)
}

fn algorithms(value: &str) -> Result<Vec<SigningAlgorithm>, ConfigError> {
    let mut accepted = Vec::new();
    for name in list("TOKEN_ALGORITHMS", value)? {
        let algorithm = SigningAlgorithm::from_name_ignore_case(&name).ok_or_else(|| {
            let why = if name.to_ascii_uppercase().starts_with("HS") || name.eq_ignore_ascii_case("none") {
                "is not asymmetric and can never be accepted"
            } else {
                "is not supported"
            };
            ConfigError::new(
                "TOKEN_ALGORITHMS",
                format!("{name:?} {why}; use RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384 or EdDSA"),
            )
        })?;
        if !accepted.contains(&algorithm) {
            accepted.push(algorithm);
        }
    }
    Ok(accepted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn no_configuration_means_local_mode_with_the_documented_defaults() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.issuer, IssuerSource::Local);
        assert_eq!((s.host.as_str(), s.port), ("127.0.0.1", 6060));
        assert_eq!(s.client_origin, "http://localhost:4040");
        assert_eq!(s.audiences, [LOCAL_AUDIENCE]);
        assert_eq!(s.permission_claims, ["permissions"]);
        assert_eq!(s.algorithms, [SigningAlgorithm::RS256]);
        assert_eq!(s.clock_skew, Duration::from_secs(5));
        assert_eq!(s.jwks_fresh_for, Duration::from_secs(600));
        assert_eq!(s.jwks_cooldown, Duration::from_secs(30));
        assert_eq!(s.local.port, 6061);
        assert!(s.serve_demo);
    }

    #[test]
    fn an_auth0_domain_means_https_issuer_and_key_url() {
        let s = settings(&[("AUTH0_DOMAIN", "tenant.eu.auth0.com"), ("AUTH0_AUDIENCE", "https://api")]).unwrap();
        assert_eq!(
            s.issuer,
            IssuerSource::Fixed {
                issuer: "https://tenant.eu.auth0.com/".into(),
                jwks_uri: Url::parse("https://tenant.eu.auth0.com/.well-known/jwks.json").unwrap(),
            }
        );
        assert!(!s.serve_demo);
    }

    #[test]
    fn issuer_base_url_gets_the_discovery_path_once() {
        for base in [
            "https://id.example.com/realm",
            "https://id.example.com/realm/",
            "https://id.example.com/realm/.well-known/openid-configuration",
        ] {
            let s = settings(&[("ISSUER_BASE_URL", base), ("AUDIENCE", "a")]).unwrap();
            let expected = Url::parse("https://id.example.com/realm/.well-known/openid-configuration").unwrap();
            assert_eq!(s.issuer, IssuerSource::Discovery { metadata_url: expected }, "{base}");
        }
    }

    #[test]
    fn plain_http_is_allowed_only_on_loopback() {
        for ok in ["http://localhost:1/", "http://127.0.0.9:8080", "http://[::1]:9"] {
            assert!(settings(&[("ISSUER_BASE_URL", ok), ("AUDIENCE", "a")]).is_ok(), "{ok}");
        }
        for bad in ["http://example.com", "http://10.0.0.1", "http://localhost.example.com", "ftp://localhost"] {
            let err = settings(&[("ISSUER_BASE_URL", bad), ("AUDIENCE", "a")]).unwrap_err();
            assert_eq!(err.variable, "ISSUER_BASE_URL", "{bad}");
        }
    }

    #[test]
    fn each_mistake_names_its_variable() {
        let cases: &[(&[(&str, &str)], &str)] = &[
            (&[("PORT", "http")], "PORT"),
            (&[("PORT", "70000")], "PORT"),
            (&[("HOST", "not a host")], "HOST"),
            (&[("CLIENT_ORIGIN_URL", "localhost:4040/app")], "CLIENT_ORIGIN_URL"),
            (&[("CLIENT_ORIGIN_URL", "http://localhost:4040/app")], "CLIENT_ORIGIN_URL"),
            (&[("AUTH0_DOMAIN", "tenant.auth0.com")], "AUTH0_AUDIENCE"),
            (
                &[("AUTH0_DOMAIN", "a.com"), ("ISSUER_BASE_URL", "https://b.com"), ("AUDIENCE", "x")],
                "AUTH0_DOMAIN, ISSUER_BASE_URL",
            ),
            (&[("TOKEN_ALGORITHMS", "RS256,HS256")], "TOKEN_ALGORITHMS"),
            (&[("TOKEN_ALGORITHMS", "none")], "TOKEN_ALGORITHMS"),
            (&[("TOKEN_ALGORITHMS", "RS256,,ES256")], "TOKEN_ALGORITHMS"),
            (&[("CLOCK_SKEW_SECONDS", "-1")], "CLOCK_SKEW_SECONDS"),
            (&[("JWKS_CACHE_SECONDS", "0")], "JWKS_CACHE_SECONDS"),
            (&[("JWKS_COOLDOWN_SECONDS", "soon")], "JWKS_COOLDOWN_SECONDS"),
            (&[("AUDIENCE", "a"), ("AUTH0_AUDIENCE", "b")], "AUTH0_AUDIENCE, AUDIENCE"),
            (&[("AZURE_TENANT_ID", "common"), ("AZURE_APP_CLIENT_ID", "app")], "AZURE_ALLOWED_TENANTS"),
            (&[("AZURE_TENANT_ID", "t")], "AZURE_APP_CLIENT_ID"),
            (
                &[("AZURE_TENANT_ID", "t"), ("AZURE_APP_CLIENT_ID", "a"), ("AUTH0_DOMAIN", "x.com")],
                "AUTH0_DOMAIN, AZURE_TENANT_ID",
            ),
            (&[("LOCAL_ISSUER_PORT", "x")], "LOCAL_ISSUER_PORT"),
            (&[("SERVE_DEMO", "maybe")], "SERVE_DEMO"),
            (&[("SERVE_DEMO", "true"), ("CLIENT_ORIGIN_URL", "https://app.example.com")], "SERVE_DEMO"),
        ];
        for (vars, variable) in cases {
            let err = settings(vars).expect_err(&format!("{vars:?} should be refused"));
            assert_eq!(&err.variable, variable, "{vars:?}: {err}");
        }
    }

    #[test]
    fn empty_values_count_as_unset() {
        let s = settings(&[("AUTH0_DOMAIN", ""), ("PORT", " "), ("AUDIENCE", "")]).unwrap();
        assert_eq!((s.issuer, s.port), (IssuerSource::Local, 6060));
    }

    #[test]
    fn entra_presets_map_onto_discovery() {
        let s = settings(&[("AZURE_TENANT_ID", "tid-1"), ("AZURE_APP_CLIENT_ID", "app-1")]).unwrap();
        let url = Url::parse("https://login.microsoftonline.com/tid-1/v2.0/.well-known/openid-configuration").unwrap();
        assert_eq!(s.issuer, IssuerSource::Discovery { metadata_url: url });
        assert_eq!(s.audiences, ["api://app-1", "app-1"]);
        assert_eq!(s.permission_claims, ["roles"]);

        let s = settings(&[
            ("AZURE_B2C_TENANT_NAME", "contoso"),
            ("AZURE_B2C_POLICY", "B2C_1_signin"),
            ("AZURE_APP_CLIENT_ID", "app"),
        ])
        .unwrap();
        let url = Url::parse(
            "https://contoso.b2clogin.com/contoso.onmicrosoft.com/B2C_1_signin/v2.0/.well-known/openid-configuration",
        )
        .unwrap();
        assert_eq!(s.issuer, IssuerSource::Discovery { metadata_url: url });
        assert_eq!(s.audiences, ["app"]);
    }
}
