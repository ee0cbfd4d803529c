//! A hosted email company's settings and a domain's settings, other names (domain aliases) and brand as
//! change_domain writes them, and a deleted domain kept for restore_domain.
//! Every write names the company and reaches only its domains.

use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, params};
use super::{Guard, Result, Store, StoreError, Written};

/// A change of one of the company's domains; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct DomainWrite<'a> {
    pub company_id: i64,
    pub name: &'a str,
    pub disabled: Option<bool>,
    /// The new settings (JSON) and the ones they were read as: a change made
    /// meanwhile stops the write ([`Guard::Moved`]) instead of being lost.
    pub settings: Option<(&'a str, &'a str)>,
    pub aliases: Option<&'a [String]>,
    /// The brand (one of the company's), or none.
    pub brand: Option<Option<i64>>,
}

/// A deleted domain as kept for a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedMailDomain {
    pub id: i64,
    pub name: String,
    /// The domain whole (JSON): settings, disabled, aliases, workgroups.
    pub data: String,
    pub deleted_at: i64,
}

impl Store {
    /// Writes the company's settings (JSON, guarded by the ones they were read
    /// as) and its push settings (see `set_mail_push_settings`) in one
    /// transaction, with the audit row; stopped ([`Guard::Moved`]) when the
    /// settings changed meanwhile.
    pub fn change_mail_company(
        &self,
        company_id: i64,
        settings: Option<(&str, &str)>,
        (allowed, notify): (Option<&[i64]>, Option<Option<&str>>),
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if let Some((new, was)) = settings {
            let n = tx
                .prepare_cached(
                    "UPDATE mail_companies SET settings = ?2 WHERE id = ?1 AND settings = ?3",
                )?
                .execute(params![company_id, new, was])?;
            if n == 0 {
                return Ok(Written::Stopped(Guard::Moved));
            }
        }
        if let Some(list) = allowed {
            tx.prepare_cached("DELETE FROM mail_push_allowed WHERE company_id = ?1")?
                .execute([company_id])?;
            for id in list {
                tx.prepare_cached(
                    "INSERT INTO mail_push_allowed (company_id, allowed_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                )?
                .execute(params![company_id, id])?;
            }
        }
        if let Some(n) = notify {
            tx.prepare_cached("UPDATE mail_companies SET push_notify = ?2 WHERE id = ?1")?
                .execute(params![company_id, n])?;
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Writes `w` to the company's existing domain, with the audit row.
    pub fn write_mail_domain(
        &self,
        w: &DomainWrite<'_>,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let held: Option<i64> = tx
            .prepare_cached(
                "SELECT company_id FROM mail_domains WHERE name = ?1 AND company_id = ?2",
            )?
            .query_row(params![w.name, w.company_id], |r| r.get(0))
            .optional()?;
        if held.is_none() {
            return Ok(Written::Stopped(Guard::Moved));
        }
        if let Some(off) = w.disabled {
            tx.prepare_cached("UPDATE mail_domains SET disabled = ?2 WHERE name = ?1")?
                .execute(params![w.name, off])?;
        }
        if let Some((new, was)) = w.settings {
            let n = tx
                .prepare_cached(
                    "UPDATE mail_domains SET settings = ?2 WHERE name = ?1 AND settings = ?3",
                )?
                .execute(params![w.name, new, was])?;
            if n == 0 {
                return Ok(Written::Stopped(Guard::Moved));
            }
        }
        if let Some(brand) = w.brand {
            let n = tx
                .prepare_cached(
                    "UPDATE mail_domains SET brand_id = ?2 WHERE name = ?1
                     AND (?2 IS NULL OR ?2 IN (SELECT id FROM mail_brands WHERE company_id = ?3 AND deleted_at IS NULL))",
                )?
                .execute(params![w.name, brand, w.company_id])?;
            if n == 0 {
                return Ok(Written::Stopped(Guard::Moved));
            }
        }
        if let Some(aliases) = w.aliases {
            tx.prepare_cached("DELETE FROM mail_domain_aliases WHERE domain = ?1")?
                .execute([w.name])?;
            for a in aliases {
                let taken: i64 = tx
                    .prepare_cached("SELECT count(*) FROM mail_domains WHERE name = ?1")?
                    .query_row([a], |r| r.get(0))?;
                if taken > 0 {
                    return Err(StoreError::Conflict(format!("domain {a}")));
                }
                tx.prepare_cached(
                    "INSERT INTO mail_domain_aliases (alias, domain) VALUES (?1, ?2)",
                )?
                .execute(params![a, w.name])
                .map_err(|e| StoreError::conflict_or(e, format!("domain alias {a}")))?;
            }
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// The company's named brands: `(id, name, deleted)`, by name.
    pub fn mail_brands_of(&self, company_id: i64) -> Result<Vec<(i64, String, bool)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, name, CASE WHEN deleted_at IS NULL THEN 0 ELSE 1 END AS deleted
                 FROM mail_brands WHERE company_id = ?1 AND name IS NOT NULL ORDER BY name",
            )?
            .query_map([company_id], |r| {
                Ok((
                    r.get("id")?,
                    r.get("name")?,
                    r.get::<_, i64>("deleted")? != 0,
                ))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// The other names of a domain, in order.
    pub fn mail_domain_aliases(&self, name: &str) -> Result<Vec<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT alias FROM mail_domain_aliases WHERE domain = ?1 ORDER BY alias",
            )?
            .query_map([name], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// The domain an alias names, when it is one of the company's.
    pub fn mail_domain_of_alias(&self, company_id: i64, alias: &str) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT a.domain FROM mail_domain_aliases a JOIN mail_domains d ON d.name = a.domain
                 WHERE a.alias = ?1 AND d.company_id = ?2",
            )?
            .query_row(params![alias, company_id], |r| r.get(0))
            .optional()?)
    }

    /// The company's deleted domains since `since`, newest first.
    pub fn deleted_mail_domains(
        &self,
        company_id: i64,
        since: i64,
    ) -> Result<Vec<DeletedMailDomain>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, name, data, deleted_at FROM mail_deleted_domains
                 WHERE company_id = ?1 AND deleted_at >= ?2 ORDER BY deleted_at DESC, id DESC",
            )?
            .query_map(params![company_id, since], |r| {
                Ok(DeletedMailDomain {
                    id: r.get("id")?,
                    name: r.get("name")?,
                    data: r.get("data")?,
                    deleted_at: r.get("deleted_at")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Brings the company's deleted domain `id` back as `new_name` with its
    /// settings, suspension and workgroups (its aliases only where still free);
    /// the record is used up. Stopped ([`Guard::Moved`]) when the record is gone,
    /// ([`Guard::NameHeld`]) when the name is taken.
    pub fn restore_mail_domain(
        &self,
        company_id: i64,
        id: i64,
        new_name: &str,
        (settings, disabled, workgroups): (&str, bool, &[String]),
        now: i64,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let gone = tx
            .prepare_cached("DELETE FROM mail_deleted_domains WHERE id = ?1 AND company_id = ?2")?
            .execute(params![id, company_id])?;
        if gone == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        let made = tx
            .prepare_cached(
                "INSERT INTO mail_domains (name, company_id, created_at, disabled, settings)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![new_name, company_id, now, disabled, settings])?;
        if made == 0 {
            return Ok(Written::Stopped(Guard::NameHeld));
        }
        for w in workgroups {
            tx.prepare_cached(
                "INSERT INTO mail_workgroups (domain, name, created_at) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![new_name, w, now])?;
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }
}
