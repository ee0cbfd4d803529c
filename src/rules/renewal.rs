//! Whether a domain renews, and to when: the client names the expiry year it
//! believes the domain has (`currentexpirationyear`), which must be the registry's;
//! a second submission of the same renewal within a day is "already renewed"; the
//! registry holds no domain more than ten years ahead; some registries renew by
//! themselves and take no renewal orders.

use crate::clock::{add_years, year_of};
use crate::store::{DomainRecord, Store, StoreError};

/// Registries that renew their domains themselves (yola reads OpenSRS's 480 on these
/// as "already renewed").
pub const SELF_RENEWING_TLDS: &[&str] = &["at", "de", "dk"];

/// The longest a registration may run from now, in years.
pub const MAX_YEARS: i64 = 10;

/// The expiry a new registration of `period` years made at `now` gets.
pub fn registration_expiry(now: i64, period: i64) -> i64 {
    add_years(now, period)
}

/// How long after a renewal its repeat is answered "already renewed".
const REPEAT_WINDOW: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// `currentexpirationyear` is not the domain's expiry year.
    YearMismatch,
    AlreadyRenewed,
    NotRenewable,
    /// The new expiry would be more than [`MAX_YEARS`] away.
    TooFar,
}

/// The domain's expiry; rows from before expiry dates were kept count one year from
/// their arrival.
pub fn expiry(d: &DomainRecord) -> i64 {
    d.expires_at.unwrap_or_else(|| add_years(d.created_at, 1))
}

/// The new expiry of renewing `d` by `period` years, told `current_year`, at `now`.
pub fn check(
    store: &Store,
    d: &DomainRecord,
    period: i64,
    current_year: i64,
    now: i64,
) -> Result<Result<i64, Refused>, StoreError> {
    let tld = d.name.rsplit('.').next().unwrap_or("");
    if SELF_RENEWING_TLDS.contains(&tld) {
        return Ok(Err(Refused::NotRenewable));
    }
    if store.renewed_from(&d.name, now - REPEAT_WINDOW)? == Some(current_year) {
        return Ok(Err(Refused::AlreadyRenewed));
    }
    let current = expiry(d);
    if i64::from(year_of(current)) != current_year {
        return Ok(Err(Refused::YearMismatch));
    }
    let next = add_years(current, period);
    if next > add_years(now, MAX_YEARS) {
        return Ok(Err(Refused::TooFar));
    }
    Ok(Ok(next))
}
