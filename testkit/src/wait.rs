//! Waiting for what happens in the background (a key set loading, a server coming up), without
//! timed assertions: poll until the condition holds, and fail with what was awaited.

use std::future::Future;
use std::time::Duration;

/// How often a condition is polled, and how many times before giving up (~15 s in all: generous
/// on a busy machine, and a failure still ends the test).
const PAUSE: Duration = Duration::from_millis(100);
const ATTEMPTS: usize = 150;

/// Polls `attempt` until it returns `Some`, and returns that; panics naming `what` when it never
/// does.
pub async fn eventually<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    for _ in 0..ATTEMPTS {
        if let Some(value) = attempt().await {
            return value;
        }
        tokio::time::sleep(PAUSE).await;
    }
    panic!("never happened: {what}");
}
