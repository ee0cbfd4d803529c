//! A mailbox user's stored mail and address book as the Email API reaches
//! them: messages by folder (read, moved, deleted and restored), contacts
//! (deleted and restored). Every read and write names the mailbox.

use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, params};
use super::{Result, Store};

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: i64,
    pub folder: String,
    pub subject: String,
    pub sender: String,
    pub size: i64,
    pub seen: bool,
    pub received_at: i64,
    pub deleted_at: Option<i64>,
}

/// What of a mailbox is deleted and restored by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailItem {
    Message,
    Contact,
}

/// A contact of a user's address book: its id, its fields (JSON), when deleted.
pub type StoredContact = (i64, String, Option<i64>);

fn message_row(r: &super::sql::Row<'_>) -> super::sql::Result<StoredMessage> {
    Ok(StoredMessage {
        id: r.get("id")?,
        folder: r.get("folder")?,
        subject: r.get("subject")?,
        sender: r.get("sender")?,
        size: r.get("size")?,
        seen: r.get::<_, i64>("seen")? != 0,
        received_at: r.get("received_at")?,
        deleted_at: r.get("deleted_at")?,
    })
}

impl Store {
    /// Every message of the mailbox, deleted ones included, oldest first.
    pub fn mail_messages(&self, mailbox_id: i64) -> Result<Vec<StoredMessage>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, folder, subject, sender, size, seen, received_at, deleted_at
                 FROM mail_messages WHERE mailbox_id = ?1 ORDER BY received_at, id",
            )?
            .query_map([mailbox_id], message_row)?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Moves the mailbox's live message `id` to `folder`; false when it has
    /// no such message.
    pub fn move_mail_message(
        &self,
        mailbox_id: i64,
        id: i64,
        folder: &str,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE mail_messages SET folder = ?3 WHERE id = ?1 AND mailbox_id = ?2 AND deleted_at IS NULL",
            )?
            .execute(params![id, mailbox_id, folder])?;
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes (`Some(now)`) or restores (`None`, when deleted since `since`)
    /// the mailbox's message or contact `id`; false when there is no such one
    /// in that state.
    pub fn set_mail_item_deleted(
        &self,
        item: MailItem,
        mailbox_id: i64,
        id: i64,
        (deleted, since): (Option<i64>, i64),
        audit: &AuditEntry,
    ) -> Result<bool> {
        let (delete, restore) = match item {
            MailItem::Message => (
                "UPDATE mail_messages SET deleted_at = ?3 WHERE id = ?1 AND mailbox_id = ?2 AND deleted_at IS NULL",
                "UPDATE mail_messages SET deleted_at = NULL WHERE id = ?1 AND mailbox_id = ?2 AND deleted_at >= ?3",
            ),
            MailItem::Contact => (
                "UPDATE mail_contacts SET deleted_at = ?3 WHERE id = ?1 AND mailbox_id = ?2 AND deleted_at IS NULL",
                "UPDATE mail_contacts SET deleted_at = NULL WHERE id = ?1 AND mailbox_id = ?2 AND deleted_at >= ?3",
            ),
        };
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = match deleted {
            Some(at) => tx
                .prepare_cached(delete)?
                .execute(params![id, mailbox_id, at])?,
            None => tx
                .prepare_cached(restore)?
                .execute(params![id, mailbox_id, since])?,
        };
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// The mailbox's contacts, deleted ones included.
    pub fn mail_contacts(&self, mailbox_id: i64) -> Result<Vec<StoredContact>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, data, deleted_at FROM mail_contacts WHERE mailbox_id = ?1 ORDER BY id",
            )?
            .query_map([mailbox_id], |r| {
                Ok((r.get("id")?, r.get("data")?, r.get("deleted_at")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Adds a contact (its fields, JSON) to the mailbox's address book.
    pub fn add_mail_contact(&self, mailbox_id: i64, data: &str) -> Result<i64> {
        let conn = self.writer();
        Ok(conn
            .prepare_cached(
                "INSERT INTO mail_contacts (mailbox_id, data) VALUES (?1, ?2) RETURNING id",
            )?
            .query_row(params![mailbox_id, data], |r| r.get(0))?)
    }

    /// Adds a message to the mailbox (sandbox seeding): its folder, subject
    /// and sender, whether seen, when deleted.
    pub fn add_mail_message(
        &self,
        mailbox_id: i64,
        (folder, subject, sender): (&str, &str, &str),
        seen: bool,
        deleted_at: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        Ok(self
            .writer()
            .prepare_cached(
                "INSERT INTO mail_messages (mailbox_id, folder, subject, sender, size, seen, deleted_at, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            )?
            .query_row(
                params![mailbox_id, folder, subject, sender, (subject.len() + 512) as i64, seen, deleted_at, now],
                |r| r.get(0),
            )?)
    }

    /// Marks a seeded contact deleted (sandbox seeding).
    pub fn delete_seeded_mail_contact(&self, id: i64, now: i64) -> Result<()> {
        self.writer()
            .prepare_cached("UPDATE mail_contacts SET deleted_at = ?2 WHERE id = ?1")?
            .execute(params![id, now])?;
        Ok(())
    }

    /// Keeps a reindex request; `(id, created_at)` of the mailbox's one by id.
    pub fn add_mail_reindex(
        &self,
        id: &str,
        mailbox_id: i64,
        folder: Option<&str>,
        now: i64,
    ) -> Result<()> {
        self.writer()
            .prepare_cached(
                "INSERT INTO mail_reindex (id, mailbox_id, folder, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![id, mailbox_id, folder, now])?;
        Ok(())
    }

    /// When the mailbox's reindex request `id` was made.
    pub fn mail_reindex(&self, mailbox_id: i64, id: &str) -> Result<Option<i64>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT created_at FROM mail_reindex WHERE id = ?1 AND mailbox_id = ?2",
            )?
            .query_row(params![id, mailbox_id], |r| r.get(0))
            .optional()?)
    }
}
