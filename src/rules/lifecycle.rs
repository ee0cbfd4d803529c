//! The transfer-in lifecycle's decisions, for SIMPLE_TRANSFER jobs and single
//! transfer orders alike: where each domain moves when analysed, answered, left
//! unanswered, cancelled or settled by the registry, with which reason and events;
//! the store applies each plan in one transaction, every move guarded by the status
//! read here.

use crate::app::App;
use crate::codes::transfer_reasons as reason;
use crate::status::{DomainStatus, RegistrantDecision};
use crate::store::{
    Analysed, Analysis, Approval, DecisionPlan, DomainMove, JobOwner, Landing, LandingProfile,
    RegistryStep, StepPlan, StoreError, TimeoutPlan, WorkDomain,
};

use super::events::{JobDomain, transfer_moved};

/// A registrant's answer on its approval page (or the operator's, for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Cancel,
}

/// Why a registrant's answer was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecisionRefused {
    AlreadyDecided,
    Expired,
}

/// One domain's move, its events made for `owner`.
#[allow(clippy::too_many_arguments)]
fn moved(
    owner: JobOwner,
    job_id: i64,
    position: i64,
    name: &str,
    from: DomainStatus,
    to: DomainStatus,
    why: Option<&str>,
    now: i64,
) -> DomainMove {
    DomainMove {
        job_id,
        position,
        from,
        to,
        reason: why.map(str::to_string),
        events: transfer_moved(
            owner,
            JobDomain {
                job_id,
                position,
                name,
            },
            from,
            to,
            now,
        ),
        registry_step_at: None,
    }
}

fn owner_of(app: &App, job_id: i64) -> Result<JobOwner, StoreError> {
    app.store.job_owner(job_id)?.ok_or(StoreError::NotFound)
}

/// The analysed domains of a job: each pending domain becomes processed or
/// failed, with its events.
pub fn analysed(
    app: &App,
    job_id: i64,
    results: Vec<(WorkDomain, Analysis)>,
    now: i64,
) -> Result<Vec<Analysed>, StoreError> {
    let owner = owner_of(app, job_id)?;
    Ok(results
        .into_iter()
        .map(|(d, analysis)| {
            let to = match analysis {
                Analysis::Failed(_) => DomainStatus::Failed,
                Analysis::Ready { .. } => DomainStatus::Processed,
            };
            let events = transfer_moved(
                owner,
                JobDomain {
                    job_id,
                    position: d.position,
                    name: &d.name,
                },
                DomainStatus::Pending,
                to,
                now,
            );
            Analysed {
                position: d.position,
                analysis,
                events,
            }
        })
        .collect())
}

/// The moves of the domains a registrant answers for that wait for it.
fn waiting_moves(
    owner: JobOwner,
    a: &Approval,
    to: DomainStatus,
    why: &str,
    now: i64,
) -> Vec<DomainMove> {
    a.domains
        .iter()
        .filter(|d| d.status == DomainStatus::Processed)
        .map(|d| {
            moved(
                owner,
                a.job_id,
                d.position,
                &d.name,
                d.status,
                to,
                Some(why),
                now,
            )
        })
        .collect()
}

/// A registrant's answer, by its token: accepted, its domains go to the registry
/// (each domain's step due after the days its registry takes); cancelled, they
/// are cancelled. Refused once it has answered or its window is over.
pub fn decide(
    app: &App,
    token: &str,
    decision: Decision,
    now: i64,
) -> Result<Result<Approval, DecisionRefused>, StoreError> {
    let Some(a) = app.store.approval_by_token(token)? else {
        return Err(StoreError::NotFound);
    };
    if a.decision.is_some() {
        return Ok(Err(DecisionRefused::AlreadyDecided));
    }
    if now >= a.expires_at {
        return Ok(Err(DecisionRefused::Expired));
    }
    let owner = owner_of(app, a.job_id)?;
    let (decided, moves) = match decision {
        Decision::Accept => {
            // Each domain's own registry days, read with the registrant's domains
            // (reading the whole job's per answer made 1,000 answers to a
            // 10,000-domain job 4.5 times slower).
            let mut moves = waiting_moves(
                owner,
                &a,
                DomainStatus::PendingRegistry,
                reason::IN_PROGRESS,
                now,
            );
            for m in &mut moves {
                let d = a
                    .domains
                    .iter()
                    .find(|d| d.position == m.position)
                    .map_or(0, |d| d.registry_days);
                m.registry_step_at = Some(now + d * 86_400);
            }
            (RegistrantDecision::Accept, moves)
        }
        Decision::Cancel => (
            RegistrantDecision::Cancel,
            waiting_moves(
                owner,
                &a,
                DomainStatus::Cancelled,
                reason::CANCELLED_BY_REGISTRANT,
                now,
            ),
        ),
    };
    let plan = DecisionPlan {
        registrant_id: a.registrant_id,
        job_id: a.job_id,
        decision: decided,
        moves,
    };
    Ok(match app.store.apply_decision(&plan, now)? {
        Some(after) => Ok(after),
        // Answered (or timed out) between the read and the write.
        None => Err(DecisionRefused::AlreadyDecided),
    })
}

/// Approval windows that ended, `(task_id, registrant_id)`: a registrant that has
/// not answered times out, and its waiting domains are cancelled (the transfer is
/// never started at the registry).
pub fn timeouts(app: &App, items: &[(i64, i64)], now: i64) -> Result<(), StoreError> {
    let mut plans = Vec::with_capacity(items.len());
    for &(task_id, registrant_id) in items {
        let moves_for = |a: &Approval| -> Result<Vec<DomainMove>, StoreError> {
            let owner = owner_of(app, a.job_id)?;
            Ok(waiting_moves(
                owner,
                a,
                DomainStatus::Cancelled,
                reason::TIMED_OUT,
                now,
            ))
        };
        let (job_id, moves) = match app.store.undecided_registrant(registrant_id)? {
            Some(a) => (a.job_id, moves_for(&a)?),
            // Answered already: the task only ends.
            None => (0, Vec::new()),
        };
        plans.push(TimeoutPlan {
            task_id,
            registrant_id,
            job_id,
            moves,
        });
    }
    app.store.approval_timeouts(&plans, now)
}

/// What follows the registry's answer for an accepted domain: nothing unless it
/// still waits for the registry; a refusal fails it; a completion lands it in the
/// portfolio — the job's profile, else the registrant's own — unless a portfolio
/// holds the name by then, when it fails.
pub fn registry_step(
    app: &App,
    task_id: i64,
    job_id: i64,
    position: i64,
    outcome: Result<(), String>,
    now: i64,
) -> Result<RegistryStep, StoreError> {
    let d = match app.store.landing(job_id, position)? {
        Some(d) if d.status == DomainStatus::PendingRegistry => d,
        _ => {
            return Ok(RegistryStep {
                task_id,
                plan: StepPlan::Nothing,
            });
        }
    };
    let owner = JobOwner {
        reseller_id: d.reseller_id,
        order_id: d.order_id,
    };
    let from = DomainStatus::PendingRegistry;
    let plan = match outcome {
        Err(why) => StepPlan::Fail(moved(
            owner,
            job_id,
            position,
            &d.name,
            from,
            DomainStatus::Failed,
            Some(&why),
            now,
        )),
        Ok(()) => {
            let profile = match (d.job_profile, d.registrant_id) {
                (Some(p), _) => LandingProfile::Existing(p),
                (None, Some(r)) => LandingProfile::Registrant {
                    registrant_id: r,
                    username: format!("transfer-{r}"),
                },
                (None, None) => return Err(StoreError::NotFound),
            };
            let landed = moved(
                owner,
                job_id,
                position,
                &d.name,
                from,
                DomainStatus::Completed,
                None,
                now,
            );
            let held = moved(
                owner,
                job_id,
                position,
                &d.name,
                from,
                DomainStatus::Failed,
                Some(reason::ALREADY_HELD),
                now,
            );
            // A transfer in is verified anew unless its owner's address is the one
            // that approved it from the emailed link (which proved it).
            let verification = match super::verification::owner_email(d.contacts.as_deref()) {
                Some(owner)
                    if d.approver_email
                        .as_deref()
                        .is_none_or(|a| !a.eq_ignore_ascii_case(&owner)) =>
                {
                    super::verification::plan(app, d.reseller_id, &d.name, &owner, now)?
                }
                _ => None,
            };
            // A `dns_template` gives the arriving domain its zone.
            let zone = match &d.dns_template {
                Some(t) => super::dns::from_template(&app.store, (d.reseller_id, &d.name), t, now)?,
                None => None,
            };
            StepPlan::Land(Box::new(Landing {
                domain: d,
                profile,
                landed,
                held,
                verification,
                zone,
            }))
        }
    };
    Ok(RegistryStep { task_id, plan })
}

/// The reseller's order `order_id` cancelled while it waits for its owner
/// (before or after the approval email): `None` when the reseller has no such
/// started order, `Some(false)` when its state no longer allows it.
pub fn cancel_order(
    app: &App,
    reseller_id: i64,
    order_id: i64,
    now: i64,
) -> Result<Option<bool>, StoreError> {
    let Some(order) = app.store.order(reseller_id, order_id)? else {
        return Ok(None);
    };
    let Some(job_id) = order.job_id else {
        return Ok(None);
    };
    let owner = JobOwner {
        reseller_id,
        order_id: Some(order_id),
    };
    let moves: Vec<DomainMove> = match order.status {
        Some(s @ (DomainStatus::Pending | DomainStatus::Processed)) => vec![moved(
            owner,
            job_id,
            0,
            &order.domain,
            s,
            DomainStatus::Cancelled,
            Some(reason::CANCELLED_BY_RESELLER),
            now,
        )],
        _ => return Ok(Some(false)),
    };
    Ok(Some(app.store.cancel_transfers(job_id, &moves, now)?))
}
