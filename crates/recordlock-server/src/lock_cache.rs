//! The stored locks a decision read, kept in memory for a store only this process writes
//! (SQLite): a decide without a lock then costs a hash lookup instead of a database read
//! (a read transaction, its file locks and a JSON parse).
//!
//! Correct because every write of an organisation's locks goes through this process
//! (`Org::write_locks` and the configuration journal, which release locks), and each of them
//! [`LockCache::invalidate`]s the organisation's cache after its transaction ends, before
//! the write is answered. A read that missed notes the cache's *generation* before it reads
//! the database and stores what it read only if no write has ended since
//! ([`LockCache::insert`]), so a value read before a write can never outlive it. A decision
//! that overlaps a write in time sees the lock before or after it, as with the database.
//!
//! Bounded: past [`CAPACITY`] entries the cache is emptied and fills again.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use recordlock::LockState;

/// Records whose locks an organisation's cache holds at most.
pub const CAPACITY: usize = 1 << 16;

/// What [`LockCache::get`] found.
#[derive(Debug, Clone, PartialEq)]
pub enum Cached {
    /// The record's stored lock (`None`: it has none), as last read or written.
    Hit(Option<Arc<LockState>>),
    /// Not held: read the database, then [`LockCache::insert`] with this generation.
    Miss(u64),
}

#[derive(Debug, Default)]
struct Entries {
    /// Bumped by every write: a read begun before it must not be stored.
    generation: u64,
    /// By module, then record id.
    locks: HashMap<String, HashMap<String, Option<Arc<LockState>>>>,
    len: usize,
}

/// One organisation's cached stored locks.
///
/// ```
/// use std::sync::Arc;
/// use recordlock::LockState;
/// use recordlock_server::lock_cache::{Cached, LockCache};
///
/// let cache = LockCache::default();
/// let Cached::Miss(generation) = cache.get("Deals", "17") else { unreachable!() };
/// cache.invalidate(); // a write ends while the read was in flight
/// cache.insert(generation, "Deals", "17", Some(Arc::new(LockState::Unlocked)));
/// assert!(matches!(cache.get("Deals", "17"), Cached::Miss(_)), "the older read is not kept");
/// let Cached::Miss(generation) = cache.get("Deals", "17") else { unreachable!() };
/// cache.insert(generation, "Deals", "17", None);
/// assert_eq!(cache.get("Deals", "17"), Cached::Hit(None));
/// ```
#[derive(Debug, Default)]
pub struct LockCache {
    entries: Mutex<Entries>,
}

impl LockCache {
    /// The cached lock of a record, or the generation to store a database read under. A
    /// poisoned cache holds nothing (every read goes to the database).
    pub fn get(&self, module: &str, record_id: &str) -> Cached {
        let Ok(entries) = self.entries.lock() else { return Cached::Miss(u64::MAX) };
        match entries.locks.get(module).and_then(|m| m.get(record_id)) {
            Some(lock) => Cached::Hit(lock.clone()),
            None => Cached::Miss(entries.generation),
        }
    }

    /// [`LockCache::get`] for many records of a module under one lock: fills `found[i]` for
    /// every `ids[i]` held (and leaves the others), and returns the generation to store
    /// database reads under.
    pub fn get_many<S: AsRef<str>>(
        &self,
        module: &str,
        ids: &[S],
        found: &mut [Option<Option<Arc<LockState>>>],
    ) -> u64 {
        let Ok(entries) = self.entries.lock() else { return u64::MAX };
        if let Some(records) = entries.locks.get(module) {
            for (slot, id) in found.iter_mut().zip(ids) {
                if let Some(lock) = records.get(id.as_ref()) {
                    *slot = Some(lock.clone());
                }
            }
        }
        entries.generation
    }

    /// Stores a lock read from the database, if no write has ended since `generation` was
    /// handed out.
    pub fn insert(&self, generation: u64, module: &str, record_id: &str, lock: Option<Arc<LockState>>) {
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.generation != generation {
            return;
        }
        if entries.len >= CAPACITY {
            entries.locks.clear();
            entries.len = 0;
        }
        let records = entries.locks.entry(module.to_owned()).or_default();
        if records.insert(record_id.to_owned(), lock).is_none() {
            entries.len += 1;
        }
    }

    /// Forgets everything: called after every write of the organisation, committed or not.
    pub fn invalidate(&self) {
        // A poisoned cache is never read again (`get` misses), so there is nothing to clear.
        if let Ok(mut entries) = self.entries.lock() {
            entries.generation = entries.generation.wrapping_add(1);
            entries.locks.clear();
            entries.len = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_is_bounded() {
        let cache = LockCache::default();
        for i in 0..CAPACITY + 10 {
            let Cached::Miss(g) = cache.get("Deals", &i.to_string()) else { panic!("{i} cached before") };
            cache.insert(g, "Deals", &i.to_string(), None);
        }
        let len = cache.entries.lock().unwrap().len;
        assert!(len <= CAPACITY && len > 0, "{len}");
        assert_eq!(cache.get("Deals", &(CAPACITY + 9).to_string()), Cached::Hit(None));
    }

    #[test]
    fn many_are_read_as_one_at_a_time() {
        let cache = LockCache::default();
        let Cached::Miss(g) = cache.get("Deals", "1") else { panic!() };
        cache.insert(g, "Deals", "1", Some(Arc::new(LockState::Unlocked)));
        cache.insert(g, "Deals", "2", None);
        let ids = ["2", "3", "1", "2"];
        let mut found = vec![None; ids.len()];
        assert_eq!(cache.get_many("Deals", &ids, &mut found), g);
        assert_eq!(found, [Some(None), None, Some(Some(Arc::new(LockState::Unlocked))), Some(None)]);
        for (id, got) in ids.iter().zip(&found) {
            assert_eq!(got.clone().map_or_else(|| Cached::Miss(g), Cached::Hit), cache.get("Deals", id));
        }
        let mut other = vec![None; 1];
        cache.get_many("Contacts", &["1"], &mut other);
        assert_eq!(other, [None]);
    }

    #[test]
    fn a_write_empties_the_cache() {
        let cache = LockCache::default();
        let Cached::Miss(g) = cache.get("Deals", "1") else { panic!() };
        cache.insert(g, "Deals", "1", Some(Arc::new(LockState::Unlocked)));
        assert!(matches!(cache.get("Deals", "1"), Cached::Hit(Some(_))));
        cache.invalidate();
        assert!(matches!(cache.get("Deals", "1"), Cached::Miss(_)));
    }
}
