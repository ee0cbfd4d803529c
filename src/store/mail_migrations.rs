//! Mail migration jobs (their users, never their remote passwords) and the
//! short-lived download links of stats snapshots and migration traces (only a
//! link token's hash is kept).

use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, params};
use super::{Result, Store};

/// A user of a migration job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationUser {
    pub local: String,
    pub remote: String,
    pub server: String,
    pub method: String,
}

/// A migration job: who asked, when, for which users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    pub job: String,
    pub created_by: String,
    pub created_at: i64,
    pub users: Vec<MigrationUser>,
}

/// A download link as kept: the company, what it serves and its object.
pub type MailFile = (i64, String, String);

impl Store {
    /// Keeps a migration job; false when the job name is taken.
    pub fn add_mail_migration(
        &self,
        company_id: i64,
        m: &Migration,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "INSERT INTO mail_migrations (job, company_id, created_by, created_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (job) DO NOTHING",
            )?
            .execute(params![m.job, company_id, m.created_by, m.created_at])?;
        if n == 0 {
            return Ok(false);
        }
        let mut add = tx.prepare_cached(
            "INSERT INTO mail_migration_users (job, local, remote, server, method) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (job, local) DO NOTHING",
        )?;
        for u in &m.users {
            add.execute(params![m.job, u.local, u.remote, u.server, u.method])?;
        }
        drop(add);
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// The company's migration job `job`.
    pub fn mail_migration(&self, company_id: i64, job: &str) -> Result<Option<Migration>> {
        let conn = self.reader();
        let head: Option<(String, i64)> = conn
            .prepare_cached("SELECT created_by, created_at FROM mail_migrations WHERE job = ?1 AND company_id = ?2")?
            .query_row(params![job, company_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let Some((created_by, created_at)) = head else {
            return Ok(None);
        };
        let users = conn
            .prepare_cached("SELECT local, remote, server, method FROM mail_migration_users WHERE job = ?1 ORDER BY local")?
            .query_map([job], |r| {
                Ok(MigrationUser {
                    local: r.get("local")?,
                    remote: r.get("remote")?,
                    server: r.get("server")?,
                    method: r.get("method")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(Some(Migration {
            job: job.to_string(),
            created_by,
            created_at,
            users,
        }))
    }

    /// The jobs `created_by` submitted in the company: `(job, created_at)`.
    pub fn mail_migrations_by(
        &self,
        company_id: i64,
        created_by: &str,
    ) -> Result<Vec<(String, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT job, created_at FROM mail_migrations WHERE company_id = ?1 AND created_by = ?2
                 ORDER BY created_at, job",
            )?
            .query_map(params![company_id, created_by], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Keeps a download link's token hash until `expires_at` (expired ones go).
    pub fn add_mail_file(
        &self,
        token_hash: &str,
        (company_id, kind, object): (i64, &str, &str),
        expires_at: i64,
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM mail_files WHERE expires_at <= ?1")?
            .execute([now])?;
        tx.prepare_cached(
            "INSERT INTO mail_files (token_hash, company_id, kind, object, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![token_hash, company_id, kind, object, expires_at])?;
        tx.commit()?;
        Ok(())
    }

    /// The live download link of token hash `token_hash`.
    pub fn mail_file(&self, token_hash: &str, now: i64) -> Result<Option<MailFile>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT company_id, kind, object FROM mail_files WHERE token_hash = ?1 AND expires_at > ?2")?
            .query_row(params![token_hash, now], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?)
    }
}
