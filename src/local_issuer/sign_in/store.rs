//! A store of entries that expire, with a fixed capacity (sessions and codes).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::STORE_CAPACITY;

/// A store of entries that expire, holding at most `STORE_CAPACITY` of them.
pub(super) struct Store<T> {
    entries: HashMap<String, (Instant, T)>,
    order: VecDeque<String>,
    lifetime: Duration,
}

impl<T> Store<T> {
    pub(super) fn new(lifetime: Duration) -> Self {
        Self { entries: HashMap::new(), order: VecDeque::new(), lifetime }
    }

    pub(super) fn insert(&mut self, key: String, value: T) {
        while self.entries.len() >= STORE_CAPACITY {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.entries.remove(&oldest);
                }
                None => break,
            }
        }
        // Keys removed early may still sit in `order`; keep it from outgrowing the map.
        if self.order.len() >= 2 * STORE_CAPACITY {
            self.order.retain(|key| self.entries.contains_key(key));
        }
        self.order.push_back(key.clone());
        self.entries.insert(key, (Instant::now() + self.lifetime, value));
    }

    pub(super) fn get(&self, key: &str) -> Option<&T> {
        self.entries.get(key).filter(|(expires, _)| *expires > Instant::now()).map(|(_, value)| value)
    }

    pub(super) fn take(&mut self, key: &str) -> Option<T> {
        self.entries.remove(key).filter(|(expires, _)| *expires > Instant::now()).map(|(_, value)| value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_never_holds_more_than_its_capacity() {
        let mut store = Store::new(Duration::from_secs(60));
        for n in 0..STORE_CAPACITY + 10 {
            store.insert(n.to_string(), n);
        }
        assert_eq!(store.entries.len(), STORE_CAPACITY);
        assert!(store.get("0").is_none(), "the oldest went first");
        assert_eq!(store.take(&(STORE_CAPACITY + 9).to_string()), Some(STORE_CAPACITY + 9));
        assert_eq!(store.take(&(STORE_CAPACITY + 9).to_string()), None, "taken once");
        for n in 0..3 * STORE_CAPACITY {
            store.insert(format!("x{n}"), n);
            store.take(&format!("x{n}"));
        }
        assert!(store.order.len() <= 2 * STORE_CAPACITY);
    }
}
