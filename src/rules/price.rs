//! What an order costs: the price list's price for the TLD and order type (or its
//! price for every TLD), else the sandbox's default. A transfer is charged one
//! year, whatever period the order names, as registries add one year.

use crate::store::{Store, StoreError};

/// The sandbox's price of one year when the list names none, in cents.
pub const DEFAULT_CENTS: i64 = 1_000;

/// The order types the price list knows.
pub const KINDS: &[&str] = &["transfer"];

/// The price of transferring a domain of `tld` in.
pub fn transfer_cents(store: &Store, tld: &str) -> Result<i64, StoreError> {
    Ok(store
        .price(&tld.to_ascii_lowercase(), "transfer")?
        .unwrap_or(DEFAULT_CENTS))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_then_every_tld_then_the_default() {
        let (store, _dir) = crate::store::test_support::temp_store();
        assert!(matches!(transfer_cents(&store, "com"), Ok(DEFAULT_CENTS)));
        assert!(store.set_price("*", "transfer", Some(1500)).is_ok());
        assert!(matches!(transfer_cents(&store, "com"), Ok(1500)));
        assert!(store.set_price("com", "transfer", Some(899)).is_ok());
        assert!(matches!(transfer_cents(&store, "COM"), Ok(899)));
        assert!(matches!(transfer_cents(&store, "net"), Ok(1500)));
    }
}
