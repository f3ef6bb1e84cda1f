//! The server's logger: `env_logger` with the `RUST_LOG` filter, except that a client's malformed
//! request is not logged as an error of the server.
//!
//! actix-http logs every request head it refuses while parsing (conflicting `Content-Length`, a
//! NUL or CR in a header, too many headers, …) as `ERROR stream error: request parse error: …`,
//! so anyone could fill the log at the default level. Those lines are logged at DEBUG instead
//! (`RUST_LOG=actix_http=debug` shows them); every other line is passed on unchanged.

use log::{Level, Log, Metadata, Record};

/// The actix-http module that logs refused request heads.
const DISPATCHER: &str = "actix_http::h1::dispatcher";
/// How its line about a refused request head starts.
const PARSE_ERROR: &str = "stream error: request parse error";

/// Installs the logger with `filter` (`RUST_LOG` syntax) as the global logger.
pub fn init(filter: &str) {
    let inner = env_logger::Builder::new().parse_filters(filter).format_timestamp_millis().build();
    let max_level = inner.filter();
    if log::set_boxed_logger(Box::new(ClientMistakesAtDebug(inner))).is_ok() {
        log::set_max_level(max_level);
    }
}

/// Whether `record` is actix-http's line about a request head it refused.
pub(crate) fn is_refused_request_head(record: &Record) -> bool {
    record.level() == Level::Error
        && record.target() == DISPATCHER
        && record.args().to_string().starts_with(PARSE_ERROR)
}

/// Passes every record to the inner logger, a refused request head at DEBUG.
pub struct ClientMistakesAtDebug<L>(pub L);

impl<L: Log> Log for ClientMistakesAtDebug<L> {
    fn enabled(&self, metadata: &Metadata) -> bool {
        self.0.enabled(metadata)
    }

    fn log(&self, record: &Record) {
        if !is_refused_request_head(record) {
            return self.0.log(record);
        }
        let demoted = Record::builder()
            .args(*record.args())
            .level(Level::Debug)
            .target(record.target())
            .module_path(record.module_path())
            .file(record.file())
            .line(record.line())
            .build();
        if self.0.enabled(demoted.metadata()) {
            self.0.log(&demoted);
        }
    }

    fn flush(&self) {
        self.0.flush();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Seen(Mutex<Vec<(Level, String)>>);

    impl Log for &Seen {
        fn enabled(&self, _: &Metadata) -> bool {
            true
        }
        fn log(&self, record: &Record) {
            self.0.lock().unwrap().push((record.level(), record.args().to_string()));
        }
        fn flush(&self) {}
    }

    fn record<'a>(level: Level, target: &'a str, args: std::fmt::Arguments<'a>) -> Record<'a> {
        Record::builder().level(level).target(target).args(args).build()
    }

    #[test]
    fn only_actix_parse_errors_are_demoted() {
        let seen = Seen::default();
        let logger = ClientMistakesAtDebug(&seen);
        logger.log(&record(
            Level::Error,
            DISPATCHER,
            format_args!("stream error: request parse error: invalid Header provided"),
        ));
        logger.log(&record(Level::Error, DISPATCHER, format_args!("stream error: Service error")));
        logger.log(&record(
            Level::Error,
            "hello_api::middleware",
            format_args!("stream error: request parse error: x"),
        ));
        let seen = seen.0.lock().unwrap();
        assert_eq!(seen[0], (Level::Debug, "stream error: request parse error: invalid Header provided".to_owned()));
        assert_eq!(seen[1].0, Level::Error);
        assert_eq!(seen[2].0, Level::Error);
    }
}
