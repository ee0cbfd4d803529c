//! The PostgreSQL side of [`super`]: one `postgres::Client` with its own cache of
//! prepared statements, values fitted to the types PostgreSQL infers, and the ids
//! of inserted rows taken from `RETURNING id`.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};

use bytes::BytesMut;
use postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::dialect;
use super::{Error, Result, ValueRef};

/// The key of the advisory lock every write transaction takes (see
/// [`PgConn::begin_write`]): "opsd" in ASCII.
const WRITE_LOCK: i64 = 0x6f70_7364;

/// Statements kept prepared per connection; past this the cache starts afresh
/// (texts made at run time are few, but not bounded by the code alone).
const CACHED: usize = 512;

/// One connection to PostgreSQL.
pub struct PgConn {
    /// Taken out only when the connection is dropped (see its Drop).
    client: RefCell<Option<postgres::Client>>,
    config: postgres::Config,
    cache: RefCell<HashMap<String, Prepared>>,
    changes: Cell<u64>,
    in_tx: Cell<bool>,
    /// The open transaction may write (begun by `begin_write` or `begin_rows`).
    writing: Cell<bool>,
    /// Something was committed since [`PgConn::take_wrote`] last asked.
    wrote: Cell<bool>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: only where it points is shown.
        f.debug_struct("PgConn")
            .field("hosts", &self.config.get_hosts())
            .field("dbname", &self.config.get_dbname())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct Prepared {
    stmt: postgres::Statement,
    /// Not a SELECT: run outside a transaction, it commits a write.
    writes: bool,
}

impl PgConn {
    /// Connects.
    pub fn connect(config: &postgres::Config) -> Result<PgConn> {
        let client = super::off_async(|| open(config))?;
        Ok(PgConn {
            client: RefCell::new(Some(client)),
            config: config.clone(),
            cache: RefCell::new(HashMap::new()),
            changes: Cell::new(0),
            in_tx: Cell::new(false),
            writing: Cell::new(false),
            wrote: Cell::new(false),
        })
    }

    /// The tables of the current schema with an identity column `id`.
    pub fn identity_tables(&self) -> Result<HashSet<String>> {
        let rows = self.with(|c| {
            c.query(
                "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
                &[],
            )
        })?;
        Ok(rows.iter().map(|r| r.get::<_, String>(0)).collect())
    }

    /// The client, connected again first if the server closed it (a restart of
    /// PostgreSQL) while no transaction was open on it.
    fn client(&self) -> Result<std::cell::RefMut<'_, postgres::Client>> {
        let mut c = self.client.borrow_mut();
        if c.as_ref().is_none_or(postgres::Client::is_closed) && !self.in_tx.get() {
            let config = &self.config;
            *c = Some(super::off_async(move || open(config))?);
            self.cache.borrow_mut().clear();
        }
        std::cell::RefMut::filter_map(c, Option::as_mut)
            .map_err(|_| Error::Unsupported("the connection was lost inside a transaction"))
    }

    /// Runs `f` on the client, from any thread (see [`super::off_async`]).
    fn with<T: Send>(
        &self,
        f: impl FnOnce(&mut postgres::Client) -> Result<T, postgres::Error> + Send,
    ) -> Result<T> {
        let mut c = self.client()?;
        let client: &mut postgres::Client = &mut c;
        Ok(super::off_async(move || f(client))?)
    }

    pub(super) fn prepare(&self, sql: &str) -> Result<PgStatement<'_>> {
        if let Some(p) = self.cache.borrow().get(sql) {
            return Ok(PgStatement {
                conn: self,
                p: p.clone(),
            });
        }
        let text = dialect::to_postgres(sql);
        let stmt = self.with(|c| c.prepare(&text))?;
        let writes = !text
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("SELECT"));
        let p = Prepared { stmt, writes };
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHED {
            cache.clear();
        }
        cache.insert(sql.to_owned(), p.clone());
        Ok(PgStatement { conn: self, p })
    }

    pub(super) fn batch(&self, sql: &str) -> Result<()> {
        self.with(|c| c.batch_execute(sql))?;
        self.wrote_unless_in_transaction(true);
        Ok(())
    }

    /// A statement that `writes` ran: outside a transaction it is committed.
    fn wrote_unless_in_transaction(&self, writes: bool) {
        if writes && !self.in_tx.get() {
            self.wrote.set(true);
        }
    }

    /// Whether anything was committed on this connection since the last call.
    pub fn take_wrote(&self) -> bool {
        self.wrote.replace(false)
    }

    /// Moves the `opsd_commits` sequence the other instances' caches compare.
    pub fn count_commit(&self) -> Result<()> {
        self.with(|c| c.batch_execute("SELECT nextval('opsd_commits')"))
    }

    pub(super) fn changes(&self) -> u64 {
        self.changes.get()
    }

    pub(super) fn in_transaction(&self) -> bool {
        self.in_tx.get()
    }

    /// Begins a write transaction holding the store's advisory lock until it
    /// ends. Write transactions of all instances therefore run one at a time, as
    /// they do on SQLite: every check-then-write the store makes (a balance before
    /// a charge, a task's lease before its step is marked done) holds across
    /// instances without each being written for concurrent transactions. Reads
    /// and single-statement writes do not take it.
    pub(super) fn begin_write(&self) -> Result<()> {
        let begin = format!("BEGIN; SELECT pg_advisory_xact_lock({WRITE_LOCK})");
        self.with(|c| c.batch_execute(&begin))?;
        self.in_tx.set(true);
        self.writing.set(true);
        Ok(())
    }

    /// Begins a write transaction without the store's lock (see
    /// `Connection::row_transaction`).
    pub(super) fn begin_rows(&self) -> Result<()> {
        self.with(|c| c.batch_execute("BEGIN"))?;
        self.in_tx.set(true);
        self.writing.set(true);
        Ok(())
    }

    /// Begins a read transaction on one snapshot.
    pub(super) fn begin_read(&self) -> Result<()> {
        self.with(|c| c.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"))?;
        self.in_tx.set(true);
        Ok(())
    }

    pub(super) fn end(&self, commit: bool) -> Result<()> {
        let done = match self.client.borrow_mut().as_mut() {
            Some(client) => super::off_async(move || {
                client.batch_execute(if commit { "COMMIT" } else { "ROLLBACK" })
            }),
            None => Ok(()),
        };
        if commit && done.is_ok() && self.writing.get() {
            self.wrote.set(true);
        }
        self.in_tx.set(false);
        self.writing.set(false);
        Ok(done?)
    }
}

impl Drop for PgConn {
    fn drop(&mut self) {
        // Closing the client blocks on its runtime, which may not run on a thread
        // driving another (a store dropped at shutdown, on an async thread).
        if let Some(client) = self.client.get_mut().take() {
            super::off_async(move || drop(client));
        }
    }
}

fn open(config: &postgres::Config) -> Result<postgres::Client> {
    // TLS to the database is left to the network (a local socket, a private link):
    // the store connects without it.
    let mut client = config.connect(postgres::NoTls)?;
    // A transaction left open by a stuck holder would keep the write lock: the
    // server ends such a session after a minute.
    client.batch_execute("SET idle_in_transaction_session_timeout = '60s'")?;
    Ok(client)
}

impl PgConn {
    /// Runs `COPY … FROM STDIN BINARY` (`sql`) with `values`, `types.len()` to a
    /// row. Measured on the 10,000-domain accept: the rows' server time fell from
    /// about 70 ms as 64-row INSERTs to about 30 ms.
    pub(super) fn copy_in(
        &self,
        sql: &str,
        types: &[Type],
        values: &[ValueRef<'_>],
    ) -> Result<u64> {
        self.with(|c| {
            let sink = c.copy_in(sql)?;
            let mut w = postgres::binary_copy::BinaryCopyInWriter::new(sink, types);
            for row in values.chunks(types.len().max(1)) {
                let binds: Vec<Bind<'_>> = row.iter().map(|v| Bind(*v)).collect();
                let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
                w.write(&refs)?;
            }
            w.finish()
        })
        .inspect(|_| self.wrote_unless_in_transaction(true))
    }
}

/// A statement prepared on one connection.
#[derive(Debug)]
pub struct PgStatement<'c> {
    conn: &'c PgConn,
    p: Prepared,
}

impl PgStatement<'_> {
    pub(super) fn execute(&self, values: &[ValueRef<'_>]) -> Result<usize> {
        let binds: Vec<Bind<'_>> = values.iter().map(|v| Bind(*v)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        let stmt = &self.p.stmt;
        let n = self.conn.with(|c| c.execute(stmt, &refs))?;
        self.conn.wrote_unless_in_transaction(self.p.writes);
        self.conn.changes.set(n);
        Ok(usize::try_from(n).unwrap_or(usize::MAX))
    }

    pub(super) fn query(&self, values: &[ValueRef<'_>]) -> Result<Vec<postgres::Row>> {
        let binds: Vec<Bind<'_>> = values.iter().map(|v| Bind(*v)).collect();
        let refs: Vec<&(dyn ToSql + Sync)> = binds.iter().map(|b| b as _).collect();
        let stmt = &self.p.stmt;
        let rows = self.conn.with(|c| c.query(stmt, &refs))?;
        self.conn.wrote_unless_in_transaction(self.p.writes);
        if self.p.writes {
            // An INSERT … RETURNING: each row returned is a row written.
            self.conn.changes.set(rows.len() as u64);
        }
        Ok(rows)
    }
}

/// Column `i` of a row as SQLite would hold it.
pub(super) fn value(r: &postgres::Row, i: usize) -> Result<ValueRef<'_>> {
    let Some(col) = r.columns().get(i) else {
        return Err(Error::Type(i, "no such column".into()));
    };
    let int = |v: Option<i64>| v.map_or(ValueRef::Null, ValueRef::Integer);
    Ok(match *col.type_() {
        Type::INT8 => int(r.try_get(i)?),
        Type::INT4 => int(r.try_get::<_, Option<i32>>(i)?.map(i64::from)),
        Type::INT2 => int(r.try_get::<_, Option<i16>>(i)?.map(i64::from)),
        Type::BOOL => int(r.try_get::<_, Option<bool>>(i)?.map(i64::from)),
        Type::FLOAT8 => r
            .try_get::<_, Option<f64>>(i)?
            .map_or(ValueRef::Null, ValueRef::Real),
        Type::FLOAT4 => r
            .try_get::<_, Option<f32>>(i)?
            .map_or(ValueRef::Null, |f| ValueRef::Real(f64::from(f))),
        Type::BYTEA => r
            .try_get::<_, Option<&[u8]>>(i)?
            .map_or(ValueRef::Null, ValueRef::Blob),
        Type::NUMERIC => match r.try_get::<_, Option<Numeric>>(i)? {
            None => ValueRef::Null,
            Some(Numeric::Integer(n)) => ValueRef::Integer(n),
            Some(Numeric::Real(f)) => ValueRef::Real(f),
        },
        // Text of every kind, JSON included (its binary form is its text).
        _ => match r.try_get::<_, Option<Raw<'_>>>(i)? {
            None => ValueRef::Null,
            Some(Raw(b)) => match std::str::from_utf8(b) {
                Ok(s) => ValueRef::Text(s),
                Err(_) => ValueRef::Blob(b),
            },
        },
    })
}

/// A column's bytes as the server sent them, for the text types.
struct Raw<'a>(&'a [u8]);

impl<'a> FromSql<'a> for Raw<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        Ok(Raw(raw))
    }

    fn accepts(ty: &Type) -> bool {
        matches!(
            *ty,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::JSON
        )
    }
}

/// A NUMERIC (what SUM of a BIGINT column gives): a whole number when it is one.
enum Numeric {
    Integer(i64),
    Real(f64),
}

impl<'a> FromSql<'a> for Numeric {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        // The binary form: digit count, weight (of the first base-10000 digit),
        // sign, display scale, then the digits.
        let word = |at: usize| -> Result<i16, Box<dyn std::error::Error + Sync + Send>> {
            raw.get(at..at + 2)
                .map(|b| i16::from_be_bytes([b[0], b[1]]))
                .ok_or_else(|| "short NUMERIC".into())
        };
        let ndigits = word(0)?;
        let weight = i32::from(word(2)?);
        let sign = word(4)? as u16;
        if sign == 0xC000 {
            return Ok(Numeric::Real(f64::NAN));
        }
        let mut whole: i128 = 0;
        let mut real = 0.0_f64;
        let mut fraction = false;
        for k in 0..i32::from(ndigits) {
            let d = i32::from(word(8 + 2 * k as usize)?);
            let exp = weight - k;
            real += f64::from(d) * 10_000_f64.powi(exp);
            if exp >= 0 {
                whole = 10_000_i128
                    .checked_pow(exp as u32)
                    .and_then(|p| whole.checked_add(i128::from(d) * p))
                    .ok_or("NUMERIC out of range")?;
            } else if d != 0 {
                fraction = true;
            }
        }
        let negative = sign == 0x4000;
        if fraction {
            return Ok(Numeric::Real(if negative { -real } else { real }));
        }
        let whole = if negative { -whole } else { whole };
        Ok(Numeric::Integer(i64::try_from(whole)?))
    }

    fn accepts(ty: &Type) -> bool {
        *ty == Type::NUMERIC
    }
}

/// A value bound to a parameter of whatever type PostgreSQL inferred for it.
#[derive(Debug)]
struct Bind<'a>(ValueRef<'a>);

impl ToSql for Bind<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        let text_type = matches!(
            *ty,
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN
        );
        match self.0 {
            ValueRef::Null => Ok(IsNull::Yes),
            ValueRef::Integer(i) => match *ty {
                Type::INT8 => i.to_sql(ty, out),
                Type::INT4 => i32::try_from(i)?.to_sql(ty, out),
                Type::INT2 => i16::try_from(i)?.to_sql(ty, out),
                Type::BOOL => (i != 0).to_sql(ty, out),
                Type::FLOAT8 => (i as f64).to_sql(ty, out),
                _ if text_type => i.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("an integer cannot be bound as {ty}").into()),
            },
            ValueRef::Real(f) => match *ty {
                Type::FLOAT8 => f.to_sql(ty, out),
                Type::FLOAT4 => (f as f32).to_sql(ty, out),
                _ if text_type => f.to_string().as_str().to_sql(ty, out),
                _ => Err(format!("a real cannot be bound as {ty}").into()),
            },
            ValueRef::Text(s) => match *ty {
                Type::INT8 => s.trim().parse::<i64>()?.to_sql(ty, out),
                Type::INT4 => s.trim().parse::<i32>()?.to_sql(ty, out),
                Type::JSON => {
                    out.extend_from_slice(s.as_bytes());
                    Ok(IsNull::No)
                }
                Type::BYTEA => s.as_bytes().to_sql(ty, out),
                _ => s.to_sql(ty, out),
            },
            ValueRef::Blob(b) => match *ty {
                Type::BYTEA => b.to_sql(ty, out),
                _ if text_type => std::str::from_utf8(b)?.to_sql(ty, out),
                _ => Err(format!("a blob cannot be bound as {ty}").into()),
            },
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}
