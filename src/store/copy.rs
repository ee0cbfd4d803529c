//! Whole tables from one database into another, across backends: `opsd db copy`
//! (a SQLite sandbox or small production into PostgreSQL), and the sandbox's
//! snapshots on PostgreSQL (saved as, and loaded from, SQLite files).
//!
//! Columns are taken from the target's schema and values cross as SQLite's
//! storage classes (see `sql`), so a table added later is copied without a change
//! here. Parents are copied before the rows that refer to them; the id sequences
//! are set so that no id is handed out twice.

use super::sql::{Backend, Connection, Transaction, ValueRef};
use super::{Result, Store, StoreError};

/// Rows per SELECT page while copying (bounded memory for big tables).
const PAGE: i64 = 2_000;

/// Tables that AUTOINCREMENT on SQLite: ids there are never reused, even after
/// the newest rows are deleted, and a copy keeps that promise.
const NEVER_REUSED: &[&str] = &[
    "transfer_jobs",
    "transfer_registrants",
    "bulk_changes",
    "portfolio_orders",
];

impl Store {
    /// Every table's name with the tables it refers to, from the schema.
    fn references(&self, conn: &Connection) -> Result<Vec<(String, String)>> {
        let sql = match conn.backend() {
            Backend::Sqlite => {
                "SELECT m.name, f.\"table\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f
                 WHERE m.type = 'table'"
            }
            Backend::Postgres => {
                "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c
                 JOIN pg_namespace n ON n.oid = c.connamespace
                 WHERE c.contype = 'f' AND n.nspname = current_schema()"
            }
        };
        let edges = conn
            .prepare(sql)?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .collect::<super::sql::Result<Vec<_>>>()?;
        let mut edges: Vec<(String, String)> = edges
            .into_iter()
            .map(|(a, b)| {
                (
                    a.trim_matches('"').to_string(),
                    b.trim_matches('"').to_string(),
                )
            })
            .collect();
        // Kept by triggers on PostgreSQL rather than a foreign key (see its schema).
        edges.push(("transfer_domains".into(), "transfer_jobs".into()));
        Ok(edges)
    }

    /// The tables in an order where each comes after those it refers to (a table
    /// referring to itself keeps its rows in id order); `tasks` last, because the
    /// trigger on `events` queues webhook tasks while events are copied.
    pub(super) fn copy_order(&self) -> Result<Vec<String>> {
        let tables = self.tables()?;
        let edges = self.references(&self.reader())?;
        let mut done: Vec<String> = Vec::with_capacity(tables.len());
        let mut left: Vec<String> = tables.into_iter().filter(|t| t != "tasks").collect();
        while !left.is_empty() {
            let ready: Vec<String> = left
                .iter()
                .filter(|t| {
                    edges
                        .iter()
                        .filter(|(child, parent)| child == *t && parent != *t)
                        .all(|(_, parent)| done.contains(parent) || !left.contains(parent))
                })
                .cloned()
                .collect();
            if ready.is_empty() {
                return Err(StoreError::Migration(format!(
                    "the tables refer to each other in a cycle: {left:?}"
                )));
            }
            left.retain(|t| !ready.contains(t));
            done.extend(ready);
        }
        done.push("tasks".into());
        Ok(done)
    }

    /// The columns of `table` in this database, in order.
    fn columns(&self, conn: &Connection, table: &str) -> Result<Vec<String>> {
        let sql = match conn.backend() {
            Backend::Sqlite => {
                format!("SELECT name FROM pragma_table_info('{table}') ORDER BY cid")
            }
            Backend::Postgres => format!(
                "SELECT column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name = '{table}'
                 ORDER BY ordinal_position"
            ),
        };
        let cols = conn
            .prepare(&sql)?
            .query_map([], |r| r.get(0))?
            .collect::<super::sql::Result<Vec<String>>>()?;
        Ok(cols)
    }

    /// Copies the rows of `tables` from `from` into this database inside `tx`
    /// (which the caller commits, holding this store's writer), each table
    /// emptied first; returns the rows copied per table. The caller has checked
    /// that both are at the same schema version.
    pub(super) fn copy_tables_in(
        &self,
        tx: &Transaction<'_>,
        from: &Store,
        tables: &[String],
    ) -> Result<Vec<(String, i64)>> {
        let source = from.snapshot()?;
        let mut counts = Vec::with_capacity(tables.len());
        for table in tables {
            let cols = self.columns(tx, table)?;
            let list = cols
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", ");
            let order = (1..=cols.len())
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let marks = (1..=cols.len())
                .map(|i| format!("?{i}"))
                .collect::<Vec<_>>()
                .join(", ");
            tx.execute(&format!("DELETE FROM \"{table}\""), [])?;
            let select =
                format!("SELECT {list} FROM \"{table}\" ORDER BY {order} LIMIT ?1 OFFSET ?2");
            let insert = format!("INSERT INTO \"{table}\" ({list}) VALUES ({marks})");
            let mut insert = tx.prepare(&insert)?;
            let mut copied = 0_i64;
            loop {
                let mut read = source.prepare(&select)?;
                let mut rows = read.query([PAGE, copied])?;
                let mut n = 0;
                while let Some(r) = rows.next()? {
                    let values = (0..cols.len())
                        .map(|i| r.get_ref(i))
                        .collect::<super::sql::Result<Vec<ValueRef<'_>>>>()?;
                    insert.execute(values)?;
                    n += 1;
                }
                copied += n;
                if n < PAGE {
                    break;
                }
            }
            // Checked against the source as the copy read it (its snapshot: a
            // source still serving may have grown since).
            let there: i64 =
                source.query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                    r.get(0)
                })?;
            if there != copied {
                return Err(StoreError::Conflict(format!(
                    "{table}: {copied} rows copied of {there}"
                )));
            }
            counts.push((table.clone(), copied));
        }
        self.carry_sequences(tx, &source, tables)?;
        Ok(counts)
    }

    /// After a copy: every id sequence of the target past the ids in use, and for
    /// the never-reused tables past the source's own high-water mark.
    fn carry_sequences(
        &self,
        tx: &Transaction<'_>,
        source: &Connection,
        tables: &[String],
    ) -> Result<()> {
        let high_water = |table: &str| -> Result<i64> {
            let sql = match source.backend() {
                Backend::Sqlite => format!(
                    "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0)"
                ),
                Backend::Postgres => format!(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END
                     FROM {table}_id_seq"
                ),
            };
            Ok(source.query_row(&sql, [], |r| r.get(0))?)
        };
        match tx.backend() {
            Backend::Postgres => {
                let Connection::Postgres(pg) = &**tx else {
                    return Ok(());
                };
                let with_ids = pg.identity_tables()?;
                for t in with_ids.iter().filter(|t| tables.contains(t)) {
                    let mark = if NEVER_REUSED.contains(&t.as_str()) {
                        high_water(t)?
                    } else {
                        0
                    };
                    tx.query_row(
                        &format!(
                            "SELECT setval(pg_get_serial_sequence('{t}', 'id'),
                                GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{t}\"), ?1, 1),
                                GREATEST((SELECT COALESCE(MAX(id), 0) FROM \"{t}\"), ?1) >= 1)"
                        ),
                        [mark],
                        |r| r.get::<_, i64>(0),
                    )?;
                }
            }
            Backend::Sqlite => {
                for t in NEVER_REUSED
                    .iter()
                    .filter(|t| tables.iter().any(|x| x == *t))
                {
                    let mark = high_water(t)?;
                    tx.execute("DELETE FROM sqlite_sequence WHERE name = ?1", [*t])?;
                    tx.execute(
                        &format!(
                            "INSERT INTO sqlite_sequence (name, seq)
                             SELECT ?1, max(?2, coalesce((SELECT max(id) FROM \"{t}\"), 0))"
                        ),
                        crate::store::sql::params![*t, mark],
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Copies every table of `from` into this database, which must be empty, in
    /// one transaction, and checks the copy: returns each table's row count, the
    /// same on both sides.
    pub fn copy_from(&self, from: &Store) -> Result<Vec<(String, i64)>> {
        let nonempty: Vec<String> = self
            .row_counts()?
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, _)| t)
            .collect();
        if !nonempty.is_empty() {
            return Err(StoreError::Conflict(format!(
                "the target database is not empty (rows in {})",
                nonempty.join(", ")
            )));
        }
        let (ours, theirs) = (self.schema_version()?, from.schema_version()?);
        if ours != theirs {
            return Err(StoreError::Migration(format!(
                "the source has schema version {theirs}, the target {ours}"
            )));
        }
        let order = self.copy_order()?;
        let conn = self.writer();
        let tx = conn.transaction()?;
        let counts = self.copy_tables_in(&tx, from, &order)?;
        tx.commit()?;
        drop(conn);
        // What the target holds now, against what was read from the source.
        let mut counts = counts;
        counts.sort();
        let ours = self.row_counts()?;
        if ours != counts {
            return Err(StoreError::Conflict(format!(
                "the copy differs from its source: {ours:?} against {counts:?}"
            )));
        }
        Ok(counts)
    }
}

#[cfg(test)]
mod tests {
    use crate::store::test_support::temp_store;

    /// Both ways: a file with rows of every kind into the test's store (on
    /// PostgreSQL when the suite runs there) and back into a second file.
    #[test]
    fn a_copy_is_whole_and_ids_go_on_after_it() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = crate::store::Store::open(&dir.path().join("from.db"))
            .unwrap_or_else(|e| panic!("{e}"));
        let r = file
            .add_reseller("a", "k", &["10.0.0.0/8".into()], 0)
            .unwrap_or(0);
        assert!(file.set_setting("x", "1").is_ok());
        let (target, _t) = temp_store();
        let counts = target.copy_from(&file);
        assert!(counts.is_ok(), "{counts:?}");
        let counts = counts.unwrap_or_default();
        assert!(counts.contains(&("resellers".into(), 1)), "{counts:?}");
        assert!(counts.contains(&("reseller_ips".into(), 1)), "{counts:?}");
        assert!(matches!(target.reseller_by_name("a"), Ok(Some(x)) if x.id == r));
        // The next id follows the copied ones.
        let next = target.add_reseller("b", "k", &[], 0).unwrap_or(0);
        assert!(next > r, "{next} after {r}");
        // A second copy into a non-empty database is refused.
        assert!(target.copy_from(&file).is_err());
        let back = crate::store::Store::open(&dir.path().join("back.db"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(back.copy_from(&target).is_ok());
        assert!(matches!(back.reseller_by_name("b"), Ok(Some(_))));
    }
}
