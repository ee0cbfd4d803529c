//! Storage behind a narrow, domain-level interface: one SQLite file in WAL mode (the
//! embedded default) or a PostgreSQL database shared by several instances.
//!
//! One writer connection (SQLite allows one writer at a time anyway; on PostgreSQL
//! write transactions take one advisory lock, see `sql::pg`) and a small pool of
//! reader connections, which run beside the writer. Every method blocks: callers run
//! them off the async workers (`spawn_blocking`, the task runner's threads); the only
//! store use left on an async thread is [`Store::write_count`], which never touches
//! the database there. Queries are written once, in SQLite's dialect, through
//! [`sql`]. Schema changes are the numbered files in `migrations/` (and their
//! PostgreSQL form in `migrations/postgres/`), applied in order at open.

mod accounts;
mod away;
mod bulk;
mod claims;
mod control;
mod copy;
mod deletions;
mod dns;
mod events;
mod faults;
mod hosted_mail;
mod journal;
mod lifecycle;
mod mail_bulletins;
mod mail_domains;
mod mail_messages;
mod mail_migrations;
mod mail_roles;
mod mail_users;
mod mailbox;
mod notes;
mod operators;
mod orders;
mod outbox;
mod password_resets;
mod pending;
mod portfolio;
mod prices;
mod push;
mod registrars;
mod resellers;
mod retention;
pub mod scratch;
mod sessions;
mod settings;
pub mod sql;
mod status_sql;
mod tasks;
mod transfers;
mod verification;

/// The password hash of a profile nobody can log in to until its reseller sets a
/// password: no Argon2 hash has this form.
pub const NO_PASSWORD: &str = "!";

pub use accounts::{Logged, NewOwner, SubAccount, SubReseller, Subuser};
pub use away::{AwayEnd, AwayView, NewAway};
pub use bulk::{
    BatchItem, BulkBatch, BulkChangeView, BulkItem, BulkStep, BulkSummary, NewBulkChange,
};
pub use claims::{ClaimNotice, ClaimOrder, NewClaim};
pub use control::{ADMIN_TOKEN, OutboxEntry, Selector};
pub use deletions::{DeletedDomain, DeletedFilter, Revocation};
pub use dns::{DnsZone, Hosted, HostedChange, HostedWrite, ZoneWrite};
pub use events::{Event, NewEvent, Webhook, WebhookAttempt};
pub use faults::Fault;
pub use hosted_mail::{MailCompany, MailDomainView, MailPushPlan, NewMailCompany};
pub use journal::{CoverageCount, JournalEntry, JournalFilter, JournalWindows, PathCount};
pub use lifecycle::{
    Analysed, Analysis, Approval, ApprovalDomain, DecisionPlan, DomainMove, JobOwner, Landing,
    LandingDomain, LandingProfile, NewApproval, RegistryStep, StepPlan, TimeoutPlan, Transferable,
    WorkDomain,
};
pub use mail_bulletins::{BulletinChange, BulletinKey};
pub use mail_domains::{DeletedMailDomain, DomainWrite};
pub use mail_messages::{MailItem, StoredContact, StoredMessage};
pub use mail_migrations::{MailFile, Migration, MigrationUser};
pub use mail_roles::HeldRole;
pub use mail_users::{
    DeletedMailUser, DomainDeleted, MailDomainState, MailUser, NewUserToken, UserWrite,
};
pub use notes::{NewNote, Note, NotePage};
pub use operators::{JobSummary, ResellerOverview};
pub use orders::{AnyOrder, NewOrder, OrderProfile, OrderView};
pub use outbox::{Mail, OutboxRow};
pub use password_resets::{NewPasswordReset, PasswordReset};
pub use pending::{Cancel, CancelledOrder, KeptOrder, KeptRegistration, SavedOrder};
pub use portfolio::{
    ChangeOf, DomainChange, DomainRecord, ExpiryPage, NameServerHost, NewRegistration, OrderDone,
    Renewal,
};
pub use push::{AuditEntry, PortfolioDomain, PushProfile, account};
pub use registrars::{
    HandleFacts, NewRegistryDomain, Registrar, RegistryDomain, RegistryPush, RegistryPushDone,
    RegistryPushFacts, RegistryPushPlan,
};
pub use resellers::{Balance, PortfolioRow, Profile, Reseller};
pub use retention::Pruned;
pub use sessions::Session;
pub use tasks::{Kinds, Task, TaskKind};
pub use transfers::{
    DomainRow, JobDomainView, JobRows, JobView, NewTransferJob, RegistrantRow, RegistrantView,
    Sequence, TransferState,
};
pub use verification::{NewVerification, VerificationView};

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::OpenFlags;
use rusqlite_migration::{M, Migrations};
use sql::Connection;

/// What a write guarded by the state its rule read did: made, or stopped by one
/// of its guards because the state was no longer so (someone else got there
/// first) — which guard, so that the rule can say why. Nothing is written when a
/// guard stops it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written<T> {
    Done(T),
    Stopped(Guard),
}

/// The guard that stopped a write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// A portfolio holds the name.
    NameHeld,
    /// The balance less what is held does not cover the price.
    FundsShort,
    /// The row is no longer in the state its rule read (answered, moved, ended).
    Moved,
    /// A limit the rule passed down is reached (a domain's users or aliases).
    LimitReached,
}

/// Failures of the store. "No row" is mapped to `NotFound` here, at the edge.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database failed; the backend's own error is kept for the log, but its
    /// type is not part of the store's surface.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("schema migration failed: {0}")]
    Migration(String),
    #[error("database file: {0}")]
    Io(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        StoreError::Database(Box::new(e))
    }
}

impl From<sql::Error> for StoreError {
    fn from(e: sql::Error) -> StoreError {
        StoreError::Database(Box::new(e))
    }
}

impl From<rusqlite_migration::Error> for StoreError {
    fn from(e: rusqlite_migration::Error) -> StoreError {
        StoreError::Migration(e.to_string())
    }
}

impl StoreError {
    /// Maps a UNIQUE violation to `Conflict` with a readable subject.
    fn conflict_or(e: sql::Error, what: impl Into<String>) -> StoreError {
        if e.is_constraint() {
            StoreError::Conflict(what.into())
        } else {
            StoreError::from(e)
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

const MIGRATIONS: &[M<'static>] = &[
    M::up(include_str!("migrations/0001_init.sql")),
    M::up(include_str!("migrations/0002_lifecycle.sql")),
    M::up(include_str!("migrations/0003_push.sql")),
    M::up(include_str!("migrations/0004_bulk_change.sql")),
    M::up(include_str!("migrations/0005_pages.sql")),
    M::up(include_str!("migrations/0006_registrars.sql")),
    M::up(include_str!("migrations/0007_mail.sql")),
    M::up(include_str!("migrations/0008_events.sql")),
    M::up(include_str!("migrations/0009_operators.sql")),
    M::up(include_str!("migrations/0010_partial_registrant_index.sql")),
    M::up(include_str!("migrations/0011_hardening.sql")),
    M::up(include_str!("migrations/0012_leases.sql")),
    M::up(include_str!("migrations/0013_balance.sql")),
    M::up(include_str!("migrations/0014_transfer_lookup.sql")),
    M::up(include_str!("migrations/0015_orders.sql")),
    M::up(include_str!("migrations/0016_order_events.sql")),
    M::up(include_str!("migrations/0017_prices.sql")),
    M::up(include_str!("migrations/0018_transfers_away.sql")),
    M::up(include_str!("migrations/0019_expiry.sql")),
    M::up(include_str!("migrations/0020_away_requests.sql")),
    M::up(include_str!("migrations/0021_order_flags.sql")),
    M::up(include_str!("migrations/0022_portfolio.sql")),
    M::up(include_str!("migrations/0023_journal.sql")),
    M::up(include_str!("migrations/0024_faults.sql")),
    M::up(include_str!("migrations/0025_coverage.sql")),
    M::up(include_str!("migrations/0026_journal_windows.sql")),
    M::up(include_str!("migrations/0027_transfer_registered.sql")),
    M::up(include_str!("migrations/0028_events_above_the_store.sql")),
    M::up(include_str!("migrations/0029_notes_and_deletions.sql")),
    M::up(include_str!("migrations/0030_registrant_verification.sql")),
    M::up(include_str!("migrations/0031_dnssec.sql")),
    M::up(include_str!("migrations/0032_order_ids.sql")),
    M::up(include_str!("migrations/0033_order_cancel.sql")),
    M::up(include_str!("migrations/0034_domain_settings.sql")),
    M::up(include_str!("migrations/0035_password_resets.sql")),
    M::up(include_str!("migrations/0036_bulk_change_types.sql")),
    M::up(include_str!("migrations/0037_deleted_emails.sql")),
    M::up(include_str!("migrations/0038_claim_notices.sql")),
    M::up(include_str!("migrations/0039_dns_zones.sql")),
    M::up(include_str!("migrations/0040_accounts.sql")),
    M::up(include_str!("migrations/0041_mail_users.sql")),
    M::up(include_str!("migrations/0042_mail_world.sql")),
    M::up(include_str!("migrations/0043_mail_coverage.sql")),
];

/// How many reader connections to keep. Reads are short; a few cover two cores.
const READERS: usize = 4;

/// The PostgreSQL schema, numbered by the SQLite migration whose schema it
/// equals: a database at version N has the tables of `migrations/00NN_*.sql` on
/// either backend. PostgreSQL arrived at 25; each later change is a file on both.
const PG_MIGRATIONS: &[(usize, &str)] = &[
    (25, include_str!("migrations/postgres/0025_schema.sql")),
    (
        26,
        include_str!("migrations/postgres/0026_journal_windows.sql"),
    ),
    (
        27,
        include_str!("migrations/postgres/0027_transfer_registered.sql"),
    ),
    (
        28,
        include_str!("migrations/postgres/0028_events_above_the_store.sql"),
    ),
    (
        29,
        include_str!("migrations/postgres/0029_notes_and_deletions.sql"),
    ),
    (
        30,
        include_str!("migrations/postgres/0030_registrant_verification.sql"),
    ),
    (31, include_str!("migrations/postgres/0031_dnssec.sql")),
    (32, include_str!("migrations/postgres/0032_order_ids.sql")),
    (
        33,
        include_str!("migrations/postgres/0033_order_cancel.sql"),
    ),
    (
        34,
        include_str!("migrations/postgres/0034_domain_settings.sql"),
    ),
    (
        35,
        include_str!("migrations/postgres/0035_password_resets.sql"),
    ),
    (
        36,
        include_str!("migrations/postgres/0036_bulk_change_types.sql"),
    ),
    (
        37,
        include_str!("migrations/postgres/0037_deleted_emails.sql"),
    ),
    (
        38,
        include_str!("migrations/postgres/0038_claim_notices.sql"),
    ),
    (39, include_str!("migrations/postgres/0039_dns_zones.sql")),
    (40, include_str!("migrations/postgres/0040_accounts.sql")),
    (41, include_str!("migrations/postgres/0041_mail_users.sql")),
    (42, include_str!("migrations/postgres/0042_mail_world.sql")),
    (
        43,
        include_str!("migrations/postgres/0043_mail_coverage.sql"),
    ),
];

/// Whether a `db` setting names a PostgreSQL database rather than a file.
pub fn is_postgres_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// The opened database.
#[derive(Debug)]
pub struct Store {
    /// The file, or the PostgreSQL URL as given (its password included: it is
    /// never logged; see [`Store::describe`]).
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Counts uses of the writer connection (see [`Store::write_count`]).
    writes: AtomicU64,
    /// Where other instances' commits show (see [`Store::write_count`]).
    watch: Watch,
    /// This process's name in task leases (`tasks.locked_by`): unique per open.
    instance: String,
    /// No other instance was seen beating (see [`Store::heartbeat`]): every commit
    /// is this process's, and [`Store::write_count`] needs no database call.
    alone: std::sync::atomic::AtomicBool,
    /// The other instances' last beats, and when each last changed.
    beats: Mutex<std::collections::HashMap<String, (i64, std::time::Instant)>>,
}

impl Store {
    /// Opens (creating if needed) the database file, or connects to the PostgreSQL
    /// database a `postgres://` URL names, and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(url) = path.to_str().filter(|p| is_postgres_url(p)) {
            return Store::open_postgres(url);
        }
        private_file(path)?;
        let mut writer = rusqlite::Connection::open(path)?;
        // WAL: readers do not block the writer. FULL: a commit is on disk before the
        // client hears is_success 1, even across a power cut.
        writer.pragma_update(None, "journal_mode", "WAL")?;
        setup(&writer)?;
        // A write transaction takes the write lock when it begins: with several
        // processes on one file, a transaction that read first and then found the
        // lock taken would fail at once instead of waiting its turn.
        writer.set_transaction_behavior(rusqlite::TransactionBehavior::Immediate);
        Migrations::from_slice(MIGRATIONS).to_latest(&mut writer)?;
        let watch = rusqlite::Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let readers = (0..READERS)
            .map(|_| {
                let c = rusqlite::Connection::open_with_flags(
                    path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY
                        | OpenFlags::SQLITE_OPEN_NO_MUTEX
                        | OpenFlags::SQLITE_OPEN_URI,
                )?;
                setup(&c)?;
                Ok(Mutex::new(Connection::Sqlite(c)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Store::assemble(
            path.to_path_buf(),
            Connection::Sqlite(writer),
            readers,
            Watch::Sqlite(Mutex::new(watch)),
        ))
    }

    /// Connects to PostgreSQL: the writer first, which migrates (one instance at a
    /// time, under an advisory lock), then the readers.
    fn open_postgres(url: &str) -> Result<Store> {
        let config = postgres_config(url)?;
        let pg = sql::PgConn::connect(&config)?;
        let writer = Connection::Postgres(Box::new(pg));
        // A schema named by the URL (`options=-csearch_path=…`, as the test
        // database of `/srv/push_domain` is) is made on first use.
        if let Some(schema) = search_path(&config) {
            writer.execute_batch(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))?;
        }
        migrate_postgres(&writer)?;
        let Connection::Postgres(pg) = &writer else {
            return Err(StoreError::Migration("not PostgreSQL".into()));
        };
        // The migration's commit, counted now rather than at the writer's first use.
        if pg.take_wrote() {
            pg.count_commit()?;
        }
        let readers = (0..READERS)
            .map(|_| {
                let c = sql::PgConn::connect(&config)?;
                Ok(Mutex::new(Connection::Postgres(Box::new(c))))
            })
            .collect::<Result<Vec<_>>>()?;
        let watch = sql::PgConn::connect(&config)?;
        Ok(Store::assemble(
            PathBuf::from(url),
            writer,
            readers,
            Watch::Postgres(Box::new(Mutex::new(Connection::Postgres(Box::new(watch))))),
        ))
    }

    fn assemble(
        path: PathBuf,
        writer: Connection,
        readers: Vec<Mutex<Connection>>,
        watch: Watch,
    ) -> Store {
        Store {
            path,
            writer: Mutex::new(writer),
            readers,
            next_reader: AtomicUsize::new(0),
            writes: AtomicU64::new(0),
            watch,
            instance: instance_name(),
            alone: std::sync::atomic::AtomicBool::new(false),
            beats: Mutex::new(std::collections::HashMap::new()),
        }
    }

    /// Which backend this store is on.
    pub fn backend(&self) -> sql::Backend {
        self.writer().backend()
    }

    /// The database for messages: the file, or the PostgreSQL URL without its
    /// password.
    pub fn describe(&self) -> String {
        describe_db(&self.path.to_string_lossy())
    }

    /// This process's name in task leases.
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// Beats this instance's counter in the database and looks at the others':
    /// one whose counter moved within `within` (on this process's monotonic time,
    /// so a moved sandbox clock changes nothing) is alive. Returns how many others
    /// are; with none, [`Store::write_count`] counts this process's writes only.
    /// Rows of instances silent for ten times `within` are removed.
    pub fn heartbeat(&self, within: std::time::Duration) -> Result<usize> {
        let rows: Vec<(String, i64)> = {
            let conn = self.writer();
            let tx = conn.transaction()?;
            tx.prepare_cached(
                "INSERT INTO instances (name, beat) VALUES (?1, 1)
                 ON CONFLICT (name) DO UPDATE SET beat = instances.beat + 1",
            )?
            .execute([&self.instance])?;
            let rows = tx
                .prepare_cached("SELECT name, beat FROM instances WHERE name <> ?1")?
                .query_map([&self.instance], |r| Ok((r.get("name")?, r.get("beat")?)))?
                .collect::<sql::Result<Vec<_>>>()?;
            tx.commit()?;
            rows
        };
        let now = std::time::Instant::now();
        let mut beats = self.beats.lock().unwrap_or_else(PoisonError::into_inner);
        let mut alive = 0;
        let mut gone = Vec::new();
        for (name, beat) in rows {
            let seen = match beats.get(&name) {
                Some((b, at)) if *b == beat => *at,
                _ => now,
            };
            beats.insert(name.clone(), (beat, seen));
            let quiet = now.saturating_duration_since(seen);
            if quiet < within {
                alive += 1;
            } else if quiet >= within * 10 {
                gone.push(name);
            }
        }
        for name in &gone {
            beats.remove(name);
        }
        drop(beats);
        if !gone.is_empty() {
            let conn = self.writer();
            let mut forget = conn.prepare_cached("DELETE FROM instances WHERE name = ?1")?;
            for name in &gone {
                forget.execute([name])?;
            }
        }
        self.alone.store(alive == 0, Ordering::Release);
        Ok(alive)
    }

    /// The instances on the list, with their beat counters, by name.
    pub fn instances(&self) -> Result<Vec<(String, i64)>> {
        let rows = self
            .reader()
            .prepare_cached("SELECT name, beat FROM instances ORDER BY name")?
            .query_map([], |r| Ok((r.get("name")?, r.get("beat")?)))?
            .collect::<sql::Result<_>>()?;
        Ok(rows)
    }

    /// Takes this instance off the list (at shutdown), so that the others need not
    /// wait for its silence.
    pub fn leave(&self) -> Result<()> {
        self.writer()
            .execute("DELETE FROM instances WHERE name = ?1", [&self.instance])?;
        Ok(())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version the file is at (number of applied migrations).
    pub fn schema_version(&self) -> Result<usize> {
        let conn = self.writer();
        match &*conn {
            Connection::Sqlite(c) => {
                let v = Migrations::from_slice(MIGRATIONS).current_version(c)?;
                Ok(usize::from(v))
            }
            Connection::Postgres(_) => {
                let v: i64 = conn.query_row("SELECT version FROM opsd_schema", [], |r| r.get(0))?;
                Ok(usize::try_from(v).unwrap_or(0))
            }
        }
    }

    /// Whether the database answers and its schema is the one this build
    /// migrates to (`/readyz`): `Err` when it does not answer, `Ok(false)` when
    /// another version's migrations are (or are not yet) applied.
    pub fn schema_current(&self) -> Result<bool> {
        let expected = match &*self.reader() {
            Connection::Sqlite(_) => MIGRATIONS.len(),
            Connection::Postgres(_) => PG_MIGRATIONS.last().map_or(0, |m| m.0),
        };
        Ok(self.schema_version()? == expected)
    }

    /// A number that changes after every commit to the database, by this process
    /// or another instance on the same file: a value read before a read is still
    /// current afterwards only if nothing was committed in between, which is what a
    /// reply cache needs to know it is not stale. While other instances are about
    /// (see [`Store::heartbeat`]) it costs one `PRAGMA data_version` (no table read,
    /// no lock waited for), or on PostgreSQL one read of the `opsd_commits`
    /// sequence, which every instance moves after each commit; measured on the load bench, that call on every cached
    /// status poll took the 8-connection ratio from 0.76 to 0.54, so an instance
    /// that is alone counts its own writes only. Commands run beside the server
    /// (`opsd reseller …`) are not instances: the caches' age limits cover them.
    pub fn write_count(&self) -> u64 {
        let own = self.writes.load(Ordering::Acquire);
        if self.alone.load(Ordering::Acquire) {
            return own;
        }
        let read = match &self.watch {
            Watch::Sqlite(watch) => {
                let watch = watch.lock().unwrap_or_else(PoisonError::into_inner);
                watch
                    .prepare_cached("PRAGMA data_version")
                    .and_then(|mut s| s.query_row([], |r| r.get::<_, i64>(0)))
                    .map_err(sql::Error::from)
            }
            // The caches ask on an async thread; the postgres client blocks.
            Watch::Postgres(watch) => sql::off_async(|| {
                let watch = watch.lock().unwrap_or_else(PoisonError::into_inner);
                // Until its first nextval a sequence shows 1 as well, not yet called.
                watch.query_row(
                    "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM opsd_commits",
                    [],
                    |r| r.get(0),
                )
            }),
        };
        match read {
            // Both parts: this process's writes are counted the moment its writer
            // is given back, the others' when SQLite sees their commit.
            Ok(v) => own.wrapping_add(v.unsigned_abs() << 32),
            // Unknown: a value no earlier read can have seen.
            Err(_) => self.writes.fetch_add(1, Ordering::AcqRel) | 1 << 63,
        }
    }

    fn writer(&self) -> Writer<'_> {
        // A panic while holding the lock cannot leave a transaction open (rusqlite
        // rolls back on drop), so a poisoned lock is still safe to use.
        Writer {
            conn: self.writer.lock().unwrap_or_else(PoisonError::into_inner),
            writes: Some(&self.writes),
        }
    }

    /// The writer for rows no cache of the request path depends on (the journal
    /// and the coverage counts): its commits leave [`Store::write_count`] alone,
    /// so that writing the journal every 200 ms does not make every cached status
    /// reply stale (measured: with the count bumped, 8-connection status polls ran
    /// at a third of the baseline's rate).
    fn uncounted_writer(&self) -> Writer<'_> {
        Writer {
            conn: self.writer.lock().unwrap_or_else(PoisonError::into_inner),
            writes: None,
        }
    }

    /// A read transaction on a reader: the reads made through it see one snapshot.
    fn snapshot(&self) -> Result<Snapshot<'_>> {
        let conn = self.reader();
        conn.begin_read()?;
        Ok(Snapshot { conn })
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..self.readers.len() {
            if let Ok(guard) = self.readers[(start + i) % self.readers.len()].try_lock() {
                return guard;
            }
        }
        self.readers[start % self.readers.len()]
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

/// The writer connection, lent out; counts a write when given back.
struct Writer<'a> {
    conn: MutexGuard<'a, Connection>,
    /// The write counter to bump when done; `None` for writes no cache reads.
    writes: Option<&'a AtomicU64>,
}

impl std::ops::Deref for Writer<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        // Runs before the lock is released, after any commit made through it.
        let committed = match &*self.conn {
            Connection::Postgres(pg) => pg.take_wrote(),
            Connection::Sqlite(_) => false,
        };
        if let Some(w) = self.writes {
            w.fetch_add(1, Ordering::Release);
            // The other instances' caches learn of a commit from the shared
            // sequence, moved after it: one that reads the old value cannot have
            // cached a reply from before it as current after it. A use of the
            // writer that committed nothing (the runner's look for due tasks)
            // leaves it alone.
            if committed
                && let Connection::Postgres(pg) = &*self.conn
                && let Err(e) = pg.count_commit()
            {
                tracing::warn!(error = %e, "counting a commit for the other instances failed");
            }
        }
    }
}

/// Where an instance sees the commits of the others.
#[derive(Debug)]
enum Watch {
    /// A read-only connection that never reads a table: its `PRAGMA data_version`
    /// moves with every commit any other connection makes, in any process.
    Sqlite(Mutex<rusqlite::Connection>),
    /// A connection for reading the `opsd_commits` sequence.
    Postgres(Box<Mutex<Connection>>),
}

/// An open read transaction (see [`Store::snapshot`]), ended when dropped, on every
/// path (an error or a panic in between included), so the reader goes back to the
/// pool outside any transaction.
///
/// BEGIN and COMMIT are cached statements because rusqlite's `transaction()` parses
/// its BEGIN afresh each time: measured here, a one-row read costs 6.1 µs inside
/// `unchecked_transaction()` and 5.4 µs between cached BEGIN/COMMIT.
struct Snapshot<'a> {
    conn: MutexGuard<'a, Connection>,
}

impl std::ops::Deref for Snapshot<'_> {
    type Target = Connection;

    fn deref(&self) -> &Connection {
        &self.conn
    }
}

impl Drop for Snapshot<'_> {
    fn drop(&mut self) {
        if self.conn.is_autocommit() {
            return;
        }
        // A read-only transaction: COMMIT only releases the snapshot.
        if let Err(e) = self.conn.end_read() {
            tracing::error!(error = %e, "ending a read transaction failed");
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

/// `<host>/<pid>/<16 random hex digits>`: the host and pid tell whoever reads a
/// lease which process holds it (and let a restarted instance on the same host free
/// the leases of a dead one at once, see `jobs::worker`); the random part keeps two
/// opens apart even when a pid is reused.
fn instance_name() -> String {
    let mut buf = [0u8; 8];
    let random = match getrandom::fill(&mut buf) {
        Ok(()) => u64::from_le_bytes(buf),
        // Without a random source the address of a local still tells two stores of
        // one process apart; the pid tells processes apart.
        Err(_) => std::ptr::addr_of!(buf) as u64,
    };
    format!("{}/{}/{random:016x}", host_name(), std::process::id())
}

/// This machine's name (Linux), or `localhost`.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && !h.contains('/'))
        .unwrap_or_else(|| "localhost".into())
}

/// The database holds private keys, password hashes and tokens: its file is made
/// readable by its owner alone (SQLite gives the -wal and -shm files the same mode),
/// and an existing file readable by others is narrowed, with a warning.
fn private_file(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
    match std::fs::metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::files::create_private_empty(path).map_err(io)?;
        }
        Err(e) => return Err(io(e)),
        Ok(_) => {
            for f in [
                path.to_path_buf(),
                wal_of(path, "-wal"),
                wal_of(path, "-shm"),
            ] {
                let Ok(mode) = crate::files::mode_of(&f) else {
                    continue;
                };
                if mode & 0o077 != 0 {
                    tracing::warn!(file = %f.display(), "database file was readable by others; now owner only");
                    crate::files::narrow(&f, crate::files::FILE_MODE).map_err(io)?;
                }
            }
        }
    }
    Ok(())
}

fn wal_of(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// The one schema a PostgreSQL URL's options put first on the search path.
fn search_path(config: &postgres::Config) -> Option<String> {
    let options = config.get_options()?;
    let at = options.find("search_path=")? + "search_path=".len();
    let name: String = options[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// Applies the PostgreSQL schema files the database has not had, in one
/// transaction holding the write lock, so that instances starting together migrate
/// once. A database newer than this binary is refused.
fn migrate_postgres(c: &Connection) -> Result<()> {
    use sql::OptionalExtension;
    let tx = c.transaction()?;
    tx.execute_batch("CREATE TABLE IF NOT EXISTS opsd_schema (version BIGINT NOT NULL)")?;
    let at: Option<i64> = tx
        .query_row("SELECT version FROM opsd_schema", [], |r| r.get(0))
        .optional()?;
    let at = at.unwrap_or(0);
    let newest = PG_MIGRATIONS.last().map_or(0, |m| m.0);
    if at > newest as i64 {
        return Err(StoreError::Migration(format!(
            "the database is at schema {at}, newer than this opsd ({newest})"
        )));
    }
    for (version, script) in PG_MIGRATIONS {
        if (*version as i64) > at {
            tx.execute_batch(script)
                .map_err(|e| StoreError::Migration(format!("PostgreSQL {version}: {e}")))?;
        }
    }
    tx.execute("DELETE FROM opsd_schema", [])?;
    tx.execute(
        "INSERT INTO opsd_schema (version) VALUES (?1)",
        [newest as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// One value read from the database `db` names (a file or a PostgreSQL URL) by
/// `sql` (SQLite's dialect), on a connection of its own: for tests and tools that
/// look beside a running server. `None` when no row comes back.
pub fn peek<T: sql::FromValue + Send>(db: &Path, query: &str) -> Result<Option<T>> {
    Ok(peek_all(db, query)?.into_iter().next())
}

/// The first column of every row `sql` reads (see [`peek`]).
pub fn peek_all<T: sql::FromValue + Send>(db: &Path, query: &str) -> Result<Vec<T>> {
    let text = db.to_string_lossy();
    sql::off_async(|| {
        let conn = if is_postgres_url(&text) {
            let config = postgres_config(&text)?;
            Connection::Postgres(Box::new(sql::PgConn::connect(&config)?))
        } else {
            let c = rusqlite::Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
            c.busy_timeout(std::time::Duration::from_secs(5))?;
            Connection::Sqlite(c)
        };
        let rows = conn
            .prepare(query)?
            .query_map([], |r| r.get(0))?
            .collect::<sql::Result<Vec<T>>>()?;
        Ok(rows)
    })
}

/// The connection settings a PostgreSQL URL gives.
pub fn postgres_config(url: &str) -> Result<postgres::Config> {
    url.parse()
        .map_err(|e| StoreError::Io(format!("PostgreSQL URL: {e}")))
}

/// A `db` setting for messages: a PostgreSQL URL loses its password.
pub fn describe_db(db: &str) -> String {
    if !is_postgres_url(db) {
        return db.to_string();
    }
    match (db.find("://"), db.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &db[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let masked = if userinfo.contains(':') { ":***" } else { "" };
            format!("{}{user}{masked}{}", &db[..scheme + 3], &db[at..])
        }
        _ => db.to_string(),
    }
}

fn setup(c: &rusqlite::Connection) -> Result<()> {
    c.pragma_update(None, "synchronous", "FULL")?;
    c.pragma_update(None, "foreign_keys", "ON")?;
    // Waits out a CLI command that writes while the server runs, instead of failing.
    c.busy_timeout(std::time::Duration::from_secs(5))?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::Store;

    /// Where a test's store lives: a temporary directory (for files beside it),
    /// and on PostgreSQL its own database, dropped with it.
    #[derive(Debug)]
    pub struct TestDb {
        dir: tempfile::TempDir,
        // Dropped after the directory, when the test's stores are gone.
        _pg: Option<super::scratch::ScratchDb>,
        db: std::path::PathBuf,
    }

    impl TestDb {
        pub fn path(&self) -> &std::path::Path {
            self.dir.path()
        }

        /// The `db` setting of the test's database.
        pub fn db(&self) -> &std::path::Path {
            &self.db
        }
    }

    /// A store for one test: a SQLite file in a fresh temporary directory, or, with
    /// `OPSD_TEST_POSTGRES` set, a fresh PostgreSQL database in that cluster.
    pub fn temp_store() -> (Store, TestDb) {
        let t = temp_db();
        match Store::open(&t.db) {
            Ok(s) => (s, t),
            Err(e) => panic!(
                "open store {}: {e}",
                super::describe_db(&t.db.to_string_lossy())
            ),
        }
    }

    /// The place of a test's store, without opening it.
    pub fn temp_db() -> TestDb {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("temp dir: {e}"),
        };
        match super::scratch::backend_cluster() {
            Some(admin) => {
                let label = std::thread::current().name().unwrap_or("unit").to_string();
                let pg = super::scratch::ScratchDb::create(&admin, &label)
                    .unwrap_or_else(|e| panic!("PostgreSQL test database: {e}"));
                let db = std::path::PathBuf::from(pg.url());
                TestDb {
                    dir,
                    _pg: Some(pg),
                    db,
                }
            }
            None => {
                let db = dir.path().join("opsd.db");
                TestDb { dir, _pg: None, db }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::temp_store;

    /// Every schema change is a file on both backends: the PostgreSQL list reaches
    /// the SQLite version, and every file in `migrations/postgres/` is in it.
    #[test]
    fn both_backends_reach_the_same_version() {
        let last = super::PG_MIGRATIONS.last().map(|(v, _)| *v);
        assert_eq!(last, Some(super::MIGRATIONS.len()));
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store/migrations/postgres");
        let mut on_disk: Vec<usize> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().to_str()?.get(..4)?.parse().ok())
            .collect();
        on_disk.sort_unstable();
        let listed: Vec<usize> = super::PG_MIGRATIONS.iter().map(|(v, _)| *v).collect();
        assert_eq!(
            on_disk, listed,
            "a file in migrations/postgres is not in PG_MIGRATIONS"
        );
    }

    /// Issue 17: an instance that sees no other beating counts only its own writes;
    /// once another beats, every commit counts, whoever made it.
    #[test]
    fn instances_see_each_other_beat() {
        let (a, dir) = temp_store();
        let b = super::Store::open(dir.db()).unwrap_or_else(|e| panic!("{e}"));
        let within = std::time::Duration::from_secs(60);
        assert!(matches!(a.heartbeat(within), Ok(0)));
        let before = a.write_count();
        assert!(b.set_setting("x", "1").is_ok());
        assert_eq!(a.write_count(), before, "alone: only its own writes count");
        assert!(matches!(b.heartbeat(within), Ok(1)));
        assert!(matches!(a.heartbeat(within), Ok(1)));
        let before = a.write_count();
        assert!(b.set_setting("x", "2").is_ok());
        assert_ne!(a.write_count(), before, "another instance's commit counts");
        assert!(b.leave().is_ok());
        assert!(matches!(a.heartbeat(std::time::Duration::ZERO), Ok(0)));
    }

    /// A use of the writer that commits nothing (the runner's look for due work)
    /// leaves the count other instances' caches compare alone; a commit moves it.
    #[test]
    fn only_commits_move_what_other_instances_see() {
        let (a, dir) = temp_store();
        let b = super::Store::open(dir.db()).unwrap_or_else(|e| panic!("{e}"));
        let before = b.write_count();
        assert!(a.next_due_run(0, 10).is_ok());
        assert_eq!(b.write_count(), before, "a read through the writer");
        assert!(a.set_setting("x", "1").is_ok());
        assert_ne!(b.write_count(), before, "a commit");
    }

    /// Issue 15.12: the file and its WAL are the owner's alone.
    #[test]
    fn database_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let (store, dir) = temp_store();
        if store.backend() == super::sql::Backend::Postgres {
            eprintln!("SQLite only: file modes of the database file");
            return;
        }
        assert!(store.set_setting("k", "v").is_ok());
        for name in ["opsd.db", "opsd.db-wal"] {
            let mode = std::fs::metadata(dir.path().join(name))
                .map(|m| m.permissions().mode())
                .unwrap_or(0o777);
            assert_eq!(mode & 0o077, 0, "{name}: {mode:o}");
        }
        drop(store);
        let loose = dir.path().join("opsd.db");
        assert!(std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).is_ok());
        assert!(super::Store::open(&loose).is_ok());
        let mode = std::fs::metadata(&loose)
            .map(|m| m.permissions().mode())
            .unwrap_or(0o777);
        assert_eq!(mode & 0o077, 0, "narrowed: {mode:o}");
    }

    #[test]
    fn migrates_to_latest_and_reopens() {
        let (store, dir) = temp_store();
        assert_eq!(store.schema_version().ok(), Some(super::MIGRATIONS.len()));
        drop(store);
        let again = super::Store::open(dir.db()).map(|s| s.schema_version().ok());
        assert_eq!(again.ok().flatten(), Some(super::MIGRATIONS.len()));
    }
}
