//! The throttle on failed logins, per account and per client address.
//!
//! Every password check opsd makes (page logins, the Email API, `/srv/push_domain`,
//! profile credentials inside OPS requests) asks here first and reports how it went.
//! An account with [`Policy::per_account`] failures within [`Policy::window`] is
//! refused until the window ends, whoever asks; an address with
//! [`Policy::per_address`] failures is refused whatever account it tries. A refused
//! attempt costs no Argon2 run. Unknown accounts count like known ones, so the
//! throttle does not tell which names exist. IPv6 addresses count by their /64, which
//! one client usually holds whole.
//!
//! Time is the monotonic clock: moving the sandbox clock does not unlock anyone.
//! The counters live in this process: with several instances, each throttles alone.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Most keys kept per kind; past it the oldest are forgotten first.
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub per_account: u32,
    pub per_address: u32,
    pub window: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            per_account: 10,
            per_address: 50,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// An attempt refused before its password was checked; try again after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused {
    pub retry_after: Duration,
}

impl Refused {
    /// Whole minutes to wait, at least one: what a person is told.
    pub fn minutes(&self) -> u64 {
        self.retry_after.as_secs().div_ceil(60).max(1)
    }
}

#[derive(Debug)]
pub struct LoginThrottle {
    policy: Policy,
    accounts: Mutex<HashMap<String, Failures>>,
    addresses: Mutex<HashMap<IpAddr, Failures>>,
}

/// Failures within a window that started at `since`.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since: Instant,
}

impl LoginThrottle {
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle {
            policy,
            accounts: Mutex::new(HashMap::new()),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Forgets every failure (a sandbox reset).
    pub fn clear(&self) {
        self.accounts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
        self.addresses
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Whether `account` may try a password from `peer` now. Refusals are logged.
    pub fn check(&self, account: &str, peer: IpAddr, now: Instant) -> Result<(), Refused> {
        let window = self.policy.window;
        let over = |f: Option<&Failures>, limit: u32| {
            f.filter(|f| now.saturating_duration_since(f.since) < window && f.count >= limit)
                .map(|f| Refused {
                    retry_after: window.saturating_sub(now.saturating_duration_since(f.since)),
                })
        };
        let by_account = over(lock(&self.accounts).get(account), self.policy.per_account);
        let by_address = over(
            lock(&self.addresses).get(&address_key(peer)),
            self.policy.per_address,
        );
        match by_account
            .into_iter()
            .chain(by_address)
            .max_by_key(|r| r.retry_after)
        {
            Some(r) => {
                tracing::warn!(
                    account,
                    %peer,
                    retry_after_s = r.retry_after.as_secs(),
                    "login refused: too many failed attempts"
                );
                Err(r)
            }
            None => Ok(()),
        }
    }

    /// A wrong password (or an unknown account) for `account` from `peer`.
    pub fn failed(&self, account: &str, peer: IpAddr, now: Instant) {
        let window = self.policy.window;
        bump(&mut lock(&self.accounts), account.to_string(), now, window);
        bump(&mut lock(&self.addresses), address_key(peer), now, window);
        tracing::info!(account, %peer, "login failed");
    }

    /// A right password: the account's count starts again (the address's does not,
    /// so that one good account does not launder guesses at others).
    pub fn succeeded(&self, account: &str) {
        lock(&self.accounts).remove(account);
    }

    /// Checks, runs `verify` if allowed, and records its outcome: the whole protocol
    /// for one attempt. `verify` gives `Ok(true)` for a right password.
    pub fn attempt<E>(
        &self,
        account: &str,
        peer: IpAddr,
        verify: impl FnOnce() -> Result<bool, E>,
    ) -> Result<Result<bool, E>, Refused> {
        self.check(account, peer, Instant::now())?;
        let outcome = verify();
        match outcome {
            Ok(true) => self.succeeded(account),
            Ok(false) => self.failed(account, peer, Instant::now()),
            Err(_) => {}
        }
        Ok(outcome)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

fn bump<K: std::hash::Hash + Eq>(
    map: &mut HashMap<K, Failures>,
    key: K,
    now: Instant,
    window: Duration,
) {
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        map.retain(|_, f| now.saturating_duration_since(f.since) < window);
        if map.len() >= MAX_KEYS {
            // Still full of live windows: forget the oldest half.
            let mut starts: Vec<Instant> = map.values().map(|f| f.since).collect();
            starts.sort_unstable();
            let cut = starts[starts.len() / 2];
            map.retain(|_, f| f.since > cut);
        }
    }
    let f = map.entry(key).or_insert(Failures {
        count: 0,
        since: now,
    });
    if now.saturating_duration_since(f.since) >= window {
        *f = Failures {
            count: 0,
            since: now,
        };
    }
    f.count = f.count.saturating_add(1);
}

/// IPv4 as it is; IPv6 by its /64 (IPv4-mapped ones as IPv4).
fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    #[test]
    fn accounts_lock_after_their_failures_and_unlock_after_the_window() {
        let t = LoginThrottle::new(Policy {
            per_account: 3,
            per_address: 100,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(t.check("panel:alice", ip("10.0.0.1"), t0).is_ok());
            t.failed("panel:alice", ip("10.0.0.1"), t0);
        }
        // Locked for everyone, whatever address.
        let r = t.check("panel:alice", ip("10.0.0.9"), t0 + Duration::from_secs(10));
        assert_eq!(r.map_err(|r| r.retry_after.as_secs()), Err(50));
        assert!(
            t.check("panel:bob", ip("10.0.0.1"), t0).is_ok(),
            "other accounts"
        );
        assert!(
            t.check("panel:alice", ip("10.0.0.1"), t0 + Duration::from_secs(60))
                .is_ok()
        );
    }

    #[test]
    fn addresses_lock_across_accounts_and_success_clears_only_the_account() {
        let t = LoginThrottle::new(Policy {
            per_account: 100,
            per_address: 4,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        for i in 0..4 {
            t.failed(&format!("mail:user{i}"), ip("2001:db8:1:2::7"), t0);
        }
        // The same /64.
        assert!(t.check("mail:new", ip("2001:db8:1:2::99"), t0).is_err());
        assert!(t.check("mail:new", ip("2001:db8:1:3::1"), t0).is_ok());
        t.succeeded("mail:user0");
        assert!(t.check("mail:user0", ip("2001:db8:1:2::7"), t0).is_err());
    }

    #[test]
    fn keys_are_bounded() {
        let t = LoginThrottle::new(Policy::default());
        let t0 = Instant::now();
        for i in 0..(MAX_KEYS + 10) {
            bump(
                &mut lock(&t.accounts),
                format!("a{i}"),
                t0,
                Duration::from_secs(60),
            );
        }
        assert!(lock(&t.accounts).len() <= MAX_KEYS);
    }
}
