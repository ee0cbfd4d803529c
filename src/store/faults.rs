//! Fault-injection rules as stored (see `sandbox::faults` for what they do).

use super::sql::params;

use super::{Result, Store};

/// One rule.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Fault {
    pub id: i64,
    pub kind: String,
    pub reseller_id: Option<i64>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub remaining: Option<i64>,
    pub fraction: Option<f64>,
    pub code: Option<i64>,
    pub text: Option<String>,
    pub latency_ms: Option<i64>,
    pub until_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: &str = "id, kind, reseller_id, action, target, remaining, fraction, code, text, latency_ms, until_at, created_at";

fn row(r: &super::sql::Row<'_>) -> super::sql::Result<Fault> {
    Ok(Fault {
        id: r.get("id")?,
        kind: r.get("kind")?,
        reseller_id: r.get("reseller_id")?,
        action: r.get("action")?,
        target: r.get("target")?,
        remaining: r.get("remaining")?,
        fraction: r.get("fraction")?,
        code: r.get("code")?,
        text: r.get("text")?,
        latency_ms: r.get("latency_ms")?,
        until_at: r.get("until_at")?,
        created_at: r.get("created_at")?,
    })
}

impl Store {
    /// Stores a rule (its `id` is ignored); returns its id.
    pub fn add_fault(&self, f: &Fault) -> Result<i64> {
        let conn = self.writer();
        Ok(conn
            .prepare_cached(
                "INSERT INTO faults (kind, reseller_id, action, target, remaining, fraction, code, text, latency_ms, until_at, created_at)
                 VALUES (?1, ?2, upper(?3), lower(?4), ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            )?
            .query_row(params![
            f.kind,
            f.reseller_id,
            f.action,
            f.target,
            f.remaining,
            f.fraction,
            f.code,
            f.text,
            f.latency_ms,
            f.until_at,
            f.created_at
        ], |r| r.get(0))?)
    }

    /// The rules in force at `now` (spent and ended ones are dropped first).
    pub fn faults(&self, now: i64) -> Result<Vec<Fault>> {
        self.writer()
            .prepare_cached("DELETE FROM faults WHERE remaining <= 0 OR until_at <= ?1")?
            .execute([now])?;
        let sql = format!("SELECT {COLUMNS} FROM faults ORDER BY id");
        let conn = self.reader();
        let rows = conn
            .prepare_cached(&sql)?
            .query_map([], row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Takes one call from a rule's count; false when it has none left (another
    /// call took the last).
    pub fn take_fault(&self, id: i64) -> Result<bool> {
        let n = self
            .writer()
            .prepare_cached(
                "UPDATE faults SET remaining = remaining - 1
                 WHERE id = ?1 AND (remaining IS NULL OR remaining > 0)",
            )?
            .execute([id])?;
        Ok(n > 0)
    }

    /// Removes one rule (`Some(id)`) or all; returns how many.
    pub fn remove_faults(&self, id: Option<i64>) -> Result<usize> {
        Ok(self.writer().execute(
            "DELETE FROM faults WHERE id = ?1 OR ?1 IS NULL",
            params![id],
        )?)
    }
}
