//! Trademark claims notices: a registration of a name with a claim waits, its
//! order `awaiting_claim`, until the registrant answers the notice mailed to
//! them. The notice (kept by its link token's hash), its mail and its deadline
//! task are written with the order's new status in one transaction.

use super::outbox::{Mail, queue_mail};
use super::pending::{KeptOrder, insert_kept};
use super::sql::{OptionalExtension, params};
use super::tasks::enqueue;
use super::{Guard, Result, Store, Written};
use crate::status::{ClaimDecision, OrderStatus, TaskKind};

/// The order a claims notice holds back: a new one, kept now, or a kept one
/// (saved, queued) that must still have status `from`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimOrder<'a> {
    New(KeptOrder<'a>),
    Kept { id: i64, from: OrderStatus },
}

/// A notice to keep, with the mail that carries its link.
#[derive(Clone, PartialEq, Eq)]
pub struct NewClaim {
    pub token_hash: String,
    pub reseller_id: i64,
    pub domain: String,
    pub email: String,
    pub csrf: String,
    pub now: i64,
    pub expires_at: i64,
    pub mail: Mail,
    pub message_id: String,
}

// The mail holds the link: it never reaches a log line.
impl std::fmt::Debug for NewClaim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewClaim")
            .field("domain", &self.domain)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A notice as its page reads it, with its order's status now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimNotice {
    pub order_id: i64,
    pub reseller_id: i64,
    pub domain: String,
    pub email: String,
    pub csrf: String,
    pub expires_at: i64,
    pub decision: Option<ClaimDecision>,
    pub order_status: Option<OrderStatus>,
}

impl Store {
    /// Holds `order` back for its registrant's answer: the order kept (or moved)
    /// to `awaiting_claim`, the notice, its mail and its deadline task. The
    /// order's id; stopped ([`Guard::Moved`]) when a kept order no longer has
    /// the status it was read with.
    pub fn await_claim(&self, order: ClaimOrder<'_>, n: &NewClaim) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = match order {
            ClaimOrder::New(k) => insert_kept(&tx, &k, OrderStatus::AwaitingClaim, n.now)?,
            ClaimOrder::Kept { id, from } => {
                let moved = tx.execute(
                    "UPDATE portfolio_orders SET status = ?2 WHERE id = ?1 AND status = ?3",
                    params![id, OrderStatus::AwaitingClaim, from],
                )?;
                if moved == 0 {
                    return Ok(Written::Stopped(Guard::Moved));
                }
                id
            }
        };
        tx.prepare_cached(
            "INSERT INTO claim_notices (token_hash, order_id, reseller_id, domain, email, csrf,
               created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            n.token_hash,
            id,
            n.reseller_id,
            n.domain,
            n.email,
            n.csrf,
            n.now,
            n.expires_at
        ])?;
        queue_mail(&tx, "claims_notice", &n.mail, &n.message_id, None, n.now)?;
        enqueue(&tx, TaskKind::ClaimDeadline, id, None, n.expires_at, n.now)?;
        tx.commit()?;
        Ok(Written::Done(id))
    }

    /// The notice whose token hashes to `token_hash`.
    pub fn claim_notice(&self, token_hash: &str) -> Result<Option<ClaimNotice>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT c.order_id, c.reseller_id, c.domain, c.email, c.csrf, c.expires_at,
                        c.decision, o.status
                 FROM claim_notices c LEFT JOIN portfolio_orders o ON o.id = c.order_id
                 WHERE c.token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(ClaimNotice {
                    order_id: r.get("order_id")?,
                    reseller_id: r.get("reseller_id")?,
                    domain: r.get("domain")?,
                    email: r.get("email")?,
                    csrf: r.get("csrf")?,
                    expires_at: r.get("expires_at")?,
                    decision: r.get("decision")?,
                    order_status: r.get("status")?,
                })
            })
            .optional()?)
    }

    /// Records the answer to the order's notices still unanswered; how many.
    pub fn answer_claims(&self, order_id: i64, decision: ClaimDecision, now: i64) -> Result<usize> {
        Ok(self.writer().execute(
            "UPDATE claim_notices SET decision = ?2, answered_at = ?3
             WHERE order_id = ?1 AND decision IS NULL",
            params![order_id, decision, now],
        )?)
    }
}
