//! Recently written SIMPLE_TRANSFER_STATUS attributes, reused while nothing has been
//! written since.
//!
//! Clients poll the status of a job that changes a few times a week. Measured on the
//! load bench's 2-core machine (10-domain job, 8 keep-alive clients): reading and
//! writing the job took ~70 % of a request's CPU, about 3× what the same read costs
//! in a loop on its own (caches shared with hyper, the kernel's TCP and the client).
//!
//! An entry is good while [`Store::write_count`] has not moved since before the read
//! it came from: any commit to the database, by this process or another instance on
//! it, to any table, drops every entry, so a status read on one instance right after
//! a write on another shows the write. Entries are also limited to [`MAX_AGE`].

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::ops::Fragment;
use crate::store::Store;

/// The longest an entry is used.
pub const MAX_AGE: Duration = Duration::from_secs(1);
/// Larger replies are not kept (a 10,000-domain status is 2.6 MB).
const MAX_ENTRY: usize = 256 * 1024;
/// When the entries' total passes this, they are all dropped.
const MAX_TOTAL: usize = 16 * 1024 * 1024;

#[derive(Debug, Default)]
pub struct ReplyCache {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    /// (reseller id, job id) → (write count before the read, when, attributes).
    map: HashMap<(i64, i64), (u64, Instant, Fragment)>,
    bytes: usize,
}

impl ReplyCache {
    /// The attributes of `key` if written from a read no write has followed.
    pub fn get(&self, store: &Store, key: (i64, i64), now: Instant) -> Option<Fragment> {
        let entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let (count, at, f) = entries.map.get(&key)?;
        (*count == store.write_count() && now.saturating_duration_since(*at) < MAX_AGE)
            .then(|| f.clone())
    }

    /// Keeps `f`, read after `count` was taken from [`Store::write_count`].
    pub fn put(&self, key: (i64, i64), count: u64, now: Instant, f: &Fragment) {
        if f.len() > MAX_ENTRY {
            return;
        }
        let mut entries = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.bytes + f.len() > MAX_TOTAL {
            entries.map.clear();
            entries.bytes = 0;
        }
        entries.bytes += f.len();
        if let Some((_, _, old)) = entries.map.insert(key, (count, now, f.clone())) {
            entries.bytes -= old.len();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::ItemWriter;
    use crate::store::test_support::temp_store;

    fn fragment(text: &str) -> Fragment {
        let mut w = ItemWriter::fragment(0);
        w.scalar("status", text);
        w.into_fragment()
    }

    #[test]
    fn any_write_or_age_makes_an_entry_stale() {
        let (store, _dir) = temp_store();
        let cache = ReplyCache::default();
        let t0 = Instant::now();
        let before = store.write_count();
        cache.put((1, 7), before, t0, &fragment("pending"));
        assert_eq!(cache.get(&store, (1, 7), t0), Some(fragment("pending")));
        assert_eq!(cache.get(&store, (2, 7), t0), None, "per reseller");
        assert_eq!(cache.get(&store, (1, 7), t0 + MAX_AGE), None, "too old");
        assert!(store.add_reseller("r", "k", &[], 0).is_ok());
        assert_eq!(cache.get(&store, (1, 7), t0), None, "a write happened");
    }

    /// Issue 17: a commit by another instance on the same database counts too.
    #[test]
    fn another_instances_write_makes_an_entry_stale() {
        let (store, _dir) = temp_store();
        let other = Store::open(store.path()).unwrap_or_else(|e| panic!("{e}"));
        let cache = ReplyCache::default();
        let t0 = Instant::now();
        cache.put((1, 7), store.write_count(), t0, &fragment("pending"));
        assert!(cache.get(&store, (1, 7), t0).is_some());
        assert!(other.add_reseller("r", "k", &[], 0).is_ok());
        assert_eq!(cache.get(&store, (1, 7), t0), None);
    }

    #[test]
    fn large_replies_are_not_kept_and_the_total_is_bounded() {
        let (store, _dir) = temp_store();
        let cache = ReplyCache::default();
        let t0 = Instant::now();
        let count = store.write_count();
        let big = fragment(&"x".repeat(MAX_ENTRY));
        cache.put((1, 1), count, t0, &big);
        assert_eq!(cache.get(&store, (1, 1), t0), None);
        let mid = fragment(&"y".repeat(MAX_ENTRY / 2));
        for job in 0..(2 * MAX_TOTAL / mid.len()) as i64 {
            cache.put((1, job), count, t0, &mid);
        }
        let kept = cache.inner.lock().map(|e| e.bytes).unwrap_or(usize::MAX);
        assert!(kept <= MAX_TOTAL, "{kept}");
    }
}
