//! What requests may hold at once, across requests (issue 26):
//!
//! - [`BodyBudget`]: the bytes of request bodies held in memory. A known caller's
//!   body is kept while its signature is computed over it, so fifty 16 MiB bodies
//!   with a wrong signature once took 458 MiB; every kept body now reserves its
//!   bytes first (its declared length up front, or piece by piece as a chunked
//!   body arrives), and past the budget a new body waits a moment, then is
//!   answered "Server busy".
//! - [`TenantGate`]: the OPS requests of one reseller worked on at once. Handlers
//!   run on the shared blocking pool; without a bound, one reseller's hundreds of
//!   slow requests took the threads every other reseller's requests needed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The budget's unit: bodies are counted in whole KiB.
const UNIT: usize = 1024;

/// The bytes of request bodies held at once.
#[derive(Debug)]
pub struct BodyBudget {
    units: Arc<Semaphore>,
    total: u32,
}

/// Bytes reserved from the budget, given back when dropped.
#[derive(Debug)]
pub struct Held {
    permit: Option<OwnedSemaphorePermit>,
}

impl BodyBudget {
    pub fn new(bytes: usize) -> BodyBudget {
        let total = u32::try_from(bytes.div_ceil(UNIT).max(1)).unwrap_or(u32::MAX >> 3);
        BodyBudget {
            units: Arc::new(Semaphore::new(total as usize)),
            total,
        }
    }

    fn units(&self, bytes: usize) -> u32 {
        u32::try_from(bytes.div_ceil(UNIT))
            .unwrap_or(u32::MAX)
            .min(self.total)
    }

    /// Nothing reserved yet (a body of unknown length grows it with
    /// [`BodyBudget::grow`]).
    pub fn none() -> Held {
        Held { permit: None }
    }

    /// Reserves `bytes`, waiting at most `wait` for other requests to give theirs
    /// back; `None` when the budget stays spent. A body larger than the whole
    /// budget reserves all of it.
    pub async fn reserve(&self, bytes: usize, wait: Duration) -> Option<Held> {
        let n = self.units(bytes);
        if n == 0 {
            return Some(Held { permit: None });
        }
        tokio::time::timeout(wait, self.units.clone().acquire_many_owned(n))
            .await
            .ok()?
            .ok()
            .map(|p| Held { permit: Some(p) })
    }

    /// Adds `bytes` more to what `held` reserved, without waiting (a chunked body
    /// as it arrives: waiting while holding part of the budget could leave every
    /// request waiting for the others); false when the budget is spent.
    pub fn grow(&self, held: &mut Held, now_bytes: usize) -> bool {
        let want = self.units(now_bytes);
        let have = held.permit.as_ref().map_or(0, |p| p.num_permits() as u32);
        if want <= have {
            return true;
        }
        match self.units.clone().try_acquire_many_owned(want - have) {
            Ok(more) => {
                match held.permit.as_mut() {
                    Some(p) => p.merge(more),
                    None => held.permit = Some(more),
                }
                true
            }
            Err(_) => false,
        }
    }

    /// Bytes free now.
    #[cfg(test)]
    pub fn available(&self) -> usize {
        self.units.available_permits() * UNIT
    }
}

/// OPS requests of each reseller worked on at once.
#[derive(Debug)]
pub struct TenantGate {
    per_tenant: usize,
    gates: Mutex<HashMap<i64, Arc<Semaphore>>>,
}

impl TenantGate {
    pub fn new(per_tenant: usize) -> TenantGate {
        TenantGate {
            per_tenant: per_tenant.max(1),
            gates: Mutex::default(),
        }
    }

    /// Waits (on the async threads, holding nothing else) until `reseller` has
    /// fewer than its share in the works; the permit is its turn.
    pub async fn enter(&self, reseller: i64) -> Option<OwnedSemaphorePermit> {
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(PoisonError::into_inner);
            gates
                .entry(reseller)
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_tenant)))
                .clone()
        };
        gate.acquire_owned().await.ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_budget_is_shared_and_given_back() {
        let b = BodyBudget::new(10 * UNIT);
        let wait = Duration::from_millis(20);
        let first = b.reserve(6 * UNIT, wait).await;
        assert!(first.is_some());
        assert!(b.reserve(6 * UNIT, wait).await.is_none(), "over the budget");
        let mut growing = BodyBudget::none();
        assert!(b.grow(&mut growing, 3 * UNIT));
        assert!(!b.grow(&mut growing, 5 * UNIT), "a chunked body past it");
        drop(first);
        assert!(b.grow(&mut growing, 5 * UNIT));
        drop(growing);
        assert_eq!(b.available(), 10 * UNIT);
        assert!(
            b.reserve(100 * UNIT, wait).await.is_some(),
            "larger than all"
        );
    }

    #[tokio::test]
    async fn each_tenant_has_its_own_share() {
        let g = TenantGate::new(2);
        let a1 = g.enter(1).await;
        let a2 = g.enter(1).await;
        assert!(a1.is_some() && a2.is_some());
        let third = tokio::time::timeout(Duration::from_millis(20), g.enter(1)).await;
        assert!(third.is_err(), "a third of the same tenant waits");
        let other = tokio::time::timeout(Duration::from_millis(20), g.enter(2)).await;
        assert!(other.is_ok_and(|p| p.is_some()), "another tenant does not");
    }
}
