//! Which hosts a domain may delegate to, and whose hosts are. A host under a
//! domain that a portfolio holds is in-bailiwick: the registry knows it only once
//! it has been created (the NAMESERVER object, with its address), so it must exist
//! first. Any other host name is taken as it is.
//!
//! A host belongs to the domain it sits under — the longest held one
//! (`ns1.shop.uk.com` is `shop.uk.com`'s while that is held, whoever holds
//! `uk.com`) — and so to whoever holds that domain now: a host goes with its
//! domain when the domain changes hands. Only the holder creates, changes, reads
//! or deletes it.

use crate::store::{NameServerHost, Store, StoreError};

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

/// Whether `host` is `domain`'s: `domain` is the longest held domain it sits under.
pub fn belongs_to(store: &Store, host: &str, domain: &str) -> Result<bool, StoreError> {
    Ok(parent_in_portfolio(store, host)?.as_deref() == Some(domain))
}

/// The hosts that are `domain`'s (see [`belongs_to`]), by name.
pub fn hosts_of(store: &Store, domain: &str) -> Result<Vec<NameServerHost>, StoreError> {
    let mut out = Vec::new();
    for h in store.name_servers_under(domain)? {
        if belongs_to(store, &h.name, domain)? {
            out.push(h);
        }
    }
    Ok(out)
}

/// A domain's nameservers with `remove` taken out and `add` appended (each once,
/// in order): ADVANCED_UPDATE_NAMESERVERS `add_remove` and its bulk change.
pub fn changed(current: &[String], add: &[String], remove: &[String]) -> Vec<String> {
    let mut next: Vec<String> = current
        .iter()
        .filter(|h| !remove.contains(h))
        .cloned()
        .collect();
    for h in add {
        if !next.contains(h) {
            next.push(h.clone());
        }
    }
    next
}

/// The hosts of `hosts` that cannot be delegated to yet: in-bailiwick hosts that
/// have not been created, in order.
pub fn missing(store: &Store, hosts: &[String]) -> Result<Vec<String>, StoreError> {
    let mut out = Vec::new();
    for h in hosts {
        if parent_in_portfolio(store, h)?.is_some() && store.name_server(h)?.is_none() {
            out.push(h.clone());
        }
    }
    Ok(out)
}
