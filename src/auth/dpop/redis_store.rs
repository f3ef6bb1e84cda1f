//! Used proofs in Redis, shared by replicas: one atomic `SET key 1 NX EX ttl` per proof. Every
//! call has a deadline, so a Redis that hangs turns into a 503, never into a hanging request.

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::replay::ReplayError;

/// Time allowed to connect to Redis.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Time allowed for one command's answer.
const RESPONSE_TIMEOUT: Duration = Duration::from_millis(500);
/// `Retry-After` while Redis cannot be reached.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// Least time between two attempts to connect after one failed; requests in between, and those
/// arriving while one task connects, are refused at once.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);

/// A Redis replay store; connects on first use, reconnects by itself.
pub(crate) struct RedisReplayStore {
    client: redis::Client,
    /// The connection once made, read by every call without waiting (the manager reconnects by
    /// itself from then on).
    manager: std::sync::RwLock<Option<ConnectionManager>>,
    /// Held by the one task that connects, with the time the last attempt failed.
    connecting: tokio::sync::Mutex<Option<Instant>>,
}

impl RedisReplayStore {
    /// A store at `url` (`redis://host:port[/db]`), not yet connected.
    pub(crate) fn new(url: &str) -> Result<Self, String> {
        if !url.starts_with("redis://") {
            return Err(format!("{url:?} is not memory or a redis://host:port[/db] URL"));
        }
        let client = redis::Client::open(url).map_err(|err| format!("{url:?} is not a Redis URL ({err})"))?;
        Ok(Self { client, manager: std::sync::RwLock::new(None), connecting: tokio::sync::Mutex::new(None) })
    }

    fn connected(&self) -> Option<ConnectionManager> {
        self.manager.read().ok().and_then(|manager| manager.clone())
    }

    async fn connection(&self) -> Option<ConnectionManager> {
        if let Some(manager) = self.connected() {
            return Some(manager);
        }
        // One task connects; requests arriving meanwhile are refused at once (503) rather than
        // queue behind the attempt.
        let mut failed_at = self.connecting.try_lock().ok()?;
        if let Some(manager) = self.connected() {
            return Some(manager);
        }
        if failed_at.is_some_and(|failed_at| failed_at.elapsed() < RECONNECT_AFTER) {
            return None;
        }
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(CONNECT_TIMEOUT)
            .set_response_timeout(RESPONSE_TIMEOUT)
            .set_number_of_retries(1)
            .set_max_delay(1000);
        let connect = ConnectionManager::new_with_config(self.client.clone(), config);
        match tokio::time::timeout(CONNECT_TIMEOUT * 2, connect).await {
            Ok(Ok(manager)) => {
                if let Ok(mut slot) = self.manager.write() {
                    *slot = Some(manager.clone());
                }
                *failed_at = None;
                Some(manager)
            }
            Ok(Err(err)) => {
                log::warn!("DPoP replay store: cannot connect to Redis: {err}");
                *failed_at = Some(Instant::now());
                None
            }
            Err(_) => {
                log::warn!("DPoP replay store: connecting to Redis timed out");
                *failed_at = Some(Instant::now());
                None
            }
        }
    }

    /// `SET dpop:{jkt}:{hash} 1 NX EX {ttl}`: `Ok` when newly set, `Reused` when it existed.
    pub(super) async fn remember(&self, jkt: &str, key: &[u8; 32], ttl_seconds: f64) -> Result<(), ReplayError> {
        let unavailable = ReplayError::Unavailable { retry_after: RETRY_AFTER };
        let mut connection = self.connection().await.ok_or(unavailable)?;
        let name = format!("dpop:{jkt}:{}", URL_SAFE_NO_PAD.encode(key));
        let ttl = ttl_seconds.ceil().max(1.0) as u64;
        let mut command = redis::cmd("SET");
        command.arg(name).arg(1).arg("NX").arg("EX").arg(ttl);
        let set = command.query_async::<Option<String>>(&mut connection);
        match tokio::time::timeout(RESPONSE_TIMEOUT * 2, set).await {
            Ok(Ok(Some(_))) => Ok(()),
            Ok(Ok(None)) => Err(ReplayError::Reused),
            Ok(Err(err)) => {
                log::warn!("DPoP replay store: Redis refused SET: {err}");
                Err(unavailable)
            }
            Err(_) => {
                log::warn!("DPoP replay store: Redis did not answer in time");
                Err(unavailable)
            }
        }
    }

    /// Whether Redis answers a `PING` in time.
    pub(super) async fn ping(&self) -> bool {
        let Some(mut connection) = self.connection().await else { return false };
        let command = redis::cmd("PING");
        let ping = command.query_async::<String>(&mut connection);
        matches!(tokio::time::timeout(RESPONSE_TIMEOUT * 2, ping).await, Ok(Ok(_)))
    }
}
