//! The store's one way to talk SQL, over SQLite (rusqlite) or PostgreSQL (the
//! `postgres` crate): the connection, transaction, statement and row types the
//! store modules use, shaped like rusqlite's so that each query is written once.
//!
//! Queries are written in SQLite's dialect with `?N` parameters. For PostgreSQL
//! each statement text is translated once (`dialect`) and prepared once per
//! connection; values cross the boundary as [`ValueRef`], SQLite's five storage
//! classes, and are fitted to the type PostgreSQL inferred for each parameter, so
//! a query reads the same on both.

mod dialect;
mod lite;
mod pg;

use std::ops::Deref;

pub use pg::PgConn;

/// Runs `f`, which blocks, from wherever it is called: on a thread of the
/// multi-threaded runtime through `block_in_place` (the postgres client drives a
/// runtime of its own, which cannot start on a thread driving one), from a
/// current-thread runtime on a thread of its own, elsewhere directly.
pub fn off_async<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        Ok(_) => std::thread::scope(|s| match s.spawn(f).join() {
            Ok(v) => v,
            Err(p) => std::panic::resume_unwind(p),
        }),
        Err(_) => f(),
    }
}

/// Which database a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A failure below the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
    /// Shown with the server's SQLSTATE and message (the crate's own Display
    /// says only "db error").
    #[error("{}", pg_message(.0))]
    Postgres(#[from] postgres::Error),
    /// `query_row` found no row (see [`OptionalExtension`]).
    #[error("query returned no rows")]
    NoRows,
    /// What the connection cannot do (a PostgreSQL-only call on SQLite, a client
    /// lost inside a transaction).
    #[error("{0}")]
    Unsupported(&'static str),
    /// A value did not fit the Rust type asked for.
    #[error("column {0}: {1}")]
    Type(usize, String),
    /// The statement has no column of this name.
    #[error("no column named {0}")]
    NoColumn(String),
}

fn pg_message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("PostgreSQL {}: {}", db.code().code(), db.message()),
        None => e.to_string(),
    }
}

impl Error {
    /// A constraint (UNIQUE, CHECK, foreign key) refused the write.
    pub fn is_constraint(&self) -> bool {
        match self {
            Error::Sqlite(e) => {
                e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation)
            }
            // Class 23: integrity constraint violation.
            Error::Postgres(e) => e.code().is_some_and(|c| c.code().starts_with("23")),
            _ => false,
        }
    }

    fn from_lite(e: rusqlite::Error) -> Error {
        match e {
            rusqlite::Error::QueryReturnedNoRows => Error::NoRows,
            e => Error::Sqlite(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// `query_row`'s "no row" as `None`.
pub trait OptionalExtension<T> {
    fn optional(self) -> Result<Option<T>>;
}

impl<T> OptionalExtension<T> for Result<T> {
    fn optional(self) -> Result<Option<T>> {
        match self {
            Ok(v) => Ok(Some(v)),
            Err(Error::NoRows) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The type of a column filled by [`Connection::copy_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Integer,
    Text,
}

/// A value as SQLite stores it, borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> ValueRef<'a> {
    pub fn as_str(self) -> Result<&'a str, String> {
        match self {
            ValueRef::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }

    pub fn as_str_or_null(self) -> Result<Option<&'a str>, String> {
        match self {
            ValueRef::Null => Ok(None),
            other => other.as_str().map(Some),
        }
    }
}

/// A Rust value bound as a parameter.
pub trait ToValue {
    fn to_value(&self) -> ValueRef<'_>;
}

/// A Rust value read from a column.
pub trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String>;
}

macro_rules! integers {
    ($($t:ty),+) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> ValueRef<'_> {
                // Only ids, counts and times are bound; none is near i64::MAX.
                ValueRef::Integer(i64::try_from(*self).unwrap_or(i64::MAX))
            }
        }

        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
                match v {
                    ValueRef::Integer(i) => <$t>::try_from(i).map_err(|e| e.to_string()),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )+};
}

integers!(i64, i32, u32, u16, u8, usize, u64);

impl ToValue for bool {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Integer(i64::from(*self))
    }
}

impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Real(*self)
    }
}

impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl ToValue for String {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl ToValue for smol_str::SmolStr {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Text(self)
    }
}

impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        v.as_str().map(str::to_owned)
    }
}

impl FromValue for smol_str::SmolStr {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        v.as_str().map(smol_str::SmolStr::new)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> ValueRef<'_> {
        ValueRef::Blob(self)
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            ValueRef::Text(s) => Ok(s.as_bytes().to_vec()),
            other => Err(format!("expected a blob, found {other:?}")),
        }
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> ValueRef<'_> {
        match self {
            Some(v) => v.to_value(),
            None => ValueRef::Null,
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, String> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> ValueRef<'_> {
        (**self).to_value()
    }
}

impl<T: ToValue + ?Sized> ToValue for Box<T> {
    fn to_value(&self) -> ValueRef<'_> {
        (**self).to_value()
    }
}

impl ToValue for ValueRef<'_> {
    fn to_value(&self) -> ValueRef<'_> {
        *self
    }
}

/// The parameters of one statement.
pub trait Params {
    fn values(&self) -> Vec<ValueRef<'_>>;
}

// Arrays of one to sixteen values of one type, and the empty array as `[]`, as in
// rusqlite: with one generic impl for every length, `[]` could not be typed.
macro_rules! arrays {
    ($($n:literal)+) => {$(
        impl<T: ToValue> Params for [T; $n] {
            fn values(&self) -> Vec<ValueRef<'_>> {
                self.iter().map(ToValue::to_value).collect()
            }
        }
    )+};
}

arrays!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16);

impl Params for [&dyn ToValue; 0] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        Vec::new()
    }
}

impl Params for &[&dyn ToValue] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.iter().map(|v| v.to_value()).collect()
    }
}

impl Params for [ValueRef<'_>] {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.to_vec()
    }
}

impl Params for Vec<ValueRef<'_>> {
    fn values(&self) -> Vec<ValueRef<'_>> {
        self.clone()
    }
}

/// `params![a, b, …]`: a list of parameters of different types.
#[macro_export]
macro_rules! sql_params {
    () => { &[] as &[&dyn $crate::store::sql::ToValue] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::store::sql::ToValue),+] as &[&dyn $crate::store::sql::ToValue] };
}
pub use crate::sql_params as params;

/// An open connection to either database.
#[derive(Debug)]
pub enum Connection {
    Sqlite(rusqlite::Connection),
    /// Boxed: its client, caches and cells are several times rusqlite's size.
    Postgres(Box<PgConn>),
}

impl Connection {
    pub fn backend(&self) -> Backend {
        match self {
            Connection::Sqlite(_) => Backend::Sqlite,
            Connection::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite connection, for what only SQLite has (pragmas, VACUUM INTO).
    pub fn sqlite(&self) -> Option<&rusqlite::Connection> {
        match self {
            Connection::Sqlite(c) => Some(c),
            Connection::Postgres(_) => None,
        }
    }

    /// A statement, prepared once per connection and text.
    pub fn prepare_cached(&self, sql: &str) -> Result<Statement<'_>> {
        match self {
            Connection::Sqlite(c) => Ok(Statement::Sqlite(
                c.prepare_cached(sql).map_err(Error::from_lite)?,
            )),
            Connection::Postgres(c) => Ok(Statement::Postgres(c.prepare(sql)?)),
        }
    }

    /// [`Connection::prepare_cached`], for texts made at run time: both caches are
    /// bounded (rusqlite's at 64 statements, the PostgreSQL one at 512), so a
    /// text used once only takes a place for a while.
    pub fn prepare(&self, sql: &str) -> Result<Statement<'_>> {
        self.prepare_cached(sql)
    }

    pub fn execute(&self, sql: &str, params: impl Params) -> Result<usize> {
        self.prepare_cached(sql)?.execute(params)
    }

    pub fn query_row<T>(
        &self,
        sql: &str,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        self.prepare_cached(sql)?.query_row(params, f)
    }

    /// Several statements without parameters.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        match self {
            Connection::Sqlite(c) => c.execute_batch(sql).map_err(Error::from_lite),
            Connection::Postgres(c) => c.batch(sql),
        }
    }

    /// PostgreSQL only: `COPY table (columns) FROM STDIN` of `values`, one
    /// [`Column`] type per column, row after row. The fast path of big inserts; on
    /// SQLite (where multi-row INSERTs are as fast) it is refused.
    pub fn copy_in(
        &self,
        table: &str,
        columns: &[(&str, Column)],
        values: &[ValueRef<'_>],
    ) -> Result<u64> {
        let Connection::Postgres(c) = self else {
            return Err(Error::Unsupported("COPY is PostgreSQL's"));
        };
        let names = columns
            .iter()
            .map(|(n, _)| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let types: Vec<postgres::types::Type> = columns
            .iter()
            .map(|(_, t)| match t {
                Column::Integer => postgres::types::Type::INT8,
                Column::Text => postgres::types::Type::TEXT,
            })
            .collect();
        c.copy_in(
            &format!("COPY \"{table}\" ({names}) FROM STDIN BINARY"),
            &types,
            values,
        )
    }

    /// How many rows the last statement changed.
    pub fn changes(&self) -> u64 {
        match self {
            Connection::Sqlite(c) => c.changes(),
            Connection::Postgres(c) => c.changes(),
        }
    }

    pub fn is_autocommit(&self) -> bool {
        match self {
            Connection::Sqlite(c) => c.is_autocommit(),
            Connection::Postgres(c) => !c.in_transaction(),
        }
    }

    /// A write transaction: on SQLite it takes the write lock when it begins; on
    /// PostgreSQL it takes the store's write lock (see `PgConn::begin_write`).
    pub fn transaction(&self) -> Result<Transaction<'_>> {
        match self {
            Connection::Sqlite(c) => {
                c.prepare_cached("BEGIN IMMEDIATE")
                    .and_then(|mut s| s.execute([]))
                    .map_err(Error::from_lite)?;
            }
            Connection::Postgres(c) => c.begin_write()?,
        }
        Ok(Transaction {
            conn: self,
            open: true,
        })
    }

    /// A write transaction that takes no store-wide lock on PostgreSQL: for
    /// writes whose correctness rests on the rows they lock (task claims, with
    /// `FOR UPDATE SKIP LOCKED`). On SQLite it is [`Connection::transaction`].
    pub fn row_transaction(&self) -> Result<Transaction<'_>> {
        match self {
            Connection::Sqlite(_) => self.transaction(),
            Connection::Postgres(c) => {
                c.begin_rows()?;
                Ok(Transaction {
                    conn: self,
                    open: true,
                })
            }
        }
    }

    /// A read transaction: its reads see one snapshot. Ended by [`Connection::end_read`].
    pub fn begin_read(&self) -> Result<()> {
        match self {
            Connection::Sqlite(c) => c
                .prepare_cached("BEGIN")
                .and_then(|mut s| s.execute([]))
                .map(drop)
                .map_err(Error::from_lite),
            Connection::Postgres(c) => c.begin_read(),
        }
    }

    /// COMMIT when `commit`, ROLLBACK otherwise.
    fn end(&self, commit: bool) -> Result<()> {
        let sql = if commit { "COMMIT" } else { "ROLLBACK" };
        match self {
            Connection::Sqlite(c) => c
                .prepare_cached(sql)
                .and_then(|mut s| s.execute([]))
                .map(drop)
                .map_err(Error::from_lite),
            Connection::Postgres(c) => c.end(commit),
        }
    }

    /// Ends a read transaction begun by [`Connection::begin_read`].
    pub fn end_read(&self) -> Result<()> {
        self.end(true)
    }
}

/// An open write transaction, rolled back when dropped without [`Transaction::commit`].
#[derive(Debug)]
pub struct Transaction<'c> {
    conn: &'c Connection,
    open: bool,
}

impl Transaction<'_> {
    pub fn commit(mut self) -> Result<()> {
        self.open = false;
        self.conn.end(true)
    }
}

impl Deref for Transaction<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        self.conn
    }
}

impl Drop for Transaction<'_> {
    fn drop(&mut self) {
        if self.open
            && !self.conn.is_autocommit()
            && let Err(e) = self.conn.end(false)
        {
            tracing::error!(error = %e, "rolling back a transaction failed");
        }
    }
}

/// A prepared statement.
pub enum Statement<'c> {
    Sqlite(rusqlite::CachedStatement<'c>),
    Postgres(pg::PgStatement<'c>),
}

impl Statement<'_> {
    /// Runs the statement; returns how many rows it changed.
    // By value, as rusqlite takes them: callers pass `[x]`, `[]` and `params![…]`.
    #[allow(clippy::needless_pass_by_value)]
    pub fn execute(&mut self, params: impl Params) -> Result<usize> {
        let values = params.values();
        match self {
            Statement::Sqlite(s) => lite::execute(s, &values),
            Statement::Postgres(s) => s.execute(&values),
        }
    }

    /// The first row, through `f`; [`Error::NoRows`] when there is none.
    pub fn query_row<T>(
        &mut self,
        params: impl Params,
        f: impl FnOnce(&Row<'_>) -> Result<T>,
    ) -> Result<T> {
        let mut rows = self.query(params)?;
        match rows.next()? {
            Some(r) => f(&r),
            None => Err(Error::NoRows),
        }
    }

    /// Every row, through `f`.
    pub fn query_map<T>(
        &mut self,
        params: impl Params,
        mut f: impl FnMut(&Row<'_>) -> Result<T>,
    ) -> Result<std::vec::IntoIter<Result<T>>> {
        let mut rows = self.query(params)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(f(&r));
        }
        Ok(out.into_iter())
    }

    /// The rows, one at a time.
    #[allow(clippy::needless_pass_by_value)] // as `execute`
    pub fn query(&mut self, params: impl Params) -> Result<Rows<'_>> {
        let values = params.values();
        match self {
            Statement::Sqlite(s) => lite::query(s, &values).map(Rows::Sqlite),
            Statement::Postgres(s) => Ok(Rows::Postgres(s.query(&values)?, 0)),
        }
    }
}

impl std::fmt::Debug for Statement<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Statement::Sqlite(s) => f.debug_tuple("Sqlite").field(&s.expanded_sql()).finish(),
            Statement::Postgres(s) => f.debug_tuple("Postgres").field(s).finish(),
        }
    }
}

/// The rows of a query.
pub enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>),
    Postgres(Vec<postgres::Row>, usize),
}

impl std::fmt::Debug for Rows<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Rows")
    }
}

impl Rows<'_> {
    /// The next row. Not an `Iterator`: each row borrows the rows it came from.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<Option<Row<'_>>> {
        match self {
            Rows::Sqlite(rows) => Ok(rows.next().map_err(Error::from_lite)?.map(Row::Sqlite)),
            Rows::Postgres(rows, at) => {
                let r = rows.get(*at);
                *at += 1;
                Ok(r.map(Row::Postgres))
            }
        }
    }
}

/// A column: its name as the statement names it (`r.get("expires_at")`: what a
/// struct's field is read from), or its position where a statement has one
/// unnamed column (`count(*)`).
pub trait RowIndex {
    fn index(self, row: &Row<'_>) -> Result<usize>;
}

impl RowIndex for usize {
    fn index(self, _: &Row<'_>) -> Result<usize> {
        Ok(self)
    }
}

impl RowIndex for &str {
    fn index(self, row: &Row<'_>) -> Result<usize> {
        let found = match row {
            Row::Sqlite(r) => r.as_ref().column_index(self).ok(),
            Row::Postgres(r) => r.columns().iter().position(|c| c.name() == self),
        };
        found.ok_or_else(|| Error::NoColumn(self.to_string()))
    }
}

/// One row of a result.
#[derive(Debug, Clone, Copy)]
pub enum Row<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a postgres::Row),
}

impl<'a> Row<'a> {
    /// Column `i` as `T`.
    pub fn get<I: RowIndex, T: FromValue>(&self, i: I) -> Result<T> {
        let i = i.index(self)?;
        T::from_value(self.get_ref(i)?).map_err(|e| Error::Type(i, e))
    }

    /// Column `i` as stored, borrowed from the row.
    pub fn get_ref(&self, i: usize) -> Result<ValueRef<'a>> {
        match self {
            Row::Sqlite(r) => Ok(lite::value(r.get_ref(i).map_err(Error::from_lite)?)),
            Row::Postgres(r) => pg::value(r, i),
        }
    }

    /// A TEXT column, borrowed.
    pub fn text<I: RowIndex>(&self, i: I) -> Result<&'a str> {
        let i = i.index(self)?;
        self.get_ref(i)?.as_str().map_err(|e| Error::Type(i, e))
    }

    /// A nullable TEXT column, borrowed.
    pub fn opt_text<I: RowIndex>(&self, i: I) -> Result<Option<&'a str>> {
        let i = i.index(self)?;
        self.get_ref(i)?
            .as_str_or_null()
            .map_err(|e| Error::Type(i, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lite() -> Connection {
        Connection::Sqlite(rusqlite::Connection::open_in_memory().unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn values_round_trip_on_sqlite() {
        let c = lite();
        assert!(
            c.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c BLOB)")
                .is_ok()
        );
        let n = c.execute(
            "INSERT INTO t (a, b, c) VALUES (?1, ?2, ?3)",
            params!["x", Some(5_i64), vec![1_u8, 2]],
        );
        assert_eq!(n.ok(), Some(1));
        let got: Result<(String, Option<i64>, Vec<u8>, bool)> =
            c.query_row("SELECT a, b, c, b > 1 FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            });
        assert_eq!(got.ok(), Some(("x".into(), Some(5), vec![1, 2], true)));
        let none = c
            .query_row("SELECT a FROM t WHERE id = ?1", [9_i64], |r| {
                r.get::<_, String>(0)
            })
            .optional();
        assert!(matches!(none, Ok(None)));
        let wrong = c.query_row("SELECT a FROM t", [], |r| r.get::<_, i64>(0));
        assert!(matches!(wrong, Err(Error::Type(0, _))));
    }

    #[test]
    fn a_dropped_transaction_rolls_back() {
        let c = lite();
        assert!(c.execute_batch("CREATE TABLE t (a INTEGER)").is_ok());
        {
            let tx = c.transaction().unwrap_or_else(|e| panic!("{e}"));
            assert!(tx.execute("INSERT INTO t VALUES (1)", []).is_ok());
        }
        let n = c.query_row("SELECT count(*) FROM t", [], |r| r.get::<_, i64>(0));
        assert_eq!(n.ok(), Some(0));
        assert!(c.is_autocommit());
    }
}
