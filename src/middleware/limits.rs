//! Limits against slow or greedy clients, the same on every listener (docs/how-it-works.md,
//! "Server limits").

use std::time::Duration;

/// A client must send its whole request head within this time (slowloris).
pub const REQUEST_HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// A request's body must have arrived within this time of its head; a body still arriving is cut
/// off with 408 and the connection closed (a trickled body would otherwise hold it open forever).
pub const REQUEST_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Idle keep-alive connections are closed after this time.
pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
/// Time a client gets to close the connection after the response, before it is dropped.
pub(crate) const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Concurrent connections per worker.
pub(crate) const MAX_CONNECTIONS_PER_WORKER: usize = 10_000;
/// The largest request body any route reads (raw, form or JSON): 64 KiB; more is a 413.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
