//! Request rate limits: a token bucket per key (a reseller's id for OPS, a client
//! address for DNS), refilled at the configured rate, holding up to twice that
//! (so short bursts pass). Throughput is measured on the monotonic clock, not the
//! business clock: moving the sandbox clock forward must not refill anyone's
//! bucket. The buckets are bounded: past [`MAX_BUCKETS`] keys they start afresh,
//! so a flood of source addresses cannot grow them without end.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

/// The most keys tracked at once.
pub const MAX_BUCKETS: usize = 100_000;

#[derive(Debug)]
pub struct RateLimiter<K = i64> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_second` requests per second per key; 0 turns the limit off.
    pub fn new(per_second: u32) -> RateLimiter<K> {
        RateLimiter {
            per_second: f64::from(per_second),
            burst: f64::from(per_second) * 2.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets every bucket (a sandbox reset: reseller ids start again).
    pub fn clear(&self) {
        self.buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Takes one request from the key's bucket; false when it is empty.
    pub fn allow(&self, key: K, now: Instant) -> bool {
        if self.per_second <= 0.0 {
            return true;
        }
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_BUCKETS && !buckets.contains_key(&key) {
            buckets.clear();
        }
        let (tokens, last) = buckets.entry(key).or_insert((self.burst, now));
        let refill = now.saturating_duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bursts_then_refills_per_reseller() {
        let r = RateLimiter::new(5);
        let t0 = Instant::now();
        let passed = (0..20).filter(|_| r.allow(1, t0)).count();
        assert_eq!(passed, 10, "a burst of twice the rate");
        assert!(r.allow(2, t0), "another reseller has its own bucket");
        assert!(!r.allow(1, t0));
        assert!(
            r.allow(1, t0 + Duration::from_millis(200)),
            "one token per 200 ms"
        );
        assert!(!r.allow(1, t0 + Duration::from_millis(200)));
        assert!(RateLimiter::new(0).allow(1, t0), "0 = no limit");
    }
}
