//! The server's logger: `env_logger` with the `RUST_LOG` filter, except that a client's malformed
//! request is not logged as an error of the server.
//!
//! actix-http logs every request head it refuses while parsing (conflicting `Content-Length`, a
//! NUL or CR in a header, too many headers, …) as `ERROR stream error: request parse error: …`,
//! so anyone could fill the log at the default level. Those lines are logged at DEBUG instead
//! (`RUST_LOG=actix_http=debug` shows them); every other line is passed on unchanged.
//!
//! Lines go to stderr through a buffer that a background thread writes out every
//! [`FLUSH_INTERVAL`], or as soon as it holds [`WAKE_AT`] bytes, and [`flush`] at exit: a request
//! thread appends its access-log line to memory and never waits for a `write` system call (which
//! cost 25–30 % of the public route's throughput and lengthened its tail, docs/performance.md).
//! No line is dropped: only when the buffer reaches [`BUFFER_LIMIT`] (stderr is not keeping up)
//! does the thread that filled it write it out itself.

use std::cell::RefCell;
use std::fmt;
use std::io::{self, Write};
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock};
use std::time::Duration;

use log::{Level, Log, Metadata, Record};

/// The actix-http module that logs refused request heads.
const DISPATCHER: &str = "actix_http::h1::dispatcher";
/// How its line about a refused request head starts.
const PARSE_ERROR: &str = "stream error: request parse error";

/// How long a line may wait in the buffer before it reaches stderr.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(50);
/// A buffer this full wakes the writing thread before its interval is over.
pub const WAKE_AT: usize = 32 * 1024;
/// A buffer this full is written out at once, by the thread that filled it: stderr is not keeping
/// up, and the memory lines wait in stays bounded.
pub const BUFFER_LIMIT: usize = 1024 * 1024;

/// Installs the logger with `filter` (`RUST_LOG` syntax) as the global logger, writing to stderr
/// through the buffer (call [`flush`] before the process exits).
pub fn init(filter: &str) {
    let inner = env_logger::Builder::new()
        .parse_filters(filter)
        .format(format_line)
        .target(env_logger::Target::Pipe(Box::new(BufferedStderr)))
        .build();
    let max_level = inner.filter();
    if log::set_boxed_logger(Box::new(ClientMistakesAtDebug(inner))).is_ok() {
        log::set_max_level(max_level);
        let started = std::thread::Builder::new().name("log-flush".into()).spawn(|| {
            loop {
                let pending = lock(&PENDING);
                if pending.len() < WAKE_AT {
                    drop(WAKE.wait_timeout(pending, FLUSH_INTERVAL));
                } else {
                    drop(pending);
                }
                flush();
            }
        });
        if started.is_err() {
            // Without the thread every line is written out at once, as before.
            UNBUFFERED.get_or_init(|| ());
        }
    }
}

/// How many spaces start each further line of a message, so that a message cannot pass off a
/// line of its own as a record of the log.
const INDENT: &str = "    ";

/// One record as env_logger's default format writes it, `[2026-12-05T05:24:34.123Z INFO
/// target] message` with further lines of the message indented, at a fraction of its cost
/// (docs/performance.md, "The access log"): the line is put together in memory this thread
/// reuses, the date and time of day are formatted once per second, and nothing is styled (the
/// lines go to a pipe, where env_logger strips styles anyway).
fn format_line(buf: &mut env_logger::fmt::Formatter, record: &Record) -> io::Result<()> {
    SCRATCH.with_borrow_mut(|scratch| {
        scratch.write_record(jiff::Timestamp::now(), record).map_err(io::Error::other)?;
        let written = buf.write_all(&scratch.line);
        if scratch.line.capacity() > Scratch::KEPT {
            scratch.line = Vec::new();
        }
        written
    })
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch::new()) };
}

/// What [`format_line`] reuses from one record to the next on a thread.
struct Scratch {
    /// The second of the last record, and its date and time of day (`2026-12-05T05:24:34`).
    second: Option<i64>,
    date_time: String,
    /// The record's message, then its whole line.
    message: String,
    line: Vec<u8>,
}

impl Scratch {
    /// Past this many bytes, a rare long line does not keep its memory for the life of the thread.
    const KEPT: usize = 4096;

    const fn new() -> Self {
        Self { second: None, date_time: String::new(), message: String::new(), line: Vec::new() }
    }

    /// Puts `record`'s line, logged at `now`, in `self.line`.
    fn write_record(&mut self, now: jiff::Timestamp, record: &Record) -> fmt::Result {
        let second = now.as_second();
        if self.second != Some(second) {
            // `2026-12-05T05:24:34Z` without its `Z`.
            let whole = jiff::Timestamp::from_second(second).unwrap_or(now);
            self.date_time = format!("{whole:.0}").trim_end_matches('Z').to_owned();
            self.second = Some(second);
        }
        self.message.clear();
        fmt::write(&mut self.message, *record.args())?;

        let line = &mut self.line;
        line.clear();
        line.push(b'[');
        line.extend_from_slice(self.date_time.as_bytes());
        let millisecond = now.subsec_millisecond();
        let digit = |value: i32| b'0' + u8::try_from(value.rem_euclid(10)).unwrap_or(0);
        line.extend_from_slice(&[
            b'.',
            digit(millisecond / 100),
            digit(millisecond / 10),
            digit(millisecond),
            b'Z',
            b' ',
        ]);
        // The level padded to five characters, as `{level:<5}` would.
        let level = record.level().as_str();
        line.extend_from_slice(level.as_bytes());
        line.extend_from_slice(&b"    "[..5_usize.saturating_sub(level.len())]);
        if !record.target().is_empty() {
            line.push(b' ');
            line.extend_from_slice(record.target().as_bytes());
        }
        line.extend_from_slice(b"] ");
        let mut message_lines = self.message.split('\n');
        line.extend_from_slice(message_lines.next().unwrap_or_default().as_bytes());
        for message_line in message_lines {
            line.push(b'\n');
            line.extend_from_slice(INDENT.as_bytes());
            line.extend_from_slice(message_line.as_bytes());
        }
        line.push(b'\n');
        if self.message.capacity() > Self::KEPT {
            self.message = String::new();
        }
        Ok(())
    }
}

/// Lines not yet written to stderr.
static PENDING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Wakes the writing thread when [`PENDING`] holds [`WAKE_AT`] bytes.
static WAKE: Condvar = Condvar::new();
/// The batch being written: held while it is, so that batches reach stderr in the order they
/// were taken, and swapped with [`PENDING`] so that neither buffer is allocated again each time.
static WRITING: Mutex<Vec<u8>> = Mutex::new(Vec::new());
/// Set when the writing thread could not be started.
static UNBUFFERED: OnceLock<()> = OnceLock::new();

/// A lock that a panic elsewhere does not make unusable: the log goes on.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes every buffered line to stderr now (at exit, and from the writing thread).
pub fn flush() {
    let mut batch = lock(&WRITING);
    std::mem::swap(&mut *lock(&PENDING), &mut *batch);
    if !batch.is_empty() {
        let mut stderr = io::stderr().lock();
        // Nowhere to report a failed write to stderr; the next batch tries again.
        let _ = stderr.write_all(&batch).and_then(|()| stderr.flush());
    }
    batch.clear();
    // The memory of a burst is given back; the usual batch keeps its buffer.
    batch.shrink_to(4 * WAKE_AT);
}

/// The logger's output: appends to [`PENDING`]; `flush` (which env_logger calls after every line)
/// does nothing, the writing thread and [`flush`] write the lines out.
struct BufferedStderr;

impl Write for BufferedStderr {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let length = {
            let mut pending = lock(&PENDING);
            pending.extend_from_slice(bytes);
            pending.len()
        };
        // Once per batch, as it crosses the mark (the thread looks again before it sleeps).
        if length >= WAKE_AT && length - bytes.len() < WAKE_AT {
            WAKE.notify_one();
        }
        if length >= BUFFER_LIMIT || UNBUFFERED.get().is_some() {
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
    fn a_line_reads_like_env_loggers_default_format_and_further_lines_are_indented() {
        fn written(scratch: &mut Scratch, at: &str, level: Level, target: &str, args: fmt::Arguments) -> String {
            scratch.write_record(at.parse().unwrap(), &record(level, target, args)).unwrap();
            String::from_utf8(scratch.line.clone()).unwrap()
        }
        let mut scratch = Scratch::new();
        assert_eq!(
            written(
                &mut scratch,
                "2026-12-05T05:24:34.123456Z",
                Level::Info,
                "hello_api::middleware",
                format_args!("GET / 200 1.2µs")
            ),
            "[2026-12-05T05:24:34.123Z INFO  hello_api::middleware] GET / 200 1.2µs\n"
        );
        // The same second again (from the cache), then the next one.
        assert_eq!(
            written(
                &mut scratch,
                "2026-12-05T05:24:34.007Z",
                Level::Error,
                "t",
                format_args!("first\nforged [line]\n")
            ),
            "[2026-12-05T05:24:34.007Z ERROR t] first\n    forged [line]\n    \n"
        );
        assert_eq!(
            written(&mut scratch, "2026-12-05T05:24:35Z", Level::Warn, "", format_args!("no target {}", 1)),
            "[2026-12-05T05:24:35.000Z WARN ] no target 1\n"
        );
        let long = "x".repeat(Scratch::KEPT * 2);
        assert!(
            written(&mut scratch, "1970-01-01T00:00:00Z", Level::Debug, "t", format_args!("{long}")).ends_with("x\n")
        );
        assert!(scratch.message.capacity() <= Scratch::KEPT, "a long message's memory is given back");
    }

    #[test]
    fn the_logger_writes_each_line_whole_through_its_target() {
        struct Shared(std::sync::Arc<Mutex<Vec<u8>>>);
        impl Write for Shared {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                self.0.lock().unwrap().write(bytes)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let out = std::sync::Arc::new(Mutex::new(Vec::new()));
        let logger = env_logger::Builder::new()
            .parse_filters("info")
            .format(format_line)
            .target(env_logger::Target::Pipe(Box::new(Shared(out.clone()))))
            .build();
        logger.log(&record(Level::Info, "a", format_args!("one")));
        logger.log(&record(Level::Debug, "a", format_args!("filtered out")));
        logger.log(&record(Level::Warn, "b", format_args!("two")));
        let text = String::from_utf8(out.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with('[') && lines[0].ends_with(" INFO  a] one"), "{text}");
        assert!(lines[1].ends_with(" WARN  b] two"), "{text}");
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
