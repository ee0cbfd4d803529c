//! Bulletins kept by a company (domain `''`) or by one of its domains, and the
//! mails a post queues. What a bulletin says and who it goes to is decided
//! above (`rules::bulletins`, `hosted_mail::bulletins`); the store keeps them.

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, params};
use super::{Result, Store};

/// Where a bulletin is kept: the company, and its domain or `""`.
#[derive(Debug, Clone, Copy)]
pub struct BulletinKey<'a> {
    pub company_id: i64,
    pub domain: &'a str,
    pub kind: &'a str,
    pub name: &'a str,
}

/// What a bulletin change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulletinChange {
    Created,
    Changed,
    Deleted,
    /// Asked to delete one that is not kept.
    NotFound,
}

impl Store {
    /// A bulletin's text.
    pub fn mail_bulletin(&self, k: &BulletinKey<'_>) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT body FROM mail_bulletins
                 WHERE company_id = ?1 AND domain = ?2 AND kind = ?3 AND name = ?4",
            )?
            .query_row(params![k.company_id, k.domain, k.kind, k.name], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// The bulletins of the company (`domain` `""`) or of its domain:
    /// `(kind, name, created_at)`, by kind and name.
    pub fn mail_bulletins(
        &self,
        company_id: i64,
        domain: &str,
    ) -> Result<Vec<(String, String, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT kind, name, created_at FROM mail_bulletins
                 WHERE company_id = ?1 AND domain = ?2 ORDER BY kind, name",
            )?
            .query_map(params![company_id, domain], |r| {
                Ok((r.get("kind")?, r.get("name")?, r.get("created_at")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Keeps `text` as the bulletin (made or replaced), or with `None` deletes
    /// it; with the audit row.
    pub fn change_mail_bulletin(
        &self,
        k: &BulletinKey<'_>,
        text: Option<&str>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<BulletinChange> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let done = match text {
            None => {
                let n = tx
                    .prepare_cached(
                        "DELETE FROM mail_bulletins
                         WHERE company_id = ?1 AND domain = ?2 AND kind = ?3 AND name = ?4",
                    )?
                    .execute(params![k.company_id, k.domain, k.kind, k.name])?;
                if n == 0 {
                    return Ok(BulletinChange::NotFound);
                }
                BulletinChange::Deleted
            }
            Some(text) => {
                let n = tx
                    .prepare_cached(
                        "UPDATE mail_bulletins SET body = ?5
                         WHERE company_id = ?1 AND domain = ?2 AND kind = ?3 AND name = ?4",
                    )?
                    .execute(params![k.company_id, k.domain, k.kind, k.name, text])?;
                if n > 0 {
                    BulletinChange::Changed
                } else {
                    tx.prepare_cached(
                        "INSERT INTO mail_bulletins (company_id, domain, kind, name, body, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![k.company_id, k.domain, k.kind, k.name, text, now])?;
                    BulletinChange::Created
                }
            }
        };
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(done)
    }

    /// Queues `mails` of feature `kind` (a posted bulletin, one per recipient;
    /// a brand's test mails) in one transaction, with the audit row; `post`
    /// makes each message id unique.
    pub fn queue_mail_notices(
        &self,
        kind: &str,
        mails: &[Mail],
        post: &str,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for (i, m) in mails.iter().enumerate() {
            queue_mail(
                &tx,
                kind,
                m,
                &format!("<{kind}-{post}-{i}@opsd>"),
                None,
                now,
            )?;
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }
}
