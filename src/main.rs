//! `hello-api`: read the configuration, start logging, build the application, serve.

use std::process::ExitCode;

use hello_api::config::{self, ConfigError, Settings};
use hello_api::startup::Application;

fn main() -> ExitCode {
    fewer_malloc_arenas();
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

/// glibc gives each thread that allocates its own arena (up to 8 per core), and memory freed in one
/// is kept there: with the workers, the runtime and the issuer that was about 1 MB of the
/// server's resident memory after a load test (docs/performance.md, "Memory"). One arena is
/// shared by all threads; each thread still has its own small cache of freed blocks (tcache), so
/// the arena's lock is rarely taken. This must run before any thread starts.
fn fewer_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)] // the one malloc setting (Cargo.toml, `[lints]`)
    // SAFETY: mallopt only changes a malloc setting; no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
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
