//! Bulk changes other than pushes (`availability_check`, `domain_contacts`,
//! `domain_lock`, `domain_nameservers`, `domain_parked_pages`, `domain_renew`,
//! `whois_privacy`, and the hosted services' types of `rules::bulk_hosted`): the parameters each type takes, kept with the job, and what
//! the job does to each of its items — the same change, event, note and audit row
//! the single-domain call makes, or the reason it skips or fails the item.
//!
//! A locked domain is skipped unless `apply_to_locked_domains` is set, as OpenSRS's
//! bulk contact changes document it, for every type that changes a domain's data
//! (contacts, nameservers, privacy, parked pages); locking itself, renewals and
//! availability checks do not look at the lock.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::codes::item_reasons;
use crate::status::{BulkChangeType, BulkItemStatus, DomainSetting};
use crate::store::{
    AuditEntry, BulkBatch, BulkStep, DomainChange, DomainRecord, Guard, Renewal, StoreError,
    account,
};

use super::events::{OrderEvent, Ordered, ordered_domain};

/// A bulk change's own parameters, as the job keeps them (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change_type", rename_all = "snake_case")]
pub enum Params {
    AvailabilityCheck,
    /// The roles to lay over each domain's contact set (role to contact).
    DomainContacts {
        contacts: serde_json::Map<String, serde_json::Value>,
    },
    DomainLock {
        lock: bool,
    },
    /// `assign` replaces the list; else `add` and `remove` change it.
    DomainNameservers {
        assign: Vec<String>,
        add: Vec<String>,
        remove: Vec<String>,
    },
    DomainParkedPages {
        on: bool,
    },
    /// Renew by `period` years (charged), and/or set the expire action.
    DomainRenew {
        period: Option<i64>,
        auto_renew: Option<bool>,
        let_expire: Option<bool>,
    },
    WhoisPrivacy {
        enable: bool,
    },
    /// The hosted services' types (`rules::bulk_hosted`).
    DnsZone(super::bulk_hosted::ZoneParams),
    DnsZoneRecord(super::bulk_hosted::RecordParams),
    DomainForwarding(super::bulk_hosted::ForwardParams),
}

impl Params {
    pub fn change_type(&self) -> BulkChangeType {
        match self {
            Params::AvailabilityCheck => BulkChangeType::AvailabilityCheck,
            Params::DomainContacts { .. } => BulkChangeType::DomainContacts,
            Params::DomainLock { .. } => BulkChangeType::DomainLock,
            Params::DomainNameservers { .. } => BulkChangeType::DomainNameservers,
            Params::DomainParkedPages { .. } => BulkChangeType::DomainParkedPages,
            Params::DomainRenew { .. } => BulkChangeType::DomainRenew,
            Params::WhoisPrivacy { .. } => BulkChangeType::WhoisPrivacy,
            Params::DnsZone(_) => BulkChangeType::DnsZone,
            Params::DnsZoneRecord(_) => BulkChangeType::DnsZoneRecord,
            Params::DomainForwarding(_) => BulkChangeType::DomainForwarding,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(json: &str) -> Option<Params> {
        serde_json::from_str(json).ok()
    }

    /// Whether a locked domain is skipped without `apply_to_locked_domains`.
    fn minds_the_lock(&self) -> bool {
        match self {
            Params::DomainContacts { .. }
            | Params::DomainNameservers { .. }
            | Params::DomainParkedPages { .. }
            | Params::WhoisPrivacy { .. } => true,
            // A zone or a forward is not registry data; its nameservers are.
            Params::DnsZone(p) => p.force_nameservers,
            _ => false,
        }
    }
}

fn outcome(status: BulkItemStatus, reason: impl Into<String>) -> BulkStep {
    BulkStep::Outcome {
        status,
        reason: Some(reason.into()),
    }
}

fn gone() -> (BulkItemStatus, String) {
    (
        BulkItemStatus::Failed,
        item_reasons::NOT_IN_PORTFOLIO.to_string(),
    )
}

/// What the job does with item `name`.
pub fn step(
    app: &App,
    batch: &BulkBatch,
    params: &Params,
    name: &str,
    now: i64,
) -> Result<BulkStep, StoreError> {
    if let Params::AvailabilityCheck = params {
        return availability(app, name);
    }
    let Some(d) = app.store.domain_record(batch.losing_id, name)? else {
        let (status, reason) = gone();
        return Ok(outcome(status, reason));
    };
    if d.locked && !batch.apply_to_locked && params.minds_the_lock() {
        return Ok(outcome(
            BulkItemStatus::Skipped,
            item_reasons::LOCKED_SKIPPED,
        ));
    }
    let audit = AuditEntry {
        at: now,
        actor: batch.losing.clone(),
        actor_kind: account::RESELLER.into(),
        action: "bulk_change".into(),
        subject: d.name.clone(),
        detail: format!("bulk change {}", batch.id),
        client_ip: batch.client_ip.clone(),
        gaining: None,
        gaining_kind: None,
    };
    let change = match params {
        Params::AvailabilityCheck => return availability(app, name),
        Params::DnsZone(p) => return super::bulk_hosted::zone(app, &d, p, audit, now),
        Params::DnsZoneRecord(p) => return super::bulk_hosted::record(app, &d, p, audit, now),
        Params::DomainForwarding(p) => {
            return super::bulk_hosted::forwarding(app, &d, p, audit, now);
        }
        Params::DomainLock { lock } => {
            if d.locked == *lock {
                return Ok(outcome(
                    BulkItemStatus::Skipped,
                    if *lock {
                        item_reasons::ALREADY_LOCKED
                    } else {
                        item_reasons::ALREADY_UNLOCKED
                    },
                ));
            }
            DomainChange::Lock(*lock)
        }
        Params::WhoisPrivacy { enable } => DomainChange::WhoisPrivacy(*enable),
        Params::DomainParkedPages { on } => DomainChange::Setting(
            DomainSetting::ParkPage,
            if *on { "on" } else { "off" }.into(),
        ),
        Params::DomainContacts { contacts } => {
            DomainChange::Contacts(super::contact_set::merge(d.contacts.as_deref(), contacts))
        }
        Params::DomainNameservers {
            assign,
            add,
            remove,
        } => match nameservers_of(app, &d, assign, add, remove)? {
            Ok(next) => DomainChange::Nameservers(next),
            Err(why) => return Ok(outcome(BulkItemStatus::Failed, why)),
        },
        Params::DomainRenew {
            period,
            auto_renew,
            let_expire,
        } => {
            let flags = (auto_renew.is_some() || let_expire.is_some()).then(|| {
                DomainChange::ExpireAction {
                    auto_renew: auto_renew.unwrap_or(d.auto_renew),
                    let_expire: let_expire.unwrap_or(d.let_expire),
                }
            });
            if let Some(period) = period {
                return renew(app, d, *period, *auto_renew, flags, audit, now);
            }
            match flags {
                Some(f) => f,
                None => {
                    return Ok(outcome(
                        BulkItemStatus::Skipped,
                        item_reasons::NOTHING_TO_DO,
                    ));
                }
            }
        }
    };
    let change =
        super::domain_change::change_of(app, batch.losing_id, (d.id, &d.name), change, &audit)?;
    Ok(BulkStep::Change {
        change: Box::new(change),
        if_gone: gone(),
    })
}

/// An availability check's answer: completed, `available` or `taken` (any name,
/// the caller's or not, as LOOKUP answers it).
fn availability(app: &App, name: &str) -> Result<BulkStep, StoreError> {
    Ok(match super::availability::of(app, name)? {
        Ok(crate::registry::Availability::Available { .. }) => {
            outcome(BulkItemStatus::Completed, item_reasons::AVAILABLE)
        }
        Ok(_) => outcome(BulkItemStatus::Completed, item_reasons::TAKEN),
        Err(_) => outcome(BulkItemStatus::Failed, item_reasons::NOT_ANSWERED),
    })
}

/// The domain's nameservers after the change, or why it cannot have them.
fn nameservers_of(
    app: &App,
    d: &DomainRecord,
    assign: &[String],
    add: &[String],
    remove: &[String],
) -> Result<Result<Vec<String>, String>, StoreError> {
    let next: Vec<String> = if assign.is_empty() {
        super::nameservers::changed(&d.nameservers, add, remove)
    } else {
        assign.to_vec()
    };
    if next.is_empty() {
        return Ok(Err(item_reasons::NO_NAMESERVER_LEFT.into()));
    }
    if next.len() > super::nameservers::MAX {
        return Ok(Err(format!(
            "A domain has at most {} nameservers.",
            super::nameservers::MAX
        )));
    }
    if let Some(missing) = super::nameservers::missing(&app.store, &next)?.first() {
        return Ok(Err(format!(
            "Nameserver {missing} does not exist at the registry."
        )));
    }
    Ok(Ok(next))
}

/// A renewal by `period` years, charged as RENEW charges it, with the expire
/// action's flags set after it when the job asks for them.
fn renew(
    app: &App,
    d: DomainRecord,
    period: i64,
    auto_renew: Option<bool>,
    flags: Option<DomainChange>,
    audit: AuditEntry,
    now: i64,
) -> Result<BulkStep, StoreError> {
    let store = &app.store;
    let year = i64::from(crate::clock::year_of(super::renewal::expiry(&d)));
    let next = match super::renewal::check(store, &d, period, year, now)? {
        Ok(next) => next,
        Err(why) => {
            let text = match why {
                super::renewal::Refused::AlreadyRenewed => crate::codes::ALREADY_RENEWED.text,
                super::renewal::Refused::NotRenewable => crate::codes::NOT_RENEWABLE.text,
                _ => item_reasons::TOO_FAR,
            };
            return Ok(outcome(BulkItemStatus::Failed, text));
        }
    };
    let cents = super::price::order_cents(store, d.reseller_id, &d.name, "renewal", period, false)?;
    let then = match flags {
        Some(f) => Some(Box::new(super::domain_change::change_of(
            app,
            d.reseller_id,
            (d.id, &d.name),
            f,
            &audit,
        )?)),
        None => None,
    };
    let renewal = Renewal {
        period,
        from_year: year,
        new_expiry: next,
        cents,
        auto_renew: auto_renew.unwrap_or(d.auto_renew),
        now,
    };
    let (reseller_id, name) = (d.reseller_id, d.name.clone());
    Ok(BulkStep::Renew {
        domain: Box::new(d),
        renewal,
        audit: Box::new(AuditEntry {
            action: "bulk_renew".into(),
            ..audit
        }),
        event: Box::new(move |done| {
            let ordered = Ordered {
                kind: OrderEvent::Renewed,
                reseller_id,
                domain: &name,
                period,
                expires: next,
                cents,
            };
            ordered_domain(&ordered, done, now)
        }),
        if_stopped: Box::new(|guard| match guard {
            Guard::FundsShort => (
                BulkItemStatus::Failed,
                crate::codes::NO_FUNDS.text.to_string(),
            ),
            _ => gone(),
        }),
        then,
    })
}
