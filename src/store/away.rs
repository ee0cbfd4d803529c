//! Transfers away: a domain of a reseller's portfolio asked for by another
//! registrar, approved or declined by its owner, or completed when the window ends
//! without an answer; each change in one transaction with its event (and, when it
//! completes, the domain leaving the portfolio).

use super::sql::{OptionalExtension, Transaction, params};

use super::events::event_in;
use super::outbox::{Mail, queue_mail};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{Result, Store};

/// A transfer away as rules::away prepared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAway {
    pub domain: String,
    pub gaining: String,
    pub owner_email: String,
    pub token: String,
    pub csrf: String,
    pub expires_at: i64,
    pub mail: Mail,
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AwayView {
    pub id: i64,
    pub reseller: String,
    pub domain: String,
    pub gaining: String,
    /// pending_owner | completed | cancelled
    pub status: String,
    pub owner_email: String,
    pub token: String,
    pub csrf: String,
    pub requested_at: i64,
    pub expires_at: i64,
    pub decision: Option<String>,
    pub decided_at: Option<i64>,
}

/// Why a transfer away was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwayRefused {
    /// No reseller holds the domain.
    NotInAPortfolio,
    /// One is already waiting for the owner.
    AlreadyPending,
}

const VIEW: &str = "SELECT a.id, r.username, a.domain, a.gaining, a.status, a.owner_email, a.token,
                           a.csrf, a.requested_at, a.expires_at, a.decision, a.decided_at
                    FROM transfers_away a JOIN resellers r ON r.id = a.reseller_id";

fn view(r: &super::sql::Row<'_>) -> super::sql::Result<AwayView> {
    Ok(AwayView {
        id: r.get(0)?,
        reseller: r.get(1)?,
        domain: r.get(2)?,
        gaining: r.get(3)?,
        status: r.get(4)?,
        owner_email: r.get(5)?,
        token: r.get(6)?,
        csrf: r.get(7)?,
        requested_at: r.get(8)?,
        expires_at: r.get(9)?,
        decision: r.get(10)?,
        decided_at: r.get(11)?,
    })
}

impl Store {
    /// Whether a transfer away of `domain` waits for its owner.
    pub fn transfer_away_pending(&self, domain: &str) -> Result<bool> {
        let n: i64 = self
            .reader()
            .prepare_cached(
                "SELECT count(*) FROM transfers_away WHERE domain = ?1 AND status = 'pending_owner'",
            )?
            .query_row([domain], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Starts a transfer away of a portfolio domain: the row, the owner's email and
    /// the task that completes it at the end of the window, with its event.
    pub fn start_transfer_away(
        &self,
        a: &NewAway,
    ) -> Result<std::result::Result<i64, AwayRefused>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let holder: Option<i64> = tx
            .prepare_cached("SELECT reseller_id FROM domains WHERE name = ?1")?
            .query_row([&a.domain], |r| r.get(0))
            .optional()?;
        let Some(reseller_id) = holder else {
            return Ok(Err(AwayRefused::NotInAPortfolio));
        };
        let pending: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM transfers_away WHERE domain = ?1 AND status = 'pending_owner'",
            )?
            .query_row([&a.domain], |r| r.get(0))?;
        if pending > 0 {
            return Ok(Err(AwayRefused::AlreadyPending));
        }
        tx.prepare_cached(
            "INSERT INTO transfers_away (reseller_id, domain, gaining, status, owner_email, token, csrf,
               requested_at, expires_at)
             VALUES (?1, ?2, ?3, 'pending_owner', ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            reseller_id,
            a.domain,
            a.gaining,
            a.owner_email,
            a.token,
            a.csrf,
            a.now,
            a.expires_at
        ])?;
        let id = tx.last_insert_rowid();
        let message_id = format!("<away-{id}-{}@opsd>", &a.token[..16.min(a.token.len())]);
        queue_mail(&tx, "transfer_away", &a.mail, &message_id, None, a.now)?;
        enqueue(&tx, TaskKind::AwayTimeout, id, None, a.expires_at, a.now)?;
        away_event(
            &tx,
            reseller_id,
            &a.domain,
            &a.gaining,
            "pending_owner",
            a.now,
        )?;
        tx.commit()?;
        Ok(Ok(id))
    }

    pub fn transfer_away_by_token(&self, token: &str) -> Result<Option<AwayView>> {
        let v = self
            .reader()
            .prepare_cached(&format!("{VIEW} WHERE a.token = ?1"))?
            .query_row([token], view)
            .optional()?;
        Ok(v)
    }

    /// The owner's answer: accepted, the domain leaves the portfolio now; declined,
    /// the transfer is cancelled. `None` when it was answered (or ended) already.
    pub fn decide_transfer_away(&self, id: i64, accept: bool, now: i64) -> Result<Option<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let decided = settle(&tx, id, if accept { "accept" } else { "decline" }, now)?;
        tx.commit()?;
        Ok(decided)
    }

    /// The window of these transfers away ended: unanswered, they complete.
    pub fn away_timeouts(&self, items: &[(i64, i64)], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for &(task_id, id) in items {
            settle(&tx, id, "timeout", now)?;
            mark_done(&tx, &self.instance, task_id, now)?;
        }
        tx.commit()?;
        Ok(())
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
        let n = tx
            .prepare_cached(
                "INSERT INTO away_requests (domain, gaining, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (domain) DO NOTHING",
            )?
            .execute(params![domain, gaining, now])?;
        if n == 1 {
            let id = tx.last_insert_rowid();
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
            .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
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

/// Ends a pending transfer away by `decision` (accept and timeout complete it,
/// decline cancels it); `None` when it is not pending.
fn settle(tx: &Transaction<'_>, id: i64, decision: &str, now: i64) -> Result<Option<()>> {
    let row: Option<(i64, String, String)> = tx
        .prepare_cached(
            "SELECT reseller_id, domain, gaining FROM transfers_away WHERE id = ?1 AND status = 'pending_owner'",
        )?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((reseller_id, domain, gaining)) = row else {
        return Ok(None);
    };
    // A domain pushed to another reseller meanwhile is not this reseller's to lose:
    // the transfer away is cancelled.
    let gone = decision != "decline"
        && tx
            .prepare_cached("DELETE FROM domains WHERE name = ?1 AND reseller_id = ?2")?
            .execute(params![domain, reseller_id])?
            > 0;
    let status = if gone { "completed" } else { "cancelled" };
    tx.prepare_cached(
        "UPDATE transfers_away SET status = ?2, decision = ?3, decided_at = ?4 WHERE id = ?1",
    )?
    .execute(params![id, status, decision, now])?;
    away_event(tx, reseller_id, &domain, &gaining, status, now)?;
    Ok(Some(()))
}

fn away_event(
    tx: &Transaction<'_>,
    reseller_id: i64,
    domain: &str,
    gaining: &str,
    status: &str,
    at: i64,
) -> Result<()> {
    let data = serde_json::json!({
        "domain_name": domain,
        "transfer_direction": "away",
        "gaining_registrar": gaining,
        "transfer_status": status,
    });
    event_in(tx, reseller_id, "STATUS_CHANGE", "TRANSFER", at, &data)
}
