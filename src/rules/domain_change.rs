//! Changes to portfolio domains (MODIFY, UPDATE_CONTACTS,
//! ADVANCED_UPDATE_NAMESERVERS, and their panel forms): the same change to each
//! domain named, each with its event and its audit row saying what changed.

use crate::store::{AuditEntry, ChangeOf, DomainChange, Store, StoreError};

/// Applies `change` to the reseller's domains `targets` (`(id, name)`), all or
/// none; `audit` is the call's row, written once per domain with the domain and
/// what changed.
pub fn apply(
    store: &Store,
    reseller_id: i64,
    targets: &[(i64, String)],
    change: &DomainChange,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let each: Vec<ChangeOf> = targets
        .iter()
        .map(|(id, name)| ChangeOf {
            domain_id: *id,
            event: super::events::changed(reseller_id, change, name, audit.at),
            audit: AuditEntry {
                subject: name.clone(),
                detail: super::events::change_data(change, name).to_string(),
                ..audit.clone()
            },
        })
        .collect();
    store.change_domains(reseller_id, change, &each)
}
