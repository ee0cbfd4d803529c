//! Background work: the task runner and the worker loop inside `opsd serve`.
//!
//! Tasks live in the database with a due time. [`run_due`] runs every task due by the
//! clock's now, in due order, one at a time; each step commits its effects and its
//! completion together, so a crash repeats at most the step in flight, whose
//! effects were never committed. Time comes only from the app's clock, so advancing a
//! sandbox clock and calling [`run_due`] runs everything that fell due.

mod backoff;
pub mod bulk;
mod lanes;
mod mail;
mod transfer;
pub mod webhook;

use std::time::Duration;

use crate::app::{App, AppState, LEASE};
use crate::store::{Kinds, StoreError, Task, TaskKind};

pub use backoff::Backoff;
pub use lanes::LANE_KINDS;

/// How often the workers renew their leases (a twelfth of [`LEASE`]) and look for
/// dead instances' leases on this host.
const RENEW_EVERY: Duration = Duration::from_secs(5);

/// Most tasks of one kind done in one transaction: each commit is an fsync, and a
/// 10,000-domain job makes 10,000 registry steps.
const RUN: usize = 500;

/// Runs every task due now, in due order. Returns how many ran (failed attempts
/// included). Tasks a lane is running right now are left to it.
pub fn run_due(app: &App) -> Result<usize, StoreError> {
    run_due_of(app, Kinds::All)
}

/// Runs the due tasks of `kinds`, one run at a time under the runner's lock.
fn run_due_of(app: &App, kinds: Kinds) -> Result<usize, StoreError> {
    let _one_runner = app
        .runner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut ran = 0;
    loop {
        let now = app.now();
        let claimed = app.claims();
        let mut run = app.store.next_due_run_of(now, RUN, kinds, &claimed)?;
        let Some(first) = run.first() else {
            return Ok(ran);
        };
        // Claim only what the step will run: a lease left on a task not run would
        // keep it from everyone until the lease ends.
        if runs_alone(first.kind) {
            run.truncate(1);
        }
        // A lane may have claimed one of them since: then look again.
        let ids: Vec<i64> = run.iter().map(|t| t.id).collect();
        if !app.try_claim(&ids)? {
            continue;
        }
        let done = run_step(app, &run, now);
        app.release(&ids);
        ran += done?;
    }
}

/// Runs one run of same-kind tasks (see [`crate::store::Store::next_due_run`]) and
/// puts back what failed; how many tasks it counts as.
fn run_step(app: &App, run: &[Task], now: i64) -> Result<usize, StoreError> {
    let Some(first) = run.first() else {
        return Ok(0);
    };
    let kind = first.kind;
    let single = runs_alone(kind);
    // The steps that ask the registry see the outages in force now.
    if matches!(
        kind,
        TaskKind::AnalyseJob | TaskKind::RegistryStep | TaskKind::QueuedRequest
    ) {
        app.faults().settle()?;
    }
    let result = match kind {
        TaskKind::AnalyseJob => transfer::analyse(app, first, now).map(|()| Vec::new()),
        TaskKind::SendMail => mail::send_mails(app, run, now),
        TaskKind::ApprovalTimeout => {
            let items: Vec<(i64, i64)> = run.iter().map(|t| (t.id, t.subject)).collect();
            crate::rules::lifecycle::timeouts(app, &items, now)
                .map(|()| Vec::new())
                .map_err(StepError::from)
        }
        TaskKind::RegistryStep => transfer::registry_steps(app, run, now).map(|()| Vec::new()),
        TaskKind::AwayRequest => away_requests(app, run, now).map(|()| Vec::new()),
        TaskKind::AwayTimeout => {
            let items: Vec<_> = run
                .iter()
                .map(|t| (t.subject, crate::status::AwayDecision::Timeout, Some(t.id)))
                .collect();
            crate::rules::away::end(app, &items, now)
                .map(|_| Vec::new())
                .map_err(StepError::from)
        }
        TaskKind::VerificationDeadline => {
            let items: Vec<(i64, i64)> = run.iter().map(|t| (t.id, t.subject)).collect();
            crate::rules::verification::deadlines(app, &items, now)
                .map(|()| Vec::new())
                .map_err(StepError::from)
        }
        TaskKind::BulkPush => bulk::push(app, first, now).map(|()| Vec::new()),
        TaskKind::Webhook => webhook::deliver(app, first, now).map(|()| Vec::new()),
        TaskKind::QueuedRequest => queued_requests(app, run, now),
        TaskKind::ClaimDeadline => {
            let items: Vec<(i64, i64)> = run.iter().map(|t| (t.id, t.subject)).collect();
            crate::rules::claims::deadlines(app, &items, now)
                .map(|()| Vec::new())
                .map_err(StepError::from)
        }
    };
    // A failure of the whole step puts back the task(s) it was about; a failure of
    // single tasks within a run (one undeliverable email) puts back only those.
    let failed: Vec<(&Task, String)> = match result {
        Ok(single) => single,
        // These run the first task only.
        Err(e) if single => vec![(first, e.to_string())],
        Err(e) => run.iter().map(|t| (t, e.to_string())).collect(),
    };
    for (task, error) in failed {
        // Back off 1, 2, 4 … minutes, up to a day, measured on the app's clock.
        let wait = 60i64
            .saturating_mul(1 << task.attempts.clamp(0, 10))
            .min(86_400);
        tracing::warn!(task = task.id, kind = task.kind.as_str(), %error, "task failed; retrying later");
        app.store.task_failed(task.id, &error, now + wait)?;
    }
    Ok(if single { 1 } else { run.len() })
}

/// Starts the transfers away the scenario asked for (rules::away decides and words
/// them); one already waiting for its owner, or a domain no longer held, is let go.
fn away_requests(app: &App, run: &[Task], now: i64) -> Result<(), StepError> {
    for task in run {
        if let Some((domain, gaining)) = app.store.away_request(task.subject)? {
            match crate::rules::away::start(app, &domain, &gaining)? {
                Ok(id) => {
                    tracing::info!(%domain, id, "scenario transfer away started");
                }
                Err(refused) => {
                    tracing::info!(%domain, ?refused, "scenario transfer away not started");
                }
            }
        }
        app.store.task_done(task.id, now)?;
    }
    Ok(())
}

/// Tries each queued registration once; those whose registry is still down are
/// put back, to be tried again after the task's backoff.
fn queued_requests<'t>(
    app: &App,
    run: &'t [Task],
    now: i64,
) -> Result<Vec<(&'t Task, String)>, StepError> {
    use crate::api::actions::{Retried, retry_queued};
    let mut again = Vec::new();
    for task in run {
        match retry_queued(app, task.subject, now)? {
            Retried::Settled | Retried::Registered => app.store.task_done(task.id, now)?,
            Retried::Again(why) => again.push((task, why)),
        }
    }
    Ok(again)
}

/// Kinds whose step runs the first task of a run only (the others batch).
fn runs_alone(kind: TaskKind) -> bool {
    matches!(
        kind,
        TaskKind::AnalyseJob | TaskKind::BulkPush | TaskKind::Webhook
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 26.9: a store that cannot lease is an error the runner returns (it
    /// looped at once, for ever, burning a core), and the worker waits between
    /// rounds and still stops at once when told to.
    #[test]
    fn a_failing_store_is_an_error_and_the_worker_backs_off() {
        let dir = crate::store::test_support::temp_db();
        let db = dir.db().to_path_buf();
        let store = crate::store::Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
        let config = crate::config::Config::new(([127, 0, 0, 1], 0).into(), db.clone());
        let app = std::sync::Arc::new(App::new(
            store,
            std::sync::Arc::new(crate::clock::SandboxClock::default()),
            config,
        ));
        let now = app.now();
        assert!(
            app.store
                .add_task(TaskKind::ApprovalTimeout, 1, now - 1)
                .is_ok()
        );
        app.store
            .refuse_writes(true)
            .unwrap_or_else(|e| panic!("{e}"));
        let (tx, rx) = std::sync::mpsc::channel();
        let a = app.clone();
        std::thread::spawn(move || {
            let _ = tx.send(run_due(&a));
        });
        let ran = rx
            .recv_timeout(std::time::Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("run_due never returned on a failing store"));
        assert!(ran.is_err(), "{ran:?}");
        // The worker: on a failing store it waits (backoff), and a shutdown ends
        // the wait instead of outlasting it.
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let ended = rt.block_on(async {
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let w = tokio::spawn(worker(app.clone(), async move {
                let _ = stopped.await;
            }));
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            let _ = stop.send(());
            tokio::time::timeout(std::time::Duration::from_secs(20), w).await
        });
        assert!(
            ended.is_ok(),
            "the worker did not stop within its drain time"
        );
        app.store
            .refuse_writes(false)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            run_due(&app).is_ok_and(|n| n >= 1),
            "works again once the store does"
        );
    }

    /// Issue 17: two instances on one database tell the same sandbox time after
    /// either moves the clock, and two advances at once both count.
    #[test]
    fn instances_share_the_sandbox_clock() {
        use crate::clock::{CLOCK_OFFSET, SandboxClock};
        let dir = crate::store::test_support::temp_db();
        let db = dir.db().to_path_buf();
        let app = || {
            let store = crate::store::Store::open(&db).unwrap_or_else(|e| panic!("{e}"));
            let config = crate::config::Config::new(([127, 0, 0, 1], 0).into(), db.clone());
            App::new(store, std::sync::Arc::new(SandboxClock::default()), config)
        };
        let (a, b) = (app(), app());
        let before = b.now();
        assert!(advance_clock(&a, time::Duration::days(3)).is_ok());
        std::thread::sleep(crate::app::CLOCK_SYNC * 2);
        let moved = b.now() - before;
        assert!((3 * 86_400..3 * 86_400 + 60).contains(&moved), "{moved}");
        assert!(advance_clock(&b, time::Duration::days(1)).is_ok());
        std::thread::sleep(crate::app::CLOCK_SYNC * 2);
        let moved = a.now() - before;
        assert!((4 * 86_400..4 * 86_400 + 60).contains(&moved), "{moved}");
        assert_eq!(
            a.store.setting(CLOCK_OFFSET).ok().flatten().as_deref(),
            Some("345600")
        );
    }
}

/// How often finished work is pruned (see `store::retention`).
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Deletes what the retention settings no longer keep; logs what went.
pub fn prune(app: &App) {
    let now = app.now();
    let age = |d: Duration| now.saturating_sub(i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    match app.store.prune(
        age(app.config.retention),
        age(app.config.audit_retention),
        now,
    ) {
        Ok(p) if p.total() > 0 => tracing::info!(?p, "pruned finished work"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, "pruning failed"),
    }
    match crate::api::coverage::prune(app) {
        Ok(0) => {}
        Ok(n) => tracing::info!(rows = n, "pruned coverage counts of unknown actions"),
        Err(e) => tracing::error!(error = %e, "pruning coverage failed"),
    }
}

/// Why the clock did not move, or what failed after it moved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvanceError {
    #[error(transparent)]
    Refused(crate::clock::ClockError),
    #[error("{0}")]
    Failed(String),
}

/// Moves the sandbox clock forward by `by`, keeps the new offset in the database
/// (a restart keeps the time), and runs every task that fell due. Returns the new
/// time and how many tasks ran.
pub fn advance_clock(
    app: &App,
    by: time::Duration,
) -> Result<(time::OffsetDateTime, usize), AdvanceError> {
    // Bounded against the time every instance shares, then added to the saved
    // offset in one transaction, so that two instances advancing at once both count.
    app.time();
    let mut now = app.clock.advance(by).map_err(AdvanceError::Refused)?;
    if app.clock.offset().is_some() {
        let shared = app
            .store
            .add_to_setting(crate::clock::CLOCK_OFFSET, by.whole_seconds())
            .map_err(|e| AdvanceError::Failed(e.to_string()))?;
        app.clock.follow(shared);
        now = app.clock.now();
    }
    let ran = run_due(app).map_err(|e| AdvanceError::Failed(e.to_string()))?;
    Ok((now, ran))
}

/// Why a step did not complete; it is retried later.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] crate::mail::MailError),
    #[error("webhook: {0}")]
    Webhook(String),
}

/// The background workers: the lanes (see `lanes`) and the main runner, which runs
/// due work, then sleeps until the next task is due (at most a second, so that work
/// queued by another process or a moved clock is seen), or until woken by
/// [`App::work`]. Ends when `shutdown` resolves.
pub async fn worker(app: AppState, shutdown: impl std::future::Future<Output = ()>) {
    let mut shutdown = std::pin::pin!(shutdown);
    let (stop_lanes, lanes_stopped) = tokio::sync::watch::channel(false);
    let a = app.clone();
    let _ = tokio::task::spawn_blocking(move || free_dead_local_leases(&a)).await;
    let lanes = tokio::spawn(lanes::run(app.clone(), lanes_stopped.clone()));
    let leases = tokio::spawn(renew_leases(app.clone(), lanes_stopped));
    main_lane(&app, &mut shutdown).await;
    let _ = stop_lanes.send(true);
    let _ = lanes.await;
    let _ = leases.await;
}

/// Frees the task leases of instances on this host whose process is gone (a kill -9
/// and a restart): their work is taken up at once instead of when the leases end.
/// Instances on other hosts are left to their leases.
fn free_dead_local_leases(app: &App) {
    let host = crate::store::host_name();
    let Ok(holders) = app.store.lease_holders() else {
        return;
    };
    for holder in holders {
        let mut parts = holder.split('/');
        let (Some(h), Some(pid)) = (parts.next(), parts.next()) else {
            continue;
        };
        if h != host || holder == app.store.instance() {
            continue;
        }
        let alive = pid.parse::<u32>().is_ok_and(|p| {
            p == std::process::id() || std::path::Path::new(&format!("/proc/{p}")).exists()
        });
        if !alive && let Ok(n) = app.store.free_leases_of(&holder) {
            tracing::info!(%holder, tasks = n, "freed the leases of a dead instance");
        }
    }
}

/// Every [`RENEW_EVERY`] until `stop`: renews this instance's task leases, so that a
/// task outlives its lease only when its instance died, and frees those of dead
/// instances on this host. The lease
/// is counted on the app's clock, so a sandbox clock moved forward makes running
/// leases look over until the next renewal; a task taken over in that moment is
/// still applied once (see `store::tasks::mark_done`).
async fn renew_leases(app: AppState, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut backoff = Backoff::new("lease renewal");
    let mut wait = RENEW_EVERY;
    loop {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let a = app.clone();
        let renewed = tokio::task::spawn_blocking(move || {
            free_dead_local_leases(&a);
            a.store.renew_leases(a.now() + LEASE)
        })
        .await
        .map_err(|e| StoreError::Io(e.to_string()))
        .and_then(|r| r);
        wait = backoff
            .after(&renewed)
            .map_or(RENEW_EVERY, |w| w.max(RENEW_EVERY));
    }
}

async fn main_lane(
    app: &AppState,
    shutdown: &mut std::pin::Pin<&mut impl std::future::Future<Output = ()>>,
) {
    // A store that cannot write (a full disk) is retried after 1, 2, 4 … 60 s,
    // with a log line when it starts failing and one when it recovers.
    let mut backoff = Backoff::new("task runner");
    let mut pruned_at: Option<std::time::Instant> = None;
    loop {
        if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
            pruned_at = Some(std::time::Instant::now());
            let a = app.clone();
            let _ = tokio::task::spawn_blocking(move || prune(&a)).await;
        }
        let a = app.clone();
        // The runner and the store both block: off the async threads.
        let ran = tokio::task::spawn_blocking(move || {
            let kinds = Kinds::Except(LANE_KINDS);
            run_due_of(&a, kinds).map(|_| a.store.next_due_at_of(kinds).ok().flatten())
        })
        .await;
        let wait = match ran {
            Ok(Ok(next)) => {
                backoff.succeeded();
                match next {
                    Some(due) => Duration::from_secs((due - app.now()).clamp(0, 1) as u64),
                    None => Duration::from_secs(1),
                }
            }
            Ok(Err(e)) => backoff.failed(&e),
            Err(e) => backoff.failed(&e),
        };
        if backoff.failures() > 0 {
            // New work does not cut a backoff short: the store is what is failing.
            tokio::select! {
                () = shutdown.as_mut() => return,
                () = tokio::time::sleep(wait) => {}
            }
            continue;
        }
        tokio::select! {
            () = shutdown.as_mut() => return,
            () = app.work.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}
