//! Whether a domain can be transferred in: not already held here, not on its way
//! already, and the registry's lock and 60-day rules. The analysis of SIMPLE_TRANSFER
//! jobs, CHECK_TRANSFER and SW_REGISTER ask the same question; each words the answer
//! as its clients expect.

use crate::app::App;
use crate::registry::{Holding, RegistryError};
use crate::status::DomainStatus;
use crate::store::{StoreError, TransferState};

/// A transfer within this many days of registration or of the last transfer is
/// refused by the registries (the 60-day rule).
pub const LOCK_DAYS: i64 = 60;

/// Why the registry would refuse the transfer, whoever asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistryRefusal {
    /// `clientTransferProhibited` or a registry lock.
    Locked,
    YoungRegistration,
    YoungTransfer,
}

/// The registry's refusal of a transfer at `now`, if any (the auth code aside).
pub fn registry_refusal(h: &Holding, now: i64) -> Option<RegistryRefusal> {
    let recent = |t: Option<i64>| t.is_some_and(|t| now - t < LOCK_DAYS * 86_400);
    if h.locked {
        Some(RegistryRefusal::Locked)
    } else if recent(h.registered_at) {
        Some(RegistryRefusal::YoungRegistration)
    } else if recent(h.transferred_at) {
        Some(RegistryRefusal::YoungTransfer)
    } else {
        None
    }
}

/// Why a reseller cannot transfer a domain in now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotTransferable {
    /// Already in the asking reseller's portfolio.
    InYourAccount,
    /// In another reseller's portfolio here.
    OtherReseller,
    /// The asking reseller's own transfer of it is on its way.
    InProgress,
    NotAtRegistry,
    RegistryDown,
    /// The registry takes no transfers of its TLD from us.
    NoService,
    Refused(RegistryRefusal),
}

/// Whether a transfer of it is still on its way (not yet completed or ended).
pub fn in_progress(s: DomainStatus) -> bool {
    s.in_progress()
}

/// Why `reseller_id` cannot transfer `domain` in at `now`, if it cannot; `ongoing`
/// is its latest transfer of it (`Store::transfer_state`), which the caller has
/// read. The auth code is left to the analysis.
pub fn why_not(
    app: &App,
    reseller_id: i64,
    domain: &str,
    auth_info: &str,
    ongoing: Option<&TransferState>,
    now: i64,
) -> Result<Option<NotTransferable>, StoreError> {
    use NotTransferable as N;
    if let Some(holder) = app.store.portfolio_holder(domain)? {
        return Ok(Some(if holder == reseller_id {
            N::InYourAccount
        } else {
            N::OtherReseller
        }));
    }
    if ongoing.is_some_and(|t| in_progress(t.status)) {
        return Ok(Some(N::InProgress));
    }
    Ok(match app.registry.check(domain, auth_info) {
        Err(RegistryError::NotFound) => Some(N::NotAtRegistry),
        Err(RegistryError::Unavailable) => Some(N::RegistryDown),
        Err(RegistryError::NoService) => Some(N::NoService),
        Ok(h) => registry_refusal(&h, now).map(N::Refused),
    })
}

/// The expiry a domain has once transferred: one calendar year after the one the
/// registry shows (the same day and time; 29 February becomes 28 February), or
/// `None` when the registry shows none.
pub fn expiry_after_transfer(registry_expiry: Option<i64>) -> Option<i64> {
    registry_expiry.map(|t| crate::clock::add_years(t, 1))
}

/// A transfer's state in OpenSRS's words (CHECK_TRANSFER, GET_TRANSFERS_IN):
/// `pending_owner` until its owner answers, `pending_registry`, `completed`,
/// `cancelled` (declined, timed out, failed or cancelled); `undef` for none.
pub fn opensrs_status(s: Option<crate::status::DomainStatus>) -> &'static str {
    use crate::status::DomainStatus as D;
    match s {
        None => "undef",
        Some(D::Pending | D::Processed) => "pending_owner",
        Some(D::PendingRegistry) => "pending_registry",
        Some(D::Completed) => "completed",
        Some(D::Failed | D::Cancelled) => "cancelled",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holding() -> Holding {
        Holding {
            auth_ok: true,
            locked: false,
            registered_at: None,
            transferred_at: None,
            bypass_allowed: true,
            registry_confirms: false,
            pending_days: 5,
            expires_at: None,
        }
    }

    #[test]
    fn a_transfer_adds_one_year() {
        let at = |s: &str| crate::clock::parse_timestamp(s).map(|t| t.unix_timestamp());
        assert_eq!(
            expiry_after_transfer(at("2026-03-10 12:00:00")),
            at("2027-03-10 12:00:00")
        );
        assert_eq!(
            expiry_after_transfer(at("2028-02-29 00:00:00")),
            at("2029-02-28 00:00:00")
        );
        assert_eq!(expiry_after_transfer(None), None);
    }

    #[test]
    fn locks_and_the_sixty_days() {
        let now = 100 * 86_400;
        assert_eq!(registry_refusal(&holding(), now), None);
        let locked = Holding {
            locked: true,
            ..holding()
        };
        assert_eq!(
            registry_refusal(&locked, now),
            Some(RegistryRefusal::Locked)
        );
        let young = Holding {
            registered_at: Some(now - 59 * 86_400),
            ..holding()
        };
        assert_eq!(
            registry_refusal(&young, now),
            Some(RegistryRefusal::YoungRegistration)
        );
        let old = Holding {
            registered_at: Some(now - 60 * 86_400),
            ..holding()
        };
        assert_eq!(registry_refusal(&old, now), None);
        let moved = Holding {
            transferred_at: Some(now - 86_400),
            ..holding()
        };
        assert_eq!(
            registry_refusal(&moved, now),
            Some(RegistryRefusal::YoungTransfer)
        );
    }
}
