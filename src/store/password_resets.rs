//! Profile password resets (SEND_PASSWORD on DOMAIN): the link a contact of the
//! domain is mailed, kept by its token's hash with the mail in one transaction,
//! and used once to set the profile's password — which ends the cookies of the
//! profile's domains.

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, params};
use super::{Result, Store};

/// A reset link to keep, with the mail that carries it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPasswordReset {
    pub token_hash: String,
    pub reseller_id: i64,
    pub profile_id: i64,
    pub domain: String,
    pub email: String,
    pub csrf: String,
    pub now: i64,
    pub expires_at: i64,
    pub mail: Mail,
    pub message_id: String,
}

// The mail holds the link: it never reaches a log line.
impl std::fmt::Debug for NewPasswordReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewPasswordReset")
            .field("domain", &self.domain)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// A reset link as its page reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordReset {
    pub reseller_id: i64,
    pub profile_id: i64,
    pub username: String,
    pub domain: String,
    pub email: String,
    pub csrf: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl Store {
    /// Keeps the link and queues its mail, in one transaction.
    pub fn start_password_reset(&self, r: &NewPasswordReset) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO password_resets (token_hash, reseller_id, profile_id, domain, email, csrf,
               created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            r.token_hash,
            r.reseller_id,
            r.profile_id,
            r.domain,
            r.email,
            r.csrf,
            r.now,
            r.expires_at
        ])?;
        queue_mail(&tx, "password_reset", &r.mail, &r.message_id, None, r.now)?;
        tx.commit()?;
        Ok(())
    }

    /// The link whose token hashes to `token_hash`, with its profile's name.
    pub fn password_reset(&self, token_hash: &str) -> Result<Option<PasswordReset>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT r.reseller_id, r.profile_id, p.username, r.domain, r.email, r.csrf,
                        r.expires_at, r.used_at
                 FROM password_resets r JOIN profiles p ON p.id = r.profile_id
                 WHERE r.token_hash = ?1",
            )?
            .query_row([token_hash], |r| {
                Ok(PasswordReset {
                    reseller_id: r.get("reseller_id")?,
                    profile_id: r.get("profile_id")?,
                    username: r.get("username")?,
                    domain: r.get("domain")?,
                    email: r.get("email")?,
                    csrf: r.get("csrf")?,
                    expires_at: r.get("expires_at")?,
                    used_at: r.get("used_at")?,
                })
            })
            .optional()?)
    }

    /// Uses the link: the profile's new password hash, the cookies of its domains
    /// ended, the audit row. Guarded: false (nothing written) when the link was
    /// used meanwhile or has expired.
    pub fn use_password_reset(
        &self,
        token_hash: &str,
        password_hash: &str,
        audit: &AuditEntry,
        now: i64,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let row: Option<(i64, i64)> = tx
            .prepare_cached(
                "UPDATE password_resets SET used_at = ?2
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2
                 RETURNING reseller_id, profile_id",
            )?
            .query_row(params![token_hash, now], |r| {
                Ok((r.get("reseller_id")?, r.get("profile_id")?))
            })
            .optional()?;
        let Some((reseller_id, profile_id)) = row else {
            return Ok(false);
        };
        tx.prepare_cached(
            "UPDATE profiles SET password_hash = ?3 WHERE id = ?1 AND reseller_id = ?2",
        )?
        .execute(params![profile_id, reseller_id, password_hash])?;
        tx.prepare_cached(
            "DELETE FROM cookies WHERE domain_id IN
               (SELECT id FROM domains WHERE profile_id = ?1 AND reseller_id = ?2)",
        )?
        .execute(params![profile_id, reseller_id])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }
}
