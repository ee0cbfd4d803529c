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
    /// Whose window the row counts against (see `journal::tenant_of`).
    pub tenant: String,
    pub username: String,
    pub surface: String,
    pub action: String,
    pub code: i64,
    pub success: bool,
    /// Bytes of request and reply, what the window's byte bound counts.
    pub size: i64,
    pub request: String,
    pub reply: String,
    /// JSON, for a failed request.
    pub explanation: Option<String>,
    pub fault: Option<String>,
    /// How often in a row this request came and got this reply.
    pub repeats: i64,
}

/// Calls of one reseller, action and response code, to add to the coverage
/// counts (or, for the Email API, of one company, method and outcome:
/// `reseller_id` is then the company's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoverageCount {
    pub reseller_id: i64,
    pub action: &'static str,
    pub code: i64,
    pub calls: i64,
    pub last_at: i64,
}

/// What each tenant's window keeps: its newest rows, at most `tenant_rows` and
/// `tenant_bytes` of them (the `anonymous` tenant: its own bounds), none older
/// than `oldest`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalWindows {
    pub tenant_rows: i64,
    pub tenant_bytes: i64,
    pub anonymous: &'static str,
    pub anonymous_rows: i64,
    pub anonymous_bytes: i64,
    pub oldest: i64,
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
    /// Entries older than this id only (the next page of a listing).
    pub before: Option<i64>,
    pub limit: i64,
}

const COLUMNS: &str = "id, at, reseller_id, tenant, username, surface, action, code, success, size, request, reply, explanation, fault, repeats";
/// A listing's columns: the bodies stay in the table (an entry's page reads them).
const SUMMARY: &str = "id, at, reseller_id, tenant, username, surface, action, code, success, size, '' AS request, '' AS reply, explanation, fault, repeats";

fn row(r: &super::sql::Row<'_>) -> super::sql::Result<JournalEntry> {
    Ok(JournalEntry {
        id: r.get("id")?,
        at: r.get("at")?,
        reseller_id: r.get("reseller_id")?,
        tenant: r.get("tenant")?,
        username: r.get("username")?,
        surface: r.get("surface")?,
        action: r.get("action")?,
        code: r.get("code")?,
        success: r.get("success")?,
        size: r.get("size")?,
        request: r.get("request")?,
        reply: r.get("reply")?,
        explanation: r.get("explanation")?,
        fault: r.get("fault")?,
        repeats: r.get("repeats")?,
    })
}

/// How often the reseller's work came to one state (see
/// [`Store::lifecycle_counts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathCount {
    /// `transfer_in`, `order`, `transfer_away` or `push`.
    pub path: String,
    pub state: String,
    /// A cancelled transfer in's reason.
    pub reason: Option<String>,
    pub times: i64,
}

impl Store {
    /// Writes a batch of entries (their `id` is ignored) and adds `coverage`
    /// (OPS, by reseller) and `mail` (the Email API, by company) to the counts,
    /// then keeps each tenant of the batch within its window, in one
    /// transaction.
    pub fn journal_append(
        &self,
        entries: &[JournalEntry],
        (coverage, mail): (&[CoverageCount], &[CoverageCount]),
        windows: &JournalWindows,
    ) -> Result<()> {
        let conn = self.uncounted_writer();
        let tx = conn.transaction()?;
        let mut tenants: Vec<&str> = Vec::new();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO journal (at, reseller_id, tenant, username, surface, action, code, success, size, request, reply, explanation, fault, repeats)
                 SELECT ?1, (SELECT id FROM resellers WHERE id = ?2), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14",
            )?;
            for e in entries {
                insert.execute(params![
                    e.at,
                    e.reseller_id,
                    e.tenant,
                    e.username,
                    e.surface,
                    e.action,
                    e.code,
                    e.success,
                    e.size,
                    e.request,
                    e.reply,
                    e.explanation,
                    e.fault,
                    e.repeats
                ])?;
                if !tenants.contains(&e.tenant.as_str()) {
                    tenants.push(&e.tenant);
                }
            }
        }
        {
            let mut count = tx.prepare_cached(
                "INSERT INTO coverage (reseller_id, action, code, calls, last_at)
                 SELECT id, ?2, ?3, ?4, ?5 FROM resellers WHERE id = ?1
                 ON CONFLICT (reseller_id, action, code)
                 DO UPDATE SET calls = coverage.calls + excluded.calls, last_at = excluded.last_at",
            )?;
            for c in coverage {
                count.execute(params![c.reseller_id, c.action, c.code, c.calls, c.last_at])?;
            }
            let mut count = tx.prepare_cached(
                "INSERT INTO mail_coverage (company_id, method, outcome, calls, last_at)
                 SELECT id, ?2, ?3, ?4, ?5 FROM mail_companies WHERE id = ?1
                 ON CONFLICT (company_id, method, outcome)
                 DO UPDATE SET calls = mail_coverage.calls + excluded.calls, last_at = excluded.last_at",
            )?;
            for c in mail {
                count.execute(params![c.reseller_id, c.action, c.code, c.calls, c.last_at])?;
            }
        }
        {
            // Each tenant's newest rows up to its bounds; the rest goes.
            let mut by_rows = tx.prepare_cached(
                "DELETE FROM journal WHERE tenant = ?1 AND id <=
                   (SELECT id FROM journal WHERE tenant = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            )?;
            let mut by_bytes = tx.prepare_cached(
                "DELETE FROM journal WHERE tenant = ?1 AND id <=
                   (SELECT max(id) FROM
                      (SELECT id, sum(size) OVER (ORDER BY id DESC) AS held
                       FROM journal WHERE tenant = ?1) AS w
                    WHERE held > ?2)",
            )?;
            for t in tenants {
                let (rows, bytes) = if t == windows.anonymous {
                    (windows.anonymous_rows, windows.anonymous_bytes)
                } else {
                    (windows.tenant_rows, windows.tenant_bytes)
                };
                by_rows.execute(params![t, rows])?;
                by_bytes.execute(params![t, bytes])?;
            }
        }
        tx.prepare_cached("DELETE FROM journal WHERE at < ?1")?
            .execute([windows.oldest])?;
        tx.commit()?;
        Ok(())
    }

    /// The Email API coverage counts of a company: `(method, outcome, calls)`.
    pub fn mail_coverage(&self, company_id: i64) -> Result<Vec<(String, i64, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT method, outcome, calls FROM mail_coverage WHERE company_id = ?1 ORDER BY method, outcome",
            )?
            .query_map([company_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Forgets the coverage counts of every action but `known` (counts kept
    /// under names callers made up, before they were counted as unknown).
    pub fn coverage_keep_only(&self, known: &[&str]) -> Result<usize> {
        let conn = self.writer();
        let mut gone = 0;
        let names: Vec<String> = conn
            .prepare_cached("SELECT DISTINCT action FROM coverage")?
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<super::sql::Result<_>>()?;
        for name in names.iter().filter(|n| !known.contains(&n.as_str())) {
            gone += conn.execute("DELETE FROM coverage WHERE action = ?1", [name])?;
        }
        Ok(gone)
    }

    /// Entries newest first, without their request and reply (see
    /// [`Store::journal_entry`]).
    pub fn journal(&self, f: &JournalFilter) -> Result<Vec<JournalEntry>> {
        let sql = format!(
            "SELECT {SUMMARY} FROM journal
             WHERE (reseller_id = ?1 OR ?1 IS NULL) AND (action = upper(?2) OR ?2 IS NULL)
               AND (code = ?3 OR ?3 IS NULL) AND (at >= ?4 OR ?4 IS NULL)
               AND (?5 = 0 OR success = 0) AND (id < ?7 OR ?7 IS NULL)
             ORDER BY id DESC LIMIT ?6"
        );
        let conn = self.reader();
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(
                params![
                    f.reseller_id,
                    f.action,
                    f.code,
                    f.since,
                    f.errors,
                    f.limit,
                    f.before
                ],
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
            .query_map([reseller_id], |r| Ok((r.get("action")?, r.get("code")?, r.get("calls")?)))?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// What the reseller's work has come to, counted: `(path, state, reason,
    /// times)` — transfers in by status (a cancelled one with its reason),
    /// completed portfolio orders by kind, transfers away by status, and pushes by
    /// their audit action. `api::coverage` names the paths.
    pub fn lifecycle_counts(
        &self,
        reseller_id: i64,
        push_actions: [&str; 2],
    ) -> Result<Vec<PathCount>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT 'transfer_in' AS path, d.status AS state,
                        CASE WHEN d.status = ?2 THEN d.reason END AS reason, count(*) AS times
                 FROM transfer_domains d JOIN transfer_jobs j ON j.id = d.job_id
                 WHERE j.reseller_id = ?1 GROUP BY d.status, CASE WHEN d.status = ?2 THEN d.reason END
                 UNION ALL
                 SELECT CAST(?6 AS TEXT), kind, NULL, count(*) FROM portfolio_orders
                 WHERE reseller_id = ?1 AND status = ?3 GROUP BY kind
                 UNION ALL
                 SELECT 'transfer_away', status, NULL, count(*) FROM transfers_away
                 WHERE reseller_id = ?1 GROUP BY status
                 UNION ALL
                 SELECT 'push', action, NULL, count(*) FROM audit_log
                 WHERE actor = (SELECT username FROM resellers WHERE id = ?1)
                   AND action IN (?4, ?5)
                 GROUP BY action",
            )?
            .query_map(
                params![
                    reseller_id,
                    crate::status::DomainStatus::Cancelled,
                    crate::status::OrderStatus::Completed,
                    push_actions[0],
                    push_actions[1],
                    "order"
                ],
                |r| {
                    Ok(PathCount {
                        path: r.get("path")?,
                        state: r.get("state")?,
                        reason: r.get("reason")?,
                        times: r.get("times")?,
                    })
                },
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
