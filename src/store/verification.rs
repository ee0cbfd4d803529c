//! Registrant verifications: started with the registration (or registrant change)
//! that needs one, in its transaction, with the email and the deadline task;
//! verified from the page, resent, suspended at the deadline — each a guarded
//! write. Whether one is needed, its tokens, mail and deadline are the rules'.

use super::sql::{OptionalExtension, Transaction, params};

use super::events::{NewEvent, events_in};
use super::outbox::{Mail, queue_mail};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{Guard, Result, Store, Written};
use crate::status::VerificationStatus;

/// A verification to start, as `rules::verification` planned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVerification {
    pub reseller_id: i64,
    pub domain: String,
    /// Lower-cased.
    pub email: String,
    /// Verifying, or verified already (the address was verified before).
    pub status: VerificationStatus,
    pub token: String,
    pub csrf: String,
    pub deadline: i64,
    /// The address bounces: no mail goes out, and the status says so.
    pub bounced: bool,
    /// The email and its message id, when one goes out.
    pub mail: Option<(Mail, String)>,
    pub now: i64,
}

/// A verification as the API and the page see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerificationView {
    pub id: i64,
    pub reseller_id: i64,
    pub domain: String,
    pub email: String,
    pub status: VerificationStatus,
    pub token: String,
    pub csrf: String,
    pub started_at: i64,
    pub deadline: i64,
    pub bounced: bool,
    pub verified_at: Option<i64>,
}

const COLUMNS: &str = "id, reseller_id, domain, email, status, token, csrf, started_at, deadline,
    bounced, verified_at";

fn view(r: &super::sql::Row<'_>) -> super::sql::Result<VerificationView> {
    Ok(VerificationView {
        id: r.get("id")?,
        reseller_id: r.get("reseller_id")?,
        domain: r.get("domain")?,
        email: r.get("email")?,
        status: r.get("status")?,
        token: r.get("token")?,
        csrf: r.get("csrf")?,
        started_at: r.get("started_at")?,
        deadline: r.get("deadline")?,
        bounced: r.get("bounced")?,
        verified_at: r.get("verified_at")?,
    })
}

/// Starts a verification inside a caller's transaction: the row, its email and, while
/// it waits for the registrant, its deadline task.
pub(crate) fn verification_in(tx: &Transaction<'_>, v: &NewVerification) -> Result<i64> {
    let verified_at = (v.status == VerificationStatus::Verified).then_some(v.now);
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO registrant_verifications (reseller_id, domain, email, status, token, csrf,
               started_at, deadline, sent_at, bounced, verified_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
        )?
        .query_row(
            params![
                v.reseller_id,
                v.domain,
                v.email,
                v.status,
                v.token,
                v.csrf,
                v.now,
                v.deadline,
                v.mail.as_ref().map(|_| v.now),
                v.bounced,
                verified_at
            ],
            |r| r.get(0),
        )?;
    if let Some((mail, message_id)) = &v.mail {
        queue_mail(tx, "registrant_verification", mail, message_id, None, v.now)?;
    }
    if v.status == VerificationStatus::Verifying {
        enqueue(
            tx,
            TaskKind::VerificationDeadline,
            id,
            None,
            v.deadline,
            v.now,
        )?;
    }
    Ok(id)
}

impl Store {
    /// Starts a verification on its own (a registrant change).
    pub fn start_verification(&self, v: &NewVerification) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = verification_in(&tx, v)?;
        tx.commit()?;
        Ok(id)
    }

    /// The latest verification of the reseller's `domain`.
    pub fn verification(&self, reseller_id: i64, domain: &str) -> Result<Option<VerificationView>> {
        Ok(self
            .reader()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM registrant_verifications
                 WHERE reseller_id = ?1 AND domain = ?2 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![reseller_id, domain], view)
            .optional()?)
    }

    pub fn verification_by_id(&self, id: i64) -> Result<Option<VerificationView>> {
        Ok(self
            .reader()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM registrant_verifications WHERE id = ?1"
            ))?
            .query_row([id], view)
            .optional()?)
    }

    /// The verification the page's link names.
    pub fn verification_by_token(&self, token: &str) -> Result<Option<VerificationView>> {
        Ok(self
            .reader()
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM registrant_verifications WHERE token = ?1"
            ))?
            .query_row([token], view)
            .optional()?)
    }

    /// Whether `email` (lower-cased) has verified for any domain of the reseller.
    pub fn email_verified(&self, reseller_id: i64, email: &str) -> Result<bool> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT 1 FROM registrant_verifications
                 WHERE reseller_id = ?1 AND email = ?2 AND status = ?3 LIMIT 1",
            )?
            .query_row(
                params![reseller_id, email, VerificationStatus::Verified],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Sends the verification's email again while it is `expected` (waiting or
    /// suspended). Stopped ([`Guard::Moved`]) when it is no longer.
    pub fn resend_verification(
        &self,
        id: i64,
        expected: VerificationStatus,
        mail: &Mail,
        message_id: &str,
        now: i64,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE registrant_verifications SET sent_at = ?3 WHERE id = ?1 AND status = ?2",
            )?
            .execute(params![id, expected, now])?;
        if n == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        queue_mail(&tx, "registrant_verification", mail, message_id, None, now)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Moves a verification from `from` to `to` (verified from the page, suspended
    /// at the deadline) with its event; a deadline task named is done. Stopped
    /// ([`Guard::Moved`]) when it was no longer `from`.
    pub fn move_verification(
        &self,
        id: i64,
        from: VerificationStatus,
        to: VerificationStatus,
        event: &NewEvent,
        task_id: Option<i64>,
        now: i64,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let verified_at = (to == VerificationStatus::Verified).then_some(now);
        let n = tx
            .prepare_cached(
                "UPDATE registrant_verifications SET status = ?3, verified_at = coalesce(?4, verified_at)
                 WHERE id = ?1 AND status = ?2",
            )?
            .execute(params![id, from, to, verified_at])?;
        if let Some(task) = task_id {
            mark_done(&tx, &self.instance, task, now)?;
        }
        if n == 0 {
            tx.commit()?;
            return Ok(Written::Stopped(Guard::Moved));
        }
        events_in(&tx, std::slice::from_ref(event))?;
        tx.commit()?;
        Ok(Written::Done(()))
    }
}
