//! Pushes between resellers: consent (the operator's switch and the gaining reseller's
//! allow-list), the portfolio lookups a push needs, the move itself, and the audit log.

use super::sql::{OptionalExtension, Transaction, params};

use super::events::{NewEvent, events_in};
use super::{Result, Store, StoreError};

/// A domain of a reseller's portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortfolioDomain {
    pub id: i64,
    pub name: String,
    pub reseller_id: i64,
    pub profile_id: i64,
    pub locked: bool,
    pub status: String,
}

/// Which profile a pushed domain goes into at the gaining reseller. A domain goes
/// into an existing profile only when the caller proved its password (`Named` with
/// no hash, `Existing`); every other case makes a new profile, and never lands in a
/// same-named one that happens to exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushProfile {
    /// The gaining reseller's profile of this user name: an existing one whose
    /// password was checked (`password_hash: None`), or a new one made with the
    /// given hash (refused as a conflict if that name was taken meanwhile).
    Named {
        username: String,
        password_hash: Option<String>,
    },
    /// A new profile named like the domain's current one (with a suffix when the
    /// gaining reseller already has that name), with its password hash.
    Original,
    /// An existing profile of the gaining reseller.
    Existing(i64),
    /// A new profile for this domain alone, named after it (suffixed when taken),
    /// with no usable password until the gaining reseller sets one.
    NewPerDomain,
}

/// The kinds of account an audit row names: each has its own namespace, so that a
/// reseller never sees rows of a mail administrator, company or registrar that
/// happens to have its name.
pub mod account {
    pub const RESELLER: &str = "reseller";
    pub const OPERATOR: &str = "operator";
    pub const MAIL_ADMIN: &str = "mail_admin";
    pub const COMPANY: &str = "company";
    pub const REGISTRAR: &str = "registrar";
    /// A domain's contact, acting through a link mailed to it.
    pub const CONTACT: &str = "contact";
}

/// One audit log row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub at: i64,
    pub actor: String,
    /// What `actor` names (one of [`account`]).
    pub actor_kind: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
    pub client_ip: String,
    /// The gaining reseller of a push, so that it sees the row too.
    pub gaining: Option<String>,
    /// What `gaining` names.
    pub gaining_kind: Option<String>,
}

impl Store {
    pub fn set_push_enabled(&self, reseller_id: i64, on: bool) -> Result<()> {
        self.update_reseller(
            "UPDATE resellers SET push_enabled = ?2 WHERE id = ?1",
            reseller_id,
            &on,
        )
    }

    /// Whether an operator has turned the push feature on for this reseller.
    pub fn push_enabled(&self, reseller_id: i64) -> Result<bool> {
        let on = self
            .reader()
            .prepare_cached("SELECT push_enabled FROM resellers WHERE id = ?1")?
            .query_row([reseller_id], |r| r.get(0))
            .optional()?;
        on.ok_or(StoreError::NotFound)
    }

    /// Adds (or with `allow = false` removes) `losing` from `gaining`'s allow-list.
    pub fn set_push_allowed(
        &self,
        gaining_id: i64,
        losing_id: i64,
        allow: bool,
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        if allow {
            conn.execute(
                "INSERT INTO push_allow (gaining_id, losing_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
                params![gaining_id, losing_id, now],
            )?;
        } else {
            conn.execute(
                "DELETE FROM push_allow WHERE gaining_id = ?1 AND losing_id = ?2",
                params![gaining_id, losing_id],
            )?;
        }
        Ok(())
    }

    /// User names of the resellers `gaining_id` accepts pushes from.
    pub fn push_allow_list(&self, gaining_id: i64) -> Result<Vec<String>> {
        let conn = self.reader();
        let names = conn
            .prepare_cached(
                "SELECT r.username FROM push_allow a JOIN resellers r ON r.id = a.losing_id
                 WHERE a.gaining_id = ?1 ORDER BY r.username",
            )?
            .query_map([gaining_id], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        Ok(names)
    }

    /// Both accounts have the feature and the gaining reseller allows the losing one.
    pub fn push_permitted(&self, losing_id: i64, gaining_id: i64) -> Result<bool> {
        permitted_in(&self.reader(), losing_id, gaining_id)
    }

    /// Every domain name of a reseller's portfolio, in name order.
    pub fn portfolio_names(&self, reseller_id: i64) -> Result<Vec<String>> {
        let conn = self.reader();
        let names = conn
            .prepare_cached("SELECT name FROM domains WHERE reseller_id = ?1 ORDER BY name")?
            .query_map([reseller_id], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        Ok(names)
    }

    /// The contact set a portfolio domain holds (JSON), if it has one.
    pub fn domain_contacts(&self, domain: &str) -> Result<Option<String>> {
        let c = self
            .reader()
            .prepare_cached("SELECT contacts FROM domains WHERE name = ?1")?
            .query_row([domain], |r| r.get(0))
            .optional()?;
        Ok(c.flatten())
    }

    /// The reseller whose portfolio holds `domain`, if any.
    pub fn portfolio_holder(&self, domain: &str) -> Result<Option<i64>> {
        let id = self
            .reader()
            .prepare_cached("SELECT reseller_id FROM domains WHERE name = ?1")?
            .query_row([domain], |r| r.get(0))
            .optional()?;
        Ok(id)
    }

    /// The domain if it is in `reseller_id`'s portfolio.
    pub fn portfolio_domain(
        &self,
        reseller_id: i64,
        name: &str,
    ) -> Result<Option<PortfolioDomain>> {
        portfolio_domain_in(&self.reader(), reseller_id, name)
    }

    /// Moves a domain to `gaining_id` at once, into the chosen profile, keeping its
    /// lock state (a locked domain pushed with apply_to_locked_domains is unlocked,
    /// moved and locked again: the net effect in one transaction is the same lock),
    /// and writes the audit row.
    pub fn push_domain(
        &self,
        domain: &PortfolioDomain,
        gaining_id: i64,
        profile: &PushProfile,
        audit: &AuditEntry,
        events: &[NewEvent],
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        // Someone moved it since it was read: nothing is pushed twice.
        if !push_in(&tx, domain, gaining_id, profile, audit, events)? {
            return Err(StoreError::NotFound);
        }
        tx.commit()?;
        Ok(())
    }

    pub fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        audit_in(&tx, entry)?;
        tx.commit()?;
        Ok(())
    }

    /// The newest audit rows first, optionally about one subject.
    pub fn audit_log(&self, subject: Option<&str>, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT at, actor, action, subject, detail, client_ip, gaining, actor_kind, gaining_kind FROM audit_log
                 WHERE subject = ?1 OR ?1 IS NULL ORDER BY id DESC LIMIT ?2",
            )?
            .query_map(params![subject, limit as i64], audit_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The newest audit rows a reseller may see: what it did, and pushes into it.
    pub fn audit_for_reseller(&self, username: &str, limit: usize) -> Result<Vec<AuditEntry>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT at, actor, action, subject, detail, client_ip, gaining, actor_kind, gaining_kind FROM (
                   SELECT * FROM (SELECT * FROM audit_log WHERE actor = ?1 AND actor_kind = 'reseller' ORDER BY id DESC LIMIT ?2) AS mine
                   UNION
                   SELECT * FROM (SELECT * FROM audit_log WHERE gaining = ?1 AND gaining_kind = 'reseller' ORDER BY id DESC LIMIT ?2) AS pushed
                 ) AS both_ ORDER BY id DESC LIMIT ?2",
            )?
            .query_map(params![username, limit as i64], audit_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }
}

/// A portfolio row, on any connection or transaction.
pub(crate) fn portfolio_domain_in(
    conn: &super::sql::Connection,
    reseller_id: i64,
    name: &str,
) -> Result<Option<PortfolioDomain>> {
    let d = conn
        .prepare_cached(
            "SELECT id, name, reseller_id, profile_id, locked, status FROM domains
             WHERE reseller_id = ?1 AND name = ?2",
        )?
        .query_row(params![reseller_id, name], |r| {
            Ok(PortfolioDomain {
                id: r.get("id")?,
                name: r.get("name")?,
                reseller_id: r.get("reseller_id")?,
                profile_id: r.get("profile_id")?,
                locked: r.get("locked")?,
                status: r.get("status")?,
            })
        })
        .optional()?;
    Ok(d)
}

/// The consent check, on any connection or transaction.
pub(crate) fn permitted_in(
    conn: &super::sql::Connection,
    losing_id: i64,
    gaining_id: i64,
) -> Result<bool> {
    let n: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM push_allow a
             JOIN resellers g ON g.id = a.gaining_id AND g.push_enabled = 1
             JOIN resellers l ON l.id = a.losing_id AND l.push_enabled = 1
             WHERE a.gaining_id = ?1 AND a.losing_id = ?2",
        )?
        .query_row(params![gaining_id, losing_id], |r| r.get(0))?;
    Ok(n > 0)
}

pub(super) fn audit_row(r: &super::sql::Row<'_>) -> super::sql::Result<AuditEntry> {
    Ok(AuditEntry {
        at: r.get("at")?,
        actor: r.get("actor")?,
        action: r.get("action")?,
        subject: r.get("subject")?,
        detail: r.get("detail")?,
        client_ip: r.get("client_ip")?,
        gaining: r.get("gaining")?,
        actor_kind: r
            .get::<_, Option<String>>("actor_kind")?
            .unwrap_or_default(),
        gaining_kind: r.get("gaining_kind")?,
    })
}

pub(crate) fn audit_in(tx: &Transaction<'_>, e: &AuditEntry) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_log (at, actor, action, subject, detail, client_ip, gaining, actor_kind, gaining_kind)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        e.at,
        e.actor,
        e.action,
        e.subject,
        e.detail,
        e.client_ip,
        e.gaining,
        e.actor_kind,
        e.gaining_kind
    ])?;
    Ok(())
}

pub(crate) fn push_in(
    tx: &Transaction<'_>,
    domain: &PortfolioDomain,
    gaining_id: i64,
    profile: &PushProfile,
    audit: &AuditEntry,
    events: &[NewEvent],
) -> Result<bool> {
    // The guard first, so that nothing (no profile) is made for a domain that has
    // moved since its rule read it; writes run one at a time, so it holds below.
    let still_there = tx
        .prepare_cached("SELECT 1 FROM domains WHERE id = ?1 AND reseller_id = ?2")?
        .query_row(params![domain.id, domain.reseller_id], |_| Ok(()))
        .optional()?
        .is_some();
    if !still_there {
        return Ok(false);
    }
    let profile_id = match profile {
        PushProfile::Existing(id) => *id,
        PushProfile::NewPerDomain => {
            new_profile(tx, gaining_id, &domain.name, super::NO_PASSWORD, audit.at)?
        }
        PushProfile::Named {
            username,
            password_hash: None,
        } => tx
            .prepare_cached("SELECT id FROM profiles WHERE reseller_id = ?1 AND username = ?2")?
            .query_row(params![gaining_id, username], |r| r.get(0))
            .optional()?
            .ok_or(StoreError::NotFound)?,
        PushProfile::Named {
            username,
            password_hash: Some(hash),
        } => {
            tx.prepare_cached("INSERT INTO profiles (reseller_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id")?
                .query_row(params![gaining_id, username, hash, audit.at], |r| r.get(0))
                .map_err(|e| StoreError::conflict_or(e, format!("profile {username}")))?
        }
        PushProfile::Original => {
            let (original_name, original_hash): (String, String) = tx
                .prepare_cached("SELECT username, password_hash FROM profiles WHERE id = ?1")?
                .query_row([domain.profile_id], |r| Ok((r.get("username")?, r.get("password_hash")?)))?;
            new_profile(tx, gaining_id, &original_name, &original_hash, audit.at)?
        }
    };
    let moved = tx
        .prepare_cached("UPDATE domains SET reseller_id = ?2, profile_id = ?3 WHERE id = ?1 AND reseller_id = ?4")?
        .execute(params![domain.id, gaining_id, profile_id, domain.reseller_id])?;
    if moved == 0 {
        return Err(StoreError::NotFound);
    }
    events_in(tx, events)?;
    audit_in(tx, audit)?;
    Ok(true)
}

/// A new profile of the reseller, named `base`, or `base-2`, `base-3` … when that
/// name is taken: an existing profile is never reused without its password.
fn new_profile(
    tx: &Transaction<'_>,
    reseller_id: i64,
    base: &str,
    hash: &str,
    now: i64,
) -> Result<i64> {
    let mut name = base.to_string();
    for n in 2.. {
        let taken: Option<i64> = tx
            .prepare_cached("SELECT id FROM profiles WHERE reseller_id = ?1 AND username = ?2")?
            .query_row(params![reseller_id, name], |r| r.get(0))
            .optional()?;
        if taken.is_none() {
            break;
        }
        name = format!("{base}-{n}");
    }
    Ok(tx
        .prepare_cached("INSERT INTO profiles (reseller_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id")?
        .query_row(params![reseller_id, name, hash, now], |r| r.get(0))?)
}
