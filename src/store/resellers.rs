//! Resellers (keys and IP rules), their profiles, portfolio domains and DNS templates.

use super::sql::{OptionalExtension, params};

use super::{Result, Store, StoreError};

/// A reseller as the authentication step needs it.
#[derive(Clone, PartialEq, Eq)]
pub struct Reseller {
    pub id: i64,
    pub username: String,
    pub private_key: String,
    /// Allowed client networks as stored (CIDR text); empty = any address.
    pub allowed_ips: Vec<String>,
    /// For a sub-reseller: its parent and its account status.
    pub parent: Option<(i64, String)>,
}

/// A reseller's money, in cents: the balance, and the part of it held for orders
/// in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Balance {
    pub balance: i64,
    pub held: i64,
}

// The private key never reaches a log line.
impl std::fmt::Debug for Reseller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reseller")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("private_key", &"***")
            .field("allowed_ips", &self.allowed_ips)
            .field("parent", &self.parent)
            .finish()
    }
}

/// One line of the control panel's domain list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PortfolioRow {
    pub name: String,
    pub status: String,
    pub locked: bool,
    pub profile: String,
}

/// An end-user account inside a reseller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: i64,
    pub reseller_id: i64,
    pub username: String,
    pub password_hash: String,
}

impl Store {
    /// The reseller's balance and hold (the prices of its orders in progress), read
    /// together; `NotFound` for no such reseller.
    pub fn balance(&self, reseller_id: i64) -> Result<Balance> {
        let [a, b, c] = super::orders::ON_THE_WAY;
        let sql = format!(
            "SELECT balance_cents, {} AS held FROM resellers WHERE id = ?1",
            super::orders::held_sql("?1", 2)
        );
        let row: Option<(i64, i64)> = self
            .reader()
            .prepare_cached(&sql)?
            .query_row(params![reseller_id, a, b, c], |r| {
                Ok((r.get("balance_cents")?, r.get("held")?))
            })
            .optional()?;
        let (balance, held) = row.ok_or(StoreError::NotFound)?;
        Ok(Balance { balance, held })
    }

    /// Sets the reseller's balance (the operator's, the scenario's).
    pub fn set_balance(&self, reseller_id: i64, cents: i64) -> Result<()> {
        self.update_reseller(
            "UPDATE resellers SET balance_cents = ?2 WHERE id = ?1",
            reseller_id,
            &cents,
        )
    }

    /// Adds a reseller; `Conflict` if the user name is taken.
    pub fn add_reseller(
        &self,
        username: &str,
        private_key: &str,
        allowed_ips: &[String],
        now: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO resellers (username, private_key, created_at) VALUES (?1, ?2, ?3) RETURNING id",
                params![username, private_key, now],
                |r| r.get(0),
            )
            .map_err(|e| StoreError::conflict_or(e, format!("reseller {username}")))?;
        insert_ips(&tx, id, allowed_ips)?;
        tx.commit()?;
        Ok(id)
    }

    /// Replaces a reseller's private key (key rotation). The server's credential
    /// cache picks it up within its TTL.
    pub fn set_private_key(&self, reseller_id: i64, private_key: &str) -> Result<()> {
        self.update_reseller(
            "UPDATE resellers SET private_key = ?2 WHERE id = ?1",
            reseller_id,
            &private_key,
        )
    }

    /// Replaces a reseller's IP Access Rules; none = any address.
    pub fn set_allowed_ips(&self, reseller_id: i64, allowed_ips: &[String]) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM reseller_ips WHERE reseller_id = ?1",
            [reseller_id],
        )?;
        insert_ips(&tx, reseller_id, allowed_ips)?;
        tx.commit()?;
        Ok(())
    }

    pub fn reseller_by_name(&self, username: &str) -> Result<Option<Reseller>> {
        reseller_where(
            &self.reader(),
            "SELECT r.id, r.username, r.private_key, s.parent_id, s.status FROM resellers r
             LEFT JOIN sub_resellers s ON s.reseller_id = r.id WHERE r.username = ?1",
            &username,
        )
    }

    /// A reseller by id (page sessions keep the id).
    pub fn reseller_by_id(&self, id: i64) -> Result<Option<Reseller>> {
        reseller_where(
            &self.reader(),
            "SELECT r.id, r.username, r.private_key, s.parent_id, s.status FROM resellers r
             LEFT JOIN sub_resellers s ON s.reseller_id = r.id WHERE r.id = ?1",
            &id,
        )
    }

    /// Adds a profile; `Conflict` if the reseller has one of that name.
    pub fn add_profile(
        &self,
        reseller_id: i64,
        username: &str,
        password_hash: &str,
        now: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        conn.query_row(
            "INSERT INTO profiles (reseller_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![reseller_id, username, password_hash, now],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::conflict_or(e, format!("profile {username}")))
    }

    pub fn profile_by_username(&self, reseller_id: i64, username: &str) -> Result<Option<Profile>> {
        let conn = self.reader();
        let p = conn
            .prepare_cached(
                "SELECT id, reseller_id, username, password_hash FROM profiles
                 WHERE reseller_id = ?1 AND username = ?2",
            )?
            .query_row(params![reseller_id, username], |r| {
                Ok(Profile {
                    id: r.get("id")?,
                    reseller_id: r.get("reseller_id")?,
                    username: r.get("username")?,
                    password_hash: r.get("password_hash")?,
                })
            })
            .optional()?;
        Ok(p)
    }

    /// The reseller's profile `id`'s user name.
    pub fn profile_username(&self, reseller_id: i64, id: i64) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT username FROM profiles WHERE id = ?1 AND reseller_id = ?2")?
            .query_row(params![id, reseller_id], |r| r.get("username"))
            .optional()?)
    }

    /// Whether `domain` is in this profile (how `reg_domain` identifies a profile).
    pub fn profile_has_domain(&self, profile_id: i64, domain: &str) -> Result<bool> {
        let conn = self.reader();
        let n: i64 = conn
            .prepare_cached("SELECT count(*) FROM domains WHERE profile_id = ?1 AND name = ?2")?
            .query_row(params![profile_id, domain], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// Adds a domain to a reseller's portfolio, in the given profile, registered
    /// `now` until `expires_at`.
    pub fn add_domain(
        &self,
        reseller_id: i64,
        profile_id: i64,
        name: &str,
        locked: bool,
        now: i64,
        expires_at: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        conn.query_row(
            "INSERT INTO domains (name, reseller_id, profile_id, locked, created_at, registered_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6) RETURNING id",
            params![name, reseller_id, profile_id, locked, now, expires_at],
            |r| r.get(0),
        )
        .map_err(|e| StoreError::conflict_or(e, format!("domain {name}")))
    }

    /// Sets what a domain put straight into a portfolio holds (the sandbox's
    /// defaults, a scenario's dates): its contact set (JSON), nameservers and,
    /// when given, expiry.
    pub fn set_domain_details(
        &self,
        domain_id: i64,
        contacts_json: &str,
        nameservers: &[String],
        expires_at: Option<i64>,
    ) -> Result<()> {
        self.writer().execute(
            "UPDATE domains SET contacts = ?2, nameservers = ?3,
               expires_at = coalesce(?4, expires_at)
             WHERE id = ?1",
            params![
                domain_id,
                contacts_json,
                serde_json::to_string(nameservers).unwrap_or_else(|_| "[]".into()),
                expires_at
            ],
        )?;
        Ok(())
    }

    pub fn add_dns_template(&self, reseller_id: i64, name: &str) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO dns_templates (reseller_id, name) VALUES (?1, ?2)",
                params![reseller_id, name],
            )
            .map_err(|e| StoreError::conflict_or(e, format!("DNS template {name}")))?;
        Ok(())
    }

    /// Sets the control-panel password hash (`None` disables the login). The
    /// reseller's panel sessions end with the old password, in the same transaction.
    pub fn set_reseller_password(&self, reseller_id: i64, hash: Option<&str>) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx.execute(
            "UPDATE resellers SET password_hash = ?2 WHERE id = ?1",
            params![reseller_id, hash],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        tx.execute(
            "DELETE FROM sessions WHERE realm = 'panel' AND subject_id = ?1",
            [reseller_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `update` (`?1` the reseller's id, `?2` the value); `NotFound` when no
    /// reseller has that id.
    pub(super) fn update_reseller(
        &self,
        update: &str,
        reseller_id: i64,
        value: &dyn super::sql::ToValue,
    ) -> Result<()> {
        let n = self.writer().execute(update, params![reseller_id, value])?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// The reseller's id and control-panel password hash, if it has one.
    pub fn reseller_login(&self, username: &str) -> Result<Option<(i64, String)>> {
        let conn = self.reader();
        let row: Option<(i64, Option<String>)> = conn
            .prepare_cached("SELECT id, password_hash FROM resellers WHERE username = ?1")?
            .query_row([username], |r| Ok((r.get("id")?, r.get("password_hash")?)))
            .optional()?;
        Ok(row.and_then(|(id, h)| h.map(|h| (id, h))))
    }

    /// One page of a reseller's portfolio in name order, optionally only names that
    /// contain `filter` (in any case: names are stored in lower case), and how many
    /// domains match in all.
    pub fn portfolio_page(
        &self,
        reseller_id: i64,
        filter: &str,
        offset: usize,
        limit: usize,
    ) -> Result<(Vec<PortfolioRow>, usize)> {
        let conn = self.reader();
        let pattern = format!(
            "%{}%",
            filter
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let total: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM domains WHERE reseller_id = ?1 AND name LIKE lower(?2) ESCAPE '\\'",
            )?
            .query_row(params![reseller_id, pattern], |r| r.get(0))?;
        let rows = conn
            .prepare_cached(
                "SELECT d.name, d.status, d.locked, p.username FROM domains d JOIN profiles p ON p.id = d.profile_id
                 WHERE d.reseller_id = ?1 AND d.name LIKE lower(?2) ESCAPE '\\' ORDER BY d.name LIMIT ?3 OFFSET ?4",
            )?
            .query_map(
                params![reseller_id, pattern, limit as i64, offset as i64],
                |r| {
                    Ok(PortfolioRow {
                        name: r.get("name")?,
                        status: r.get("status")?,
                        locked: r.get("locked")?,
                        profile: r.get("username")?,
                    })
                },
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok((rows, usize::try_from(total).unwrap_or(0)))
    }

    pub fn dns_template_exists(&self, reseller_id: i64, name: &str) -> Result<bool> {
        let conn = self.reader();
        let n: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM dns_templates WHERE reseller_id = ?1 AND name = ?2",
            )?
            .query_row(params![reseller_id, name], |r| r.get(0))?;
        Ok(n > 0)
    }
}

/// The reseller `select` finds (one row by `key`), with its IP rules.
fn insert_ips(tx: &super::sql::Transaction<'_>, reseller_id: i64, ips: &[String]) -> Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO reseller_ips (reseller_id, cidr) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
    for cidr in ips {
        insert.execute(params![reseller_id, cidr])?;
    }
    Ok(())
}

fn reseller_where(
    conn: &super::sql::Connection,
    select: &str,
    key: &dyn super::sql::ToValue,
) -> Result<Option<Reseller>> {
    let found = conn
        .prepare_cached(select)?
        .query_row([key], |r| {
            Ok(Reseller {
                id: r.get("id")?,
                username: r.get("username")?,
                private_key: r.get("private_key")?,
                allowed_ips: Vec::new(),
                parent: match r.get::<_, Option<i64>>("parent_id")? {
                    Some(p) => Some((p, r.get("status")?)),
                    None => None,
                },
            })
        })
        .optional()?;
    let Some(mut reseller) = found else {
        return Ok(None);
    };
    reseller.allowed_ips = conn
        .prepare_cached("SELECT cidr FROM reseller_ips WHERE reseller_id = ?1 ORDER BY cidr")?
        .query_map([reseller.id], |r| r.get(0))?
        .collect::<super::sql::Result<_>>()?;
    Ok(Some(reseller))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;
    use super::*;

    #[test]
    fn reseller_round_trip_and_conflict() {
        let (store, _dir) = temp_store();
        let id = store
            .add_reseller("alice", "k", &["10.0.0.0/8".into()], 1)
            .ok();
        assert!(id.is_some());
        let r = store.reseller_by_name("alice").ok().flatten();
        assert_eq!(
            id.and_then(|id| store.reseller_by_id(id).ok().flatten()),
            r.clone()
        );
        assert_eq!(
            r.map(|r| (r.private_key, r.allowed_ips)),
            Some(("k".into(), vec!["10.0.0.0/8".into()]))
        );
        assert!(matches!(
            store.add_reseller("alice", "x", &[], 1),
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(store.reseller_by_name("bob"), Ok(None)));
    }

    #[test]
    fn debug_masks_the_key() {
        let r = Reseller {
            id: 1,
            username: "a".into(),
            private_key: "secret".into(),
            allowed_ips: vec![],
            parent: None,
        };
        assert!(!format!("{r:?}").contains("secret"));
    }
}
