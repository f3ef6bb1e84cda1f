//! A store of entries that expire (sessions, codes, refresh tokens), bounded by count and by
//! bytes: expired entries are dropped as new ones arrive, and the oldest go first when full.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// What an entry costs beyond its own strings: the map's slot, the queue's, the expiry, headers.
const ENTRY_OVERHEAD: usize = 160;

/// A value that knows how many bytes of heap it holds.
pub(super) trait Weigh {
    /// Bytes held on the heap (string capacities), not counting the value itself.
    fn heap_bytes(&self) -> usize;
}

/// Bounds of a store.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    /// How long an entry lives.
    pub lifetime: Duration,
    /// At most this many entries.
    pub count: usize,
    /// At most this many bytes, by [`Store::bytes`].
    pub bytes: usize,
}

/// Entries by key; each expires `lifetime` after it was put in.
pub(super) struct Store<T> {
    entries: HashMap<String, (Instant, T)>,
    /// Keys in the order they came, which is the order they expire in. A key taken early stays
    /// here until it reaches the front or the queue is compacted.
    order: VecDeque<String>,
    bounds: Bounds,
    bytes: usize,
}

fn cost<T: Weigh>(key: &str, value: &T) -> usize {
    // The key is held twice: in the map and in the queue.
    2 * key.len() + value.heap_bytes() + std::mem::size_of::<T>() + ENTRY_OVERHEAD
}

impl<T: Weigh> Store<T> {
    pub(super) fn new(bounds: Bounds) -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new(), bounds, bytes: 0 }
    }

    /// Bytes the entries hold, by the store's own accounting.
    #[cfg(test)]
    pub(super) fn bytes(&self) -> usize {
        self.bytes
    }

    /// How many entries are held (expired ones included until new ones arrive).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Puts `value` in at `now`, after dropping what expired and, when full, the oldest entries.
    pub(super) fn insert(&mut self, key: String, value: T, now: Instant) {
        let added = cost(&key, &value);
        while let Some(oldest) = self.order.front() {
            let expired = self.entries.get(oldest).is_none_or(|(expires, _)| *expires <= now);
            let full = self.entries.len() >= self.bounds.count || self.bytes + added > self.bounds.bytes;
            if !expired && !full {
                break;
            }
            if let Some(oldest) = self.order.pop_front() {
                self.remove(&oldest);
            }
        }
        // Keys taken early may still sit in the queue; keep it from outgrowing the map.
        if self.order.len() >= 2 * self.bounds.count.max(1) {
            let entries = &self.entries;
            self.order.retain(|key| entries.contains_key(key));
        }
        self.order.push_back(key.clone());
        self.bytes += added;
        if let Some((_, replaced)) = self.entries.insert(key.clone(), (now + self.bounds.lifetime, value)) {
            self.bytes -= cost(&key, &replaced);
        }
    }

    /// The live entry under `key`.
    pub(super) fn get(&self, key: &str, now: Instant) -> Option<&T> {
        self.entries.get(key).filter(|(expires, _)| *expires > now).map(|(_, value)| value)
    }

    /// Takes the entry under `key` out; it is returned only while live.
    pub(super) fn take(&mut self, key: &str, now: Instant) -> Option<T> {
        self.remove(key).filter(|(expires, _)| *expires > now).map(|(_, value)| value)
    }

    /// Removes every entry `drop` says to (a logout ends its session's codes and tokens too).
    pub(super) fn remove_where(&mut self, mut drop: impl FnMut(&T) -> bool) {
        let keys: Vec<String> =
            self.entries.iter().filter(|(_, (_, value))| drop(value)).map(|(key, _)| key.clone()).collect();
        for key in keys {
            self.remove(&key);
        }
    }

    fn remove(&mut self, key: &str) -> Option<(Instant, T)> {
        let removed = self.entries.remove(key)?;
        self.bytes -= cost(key, &removed.1);
        Some(removed)
    }
}

impl Weigh for String {
    fn heap_bytes(&self) -> usize {
        self.capacity()
    }
}

impl<T: Weigh> Weigh for Option<T> {
    fn heap_bytes(&self) -> usize {
        self.as_ref().map_or(0, Weigh::heap_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOUNDS: Bounds = Bounds { lifetime: Duration::from_secs(60), count: 100, bytes: 1 << 20 };

    #[test]
    fn a_store_never_holds_more_than_its_count() {
        let now = Instant::now();
        let mut store = Store::new(BOUNDS);
        for n in 0..BOUNDS.count + 10 {
            store.insert(n.to_string(), n.to_string(), now);
        }
        assert_eq!(store.len(), BOUNDS.count);
        assert!(store.get("0", now).is_none(), "the oldest went first");
        let last = (BOUNDS.count + 9).to_string();
        assert_eq!(store.take(&last, now), Some(last.clone()));
        assert_eq!(store.take(&last, now), None, "taken once");
        for n in 0..3 * BOUNDS.count {
            store.insert(format!("x{n}"), String::new(), now);
            store.take(&format!("x{n}"), now);
        }
        assert!(store.order.len() <= 2 * BOUNDS.count);
    }

    #[test]
    fn expired_entries_are_dropped_as_new_ones_arrive() {
        let start = Instant::now();
        let mut store = Store::new(BOUNDS);
        for n in 0..50 {
            store.insert(n.to_string(), "x".repeat(1000), start);
        }
        let full = store.bytes();
        assert!(full > 50 * 1000);
        let later = start + BOUNDS.lifetime;
        assert!(store.get("0", later).is_none(), "expired entries are not answered");
        store.insert("new".to_owned(), String::new(), later);
        assert_eq!(store.len(), 1, "the expired entries went when a new one came");
        assert!(store.bytes() < 1000, "and their bytes with them: {}", store.bytes());
    }

    #[test]
    fn a_store_never_holds_more_than_its_bytes() {
        let now = Instant::now();
        let bounds = Bounds { bytes: 100_000, ..BOUNDS };
        let mut store = Store::new(bounds);
        for n in 0..100 {
            store.insert(n.to_string(), "x".repeat(10_000), now);
            assert!(store.bytes() <= bounds.bytes, "{} after {n}", store.bytes());
        }
        assert!(store.len() < 10);
        store.remove_where(|_| true);
        assert_eq!(store.bytes(), 0, "the accounting balances");
    }
}
