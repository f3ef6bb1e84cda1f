//! `hello-api`: read the configuration, start logging, build the application, serve.

use std::process::ExitCode;

use hello_api::config::{self, ConfigError, Settings};
use hello_api::startup::Application;

fn main() -> ExitCode {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("hello-api: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    hello_api::logging::init(&settings.operations.log_filter);
    let code = actix_web::rt::System::new().block_on(serve(settings));
    // The logger buffers its lines (src/logging.rs): the last ones are written out here.
    hello_api::logging::flush();
    code
}

/// Flags, else the environment, else `./.env`; `--help`, `--version` and unknown arguments end
/// the process here (clap exits 0 or 2).
fn settings() -> Result<Settings, ConfigError> {
    let names = config::variable_names();
    // SAFETY: nothing else runs yet: the runtime and its threads start after this.
    #[allow(unsafe_code)] // the one `.env` call (Cargo.toml, `[lints]`)
    unsafe { config::env::fill_in_from_dotenv(|name| names.contains(&name)) }?;
    Settings::from_matches(&config::command().get_matches())
}

async fn serve(settings: Settings) -> ExitCode {
    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(err) => {
            hello_api::logging::flush();
            eprintln!("hello-api: {err}");
            return ExitCode::FAILURE;
        }
    };
    match application.stopper().stop_on_signal() {
        Ok(stop) => drop(actix_web::rt::spawn(stop)),
        Err(err) => log::warn!("cannot listen for SIGTERM and Ctrl-C: {err}"),
    }
    application.announce();
    match application.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            hello_api::logging::flush();
            eprintln!("hello-api: {err}");
            ExitCode::FAILURE
        }
    }
}
