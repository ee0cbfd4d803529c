//! The bulk push worker step and its results email.

use crate::app::App;
use crate::store::{BulkChangeView, Mail, Task};

use super::StepError;

/// Items pushed per transaction.
const CHUNK: usize = 100;

pub(super) fn push(app: &App, task: &Task, now: i64) -> Result<(), StepError> {
    let report = |v: &BulkChangeView| results_mail(v);
    while !app
        .store
        .run_bulk_push(task.id, task.subject, CHUNK, now, &report)?
    {}
    Ok(())
}

/// The report to `contact_email`, when one was given.
fn results_mail(v: &BulkChangeView) -> Option<Mail> {
    let to = v.contact_email.clone().filter(|e| !e.trim().is_empty())?;
    let mut body = format!(
        "Bulk change {id} (move to reseller {gaining}) is {status}.\n\n\
         pushed: {p}\nskipped: {s}\nfailed: {f}\ncancelled: {c}\n\n",
        id = v.id,
        gaining = v.gaining,
        status = v.status,
        p = v.count("pushed"),
        s = v.count("skipped"),
        f = v.count("failed"),
        c = v.count("cancelled"),
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
            v.count("pushed"),
            v.count("skipped"),
            v.count("failed")
        ),
        body,
    })
}
