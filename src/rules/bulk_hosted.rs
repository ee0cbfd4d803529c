//! The bulk change types of the hosted services: `dns_zone` (create, reset or
//! delete each domain's zone, optionally from a template and pointing its
//! nameservers at the DNS service), `dns_zone_record` (add or remove one record
//! in each zone) and `domain_forwarding` (create, delete, enable or disable
//! each domain's forwarding). OpenSRS names these types and their fields but
//! does not publish the fields' values; the values here are opsd's choice
//! (docs/api.md, "Bulk changes").
//!
//! An item whose domain is not in the state the change needs (a zone to create
//! that exists, a record to remove that is not there) fails with the single
//! call's text, or is skipped when the job was sent with `only_if`.

use serde::{Deserialize, Serialize};

use crate::app::App;
use crate::codes::{self, item_reasons};
use crate::rules::dns::{self, Record, SERVICE_NAMESERVERS};
use crate::rules::forwarding;
use crate::status::BulkItemStatus;
use crate::store::{
    AuditEntry, BulkStep, DomainChange, DomainRecord, Hosted, HostedChange, HostedWrite, StoreError,
};

/// What `dns_zone` does to each zone (`dns_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneAction {
    Create,
    Reset,
    Delete,
}

/// `dns_zone`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneParams {
    pub action: ZoneAction,
    /// The template a created or reset zone takes its records from.
    pub template: Option<String>,
    /// Skip, rather than fail, a domain whose zone is not in the state needed.
    pub only_if: bool,
    /// Point each domain's nameservers at the DNS service too.
    pub force_nameservers: bool,
}

/// `dns_zone_record`'s parameters: one record, added or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordParams {
    pub add: bool,
    /// The record as `records` carries it: `{TYPE: [fields]}` (JSON).
    pub record: serde_json::Value,
    pub only_if: bool,
}

/// What `domain_forwarding` does (`op_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForwardOp {
    Create,
    Delete,
    Enable,
    Disable,
}

/// `domain_forwarding`'s parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForwardParams {
    pub op: ForwardOp,
    pub only_if: bool,
}

/// Reasons an item of these types ends without a change.
const RECORD_PRESENT: &str = "The record is already in the zone.";
const RECORD_MISSING: &str = "The zone has no such record.";
const CHANGED_MEANWHILE: &str = "The zone changed while the job ran; submit it again.";

/// The item's outcome when the domain is not in the state the change needs.
fn not_so(only_if: bool, why: &str) -> BulkStep {
    let status = if only_if {
        BulkItemStatus::Skipped
    } else {
        BulkItemStatus::Failed
    };
    outcome(status, why)
}

fn failed(why: impl Into<String>) -> BulkStep {
    outcome(BulkItemStatus::Failed, why)
}

/// An item's outcome without a write. (`rules::bulk_change` has its twin; it
/// imports this module, so this one cannot import it back.)
fn outcome(status: BulkItemStatus, reason: impl Into<String>) -> BulkStep {
    BulkStep::Outcome {
        status,
        reason: Some(reason.into()),
    }
}

/// The step writing `change` of `d` with its event (`verb`) and the job's
/// audit row; `if_stopped` is the item's reason when the write finds the zone
/// or forwarding no longer as it was read.
fn step_of(
    d: &DomainRecord,
    change: HostedChange,
    (verb, audit, now): (&'static str, AuditEntry, i64),
    if_stopped: &str,
    then: Option<Box<crate::store::ChangeOf>>,
) -> BulkStep {
    let write = HostedWrite {
        reseller_id: d.reseller_id,
        domain: d.name.clone(),
        change,
        now,
    };
    let event = super::events::hosted_changed(d.reseller_id, &d.name, write.what(), verb, now);
    BulkStep::Hosted {
        write: Box::new(write),
        event: Box::new(event),
        audit: Box::new(audit),
        if_stopped: (BulkItemStatus::Failed, if_stopped.to_string()),
        then,
    }
}

/// `dns_zone` for domain `d`.
pub fn zone(
    app: &App,
    d: &DomainRecord,
    p: &ZoneParams,
    audit: AuditEntry,
    now: i64,
) -> Result<BulkStep, StoreError> {
    let zone = app.store.dns_zone(d.reseller_id, &d.name)?;
    let records = |own: Option<&str>| -> Result<Result<Vec<Record>, BulkStep>, StoreError> {
        match p.template.as_deref().or(own) {
            None => Ok(Ok(Vec::new())),
            Some(t) => Ok(dns::template_records(&app.store, d.reseller_id, t)?
                .ok_or_else(|| failed(format!("No DNS template named '{t}'.")))),
        }
    };
    let exists = codes::DNS_ZONE_EXISTS.text;
    let (change, verb, if_stopped) = match (p.action, &zone) {
        (ZoneAction::Create, Some(_)) => return Ok(not_so(p.only_if, exists)),
        (ZoneAction::Reset | ZoneAction::Delete, None) => {
            return Ok(not_so(p.only_if, codes::DNS_ZONE_NOT_FOUND.text));
        }
        (ZoneAction::Create, None) => match records(None)? {
            Ok(r) => (
                HostedChange::CreateZone {
                    template: p.template.clone(),
                    records: dns::to_json(&r),
                },
                "created",
                exists,
            ),
            Err(step) => return Ok(step),
        },
        (ZoneAction::Reset, Some(z)) => match records(z.template.as_deref())? {
            Ok(r) => (
                HostedChange::SetZone {
                    template: p.template.clone(),
                    records: dns::to_json(&r),
                    serial: Some(z.serial),
                },
                "reset",
                CHANGED_MEANWHILE,
            ),
            Err(step) => return Ok(step),
        },
        (ZoneAction::Delete, Some(_)) => (
            HostedChange::Delete(Hosted::Zone),
            "deleted",
            codes::DNS_ZONE_NOT_FOUND.text,
        ),
    };
    let then = if p.force_nameservers {
        let next = SERVICE_NAMESERVERS
            .iter()
            .map(|n| (*n).to_string())
            .collect();
        Some(Box::new(super::domain_change::change_of(
            app,
            d.reseller_id,
            (d.id, &d.name),
            DomainChange::Nameservers(next),
            &audit,
        )?))
    } else {
        None
    };
    Ok(step_of(d, change, (verb, audit, now), if_stopped, then))
}

/// `dns_zone_record` for domain `d`.
pub fn record(
    app: &App,
    d: &DomainRecord,
    p: &RecordParams,
    audit: AuditEntry,
    now: i64,
) -> Result<BulkStep, StoreError> {
    let Some(zone) = app.store.dns_zone(d.reseller_id, &d.name)? else {
        return Ok(not_so(p.only_if, codes::DNS_ZONE_NOT_FOUND.text));
    };
    let given = match dns::parse(&d.name, &p.record) {
        Ok(mut r) if r.len() == 1 => r.remove(0),
        Ok(_) => return Ok(failed("dns_record_data: expected one record")),
        Err((field, why)) => return Ok(failed(format!("{field}: {why}"))),
    };
    let mut records = dns::from_json(&zone.records);
    let present = records.contains(&given);
    if p.add {
        if present {
            return Ok(not_so(p.only_if, RECORD_PRESENT));
        }
        records.push(given);
        // The zone with the record checked whole: its limits, a CNAME alone.
        if let Err((field, why)) = dns::parse(&d.name, &dns::to_ops(&records)) {
            return Ok(failed(format!("{field}: {why}")));
        }
    } else {
        if !present {
            return Ok(not_so(p.only_if, RECORD_MISSING));
        }
        records.retain(|r| *r != given);
    }
    let change = HostedChange::SetZone {
        template: None,
        records: dns::to_json(&records),
        serial: Some(zone.serial),
    };
    Ok(step_of(
        d,
        change,
        ("updated", audit, now),
        CHANGED_MEANWHILE,
        None,
    ))
}

/// `domain_forwarding` for domain `d`.
pub fn forwarding(
    app: &App,
    d: &DomainRecord,
    p: &ForwardParams,
    audit: AuditEntry,
    now: i64,
) -> Result<BulkStep, StoreError> {
    let stored = app.store.domain_forwarding(d.reseller_id, &d.name)?;
    let (change, verb) = match (p.op, stored) {
        (ForwardOp::Create, Some(_)) => {
            return Ok(not_so(p.only_if, codes::FORWARDING_EXISTS.text));
        }
        (ForwardOp::Create, None) => (HostedChange::CreateForwarding, "created"),
        (_, None) => return Ok(not_so(p.only_if, codes::FORWARDING_NOT_FOUND.text)),
        (ForwardOp::Delete, Some(_)) => (HostedChange::Delete(Hosted::Forwarding), "deleted"),
        (ForwardOp::Enable | ForwardOp::Disable, Some(was)) => {
            let on = p.op == ForwardOp::Enable;
            let mut entries = forwarding::from_json(&was);
            if entries.iter().all(|e| e.enabled == on) {
                return Ok(outcome(
                    BulkItemStatus::Skipped,
                    item_reasons::NOTHING_TO_DO,
                ));
            }
            for e in &mut entries {
                e.enabled = on;
            }
            let change = HostedChange::SetForwarding {
                entries: forwarding::to_json(&entries),
                was: Some(was),
            };
            (change, "updated")
        }
    };
    let meanwhile = "The forwarding changed while the job ran; submit it again.";
    Ok(step_of(d, change, (verb, audit, now), meanwhile, None))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::bulk_change::Params;

    /// The job keeps its parameters as JSON: each type reads back as sent.
    #[test]
    fn parameters_round_trip_through_the_job() {
        for p in [
            Params::DnsZone(ZoneParams {
                action: ZoneAction::Reset,
                template: Some("t".into()),
                only_if: true,
                force_nameservers: false,
            }),
            Params::DnsZoneRecord(RecordParams {
                add: false,
                record: serde_json::json!({"A": [{"subdomain": "www", "ip_address": "192.0.2.1"}]}),
                only_if: false,
            }),
            Params::DomainForwarding(ForwardParams {
                op: ForwardOp::Disable,
                only_if: true,
            }),
        ] {
            let json = p.to_json();
            assert_eq!(Params::from_json(&json), Some(p.clone()), "{json}");
        }
        // A stored value of an unknown action is not read as another.
        let bad = r#"{"change_type":"dns_zone","action":"wipe","template":null,"only_if":false,"force_nameservers":false}"#;
        assert_eq!(Params::from_json(bad), None);
    }
}
