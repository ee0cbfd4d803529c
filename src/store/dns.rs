//! The DNS service's zones and the domain forwarding service, each a row per
//! domain for the reseller that made it: kept, read back, replaced whole and
//! deleted, each change with its event and audit row in one transaction. A row
//! left by a former holder of the domain (it moved to another reseller) is
//! replaced when the new holder makes its own; no reseller reads another's.

use super::events::events_in;
use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, Transaction, params};
use super::{Guard, NewEvent, Result, Store, Written};

/// A zone as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsZone {
    pub domain: String,
    pub reseller_id: i64,
    /// The DNS template it was made from (RESET_DNS_ZONE goes back to it).
    pub template: Option<String>,
    /// The records, JSON (`rules::dns`).
    pub records: String,
    /// The SOA serial: one more with each change.
    pub serial: i64,
    pub updated_at: i64,
}

/// A zone's contents to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZoneWrite<'a> {
    pub reseller_id: i64,
    pub domain: &'a str,
    /// On creation, the template it is made from; on a change, a new template
    /// (RESET_DNS_ZONE with `dns_template`), or `None` to keep its own.
    pub template: Option<&'a str>,
    pub records: &'a str,
    pub now: i64,
}

/// The two hosted services, each a table of rows per domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosted {
    Zone,
    Forwarding,
}

/// One change of a hosted service, owned: a bulk job reads its batch, then
/// writes each item's change with the item's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostedChange {
    /// A new zone (made from `template` when it names one).
    CreateZone {
        template: Option<String>,
        records: String,
    },
    /// The zone's records replaced, with a new template when one is named;
    /// with `serial`, only while the zone is still at that serial (a change
    /// computed from the zone as read).
    SetZone {
        template: Option<String>,
        records: String,
        serial: Option<i64>,
    },
    /// A new forwarding, with no entries.
    CreateForwarding,
    /// The forwarding's entries replaced; with `was`, only while they are
    /// still those.
    SetForwarding {
        entries: String,
        was: Option<String>,
    },
    Delete(Hosted),
}

/// A hosted change of one reseller's domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedWrite {
    pub reseller_id: i64,
    pub domain: String,
    pub change: HostedChange,
    pub now: i64,
}

impl HostedWrite {
    /// The service the change touches.
    pub fn what(&self) -> Hosted {
        match &self.change {
            HostedChange::CreateZone { .. } | HostedChange::SetZone { .. } => Hosted::Zone,
            HostedChange::CreateForwarding | HostedChange::SetForwarding { .. } => {
                Hosted::Forwarding
            }
            HostedChange::Delete(what) => *what,
        }
    }

    /// Why the change stops when it writes no row.
    pub fn guard(&self) -> Guard {
        match &self.change {
            HostedChange::CreateZone { .. } | HostedChange::CreateForwarding => Guard::NameHeld,
            _ => Guard::Moved,
        }
    }
}

impl Hosted {
    fn table(self) -> &'static str {
        match self {
            Hosted::Zone => "dns_zones",
            Hosted::Forwarding => "domain_forwards",
        }
    }
}

impl Store {
    /// The reseller's zone of `domain`.
    pub fn dns_zone(&self, reseller_id: i64, domain: &str) -> Result<Option<DnsZone>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT domain, reseller_id, template, records, serial, updated_at FROM dns_zones
                 WHERE domain = ?1 AND reseller_id = ?2",
            )?
            .query_row(params![domain, reseller_id], |r| {
                Ok(DnsZone {
                    domain: r.get("domain")?,
                    reseller_id: r.get("reseller_id")?,
                    template: r.get("template")?,
                    records: r.get("records")?,
                    serial: r.get("serial")?,
                    updated_at: r.get("updated_at")?,
                })
            })
            .optional()?)
    }

    /// Writes `w` with its event and audit row in one transaction; stopped
    /// ([`Guard::NameHeld`]) when a creation finds one there, or
    /// ([`Guard::Moved`]) when a change finds none (or finds it changed since
    /// it was read, for a guarded change).
    pub fn write_hosted(
        &self,
        w: &HostedWrite,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if hosted_in(&tx, w)? == 0 {
            return Ok(Written::Stopped(w.guard()));
        }
        events_in(&tx, std::slice::from_ref(event))?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Every zone the DNS server answers for: `(domain, records, serial)` of the
    /// zones whose domain its reseller still holds.
    pub fn served_zones(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT z.domain, z.records, z.serial FROM dns_zones z
                 JOIN domains d ON d.name = z.domain AND d.reseller_id = z.reseller_id",
            )?
            .query_map([], |r| {
                Ok((r.get("domain")?, r.get("records")?, r.get("serial")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// A counter one more with every change of a zone or forwarding of
    /// `what`, for the servers to know when to read them again.
    pub fn hosted_version(&self, what: Hosted) -> Result<i64> {
        Ok(self
            .reader()
            .prepare_cached("SELECT n FROM hosted_versions WHERE what = ?1")?
            .query_row([what.table()], |r| r.get("n"))
            .optional()?
            .unwrap_or(0))
    }

    /// Every forwarding the web server serves: `(domain, entries)` of those whose
    /// domain its reseller still holds.
    pub fn served_forwards(&self) -> Result<Vec<(String, String)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT f.domain, f.entries FROM domain_forwards f
                 JOIN domains d ON d.name = f.domain AND d.reseller_id = f.reseller_id",
            )?
            .query_map([], |r| Ok((r.get("domain")?, r.get("entries")?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// The reseller's forwarding of `domain`: its entries (JSON).
    pub fn domain_forwarding(&self, reseller_id: i64, domain: &str) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT entries FROM domain_forwards WHERE domain = ?1 AND reseller_id = ?2",
            )?
            .query_row(params![domain, reseller_id], |r| r.get("entries"))
            .optional()?)
    }

    /// The records of the reseller's DNS template `name` (JSON): `None` when it
    /// has no such template, `Some(None)` when the template has no records.
    pub fn dns_template_records(
        &self,
        reseller_id: i64,
        name: &str,
    ) -> Result<Option<Option<String>>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT records FROM dns_templates WHERE reseller_id = ?1 AND name = ?2",
            )?
            .query_row(params![reseller_id, name], |r| r.get("records"))
            .optional()?)
    }

    /// Sets the records of the reseller's DNS template `name`; false when it
    /// has no such template.
    pub fn set_dns_template_records(
        &self,
        reseller_id: i64,
        name: &str,
        records: &str,
    ) -> Result<bool> {
        Ok(self.writer().execute(
            "UPDATE dns_templates SET records = ?3 WHERE reseller_id = ?1 AND name = ?2",
            params![reseller_id, name, records],
        )? == 1)
    }
}

/// Makes the zone `w` inside a caller's transaction (a domain arriving with a
/// `dns_template`), replacing one a former holder left; how many rows it made
/// (none when the reseller has one).
pub(super) fn zone_in(tx: &Transaction<'_>, w: &ZoneWrite<'_>) -> Result<usize> {
    drop_stale(tx, Hosted::Zone, w.domain, w.reseller_id)?;
    let made = tx
        .prepare_cached(
            "INSERT INTO dns_zones (domain, reseller_id, template, records, serial, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5) ON CONFLICT (domain) DO NOTHING",
        )?
        .execute(params![w.domain, w.reseller_id, w.template, w.records, w.now])?;
    if made > 0 {
        bump(tx, Hosted::Zone)?;
    }
    Ok(made)
}

/// Writes `w` inside a caller's transaction; how many rows it wrote (none
/// when it stopped: see [`HostedWrite::guard`]). The servers' counter moves
/// with every write.
pub(super) fn hosted_in(tx: &Transaction<'_>, w: &HostedWrite) -> Result<usize> {
    let (domain, reseller_id, now) = (w.domain.as_str(), w.reseller_id, w.now);
    let rows = match &w.change {
        HostedChange::CreateZone { template, records } => {
            // zone_in moves the counter itself.
            return zone_in(
                tx,
                &ZoneWrite {
                    reseller_id,
                    domain,
                    template: template.as_deref(),
                    records,
                    now,
                },
            );
        }
        HostedChange::SetZone {
            template,
            records,
            serial,
        } => tx
            .prepare_cached(
                "UPDATE dns_zones SET records = ?3, template = coalesce(?4, template),
                   serial = serial + 1, updated_at = ?5
                 WHERE domain = ?1 AND reseller_id = ?2 AND (serial = ?6 OR ?6 IS NULL)",
            )?
            .execute(params![domain, reseller_id, records, template, now, serial])?,
        HostedChange::CreateForwarding => {
            drop_stale(tx, Hosted::Forwarding, domain, reseller_id)?;
            tx.prepare_cached(
                "INSERT INTO domain_forwards (domain, reseller_id, entries, created_at, updated_at)
                 VALUES (?1, ?2, '[]', ?3, ?3) ON CONFLICT (domain) DO NOTHING",
            )?
            .execute(params![domain, reseller_id, now])?
        }
        HostedChange::SetForwarding { entries, was } => tx
            .prepare_cached(
                "UPDATE domain_forwards SET entries = ?3, updated_at = ?4
                 WHERE domain = ?1 AND reseller_id = ?2 AND (entries = ?5 OR ?5 IS NULL)",
            )?
            .execute(params![domain, reseller_id, entries, now, was])?,
        HostedChange::Delete(what) => tx.execute(
            &format!(
                "DELETE FROM {} WHERE domain = ?1 AND reseller_id = ?2",
                what.table()
            ),
            params![domain, reseller_id],
        )?,
    };
    if rows > 0 {
        bump(tx, w.what())?;
    }
    Ok(rows)
}

/// One more on the service's change counter.
fn bump(tx: &Transaction<'_>, what: Hosted) -> Result<()> {
    // An upsert: a sandbox reset may have emptied the table.
    tx.prepare_cached(
        "INSERT INTO hosted_versions (what, n) VALUES (?1, 1)
         ON CONFLICT (what) DO UPDATE SET n = hosted_versions.n + 1",
    )?
    .execute([what.table()])?;
    Ok(())
}

/// Deletes the row a former holder of `domain` left.
fn drop_stale(tx: &Transaction<'_>, what: Hosted, domain: &str, reseller_id: i64) -> Result<()> {
    tx.execute(
        &format!(
            "DELETE FROM {} WHERE domain = ?1 AND reseller_id <> ?2",
            what.table()
        ),
        params![domain, reseller_id],
    )?;
    Ok(())
}
