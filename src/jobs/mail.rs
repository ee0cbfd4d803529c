//! The mail step: delivers outbox messages, whatever feature queued them (see
//! `store::outbox`), records them sent, and gives up on what will never go.

use crate::app::App;
use crate::mail::MailError;
use crate::store::Task;

use super::StepError;

/// Tries per email: with the runner's backoff (1, 2, 4 … minutes) the last comes
/// about 17 hours after the first.
pub const MAX_MAIL_ATTEMPTS: i64 = 10;

/// One delivery through the mailer, unless a fault rule has the relay refusing.
fn deliver(app: &App, mail: &crate::store::Mail, message_id: &str) -> Result<(), MailError> {
    if app.faults().active("smtp_refuse") {
        return Err(MailError::Delivery(
            "the relay refused the message (injected fault)".into(),
        ));
    }
    app.mailer.send(mail, message_id)
}

/// Delivers a run of outbox messages; returns the tasks whose delivery failed (to be
/// retried), having recorded the others as sent in one transaction.
pub(super) fn send_mails<'t>(
    app: &App,
    run: &'t [Task],
    now: i64,
) -> Result<Vec<(&'t Task, String)>, StepError> {
    let mut sent = Vec::with_capacity(run.len());
    let mut failed = Vec::new();
    let mut given_up = Vec::new();
    for task in run {
        match app.store.outbox_mail(task.subject)? {
            // Already delivered (a crash came between delivery and this bookkeeping).
            Some((_, _, Some(_))) | None => sent.push((task.id, task.subject)),
            Some((mail, message_id, None)) => match deliver(app, &mail, &message_id) {
                Ok(()) => sent.push((task.id, task.subject)),
                // A bad address or a final refusal is not retried, and neither is a
                // message that failed every try: the error stays on the outbox row.
                Err(e @ MailError::Permanent(_)) => {
                    tracing::warn!(outbox = task.subject, error = %e, "mail given up");
                    given_up.push((task.id, task.subject, e.to_string()));
                }
                Err(e) if task.attempts + 1 >= MAX_MAIL_ATTEMPTS => {
                    tracing::warn!(outbox = task.subject, error = %e, attempts = task.attempts + 1, "mail given up");
                    given_up.push((task.id, task.subject, e.to_string()));
                }
                Err(e) => failed.push((task, e.to_string())),
            },
        }
    }
    app.store.mails_sent(&sent, now)?;
    app.store.mails_given_up(&given_up, now)?;
    app.metrics.mails(sent.len(), failed.len() + given_up.len());
    Ok(failed)
}
