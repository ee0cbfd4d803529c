//! Accounts: a profile's password and its domains' owner, its sub-user,
//! GET_USER_ACCESS_INFO's temporary passwords, and sub-resellers with their
//! settings and the funds their parent pays them. Each change is one
//! transaction with its audit row; what a change may do is decided above.

use super::events::events_in;
use super::push::{AuditEntry, audit_in};
use super::sql::{OptionalExtension, Transaction, params};
use super::{Guard, NewEvent, Profile, Result, Store, StoreError, Written};

/// What an account change leaves behind: its audit row and its events.
#[derive(Debug, Clone, Copy)]
pub struct Logged<'a> {
    pub audit: &'a AuditEntry,
    pub events: &'a [NewEvent],
}

/// Writes `log` inside the change's transaction.
fn logged_in(tx: &Transaction<'_>, log: &Logged<'_>) -> Result<()> {
    audit_in(tx, log.audit)?;
    events_in(tx, log.events)
}

/// A profile's sub-user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subuser {
    pub id: i64,
    pub profile_id: i64,
    pub username: String,
    pub password_hash: String,
    pub permission: i64,
}

/// A sub-reseller as its parent sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubReseller {
    pub reseller_id: i64,
    pub parent_id: i64,
    pub username: String,
    pub status: String,
    /// Its other account settings (JSON).
    pub settings: String,
    pub created_at: i64,
}

/// A sub-reseller's account as written: its status, settings (JSON) and
/// control-panel password hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAccount<'a> {
    pub status: &'a str,
    pub settings: &'a str,
    pub password_hash: &'a str,
}

/// Where CHANGE OWNERSHIP moves domains to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewOwner {
    Existing(i64),
    /// A profile made by the move: its user name and password hash.
    Made {
        username: String,
        password_hash: String,
    },
}

fn subuser_row(r: &super::sql::Row<'_>) -> super::sql::Result<Subuser> {
    Ok(Subuser {
        id: r.get("id")?,
        profile_id: r.get("profile_id")?,
        username: r.get("username")?,
        password_hash: r.get("password_hash")?,
        permission: r.get("permission")?,
    })
}

/// Ends every cookie on the profile's domains.
fn end_cookies_of_profile(tx: &Transaction<'_>, profile_id: i64) -> Result<()> {
    tx.prepare_cached(
        "DELETE FROM cookies WHERE domain_id IN (SELECT id FROM domains WHERE profile_id = ?1)",
    )?
    .execute([profile_id])?;
    Ok(())
}

impl Store {
    /// The reseller's profile `id`.
    pub fn profile_by_id(&self, reseller_id: i64, id: i64) -> Result<Option<Profile>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, reseller_id, username, password_hash FROM profiles
                 WHERE id = ?1 AND reseller_id = ?2",
            )?
            .query_row(params![id, reseller_id], |r| {
                Ok(Profile {
                    id: r.get("id")?,
                    reseller_id: r.get("reseller_id")?,
                    username: r.get("username")?,
                    password_hash: r.get("password_hash")?,
                })
            })
            .optional()?)
    }

    /// Replaces the profile's password; every cookie on its domains and every
    /// temporary password of it ends with the old one.
    pub fn set_profile_password(
        &self,
        reseller_id: i64,
        profile_id: i64,
        password_hash: &str,
        log: Logged<'_>,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE profiles SET password_hash = ?3 WHERE id = ?1 AND reseller_id = ?2",
            )?
            .execute(params![profile_id, reseller_id, password_hash])?;
        if n == 0 {
            return Ok(false);
        }
        end_cookies_of_profile(&tx, profile_id)?;
        tx.prepare_cached("DELETE FROM profile_access WHERE profile_id = ?1")?
            .execute([profile_id])?;
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(true)
    }

    /// Moves the reseller's domains `domain_ids` to `to` (made first when new);
    /// the cookies opened on them end. The receiving profile's id; `Conflict`
    /// when a new profile's name is taken meanwhile.
    pub fn change_ownership(
        &self,
        reseller_id: i64,
        domain_ids: &[i64],
        to: &NewOwner,
        (now, log): (i64, Logged<'_>),
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let to_id = match to {
            NewOwner::Existing(id) => *id,
            NewOwner::Made {
                username,
                password_hash,
            } => tx
                .query_row(
                    "INSERT INTO profiles (reseller_id, username, password_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4) RETURNING id",
                    params![reseller_id, username, password_hash, now],
                    |r| r.get(0),
                )
                .map_err(|e| StoreError::conflict_or(e, format!("profile {username}")))?,
        };
        for id in domain_ids {
            tx.prepare_cached("DELETE FROM cookies WHERE domain_id = ?1")?
                .execute([id])?;
            tx.prepare_cached(
                "UPDATE domains SET profile_id = ?3, updated_at = ?4 WHERE id = ?1 AND reseller_id = ?2",
            )?
            .execute(params![id, reseller_id, to_id, now])?;
        }
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(to_id)
    }

    /// Keeps a temporary password (its hash) of the profile until `expires_at`,
    /// with its audit row; expired ones are swept on the way.
    pub fn add_profile_access(
        &self,
        (token_hash, profile_id): (&str, i64),
        now: i64,
        expires_at: i64,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM profile_access WHERE expires_at <= ?1")?
            .execute([now])?;
        tx.prepare_cached(
            "INSERT INTO profile_access (token_hash, profile_id, expires_at) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![token_hash, profile_id, expires_at])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether `token_hash` is a live temporary password of the profile.
    pub fn profile_access(&self, profile_id: i64, token_hash: &str, now: i64) -> Result<bool> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT 1 FROM profile_access WHERE token_hash = ?1 AND profile_id = ?2 AND expires_at > ?3",
            )?
            .query_row(params![token_hash, profile_id, now], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The profile's sub-user.
    pub fn subuser_of_profile(&self, reseller_id: i64, profile_id: i64) -> Result<Option<Subuser>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, profile_id, username, password_hash, permission FROM subusers
                 WHERE reseller_id = ?1 AND profile_id = ?2",
            )?
            .query_row(params![reseller_id, profile_id], subuser_row)
            .optional()?)
    }

    /// The reseller's sub-user of user name `username`.
    pub fn subuser_by_username(&self, reseller_id: i64, username: &str) -> Result<Option<Subuser>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, profile_id, username, password_hash, permission FROM subusers
                 WHERE reseller_id = ?1 AND username = ?2",
            )?
            .query_row(params![reseller_id, username], subuser_row)
            .optional()?)
    }

    /// Adds the profile's sub-user; stopped ([`Guard::NameHeld`]) when it has
    /// one; `Conflict` when the reseller has a sub-user of that name.
    pub fn add_subuser(
        &self,
        reseller_id: i64,
        s: &Subuser,
        now: i64,
        log: Logged<'_>,
    ) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: Option<i64> = tx
            .query_row(
                "INSERT INTO subusers (reseller_id, profile_id, username, password_hash, permission, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6) ON CONFLICT (profile_id) DO NOTHING RETURNING id",
                params![reseller_id, s.profile_id, s.username, s.password_hash, s.permission, now],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| StoreError::conflict_or(e, format!("sub-user {}", s.username)))?;
        let Some(id) = id else {
            return Ok(Written::Stopped(Guard::NameHeld));
        };
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(Written::Done(id))
    }

    /// Replaces the name, password and rights of the profile's sub-user `s.id`;
    /// the cookies it opened end. False when the profile has no such sub-user;
    /// `Conflict` for a name taken.
    pub fn modify_subuser(
        &self,
        reseller_id: i64,
        s: &Subuser,
        now: i64,
        log: Logged<'_>,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE subusers SET username = ?4, password_hash = ?5, permission = ?6, updated_at = ?7
                 WHERE id = ?1 AND reseller_id = ?2 AND profile_id = ?3",
            )?
            .execute(params![
                s.id,
                reseller_id,
                s.profile_id,
                s.username,
                s.password_hash,
                s.permission,
                now
            ])
            .map_err(|e| StoreError::conflict_or(e, format!("sub-user {}", s.username)))?;
        if n == 0 {
            return Ok(false);
        }
        tx.prepare_cached("DELETE FROM cookies WHERE subuser_id = ?1")?
            .execute([s.id])?;
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(true)
    }

    /// Deletes the profile's sub-user `id` and the cookies it opened; false
    /// when the profile has no such sub-user.
    pub fn delete_subuser(
        &self,
        reseller_id: i64,
        (profile_id, id): (i64, i64),
        log: Logged<'_>,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM cookies WHERE subuser_id = ?1 AND reseller_id = ?2")?
            .execute(params![id, reseller_id])?;
        let n = tx
            .prepare_cached(
                "DELETE FROM subusers WHERE id = ?1 AND reseller_id = ?2 AND profile_id = ?3",
            )?
            .execute(params![id, reseller_id, profile_id])?;
        if n == 0 {
            return Ok(false);
        }
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(true)
    }

    /// Makes a sub-reseller of `parent_id`: a reseller of its own with its key,
    /// no funds, and its account. `Conflict` when the user name is taken.
    pub fn create_sub_reseller(
        &self,
        parent_id: i64,
        (username, private_key): (&str, &str),
        a: &SubAccount<'_>,
        (now, log): (i64, Logged<'_>),
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO resellers (username, private_key, created_at, balance_cents, password_hash)
                 VALUES (?1, ?2, ?3, 0, ?4) RETURNING id",
                params![username, private_key, now, a.password_hash],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::conflict_or(e, format!("reseller {username}")))?;
        tx.prepare_cached(
            "INSERT INTO sub_resellers (reseller_id, parent_id, status, settings, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
        )?
        .execute(params![id, parent_id, a.status, a.settings, now])?;
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(id)
    }

    /// The parent's sub-reseller of user name `username` (none for a reseller
    /// that is not its child).
    pub fn sub_reseller(&self, parent_id: i64, username: &str) -> Result<Option<SubReseller>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT s.reseller_id, s.parent_id, r.username, s.status, s.settings, s.created_at
                 FROM sub_resellers s JOIN resellers r ON r.id = s.reseller_id
                 WHERE s.parent_id = ?1 AND r.username = ?2",
            )?
            .query_row(params![parent_id, username], |r| {
                Ok(SubReseller {
                    reseller_id: r.get("reseller_id")?,
                    parent_id: r.get("parent_id")?,
                    username: r.get("username")?,
                    status: r.get("status")?,
                    settings: r.get("settings")?,
                    created_at: r.get("created_at")?,
                })
            })
            .optional()?)
    }

    /// Every reseller: `(id, username, parent id)` by name.
    pub fn reseller_tree(&self) -> Result<Vec<(i64, String, Option<i64>)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT r.id, r.username, s.parent_id FROM resellers r
                 LEFT JOIN sub_resellers s ON s.reseller_id = r.id ORDER BY r.username",
            )?
            .query_map([], |r| {
                Ok((r.get("id")?, r.get("username")?, r.get("parent_id")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// The sub-resellers of `parent_id`: `(id, username)` by name.
    pub fn sub_resellers_of(&self, parent_id: i64) -> Result<Vec<(i64, String)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT r.id, r.username FROM sub_resellers s JOIN resellers r ON r.id = s.reseller_id
                 WHERE s.parent_id = ?1 ORDER BY r.username",
            )?
            .query_map([parent_id], |r| Ok((r.get("id")?, r.get("username")?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Replaces a sub-reseller's account (its panel sessions end with its old
    /// password); false when it is not the parent's.
    pub fn set_sub_reseller(
        &self,
        (parent_id, reseller_id): (i64, i64),
        a: &SubAccount<'_>,
        now: i64,
        log: Logged<'_>,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE sub_resellers SET status = ?3, settings = ?4, updated_at = ?5
                 WHERE reseller_id = ?1 AND parent_id = ?2",
            )?
            .execute(params![reseller_id, parent_id, a.status, a.settings, now])?;
        if n == 0 {
            return Ok(false);
        }
        tx.prepare_cached("UPDATE resellers SET password_hash = ?2 WHERE id = ?1")?
            .execute(params![reseller_id, a.password_hash])?;
        tx.prepare_cached("DELETE FROM sessions WHERE realm = 'panel' AND subject_id = ?1")?
            .execute([reseller_id])?;
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(true)
    }

    /// Moves `cents` from the parent's balance to its sub-reseller's, in one
    /// transaction: the payment's id; stopped ([`Guard::FundsShort`]) when the
    /// parent's balance less what its orders hold does not cover it, or
    /// ([`Guard::Moved`]) when the reseller is not its child.
    pub fn pay_sub_reseller(
        &self,
        (parent_id, reseller_id): (i64, i64),
        cents: i64,
        now: i64,
        log: Logged<'_>,
    ) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let child: Option<i64> = tx
            .prepare_cached(
                "SELECT reseller_id FROM sub_resellers WHERE reseller_id = ?1 AND parent_id = ?2",
            )?
            .query_row(params![reseller_id, parent_id], |r| r.get(0))
            .optional()?;
        if child.is_none() {
            return Ok(Written::Stopped(Guard::Moved));
        }
        if !super::portfolio::charge_in(&tx, parent_id, cents)? {
            return Ok(Written::Stopped(Guard::FundsShort));
        }
        tx.prepare_cached("UPDATE resellers SET balance_cents = balance_cents + ?2 WHERE id = ?1")?
            .execute(params![reseller_id, cents])?;
        let id: i64 = tx.query_row(
            "INSERT INTO sub_reseller_payments (parent_id, reseller_id, cents, created_at)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![parent_id, reseller_id, cents, now],
            |r| r.get(0),
        )?;
        logged_in(&tx, &log)?;
        tx.commit()?;
        Ok(Written::Done(id))
    }
}
