//! Pushes between resellers: who may push to whom, and which domains move. Used by
//! RSP2RSP_PUSH_TRANSFER, the bulk change submit (API and control panel) and the bulk
//! push worker, so that each surface refuses the same pushes.

use crate::codes::item_reasons;
use crate::status::BulkItemStatus;
use crate::store::{PortfolioDomain, Store, StoreError};

/// Consent: never to yourself; the operator's switch on for both accounts; the
/// gaining reseller's allow-list names the losing one.
pub fn consented(store: &Store, losing_id: i64, gaining_id: i64) -> Result<bool, StoreError> {
    Ok(losing_id != gaining_id && store.push_permitted(losing_id, gaining_id)?)
}

/// The lock policy: a locked domain moves only with apply_to_locked_domains (and
/// keeps its lock at the gaining reseller).
pub fn lock_allows(domain: &PortfolioDomain, apply_to_locked: bool) -> bool {
    !domain.locked || apply_to_locked
}

/// Why one item of a bulk push does not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRefused {
    Denied,
    NotInPortfolio,
    Locked,
}

impl ItemRefused {
    /// The item's status and reason as GET_BULK_CHANGE shows them.
    pub fn outcome(self) -> (BulkItemStatus, &'static str) {
        match self {
            ItemRefused::Denied => (BulkItemStatus::Failed, item_reasons::DENIED),
            ItemRefused::NotInPortfolio => (BulkItemStatus::Failed, item_reasons::NOT_IN_PORTFOLIO),
            ItemRefused::Locked => (BulkItemStatus::Skipped, item_reasons::LOCKED_SKIPPED),
        }
    }
}

/// Cancels a bulk push that has not ended (of `reseller_id`, or anyone's for the
/// operator): its queued items are cancelled, what was pushed stays pushed.
/// `None` when there is no such job; `Some(false)` when it had ended.
pub fn cancel(
    store: &Store,
    reseller_id: Option<i64>,
    id: i64,
    now: i64,
) -> Result<Option<bool>, StoreError> {
    store.cancel_bulk_change(reseller_id, id, item_reasons::CANCELLED, now)
}

/// One item of a bulk push: consent first, then the portfolio, then the lock.
pub fn check_item(
    consent: bool,
    found: Option<&PortfolioDomain>,
    apply_to_locked: bool,
) -> Result<&PortfolioDomain, ItemRefused> {
    if !consent {
        return Err(ItemRefused::Denied);
    }
    let domain = found.ok_or(ItemRefused::NotInPortfolio)?;
    if !lock_allows(domain, apply_to_locked) {
        return Err(ItemRefused::Locked);
    }
    Ok(domain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn domain(locked: bool) -> PortfolioDomain {
        PortfolioDomain {
            id: 1,
            name: "a.com".into(),
            reseller_id: 1,
            profile_id: 1,
            locked,
            status: "active".into(),
        }
    }

    #[test]
    fn items_refused_in_order() {
        let (open, shut) = (domain(false), domain(true));
        assert_eq!(
            check_item(false, Some(&open), true),
            Err(ItemRefused::Denied)
        );
        assert_eq!(
            check_item(true, None, true),
            Err(ItemRefused::NotInPortfolio)
        );
        assert_eq!(
            check_item(true, Some(&shut), false),
            Err(ItemRefused::Locked)
        );
        assert_eq!(check_item(true, Some(&shut), true), Ok(&shut));
        assert_eq!(check_item(true, Some(&open), false), Ok(&open));
    }

    #[test]
    fn never_to_yourself() {
        let (store, _dir) = crate::store::test_support::temp_store();
        let id = store.add_reseller("r", "k", &[], 0).unwrap_or_default();
        assert!(store.set_push_enabled(id, true).is_ok());
        assert!(store.set_push_allowed(id, id, true, 0).is_ok());
        assert!(matches!(consented(&store, id, id), Ok(false)));
    }
}
