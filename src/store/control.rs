//! What the sandbox's operator forces from outside (issue 20): the other side of a
//! transfer (a registrant's answer, its timeout, the registry's verdict) chosen by
//! job, registrant, domain or order; and the whole database brought back to an
//! empty sandbox, or to a snapshot, in one transaction.
//!
//! The forced steps go through the same store methods the approval page and the
//! workers use (or make their tasks due now), so a forced answer is exactly an
//! answer.

use super::sql::{Backend, OptionalExtension, params};

use super::{Result, Store, StoreError};
use crate::status::{DomainStatus, TaskKind};

/// Which transfers an operator command is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    Job(i64),
    /// The registrant's email address.
    Registrant(String),
    Domain(String),
    /// A SW_REGISTER transfer order.
    Order(i64),
}

impl Selector {
    /// The condition on `transfer_domains d` and its registrant `r`, and its value.
    fn clause(&self) -> (&'static str, Box<dyn super::sql::ToValue + '_>) {
        match self {
            Selector::Job(id) => ("d.job_id = ?1", Box::new(*id)),
            Selector::Registrant(email) => ("r.email = lower(?1)", Box::new(email.as_str())),
            Selector::Domain(name) => ("d.name = lower(?1)", Box::new(name.as_str())),
            Selector::Order(id) => (
                "d.job_id = (SELECT job_id FROM transfer_orders WHERE id = ?1)",
                Box::new(*id),
            ),
        }
    }
}

/// Tables a reset keeps: who may operate (the admin token and the clock are
/// settings, handled apart), and the instances that are running.
const KEPT: &[&str] = &["operators", "instances", "settings"];

/// The settings key of the admin API's bearer token (made at the first start; read
/// by the CLI from the same database).
pub const ADMIN_TOKEN: &str = "admin_token";

/// Settings a reset keeps: the admin token the CLI and the operator API use.
const KEPT_SETTINGS: &[&str] = &[ADMIN_TOKEN];

impl Store {
    /// The undecided registrants of the selected transfers: `(id, token)`.
    pub fn undecided_registrants(&self, sel: &Selector) -> Result<Vec<(i64, String)>> {
        let (cond, value) = sel.clause();
        let sql = format!(
            "SELECT DISTINCT r.id, r.token FROM transfer_domains d
             JOIN transfer_registrants r ON r.id = d.registrant_id
             WHERE r.decision IS NULL AND d.status = ?2 AND {cond} ORDER BY r.id"
        );
        let conn = self.reader();
        let rows = conn
            .prepare(&sql)?
            .query_map(params![value.as_ref(), DomainStatus::Processed], |r| {
                Ok((r.get("id")?, r.get("token")?))
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The open registry steps of the selected transfers: `(task id, job, position)`.
    pub fn open_registry_steps(&self, sel: &Selector) -> Result<Vec<(i64, i64, i64)>> {
        let (cond, value) = sel.clause();
        let sql = format!(
            "SELECT t.id, d.job_id, d.position FROM transfer_domains d
             LEFT JOIN transfer_registrants r ON r.id = d.registrant_id
             JOIN tasks t ON t.kind = ?2 AND t.subject = d.job_id
                         AND t.item = d.position AND t.done_at IS NULL
             WHERE d.status = ?3 AND {cond} ORDER BY d.job_id, d.position"
        );
        let conn = self.reader();
        let rows = conn
            .prepare(&sql)?
            .query_map(
                params![
                    value.as_ref(),
                    TaskKind::RegistryStep,
                    DomainStatus::PendingRegistry
                ],
                |r| Ok((r.get("id")?, r.get("job_id")?, r.get("position")?)),
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Makes the approval-timeout tasks of these registrants due at `now` (their
    /// window ends now); returns how many there were.
    pub fn end_approval_windows(&self, registrant_ids: &[i64], now: i64) -> Result<usize> {
        let conn = self.writer();
        let mut n = 0;
        for id in registrant_ids {
            n += conn
                .prepare_cached(
                    "UPDATE tasks SET due_at = ?2 WHERE kind = ?3 AND subject = ?1
                     AND done_at IS NULL",
                )?
                .execute(params![id, now, TaskKind::ApprovalTimeout])?;
            // The page refuses an answer after the window, as it would have.
            conn.prepare_cached("UPDATE transfer_registrants SET expires_at = ?2 WHERE id = ?1")?
                .execute(params![id, now])?;
        }
        Ok(n)
    }

    /// Makes tasks due at `now`.
    pub fn make_due(&self, task_ids: &[i64], now: i64) -> Result<()> {
        let conn = self.writer();
        for id in task_ids {
            conn.prepare_cached("UPDATE tasks SET due_at = ?2 WHERE id = ?1 AND done_at IS NULL")?
                .execute(params![id, now])?;
        }
        Ok(())
    }

    /// Every table of the database, by name (SQLite's own left out).
    pub fn tables(&self) -> Result<Vec<String>> {
        let conn = self.reader();
        let sql = match conn.backend() {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
                 AND table_name <> 'opsd_schema' ORDER BY table_name"
            }
        };
        let names = conn
            .prepare(sql)?
            .query_map([], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        Ok(names)
    }

    /// Rows per table, by name: what `opsd db copy` and the reset test compare.
    pub fn row_counts(&self) -> Result<Vec<(String, i64)>> {
        let tables = self.tables()?;
        let conn = self.reader();
        let mut out = Vec::with_capacity(tables.len());
        for t in tables {
            let n: i64 = conn
                .prepare(&format!("SELECT count(*) FROM \"{t}\""))?
                .query_row([], |r| r.get(0))?;
            out.push((t, n));
        }
        // By name in Rust's order: the two backends may collate names differently.
        out.sort();
        Ok(out)
    }

    /// Empties every table but the kept ones, and every setting but the admin
    /// token, and starts every id sequence again, in one transaction. Every table
    /// is found from the schema, so a table added later is emptied too.
    pub fn wipe(&self) -> Result<()> {
        let tables = self.tables()?;
        let emptied: Vec<&String> = tables
            .iter()
            .filter(|t| !KEPT.contains(&t.as_str()))
            .collect();
        let conn = self.writer();
        if conn.backend() == Backend::Postgres {
            // One TRUNCATE of them all: foreign keys among them hold throughout, and
            // the identity sequences start again.
            let tx = conn.transaction()?;
            truncate(&tx, emptied.iter().map(|t| t.as_str()))?;
            tx.execute(
                &format!(
                    "DELETE FROM settings WHERE key NOT IN ({})",
                    kept_settings()
                ),
                [],
            )?;
            tx.commit()?;
            return Ok(());
        }
        whole_tables(&conn, |tx| {
            for t in &emptied {
                tx.execute(&format!("DELETE FROM \"{t}\""), [])?;
            }
            tx.execute(
                &format!(
                    "DELETE FROM settings WHERE key NOT IN ({})",
                    kept_settings()
                ),
                [],
            )?;
            tx.execute("DELETE FROM sqlite_sequence", [])?;
            Ok(())
        })
    }

    /// Writes a copy of the whole database to `path` (which must not exist).
    pub fn save_snapshot(&self, path: &std::path::Path) -> Result<()> {
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Io("the snapshot path is not UTF-8".into()))?;
        if self.backend() == Backend::Postgres {
            // A snapshot is a SQLite file on either backend: one can be loaded
            // into the other.
            if path.exists() {
                return Err(StoreError::Conflict(format!("{target} already exists")));
            }
            let file = super::Store::open(path)?;
            file.copy_from(self)?;
            return Ok(());
        }
        // Into an empty owner-only file: VACUUM INTO would make one with the
        // process's umask, and a snapshot holds every key and token.
        crate::files::create_private_empty(path)
            .map_err(|e| StoreError::Io(format!("{target}: {e}")))?;
        self.writer().execute("VACUUM INTO ?1", [target])?;
        Ok(())
    }

    /// Replaces every table but the kept ones with the snapshot's rows, in one
    /// transaction (the admin token stays this database's).
    pub fn load_snapshot(&self, path: &std::path::Path) -> Result<()> {
        let source = path
            .to_str()
            .ok_or_else(|| StoreError::Io("the snapshot path is not UTF-8".into()))?;
        if !path.is_file() {
            return Err(StoreError::NotFound);
        }
        if self.backend() == Backend::Postgres {
            return self.load_snapshot_into_postgres(path);
        }
        let tables = self.tables()?;
        let conn = self.writer();
        conn.execute("ATTACH DATABASE ?1 AS snap", [source])?;
        let copied = (|| -> Result<()> {
            let theirs: i64 = conn.query_row("PRAGMA snap.user_version", [], |r| r.get(0))?;
            let ours: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
            if theirs != ours {
                return Err(StoreError::Migration(format!(
                    "the snapshot has schema version {theirs}, this database {ours}"
                )));
            }
            whole_tables(&conn, |tx| {
                for t in tables.iter().filter(|t| !KEPT.contains(&t.as_str())) {
                    tx.execute(&format!("DELETE FROM main.\"{t}\""), [])?;
                    tx.execute(
                        &format!("INSERT INTO main.\"{t}\" SELECT * FROM snap.\"{t}\""),
                        [],
                    )?;
                }
                let kept = kept_settings();
                tx.execute(
                    &format!("DELETE FROM main.settings WHERE key NOT IN ({kept})"),
                    [],
                )?;
                tx.execute(
                    &format!(
                        "INSERT INTO main.settings SELECT * FROM snap.settings WHERE key NOT IN ({kept})"
                    ),
                    [],
                )?;
                tx.execute("DELETE FROM main.sqlite_sequence", [])?;
                tx.execute(
                    "INSERT INTO main.sqlite_sequence SELECT * FROM snap.sqlite_sequence",
                    [],
                )?;
                Ok(())
            })
        })();
        conn.execute("DETACH DATABASE snap", [])?;
        copied
    }
}

/// PostgreSQL: empties `tables` in one statement (foreign keys among them hold
/// throughout) and starts their identity sequences again.
fn truncate<'t>(
    tx: &super::sql::Transaction<'_>,
    tables: impl Iterator<Item = &'t str>,
) -> Result<()> {
    let list = tables
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(", ");
    tx.execute_batch(&format!("TRUNCATE {list} RESTART IDENTITY"))?;
    Ok(())
}

/// The kept settings as an SQL list.
fn kept_settings() -> String {
    KEPT_SETTINGS
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs `f` in one transaction with foreign keys off, so that whole tables can be
/// emptied and refilled in any order without cascades firing in between (a
/// cascade would empty a table already refilled); the keys are checked before
/// the commit, and turned on again whatever happens.
fn whole_tables(
    conn: &super::sql::Connection,
    f: impl FnOnce(&super::sql::Transaction<'_>) -> Result<()>,
) -> Result<()> {
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let done = (|| -> Result<()> {
        let tx = conn.transaction()?;
        f(&tx)?;
        let broken: Option<String> = tx
            .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
            .optional()?;
        if let Some(table) = broken {
            return Err(StoreError::Conflict(format!(
                "a row of {table} would refer to nothing"
            )));
        }
        tx.commit()?;
        Ok(())
    })();
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    done
}

impl Store {
    /// [`Store::load_snapshot`] on PostgreSQL: the snapshot file's rows replace
    /// every table but the kept ones, in one transaction.
    fn load_snapshot_into_postgres(&self, path: &std::path::Path) -> Result<()> {
        let theirs: i64 = super::peek(path, "PRAGMA user_version")?.unwrap_or(0);
        let ours = self.schema_version()? as i64;
        if theirs != ours {
            return Err(StoreError::Migration(format!(
                "the snapshot has schema version {theirs}, this database {ours}"
            )));
        }
        let snap = super::Store::open(path)?;
        let tables: Vec<String> = self
            .copy_order()?
            .into_iter()
            .filter(|t| !KEPT.contains(&t.as_str()))
            .collect();
        let kept = kept_settings();
        let settings: Vec<(String, String)> = snap
            .reader()
            .prepare(&format!(
                "SELECT key, value FROM settings WHERE key NOT IN ({kept})"
            ))?
            .query_map([], |r| Ok((r.get("key")?, r.get("value")?)))?
            .collect::<super::sql::Result<_>>()?;
        let conn = self.writer();
        let tx = conn.transaction()?;
        truncate(&tx, tables.iter().map(String::as_str))?;
        self.copy_tables_in(&tx, &snap, &tables)?;
        tx.execute(
            &format!("DELETE FROM settings WHERE key NOT IN ({kept})"),
            [],
        )?;
        for (k, v) in &settings {
            tx.execute("INSERT INTO settings (key, value) VALUES (?1, ?2)", [k, v])?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// One outbox message as the operator API lists it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OutboxEntry {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub created_at: i64,
    pub sent_at: Option<i64>,
    pub last_error: Option<String>,
}

impl Store {
    /// Outbox messages, oldest first, to an address (any case) and of a kind when
    /// given, made at or after `since`; at most `limit`.
    pub fn outbox_entries(
        &self,
        to: Option<&str>,
        kind: Option<&str>,
        since: i64,
        limit: i64,
    ) -> Result<Vec<OutboxEntry>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT id, kind, to_addr, subject, body, created_at, sent_at, last_error FROM outbox
                 WHERE (lower(to_addr) = lower(?1) OR ?1 IS NULL) AND (kind = ?2 OR ?2 IS NULL)
                   AND created_at >= ?3
                 ORDER BY id LIMIT ?4",
            )?
            .query_map(params![to, kind, since, limit], |r| {
                Ok(OutboxEntry {
                    id: r.get("id")?,
                    kind: r.get("kind")?,
                    to: r.get("to_addr")?,
                    subject: r.get("subject")?,
                    body: r.get("body")?,
                    created_at: r.get("created_at")?,
                    sent_at: r.get("sent_at")?,
                    last_error: r.get("last_error")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Empties the outbox, and drops the deliveries still queued for it; returns
    /// how many messages there were.
    pub fn clear_outbox(&self) -> Result<usize> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM tasks WHERE kind = ?1 AND done_at IS NULL")?
            .execute([TaskKind::SendMail])?;
        let n = tx.execute("DELETE FROM outbox", [])?;
        tx.commit()?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::temp_store;

    #[test]
    fn a_snapshot_loads_back_what_was_saved() {
        let (store, dir) = temp_store();
        let r = store.add_reseller("a", "k", &[], 0).unwrap_or_default();
        let snap = dir.path().join("s.db");
        assert!(store.save_snapshot(&snap).is_ok());
        assert!(store.add_reseller("b", "k", &[], 0).is_ok());
        let loaded = store.load_snapshot(&snap);
        assert!(loaded.is_ok(), "{loaded:?}");
        assert!(matches!(store.reseller_by_name("b"), Ok(None)));
        assert!(matches!(store.reseller_by_name("a"), Ok(Some(x)) if x.id == r));
        assert!(store.wipe().is_ok());
        assert!(matches!(store.reseller_by_name("a"), Ok(None)));
    }
}
