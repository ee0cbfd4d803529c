//! Due-dated background tasks. Each is run to completion by the runner and marked
//! done in the same transaction as its effects (see the lifecycle methods); a task
//! that fails is put back with a later due time.

use super::sql::{OptionalExtension, Transaction, params};

use super::{Result, Store, StoreError};

pub use crate::status::TaskKind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub id: i64,
    pub kind: TaskKind,
    pub subject: i64,
    pub item: Option<i64>,
    pub due_at: i64,
    pub attempts: i64,
}

/// Adds a task inside a caller's transaction.
pub(crate) fn enqueue(
    tx: &Transaction<'_>,
    kind: TaskKind,
    subject: i64,
    item: Option<i64>,
    due_at: i64,
    now: i64,
) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO tasks (kind, subject, item, due_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
             RETURNING id",
        )?
        .query_row(params![kind, subject, item, due_at, now], |r| r.get(0))?)
}

impl Store {
    /// Adds one task (tests: work for the runner without an action to make it).
    #[cfg(test)]
    pub(crate) fn add_task(&self, kind: TaskKind, subject: i64, due_at: i64) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = enqueue(&tx, kind, subject, None, due_at, due_at)?;
        tx.commit()?;
        Ok(id)
    }

    /// Makes the writer refuse every write (`true`) or take them again, as a
    /// full disk or a read-only database would: for the tests of what the
    /// workers do when the store fails (SQLite's `query_only`, PostgreSQL's
    /// read-only transactions — the database's own refusals, not a stub's).
    #[doc(hidden)]
    pub fn refuse_writes(&self, on: bool) -> Result<()> {
        let conn = self.writer();
        let sql = match (conn.backend(), on) {
            (super::sql::Backend::Sqlite, true) => "PRAGMA query_only = 1",
            (super::sql::Backend::Sqlite, false) => "PRAGMA query_only = 0",
            (super::sql::Backend::Postgres, true) => {
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
            }
            (super::sql::Backend::Postgres, false) => {
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE"
            }
        };
        conn.execute_batch(sql)?;
        Ok(())
    }
}

/// Marks a task done inside a caller's transaction, refused (`Conflict`) when
/// another instance holds its lease: the step's effects then roll back with the
/// transaction, so a step is applied once even when its lease was taken over.
pub(crate) fn mark_done(
    tx: &Transaction<'_>,
    instance: &str,
    task_id: i64,
    now: i64,
) -> Result<()> {
    // On PostgreSQL the row is locked until the commit: a claim of it by another
    // instance (which takes no store-wide lock) waits or passes it over, and
    // cannot slip in between this check and the update.
    let read = match tx.backend() {
        super::sql::Backend::Sqlite => "SELECT locked_by, done_at FROM tasks WHERE id = ?1",
        super::sql::Backend::Postgres => {
            "SELECT locked_by, done_at FROM tasks WHERE id = ?1 FOR UPDATE"
        }
    };
    let row: Option<(Option<String>, Option<i64>)> = tx
        .prepare_cached(read)?
        .query_row([task_id], |r| Ok((r.get("locked_by")?, r.get("done_at")?)))
        .optional()?;
    if let Some((Some(h), _)) = &row
        && h != instance
    {
        return Err(StoreError::Conflict(format!(
            "task {task_id} was taken over by instance {h}"
        )));
    }
    if let Some((_, Some(_))) = row {
        return Err(StoreError::Conflict(format!(
            "task {task_id} is done already"
        )));
    }
    tx.prepare_cached(
        "UPDATE tasks SET done_at = ?2, locked_by = NULL, locked_until = NULL WHERE id = ?1",
    )?
    .execute(params![task_id, now])?;
    Ok(())
}

/// The condition of a task no instance holds at `?1` (its lease, if any, over).
const UNLEASED: &str = "(locked_until IS NULL OR locked_until <= ?1)";

/// Which kinds of task a runner takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kinds {
    All,
    Only(&'static [TaskKind]),
    Except(&'static [TaskKind]),
}

impl Kinds {
    /// The SQL condition on `kind`, its parameters numbered from `first`, and the
    /// kinds to bind to them.
    fn condition(self, first: usize) -> (String, &'static [TaskKind]) {
        let list = |kinds: &[TaskKind]| {
            (first..first + kinds.len())
                .map(|n| format!("?{n}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Kinds::All => (String::new(), &[]),
            Kinds::Only(k) => (format!(" AND kind IN ({})", list(k)), k),
            Kinds::Except(k) => (format!(" AND kind NOT IN ({})", list(k)), k),
        }
    }
}

impl Store {
    /// The next task due at or before `now` (due order, ties by creation), with the
    /// tasks of the same kind that directly follow it, up to `limit` in all: a run
    /// that can be done in one transaction without changing the order.
    pub fn next_due_run(&self, now: i64, limit: usize) -> Result<Vec<Task>> {
        self.next_due_run_of(now, limit, Kinds::All, &std::collections::HashSet::new())
    }

    /// [`Store::next_due_run`] over the tasks of `kinds`, leaving out those in `skip`
    /// (run elsewhere right now).
    pub fn next_due_run_of(
        &self,
        now: i64,
        limit: usize,
        kinds: Kinds,
        skip: &std::collections::HashSet<i64>,
    ) -> Result<Vec<Task>> {
        let conn = self.writer();
        let (condition, kinds) = kinds.condition(3);
        let sql = format!(
            "SELECT id, kind, subject, item, due_at, attempts FROM tasks
             WHERE done_at IS NULL AND due_at <= ?1 AND {UNLEASED}{condition} ORDER BY due_at, id LIMIT ?2"
        );
        let take = (limit + skip.len()) as i64;
        let mut values: Vec<&dyn super::sql::ToValue> = vec![&now, &take];
        values.extend(kinds.iter().map(|k| k as &dyn super::sql::ToValue));
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(&values[..], |r| {
                Ok((
                    r.get::<_, i64>("id")?,
                    r.get::<_, String>("kind")?,
                    r.get::<_, i64>("subject")?,
                    r.get::<_, Option<i64>>("item")?,
                    r.get::<_, i64>("due_at")?,
                    r.get::<_, i64>("attempts")?,
                ))
            })?
            .collect::<super::sql::Result<Vec<_>>>()?;
        let mut run: Vec<Task> = Vec::new();
        for (id, kind, subject, item, due_at, attempts) in rows {
            if skip.contains(&id) {
                continue;
            }
            if run.len() >= limit {
                break;
            }
            // An unknown kind (from a newer version) is left alone.
            let Some(kind) = kind.parse::<TaskKind>().ok() else {
                break;
            };
            if run.first().is_some_and(|f| f.kind != kind) {
                break;
            }
            run.push(Task {
                id,
                kind,
                subject,
                item,
                due_at,
                attempts,
            });
        }
        Ok(run)
    }

    /// The reseller a task works for, where the task runs in a lane of its own
    /// (webhook deliveries, analyses): so that one reseller's slow endpoint or slow
    /// WHOIS holds up only its own lane.
    pub fn task_tenant(&self, task: &Task) -> Result<Option<i64>> {
        let sql = match task.kind {
            TaskKind::Webhook => "SELECT reseller_id FROM events WHERE id = ?1",
            TaskKind::AnalyseJob => "SELECT reseller_id FROM transfer_jobs WHERE id = ?1",
            TaskKind::SendMail
            | TaskKind::ApprovalTimeout
            | TaskKind::RegistryStep
            | TaskKind::BulkPush
            | TaskKind::AwayTimeout
            | TaskKind::AwayRequest
            | TaskKind::VerificationDeadline
            | TaskKind::QueuedRequest
            | TaskKind::ClaimDeadline => return Ok(None),
        };
        let tenant = self
            .reader()
            .prepare_cached(sql)?
            .query_row([task.subject], |r| r.get(0))
            .optional()?;
        Ok(tenant)
    }

    /// The next due task of `kind` that works for `tenant` (see
    /// [`Store::task_tenant`]), leaving out those in `skip`.
    pub fn next_due_for_tenant(
        &self,
        now: i64,
        kind: TaskKind,
        tenant: i64,
        skip: &std::collections::HashSet<i64>,
    ) -> Result<Option<Task>> {
        let join = match kind {
            TaskKind::Webhook => "JOIN events o ON o.id = t.subject",
            TaskKind::AnalyseJob => "JOIN transfer_jobs o ON o.id = t.subject",
            TaskKind::SendMail
            | TaskKind::ApprovalTimeout
            | TaskKind::RegistryStep
            | TaskKind::BulkPush
            | TaskKind::AwayTimeout
            | TaskKind::AwayRequest
            | TaskKind::VerificationDeadline
            | TaskKind::QueuedRequest
            | TaskKind::ClaimDeadline => return Ok(None),
        };
        let sql = format!(
            "SELECT t.id, t.subject, t.item, t.due_at, t.attempts FROM tasks t {join}
             WHERE t.kind = ?1 AND t.done_at IS NULL AND t.due_at <= ?2 AND o.reseller_id = ?3
               AND (t.locked_until IS NULL OR t.locked_until <= ?2)
             ORDER BY t.due_at, t.id LIMIT ?4"
        );
        let rows = self
            .writer()
            .prepare_cached(&sql)?
            .query_map(
                params![kind.as_str(), now, tenant, (skip.len() + 1) as i64],
                |r| {
                    Ok(Task {
                        id: r.get("id")?,
                        kind,
                        subject: r.get("subject")?,
                        item: r.get("item")?,
                        due_at: r.get("due_at")?,
                        attempts: r.get("attempts")?,
                    })
                },
            )?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(rows.into_iter().find(|t| !skip.contains(&t.id)))
    }

    /// When the next pending task falls due, if any.
    pub fn next_due_at(&self) -> Result<Option<i64>> {
        self.next_due_at_of(Kinds::All)
    }

    /// When the next pending task of `kinds` falls due, if any: for a task under
    /// lease, when its lease ends.
    pub fn next_due_at_of(&self, kinds: Kinds) -> Result<Option<i64>> {
        let conn = self.reader();
        let (condition, kinds) = kinds.condition(1);
        // The later of its due time and the end of its lease, the soonest of all.
        let sql = format!(
            "SELECT min(CASE WHEN locked_until > due_at THEN locked_until ELSE due_at END)
             FROM tasks WHERE done_at IS NULL{condition}"
        );
        let values: Vec<&dyn super::sql::ToValue> = kinds
            .iter()
            .map(|k| k as &dyn super::sql::ToValue)
            .collect();
        let at = conn
            .prepare_cached(&sql)?
            .query_row(&values[..], |r| r.get::<_, Option<i64>>(0))?;
        Ok(at)
    }

    /// Records a failed attempt and puts the task back, due at `retry_at`.
    /// Marks a task done that had nothing to do.
    pub fn task_done(&self, task_id: i64, now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        mark_done(&tx, &self.instance, task_id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// Puts a task back, due at `retry_at`, unless another instance has taken it
    /// over meanwhile (then it is that instance's).
    pub fn task_failed(&self, task_id: i64, error: &str, retry_at: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE tasks SET attempts = attempts + 1, last_error = ?2, due_at = ?3,
               locked_by = NULL, locked_until = NULL
             WHERE id = ?1 AND (locked_by IS NULL OR locked_by = ?4)",
            params![task_id, error, retry_at, self.instance],
        )?;
        Ok(())
    }

    /// Takes the leases of `ids` for this instance until `until`, all or none: false
    /// (and nothing taken) when one of them is done or another instance holds it at
    /// `now`. Whoever holds a lease runs the task; see [`Store::renew_leases`].
    pub fn lease(&self, ids: &[i64], now: i64, until: i64) -> Result<bool> {
        if ids.is_empty() {
            return Ok(true);
        }
        let conn = self.writer();
        let tx = conn.row_transaction()?;
        if tx.backend() == super::sql::Backend::Postgres {
            // The rows first, each locked or passed over: an instance claiming the
            // same run at this moment takes none of it rather than waiting (the
            // claim holds no store-wide lock; the lease below decides).
            let marks = (0..ids.len())
                .map(|i| format!("?{}", i + 3))
                .collect::<Vec<_>>()
                .join(", ");
            let mut values: Vec<super::sql::ValueRef<'_>> = vec![
                super::sql::ValueRef::Text(&self.instance),
                super::sql::ValueRef::Integer(now),
            ];
            values.extend(ids.iter().map(|id| super::sql::ValueRef::Integer(*id)));
            let free = tx
                .prepare(&format!(
                    "SELECT id FROM tasks WHERE id IN ({marks}) AND done_at IS NULL
                       AND (locked_by IS NULL OR locked_by = ?1 OR locked_until IS NULL OR locked_until <= ?2)
                     FOR UPDATE SKIP LOCKED"
                ))?
                .query_map(values, |r| r.get::<_, i64>(0))?
                .count();
            if free != ids.len() {
                return Ok(false);
            }
        }
        let mut taken = 0;
        {
            let mut take = tx.prepare_cached(
                "UPDATE tasks SET locked_by = ?2, locked_until = ?4
                 WHERE id = ?1 AND done_at IS NULL
                   AND (locked_by IS NULL OR locked_by = ?2 OR locked_until IS NULL OR locked_until <= ?3)",
            )?;
            for id in ids {
                taken += take.execute(params![id, self.instance, now, until])?;
            }
        }
        if taken != ids.len() {
            // Dropping the transaction gives back what was taken.
            return Ok(false);
        }
        tx.commit()?;
        Ok(true)
    }

    /// The instances that hold leases on tasks not yet done.
    pub fn lease_holders(&self) -> Result<Vec<String>> {
        let rows = self
            .reader()
            .prepare_cached(
                "SELECT DISTINCT locked_by FROM tasks WHERE done_at IS NULL AND locked_by IS NOT NULL",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Gives up every lease `holder` has, for an instance known to be dead: its
    /// tasks are free at once rather than when the leases end.
    pub fn free_leases_of(&self, holder: &str) -> Result<usize> {
        let n = self.writer().execute(
            "UPDATE tasks SET locked_by = NULL, locked_until = NULL WHERE locked_by = ?1 AND done_at IS NULL",
            [holder],
        )?;
        Ok(n)
    }

    /// Extends every lease this instance holds on a task not yet done to `until`:
    /// the running instance calls it while it works, so that only a dead one's
    /// leases run out.
    pub fn renew_leases(&self, until: i64) -> Result<usize> {
        let n = self.writer().execute(
            "UPDATE tasks SET locked_until = ?2 WHERE locked_by = ?1 AND done_at IS NULL",
            params![self.instance, until],
        )?;
        Ok(n)
    }

    /// Tasks not yet done (for the dashboard, tests and the CLI).
    pub fn pending_task_count(&self) -> Result<i64> {
        let n = self.reader().query_row(
            "SELECT count(*) FROM tasks WHERE done_at IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::NewTransferJob;
    use crate::store::test_support::temp_store;

    fn one_domain_job(reseller_id: i64) -> NewTransferJob {
        NewTransferJob {
            reseller_id,
            name: "j".into(),
            profile_id: None,
            dns_template: None,
            nameservers: Vec::new(),
            domains: vec![("a.com".into(), "x".into())],
            created_at: 100,
        }
    }

    /// Two stores on one file are two instances: a lease keeps the other off until
    /// it ends; the task's completion by a holder that lost the lease is refused.
    #[test]
    fn leases_keep_other_instances_off() {
        let (a, dir) = temp_store();
        let b = Store::open(dir.db()).unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(a.instance(), b.instance());
        let reseller = a.add_reseller("r", "k", &[], 0).unwrap_or_default();
        assert!(a.create_transfer_job(&one_domain_job(reseller)).is_ok());
        let none = std::collections::HashSet::new();
        let due = a
            .next_due_run_of(100, 10, Kinds::All, &none)
            .unwrap_or_default();
        let ids: Vec<i64> = due.iter().map(|t| t.id).collect();
        assert_eq!(ids.len(), 1);
        assert!(matches!(a.lease(&ids, 100, 160), Ok(true)));
        // B sees nothing due and cannot take it while A's lease runs.
        assert!(
            b.next_due_run_of(100, 10, Kinds::All, &none)
                .unwrap_or_default()
                .is_empty()
        );
        assert!(matches!(b.lease(&ids, 159, 219), Ok(false)));
        assert!(matches!(b.next_due_at_of(Kinds::All), Ok(Some(160))));
        // A died (or stalled): at the end of its lease B takes over.
        assert!(matches!(b.lease(&ids, 160, 220), Ok(true)));
        // A's late completion and its put-back are refused; B's stands.
        assert!(matches!(
            a.task_done(ids[0], 161),
            Err(StoreError::Conflict(_))
        ));
        assert!(a.task_failed(ids[0], "late", 500).is_ok());
        assert!(matches!(a.lease_holders().as_deref(), Ok([h]) if h == b.instance()));
        assert!(b.task_done(ids[0], 162).is_ok());
        assert_eq!(a.pending_task_count().unwrap_or(-1), 0);
    }

    #[test]
    fn a_dead_holders_leases_can_be_freed() {
        let (a, dir) = temp_store();
        let b = Store::open(dir.db()).unwrap_or_else(|e| panic!("{e}"));
        let reseller = a.add_reseller("r", "k", &[], 0).unwrap_or_default();
        assert!(a.create_transfer_job(&one_domain_job(reseller)).is_ok());
        let none = std::collections::HashSet::new();
        let ids: Vec<i64> = a
            .next_due_run_of(100, 10, Kinds::All, &none)
            .unwrap_or_default()
            .iter()
            .map(|t| t.id)
            .collect();
        assert!(matches!(a.lease(&ids, 100, 10_000), Ok(true)));
        assert!(matches!(b.free_leases_of(a.instance()), Ok(1)));
        assert_eq!(
            b.next_due_run_of(100, 10, Kinds::All, &none)
                .unwrap_or_default()
                .len(),
            1
        );
    }
}
