//! What an order costs: the reseller's own price list's price for the TLD and
//! order type (or its price for every TLD), else the sandbox list's the same
//! way, else the sandbox's default. A transfer is charged one
//! year, whatever period the order names, as registries add one year, and a
//! trade (a registrant change some ccTLDs sell) once; a registration or renewal
//! is charged per year. A registry-premium name costs
//! [`PREMIUM_FACTOR`] times the listed price.

use crate::store::{Store, StoreError};

/// The sandbox's price of one year when the list names none, in cents.
pub const DEFAULT_CENTS: i64 = 1_000;

/// The order types the price list knows.
pub const KINDS: &[&str] = &["new", "renewal", "transfer", "redemption", "trade"];

pub use crate::money::{BadPrice, PriceTable};

/// How much more a registry-premium name costs than the TLD's price.
pub const PREMIUM_FACTOR: i64 = 25;

/// The reseller's price of one year of `kind` (one of [`KINDS`]) for `tld`.
pub fn cents(store: &Store, reseller_id: i64, tld: &str, kind: &str) -> Result<i64, StoreError> {
    Ok(store
        .price(reseller_id, &tld.to_ascii_lowercase(), kind)?
        .unwrap_or(DEFAULT_CENTS))
}

/// The reseller's price of transferring a domain of `tld` in.
pub fn transfer_cents(store: &Store, reseller_id: i64, tld: &str) -> Result<i64, StoreError> {
    cents(store, reseller_id, tld, "transfer")
}

/// What `years` of `kind` cost for `domain` (a premium name at its premium price;
/// a transfer is one year whatever the period).
pub fn order_cents(
    store: &Store,
    reseller_id: i64,
    domain: &str,
    kind: &str,
    years: i64,
    premium: bool,
) -> Result<i64, StoreError> {
    let tld = domain.rsplit('.').next().unwrap_or(domain);
    let year = cents(store, reseller_id, tld, kind)? * if premium { PREMIUM_FACTOR } else { 1 };
    Ok(if kind == "transfer" || kind == "trade" {
        year
    } else {
        year * years
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_then_every_tld_then_the_default() {
        let (store, _dir) = crate::store::test_support::temp_store();
        let r = store.add_reseller("r", "k", &[], 0).expect("reseller");
        assert!(matches!(
            transfer_cents(&store, r, "com"),
            Ok(DEFAULT_CENTS)
        ));
        assert!(store.set_price("*", "transfer", Some(1500)).is_ok());
        assert!(matches!(transfer_cents(&store, r, "com"), Ok(1500)));
        assert!(store.set_price("com", "transfer", Some(899)).is_ok());
        assert!(matches!(transfer_cents(&store, r, "COM"), Ok(899)));
        assert!(matches!(transfer_cents(&store, r, "net"), Ok(1500)));
        // The reseller's own list comes first, TLD then every TLD.
        assert!(
            store
                .set_reseller_price(r, ("*", "transfer"), Some(700))
                .is_ok()
        );
        assert!(matches!(transfer_cents(&store, r, "com"), Ok(700)));
        assert!(
            store
                .set_reseller_price(r, ("com", "transfer"), Some(650))
                .is_ok()
        );
        assert!(matches!(transfer_cents(&store, r, "com"), Ok(650)));
        assert!(matches!(transfer_cents(&store, r, "net"), Ok(700)));
        // Another reseller's list is not this one's.
        let other = store.add_reseller("o", "k", &[], 0).expect("reseller");
        assert!(matches!(transfer_cents(&store, other, "com"), Ok(899)));
    }
}
