//! The users of a company's email domains as the Email API has them: mailbox,
//! forward and filter users with their password hash, workgroup, attributes and
//! aliases; a domain made, suspended and deleted; a deleted user kept whole for
//! restore. Every read and write names the company, and reaches only the
//! domains it holds.

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, Transaction, params};
use super::{Guard, Result, Store, StoreError, Written};
use crate::status::MailUserKind;

/// A user as kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailUser {
    pub id: i64,
    pub domain: String,
    pub local_part: String,
    pub kind: MailUserKind,
    pub workgroup: String,
    /// Its attributes (JSON, `rules::mail_users`).
    pub attributes: String,
    pub has_password: bool,
    pub created_at: i64,
    pub aliases: Vec<String>,
}

impl MailUser {
    pub fn address(&self) -> String {
        format!("{}@{}", self.local_part, self.domain)
    }
}

/// A user's new state, for a creation or a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWrite<'a> {
    pub company_id: i64,
    pub domain: &'a str,
    pub local_part: &'a str,
    /// Made (stopped with [`Guard::NameHeld`] when it exists) or changed
    /// (stopped with [`Guard::Moved`] when it does not).
    pub create: bool,
    pub kind: MailUserKind,
    pub workgroup: &'a str,
    pub attributes: &'a str,
    /// A new password hash; `None` keeps the one it has.
    pub password_hash: Option<&'a str>,
    /// The new alias list; `None` keeps it.
    pub aliases: Option<&'a [String]>,
    pub now: i64,
    /// Mails queued with the write (a new user's auto bulletins).
    pub welcome: &'a [Mail],
    /// The attributes it changed and their new values (JSON), for
    /// get_user_attribute_history.
    pub history: &'a [(String, String)],
    /// The most users and aliases the domain may hold (`limit_users`,
    /// `limit_aliases`), checked in the write's transaction.
    pub limits: (Option<i64>, Option<i64>),
}

/// A company's email domain as the Email API reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailDomainState {
    pub name: String,
    pub disabled: bool,
    pub created_at: i64,
    pub settings: String,
}

/// How a domain deletion went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DomainDeleted {
    Done,
    NotFound,
    /// It still has users (they are deleted first).
    HasUsers,
}

const USER_COLUMNS: &str = "m.id, m.domain, m.local_part, m.kind, m.workgroup, m.attributes,
    CASE WHEN m.password_hash IS NULL THEN 0 ELSE 1 END AS has_password, m.created_at";

fn user_row(r: &super::sql::Row<'_>) -> super::sql::Result<MailUser> {
    Ok(MailUser {
        id: r.get("id")?,
        domain: r.get("domain")?,
        local_part: r.get("local_part")?,
        kind: r.get("kind")?,
        workgroup: r.get("workgroup")?,
        attributes: r.get("attributes")?,
        has_password: r.get("has_password")?,
        created_at: r.get("created_at")?,
        aliases: Vec::new(),
    })
}

fn aliases_in(conn: &super::sql::Connection, id: i64) -> Result<Vec<String>> {
    Ok(conn
        .prepare_cached("SELECT address FROM mail_aliases WHERE mailbox_id = ?1 ORDER BY address")?
        .query_map([id], |r| r.get(0))?
        .collect::<super::sql::Result<_>>()?)
}

impl Store {
    /// The company's email domain `name`.
    pub fn mail_domain_state(
        &self,
        company_id: i64,
        name: &str,
    ) -> Result<Option<MailDomainState>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT name, disabled, created_at, settings FROM mail_domains
                 WHERE name = ?1 AND company_id = ?2",
            )?
            .query_row(params![name, company_id], |r| {
                Ok(MailDomainState {
                    name: r.get("name")?,
                    disabled: r.get("disabled")?,
                    created_at: r.get("created_at")?,
                    settings: r.get("settings")?,
                })
            })
            .optional()?)
    }

    /// Makes the company's email domain `name`; stopped ([`Guard::NameHeld`])
    /// when any company has it.
    pub fn create_mail_domain(
        &self,
        company_id: i64,
        (name, disabled): (&str, bool),
        now: i64,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let made = tx
            .prepare_cached(
                "INSERT INTO mail_domains (name, company_id, created_at, disabled) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (name) DO NOTHING",
            )?
            .execute(params![name, company_id, now, disabled])?;
        if made == 0 {
            return Ok(Written::Stopped(Guard::NameHeld));
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Suspends or restores the company's domain; false when it has none of
    /// that name.
    pub fn set_mail_domain_disabled(
        &self,
        company_id: i64,
        name: &str,
        disabled: bool,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE mail_domains SET disabled = ?3 WHERE name = ?1 AND company_id = ?2",
            )?
            .execute(params![name, company_id, disabled])?;
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes the company's domain, which must have no user left.
    pub fn delete_mail_domain(
        &self,
        company_id: i64,
        name: &str,
        audit: &AuditEntry,
    ) -> Result<DomainDeleted> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let held: Option<i64> = tx
            .prepare_cached(
                "SELECT company_id FROM mail_domains WHERE name = ?1 AND company_id = ?2",
            )?
            .query_row(params![name, company_id], |r| r.get(0))
            .optional()?;
        if held.is_none() {
            return Ok(DomainDeleted::NotFound);
        }
        let users: i64 = tx
            .prepare_cached("SELECT count(*) FROM mailboxes WHERE domain = ?1")?
            .query_row([name], |r| r.get(0))?;
        if users > 0 {
            return Ok(DomainDeleted::HasUsers);
        }
        // Kept whole for restore_domain.
        let (settings, disabled, created_at): (String, i64, i64) = tx
            .prepare_cached(
                "SELECT settings, disabled, created_at FROM mail_domains WHERE name = ?1",
            )?
            .query_row([name], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        let list = |sql: &str| -> Result<Vec<String>> {
            Ok(tx
                .prepare_cached(sql)?
                .query_map([name], |r| r.get(0))?
                .collect::<super::sql::Result<_>>()?)
        };
        let aliases =
            list("SELECT alias FROM mail_domain_aliases WHERE domain = ?1 ORDER BY alias")?;
        let workgroups = list("SELECT name FROM mail_workgroups WHERE domain = ?1 ORDER BY name")?;
        let data = serde_json::json!({
            "settings": settings,
            "disabled": disabled != 0,
            "createtime": created_at,
            "aliases": aliases,
            "workgroups": workgroups,
        });
        tx.prepare_cached(
            "INSERT INTO mail_deleted_domains (company_id, name, data, deleted_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![company_id, name, data.to_string(), audit.at])?;
        tx.prepare_cached("DELETE FROM mail_bulletins WHERE company_id = ?1 AND domain = ?2")?
            .execute(params![company_id, name])?;
        tx.prepare_cached("DELETE FROM mail_domains WHERE name = ?1 AND company_id = ?2")?
            .execute(params![name, company_id])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(DomainDeleted::Done)
    }

    /// The company's user `local_part@domain`, with its aliases.
    pub fn mail_user(
        &self,
        company_id: i64,
        domain: &str,
        local_part: &str,
    ) -> Result<Option<MailUser>> {
        let conn = self.reader();
        let found = conn
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM mailboxes m JOIN mail_domains d ON d.name = m.domain
                 WHERE m.domain = ?1 AND m.local_part = ?2 AND d.company_id = ?3"
            ))?
            .query_row(params![domain, local_part, company_id], user_row)
            .optional()?;
        let Some(mut u) = found else {
            return Ok(None);
        };
        u.aliases = aliases_in(&conn, u.id)?;
        Ok(Some(u))
    }

    /// The address of the company's user that `address` is an alias of.
    pub fn mail_alias_target(&self, company_id: i64, address: &str) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT m.local_part, m.domain FROM mail_aliases a
                 JOIN mailboxes m ON m.id = a.mailbox_id JOIN mail_domains d ON d.name = m.domain
                 WHERE a.address = ?1 AND d.company_id = ?2",
            )?
            .query_row(params![address, company_id], |r| {
                Ok(format!(
                    "{}@{}",
                    r.get::<_, String>("local_part")?,
                    r.get::<_, String>("domain")?
                ))
            })
            .optional()?)
    }

    /// The users of the company's domain, by name, with their aliases.
    pub fn mail_users_of(&self, company_id: i64, domain: &str) -> Result<Vec<MailUser>> {
        let tx = self.snapshot()?;
        let mut users: Vec<MailUser> = tx
            .prepare_cached(&format!(
                "SELECT {USER_COLUMNS} FROM mailboxes m JOIN mail_domains d ON d.name = m.domain
                 WHERE m.domain = ?1 AND d.company_id = ?2 ORDER BY m.local_part"
            ))?
            .query_map(params![domain, company_id], user_row)?
            .collect::<super::sql::Result<_>>()?;
        for u in &mut users {
            u.aliases = aliases_in(&tx, u.id)?;
        }
        Ok(users)
    }

    /// Makes or changes a user of the company (see [`UserWrite`]); `Conflict`
    /// when an alias is another user's address or alias.
    pub fn write_mail_user(&self, w: &UserWrite<'_>, audit: &AuditEntry) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = match user_in(&tx, w)? {
            Written::Done(id) => id,
            Written::Stopped(g) => return Ok(Written::Stopped(g)),
        };
        for (i, m) in w.welcome.iter().enumerate() {
            let message_id = format!("<welcome-{id}-{}-{i}@opsd>", w.now);
            queue_mail(&tx, "mail_bulletin", m, &message_id, None, w.now)?;
        }
        let mut keep = tx.prepare_cached(
            "INSERT INTO mail_attribute_history (mailbox_id, attribute, value, at) VALUES (?1, ?2, ?3, ?4)",
        )?;
        for (attribute, value) in w.history {
            keep.execute(params![id, attribute, value, w.now])?;
        }
        drop(keep);
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Deletes the company's user, keeping it whole (JSON `data`) for a
    /// restore; false when the company has no such user.
    pub fn delete_mail_user(
        &self,
        company_id: i64,
        (domain, local_part): (&str, &str),
        data: &str,
        (now, audit): (i64, &AuditEntry),
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "DELETE FROM mailboxes WHERE domain = ?1 AND local_part = ?2
                 AND domain IN (SELECT name FROM mail_domains WHERE company_id = ?3)",
            )?
            .execute(params![domain, local_part, company_id])?;
        if n == 0 {
            return Ok(false);
        }
        tx.prepare_cached(
            "INSERT INTO mail_deleted_users (company_id, address, data, deleted_at) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            company_id,
            format!("{local_part}@{domain}"),
            data,
            now
        ])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }
}

/// Writes `w` inside a caller's transaction: the user made or changed in a
/// domain the company holds, with its aliases when `w` names them.
fn user_in(tx: &Transaction<'_>, w: &UserWrite<'_>) -> Result<Written<i64>> {
    let held: Option<i64> = tx
        .prepare_cached("SELECT company_id FROM mail_domains WHERE name = ?1 AND company_id = ?2")?
        .query_row(params![w.domain, w.company_id], |r| r.get(0))
        .optional()?;
    if held.is_none() {
        return Ok(Written::Stopped(Guard::Moved));
    }
    if let (true, Some(most)) = (w.create, w.limits.0) {
        let users: i64 = tx
            .prepare_cached("SELECT count(*) FROM mailboxes WHERE domain = ?1")?
            .query_row([w.domain], |r| r.get(0))?;
        if users >= most {
            return Ok(Written::Stopped(Guard::LimitReached));
        }
    }
    if let (Some(aliases), Some(most)) = (w.aliases, w.limits.1) {
        let others: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM mail_aliases a JOIN mailboxes m ON m.id = a.mailbox_id
                 WHERE m.domain = ?1 AND m.local_part <> ?2",
            )?
            .query_row(params![w.domain, w.local_part], |r| r.get(0))?;
        if others + aliases.len() as i64 > most {
            return Ok(Written::Stopped(Guard::LimitReached));
        }
    }
    let id: Option<i64> = if w.create {
        tx.prepare_cached(
            "INSERT INTO mailboxes (domain, local_part, kind, workgroup, attributes, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (domain, local_part) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![w.domain, w.local_part, w.kind, w.workgroup, w.attributes, w.password_hash, w.now],
            |r| r.get(0),
        )
        .optional()?
    } else {
        tx.prepare_cached(
            "UPDATE mailboxes SET kind = ?3, workgroup = ?4, attributes = ?5,
               password_hash = coalesce(?6, password_hash)
             WHERE domain = ?1 AND local_part = ?2 RETURNING id",
        )?
        .query_row(
            params![
                w.domain,
                w.local_part,
                w.kind,
                w.workgroup,
                w.attributes,
                w.password_hash
            ],
            |r| r.get(0),
        )
        .optional()?
    };
    let Some(id) = id else {
        return Ok(Written::Stopped(if w.create {
            Guard::NameHeld
        } else {
            Guard::Moved
        }));
    };
    if let Some(aliases) = w.aliases {
        replace_aliases(tx, id, aliases)?;
    }
    Ok(Written::Done(id))
}

/// Replaces a user's aliases; an address another user has (as its name or an
/// alias) is a `Conflict`.
fn replace_aliases(tx: &Transaction<'_>, id: i64, aliases: &[String]) -> Result<()> {
    tx.prepare_cached("DELETE FROM mail_aliases WHERE mailbox_id = ?1")?
        .execute([id])?;
    for a in aliases {
        let (local, domain) = a.split_once('@').unwrap_or((a.as_str(), ""));
        let taken: i64 = tx
            .prepare_cached("SELECT count(*) FROM mailboxes WHERE domain = ?1 AND local_part = ?2")?
            .query_row(params![domain, local], |r| r.get(0))?;
        if taken > 0 {
            return Err(StoreError::Conflict(format!("address {a}")));
        }
        tx.prepare_cached("INSERT INTO mail_aliases (address, mailbox_id) VALUES (?1, ?2)")?
            .execute(params![a, id])
            .map_err(|e| StoreError::conflict_or(e, format!("alias {a}")))?;
    }
    Ok(())
}

/// A deleted user as kept for a restore.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedMailUser {
    pub id: i64,
    pub address: String,
    /// The user whole (JSON), as `hosted_mail` kept it.
    pub data: String,
    pub deleted_at: i64,
}

impl Store {
    /// The workgroups the company's domain has besides the default one.
    pub fn mail_workgroups(&self, company_id: i64, domain: &str) -> Result<Vec<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT w.name FROM mail_workgroups w JOIN mail_domains d ON d.name = w.domain
                 WHERE w.domain = ?1 AND d.company_id = ?2 ORDER BY w.name",
            )?
            .query_map(params![domain, company_id], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Adds a workgroup to the company's domain; false when it has it.
    pub fn add_mail_workgroup(
        &self,
        company_id: i64,
        (domain, name): (&str, &str),
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "INSERT INTO mail_workgroups (domain, name, created_at)
                 SELECT name, ?2, ?3 FROM mail_domains WHERE name = ?1 AND company_id = ?4
                 ON CONFLICT (domain, name) DO NOTHING",
            )?
            .execute(params![domain, name, now, company_id])?;
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes a workgroup of the company's domain that no user is in:
    /// stopped ([`Guard::Moved`]) when there is none, ([`Guard::NameHeld`])
    /// when a user is in it.
    pub fn delete_mail_workgroup(
        &self,
        company_id: i64,
        (domain, name): (&str, &str),
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let users: i64 = tx
            .prepare_cached("SELECT count(*) FROM mailboxes WHERE domain = ?1 AND workgroup = ?2")?
            .query_row(params![domain, name], |r| r.get(0))?;
        if users > 0 {
            return Ok(Written::Stopped(Guard::NameHeld));
        }
        let n = tx
            .prepare_cached(
                "DELETE FROM mail_workgroups WHERE domain = ?1 AND name = ?2
                 AND domain IN (SELECT name FROM mail_domains WHERE company_id = ?3)",
            )?
            .execute(params![domain, name, company_id])?;
        if n == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// Renames the company's user within its domain; stopped ([`Guard::Moved`])
    /// when there is no such user, ([`Guard::NameHeld`]) when the new name is
    /// a user's or an alias.
    pub fn rename_mail_user(
        &self,
        company_id: i64,
        (domain, from, to): (&str, &str, &str),
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let taken: i64 = tx
            .prepare_cached(
                "SELECT (SELECT count(*) FROM mailboxes WHERE domain = ?1 AND local_part = ?2)
                      + (SELECT count(*) FROM mail_aliases WHERE address = ?3)",
            )?
            .query_row(params![domain, to, format!("{to}@{domain}")], |r| r.get(0))?;
        if taken > 0 {
            return Ok(Written::Stopped(Guard::NameHeld));
        }
        let n = tx
            .prepare_cached(
                "UPDATE mailboxes SET local_part = ?3 WHERE domain = ?1 AND local_part = ?2
                 AND domain IN (SELECT name FROM mail_domains WHERE company_id = ?4)",
            )?
            .execute(params![domain, from, to, company_id])?;
        if n == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }

    /// The company's deleted users of `domain` deleted at or after `since`,
    /// newest first.
    pub fn deleted_mail_users(
        &self,
        company_id: i64,
        domain: &str,
        since: i64,
    ) -> Result<Vec<DeletedMailUser>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, address, data, deleted_at FROM mail_deleted_users
                 WHERE company_id = ?1 AND address LIKE ?2 AND deleted_at >= ?3
                 ORDER BY deleted_at DESC, id DESC",
            )?
            .query_map(params![company_id, format!("%@{domain}"), since], |r| {
                Ok(DeletedMailUser {
                    id: r.get("id")?,
                    address: r.get("address")?,
                    data: r.get("data")?,
                    deleted_at: r.get("deleted_at")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Brings the company's deleted user `id` back as `w` (a creation): its
    /// record leaves the deleted list in the same transaction. Stopped
    /// ([`Guard::Moved`]) when the record is gone or the domain is not the
    /// company's, ([`Guard::NameHeld`]) when the name is taken.
    pub fn restore_mail_user(
        &self,
        id: i64,
        w: &UserWrite<'_>,
        audit: &AuditEntry,
    ) -> Result<Written<()>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let gone = tx
            .prepare_cached("DELETE FROM mail_deleted_users WHERE id = ?1 AND company_id = ?2")?
            .execute(params![id, w.company_id])?;
        if gone == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        if let Written::Stopped(g) = user_in(&tx, w)? {
            return Ok(Written::Stopped(g));
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(()))
    }
}

impl Store {
    /// The changes the company's administrators made to `subject` (a domain
    /// or a user's address), oldest first: `range` of them, and how many there
    /// are. They are the audit rows the changes wrote for the company.
    pub fn mail_changes(
        &self,
        company_id: i64,
        subject: Option<&str>,
        (first, limit): (usize, usize),
    ) -> Result<(usize, Vec<AuditEntry>)> {
        let conn = self.reader();
        let company = format!("company {company_id}");
        let kind = super::push::account::MAIL_ADMIN;
        // Every change of the company when no subject is named.
        let (count_sql, rows_sql) = match subject {
            Some(_) => (
                "SELECT count(*) FROM audit_log WHERE actor_kind = ?2 AND detail = ?3 AND subject = ?1",
                "SELECT at, actor, action, subject, detail, client_ip, gaining, actor_kind, gaining_kind FROM audit_log
                 WHERE actor_kind = ?2 AND detail = ?3 AND subject = ?1 ORDER BY id LIMIT ?4 OFFSET ?5",
            ),
            None => (
                "SELECT count(*) FROM audit_log WHERE actor_kind = ?2 AND detail = ?3 AND ?1 = ''",
                "SELECT at, actor, action, subject, detail, client_ip, gaining, actor_kind, gaining_kind FROM audit_log
                 WHERE actor_kind = ?2 AND detail = ?3 AND ?1 = '' ORDER BY id LIMIT ?4 OFFSET ?5",
            ),
        };
        let subject = subject.unwrap_or("");
        let total: i64 = conn
            .prepare_cached(count_sql)?
            .query_row(params![subject, kind, company], |r| r.get(0))?;
        let rows = conn
            .prepare_cached(rows_sql)?
            .query_map(
                params![subject, kind, company, limit as i64, first as i64],
                super::push::audit_row,
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok((usize::try_from(total).unwrap_or(0), rows))
    }
}

/// A user's login token, as `generate_token` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUserToken<'a> {
    pub token_hash: &'a str,
    pub mailbox_id: i64,
    /// `oma`, `session` or `sso` (`rules::mail_users::TokenKind`).
    pub kind: &'a str,
    pub oma: bool,
    pub reason: &'a str,
    pub expires_at: i64,
}

impl Store {
    /// Keeps a user's token, with its audit row; false when that token is
    /// already kept (a caller-chosen token another user has).
    pub fn add_mail_user_token(
        &self,
        t: &NewUserToken<'_>,
        now: i64,
        audit: &AuditEntry,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM mail_user_tokens WHERE expires_at <= ?1")?
            .execute([now])?;
        let n = tx
            .prepare_cached(
                "INSERT INTO mail_user_tokens (token_hash, mailbox_id, kind, oma, reason, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (token_hash) DO NOTHING",
            )?
            .execute(params![t.token_hash, t.mailbox_id, t.kind, t.oma, t.reason, t.expires_at])?;
        if n == 0 {
            return Ok(false);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(true)
    }

    /// A user's password hash by address, for a login: `(mailbox id, hash)`.
    pub fn mail_user_login(&self, address: &str) -> Result<Option<(i64, Option<String>)>> {
        let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, password_hash FROM mailboxes WHERE domain = ?1 AND local_part = ?2",
            )?
            .query_row(params![domain, local], |r| {
                Ok((r.get("id")?, r.get("password_hash")?))
            })
            .optional()?)
    }

    /// The kind and OMA flag of the user's live token `token_hash`; a
    /// single-use kind (`single_use`) is used up in the same transaction.
    pub fn take_mail_user_token(
        &self,
        mailbox_id: i64,
        token_hash: &str,
        single_use: &str,
        now: i64,
    ) -> Result<Option<(String, bool)>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let found: Option<(String, bool)> = tx
            .prepare_cached(
                "SELECT kind, oma FROM mail_user_tokens
                 WHERE token_hash = ?1 AND mailbox_id = ?2 AND expires_at > ?3",
            )?
            .query_row(params![token_hash, mailbox_id, now], |r| {
                Ok((r.get("kind")?, r.get("oma")?))
            })
            .optional()?;
        if let Some((kind, _)) = &found
            && kind == single_use
        {
            tx.prepare_cached("DELETE FROM mail_user_tokens WHERE token_hash = ?1")?
                .execute([token_hash])?;
        }
        tx.commit()?;
        Ok(found)
    }
}
