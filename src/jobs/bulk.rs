//! The bulk change worker step — pushes, and every other change type through
//! `rules::bulk_change` — and its results email.

use crate::app::App;
use crate::rules::push::{ItemRefused, check_item, consented};
use crate::status::{BulkChangeType, BulkItemStatus, BulkStatus};
use crate::store::{AuditEntry, BulkChangeView, BulkStep, Mail, PushProfile, Task, account};

use super::StepError;

/// Items pushed per transaction.
const CHUNK: usize = 100;

pub(super) fn push(app: &App, task: &Task, now: i64) -> Result<(), StepError> {
    while !push_some(app, task.id, task.subject, CHUNK, now)? {}
    Ok(())
}

/// Works through up to `limit` queued items of bulk push `id` (each push committed
/// with its item's outcome); when none is left, finishes the job with its results
/// email and marks task `task_id` done. Returns whether the job is finished.
pub fn push_some(
    app: &App,
    task_id: i64,
    id: i64,
    limit: usize,
    now: i64,
) -> Result<bool, crate::store::StoreError> {
    let store = &app.store;
    let Some(batch) = store.bulk_batch(id, limit)? else {
        store.task_done(task_id, now)?;
        return Ok(true);
    };
    let steps = match batch.change_type {
        BulkChangeType::PushDomains => push_steps(app, &batch, id, now)?,
        _ => {
            let params = batch
                .params
                .as_deref()
                .and_then(crate::rules::bulk_change::Params::from_json);
            let mut steps = Vec::with_capacity(batch.items.len());
            for item in &batch.items {
                let step = match &params {
                    Some(p) => crate::rules::bulk_change::step(app, &batch, p, &item.name, now)?,
                    // A job whose parameters cannot be read changes nothing.
                    None => BulkStep::Outcome {
                        status: BulkItemStatus::Failed,
                        reason: Some("The bulk change's parameters could not be read.".into()),
                    },
                };
                steps.push((item.position, step));
            }
            steps
        }
    };
    if store.record_bulk_items(id, &steps)? > 0 {
        return Ok(false);
    }
    // The job as it will be once finished: completed, unless it was cancelled.
    let report = store
        .bulk_change_by_id(id)?
        .map(|mut v| {
            if v.status != BulkStatus::Cancelled {
                v.status = BulkStatus::Completed;
            }
            v
        })
        .and_then(|v| results_mail(&v));
    store.finish_bulk_push(task_id, id, report.as_ref(), now)?;
    Ok(true)
}

/// The steps of a batch of a push: consent, portfolio and lock, then the push.
fn push_steps(
    app: &App,
    batch: &crate::store::BulkBatch,
    id: i64,
    now: i64,
) -> Result<Vec<(i64, BulkStep)>, crate::store::StoreError> {
    let store = &app.store;
    // Consent is asked again when the job runs: a switch turned off since the
    // submit stops what has not moved yet.
    let consent = consented(store, batch.losing_id, batch.gaining_id)?;
    let profile = batch
        .profile_id
        .map_or(PushProfile::NewPerDomain, PushProfile::Existing);
    let steps: Vec<(i64, BulkStep)> = batch
        .items
        .iter()
        .map(|item| {
            let step = match check_item(consent, item.found.as_ref(), batch.apply_to_locked) {
                Err(refused) => {
                    let (status, reason) = refused.outcome();
                    BulkStep::Outcome {
                        status,
                        reason: Some(reason.into()),
                    }
                }
                Ok(domain) => BulkStep::Push {
                    events: crate::rules::events::pushed(
                        &domain.name,
                        (batch.losing_id, &batch.losing),
                        (batch.gaining_id, &batch.gaining),
                        now,
                    )
                    .to_vec(),
                    if_gone: {
                        let (status, reason) = ItemRefused::NotInPortfolio.outcome();
                        (status, reason.to_string())
                    },
                    domain: domain.clone(),
                    gaining_id: batch.gaining_id,
                    profile: profile.clone(),
                    audit: Box::new(AuditEntry {
                        at: now,
                        actor: batch.losing.clone(),
                        actor_kind: account::RESELLER.into(),
                        action: "bulk_push".into(),
                        subject: item.name.clone(),
                        detail: format!(
                            "bulk change {id}: pushed from {} to {}",
                            batch.losing, batch.gaining
                        ),
                        client_ip: batch.client_ip.clone(),
                        gaining: Some(batch.gaining.clone()),
                        gaining_kind: Some(account::RESELLER.into()),
                    }),
                },
            };
            (item.position, step)
        })
        .collect();
    Ok(steps)
}

/// The report to `contact_email`, when one was given.
fn results_mail(v: &BulkChangeView) -> Option<Mail> {
    let to = v.contact_email.clone().filter(|e| !e.trim().is_empty())?;
    if v.change_type != BulkChangeType::PushDomains.as_str() {
        let mut body = format!(
            "Bulk change {id} ({kind}) is {status}.\n\n\
             completed: {d}\nskipped: {s}\nfailed: {f}\ncancelled: {c}\n\n",
            id = v.id,
            kind = v.change_type,
            status = v.status,
            d = v.count(BulkItemStatus::Completed),
            s = v.count(BulkItemStatus::Skipped),
            f = v.count(BulkItemStatus::Failed),
            c = v.count(BulkItemStatus::Cancelled),
        );
        for i in &v.items {
            body.push_str(&format!("{}  {}", i.domain, i.status));
            if let Some(r) = &i.reason {
                body.push_str(&format!("  ({r})"));
            }
            body.push('\n');
        }
        return Some(Mail {
            to,
            subject: format!(
                "Bulk change {} ({}): {} completed, {} skipped, {} failed",
                v.id,
                v.change_type,
                v.count(BulkItemStatus::Completed),
                v.count(BulkItemStatus::Skipped),
                v.count(BulkItemStatus::Failed)
            ),
            body,
        });
    }
    let mut body = format!(
        "Bulk change {id} (move to reseller {gaining}) is {status}.\n\n\
         pushed: {p}\nskipped: {s}\nfailed: {f}\ncancelled: {c}\n\n",
        id = v.id,
        gaining = v.gaining,
        status = v.status,
        p = v.count(BulkItemStatus::Pushed),
        s = v.count(BulkItemStatus::Skipped),
        f = v.count(BulkItemStatus::Failed),
        c = v.count(BulkItemStatus::Cancelled),
    );
    for i in &v.items {
        body.push_str(&format!("{}  {}", i.domain, i.status));
        if let Some(r) = &i.reason {
            body.push_str(&format!("  ({r})"));
        }
        body.push('\n');
    }
    Some(Mail {
        to,
        subject: format!(
            "Bulk change {}: {} pushed, {} skipped, {} failed",
            v.id,
            v.count(BulkItemStatus::Pushed),
            v.count(BulkItemStatus::Skipped),
            v.count(BulkItemStatus::Failed)
        ),
        body,
    })
}
