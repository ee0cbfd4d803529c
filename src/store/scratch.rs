//! Throwaway PostgreSQL databases, for the tests of both backends (and `opsd db
//! copy`'s own checks): one fresh database per test, dropped when it is done, so
//! that tests running at once never see each other's rows.
//!
//! The tests reach PostgreSQL through `OPSD_TEST_POSTGRES`, the URL of a cluster
//! they may create databases in (`scripts/pg-cluster start` prints one). With
//! `OPSD_TEST_BACKEND=postgres` as well, every test's store is on PostgreSQL
//! (CI runs the suite both ways).

use std::sync::atomic::{AtomicU64, Ordering};

/// The variable naming the cluster the tests use.
pub const TEST_POSTGRES: &str = "OPSD_TEST_POSTGRES";

/// The variable choosing the tests' backend: `postgres`, or SQLite files.
pub const TEST_BACKEND: &str = "OPSD_TEST_BACKEND";

/// A database made for one test; dropped (its connections closed) when dropped.
#[derive(Debug)]
pub struct ScratchDb {
    admin: String,
    name: String,
    url: String,
}

impl ScratchDb {
    /// Creates a database named after `label` in the cluster `admin` points at.
    pub fn create(admin: &str, label: &str) -> Result<ScratchDb, String> {
        static SEQ: AtomicU64 = AtomicU64::new(0);
        let mut random = [0u8; 4];
        getrandom::fill(&mut random).map_err(|e| e.to_string())?;
        let label: String = label
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(24)
            .collect();
        let name = format!(
            "t_{label}_{}_{}_{:08x}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            u32::from_le_bytes(random)
        );
        run(admin, &format!("CREATE DATABASE \"{name}\""))?;
        let url = with_database(admin, &name);
        Ok(ScratchDb {
            admin: admin.to_string(),
            name,
            url,
        })
    }

    /// The database's URL.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(e) = run(&self.admin, &drop) {
            eprintln!("dropping test database {}: {e}", self.name);
        }
    }
}

/// The cluster the tests are to use, when `OPSD_TEST_POSTGRES` names one.
pub fn test_cluster() -> Option<String> {
    std::env::var(TEST_POSTGRES).ok().filter(|u| !u.is_empty())
}

/// The cluster a test that needs PostgreSQL uses; without one it fails, saying
/// how to get one (it never passes without having run).
pub fn required_cluster() -> String {
    test_cluster().unwrap_or_else(|| {
        panic!(
            "this test needs PostgreSQL: set {TEST_POSTGRES} to a cluster's URL \
             (scripts/pg-cluster start DIR prints one), or run the tests under \
             scripts/pg-cluster run cargo test"
        )
    })
}

/// The cluster every test's store is to be on, when `OPSD_TEST_BACKEND=postgres`.
pub fn backend_cluster() -> Option<String> {
    match std::env::var(TEST_BACKEND).as_deref() {
        Ok("postgres") => Some(required_cluster()),
        Ok("sqlite") | Ok("") | Err(_) => None,
        Ok(other) => panic!("{TEST_BACKEND}={other}: expected postgres or sqlite"),
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn run(admin: &str, sql: &str) -> Result<(), String> {
    // The postgres client runs a runtime, which cannot start on a thread already
    // driving one (an async test).
    super::sql::off_async(|| {
        let mut c = postgres::Client::connect(admin, postgres::NoTls)
            .map_err(|e| format!("connecting to {}: {e}", super::describe_db(admin)))?;
        c.batch_execute(sql).map_err(|e| e.to_string())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn database_names_are_swapped_in_urls() {
        use super::with_database;
        assert_eq!(
            with_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(with_database("postgres://u@h:5", "x"), "postgres://u@h:5/x");
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
    }
}
