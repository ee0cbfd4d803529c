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
    let left = store.record_bulk_items(id, &steps)?;
    // The servers of the hosted services read their data again at once.
    match batch.change_type {
        BulkChangeType::DnsZone | BulkChangeType::DnsZoneRecord => {
            app.hosted_changed(crate::store::Hosted::Zone);
        }
        BulkChangeType::DomainForwarding => app.hosted_changed(crate::store::Hosted::Forwarding),
        _ => {}
    }
    if left > 0 {
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

/// The report to `contact_email`, when one was given: the counts, then each
/// domain with its outcome.
fn results_mail(v: &BulkChangeView) -> Option<Mail> {
    let to = v.contact_email.clone().filter(|e| !e.trim().is_empty())?;
    // A push's items are pushed; any other change's completed.
    let (what, done, done_word) = if v.change_type == BulkChangeType::PushDomains.as_str() {
        (
            format!("move to reseller {}", v.gaining),
            BulkItemStatus::Pushed,
            "pushed",
        )
    } else {
        (
            v.change_type.clone(),
            BulkItemStatus::Completed,
            "completed",
        )
    };
    let (d, s, f, c) = (
        v.count(done),
        v.count(BulkItemStatus::Skipped),
        v.count(BulkItemStatus::Failed),
        v.count(BulkItemStatus::Cancelled),
    );
    let mut body = format!(
        "Bulk change {id} ({what}) is {status}.\n\n\
         {done_word}: {d}\nskipped: {s}\nfailed: {f}\ncancelled: {c}\n\n",
        id = v.id,
        status = v.status,
    );
    for i in &v.items {
        body.push_str(&format!("{}  {}", i.domain, i.status));
        if let Some(r) = &i.reason {
            body.push_str(&format!("  ({r})"));
        }
        body.push('\n');
    }
    let subject = if done == BulkItemStatus::Pushed {
        format!("Bulk change {}: {d} pushed, {s} skipped, {f} failed", v.id)
    } else {
        format!(
            "Bulk change {} ({}): {d} completed, {s} skipped, {f} failed",
            v.id, v.change_type
        )
    };
    Some(Mail { to, subject, body })
}
