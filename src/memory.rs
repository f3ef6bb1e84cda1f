//! Freed memory given back to the system each time the server has no connection left open
//! (docs/performance.md, "Memory").
//!
//! Under load, each connection's buffers and each request's short-lived values come from the
//! heap. When the load ends, glibc keeps the memory they used for reuse, in free blocks between
//! blocks still in use and in the arenas of the threads that allocated them, so the process's
//! resident memory stays at its peak (about 0.9 MB more after `make bench`'s runs). `malloc_trim`
//! gives the whole free pages among them back, in every arena. It is called when the last open
//! connection of the process (API, issuer and demo together) closes, so a server under steady
//! load never pays for it and an idle one holds only what it uses.
//!
//! This is the crate's only call into the allocator, and with the `.env` reader its only unsafe
//! code (Cargo.toml, `[lints]`).

use std::sync::atomic::{AtomicUsize, Ordering};

/// Gives the whole free pages of the heap back to the system (glibc's `malloc_trim`); elsewhere
/// it does nothing.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)] // an allocator call (Cargo.toml, `[lints]`)
    // SAFETY: malloc_trim takes the arena's lock itself and touches only free blocks; it may be
    // called from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The connections open in the whole process; every server counts its connections here
/// (`middleware::serve`).
pub(crate) static CONNECTIONS: OpenConnections = OpenConnections::new(return_freed_memory);

/// A count of open connections that runs `when_idle` each time it falls to zero.
pub(crate) struct OpenConnections {
    open: AtomicUsize,
    when_idle: fn(),
}

/// One open connection, counted until it is dropped (with the connection's data, when the
/// connection closes).
pub(crate) struct Connection(&'static OpenConnections);

impl OpenConnections {
    pub(crate) const fn new(when_idle: fn()) -> Self {
        Self { open: AtomicUsize::new(0), when_idle }
    }

    /// Counts one more open connection, until the returned guard is dropped.
    pub(crate) fn opened(&'static self) -> Connection {
        self.open.fetch_add(1, Ordering::Relaxed);
        Connection(self)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if self.0.open.fetch_sub(1, Ordering::AcqRel) == 1 {
            (self.0.when_idle)();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static IDLE_TIMES: AtomicUsize = AtomicUsize::new(0);
    static COUNTED: OpenConnections = OpenConnections::new(|| {
        IDLE_TIMES.fetch_add(1, Ordering::SeqCst);
    });

    #[test]
    fn freed_memory_is_returned_when_the_last_connection_closes_and_not_before() {
        let first = COUNTED.opened();
        let second = COUNTED.opened();
        drop(first);
        assert_eq!(IDLE_TIMES.load(Ordering::SeqCst), 0, "a connection is still open");
        drop(second);
        assert_eq!(IDLE_TIMES.load(Ordering::SeqCst), 1);
        drop(COUNTED.opened());
        assert_eq!(IDLE_TIMES.load(Ordering::SeqCst), 2, "each time the count falls to zero");
    }
}
