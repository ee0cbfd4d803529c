//! What a mailbox user has besides its row: the values its attributes took,
//! its sessions (tokens) ended at once, its application passwords, its unseen
//! mail. What they mean is decided above (`hosted_mail`); the store keeps them.

use super::push::{AuditEntry, audit_in};
use super::sql::params;
use super::{Result, Store};

impl Store {
    /// The values user `mailbox_id`'s `attribute` took: `(when, JSON value)`,
    /// oldest first.
    pub fn mail_attribute_history(
        &self,
        mailbox_id: i64,
        attribute: &str,
    ) -> Result<Vec<(i64, String)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT at, value FROM mail_attribute_history
                 WHERE mailbox_id = ?1 AND attribute = ?2 ORDER BY id",
            )?
            .query_map(params![mailbox_id, attribute], |r| {
                Ok((r.get("at")?, r.get("value")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Ends every session and token of user `mailbox_id`, with the audit row;
    /// how many there were.
    pub fn end_mail_user_sessions(&self, mailbox_id: i64, audit: &AuditEntry) -> Result<usize> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached("DELETE FROM mail_user_tokens WHERE mailbox_id = ?1")?
            .execute([mailbox_id])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(n)
    }

    /// User `mailbox_id`'s application passwords: `(tag, created_at)`.
    pub fn mail_app_passwords(&self, mailbox_id: i64) -> Result<Vec<(String, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT tag, created_at FROM mail_app_passwords WHERE mailbox_id = ?1 ORDER BY created_at, tag",
            )?
            .query_map([mailbox_id], |r| Ok((r.get("tag")?, r.get("created_at")?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Adds an application password (its hash) when the user has fewer than
    /// `most` and none by that tag; false otherwise. With the audit row.
    pub fn add_mail_app_password(
        &self,
        mailbox_id: i64,
        (tag, hash): (&str, &str),
        most: usize,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let (held, same): (i64, i64) = tx
            .prepare_cached(
                "SELECT count(*), coalesce(sum(CASE WHEN tag = ?2 THEN 1 ELSE 0 END), 0)
                 FROM mail_app_passwords WHERE mailbox_id = ?1",
            )?
            .query_row(params![mailbox_id, tag], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if held as usize >= most || same > 0 {
            return Ok(false);
        }
        tx.prepare_cached(
            "INSERT INTO mail_app_passwords (mailbox_id, tag, password_hash, created_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![mailbox_id, tag, hash, now])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// Removes the application password `tag`; false when there is none.
    pub fn remove_mail_app_password(
        &self,
        mailbox_id: i64,
        tag: &str,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached("DELETE FROM mail_app_passwords WHERE mailbox_id = ?1 AND tag = ?2")?
            .execute(params![mailbox_id, tag])?;
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// The user's unseen messages in `folder`.
    pub fn mail_unseen(&self, mailbox_id: i64, folder: &str) -> Result<i64> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT count(*) FROM mail_messages
                 WHERE mailbox_id = ?1 AND folder = ?2 AND seen = 0 AND deleted_at IS NULL",
            )?
            .query_row(params![mailbox_id, folder], |r| r.get(0))?)
    }
}
