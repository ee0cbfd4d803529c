//! What an order costs. Every TLD and order type has the sandbox's default price
//! until a price list is configured (issue 18, point 7 names the list; it is not
//! built yet): a transfer is charged one year.

/// The sandbox's price of a one-year transfer, in cents.
pub const DEFAULT_TRANSFER_CENTS: i64 = 1_000;

/// The price of transferring a domain of `tld` in, with `period` years (a transfer
/// adds one year whatever the period says, as registries do).
pub fn transfer_cents(_tld: &str, _period: i64) -> i64 {
    DEFAULT_TRANSFER_CENTS
}
