//! Background work: the task runner and the worker loop inside `opsd serve`.
//!
//! Tasks live in the database with a due time. [`run_due`] runs every task due by the
//! clock's now, in due order, one at a time; each step commits its effects and its
//! completion together, so a crash repeats at most the step in flight, whose
//! effects were never committed. Time comes only from the app's clock, so advancing a
//! sandbox clock and calling [`run_due`] runs everything that fell due.

mod transfer;

use std::time::Duration;

use crate::app::{App, AppState};
use crate::store::{StoreError, Task, TaskKind};

/// Runs every task due now, in due order. Returns how many ran (failed attempts
/// included).
pub fn run_due(app: &App) -> Result<usize, StoreError> {
    let _one_runner = app
        .runner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut ran = 0;
    loop {
        let now = app.now();
        let Some(task) = app.store.next_due_task(now)? else {
            return Ok(ran);
        };
        ran += 1;
        if let Err(e) = run_task(app, &task, now) {
            // Back off 1, 2, 4 … minutes, up to a day, measured on the app's clock.
            let wait = 60i64
                .saturating_mul(1 << task.attempts.clamp(0, 10))
                .min(86_400);
            tracing::warn!(task = task.id, kind = task.kind.as_str(), error = %e, "task failed; retrying later");
            app.store.task_failed(task.id, &e.to_string(), now + wait)?;
        }
    }
}

fn run_task(app: &App, task: &Task, now: i64) -> Result<(), StepError> {
    match task.kind {
        TaskKind::AnalyseJob => transfer::analyse(app, task, now),
        TaskKind::SendMail => transfer::send_mail(app, task, now),
        TaskKind::ApprovalTimeout => Ok(app.store.approval_timeout(task.id, task.subject, now)?),
        TaskKind::RegistryStep => transfer::registry_step(app, task, now),
    }
}

/// Why a step did not complete; it is retried later.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
}

/// The worker loop: runs due work, then sleeps until the next task is due (at most a
/// second, so that work queued by another process or a moved clock is seen), or
/// until woken by [`App::work`]. Ends when `shutdown` resolves.
pub async fn worker(app: AppState, shutdown: impl std::future::Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let a = app.clone();
        match tokio::task::spawn_blocking(move || run_due(&a)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "task runner cannot reach the store"),
            Err(e) => tracing::error!(error = %e, "task runner panicked"),
        }
        let wait = match app.store.next_due_at() {
            Ok(Some(due)) => Duration::from_secs((due - app.now()).clamp(0, 1) as u64),
            Ok(None) | Err(_) => Duration::from_secs(1),
        };
        tokio::select! {
            () = &mut shutdown => return,
            () = app.work.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}
