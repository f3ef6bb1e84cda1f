//! Used proofs, remembered so that each is accepted once: a proof's `jti` (per key) is kept until
//! its `iat` leaves the window. The store never forgets an unexpired `jti` to make room: when it
//! is full, or Redis cannot be reached, the request is refused (503) instead.

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::Duration;

use aws_lc_rs::digest;

use super::proof::VerifiedProof;
use super::redis_store::RedisReplayStore;

/// How many unexpired proofs `memory` remembers (about 100 bytes each: 10 MB at most).
pub(crate) const MEMORY_CAPACITY: usize = 100_000;

/// Why a proof cannot be accepted now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ReplayError {
    /// Its `jti` was used before with the same key, within the window.
    Reused,
    /// The store is full or unreachable: try again after `retry_after`.
    Unavailable {
        /// Sent as `Retry-After`, in whole seconds.
        retry_after: Duration,
    },
}

/// Where used proofs are remembered (`DPOP_REPLAY_STORE`).
pub(crate) enum ReplayStore {
    /// This process only (`memory`, the default).
    Memory(MemoryReplayStore),
    /// A Redis server shared by replicas (`redis://host:port[/db]`).
    Redis(RedisReplayStore),
}

impl ReplayStore {
    /// A store in this process remembering at most `capacity` unexpired proofs.
    pub(crate) fn memory(capacity: usize) -> Self {
        Self::Memory(MemoryReplayStore::new(capacity))
    }

    /// A store in the Redis at `url` (`redis://host:port[/db]`); it connects on first use and
    /// reconnects by itself. Fails only for a URL that is not a Redis URL.
    pub(crate) fn redis(url: &str) -> Result<Self, String> {
        RedisReplayStore::new(url).map(Self::Redis)
    }

    /// Accepts `proof` once: `Ok` the first time, [`ReplayError::Reused`] afterwards until it
    /// expires. `now` is in seconds since the Unix epoch.
    pub(crate) async fn remember(&self, proof: &VerifiedProof, now: f64) -> Result<(), ReplayError> {
        match self {
            Self::Memory(store) => store.remember(&proof_key(proof), proof.expires_at, now),
            Self::Redis(store) => store.remember(&proof.jkt, &proof_key(proof), proof.expires_at - now).await,
        }
    }

    /// Whether the store can be used now (a Redis store answers a `PING`); for `/health/ready`.
    pub(crate) async fn reachable(&self) -> bool {
        match self {
            Self::Memory(_) => true,
            Self::Redis(store) => store.ping().await,
        }
    }
}

/// The key a proof is remembered by: the SHA-256 of its key's thumbprint and its `jti`, so that
/// the size of a stored entry does not depend on what the client sent.
fn proof_key(proof: &VerifiedProof) -> [u8; 32] {
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(proof.jkt.as_bytes());
    context.update(&[0]);
    context.update(proof.jti.as_bytes());
    let mut key = [0u8; 32];
    key.copy_from_slice(context.finish().as_ref());
    key
}

/// Used proofs in this process, bounded.
pub(crate) struct MemoryReplayStore {
    capacity: usize,
    inner: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    expiry: HashMap<[u8; 32], u64>,
    /// The same entries ordered by expiry (milliseconds), so that expired ones leave cheaply.
    by_expiry: BTreeSet<(u64, [u8; 32])>,
}

impl MemoryReplayStore {
    /// Remembers at most `capacity` unexpired proofs.
    pub(crate) fn new(capacity: usize) -> Self {
        Self { capacity, inner: Mutex::new(Seen::default()) }
    }

    /// Remembers `key` until `expires_at` (seconds since the Unix epoch), unless it is known.
    pub(crate) fn remember(&self, key: &[u8; 32], expires_at: f64, now: f64) -> Result<(), ReplayError> {
        let millis = |seconds: f64| (seconds.max(0.0) * 1000.0) as u64;
        let now_ms = millis(now);
        let mut seen = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while let Some(&(expiry, old)) = seen.by_expiry.first() {
            if expiry > now_ms {
                break;
            }
            seen.by_expiry.pop_first();
            seen.expiry.remove(&old);
        }
        if seen.expiry.contains_key(key) {
            return Err(ReplayError::Reused);
        }
        if seen.expiry.len() >= self.capacity {
            let first = seen.by_expiry.first().map_or(now_ms + 1000, |&(expiry, _)| expiry);
            let retry_after = Duration::from_millis(first.saturating_sub(now_ms)).max(Duration::from_secs(1));
            log::warn!("DPoP replay store is full ({} proofs): refusing until the oldest expires", self.capacity);
            return Err(ReplayError::Unavailable { retry_after });
        }
        let expiry = millis(expires_at).max(now_ms + 1);
        seen.expiry.insert(*key, expiry);
        seen.by_expiry.insert((expiry, *key));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proof_is_accepted_once_until_it_expires() {
        let store = MemoryReplayStore::new(10);
        let key = [1; 32];
        assert_eq!(store.remember(&key, 100.0, 50.0), Ok(()));
        assert_eq!(store.remember(&key, 100.0, 99.0), Err(ReplayError::Reused));
        assert_eq!(store.remember(&key, 200.0, 100.0), Ok(()), "forgotten once expired");
    }

    #[test]
    fn a_full_store_refuses_rather_than_forget_an_unexpired_proof() {
        let store = MemoryReplayStore::new(2);
        assert_eq!(store.remember(&[1; 32], 110.0, 100.0), Ok(()));
        assert_eq!(store.remember(&[2; 32], 120.0, 100.0), Ok(()));
        assert_eq!(
            store.remember(&[3; 32], 130.0, 100.0),
            Err(ReplayError::Unavailable { retry_after: Duration::from_secs(10) })
        );
        assert_eq!(store.remember(&[1; 32], 110.0, 105.0), Err(ReplayError::Reused), "still remembered");
        assert_eq!(store.remember(&[3; 32], 130.0, 110.0), Ok(()), "room once the first expired");
    }
}
