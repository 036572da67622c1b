//! Answers kept by key, bounded by count and by bytes, the oldest dropped first. A key names
//! everything its answer depends on (a release or snapshot never changes once written), so an
//! entry is never stale, only old; the bounds keep memory flat whatever callers ask for.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Mutex;

use bytes::Bytes;

pub struct BodyCache<K> {
    entries: Mutex<Entries<K>>,
    max_entries: usize,
    max_bytes: usize,
}

/// The bodies by key, the keys in the order they came, and the bytes held.
struct Entries<K> {
    bodies: HashMap<K, Bytes>,
    order: VecDeque<K>,
    bytes: usize,
}

impl<K: Eq + Hash + Clone> BodyCache<K> {
    /// At most `max_entries` bodies and `max_bytes` bytes; a body larger than `max_bytes` alone
    /// is answered but not kept.
    pub fn new(max_entries: usize, max_bytes: usize) -> Self {
        BodyCache {
            entries: Mutex::new(Entries {
                bodies: HashMap::new(),
                order: VecDeque::new(),
                bytes: 0,
            }),
            max_entries,
            max_bytes,
        }
    }

    pub fn get(&self, key: &K) -> Option<Bytes> {
        let e = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        e.bodies.get(key).cloned()
    }

    /// The body of `key`, made by `make` when it is not kept yet (then kept).
    pub fn get_or_make<E>(
        &self,
        key: &K,
        make: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Some(body) = self.get(key) {
            return Ok(body);
        }
        let body = make()?;
        self.put(key.clone(), body.clone());
        Ok(body)
    }

    pub fn put(&self, key: K, body: Bytes) {
        if body.len() > self.max_bytes {
            return;
        }
        let mut guard = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let e = &mut *guard;
        e.bytes += body.len();
        match e.bodies.insert(key.clone(), body) {
            Some(old) => e.bytes -= old.len(),
            None => e.order.push_back(key),
        }
        while e.order.len() > self.max_entries || e.bytes > self.max_bytes {
            let Some(oldest) = e.order.pop_front() else {
                break;
            };
            if let Some(old) = e.bodies.remove(&oldest) {
                e.bytes -= old.len();
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .bodies
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_bytes_are_bounded_oldest_first() {
        let c = BodyCache::new(3, 10);
        for i in 0..5u8 {
            c.put(i, Bytes::from(vec![i; 2]));
        }
        assert_eq!(c.len(), 3);
        assert!(c.get(&1).is_none());
        assert_eq!(c.get(&2).as_deref(), Some(&[2u8, 2][..]));
        // 8 bytes more: 2 + 2 + 2 + 8 > 10, so the two oldest go.
        c.put(9, Bytes::from(vec![9; 8]));
        assert_eq!(c.len(), 2);
        assert!(c.get(&3).is_none());
        assert!(c.get(&4).is_some());
        // Too big to keep, never kept.
        c.put(10, Bytes::from(vec![0; 11]));
        assert!(c.get(&10).is_none());
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_body_is_made_once() {
        let c = BodyCache::new(4, 100);
        let mut made = 0;
        for _ in 0..3 {
            let body = c
                .get_or_make(&"k", || {
                    made += 1;
                    Ok::<_, ()>(Bytes::from_static(b"body"))
                })
                .unwrap();
            assert_eq!(&body[..], b"body");
        }
        assert_eq!(made, 1);
    }
}
