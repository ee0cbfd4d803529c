//! The transfer-in lifecycle's state changes. Each method is one transaction that
//! applies a step's effects, enqueues what follows, and marks the step's task done,
//! so a crash at any point leaves either all of a step or none of it.
//!
//! Domain: pending → failed | processed → cancelled | pending_registry → completed |
//! failed. Registrant: pending → completed. Job: pending → completed once every
//! domain and registrant is final.

use super::sql::{OptionalExtension, Transaction, params};

use super::outbox::{Mail, queue_mail};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{NO_PASSWORD, Result, Store, StoreError};
use crate::status::{DomainStatus, RegistrantStatus};

/// What analysis concluded for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Analysis {
    Failed(String),
    /// Transferable: its registrant (from WHOIS), the contact set as JSON, and the days
    /// the registry will take once accepted.
    Ready {
        registrant_email: String,
        registrant_name: String,
        contacts_json: String,
        registry_days: i64,
        /// The expiry once transferred (see `rules::transfer`).
        expires_after: Option<i64>,
        /// When the registry says the domain was first registered: a domain
        /// transferred in keeps that date.
        registered_at: Option<i64>,
    },
}

/// An analysed domain that can be transferred once its registrant approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferable {
    pub name: String,
    /// Lower-cased by the analysis.
    pub registrant_email: String,
    pub registrant_name: String,
    /// The WHOIS contacts the analysis found (JSON: registrant, admin, tech).
    pub contacts_json: Option<String>,
}

/// A registrant to ask, as `rules::approval` made it: tokens, window and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApproval {
    pub email: String,
    pub name: String,
    pub token: String,
    pub csrf: String,
    pub expires_at: i64,
    pub mail: Mail,
    pub message_id: String,
    /// This registrant answers for every transferable domain of the job (a single
    /// transfer order's approver); else for the domains of its email address.
    pub for_every_domain: bool,
}

/// A domain waiting for analysis or for the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkDomain {
    pub job_id: i64,
    pub position: i64,
    pub name: String,
    pub auth_info: String,
}

/// A registrant as the approval page and emails see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub registrant_id: i64,
    pub job_id: i64,
    pub email: String,
    pub name: String,
    pub token: String,
    pub csrf: String,
    pub status: RegistrantStatus,
    pub decision: Option<String>,
    pub expires_at: i64,
    /// `(domain, status)` in job order.
    pub domains: Vec<(String, DomainStatus)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Cancel,
}

/// Why a decision was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRefused {
    AlreadyDecided,
    Expired,
}

/// Texts of the lifecycle's reasons, in one place.
pub mod reasons {
    pub const IN_PROGRESS: &str = "Transfer in progress";
    pub const CANCELLED: &str = "Cancelled by the registrant.";
    pub const TIMED_OUT: &str =
        "No answer within the approval window; the transfer was not started.";
    pub const ALREADY_HELD: &str = "The domain is already in a reseller's portfolio.";
}

impl Store {
    /// Up to `limit` domains of `job_id` still waiting for analysis, in job order.
    pub fn domains_to_analyse(&self, job_id: i64, limit: usize) -> Result<Vec<WorkDomain>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT position, name, auth_info FROM transfer_domains
                 WHERE job_id = ?1 AND status = 'pending' ORDER BY position LIMIT ?2",
            )?
            .query_map(params![job_id, limit as i64], |r| {
                Ok(WorkDomain {
                    job_id,
                    position: r.get(0)?,
                    name: r.get(1)?,
                    auth_info: r.get(2)?,
                })
            })?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Records the analysis of some domains in one transaction; returns how many of
    /// the job's domains still wait for analysis.
    pub fn record_analysis(
        &self,
        job_id: i64,
        results: &[(i64, Analysis)],
        now: i64,
    ) -> Result<usize> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for (position, result) in results {
            match result {
                Analysis::Failed(reason) => {
                    tx.prepare_cached(
                        "UPDATE transfer_domains SET status = 'failed', reason = ?3, status_at = ?4
                         WHERE job_id = ?1 AND position = ?2 AND status = 'pending'",
                    )?
                    .execute(params![job_id, position, reason, now])?;
                }
                Analysis::Ready {
                    registrant_email,
                    registrant_name,
                    contacts_json,
                    registry_days,
                    expires_after,
                    registered_at,
                } => {
                    tx.prepare_cached(
                        "UPDATE transfer_domains SET status = 'processed', registrant_email = ?3,
                           registrant_name = ?4, contacts = ?5, registry_days = ?6, status_at = ?7,
                           expires_after = ?8, registered_at = ?9
                         WHERE job_id = ?1 AND position = ?2 AND status = 'pending'",
                    )?
                    .execute(params![
                        job_id,
                        position,
                        registrant_email,
                        registrant_name,
                        contacts_json,
                        registry_days,
                        now,
                        expires_after,
                        registered_at
                    ])?;
                }
            }
        }
        let left: i64 = tx.query_row(
            "SELECT count(*) FROM transfer_domains WHERE job_id = ?1 AND status = 'pending'",
            [job_id],
            |r| r.get(0),
        )?;
        tx.commit()?;
        Ok(usize::try_from(left).unwrap_or(0))
    }

    /// The job's transferable domains (analysed, waiting for their registrant), in
    /// job order.
    pub fn transferable_domains(&self, job_id: i64) -> Result<Vec<Transferable>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT name, registrant_email, registrant_name, contacts FROM transfer_domains
                 WHERE job_id = ?1 AND status = 'processed' ORDER BY position",
            )?
            .query_map([job_id], |r| {
                Ok(Transferable {
                    name: r.get(0)?,
                    registrant_email: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                    registrant_name: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                    contacts_json: r.get(3)?,
                })
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Ends the analysis of a job in one transaction: the registrants to ask (each
    /// with its domains, found by email), their approval emails and timeouts; then
    /// the job completes if nothing was transferable, and the analysis task is done.
    /// A second call for the same job opens nothing more.
    pub fn open_approvals(
        &self,
        task_id: i64,
        job_id: i64,
        approvals: &[NewApproval],
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let opened: i64 = tx.query_row(
            "SELECT count(*) FROM transfer_registrants WHERE job_id = ?1",
            [job_id],
            |r| r.get(0),
        )?;
        if opened == 0 {
            for a in approvals {
                tx.prepare_cached(
                    "INSERT INTO transfer_registrants (job_id, email, name, status, token, csrf, expires_at)
                     VALUES (?1, ?2, ?3, 'pending', ?4, ?5, ?6)",
                )?
                .execute(params![job_id, a.email, a.name, a.token, a.csrf, a.expires_at])?;
                let rid = tx.last_insert_rowid();
                queue_mail(
                    &tx,
                    "transfer_approval",
                    &a.mail,
                    &a.message_id,
                    Some((job_id, rid)),
                    now,
                )?;
                enqueue(&tx, TaskKind::ApprovalTimeout, rid, None, a.expires_at, now)?;
            }
            if let [only] = approvals
                && only.for_every_domain
            {
                // A single transfer order: its approver answers for its domain,
                // whoever WHOIS names as registrant.
                tx.prepare_cached(
                    "UPDATE transfer_domains SET registrant_id = (
                       SELECT id FROM transfer_registrants WHERE job_id = ?1)
                     WHERE job_id = ?1 AND status = 'processed'",
                )?
                .execute([job_id])?;
            } else {
                // One set-based pass rather than a scan per registrant (emails were
                // lower-cased by the analysis).
                tx.prepare_cached(
                    "UPDATE transfer_domains SET registrant_id = (
                       SELECT r.id FROM transfer_registrants r
                       WHERE r.job_id = transfer_domains.job_id AND r.email = lower(transfer_domains.registrant_email))
                     WHERE job_id = ?1 AND status = 'processed'",
                )?
                .execute([job_id])?;
            }
        }
        complete_job_if_final(&tx, job_id)?;
        mark_done(&tx, &self.instance, task_id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The registrant behind an approval token, with its domains.
    pub fn approval_by_token(&self, token: &str) -> Result<Option<Approval>> {
        let tx = self.snapshot()?;
        let a = load_approval(&tx, "token = ?1", &token)?;
        Ok(a)
    }

    /// The registrant's answer. Accept: its orders go to `pending_registry` and the
    /// registry steps are queued; Cancel: its orders are cancelled.
    pub fn decide(
        &self,
        token: &str,
        decision: Decision,
        now: i64,
    ) -> Result<std::result::Result<Approval, DecisionRefused>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let Some(a) = load_approval(&tx, "token = ?1", &token)? else {
            return Err(StoreError::NotFound);
        };
        if a.decision.is_some() {
            return Ok(Err(DecisionRefused::AlreadyDecided));
        }
        if now >= a.expires_at {
            return Ok(Err(DecisionRefused::Expired));
        }
        match decision {
            Decision::Accept => {
                tx.execute(
                    "UPDATE transfer_registrants SET decision = 'accept', decided_at = ?2 WHERE id = ?1",
                    params![a.registrant_id, now],
                )?;
                let steps: Vec<(i64, i64)> = tx
                    .prepare(
                        "SELECT position, coalesce(registry_days, 0) FROM transfer_domains
                         WHERE registrant_id = ?1 AND status = 'processed' ORDER BY position",
                    )?
                    .query_map([a.registrant_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                    .collect::<super::sql::Result<_>>()?;
                tx.execute(
                    "UPDATE transfer_domains SET status = 'pending_registry', reason = ?2, status_at = ?3
                     WHERE registrant_id = ?1 AND status = 'processed'",
                    params![a.registrant_id, reasons::IN_PROGRESS, now],
                )?;
                for (position, days) in steps {
                    enqueue(
                        &tx,
                        TaskKind::RegistryStep,
                        a.job_id,
                        Some(position),
                        now + days * 86_400,
                        now,
                    )?;
                }
            }
            Decision::Cancel => {
                tx.execute(
                    "UPDATE transfer_registrants SET decision = 'cancel', decided_at = ?2 WHERE id = ?1",
                    params![a.registrant_id, now],
                )?;
                tx.execute(
                    "UPDATE transfer_domains SET status = 'cancelled', reason = ?2, status_at = ?3
                     WHERE registrant_id = ?1 AND status = 'processed'",
                    params![a.registrant_id, reasons::CANCELLED, now],
                )?;
            }
        }
        complete_registrant_if_final(&tx, a.registrant_id)?;
        complete_job_if_final(&tx, a.job_id)?;
        let after = load_approval(&tx, "id = ?1", &a.registrant_id)?.ok_or(StoreError::NotFound)?;
        tx.commit()?;
        Ok(Ok(after))
    }

    /// Approval windows that are over, `(task_id, registrant_id)`, in one
    /// transaction: an undecided registrant's orders are cancelled (the transfer is
    /// never started at the registry).
    pub fn approval_timeouts(&self, items: &[(i64, i64)], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for &(task_id, registrant_id) in items {
            let undecided = tx
                .prepare_cached(
                    "SELECT job_id FROM transfer_registrants WHERE id = ?1 AND decision IS NULL",
                )?
                .query_row([registrant_id], |r| r.get::<_, i64>(0))
                .optional()?;
            if let Some(job_id) = undecided {
                tx.prepare_cached("UPDATE transfer_registrants SET decision = 'timeout', decided_at = ?2 WHERE id = ?1")?
                    .execute(params![registrant_id, now])?;
                tx.prepare_cached(
                    "UPDATE transfer_domains SET status = 'cancelled', reason = ?2, status_at = ?3
                     WHERE registrant_id = ?1 AND status = 'processed'",
                )?
                .execute(params![registrant_id, reasons::TIMED_OUT, now])?;
                complete_registrant_if_final(&tx, registrant_id)?;
                complete_job_if_final(&tx, job_id)?;
            }
            mark_done(&tx, &self.instance, task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The domain a registry step is about.
    pub fn work_domain(&self, job_id: i64, position: i64) -> Result<Option<WorkDomain>> {
        let conn = self.reader();
        let d = conn
            .prepare_cached(
                "SELECT name, auth_info FROM transfer_domains WHERE job_id = ?1 AND position = ?2",
            )?
            .query_row(params![job_id, position], |r| {
                Ok(WorkDomain {
                    job_id,
                    position,
                    name: r.get(0)?,
                    auth_info: r.get(1)?,
                })
            })
            .optional()?;
        Ok(d)
    }

    /// The registry's answers for accepted domains, in one transaction. A success
    /// lands the domain in the reseller's portfolio under the job's profile or the
    /// registrant's new one, with the WHOIS contacts and the job's nameservers or
    /// DNS template.
    pub fn registry_results(&self, items: &[RegistryOutcome], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for item in items {
            registry_result(&tx, item, now)?;
            mark_done(&tx, &self.instance, item.task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// One registry answer: `outcome` is `Err(reason)` when the transfer failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryOutcome {
    pub task_id: i64,
    pub job_id: i64,
    pub position: i64,
    pub outcome: std::result::Result<(), String>,
}

fn registry_result(tx: &Transaction<'_>, item: &RegistryOutcome, now: i64) -> Result<()> {
    let (job_id, position) = (item.job_id, item.position);
    let row = tx
        .prepare_cached(
            "SELECT d.name, d.status, d.registrant_id, coalesce(o.contacts, d.contacts), j.reseller_id,
                    j.profile_id, j.dns_template, coalesce(o.lock_domain, 0), o.price_cents,
                    d.expires_after, coalesce(o.whois_privacy, 0), coalesce(o.auto_renew, 0), o.tld_data
             FROM transfer_domains d JOIN transfer_jobs j ON j.id = d.job_id
             LEFT JOIN transfer_orders o ON o.job_id = d.job_id
             WHERE d.job_id = ?1 AND d.position = ?2",
        )?
        .query_row(params![job_id, position], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, DomainStatus>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, Option<i64>>(8)?,
                r.get::<_, Option<i64>>(9)?,
                (
                    r.get::<_, bool>(10)?,
                    r.get::<_, bool>(11)?,
                    r.get::<_, Option<String>>(12)?,
                ),
            ))
        })
        .optional()?;
    let Some((
        name,
        status,
        registrant_id,
        contacts,
        reseller_id,
        job_profile,
        template,
        lock,
        price,
        expires,
        (privacy, auto_renew, tld_data),
    )) = row
    else {
        return Ok(());
    };
    if status != DomainStatus::PendingRegistry {
        return Ok(());
    }
    let (status, reason) = match &item.outcome {
        Ok(()) => {
            let profile = match (job_profile, registrant_id) {
                (Some(p), _) => p,
                (None, Some(r)) => registrant_profile(tx, reseller_id, r, now)?,
                (None, None) => return Err(StoreError::NotFound),
            };
            let nameservers: Vec<String> = tx
                .prepare_cached(
                    "SELECT name FROM transfer_nameservers WHERE job_id = ?1 ORDER BY position",
                )?
                .query_map([job_id], |r| r.get(0))?
                .collect::<super::sql::Result<_>>()?;
            let ns = serde_json::to_string(&nameservers).unwrap_or_else(|_| "[]".into());
            let inserted = tx
                .prepare_cached(
                    "INSERT OR IGNORE INTO domains (name, reseller_id, profile_id, locked, created_at, contacts, nameservers, dns_template, transferred_at, expires_at, whois_privacy, auto_renew, tld_data)
                     VALUES (?1, ?2, ?3, ?8, ?4, ?5, ?6, ?7, ?4, ?9, ?10, ?11, ?12)",
                )?
                .execute(params![
                    name, reseller_id, profile, now, contacts, ns, template, lock, expires, privacy,
                    auto_renew, tld_data
                ])?;
            if inserted == 1 {
                // The registry's creation date comes with the domain.
                tx.prepare_cached(
                    "UPDATE domains SET registered_at =
                       (SELECT registered_at FROM transfer_domains WHERE job_id = ?1 AND position = ?2)
                     WHERE name = ?3",
                )?
                .execute(params![job_id, position, name])?;
                // An order's price is charged when its transfer completes (it was
                // held until now).
                if let Some(cents) = price {
                    tx.prepare_cached(
                        "UPDATE resellers SET balance_cents = balance_cents - ?2 WHERE id = ?1",
                    )?
                    .execute(params![reseller_id, cents])?;
                }
                (DomainStatus::Completed, None)
            } else {
                (
                    DomainStatus::Failed,
                    Some(reasons::ALREADY_HELD.to_string()),
                )
            }
        }
        Err(reason) => (DomainStatus::Failed, Some(reason.clone())),
    };
    tx.prepare_cached(
        "UPDATE transfer_domains SET status = ?3, reason = ?4, status_at = ?5 WHERE job_id = ?1 AND position = ?2",
    )?
    .execute(params![job_id, position, status, reason, now])?;
    if let Some(r) = registrant_id {
        complete_registrant_if_final(tx, r)?;
    }
    complete_job_if_final(tx, job_id)?;
    Ok(())
}

fn load_approval(
    tx: &super::sql::Connection,
    filter: &str,
    value: &dyn super::sql::ToValue,
) -> Result<Option<Approval>> {
    let sql = format!(
        "SELECT id, job_id, email, name, token, coalesce(csrf, ''), status, decision, coalesce(expires_at, 0)
         FROM transfer_registrants WHERE {filter}"
    );
    let head = tx
        .prepare_cached(&sql)?
        .query_row([value], |r| {
            Ok(Approval {
                registrant_id: r.get(0)?,
                job_id: r.get(1)?,
                email: r.get(2)?,
                name: r.get(3)?,
                token: r.get(4)?,
                csrf: r.get(5)?,
                status: r.get(6)?,
                decision: r.get(7)?,
                expires_at: r.get(8)?,
                domains: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut a) = head else {
        return Ok(None);
    };
    a.domains = tx
        .prepare_cached(
            "SELECT name, status FROM transfer_domains WHERE registrant_id = ?1 ORDER BY position",
        )?
        .query_map([a.registrant_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<super::sql::Result<_>>()?;
    Ok(Some(a))
}

/// A registrant is complete once it has decided (or timed out) and none of its
/// domains waits for anything.
fn complete_registrant_if_final(tx: &Transaction<'_>, registrant_id: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE transfer_registrants SET status = 'completed'
         WHERE id = ?1 AND decision IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM transfer_domains WHERE registrant_id = ?1
           AND status IN ('pending', 'processed', 'pending_registry'))",
    )?
    .execute([registrant_id])?;
    Ok(())
}

/// The registrants and the job of `job_id` completed where nothing waits any more
/// (for a caller that ended some of its transfers).
pub(crate) fn complete_job_in(tx: &Transaction<'_>, job_id: i64) -> Result<()> {
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM transfer_registrants WHERE job_id = ?1")?
        .query_map([job_id], |r| r.get(0))?
        .collect::<super::sql::Result<_>>()?;
    for id in ids {
        complete_registrant_if_final(tx, id)?;
    }
    complete_job_if_final(tx, job_id)
}

fn complete_job_if_final(tx: &Transaction<'_>, job_id: i64) -> Result<()> {
    tx.prepare_cached(
        "UPDATE transfer_jobs SET status = 'completed'
         WHERE id = ?1
           AND NOT EXISTS (SELECT 1 FROM transfer_domains WHERE job_id = ?1
                           AND status IN ('pending', 'processed', 'pending_registry'))
           AND NOT EXISTS (SELECT 1 FROM transfer_registrants WHERE job_id = ?1 AND status != 'completed')",
    )?
    .execute([job_id])?;
    Ok(())
}

/// The profile a registrant's completed domains go into when the job named none:
/// one new profile per registrant, made on its first completed domain, with no
/// usable password until the reseller sets one.
fn registrant_profile(
    tx: &Transaction<'_>,
    reseller_id: i64,
    registrant_id: i64,
    now: i64,
) -> Result<i64> {
    let existing: Option<i64> = tx
        .query_row(
            "SELECT profile_id FROM transfer_registrants WHERE id = ?1",
            [registrant_id],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if let Some(p) = existing {
        return Ok(p);
    }
    tx.execute(
        "INSERT INTO profiles (reseller_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![reseller_id, format!("transfer-{registrant_id}"), NO_PASSWORD, now],
    )?;
    let p = tx.last_insert_rowid();
    tx.execute(
        "UPDATE transfer_registrants SET profile_id = ?2 WHERE id = ?1",
        params![registrant_id, p],
    )?;
    Ok(p)
}
