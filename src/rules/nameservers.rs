//! Which hosts a domain may delegate to. A host under a domain that a portfolio
//! holds is in-bailiwick: the registry knows it only once it has been created
//! (the NAMESERVER object, with its address), so it must exist first. Any other
//! host name is taken as it is.

use crate::store::{Store, StoreError};

/// The most nameservers a domain has.
pub const MAX: usize = 13;

/// The portfolio domain a host sits under, if any (its longest such suffix).
pub fn parent_in_portfolio(store: &Store, host: &str) -> Result<Option<String>, StoreError> {
    for (dot, _) in host.match_indices('.') {
        let suffix = &host[dot + 1..];
        if !suffix.contains('.') {
            break;
        }
        if store.domain_exists(suffix)? {
            return Ok(Some(suffix.to_string()));
        }
    }
    Ok(None)
}

/// The first of `hosts` that cannot be delegated to yet: an in-bailiwick host that
/// has not been created.
pub fn first_missing(store: &Store, hosts: &[String]) -> Result<Option<String>, StoreError> {
    for h in hosts {
        if parent_in_portfolio(store, h)?.is_some() && store.name_server(h)?.is_none() {
            return Ok(Some(h.clone()));
        }
    }
    Ok(None)
}
