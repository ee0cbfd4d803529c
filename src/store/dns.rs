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

    /// Makes the reseller's zone of `w.domain`, its serial starting at `w.now`;
    /// stopped ([`Guard::NameHeld`]) when the reseller has one.
    pub fn create_dns_zone(
        &self,
        w: &ZoneWrite<'_>,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let made = zone_in(&tx, w)?;
        finish(tx, (Hosted::Zone, made, Guard::NameHeld), (event, audit))
    }

    /// Replaces the records of the reseller's zone (and its template, when
    /// `w.template` names one), one more on its serial; stopped
    /// ([`Guard::Moved`]) when the reseller has no zone of that domain.
    pub fn set_dns_zone(
        &self,
        w: &ZoneWrite<'_>,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let changed = tx
            .prepare_cached(
                "UPDATE dns_zones SET records = ?3, template = coalesce(?4, template),
                   serial = serial + 1, updated_at = ?5
                 WHERE domain = ?1 AND reseller_id = ?2",
            )?
            .execute(params![
                w.domain,
                w.reseller_id,
                w.records,
                w.template,
                w.now
            ])?;
        finish(tx, (Hosted::Zone, changed, Guard::Moved), (event, audit))
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

    /// Makes the reseller's forwarding of `domain`, with no entries yet;
    /// stopped ([`Guard::NameHeld`]) when the reseller has one.
    pub fn create_domain_forwarding(
        &self,
        reseller_id: i64,
        domain: &str,
        now: i64,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        drop_stale(&tx, Hosted::Forwarding, domain, reseller_id)?;
        let made = tx
            .prepare_cached(
                "INSERT INTO domain_forwards (domain, reseller_id, entries, created_at, updated_at)
                 VALUES (?1, ?2, '[]', ?3, ?3) ON CONFLICT (domain) DO NOTHING",
            )?
            .execute(params![domain, reseller_id, now])?;
        finish(
            tx,
            (Hosted::Forwarding, made, Guard::NameHeld),
            (event, audit),
        )
    }

    /// Replaces the entries of the reseller's forwarding of `domain`; stopped
    /// ([`Guard::Moved`]) when it has none.
    pub fn set_domain_forwarding(
        &self,
        reseller_id: i64,
        domain: &str,
        entries: &str,
        now: i64,
        (event, audit): (&NewEvent, &AuditEntry),
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let changed = tx
            .prepare_cached(
                "UPDATE domain_forwards SET entries = ?3, updated_at = ?4
                 WHERE domain = ?1 AND reseller_id = ?2",
            )?
            .execute(params![domain, reseller_id, entries, now])?;
        finish(
            tx,
            (Hosted::Forwarding, changed, Guard::Moved),
            (event, audit),
        )
    }

    /// Deletes the reseller's zone or forwarding of `domain`; stopped
    /// ([`Guard::Moved`]) when it has none.
    pub fn delete_hosted(
        &self,
        what: Hosted,
        reseller_id: i64,
        domain: &str,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let gone = tx.execute(
            &format!(
                "DELETE FROM {} WHERE domain = ?1 AND reseller_id = ?2",
                what.table()
            ),
            params![domain, reseller_id],
        )?;
        finish(tx, (what, gone, Guard::Moved), (event, audit))
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

/// Commits a one-row change with its event and audit row, or stops with
/// `guard` when no row changed.
fn finish(
    tx: Transaction<'_>,
    (what, rows, guard): (Hosted, usize, Guard),
    (event, audit): (&NewEvent, &AuditEntry),
) -> Result<Written<()>> {
    if rows == 0 {
        return Ok(Written::Stopped(guard));
    }
    bump(&tx, what)?;
    events_in(&tx, std::slice::from_ref(event))?;
    audit_in(&tx, audit)?;
    tx.commit()?;
    Ok(Written::Done(()))
}
