//! How every periodic database step of a serving instance (the task runner, the
//! lanes, lease renewal, the journal's flush, the instance's heartbeat, pruning)
//! behaves when the store fails — a full disk, a database gone away: it waits 1 s,
//! then twice as long after each failure in a row up to a minute, each wait
//! jittered so that instances do not retry in step; and it says so once when it
//! starts failing and once when it recovers, not on every round (a full disk once
//! made ~1,750 log lines a second).

use std::fmt::Display;
use std::time::Duration;

/// The first wait after a failure, and the longest.
const FIRST: Duration = Duration::from_secs(1);
const LONGEST: Duration = Duration::from_secs(60);

/// One periodic step's run of failures.
#[derive(Debug)]
pub struct Backoff {
    what: &'static str,
    failures: u32,
}

impl Backoff {
    /// For the step `what` (named in its log lines).
    pub fn new(what: &'static str) -> Backoff {
        Backoff { what, failures: 0 }
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Records a round that worked; logs the recovery after failures.
    pub fn succeeded(&mut self) {
        if self.failures > 0 {
            tracing::info!(step = self.what, failures = self.failures, "recovered");
        }
        self.failures = 0;
    }

    /// Records a round that failed and returns how long to wait before the next;
    /// logs the first failure of a run (and every hundredth, so a long outage
    /// still shows).
    pub fn failed(&mut self, error: &dyn Display) -> Duration {
        self.failures = self.failures.saturating_add(1);
        let wait = jittered(base(self.failures));
        if self.failures == 1 || self.failures.is_multiple_of(100) {
            tracing::error!(
                step = self.what,
                failures = self.failures,
                retry_in_ms = wait.as_millis() as u64,
                %error,
                "cannot use the store; retrying with backoff"
            );
        }
        wait
    }

    /// [`Backoff::succeeded`] or [`Backoff::failed`] by `outcome`: `None` when it
    /// worked, else the wait.
    pub fn after<T, E: Display>(&mut self, outcome: &Result<T, E>) -> Option<Duration> {
        match outcome {
            Ok(_) => {
                self.succeeded();
                None
            }
            Err(e) => Some(self.failed(e)),
        }
    }
}

/// 1, 2, 4 … seconds after `failures` failures in a row, at most a minute.
fn base(failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(6);
    (FIRST * (1u32 << doublings)).min(LONGEST)
}

/// `d` give or take a fifth, at random.
fn jittered(d: Duration) -> Duration {
    let mut b = [0u8; 2];
    let r = match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u16::from_le_bytes(b)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    };
    d.mul_f64(0.8 + 0.4 * r)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 26.9: 1 s doubling to 60 s, each wait within a fifth of its base.
    #[test]
    fn waits_double_to_a_minute_with_jitter() {
        let bases: Vec<u64> = (1..=9).map(|n| base(n).as_secs()).collect();
        assert_eq!(bases, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        let mut b = Backoff::new("test");
        for n in 1..=9 {
            let w = b.failed(&"disk full");
            let expected = base(n).as_secs_f64();
            assert!(
                (expected * 0.8..=expected * 1.2).contains(&w.as_secs_f64()),
                "{n}: {w:?}"
            );
        }
        assert_eq!(b.failures(), 9);
        assert_eq!(b.after(&Ok::<(), &str>(())), None);
        assert_eq!(b.failures(), 0);
        assert!(
            b.after(&Err::<(), _>("again"))
                .is_some_and(|w| w <= FIRST.mul_f64(1.2))
        );
    }
}
