//! Transfers away: a domain of a reseller's portfolio asked for by another
//! registrar, approved or declined by its owner, or completed when the window ends
//! without an answer; each change in one transaction with its event (and, when it
//! completes, the domain leaving the portfolio).

use super::sql::{OptionalExtension, Transaction, params};

use super::events::{NewEvent, events_in};
use super::outbox::{Mail, queue_mail};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{Guard, Result, Store, Written};
use crate::status::{AwayDecision, AwayStatus};

/// A transfer away as rules::away prepared it, of the domain `reseller_id` holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAway {
    pub reseller_id: i64,
    pub domain: String,
    pub gaining: String,
    pub owner_email: String,
    pub token: String,
    pub csrf: String,
    pub expires_at: i64,
    pub mail: Mail,
    pub message_id: String,
    pub event: NewEvent,
    pub now: i64,
}

/// How a transfer away ends, as rules::away planned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayEnd {
    pub id: i64,
    pub decision: AwayDecision,
    /// Completed: the domain leaves the reseller's portfolio (while it is still
    /// there); cancelled: it stays.
    pub status: AwayStatus,
    pub event: NewEvent,
    /// The task whose window ended, done with it.
    pub task_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwayView {
    pub id: i64,
    pub reseller: String,
    pub domain: String,
    pub gaining: String,
    pub status: AwayStatus,
    pub owner_email: String,
    pub token: String,
    pub csrf: String,
    pub requested_at: i64,
    pub expires_at: i64,
    pub decision: Option<AwayDecision>,
    pub decided_at: Option<i64>,
    pub reseller_id: i64,
}

const VIEW: &str = "SELECT a.id, r.username, a.domain, a.gaining, a.status, a.owner_email, a.token,
                           a.csrf, a.requested_at, a.expires_at, a.decision, a.decided_at,
                           a.reseller_id
                    FROM transfers_away a JOIN resellers r ON r.id = a.reseller_id";

fn view(r: &super::sql::Row<'_>) -> super::sql::Result<AwayView> {
    Ok(AwayView {
        id: r.get("id")?,
        reseller: r.get("username")?,
        domain: r.get("domain")?,
        gaining: r.get("gaining")?,
        status: r.get("status")?,
        owner_email: r.get("owner_email")?,
        token: r.get("token")?,
        csrf: r.get("csrf")?,
        requested_at: r.get("requested_at")?,
        expires_at: r.get("expires_at")?,
        decision: r.get("decision")?,
        decided_at: r.get("decided_at")?,
        reseller_id: r.get("reseller_id")?,
    })
}

impl Store {
    /// Whether a transfer away of `domain` waits for its owner.
    pub fn transfer_away_pending(&self, domain: &str) -> Result<bool> {
        let n: i64 = self
            .reader()
            .prepare_cached(
                "SELECT count(*) FROM transfers_away WHERE domain = ?1 AND status = ?2",
            )?
            .query_row(params![domain, AwayStatus::PendingOwner], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Starts a transfer away of a portfolio domain: the row, the owner's email, the
    /// task that completes it at the end of the window, and its event. Guarded:
    /// stopped ([`Guard::Moved`]) when the reseller no longer holds the domain or
    /// another transfer away of it waits for its owner.
    pub fn start_transfer_away(&self, a: &NewAway) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO transfers_away (reseller_id, domain, gaining, status, owner_email, token, csrf,
                   requested_at, expires_at)
                 SELECT ?1, ?2, ?3, ?9, ?4, ?5, ?6, ?7, ?8
                 WHERE EXISTS (SELECT 1 FROM domains WHERE name = ?2 AND reseller_id = ?1)
                   AND NOT EXISTS (SELECT 1 FROM transfers_away WHERE domain = ?2 AND status = ?9)
                 RETURNING id",
            )?
            .query_row(
                params![
                    a.reseller_id,
                    a.domain,
                    a.gaining,
                    a.owner_email,
                    a.token,
                    a.csrf,
                    a.now,
                    a.expires_at,
                    AwayStatus::PendingOwner
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(id) = id else {
            return Ok(Written::Stopped(Guard::Moved));
        };
        queue_mail(&tx, "transfer_away", &a.mail, &a.message_id, None, a.now)?;
        enqueue(&tx, TaskKind::AwayTimeout, id, None, a.expires_at, a.now)?;
        events_in(&tx, std::slice::from_ref(&a.event))?;
        tx.commit()?;
        Ok(Written::Done(id))
    }

    /// A transfer away by id.
    pub fn transfer_away(&self, id: i64) -> Result<Option<AwayView>> {
        let v = self
            .reader()
            .prepare_cached(&format!("{VIEW} WHERE a.id = ?1"))?
            .query_row([id], view)
            .optional()?;
        Ok(v)
    }

    pub fn transfer_away_by_token(&self, token: &str) -> Result<Option<AwayView>> {
        let v = self
            .reader()
            .prepare_cached(&format!("{VIEW} WHERE a.token = ?1"))?
            .query_row([token], view)
            .optional()?;
        Ok(v)
    }

    /// Ends transfers away as their rule planned, in one transaction, each while
    /// it still waits for its owner; the tasks named are done. Whether each ended.
    pub fn end_transfers_away(&self, ends: &[AwayEnd], now: i64) -> Result<Vec<bool>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let mut out = Vec::with_capacity(ends.len());
        for e in ends {
            out.push(end_in(&tx, e, now)?);
            if let Some(task) = e.task_id {
                mark_done(&tx, &self.instance, task, now)?;
            }
        }
        tx.commit()?;
        Ok(out)
    }

    /// A reseller's transfers away, newest first.
    pub fn transfers_away_of(&self, reseller_id: i64) -> Result<Vec<AwayView>> {
        let rows = self
            .reader()
            .prepare_cached(&format!(
                "{VIEW} WHERE a.reseller_id = ?1 ORDER BY a.id DESC"
            ))?
            .query_map([reseller_id], view)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Records a transfer away the scenario asks for (once per domain) and queues
    /// the task that starts it. Returns whether it was new.
    pub fn request_transfer_away(&self, domain: &str, gaining: &str, now: i64) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO away_requests (domain, gaining, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (domain) DO NOTHING RETURNING id",
            )?
            .query_row(params![domain, gaining, now], |r| r.get(0))
            .optional()?;
        let n = usize::from(id.is_some());
        if let Some(id) = id {
            enqueue(&tx, TaskKind::AwayRequest, id, None, now, now)?;
        }
        tx.commit()?;
        Ok(n == 1)
    }

    /// The `(domain, gaining registrar)` of a recorded request.
    pub fn away_request(&self, id: i64) -> Result<Option<(String, String)>> {
        let r = self
            .reader()
            .prepare_cached("SELECT domain, gaining FROM away_requests WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get("domain")?, r.get("gaining")?)))
            .optional()?;
        Ok(r)
    }

    /// Every reseller's latest transfers away: the operator's list.
    pub fn transfers_away_all(&self, limit: usize) -> Result<Vec<AwayView>> {
        let rows = self
            .reader()
            .prepare_cached(&format!("{VIEW} ORDER BY a.id DESC LIMIT ?1"))?
            .query_map([limit as i64], view)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }
}

/// Ends a pending transfer away as planned; false when it no longer waits. A
/// completed one takes the domain out of the portfolio of the reseller that held
/// it, if it still does.
fn end_in(tx: &Transaction<'_>, e: &AwayEnd, now: i64) -> Result<bool> {
    // A completed transfer away needs the domain still in the reseller's portfolio
    // (one pushed to another reseller meanwhile is not this one's to lose).
    let sql = if e.status == AwayStatus::Completed {
        "UPDATE transfers_away SET status = ?2, decision = ?3, decided_at = ?4
         WHERE id = ?1 AND status = ?5 AND EXISTS (
           SELECT 1 FROM domains d
           WHERE d.name = transfers_away.domain AND d.reseller_id = transfers_away.reseller_id)
         RETURNING reseller_id, domain"
    } else {
        "UPDATE transfers_away SET status = ?2, decision = ?3, decided_at = ?4
         WHERE id = ?1 AND status = ?5 RETURNING reseller_id, domain"
    };
    let ended: Option<(i64, String)> = tx
        .prepare_cached(sql)?
        .query_row(
            params![e.id, e.status, e.decision, now, AwayStatus::PendingOwner],
            |r| Ok((r.get("reseller_id")?, r.get("domain")?)),
        )
        .optional()?;
    let Some((reseller_id, domain)) = ended else {
        return Ok(false);
    };
    if e.status == AwayStatus::Completed {
        tx.prepare_cached("DELETE FROM domains WHERE name = ?1 AND reseller_id = ?2")?
            .execute(params![domain, reseller_id])?;
    }
    events_in(tx, std::slice::from_ref(&e.event))?;
    Ok(true)
}
