//! A domain's end and return: what REVOKE refunds, how long a revoked domain may be
//! redeemed, and what REDEEM costs. OpenSRS refunds a registration revoked within
//! the registry's add grace period; after a deletion the registry keeps the name
//! for its redemption period, during which only its last holder may redeem it.

use crate::status::DeletionReason;
use crate::store::{DomainRecord, Revocation, Store, StoreError};

/// The add grace period: a registration revoked this soon is refunded.
pub const ADD_GRACE_SECS: i64 = 5 * 86_400;

/// The redemption period after a deletion.
pub const REDEMPTION_SECS: i64 = 30 * 86_400;

/// The `LIKE` pattern of a GET_DELETED_DOMAINS address filter: `*` matches any
/// run of characters, as documented; the pattern's own `%`, `_` and `\\` are
/// matched as written; letters in any case. `None` for an empty filter.
pub fn email_pattern(filter: &str) -> Option<String> {
    let filter = filter.trim();
    if filter.is_empty() {
        return None;
    }
    let mut out = String::with_capacity(filter.len() + 4);
    for c in filter.to_lowercase().chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    Some(out)
}

/// The sandbox's redemption price when the price list names none, in cents.
pub const DEFAULT_REDEMPTION_CENTS: i64 = 8_000;

/// A revocation of `d` at `now`: refunded when `registration` (the price and time
/// of its registration order) lies within the add grace period.
pub fn revocation(d: DomainRecord, registration: Option<(i64, i64)>, now: i64) -> Revocation {
    let refund_cents = match registration {
        Some((cents, at)) if now - at <= ADD_GRACE_SECS => cents,
        _ => 0,
    };
    let email =
        |role| super::contact_set::email_of(d.contacts.as_deref(), role).map(|e| e.to_lowercase());
    let emails = [
        email("owner"),
        email("admin"),
        email("billing"),
        email("tech"),
    ];
    Revocation {
        domain: d,
        reason: DeletionReason::ByRequest,
        redeem_until: now + REDEMPTION_SECS,
        refund_cents,
        emails,
        now,
    }
}

/// What redeeming `domain` costs: the price list's `redemption` price for its TLD,
/// else the default.
pub fn redemption_cents(store: &Store, reseller_id: i64, domain: &str) -> Result<i64, StoreError> {
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    Ok(store
        .price(reseller_id, &tld.to_ascii_lowercase(), "redemption")?
        .unwrap_or(DEFAULT_REDEMPTION_CENTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_filter_becomes_an_escaped_like_pattern() {
        assert_eq!(
            email_pattern(" *@Example.NET ").as_deref(),
            Some("%@example.net")
        );
        assert_eq!(email_pattern("a_b%c\\d").as_deref(), Some("a\\_b\\%c\\\\d"));
        assert_eq!(email_pattern("  "), None);
    }

    fn record() -> DomainRecord {
        DomainRecord {
            id: 1,
            name: "example.com".into(),
            reseller_id: 1,
            profile_id: 1,
            locked: false,
            created_at: 0,
            registered_at: Some(0),
            updated_at: None,
            transferred_at: None,
            expires_at: Some(1_000_000_000),
            contacts: None,
            nameservers: Vec::new(),
            auth_code: None,
            whois_privacy: false,
            auto_renew: false,
            let_expire: false,
            tld_data: None,
            affiliate_id: None,
            dnssec: None,
        }
    }

    #[test]
    fn refunded_only_within_the_add_grace_period() {
        let t = 1_700_000_000;
        let soon = revocation(record(), Some((1000, t)), t + ADD_GRACE_SECS);
        assert_eq!(soon.refund_cents, 1000);
        assert_eq!(soon.redeem_until, t + ADD_GRACE_SECS + REDEMPTION_SECS);
        let late = revocation(record(), Some((1000, t)), t + ADD_GRACE_SECS + 1);
        assert_eq!(late.refund_cents, 0);
        assert_eq!(revocation(record(), None, t).refund_cents, 0);
    }
}
