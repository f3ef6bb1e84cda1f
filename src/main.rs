//! `hello-api`: read the configuration, start logging, build the application, serve.

use std::process::ExitCode;

use hello_api::config::Settings;
use hello_api::startup::Application;

#[actix_web::main]
async fn main() -> ExitCode {
    let settings = match Settings::from_env() {
        Ok(settings) => settings,
        Err(err) => {
            eprintln!("hello-api: configuration error: {err}");
            return ExitCode::from(2);
        }
    };
    env_logger::Builder::new().parse_filters(&settings.log_filter).format_timestamp_millis().init();

    let application = match Application::build(settings).await {
        Ok(application) => application,
        Err(err) => {
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
            eprintln!("hello-api: {err}");
            ExitCode::FAILURE
        }
    }
}
