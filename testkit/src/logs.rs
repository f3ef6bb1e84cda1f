//! A logger that keeps every line, for tests that check what is (not) logged.

use std::sync::{LazyLock, Mutex, Once};

/// Every log line of the test binary (all levels), to prove what is never logged.
pub static LOG_LINES: LazyLock<Mutex<Vec<String>>> = LazyLock::new(|| Mutex::new(Vec::new()));

struct CapturingLogger;

impl log::Log for CapturingLogger {
    fn enabled(&self, _: &log::Metadata) -> bool {
        true
    }

    fn log(&self, record: &log::Record) {
        let mut lines = LOG_LINES.lock().unwrap();
        if lines.len() < 1_000_000 {
            lines.push(format!("{} {} {}", record.level(), record.target(), record.args()));
        }
    }

    fn flush(&self) {}
}

pub fn install_logger() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        log::set_logger(&CapturingLogger).unwrap();
        log::set_max_level(log::LevelFilter::Trace);
    });
}
