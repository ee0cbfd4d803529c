//! Due-dated background tasks. Each is run to completion by the runner and marked
//! done in the same transaction as its effects (see the lifecycle methods); a task
//! that fails is put back with a later due time.

use rusqlite::{Transaction, params};

use super::{Result, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskKind {
    /// Analyse the pending domains of a transfer job (subject: job id).
    AnalyseJob,
    /// Deliver one outbox message (subject: outbox id).
    SendMail,
    /// The approval window of a registrant is over (subject: registrant id).
    ApprovalTimeout,
    /// Ask the registry to settle an accepted transfer (subject: job, item: position).
    RegistryStep,
    /// Work through a bulk push's queued items (subject: bulk change id).
    BulkPush,
    /// Send an event to its reseller's webhook (subject: event row id). Queued by a
    /// trigger on `events` (migration 0008), hence the kind's name is also there.
    Webhook,
}

impl TaskKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::AnalyseJob => "analyse_job",
            TaskKind::SendMail => "send_mail",
            TaskKind::ApprovalTimeout => "approval_timeout",
            TaskKind::RegistryStep => "registry_step",
            TaskKind::BulkPush => "bulk_push",
            TaskKind::Webhook => "webhook",
        }
    }

    fn parse(s: &str) -> Option<TaskKind> {
        [
            TaskKind::AnalyseJob,
            TaskKind::SendMail,
            TaskKind::ApprovalTimeout,
            TaskKind::RegistryStep,
            TaskKind::BulkPush,
            TaskKind::Webhook,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

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
    tx.prepare_cached(
        "INSERT INTO tasks (kind, subject, item, due_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![kind.as_str(), subject, item, due_at, now])?;
    Ok(tx.last_insert_rowid())
}

/// Marks a task done inside a caller's transaction.
pub(crate) fn mark_done(tx: &Transaction<'_>, task_id: i64, now: i64) -> Result<()> {
    tx.prepare_cached("UPDATE tasks SET done_at = ?2 WHERE id = ?1")?
        .execute(params![task_id, now])?;
    Ok(())
}

impl Store {
    /// The next task due at or before `now` (due order, ties by creation), with the
    /// tasks of the same kind that directly follow it, up to `limit` in all: a run
    /// that can be done in one transaction without changing the order.
    pub fn next_due_run(&self, now: i64, limit: usize) -> Result<Vec<Task>> {
        let conn = self.writer();
        let rows = conn
            .prepare_cached(
                "SELECT id, kind, subject, item, due_at, attempts FROM tasks
                 WHERE done_at IS NULL AND due_at <= ?1 ORDER BY due_at, id LIMIT ?2",
            )?
            .query_map(params![now, limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut run: Vec<Task> = Vec::new();
        for (id, kind, subject, item, due_at, attempts) in rows {
            // An unknown kind (from a newer version) is left alone.
            let Some(kind) = TaskKind::parse(&kind) else {
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

    /// When the next pending task falls due, if any.
    pub fn next_due_at(&self) -> Result<Option<i64>> {
        let conn = self.reader();
        let at = conn
            .prepare_cached("SELECT min(due_at) FROM tasks WHERE done_at IS NULL")?
            .query_row([], |r| r.get::<_, Option<i64>>(0))?;
        Ok(at)
    }

    /// Records a failed attempt and puts the task back, due at `retry_at`.
    /// Marks a task done that had nothing to do.
    pub fn task_done(&self, task_id: i64, now: i64) -> Result<()> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        mark_done(&tx, task_id, now)?;
        tx.commit()?;
        Ok(())
    }

    pub fn task_failed(&self, task_id: i64, error: &str, retry_at: i64) -> Result<()> {
        self.writer().execute(
            "UPDATE tasks SET attempts = attempts + 1, last_error = ?2, due_at = ?3 WHERE id = ?1",
            params![task_id, error, retry_at],
        )?;
        Ok(())
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
