//! The outbox: every email opsd sends, stored in the transaction of the step that
//! causes it, with its delivery task; and what delivery records.

use super::sql::{OptionalExtension, Transaction, params};

use super::tasks::{TaskKind, enqueue, mark_done};
use super::{Result, Store};

/// An email to store in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

/// An outbox message: its id, the mail, and when it was sent.
pub type OutboxRow = (i64, Mail, Option<i64>);

/// The one way every feature queues a mail: its outbox row and the task that
/// delivers it, inside the caller's transaction. `kind` names the feature;
/// `message_id` is stable across retries; `about` is the transfer job and registrant
/// it concerns, if any. Returns the outbox id.
pub(crate) fn queue_mail(
    tx: &Transaction<'_>,
    kind: &str,
    mail: &Mail,
    message_id: &str,
    about: Option<(i64, i64)>,
    now: i64,
) -> Result<i64> {
    let id: i64 = tx
        .prepare_cached(
            "INSERT INTO outbox (kind, to_addr, subject, body, message_id, created_at, job_id, registrant_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
        )?
        .query_row(
            params![
        kind,
        mail.to,
        mail.subject,
        mail.body,
        message_id,
        now,
        about.map(|a| a.0),
        about.map(|a| a.1)
            ],
            |r| r.get(0),
        )?;

    enqueue(tx, TaskKind::SendMail, id, None, now, now)?;
    Ok(id)
}

/// A row of `SELECT id, to_addr, subject, body, sent_at FROM outbox`.
fn outbox_row(r: &super::sql::Row<'_>) -> super::sql::Result<OutboxRow> {
    Ok((
        r.get("id")?,
        Mail {
            to: r.get("to_addr")?,
            subject: r.get("subject")?,
            body: r.get("body")?,
        },
        r.get("sent_at")?,
    ))
}

impl Store {
    /// An outbox message to deliver: the mail, its message id, when it was sent.
    pub fn outbox_mail(&self, outbox_id: i64) -> Result<Option<(Mail, String, Option<i64>)>> {
        let conn = self.reader();
        let m = conn
            .prepare_cached(
                "SELECT to_addr, subject, body, message_id, sent_at FROM outbox WHERE id = ?1",
            )?
            .query_row([outbox_id], |r| {
                Ok((
                    Mail {
                        to: r.get("to_addr")?,
                        subject: r.get("subject")?,
                        body: r.get("body")?,
                    },
                    r.get("message_id")?,
                    r.get("sent_at")?,
                ))
            })
            .optional()?;
        Ok(m)
    }

    /// Marks outbox messages sent and their tasks done: `(task_id, outbox_id)`.
    pub fn mails_sent(&self, items: &[(i64, i64)], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for &(task_id, outbox_id) in items {
            tx.prepare_cached("UPDATE outbox SET sent_at = coalesce(sent_at, ?2), attempts = attempts + 1 WHERE id = ?1")?
                .execute(params![outbox_id, now])?;
            mark_done(&tx, &self.instance, task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Gives up on outbox messages that will never be delivered, `(task_id,
    /// outbox_id, error)`: the error is kept on the message and its task is done.
    pub fn mails_given_up(&self, items: &[(i64, i64, String)], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for (task_id, outbox_id, error) in items {
            tx.prepare_cached(
                "UPDATE outbox SET last_error = ?2, attempts = attempts + 1 WHERE id = ?1",
            )?
            .execute(params![outbox_id, error])?;
            mark_done(&tx, &self.instance, *task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The outbox, newest last: `(id, to, subject, body, sent_at)`.
    pub fn outbox(&self) -> Result<Vec<OutboxRow>> {
        let conn = self.reader();
        let rows = conn
            .prepare("SELECT id, to_addr, subject, body, sent_at FROM outbox ORDER BY id")?
            .query_map([], outbox_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The newest `limit` outbox messages, newest first, and how many there are.
    pub fn outbox_recent(&self, limit: usize) -> Result<(Vec<OutboxRow>, i64)> {
        let tx = self.snapshot()?;
        let total = tx.query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))?;
        let rows = tx
            .prepare_cached(
                "SELECT id, to_addr, subject, body, sent_at FROM outbox ORDER BY id DESC LIMIT ?1",
            )?
            .query_map([limit as i64], outbox_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok((rows, total))
    }
}
