//! What `hello-client` needs: which token endpoint to ask, the client-credentials request, a token
//! cache, and the API call.
//!
//! The provider is chosen from the same variables as the server's issuer (`AuthorityVars`), so one
//! `.env` configures both (docs/hello-client.md).

mod dpop;
mod provider;
mod token;

use std::time::Duration;

use url::Url;

use crate::config::defaults::DEMO_CLIENT_ID;
use crate::config::{AuthorityVars, ConfigError, LocalVars, vars};
use crate::urls::check_transport;

pub use dpop::ProofKey;
pub use provider::TokenRequest;
pub(crate) use token::Token;
pub use token::TokenClient;

/// The largest token-endpoint, metadata or API answer `hello-client` accepts (bytes).
pub(crate) const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// Time allowed for each request to a token endpoint, a metadata document or the API.
pub(crate) const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// The API's base URL when `API_SERVER_URL` is unset: the server's default port (`PORT`) on
/// localhost. `--help` shows it, and [`ClientSettings::api_server_url`] uses it.
pub(crate) fn default_api_server_url() -> String {
    let port = vars::PORT.read_or_default(None).expect("PORT's declared default is a port");
    format!("http://localhost:{port}")
}

/// `hello-client`'s settings, from flags, the environment or `.env` (in that order of precedence).
#[derive(Clone, Debug, Default, clap::Args)]
pub struct ClientSettings {
    /// Base URL of the API (by default the server's own on localhost, `default_api_server_url`)
    #[arg(long, env = "API_SERVER_URL", value_name = "URL",
        help = format!("Base URL of the API [default: {}]", default_api_server_url()))]
    pub api_server_url: Option<String>,
    /// The calling application's client id (in local mode by default `demo-client`)
    #[arg(long, env = "CLIENT_ID", value_name = "ID",
        help = format!("The calling application's client id [local default: {DEMO_CLIENT_ID}]"))]
    pub client_id: Option<String>,
    /// The calling application's client secret (prefer the environment or .env over this flag)
    #[arg(long, env = "CLIENT_SECRET", value_name = "SECRET", hide_env_values = true)]
    pub client_secret: Option<String>,
    /// The issuer to ask, named as for the server (`AUTH0_DOMAIN`, `ISSUER_BASE_URL`, Entra ID, B2C).
    #[command(flatten)]
    pub authority: AuthorityVars,
    /// The API identifier to request a token for (Auth0, other OpenID providers)
    #[arg(long, env = "AUTH0_AUDIENCE", value_name = "AUDIENCE")]
    pub auth0_audience: Option<String>,
    /// Same as --auth0-audience, for providers other than Auth0
    #[arg(long, env = "AUDIENCE", value_name = "AUDIENCE")]
    pub audience: Option<String>,
    /// Scopes to ask for, space-delimited, e.g. "read:admin-messages" (not with the Entra ID or B2C presets, which ask for their API's .default scope)
    #[arg(long, env = "CLIENT_SCOPE", value_name = "SCOPES")]
    pub scope: Option<String>,
    /// The API's resource indicator (RFC 8707), an absolute URI (not with the Entra ID or B2C presets)
    #[arg(long, env = "CLIENT_RESOURCE", value_name = "URI")]
    pub resource: Option<String>,
    /// The local issuer's port and the demo clients' secrets, named as for the server.
    #[command(flatten)]
    pub local: LocalVars,
    /// Use DPoP (RFC 9449): make a key for this run, send a proof to the token endpoint, and a
    /// fresh proof with each API call (docs/dpop.md)
    #[arg(long, env = "CLIENT_DPOP", value_name = "BOOL", num_args = 0..=1, require_equals = true, default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new())]
    pub dpop: Option<bool>,
}

/// A failure of `hello-client`, printed as one line on stderr.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A setting is missing or wrong.
    #[error("configuration error: {0}")]
    Config(#[from] ConfigError),
    /// The token endpoint answered with an OAuth 2.0 error (RFC 6749 section 5.2).
    #[error("the token endpoint refused the request: {error}{}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    Refused {
        /// The `error` code, e.g. `invalid_client`.
        error: String,
        /// The `error_description`, when given.
        description: Option<String>,
    },
    /// A server answered, but not with what the protocol asks for.
    #[error("{0}")]
    Protocol(String),
    /// A server could not be reached or did not answer in time.
    #[error("{what}: {cause}")]
    Network {
        /// What was being done, e.g. `cannot reach the token endpoint http://127.0.0.1:6061/oauth/token`.
        what: String,
        /// The cause, with its sources.
        cause: String,
    },
}

impl ClientError {
    pub(crate) fn network(what: String, err: &reqwest::Error) -> Self {
        // reqwest's own message hides the interesting part ("connection refused") in its sources.
        let mut cause = if err.is_timeout() { "timed out".to_owned() } else { String::new() };
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(err);
        while let Some(inner) = source {
            let text = inner.to_string();
            if !cause.contains(&text) {
                if !cause.is_empty() {
                    cause.push_str(": ");
                }
                cause.push_str(&text);
            }
            source = inner.source();
        }
        if cause.is_empty() {
            cause = err.to_string();
        }
        Self::Network { what, cause }
    }
}

impl ClientSettings {
    /// Empty values count as unset, as they do for the server.
    fn get(value: &Option<String>) -> Option<String> {
        value.as_deref().map(str::trim).filter(|value| !value.is_empty()).map(str::to_owned)
    }

    /// The API's base URL: `https`, or `http` on loopback only, since a token travels to it.
    pub fn api_server_url(&self) -> Result<Url, ConfigError> {
        let value = match Self::get(&self.api_server_url) {
            Some(value) => value,
            None => default_api_server_url(),
        };
        let url = Url::parse(&value)
            .map_err(|err| ConfigError::new("API_SERVER_URL", format!("{value:?} is not a URL ({err})")))?;
        check_transport(&url).map_err(|problem| ConfigError::new("API_SERVER_URL", problem))?;
        if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() {
            return Err(ConfigError::new("API_SERVER_URL", format!("{value:?} must not carry credentials or a query")));
        }
        Ok(url)
    }
}

/// `GET {api}{path}` with the token (and with DPoP, a fresh proof from `proof_key`); the status
/// and the body (read up to `MAX_RESPONSE_BYTES`).
pub async fn call_api(
    http: &reqwest::Client,
    api: &Url,
    path: &str,
    token: &Token,
    proof_key: Option<&ProofKey>,
) -> Result<(reqwest::StatusCode, String), ClientError> {
    if !path.starts_with('/') {
        return Err(ClientError::Protocol(format!("the path {path:?} must start with /, e.g. /api/messages/admin")));
    }
    let url = format!("{}{path}", api.as_str().trim_end_matches('/'));
    let url = Url::parse(&url).map_err(|err| ClientError::Protocol(format!("{url:?} is not a URL ({err})")))?;
    let request = match proof_key {
        None => http.get(url.clone()).bearer_auth(token.access_token()),
        Some(key) => {
            let proof = key.proof("GET", &url, Some(token.access_token())).map_err(ClientError::Protocol)?;
            http.get(url.clone())
                .header(reqwest::header::AUTHORIZATION, format!("DPoP {}", token.access_token()))
                .header("DPoP", proof)
        }
    };
    let response =
        request.send().await.map_err(|err| ClientError::network(format!("cannot reach the API at {url}"), &err))?;
    let status = response.status();
    let body = token::read_body(response, &format!("cannot read the API's answer from {url}")).await?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

/// The one HTTP client `hello-client` uses (`crate::http::client` with a 10 s timeout); when
/// the token endpoint and the API are both on loopback (`loopback`), no proxy is used.
pub fn http_client(loopback: bool) -> reqwest::Result<reqwest::Client> {
    crate::http::client(REQUEST_TIMEOUT, loopback)
}
