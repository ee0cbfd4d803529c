//! Changes to portfolio domains (MODIFY, UPDATE_CONTACTS,
//! ADVANCED_UPDATE_NAMESERVERS, and their panel forms): the same change to each
//! domain named, each with its event and its audit row saying what changed, and —
//! for a new registrant address — the registrant verification it starts.

use crate::app::App;
use crate::store::{AuditEntry, ChangeOf, DomainChange, StoreError};

/// Applies `change` to the reseller's domains `targets` (`(id, name)`), all or
/// none; `audit` is the call's row, written once per domain with the domain and
/// what changed.
pub fn apply(
    app: &App,
    reseller_id: i64,
    targets: &[(i64, String)],
    change: &DomainChange,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let mut each = Vec::with_capacity(targets.len());
    for (id, name) in targets {
        each.push(change_of(
            app,
            reseller_id,
            (*id, name),
            change.clone(),
            audit,
        )?);
    }
    write(app, reseller_id, &each)
}

/// Applies several changes to one domain (UPDATE_ALL_INFO: contacts and
/// nameservers), all or none, each with its event and audit row.
pub fn apply_each(
    app: &App,
    reseller_id: i64,
    target: (i64, &str),
    changes: Vec<DomainChange>,
    audit: &AuditEntry,
) -> Result<(), StoreError> {
    let mut each = Vec::with_capacity(changes.len());
    for change in changes {
        each.push(change_of(app, reseller_id, target, change, audit)?);
    }
    write(app, reseller_id, &each)
}

fn write(app: &App, reseller_id: i64, each: &[ChangeOf]) -> Result<(), StoreError> {
    app.store.change_domains(reseller_id, each)?;
    if each.iter().any(|c| c.verification.is_some()) {
        app.work.notify_one();
    }
    Ok(())
}

/// One change of one domain with what it writes besides: its event, its audit
/// row and, for a registrant change to a new address, a new verification.
pub fn change_of(
    app: &App,
    reseller_id: i64,
    (id, name): (i64, &str),
    change: DomainChange,
    audit: &AuditEntry,
) -> Result<ChangeOf, StoreError> {
    let verification = match &change {
        DomainChange::Contacts(json) => {
            let before = app
                .store
                .domain_record_by_id(reseller_id, id)?
                .and_then(|d| super::verification::owner_email(d.contacts.as_deref()));
            match super::verification::owner_email(Some(json)) {
                Some(after) if before.as_deref() != Some(after.as_str()) => {
                    super::verification::plan(app, reseller_id, name, &after, audit.at)?
                }
                _ => None,
            }
        }
        _ => None,
    };
    Ok(ChangeOf {
        domain_id: id,
        event: super::events::changed(reseller_id, &change, name, audit.at),
        audit: AuditEntry {
            subject: name.to_string(),
            detail: super::events::change_data(&change, name).to_string(),
            ..audit.clone()
        },
        verification,
        change,
    })
}
