//! The server's variables as found, before any checking, declared once for both the settings
//! (through `envy`) and `hello-api --help` (through clap). Empty values count as unset.

use clap::{Args, Command};
use serde::Deserialize;

use super::AuthorityVars;

/// Every variable the server reads; the doc comments are the `--help` text.
#[derive(Debug, Default, Deserialize, Args)]
pub(super) struct ServerVars {
    /// Address to bind [default: 127.0.0.1]
    #[arg(long, env, value_name = "ADDRESS")]
    pub host: Option<String>,
    /// API port; 0 picks a free port [default: 6060]
    #[arg(long, env, value_name = "PORT")]
    pub port: Option<String>,
    /// The one browser origin that CORS allows [default: http://localhost:4040]
    #[arg(long, env, value_name = "ORIGIN")]
    pub client_origin_url: Option<String>,
    #[serde(flatten)]
    #[command(flatten)]
    pub authority: AuthorityVars,
    /// Accepted aud values, comma-separated; required with AUTH0_DOMAIN and ISSUER_BASE_URL
    /// [local default: https://hello-world.example.com; Entra ID: api://{app},{app}; B2C: {app}]
    #[arg(long, env, value_name = "AUDIENCES")]
    pub auth0_audience: Option<String>,
    /// Same as --auth0-audience (set only one of them)
    #[arg(long, env, value_name = "AUDIENCES")]
    pub audience: Option<String>,
    /// Tenant ids accepted with AZURE_TENANT_ID=common or organizations, or with ISSUER_BASE_URL
    #[arg(long, env, value_name = "TENANTS")]
    pub azure_allowed_tenants: Option<String>,
    /// Claims that carry permissions, comma-separated [default: permissions; Entra ID, B2C: roles]
    #[arg(long, env, value_name = "CLAIMS")]
    pub permissions_claim: Option<String>,
    /// Accepted signature algorithms, comma-separated (RS/PS 256/384/512, ES256, ES384, EdDSA)
    /// [default: RS256]
    #[arg(long, env, value_name = "ALGORITHMS")]
    pub token_algorithms: Option<String>,
    /// Leeway for exp, nbf and iat, in seconds [default: 5]
    #[arg(long, env, value_name = "SECONDS")]
    pub clock_skew_seconds: Option<String>,
    /// How long fetched keys are fresh, in seconds [default: 600]
    #[arg(long, env, value_name = "SECONDS")]
    pub jwks_cache_seconds: Option<String>,
    /// Least time between two refreshes caused by unknown kids, in seconds [default: 30]
    #[arg(long, env, value_name = "SECONDS")]
    pub jwks_cooldown_seconds: Option<String>,
    /// Least time between two attempts after a failed key-set fetch, in seconds [default: 3]
    #[arg(long, env, value_name = "SECONDS")]
    pub jwks_retry_seconds: Option<String>,
    /// How many verified tokens are remembered; 0 turns the cache off [default: 10000]
    #[arg(long, env, value_name = "COUNT")]
    pub token_cache_size: Option<String>,
    /// Serve the browser demo at CLIENT_ORIGIN_URL (loopback http only)
    /// [default: true in local mode at a loopback http origin, else false]
    #[arg(long, env, value_name = "BOOL")]
    pub serve_demo: Option<String>,
    /// Seconds between the start of a graceful stop (/health/ready turns 503) and closing the
    /// listeners, so that load balancers stop sending requests first [default: 0]
    #[arg(long, env, value_name = "SECONDS")]
    pub drain_seconds: Option<String>,
    /// Serve Prometheus metrics at /metrics (on or off) [default: on]
    #[arg(long, env, value_name = "BOOL")]
    pub metrics: Option<String>,
    /// DPoP-bound tokens: allowed (Bearer and DPoP), required (DPoP only) or off (Bearer only)
    /// [default: allowed]
    #[arg(long, env, value_name = "MODE")]
    pub dpop: Option<String>,
    /// Accepted DPoP proof algorithms, comma-separated (asymmetric only, as for tokens)
    /// [default: ES256]
    #[arg(long, env, value_name = "ALGORITHMS")]
    pub dpop_algorithms: Option<String>,
    /// How old a DPoP proof's iat may be, in seconds (plus CLOCK_SKEW_SECONDS either way) [default: 300]
    #[arg(long, env, value_name = "SECONDS")]
    pub dpop_proof_seconds: Option<String>,
    /// Where used DPoP proof ids are remembered: memory (this process) or redis://host:port[/db]
    /// (shared by replicas) [default: memory]
    #[arg(long, env, value_name = "STORE")]
    pub dpop_replay_store: Option<String>,
    /// The API's external base URL (https://api.example.com), for DPoP's htu behind a proxy
    /// [default: http://{Host} of each request]
    #[arg(long, env, value_name = "URL")]
    pub public_url: Option<String>,
    #[serde(flatten)]
    #[command(flatten)]
    pub local: LocalVars,
    /// Local mode: the local issuer's signing key, kept across restarts [default: .local-issuer-key.pem]
    #[arg(long, env, value_name = "FILE")]
    pub local_issuer_key_file: Option<String>,
    /// Log filter (env_logger syntax) [default: info]
    #[arg(long, env, value_name = "FILTER")]
    pub rust_log: Option<String>,
}

/// The local issuer's variables, declared once for the server (where it runs) and `hello-client`
/// (which asks it for tokens).
#[derive(Clone, Debug, Default, Deserialize, Args)]
pub struct LocalVars {
    /// Local mode: the local issuer's port on loopback (for the server, 0 picks a free port)
    /// [default: 6061]
    #[arg(long, env, value_name = "PORT")]
    pub local_issuer_port: Option<String>,
    /// Local mode: demo-client's secret [default: demo-client-secret]
    #[arg(long, env, value_name = "SECRET", hide_env_values = true)]
    pub local_client_secret: Option<String>,
    /// Local mode: demo-admin's secret [default: demo-admin-secret]
    #[arg(long, env, value_name = "SECRET", hide_env_values = true)]
    pub local_admin_secret: Option<String>,
}

/// `hello-api`'s command line: every setting as a flag, falling back to its variable.
pub fn command() -> Command {
    // After the arguments: their struct's doc comment would otherwise become the about text.
    ServerVars::augment_args(Command::new("hello-api"))
        .version(env!("CARGO_PKG_VERSION"))
        .about("The Hello World API behind JWT access tokens.")
        .long_about(
            "The Hello World API behind JWT access tokens.\n\n\
             Settings come from flags, then the environment, then ./.env; empty values count as unset. \
             With no issuer set, it starts an embedded local issuer for development (local mode).",
        )
}

/// The variable names [`command`] declares, e.g. `PORT`.
pub fn names() -> Vec<String> {
    let command = command();
    command.get_arguments().filter_map(|arg| arg.get_env()?.to_str().map(str::to_owned)).collect()
}

/// The parsed command line as `VARIABLE -> value` pairs (flags win over the environment).
pub fn given(command: &Command, matches: &clap::ArgMatches) -> Vec<(String, String)> {
    command
        .get_arguments()
        .filter_map(|arg| {
            let name = arg.get_env()?.to_str()?;
            let value = matches.get_one::<String>(arg.get_id().as_str())?;
            Some((name.to_owned(), value.clone()))
        })
        .collect()
}
