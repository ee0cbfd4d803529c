//! Login sessions of the web pages. The cookie value itself is never stored: rows are
//! keyed by its SHA-256, so reading the database does not let anyone log in.

use super::sql::{OptionalExtension, params};

use super::{Result, Store};

/// A live session: who is logged in to which page area, and the CSRF token its
/// forms carry.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub realm: String,
    pub subject_id: i64,
    pub csrf: String,
    pub expires_at: i64,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("realm", &self.realm)
            .field("subject_id", &self.subject_id)
            .field("csrf", &"***")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl Store {
    /// Stores a session; expired sessions are swept on the way.
    pub fn create_session(&self, token_hash: &str, s: &Session, now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [now])?;
        tx.execute(
            "INSERT INTO sessions (token_hash, realm, subject_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![token_hash, s.realm, s.subject_id, s.csrf, now, s.expires_at],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// The session of this realm, if it exists and has not expired.
    pub fn session(&self, token_hash: &str, realm: &str, now: i64) -> Result<Option<Session>> {
        let conn = self.reader();
        let s = conn
            .prepare_cached(
                "SELECT realm, subject_id, csrf, expires_at FROM sessions
                 WHERE token_hash = ?1 AND realm = ?2 AND expires_at > ?3",
            )?
            .query_row(params![token_hash, realm, now], |r| {
                Ok(Session {
                    realm: r.get("realm")?,
                    subject_id: r.get("subject_id")?,
                    csrf: r.get("csrf")?,
                    expires_at: r.get("expires_at")?,
                })
            })
            .optional()?;
        Ok(s)
    }

    /// Moves a session's expiry (after the sandbox clock jumped past it).
    pub fn extend_session(&self, token_hash: &str, expires_at: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE sessions SET expires_at = ?2 WHERE token_hash = ?1",
            params![token_hash, expires_at],
        )?;
        Ok(())
    }

    /// Sets the password hash of the account `username` in `table` (`id`,
    /// `username`, `password_hash` columns) and ends its sessions of `realm` in the
    /// same transaction; `also` runs in it too, with the account's id (more to end).
    /// `NotFound` for an unknown name.
    pub(super) fn set_password_ending_sessions(
        &self,
        table: &str,
        realm: &str,
        username: &str,
        password_hash: &str,
        also: impl FnOnce(&super::sql::Transaction<'_>, i64) -> Result<()>,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id: i64 = tx
            .query_row(
                &format!("SELECT id FROM {table} WHERE username = ?1"),
                [username],
                |r| r.get(0),
            )
            .optional()?
            .ok_or(super::StoreError::NotFound)?;
        tx.execute(
            &format!("UPDATE {table} SET password_hash = ?2 WHERE id = ?1"),
            params![id, password_hash],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE realm = ?1 AND subject_id = ?2",
            params![realm, id],
        )?;
        also(&tx, id)?;
        tx.commit()?;
        Ok(())
    }

    /// Ends every session of one account (after its password changed).
    pub fn delete_sessions_of(&self, realm: &str, subject_id: i64) -> Result<usize> {
        let n = self.writer().execute(
            "DELETE FROM sessions WHERE realm = ?1 AND subject_id = ?2",
            params![realm, subject_id],
        )?;
        Ok(n)
    }

    pub fn delete_session(&self, token_hash: &str) -> Result<()> {
        self.writer()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;
    use super::*;

    #[test]
    fn sessions_expire_and_stay_in_their_realm() {
        let (store, _dir) = temp_store();
        let s = Session {
            realm: "panel".into(),
            subject_id: 7,
            csrf: "c".into(),
            expires_at: 100,
        };
        assert!(store.create_session("h", &s, 10).is_ok());
        assert_eq!(store.session("h", "panel", 99).ok().flatten(), Some(s));
        assert_eq!(store.session("h", "panel", 100).ok().flatten(), None);
        assert_eq!(store.session("h", "mail", 50).ok().flatten(), None);
        assert!(store.delete_session("h").is_ok());
        assert_eq!(store.session("h", "panel", 50).ok().flatten(), None);
    }
}
