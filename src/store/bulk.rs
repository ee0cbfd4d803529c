//! Bulk changes — pushes (`push_domains`) and every other change type: submission
//! with its queue task, the worker's item-by-item progress (each item's outcome
//! committed with its push or change, so a restart never does anything twice),
//! cancel, and the view GET_BULK_CHANGE shows.

use super::sql::{OptionalExtension, params};

use super::events::NewEvent;
use super::outbox::{Mail, queue_mail};
use super::portfolio::{ChangeOf, DomainRecord, OrderDone, Renewal};
use super::push::{
    AuditEntry, PortfolioDomain, PushProfile, audit_in, portfolio_domain_in, push_in,
};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{Guard, Result, Store, Written};
use crate::status::{BulkChangeType, BulkItemStatus, BulkStatus};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewBulkChange {
    pub reseller_id: i64,
    /// The other reseller of a push; the reseller itself for any other change.
    pub gaining_id: i64,
    pub change_type: BulkChangeType,
    /// The change's own parameters as JSON (`rules::bulk_change`); `None` for a push.
    pub params: Option<String>,
    /// An existing profile of the gaining reseller, or `None` for one new profile per
    /// domain.
    pub profile_id: Option<i64>,
    pub apply_to_locked: bool,
    pub contact_email: Option<String>,
    pub client_ip: String,
    /// Domain names, duplicates already removed, in request order.
    pub items: Vec<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BulkItem {
    pub domain: String,
    pub status: BulkItemStatus,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BulkChangeView {
    pub id: i64,
    pub change_type: String,
    pub status: BulkStatus,
    pub losing: String,
    pub gaining: String,
    pub apply_to_locked: bool,
    pub contact_email: Option<String>,
    pub created_at: i64,
    pub finished_at: Option<i64>,
    pub items: Vec<BulkItem>,
}

impl BulkChangeView {
    /// How many items have `status`.
    pub fn count(&self, status: BulkItemStatus) -> usize {
        self.items.iter().filter(|i| i.status == status).count()
    }
}

/// One line of the bulk actions queue: a job and how many of its items have each
/// outcome.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct BulkSummary {
    pub id: i64,
    pub losing: String,
    pub gaining: String,
    pub status: BulkStatus,
    pub created_at: i64,
    pub total: usize,
    pub queued: usize,
    pub pushed: usize,
    pub completed: usize,
    pub skipped: usize,
    pub failed: usize,
    pub cancelled: usize,
}

impl Store {
    /// Stores the job, its items and its queue task in one transaction.
    pub fn create_bulk_change(&self, b: &NewBulkChange) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO bulk_changes (reseller_id, gaining_id, change_type, status, profile_id, apply_to_locked, contact_email, client_ip, created_at, params)
                 VALUES (?1, ?2, ?8, ?9, ?3, ?4, ?5, ?6, ?7, ?10) RETURNING id",
            )?
            .query_row(
                params![
                    b.reseller_id,
                    b.gaining_id,
                    b.profile_id,
                    b.apply_to_locked,
                    b.contact_email,
                    b.client_ip,
                    b.created_at,
                    b.change_type,
                    BulkStatus::Queued,
                    b.params
                ],
                |r| r.get(0),
            )?;
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO bulk_change_items (change_id, position, domain, status) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (i, d) in b.items.iter().enumerate() {
                ins.execute(params![id, i as i64, d, BulkItemStatus::Queued])?;
            }
        }
        enqueue(
            &tx,
            TaskKind::BulkPush,
            id,
            None,
            b.created_at,
            b.created_at,
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The job if it belongs to `reseller_id` (the losing reseller).
    pub fn bulk_change(&self, reseller_id: i64, id: i64) -> Result<Option<BulkChangeView>> {
        let tx = self.snapshot()?;
        let v = load_view(&tx, id, Some(reseller_id))?;
        Ok(v)
    }

    /// A reseller's newest bulk changes with their item counts (the queue page).
    pub fn bulk_summaries(&self, reseller_id: i64, limit: usize) -> Result<Vec<BulkSummary>> {
        self.summaries_of(Some(reseller_id), limit)
    }

    /// Every reseller's latest bulk changes: the operator's queue.
    pub fn bulk_summaries_all(&self, limit: usize) -> Result<Vec<BulkSummary>> {
        self.summaries_of(None, limit)
    }

    fn summaries_of(&self, reseller_id: Option<i64>, limit: usize) -> Result<Vec<BulkSummary>> {
        let tx = self.snapshot()?;
        let mut jobs: Vec<BulkSummary> = tx
            .prepare_cached(
                "SELECT b.id, g.username AS g_username, b.status, b.created_at, l.username FROM bulk_changes b
                 JOIN resellers g ON g.id = b.gaining_id JOIN resellers l ON l.id = b.reseller_id
                 WHERE b.reseller_id = ?1 OR ?1 IS NULL ORDER BY b.id DESC LIMIT ?2",
            )?
            .query_map(params![reseller_id, limit as i64], |r| {
                Ok(BulkSummary {
                    id: r.get("id")?,
                    gaining: r.get("g_username")?,
                    status: r.get("status")?,
                    created_at: r.get("created_at")?,
                    losing: r.get("username")?,
                    ..BulkSummary::default()
                })
            })?
            .collect::<super::sql::Result<_>>()?;
        {
            let mut counts = tx.prepare_cached(
                "SELECT status, count(*) AS n FROM bulk_change_items WHERE change_id = ?1 GROUP BY status",
            )?;
            for j in &mut jobs {
                let rows = counts.query_map([j.id], |r| {
                    Ok((r.get::<_, BulkItemStatus>("status")?, r.get::<_, i64>("n")?))
                })?;
                for row in rows {
                    let (status, n) = row?;
                    let n = usize::try_from(n).unwrap_or(0);
                    j.total += n;
                    *match status {
                        BulkItemStatus::Queued => &mut j.queued,
                        BulkItemStatus::Pushed => &mut j.pushed,
                        BulkItemStatus::Completed => &mut j.completed,
                        BulkItemStatus::Skipped => &mut j.skipped,
                        BulkItemStatus::Failed => &mut j.failed,
                        BulkItemStatus::Cancelled => &mut j.cancelled,
                    } += n;
                }
            }
        }
        Ok(jobs)
    }

    /// Cancels what is still queued of a job that has not ended, each item with
    /// `reason`; what was pushed stays pushed. `Ok(None)` when the job is not this
    /// reseller's (`None`: anyone's, the operator's); `Ok(Some(false))` when it had
    /// ended already.
    pub fn cancel_bulk_change(
        &self,
        reseller_id: Option<i64>,
        id: i64,
        reason: &str,
        now: i64,
    ) -> Result<Option<bool>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let known = tx
            .prepare_cached(
                "SELECT 1 FROM bulk_changes WHERE id = ?1 AND (reseller_id = ?2 OR ?2 IS NULL)",
            )?
            .query_row(params![id, reseller_id], |_| Ok(()))
            .optional()?;
        if known.is_none() {
            return Ok(None);
        }
        let ended = tx
            .prepare_cached(
                "UPDATE bulk_changes SET status = ?3, finished_at = ?2
                 WHERE id = ?1 AND status IN (?4, ?5)",
            )?
            .execute(params![
                id,
                now,
                BulkStatus::Cancelled,
                BulkStatus::Queued,
                BulkStatus::Running
            ])?;
        if ended == 0 {
            return Ok(Some(false));
        }
        tx.prepare_cached(
            "UPDATE bulk_change_items SET status = ?3, reason = ?2 WHERE change_id = ?1 AND status = ?4",
        )?
        .execute(params![
            id,
            reason,
            BulkItemStatus::Cancelled,
            BulkItemStatus::Queued
        ])?;
        tx.commit()?;
        Ok(Some(true))
    }

    /// The next `limit` queued items of a bulk push with the portfolio rows they name
    /// (`None`: no longer the losing reseller's), and the job's parties; `None` when
    /// the job is gone.
    pub fn bulk_batch(&self, id: i64, limit: usize) -> Result<Option<BulkBatch>> {
        let tx = self.snapshot()?;
        let head = tx
            .query_row(
                "SELECT b.reseller_id, b.gaining_id, b.profile_id, b.apply_to_locked, b.client_ip, l.username AS l_username, g.username,
                        b.change_type, b.params
                 FROM bulk_changes b JOIN resellers l ON l.id = b.reseller_id JOIN resellers g ON g.id = b.gaining_id
                 WHERE b.id = ?1",
                [id],
                |r| {
                    Ok(BulkBatch {
                        id,
                        change_type: r.get("change_type")?,
                        params: r.get("params")?,
                        losing_id: r.get("reseller_id")?,
                        gaining_id: r.get("gaining_id")?,
                        profile_id: r.get("profile_id")?,
                        apply_to_locked: r.get("apply_to_locked")?,
                        client_ip: r.get("client_ip")?,
                        losing: r.get("l_username")?,
                        gaining: r.get("username")?,
                        items: Vec::new(),
                    })
                },
            )
            .optional()?;
        let Some(mut batch) = head else {
            return Ok(None);
        };
        let items: Vec<(i64, String)> = tx
            .prepare_cached(
                "SELECT position, domain FROM bulk_change_items WHERE change_id = ?1 AND status = ?3 ORDER BY position LIMIT ?2",
            )?
            .query_map(
                params![id, limit as i64, BulkItemStatus::Queued],
                |r| Ok((r.get("position")?, r.get("domain")?)),
            )?
            .collect::<super::sql::Result<_>>()?;
        // Only a push's step reads the portfolio row here; every other change type
        // reads the whole domain record in its rule, so reading it here too would
        // read each of up to 10,000 domains twice.
        let push = batch.change_type == BulkChangeType::PushDomains;
        for (position, name) in items {
            let found = if push {
                portfolio_domain_in(&tx, batch.losing_id, &name)?
            } else {
                None
            };
            batch.items.push(BatchItem {
                position,
                name,
                found,
            });
        }
        Ok(Some(batch))
    }

    /// Records the outcomes of some items of a bulk push in one transaction, each
    /// push with its item's status (so a restart never pushes anything twice).
    /// Returns how many items are still queued.
    pub fn record_bulk_items(&self, id: i64, steps: &[(i64, BulkStep)]) -> Result<usize> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let reseller_id: i64 = tx
            .prepare_cached("SELECT reseller_id FROM bulk_changes WHERE id = ?1")?
            .query_row([id], |r| r.get(0))?;
        tx.prepare_cached("UPDATE bulk_changes SET status = ?2 WHERE id = ?1 AND status = ?3")?
            .execute(params![id, BulkStatus::Running, BulkStatus::Queued])?;
        for (position, step) in steps {
            // Cancelled since the batch was read: nothing of it happens.
            let queued: Option<BulkItemStatus> = tx
                .prepare_cached(
                    "SELECT status FROM bulk_change_items WHERE change_id = ?1 AND position = ?2",
                )?
                .query_row(params![id, position], |r| r.get(0))
                .optional()?;
            if queued != Some(BulkItemStatus::Queued) {
                continue;
            }
            let (status, reason): (BulkItemStatus, Option<String>) = match step {
                BulkStep::Outcome { status, reason } => (*status, reason.clone()),
                BulkStep::Change { change, if_gone } => {
                    if super::portfolio::change_in(&tx, reseller_id, change)? {
                        (BulkItemStatus::Completed, None)
                    } else {
                        (if_gone.0, Some(if_gone.1.clone()))
                    }
                }
                BulkStep::Hosted {
                    write,
                    event,
                    audit,
                    if_stopped,
                    then,
                } => {
                    if super::dns::hosted_in(&tx, write)? == 0 {
                        (if_stopped.0, Some(if_stopped.1.clone()))
                    } else {
                        super::events::events_in(&tx, std::slice::from_ref(&**event))?;
                        audit_in(&tx, audit)?;
                        if let Some(change) = then {
                            super::portfolio::change_in(&tx, reseller_id, change)?;
                        }
                        (BulkItemStatus::Completed, None)
                    }
                }
                BulkStep::Renew {
                    domain,
                    renewal,
                    audit,
                    event,
                    if_stopped,
                    then,
                } => match super::portfolio::renew_in(&tx, domain, renewal, audit, event)? {
                    Written::Done(_) => {
                        if let Some(change) = then {
                            super::portfolio::change_in(&tx, reseller_id, change)?;
                        }
                        (BulkItemStatus::Completed, None)
                    }
                    Written::Stopped(g) => {
                        let (status, reason) = if_stopped(g);
                        (status, Some(reason))
                    }
                },
                BulkStep::Push {
                    domain,
                    gaining_id,
                    profile,
                    audit,
                    events,
                    if_gone,
                } => {
                    if push_in(&tx, domain, *gaining_id, profile, audit, events)? {
                        (BulkItemStatus::Pushed, None)
                    } else {
                        (if_gone.0, Some(if_gone.1.clone()))
                    }
                }
            };
            tx.prepare_cached(
                "UPDATE bulk_change_items SET status = ?3, reason = ?4 WHERE change_id = ?1 AND position = ?2",
            )?
            .execute(params![id, position, status, reason])?;
        }
        let left: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM bulk_change_items WHERE change_id = ?1 AND status = ?2",
            )?
            .query_row(params![id, BulkItemStatus::Queued], |r| r.get(0))?;
        tx.commit()?;
        Ok(usize::try_from(left).unwrap_or(0))
    }

    /// Any reseller's bulk push by id (the worker's read).
    pub fn bulk_change_by_id(&self, id: i64) -> Result<Option<BulkChangeView>> {
        let tx = self.snapshot()?;
        load_view(&tx, id, None)
    }
    /// Marks a bulk change whose items are all done finished (completed, or
    /// cancelled as it was), queues its results email and marks its task done, in
    /// one transaction.
    pub fn finish_bulk_push(
        &self,
        task_id: i64,
        id: i64,
        report: Option<&Mail>,
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        // A job not cancelled meanwhile completes; either way it is finished.
        tx.prepare_cached(
            "UPDATE bulk_changes SET status = ?2 WHERE id = ?1 AND status IN (?3, ?4)",
        )?
        .execute(params![
            id,
            BulkStatus::Completed,
            BulkStatus::Queued,
            BulkStatus::Running
        ])?;
        let changed = tx
            .prepare_cached(
                "UPDATE bulk_changes SET finished_at = coalesce(finished_at, ?2) WHERE id = ?1",
            )?
            .execute(params![id, now])?;
        if changed > 0
            && let Some(mail) = report
        {
            let message_id = format!("<bulk-{id}@opsd>");
            let change_type: BulkChangeType = tx
                .prepare_cached("SELECT change_type FROM bulk_changes WHERE id = ?1")?
                .query_row([id], |r| r.get(0))?;
            let kind = match change_type {
                BulkChangeType::PushDomains => "bulk_push_report",
                _ => "bulk_change_report",
            };
            queue_mail(&tx, kind, mail, &message_id, None, now)?;
        }
        mark_done(&tx, &self.instance, task_id, now)?;
        tx.commit()?;
        Ok(())
    }
}

/// The next items of a bulk push, as [`Store::bulk_batch`] reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkBatch {
    pub id: i64,
    pub change_type: BulkChangeType,
    /// The change's parameters (JSON), for any change but a push.
    pub params: Option<String>,
    pub losing_id: i64,
    pub gaining_id: i64,
    /// An existing profile of the gaining reseller, or `None` for one new profile
    /// per domain.
    pub profile_id: Option<i64>,
    pub apply_to_locked: bool,
    pub client_ip: String,
    pub losing: String,
    pub gaining: String,
    pub items: Vec<BatchItem>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchItem {
    pub position: i64,
    pub name: String,
    /// The losing reseller's portfolio row of this name (read for a push only).
    pub found: Option<PortfolioDomain>,
}

/// What to do with one queued item.
pub enum BulkStep {
    Push {
        domain: PortfolioDomain,
        gaining_id: i64,
        profile: PushProfile,
        audit: Box<AuditEntry>,
        events: Vec<NewEvent>,
        /// The item's outcome when the domain has left the reseller since the
        /// batch was read.
        if_gone: (BulkItemStatus, String),
    },
    /// Nothing to write but the item's outcome: skipped, failed, or a check's
    /// answer (completed, the answer as its reason).
    Outcome {
        status: BulkItemStatus,
        reason: Option<String>,
    },
    /// A change of the reseller's domain (completed once written).
    Change {
        change: Box<ChangeOf>,
        /// The outcome when the domain has left the reseller since it was read.
        if_gone: (BulkItemStatus, String),
    },
    /// A change of the domain's DNS zone or forwarding (completed once
    /// written), then, when given, a change of the domain itself.
    Hosted {
        write: Box<super::HostedWrite>,
        event: Box<NewEvent>,
        audit: Box<AuditEntry>,
        /// The outcome when the write stopped (see `HostedWrite::guard`).
        if_stopped: (BulkItemStatus, String),
        then: Option<Box<ChangeOf>>,
    },
    /// A renewal, charged (completed once written).
    Renew {
        domain: Box<DomainRecord>,
        renewal: Renewal,
        audit: Box<AuditEntry>,
        event: Box<dyn Fn(OrderDone) -> NewEvent + Send + Sync>,
        /// The outcome when the renewal stopped at a guard (funds, domain gone).
        if_stopped: Box<dyn Fn(Guard) -> (BulkItemStatus, String) + Send + Sync>,
        /// A change made after the renewal (the expire action's flags).
        then: Option<Box<ChangeOf>>,
    },
}

impl std::fmt::Debug for BulkStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BulkStep::Push { domain, .. } => write!(f, "Push({})", domain.name),
            BulkStep::Outcome { status, reason } => write!(f, "Outcome({status}, {reason:?})"),
            BulkStep::Change { change, .. } => write!(f, "Change({:?})", change.change),
            BulkStep::Renew { domain, .. } => write!(f, "Renew({})", domain.name),
            BulkStep::Hosted { write, .. } => write!(f, "Hosted({:?})", write.change),
        }
    }
}

fn load_view(
    tx: &super::sql::Connection,
    id: i64,
    reseller_id: Option<i64>,
) -> Result<Option<BulkChangeView>> {
    let head = tx
        .prepare_cached(
            "SELECT b.id, b.change_type, b.status, l.username AS l_username, g.username, b.apply_to_locked, b.contact_email, b.created_at, b.finished_at
             FROM bulk_changes b JOIN resellers l ON l.id = b.reseller_id JOIN resellers g ON g.id = b.gaining_id
             WHERE b.id = ?1 AND (b.reseller_id = ?2 OR ?2 IS NULL)",
        )?
        .query_row(params![id, reseller_id], |r| {
            Ok(BulkChangeView {
                id: r.get("id")?,
                change_type: r.get("change_type")?,
                status: r.get("status")?,
                losing: r.get("l_username")?,
                gaining: r.get("username")?,
                apply_to_locked: r.get("apply_to_locked")?,
                contact_email: r.get("contact_email")?,
                created_at: r.get("created_at")?,
                finished_at: r.get("finished_at")?,
                items: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut v) = head else {
        return Ok(None);
    };
    v.items = tx
        .prepare_cached("SELECT domain, status, reason FROM bulk_change_items WHERE change_id = ?1 ORDER BY position")?
        .query_map([id], |r| {
            Ok(BulkItem {
                domain: r.get("domain")?,
                status: r.get("status")?,
                reason: r.get("reason")?,
            })
        })?
        .collect::<super::sql::Result<_>>()?;
    Ok(Some(v))
}
