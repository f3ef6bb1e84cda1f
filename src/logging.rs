//! The server's logger: `env_logger` with the `RUST_LOG` filter, except that a client's malformed
//! request is not logged as an error of the server.
//!
//! actix-http logs every request head it refuses while parsing (conflicting `Content-Length`, a
//! NUL or CR in a header, too many headers, …) as `ERROR stream error: request parse error: …`,
//! so anyone could fill the log at the default level. Those lines are logged at DEBUG instead
//! (`RUST_LOG=actix_http=debug` shows them); every other line is passed on unchanged.
//!
//! Lines go to stderr through a buffer that a background thread writes out every
//! [`FLUSH_INTERVAL`] and [`flush`] at exit: a request thread appends its access-log line to
//! memory instead of making a `write` system call (which cost 25–30 % of the public route's
//! throughput, docs/performance.md). No line is dropped: a buffer that reaches [`BUFFER_LIMIT`]
//! is written out at once by the thread that filled it.

use std::io::{self, Write};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use log::{Level, Log, Metadata, Record};

/// The actix-http module that logs refused request heads.
const DISPATCHER: &str = "actix_http::h1::dispatcher";
/// How its line about a refused request head starts.
const PARSE_ERROR: &str = "stream error: request parse error";

/// How long a line may wait in the buffer before it reaches stderr.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full is written out at once, by the thread that filled it.
pub const BUFFER_LIMIT: usize = 64 * 1024;

/// Installs the logger with `filter` (`RUST_LOG` syntax) as the global logger, writing to stderr
/// through the buffer (call [`flush`] before the process exits).
pub fn init(filter: &str) {
    let inner = env_logger::Builder::new()
        .parse_filters(filter)
        .format_timestamp_millis()
        .target(env_logger::Target::Pipe(Box::new(BufferedStderr)))
        .build();
    let max_level = inner.filter();
    if log::set_boxed_logger(Box::new(ClientMistakesAtDebug(inner))).is_ok() {
        log::set_max_level(max_level);
        let started = std::thread::Builder::new().name("log-flush".into()).spawn(|| {
            loop {
                std::thread::sleep(FLUSH_INTERVAL);
                flush();
            }
        });
        if started.is_err() {
            // Without the thread every line is written out at once, as before.
            UNBUFFERED.get_or_init(|| ());
        }
    }
}

/// Lines not yet written to stderr.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Held while a batch is written, so that batches reach stderr in the order they were taken.
static WRITING: Mutex<()> = Mutex::new(());
/// Set when the flushing thread could not be started.
static UNBUFFERED: OnceLock<()> = OnceLock::new();

/// Writes every buffered line to stderr now (at exit, and every [`FLUSH_INTERVAL`]).
pub fn flush() {
    let _order = WRITING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let batch = std::mem::take(&mut *PENDING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    if !batch.is_empty() {
        let mut stderr = io::stderr().lock();
        // Nowhere to report a failed write to stderr; the next batch tries again.
        let _ = stderr.write_all(&batch).and_then(|()| stderr.flush());
    }
}

/// The logger's output: appends to [`PENDING`]; `flush` (which env_logger calls after every line)
/// does nothing, the background thread and [`flush`] write the lines out.
struct BufferedStderr;

impl Write for BufferedStderr {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let full = {
            let mut pending = PENDING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            pending.extend_from_slice(bytes);
            pending.len() >= BUFFER_LIMIT
        };
        if full || UNBUFFERED.get().is_some() {
            flush();
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
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
