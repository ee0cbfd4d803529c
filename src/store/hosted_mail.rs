//! Hosted email (seed 001): companies, brands, email domains with their mailboxes and
//! stored mail, administrators and API tokens, and the push of a domain between two
//! companies with all its effects in one transaction (whether a push may happen is
//! `rules::mail_push`).

use super::sql::{OptionalExtension, params};

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::{Result, Store, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMailCompany {
    /// A chosen company_id, or `None` for the next free one.
    pub id: Option<i64>,
    pub name: String,
    pub cluster: String,
    pub billing_cycle: String,
    pub billing_day: u8,
    /// Defaults for unbranded domains (JSON object).
    pub settings: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailCompany {
    pub id: i64,
    pub name: String,
    pub cluster: String,
    pub billing_cycle: String,
    pub billing_day: u8,
    pub settings: String,
    /// domain_push_allowed: companies this one accepts pushes from.
    pub push_allowed: Vec<i64>,
    /// domain_push_notify.
    pub push_notify: Option<String>,
}

/// A domain as its pages and the push report show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MailDomainView {
    pub name: String,
    pub company_id: i64,
    pub brand_id: Option<i64>,
    /// The brand's name; `None` with a brand id: unlabelled.
    pub brand_name: Option<String>,
    pub brand_editable: bool,
    /// The domain's own settings (JSON).
    pub settings: String,
    /// What the domain looks like: its brand's settings, or its company's defaults.
    pub effective_settings: String,
    pub mailboxes: i64,
    pub messages: i64,
    pub bytes: i64,
}

/// A push of an email domain as `rules::mail_push` decided it: what the store writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailPushPlan {
    pub domain: String,
    pub losing: i64,
    pub gaining: i64,
    /// When the gaining company's billing for the domain starts.
    pub billing_starts_at: i64,
    pub billing_reason: String,
    pub audit: AuditEntry,
    /// The email to the gaining company's notification address, if it has one,
    /// with its message id.
    pub notice: Option<(Mail, String)>,
    /// The brand whose settings travel with the domain, as an unlabelled,
    /// non-editable copy the gaining company owns.
    pub copy_brand: Option<i64>,
    /// The roles the domain's users lose (the ones held over the losing
    /// company).
    pub ended_roles: &'static [&'static str],
}

impl Store {
    pub fn add_mail_company(&self, c: &NewMailCompany, now: i64) -> Result<i64> {
        let conn = self.writer();
        conn.query_row(
            "INSERT INTO mail_companies (id, name, cluster, billing_cycle, billing_day, settings, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
            params![c.id, c.name, c.cluster, c.billing_cycle, c.billing_day, c.settings, now],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::conflict_or(e, format!("company {}", c.name)))
    }

    pub fn mail_company(&self, id: i64) -> Result<Option<MailCompany>> {
        let conn = self.reader();
        company_in(&conn, id)
    }

    /// Sets domain_push_allowed (when given) and domain_push_notify (when given;
    /// `Some(None)` clears it).
    pub fn set_mail_push_settings(
        &self,
        company_id: i64,
        allowed: Option<&[i64]>,
        notify: Option<Option<&str>>,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if company_in(&tx, company_id)?.is_none() {
            return Err(StoreError::NotFound);
        }
        if let Some(list) = allowed {
            tx.execute(
                "DELETE FROM mail_push_allowed WHERE company_id = ?1",
                [company_id],
            )?;
            for id in list {
                tx.execute(
                    "INSERT INTO mail_push_allowed (company_id, allowed_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![company_id, id],
                )?;
            }
        }
        if let Some(n) = notify {
            tx.execute(
                "UPDATE mail_companies SET push_notify = ?2 WHERE id = ?1",
                params![company_id, n],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn add_mail_brand(&self, company_id: i64, name: &str, settings: &str) -> Result<i64> {
        let conn = self.writer();
        Ok(conn.query_row(
            "INSERT INTO mail_brands (company_id, name, settings) VALUES (?1, ?2, ?3) RETURNING id",
            params![company_id, name, settings],
            |r| r.get(0),
        )?)
    }

    /// The company's brand of this name.
    pub fn mail_brand_id(&self, company_id: i64, name: &str) -> Result<Option<i64>> {
        let conn = self.reader();
        let id = conn
            .prepare_cached("SELECT id FROM mail_brands WHERE company_id = ?1 AND name = ?2")?
            .query_row(params![company_id, name], |r| r.get(0))
            .optional()?;
        Ok(id)
    }

    /// Makes a brand of the domain's company from `settings` and assigns it to the
    /// domain (how a gaining company replaces an unlabelled brand).
    pub fn brand_mail_domain(
        &self,
        domain: &str,
        company_id: i64,
        name: &str,
        settings: &str,
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO mail_brands (company_id, name, settings) VALUES (?1, ?2, ?3) RETURNING id",
            params![company_id, name, settings],
            |r| r.get(0),
        )?;
        let n = tx.execute(
            "UPDATE mail_domains SET brand_id = ?3 WHERE name = ?1 AND company_id = ?2",
            params![domain, company_id, id],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.commit()?;
        Ok(id)
    }

    pub fn add_mail_domain(
        &self,
        name: &str,
        company_id: i64,
        brand_id: Option<i64>,
        settings: &str,
        now: i64,
    ) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO mail_domains (name, company_id, brand_id, settings, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![name, company_id, brand_id, settings, now],
            )
            .map_err(|e| StoreError::conflict_or(e, format!("email domain {name}")))?;
        Ok(())
    }

    /// Adds `mailboxes` users to a domain, each with `messages` stored messages of
    /// `size` bytes, in one transaction (sandbox seeding and benchmarks).
    pub fn add_mailboxes(
        &self,
        domain: &str,
        locals: &[String],
        messages: usize,
        size: i64,
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        {
            let mut mb = tx.prepare_cached(
                "INSERT INTO mailboxes (domain, local_part) VALUES (?1, ?2) RETURNING id",
            )?;
            let mut msg = tx.prepare_cached(
                "INSERT INTO mail_messages (mailbox_id, subject, size, received_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for local in locals {
                let id: i64 = mb
                    .query_row(params![domain, local], |r| r.get(0))
                    .map_err(|e| StoreError::conflict_or(e, format!("mailbox {local}@{domain}")))?;
                for i in 0..messages {
                    msg.execute(params![id, format!("Message {}", i + 1), size, now])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn add_mail_admin(
        &self,
        company_id: i64,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        conn.query_row(
            "INSERT INTO mail_admins (company_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![company_id, username, password_hash, now],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::conflict_or(e, format!("admin {username}")))
    }

    /// (admin id, company id, password hash) of an administrator.
    pub fn mail_admin(&self, username: &str) -> Result<Option<(i64, i64, String)>> {
        let conn = self.reader();
        let row = conn
            .prepare_cached(
                "SELECT id, company_id, password_hash FROM mail_admins WHERE username = ?1",
            )?
            .query_row([username], |r| {
                Ok((r.get("id")?, r.get("company_id")?, r.get("password_hash")?))
            })
            .optional()?;
        Ok(row)
    }

    /// (username, company id) of an administrator by id.
    pub fn mail_admin_by_id(&self, id: i64) -> Result<Option<(String, i64)>> {
        let conn = self.reader();
        let row = conn
            .prepare_cached("SELECT username, company_id FROM mail_admins WHERE id = ?1")?
            .query_row([id], |r| Ok((r.get("username")?, r.get("company_id")?)))
            .optional()?;
        Ok(row)
    }

    /// Stores a token's hash; `from_token` when a token (not the password) asked
    /// for it.
    pub fn add_mail_token(
        &self,
        token_hash: &str,
        admin_id: i64,
        kind: &str,
        expires_at: i64,
        from_token: bool,
    ) -> Result<()> {
        self.writer().execute(
            "INSERT INTO mail_tokens (token_hash, admin_id, kind, expires_at, from_token) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, admin_id, kind, expires_at, from_token],
        )?;
        Ok(())
    }

    /// The administrator a live token belongs to: (admin id, company id, whether the
    /// token itself was made with a token).
    pub fn mail_token_admin(
        &self,
        token_hash: &str,
        username: &str,
        now: i64,
    ) -> Result<Option<(i64, i64, bool)>> {
        let conn = self.reader();
        let row = conn
            .prepare_cached(
                "SELECT a.id, a.company_id, t.from_token FROM mail_tokens t JOIN mail_admins a ON a.id = t.admin_id
                 WHERE t.token_hash = ?1 AND a.username = ?2 AND t.expires_at > ?3",
            )?
            .query_row(params![token_hash, username, now], |r| {
                Ok((r.get("id")?, r.get("company_id")?, r.get("from_token")?))
            })
            .optional()?;
        Ok(row)
    }

    /// Sets an administrator's password and ends what the old one opened: its mail
    /// console sessions and every API token, in one transaction. `NotFound` for an
    /// unknown name.
    pub fn set_mail_admin_password(&self, username: &str, password_hash: &str) -> Result<()> {
        self.set_password_ending_sessions(
            "mail_admins",
            "mac",
            username,
            password_hash,
            |tx, id| {
                tx.execute("DELETE FROM mail_tokens WHERE admin_id = ?1", [id])?;
                Ok(())
            },
        )
    }

    /// Revokes every API token of an administrator; how many there were.
    pub fn revoke_mail_tokens(&self, username: &str) -> Result<usize> {
        let n = self.writer().execute(
            "DELETE FROM mail_tokens WHERE admin_id = (SELECT id FROM mail_admins WHERE username = ?1)",
            [username],
        )?;
        Ok(n)
    }

    pub fn mail_domains_of(&self, company_id: i64) -> Result<Vec<MailDomainView>> {
        let tx = self.snapshot()?;
        let names: Vec<String> = tx
            .prepare_cached("SELECT name FROM mail_domains WHERE company_id = ?1 ORDER BY name")?
            .query_map([company_id], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        let mut out = Vec::with_capacity(names.len());
        for n in names {
            if let Some(v) = domain_in(&tx, &n)? {
                out.push(v);
            }
        }
        Ok(out)
    }

    pub fn mail_domain(&self, name: &str) -> Result<Option<MailDomainView>> {
        let conn = self.reader();
        domain_in(&conn, name)
    }

    /// Moves the domain with every mailbox, message and setting to the gaining
    /// company, in one transaction: the brand's copy, the billing row, the audit row
    /// and the notice (when there is one). The push was decided by
    /// `rules::mail_push`; `NotFound` when the domain left the losing company since.
    /// Returns the unlabelled brand copy, if the domain had a brand.
    pub fn mail_push(&self, plan: &MailPushPlan) -> Result<Option<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let unlabelled_brand = match plan.copy_brand {
            Some(b) => tx
                .query_row(
                    "INSERT INTO mail_brands (company_id, name, settings, editable)
                     SELECT ?2, NULL, settings, 0 FROM mail_brands WHERE id = ?1 RETURNING id",
                    params![b, plan.gaining],
                    |r| r.get::<_, i64>(0),
                )
                .optional()?,
            None => None,
        };
        // Guarded: only while the losing company still holds the domain (else
        // nothing of the plan is written).
        let moved = tx.execute(
            "UPDATE mail_domains SET company_id = ?2, brand_id = ?3 WHERE name = ?1 AND company_id = ?4",
            params![plan.domain, plan.gaining, unlabelled_brand, plan.losing],
        )?;
        if moved == 0 {
            return Err(StoreError::NotFound);
        }
        // The domain's bulletins go with it; its users' roles over the losing
        // company end.
        tx.execute(
            "UPDATE mail_bulletins SET company_id = ?2 WHERE domain = ?1 AND company_id = ?3",
            params![plan.domain, plan.gaining, plan.losing],
        )?;
        for role in plan.ended_roles {
            tx.execute(
                "DELETE FROM mail_roles WHERE role = ?2
                 AND mailbox_id IN (SELECT id FROM mailboxes WHERE domain = ?1)",
                params![plan.domain, role],
            )?;
        }
        tx.execute(
            "INSERT INTO mail_billing (company_id, domain, starts_at, reason, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![plan.gaining, plan.domain, plan.billing_starts_at, plan.billing_reason, plan.audit.at],
        )?;
        audit_in(&tx, &plan.audit)?;
        if let Some((mail, message_id)) = &plan.notice {
            queue_mail(&tx, "mail_push", mail, message_id, None, plan.audit.at)?;
        }
        tx.commit()?;
        Ok(unlabelled_brand)
    }
}

fn company_in(conn: &super::sql::Connection, id: i64) -> Result<Option<MailCompany>> {
    let c = conn
        .prepare_cached(
            "SELECT id, name, cluster, billing_cycle, billing_day, settings, push_notify FROM mail_companies WHERE id = ?1",
        )?
        .query_row([id], |r| {
            Ok(MailCompany {
                id: r.get("id")?,
                name: r.get("name")?,
                cluster: r.get("cluster")?,
                billing_cycle: r.get("billing_cycle")?,
                billing_day: r.get("billing_day")?,
                settings: r.get("settings")?,
                push_allowed: Vec::new(),
                push_notify: r.get("push_notify")?,
            })
        })
        .optional()?;
    let Some(mut c) = c else {
        return Ok(None);
    };
    c.push_allowed = conn
        .prepare_cached(
            "SELECT allowed_id FROM mail_push_allowed WHERE company_id = ?1 ORDER BY allowed_id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<super::sql::Result<_>>()?;
    Ok(Some(c))
}

fn domain_in(conn: &super::sql::Connection, name: &str) -> Result<Option<MailDomainView>> {
    let d = conn
        .prepare_cached(
            "SELECT d.name, d.company_id, d.brand_id, b.name AS brand_name,
                    coalesce(b.editable, 1) AS brand_editable, d.settings,
                    coalesce(b.settings, c.settings) AS effective_settings
             FROM mail_domains d JOIN mail_companies c ON c.id = d.company_id
             LEFT JOIN mail_brands b ON b.id = d.brand_id WHERE d.name = ?1",
        )?
        .query_row([name], |r| {
            Ok(MailDomainView {
                name: r.get("name")?,
                company_id: r.get("company_id")?,
                brand_id: r.get("brand_id")?,
                brand_name: r.get("brand_name")?,
                brand_editable: r.get("brand_editable")?,
                settings: r.get("settings")?,
                effective_settings: r.get("effective_settings")?,
                mailboxes: 0,
                messages: 0,
                bytes: 0,
            })
        })
        .optional()?;
    let Some(mut d) = d else {
        return Ok(None);
    };
    (d.mailboxes, d.messages, d.bytes) = conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM mailboxes WHERE domain = ?1) AS mailboxes,
                    count(m.id) AS messages, coalesce(sum(m.size), 0) AS bytes
             FROM mailboxes b JOIN mail_messages m ON m.mailbox_id = b.id WHERE b.domain = ?1",
        )?
        .query_row([name], |r| {
            Ok((r.get("mailboxes")?, r.get("messages")?, r.get("bytes")?))
        })?;
    Ok(Some(d))
}
