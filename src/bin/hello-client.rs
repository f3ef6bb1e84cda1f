//! `hello-client`: gets an access token with the OAuth 2.0 client-credentials grant and calls the API.

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use hello_api::client::{self, ClientError, ClientSettings, ProofKey, TokenClient, TokenRequest};

/// Gets an access token with the OAuth 2.0 client-credentials grant and calls the Hello World API.
///
/// Settings come from flags, then the environment, then ./.env. With no issuer set, it asks the
/// server's local issuer (127.0.0.1:6061) as demo-client.
#[derive(Parser)]
#[command(name = "hello-client", version)]
struct Cli {
    #[command(flatten)]
    settings: ClientSettings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print an access token.
    Token,
    /// GET each PATH from the API with a token and print each body; exit 0 only if all answers are 2xx.
    Call {
        /// A path on the API, e.g. /api/messages/admin.
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<String>,
    },
}

fn main() -> ExitCode {
    // SAFETY: nothing else runs yet: the runtime and its threads start below.
    #[allow(unsafe_code)] // the one `.env` call (Cargo.toml, `[lints]`)
    let filled = unsafe { hello_api::config::env::fill_in_from_dotenv(|_| true) };
    if let Err(err) = filled {
        eprintln!("hello-client: configuration error: {err}");
        return ExitCode::from(2);
    }
    // Every setting is global, so it may also follow the subcommand (`hello-client call --dpop …`).
    let matches = Cli::command().mut_args(|arg| arg.global(true)).get_matches();
    let cli = Cli::from_arg_matches(&matches).unwrap_or_else(|err| err.exit());
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("hello-client: {err}");
            ExitCode::from(if matches!(err, ClientError::Config(_)) { 2 } else { 1 })
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, ClientError> {
    let request = TokenRequest::from_settings(&cli.settings)?;
    let api = cli.settings.api_server_url()?;
    let loopback = request.is_loopback() && hello_api::urls::is_loopback(&api);
    let http =
        client::http_client(loopback).map_err(|err| ClientError::Protocol(format!("cannot start HTTP: {err}")))?;
    let proof_key = match cli.settings.dpop {
        Some(true) => Some(std::sync::Arc::new(ProofKey::generate().map_err(ClientError::Protocol)?)),
        _ => None,
    };
    let tokens = match &proof_key {
        Some(key) => TokenClient::new(http.clone(), request).with_dpop(std::sync::Arc::clone(key)),
        None => TokenClient::new(http.clone(), request),
    };

    let paths = match cli.command {
        Command::Token => {
            println!("{}", tokens.token().await?.access_token());
            return Ok(ExitCode::SUCCESS);
        }
        Command::Call { paths } => paths,
    };
    let mut all_succeeded = true;
    for path in &paths {
        let token = tokens.token().await?;
        let (status, body) = client::call_api(&http, &api, path, &token, proof_key.as_deref()).await?;
        println!("{body}");
        if !status.is_success() {
            eprintln!("hello-client: GET {path} answered {status}");
            all_succeeded = false;
        }
    }
    Ok(if all_succeeded { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
