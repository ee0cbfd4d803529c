//! The request journal's rows: written in batches by the journal's flusher, read by
//! the operator API and the pages, pruned to its bounds.

use super::sql::{OptionalExtension, params};

use super::{Result, Store};

/// One journal row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JournalEntry {
    pub id: i64,
    pub at: i64,
    pub reseller_id: Option<i64>,
    pub username: String,
    pub surface: String,
    pub action: String,
    pub code: i64,
    pub success: bool,
    pub request: String,
    pub reply: String,
    /// JSON, for a failed request.
    pub explanation: Option<String>,
    pub fault: Option<String>,
    /// How often in a row this request came and got this reply.
    pub repeats: i64,
}

/// What a journal listing selects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JournalFilter {
    pub reseller_id: Option<i64>,
    pub action: Option<String>,
    pub code: Option<i64>,
    pub since: Option<i64>,
    /// Failed requests only.
    pub errors: bool,
    pub limit: i64,
}

const COLUMNS: &str = "id, at, reseller_id, username, surface, action, code, success, request, reply, explanation, fault, repeats";

fn row(r: &super::sql::Row<'_>) -> super::sql::Result<JournalEntry> {
    Ok(JournalEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        reseller_id: r.get(2)?,
        username: r.get(3)?,
        surface: r.get(4)?,
        action: r.get(5)?,
        code: r.get(6)?,
        success: r.get(7)?,
        request: r.get(8)?,
        reply: r.get(9)?,
        explanation: r.get(10)?,
        fault: r.get(11)?,
        repeats: r.get(12)?,
    })
}

impl Store {
    /// Writes a batch of entries (their `id` is ignored) and keeps the journal
    /// within `max_rows` and `max_age` seconds, in one transaction.
    pub fn journal_append(
        &self,
        entries: &[JournalEntry],
        max_rows: i64,
        max_age: i64,
        now: i64,
    ) -> Result<()> {
        let conn = self.uncounted_writer();
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO journal (at, reseller_id, username, surface, action, code, success, request, reply, explanation, fault, repeats)
                 SELECT ?1, (SELECT id FROM resellers WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12",
            )?;
            // Only the newest `max_rows` could stay: older ones are not written.
            let skip = entries
                .len()
                .saturating_sub(usize::try_from(max_rows).unwrap_or(0));
            for e in &entries[skip..] {
                insert.execute(params![
                    e.at,
                    e.reseller_id,
                    e.username,
                    e.surface,
                    e.action,
                    e.code,
                    e.success,
                    e.request,
                    e.reply,
                    e.explanation,
                    e.fault,
                    e.repeats
                ])?;
            }
        }
        {
            // The coverage counts: the caller's OPS calls by action and code,
            // summed over the batch first (one upsert per kind of call, not per
            // call).
            let mut sums: std::collections::HashMap<(i64, &str, i64), (i64, i64)> =
                std::collections::HashMap::new();
            for e in entries
                .iter()
                .filter(|e| e.surface == "ops" && e.action != "-")
            {
                if let Some(r) = e.reseller_id {
                    let s = sums
                        .entry((r, e.action.as_str(), e.code))
                        .or_insert((0, e.at));
                    s.0 += e.repeats;
                    s.1 = s.1.max(e.at);
                }
            }
            let mut count = tx.prepare_cached(
                "INSERT INTO coverage (reseller_id, action, code, calls, last_at)
                 SELECT id, ?2, ?3, ?4, ?5 FROM resellers WHERE id = ?1
                 ON CONFLICT (reseller_id, action, code)
                 DO UPDATE SET calls = coverage.calls + excluded.calls, last_at = excluded.last_at",
            )?;
            for ((r, action, code), (calls, at)) in &sums {
                count.execute(params![r, action, code, calls, at])?;
            }
        }
        tx.prepare_cached(
            "DELETE FROM journal WHERE at < ?1 OR id <= (SELECT max(id) FROM journal) - ?2",
        )?
        .execute(params![now - max_age, max_rows])?;
        tx.commit()?;
        Ok(())
    }

    /// Entries newest first.
    pub fn journal(&self, f: &JournalFilter) -> Result<Vec<JournalEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM journal
             WHERE (reseller_id = ?1 OR ?1 IS NULL) AND (action = upper(?2) OR ?2 IS NULL)
               AND (code = ?3 OR ?3 IS NULL) AND (at >= ?4 OR ?4 IS NULL)
               AND (?5 = 0 OR success = 0)
             ORDER BY id DESC LIMIT ?6"
        );
        let conn = self.reader();
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(
                params![f.reseller_id, f.action, f.code, f.since, f.errors, f.limit],
                row,
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The reseller's calls by action and response code: `(action, code, calls)`.
    pub fn coverage(&self, reseller_id: i64) -> Result<Vec<(String, i64, i64)>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT action, code, calls FROM coverage WHERE reseller_id = ?1 ORDER BY action, code",
            )?
            .query_map([reseller_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The lifecycle paths the reseller's work has taken, with how often:
    /// transfers in by their end (`completed`, `declined`, `timed_out`,
    /// `failed`, …), pushes, registrations, renewals and transfers away.
    pub fn lifecycle_paths(&self, reseller_id: i64) -> Result<Vec<(String, i64)>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT 'transfer_in ' || CASE
                     WHEN d.status = 'cancelled' AND d.reason = ?2 THEN 'declined'
                     WHEN d.status = 'cancelled' AND d.reason = ?3 THEN 'timed_out'
                     ELSE d.status END, count(*)
                 FROM transfer_domains d JOIN transfer_jobs j ON j.id = d.job_id
                 WHERE j.reseller_id = ?1 GROUP BY 1
                 UNION ALL
                 SELECT 'order ' || kind, count(*) FROM portfolio_orders
                 WHERE reseller_id = ?1 AND status = 'completed' GROUP BY kind
                 UNION ALL
                 SELECT 'transfer_away ' || status, count(*) FROM transfers_away
                 WHERE reseller_id = ?1 GROUP BY status
                 UNION ALL
                 SELECT 'push ' || action, count(*) FROM audit_log
                 WHERE actor = (SELECT username FROM resellers WHERE id = ?1)
                   AND action IN ('rsp2rsp_push_transfer', 'bulk_push')
                 GROUP BY action
                 ORDER BY 1",
            )?
            .query_map(
                params![
                    reseller_id,
                    super::lifecycle::reasons::CANCELLED,
                    super::lifecycle::reasons::TIMED_OUT
                ],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// One entry, if it is `reseller_id`'s (`None`: anyone's, for the operator).
    pub fn journal_entry(&self, id: i64, reseller_id: Option<i64>) -> Result<Option<JournalEntry>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM journal WHERE id = ?1 AND (reseller_id = ?2 OR ?2 IS NULL)"
        );
        Ok(self
            .reader()
            .prepare_cached(&sql)?
            .query_row(params![id, reseller_id], row)
            .optional()?)
    }
}
