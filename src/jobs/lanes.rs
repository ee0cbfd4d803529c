//! Lanes: the tasks that wait on someone else's server run beside the main runner,
//! several at once, one at a time per reseller.
//!
//! A webhook delivery waits on the reseller's endpoint (up to its timeout) and an
//! analysis on WHOIS servers. In the one runner, a reseller whose endpoint never
//! answered held up every other reseller's work (the review saw a one-item bulk push
//! of another reseller go from 0.25 s to 60 s). Here each such task runs on the
//! blocking pool as soon as it is due, up to [`CONCURRENCY`] at once, with at most
//! one per (kind, reseller): a slow tenant slows only its own lane. The main runner
//! leaves them alone; `run_due` (tests, `opsd clock advance`) still runs everything
//! that is not in a lane's hands.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::app::AppState;
use crate::store::{Kinds, Task, TaskKind};

/// The kinds that run in lanes.
pub const LANE_KINDS: &[TaskKind] = &[TaskKind::Webhook, TaskKind::AnalyseJob];

/// Lane tasks running at once, across resellers.
const CONCURRENCY: usize = 8;

/// How often the lanes look for due work when nothing wakes them.
const TICK: Duration = Duration::from_millis(200);

/// Runs the lanes until `stop` turns true.
pub async fn run(app: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let busy: Arc<Mutex<HashSet<(TaskKind, i64)>>> = Arc::default();
    let slots = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
    let mut backoff = super::Backoff::new("lanes");
    loop {
        if *stop.borrow() {
            return;
        }
        let a = app.clone();
        let found = tokio::task::spawn_blocking(move || due(&a)).await;
        let mut failed: Option<String> = None;
        match found {
            Ok(Ok(tasks)) => {
                for (task, tenant) in tasks {
                    let key = (task.kind, tenant.unwrap_or(-1));
                    if !lock(&busy).insert(key) {
                        continue;
                    }
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        lock(&busy).remove(&key);
                        break;
                    };
                    match app.try_claim(&[task.id]) {
                        Ok(true) => {}
                        // `run_due` has it right now.
                        Ok(false) => {
                            lock(&busy).remove(&key);
                            continue;
                        }
                        Err(e) => {
                            lock(&busy).remove(&key);
                            failed = Some(e.to_string());
                            break;
                        }
                    }
                    let (a, busy) = (app.clone(), busy.clone());
                    tokio::task::spawn_blocking(move || {
                        // The lane works through its reseller's due tasks back to back,
                        // then gives the slot up.
                        let mut next = Some(task);
                        while let Some(task) = next.take() {
                            let now = a.now();
                            if let Err(e) = super::run_step(&a, std::slice::from_ref(&task), now) {
                                tracing::error!(task = task.id, error = %e, "lane task could not be recorded");
                            }
                            a.release(&[task.id]);
                            if let Some(tenant) = tenant {
                                let skip = a.claims();
                                next = a
                                    .store
                                    .next_due_for_tenant(a.now(), task.kind, tenant, &skip)
                                    .ok()
                                    .flatten()
                                    .filter(|t| a.try_claim(&[t.id]).unwrap_or(false));
                            }
                        }
                        lock(&busy).remove(&key);
                        drop(slot);
                    });
                }
            }
            Ok(Err(e)) => failed = Some(e.to_string()),
            Err(e) => failed = Some(e.to_string()),
        }
        let wait = match failed {
            None => {
                backoff.succeeded();
                TICK
            }
            Some(e) => backoff.failed(&e),
        };
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Due lane tasks nobody runs yet, oldest first, with their resellers.
fn due(app: &AppState) -> Result<Vec<(Task, Option<i64>)>, crate::store::StoreError> {
    let claimed = app.claims();
    let mut out = Vec::new();
    for kind in LANE_KINDS {
        let only: &'static [TaskKind] = match kind {
            TaskKind::Webhook => &[TaskKind::Webhook],
            _ => &[TaskKind::AnalyseJob],
        };
        // One task per run: lane tasks are single steps.
        let mut skip = claimed.clone();
        for _ in 0..CONCURRENCY * 4 {
            let run = app
                .store
                .next_due_run_of(app.now(), 1, Kinds::Only(only), &skip)?;
            let Some(task) = run.into_iter().next() else {
                break;
            };
            skip.insert(task.id);
            let tenant = app.store.task_tenant(&task)?;
            out.push((task, tenant));
        }
    }
    Ok(out)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
