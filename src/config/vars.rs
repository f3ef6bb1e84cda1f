//! Every setting, declared once: variable, flag, placeholder, help, default and parser (the
//! DPoP settings are declared beside their checks in [`super::dpop`]). `hello-api --help`,
//! `hello-client --help`, the typed settings and the docs/configuration.md check all read these.

use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgMatches, Args, Command, FromArgMatches};

use super::AuthorityVars;
use super::declare::{About, Fallback, Found, Setting, augment};
use super::defaults::{DEMO_ADMIN_SECRET, DEMO_CLIENT_SECRET};
use super::dpop;
use super::parse::{algorithms, boolean, count, host, list, origin, path, port, seconds, text};
use crate::auth::SigningAlgorithm;

/// A setting that `hello-api` checks as a whole with others, so it is kept as given.
type Raw = Setting<String>;

/// A setting that `--help` may show the value of.
pub(super) const fn setting<T>(
    variable: &'static str,
    value_name: &'static str,
    fallback: Fallback,
    help: &'static str,
    parse: fn(&str, &str) -> Result<T, super::ConfigError>,
) -> Setting<T> {
    Setting { about: About { variable, value_name, help, fallback, secret: false }, parse }
}

const fn secret<T>(setting: Setting<T>) -> Setting<T> {
    Setting { about: About { secret: true, ..setting.about }, parse: setting.parse }
}

use Fallback::{Derived, Unset, Value};

// Where the API listens.
pub(crate) const HOST: Setting<String> = setting("HOST", "ADDRESS", Value("127.0.0.1"), "Address to bind", host);
pub(crate) const PORT: Setting<u16> = setting("PORT", "PORT", Value("6060"), "API port; 0 picks a free port", port);
pub(crate) const CLIENT_ORIGIN_URL: Setting<String> = setting(
    "CLIENT_ORIGIN_URL",
    "ORIGIN",
    Value("http://localhost:4040"),
    "The one browser origin that CORS allows",
    origin,
);

// Which issuer (docs/providers.md): shared with hello-client.
pub(crate) const AUTH0_DOMAIN: Raw =
    setting("AUTH0_DOMAIN", "DOMAIN", Unset, "Auth0 tenant domain, e.g. tenant.eu.auth0.com", text);
pub(crate) const ISSUER_BASE_URL: Raw = setting(
    "ISSUER_BASE_URL",
    "URL",
    Unset,
    "Any OpenID provider: its issuer URL (metadata at {url}/.well-known/openid-configuration)",
    text,
);
pub(crate) const AZURE_TENANT_ID: Raw = setting(
    "AZURE_TENANT_ID",
    "TENANT",
    Unset,
    "Microsoft Entra ID: the tenant id (the server also takes common or organizations)",
    text,
);
pub(crate) const AZURE_APP_CLIENT_ID: Raw =
    setting("AZURE_APP_CLIENT_ID", "ID", Unset, "Microsoft Entra ID / B2C: the API's application (client) id", text);
pub(crate) const AZURE_AUTHORITY_HOST: Raw = setting(
    "AZURE_AUTHORITY_HOST",
    "URL",
    Value("https://login.microsoftonline.com"),
    "Microsoft Entra ID authority host",
    text,
);
pub(crate) const AZURE_B2C_TENANT_NAME: Raw = setting(
    "AZURE_B2C_TENANT_NAME",
    "NAME",
    Unset,
    "Azure AD B2C tenant name (the part before .onmicrosoft.com)",
    text,
);
pub(crate) const AZURE_B2C_POLICY: Raw =
    setting("AZURE_B2C_POLICY", "POLICY", Unset, "Azure AD B2C user-flow policy, e.g. B2C_1_signupsignin", text);
pub(crate) const AZURE_B2C_AUTHORITY_HOST: Raw = setting(
    "AZURE_B2C_AUTHORITY_HOST",
    "URL",
    Derived("`https://{name}.b2clogin.com`"),
    "Azure AD B2C authority host",
    text,
);

// Token rules.
const AUDIENCE_DEFAULT: Fallback =
    Derived("local mode: `https://hello-world.example.com`; Entra ID: `api://{app}`, `{app}`; B2C: `{app}`");
pub(crate) const AUTH0_AUDIENCE: Setting<Vec<String>> = setting(
    "AUTH0_AUDIENCE",
    "AUDIENCES",
    AUDIENCE_DEFAULT,
    "Accepted aud values, comma-separated; required with AUTH0_DOMAIN and ISSUER_BASE_URL",
    list,
);
pub(crate) const AUDIENCE: Setting<Vec<String>> =
    setting("AUDIENCE", "AUDIENCES", AUDIENCE_DEFAULT, "Same as --auth0-audience (set only one of them)", list);
pub(crate) const AZURE_ALLOWED_TENANTS: Raw = setting(
    "AZURE_ALLOWED_TENANTS",
    "TENANTS",
    Unset,
    "Tenant ids accepted with AZURE_TENANT_ID=common or organizations, or with ISSUER_BASE_URL",
    text,
);
pub(crate) const PERMISSIONS_CLAIM: Setting<Vec<String>> = setting(
    "PERMISSIONS_CLAIM",
    "CLAIMS",
    Derived("`permissions` (Entra and B2C presets: `roles`)"),
    "Claims that carry permissions, comma-separated",
    list,
);
pub(crate) const TOKEN_ALGORITHMS: Setting<Vec<SigningAlgorithm>> = setting(
    "TOKEN_ALGORITHMS",
    "ALGORITHMS",
    Value("RS256"),
    "Accepted signature algorithms, comma-separated (RS/PS 256/384/512, ES256, ES384, EdDSA)",
    algorithms,
);
pub(crate) const CLOCK_SKEW_SECONDS: Setting<Duration> =
    setting("CLOCK_SKEW_SECONDS", "SECONDS", Value("5"), "Leeway for exp, nbf and iat, in seconds", seconds::<0>);

// The key-set cache and the token cache.
pub(crate) const JWKS_CACHE_SECONDS: Setting<Duration> =
    setting("JWKS_CACHE_SECONDS", "SECONDS", Value("600"), "How long fetched keys are fresh, in seconds", seconds::<1>);
pub(crate) const JWKS_COOLDOWN_SECONDS: Setting<Duration> = setting(
    "JWKS_COOLDOWN_SECONDS",
    "SECONDS",
    Value("30"),
    "Least time between two refreshes caused by unknown kids, in seconds",
    seconds::<0>,
);
pub(crate) const JWKS_RETRY_SECONDS: Setting<Duration> = setting(
    "JWKS_RETRY_SECONDS",
    "SECONDS",
    Value("3"),
    "Least time between two attempts after a failed key-set fetch, in seconds",
    seconds::<1>,
);
pub(crate) const TOKEN_CACHE_SIZE: Setting<usize> = setting(
    "TOKEN_CACHE_SIZE",
    "COUNT",
    Value("10000"),
    "How many verified tokens are remembered; 0 turns the cache off",
    count,
);

// The browser demo and operations.
pub(crate) const SERVE_DEMO: Setting<bool> = setting(
    "SERVE_DEMO",
    "BOOL",
    Derived("true in local mode when `CLIENT_ORIGIN_URL` is a loopback `http` URL, false otherwise"),
    "Serve the browser demo at CLIENT_ORIGIN_URL (loopback http only)",
    boolean,
);
pub(crate) const DRAIN_SECONDS: Setting<Duration> = setting(
    "DRAIN_SECONDS",
    "SECONDS",
    Value("0"),
    "Seconds between the start of a graceful stop (/health/ready turns 503) and closing the listeners, \
     so that load balancers stop sending requests first",
    seconds::<0>,
);
pub(crate) const METRICS: Setting<bool> =
    setting("METRICS", "BOOL", Value("on"), "Serve Prometheus metrics at /metrics (on or off)", boolean);

// The local issuer (local mode): the port and secrets are shared with hello-client.
pub(crate) const LOCAL_ISSUER_PORT: Setting<u16> = setting(
    "LOCAL_ISSUER_PORT",
    "PORT",
    Value("6061"),
    "Local mode: the local issuer's port on loopback (for the server, 0 picks a free port)",
    port,
);
pub(crate) const LOCAL_CLIENT_SECRET: Raw = secret(setting(
    "LOCAL_CLIENT_SECRET",
    "SECRET",
    Value(DEMO_CLIENT_SECRET),
    "Local mode: demo-client's secret",
    text,
));
pub(crate) const LOCAL_ADMIN_SECRET: Raw =
    secret(setting("LOCAL_ADMIN_SECRET", "SECRET", Value(DEMO_ADMIN_SECRET), "Local mode: demo-admin's secret", text));
pub(crate) const LOCAL_ISSUER_KEY_FILE: Setting<PathBuf> = setting(
    "LOCAL_ISSUER_KEY_FILE",
    "FILE",
    Value(".local-issuer-key.pem"),
    "Local mode: the local issuer's signing key, kept across restarts",
    path,
);
pub(crate) const RUST_LOG: Raw = setting("RUST_LOG", "FILTER", Value("info"), "Log filter (env_logger syntax)", text);

/// The issuer variables, in `--help` order.
pub(super) const AUTHORITY: &[&About] = &[
    &AUTH0_DOMAIN.about,
    &ISSUER_BASE_URL.about,
    &AZURE_TENANT_ID.about,
    &AZURE_APP_CLIENT_ID.about,
    &AZURE_AUTHORITY_HOST.about,
    &AZURE_B2C_TENANT_NAME.about,
    &AZURE_B2C_POLICY.about,
    &AZURE_B2C_AUTHORITY_HOST.about,
];

/// The local issuer's variables that `hello-client` reads too.
pub(super) const LOCAL: &[&About] = &[&LOCAL_ISSUER_PORT.about, &LOCAL_CLIENT_SECRET.about, &LOCAL_ADMIN_SECRET.about];

/// Every setting of `hello-api`, in `--help` order.
pub(super) fn server() -> Vec<&'static About> {
    let mut all = vec![&HOST.about, &PORT.about, &CLIENT_ORIGIN_URL.about];
    all.extend(AUTHORITY);
    all.extend([
        &AUTH0_AUDIENCE.about,
        &AUDIENCE.about,
        &AZURE_ALLOWED_TENANTS.about,
        &PERMISSIONS_CLAIM.about,
        &TOKEN_ALGORITHMS.about,
        &CLOCK_SKEW_SECONDS.about,
        &JWKS_CACHE_SECONDS.about,
        &JWKS_COOLDOWN_SECONDS.about,
        &JWKS_RETRY_SECONDS.about,
        &TOKEN_CACHE_SIZE.about,
        &SERVE_DEMO.about,
        &DRAIN_SECONDS.about,
        &METRICS.about,
    ]);
    all.extend(dpop::SETTINGS);
    all.extend(LOCAL);
    all.extend([&LOCAL_ISSUER_KEY_FILE.about, &RUST_LOG.about]);
    all
}

/// `hello-api`'s command line: every setting as a flag, falling back to its variable.
pub fn command() -> Command {
    augment(Command::new("hello-api"), &server())
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Hello World API behind JWT access tokens.")
        .long_about(
            "The Hello World API behind JWT access tokens.\n\n\
             Settings come from flags, then the environment, then ./.env; empty values count as unset. \
             With no issuer set, it starts an embedded local issuer for development (local mode).",
        )
}

/// The variable names [`command`] declares, e.g. `PORT`.
pub(crate) fn names() -> Vec<&'static str> {
    server().into_iter().map(|about| about.variable).collect()
}

// The issuer and local-issuer variables are flattened into `hello-client`'s derived command line;
// these impls make them flags from the same declarations.
macro_rules! args_from {
    ($ty:ty, $list:expr) => {
        impl FromArgMatches for $ty {
            fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
                Ok(Self::from_found(&Found::from_matches($list, matches)))
            }
            fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
                *self = Self::from_arg_matches(matches)?;
                Ok(())
            }
        }
        impl Args for $ty {
            fn augment_args(command: Command) -> Command {
                augment(command, $list)
            }
            fn augment_args_for_update(command: Command) -> Command {
                augment(command, $list)
            }
        }
    };
}
args_from!(AuthorityVars, AUTHORITY);
args_from!(LocalVars, LOCAL);

/// The local issuer's variables as found, shared by the server (where it runs) and `hello-client`
/// (which asks it for tokens); blank counts as unset.
#[derive(Clone, Debug, Default)]
pub struct LocalVars {
    /// `LOCAL_ISSUER_PORT`.
    pub local_issuer_port: Option<String>,
    /// `LOCAL_CLIENT_SECRET`.
    pub local_client_secret: Option<String>,
    /// `LOCAL_ADMIN_SECRET`.
    pub local_admin_secret: Option<String>,
}

impl LocalVars {
    fn from_found(found: &Found) -> Self {
        Self {
            local_issuer_port: found.owned(&LOCAL_ISSUER_PORT.about),
            local_client_secret: found.owned(&LOCAL_CLIENT_SECRET.about),
            local_admin_secret: found.owned(&LOCAL_ADMIN_SECRET.about),
        }
    }
}
