//! The OPS callers' credentials (private key and IP Access Rules), kept in memory for
//! a short time so that a request does not pay a database read to learn who is
//! calling.
//!
//! Measured on the load bench's machine: the lookup was two SQLite reads, 6.4 µs of
//! a 50 µs SIMPLE_TRANSFER_STATUS; a hit here costs about 1 µs (the check that
//! nothing was committed since, [`Store::write_count`]). An entry is good for [`TTL`]
//! while no connection, of this process or of another instance or `opsd` command
//! on the same database, has committed since it was read: a key or IP rule changed
//! anywhere takes effect at the next request. Unknown names are never cached, so a
//! reseller added while the server runs can call at once, and made-up names cannot
//! fill the cache.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use crate::store::{Reseller, Store, StoreError};

/// How long a looked-up reseller is trusted without reading it again.
pub const TTL: Duration = Duration::from_secs(2);

#[derive(Debug, Default)]
pub struct CredentialCache {
    entries: RwLock<HashMap<String, Entry>>,
}

/// A reseller, when it was read, and the store's write count before the read.
type Entry = (Arc<Reseller>, Instant, u64);

impl CredentialCache {
    /// The reseller called `username` if the cache holds a current entry (no table
    /// read, nothing that waits for a lock).
    pub fn peek(&self, store: &Store, username: &str, now: Instant) -> Option<Arc<Reseller>> {
        let entries = self.entries.read().unwrap_or_else(PoisonError::into_inner);
        let (r, at, count) = entries.get(username)?;
        (now.saturating_duration_since(*at) < TTL && *count == store.write_count())
            .then(|| r.clone())
    }

    /// The reseller called `username`, from the cache while its entry is fresh, from
    /// the store otherwise.
    pub fn lookup(
        &self,
        store: &Store,
        username: &str,
        now: Instant,
    ) -> Result<Option<Arc<Reseller>>, StoreError> {
        if let Some(r) = self.peek(store, username, now) {
            return Ok(Some(r));
        }
        let count = store.write_count();
        let found = store.reseller_by_name(username)?.map(Arc::new);
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        match &found {
            Some(r) => {
                entries.insert(username.to_string(), (r.clone(), now, count));
            }
            None => {
                entries.remove(username);
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;

    #[test]
    fn hits_until_a_commit_or_stale_and_never_caches_unknown_names() {
        let (store, _dir) = temp_store();
        let cache = CredentialCache::default();
        let t0 = Instant::now();
        assert!(matches!(cache.lookup(&store, "alice", t0), Ok(None)));
        let id = store.add_reseller("alice", "k1", &[], 0).unwrap_or(0);
        let first = cache.lookup(&store, "alice", t0).ok().flatten();
        assert_eq!(first.map(|r| r.private_key.clone()).as_deref(), Some("k1"));
        assert!(cache.peek(&store, "alice", t0 + TTL / 2).is_some(), "hit");
        assert!(cache.peek(&store, "alice", t0 + TTL).is_none(), "stale");
        let key = |at| {
            cache
                .lookup(&store, "alice", at)
                .ok()
                .flatten()
                .map(|r| r.private_key.clone())
        };
        assert_eq!(key(t0).as_deref(), Some("k1"));
        // Change the key behind the cache's back, as another instance or a command
        // beside the server would: the next lookup reads it.
        let other = Store::open(store.path()).unwrap_or_else(|e| panic!("{e}"));
        assert!(other.set_private_key(id, "k2").is_ok());
        assert!(cache.peek(&store, "alice", t0).is_none(), "a commit since");
        assert_eq!(key(t0).as_deref(), Some("k2"), "re-read at once");
        assert!(
            matches!(cache.lookup(&store, "Alice", t0), Ok(None)),
            "exact names"
        );
    }
}
