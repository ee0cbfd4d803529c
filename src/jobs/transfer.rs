//! The steps of a SIMPLE_TRANSFER job: analysis of each domain (registry check, WHOIS,
//! contact validation), delivery of approval emails, and the registry step after
//! the registrant accepts.

use crate::app::App;
use crate::registry::{RegistryError, TransferOutcome};
use crate::rules::approval;
use crate::rules::transfer::{RegistryRefusal, registry_refusal};
use crate::store::{Analysis, NewApproval, Task};
use crate::whois::{self, WhoisError};

use super::StepError;

/// Domains analysed per transaction: large jobs commit their progress in chunks, so
/// a restart resumes where the last chunk ended.
const CHUNK: usize = 250;

use crate::codes::transfer_reasons as reason;

pub(super) fn analyse(app: &App, task: &Task, now: i64) -> Result<(), StepError> {
    let job_id = task.subject;
    loop {
        let batch = app.store.domains_to_analyse(job_id, CHUNK)?;
        let results: Vec<_> = batch
            .into_iter()
            .map(|d| {
                let a = analyse_one(app, &d.name, &d.auth_info, now);
                (d, a)
            })
            .collect();
        let results = crate::rules::lifecycle::analysed(app, job_id, results, now)?;
        if app.store.record_analysis(job_id, &results, now)? == 0 {
            break;
        }
    }
    // Every domain analysed: ask each registrant once for all of its domains; a
    // single transfer order asks its approver, within the order's window.
    let domains = app.store.transferable_domains(job_id)?;
    let order = app.store.order_of_job(job_id)?;
    let (approvers, window) = match &order {
        Some(order) => (
            domains
                .first()
                .map(|d| vec![approval::order_approver(order.approver.as_deref(), d)])
                .unwrap_or_default(),
            app.config.transfer_approval_window.as_secs() as i64,
        ),
        None => (
            approval::registrants(&domains),
            app.config.approval_window.as_secs() as i64,
        ),
    };
    let asks: Vec<NewApproval> = approvers
        .into_iter()
        .map(|r| {
            let (token, csrf) = approval::tokens();
            NewApproval {
                mail: approval::approval_mail(&app.config.public_url, &r, &token, window / 86_400),
                message_id: format!("<transfer-{job_id}-{}@opsd>", &token[..16]),
                email: r.email,
                name: r.name,
                token,
                csrf,
                expires_at: now + window,
                for_every_domain: order.is_some(),
            }
        })
        .collect();
    app.store.open_approvals(task.id, job_id, &asks, now)?;
    Ok(())
}

fn analyse_one(app: &App, domain: &str, auth_info: &str, now: i64) -> Analysis {
    let failed = |r: &str| Analysis::Failed(r.to_string());
    let holding = match app.registry.check(domain, auth_info) {
        Ok(h) => h,
        Err(RegistryError::Unavailable) => return failed(reason::REGISTRY_DOWN),
        Err(RegistryError::NotFound) => return failed(reason::NOT_AT_REGISTRY),
        Err(RegistryError::NoService) => return failed(reason::NO_SERVICE),
    };
    if !holding.auth_ok {
        return failed(reason::BAD_AUTH);
    }
    match registry_refusal(&holding, now) {
        Some(RegistryRefusal::Locked) => return failed(reason::LOCKED),
        Some(RegistryRefusal::YoungRegistration) => return failed(reason::YOUNG_REGISTRATION),
        Some(RegistryRefusal::YoungTransfer) => return failed(reason::YOUNG_TRANSFER),
        None => {}
    }
    if !holding.bypass_allowed {
        return failed(reason::NO_BYPASS);
    }
    if holding.registry_confirms {
        return failed(reason::REGISTRY_CONFIRMS);
    }
    let text = match app.whois.lookup(domain) {
        Ok(t) => t,
        Err(WhoisError::Unreachable(detail)) => {
            tracing::debug!(domain, %detail, "WHOIS unreachable");
            return failed(reason::WHOIS_UNREACHABLE);
        }
    };
    let record = match whois::parse_full(&text) {
        Ok(r) => r,
        Err(_) => return failed(reason::WHOIS_UNPARSEABLE),
    };
    if let Err(e) = whois::validate_contact(&record.registrant) {
        return Analysis::Failed(format!("Registrant contact fails validation: {e}."));
    }
    let contacts = serde_json::json!({
        "registrant": record.registrant,
        "admin": record.admin,
        "tech": record.tech,
    });
    Analysis::Ready {
        registrant_email: record.registrant.email.trim().to_lowercase(),
        registrant_name: record.registrant.name.trim().to_string(),
        contacts_json: contacts.to_string(),
        registry_days: holding.pending_days,
        expires_after: crate::rules::transfer::expiry_after_transfer(holding.expires_at),
        registered_at: holding.registered_at,
    }
}

/// The one approval email a registrant gets for all its domains in the job.
/// Asks the registry to settle a run of accepted domains and records the answers in
/// one transaction.
pub(super) fn registry_steps(app: &App, run: &[Task], now: i64) -> Result<(), StepError> {
    let mut outcomes = Vec::with_capacity(run.len());
    for task in run {
        let job_id = task.subject;
        let position = task.item.unwrap_or(-1);
        let outcome = match app.store.work_domain(job_id, position)? {
            None => Err(reason::NOT_AT_REGISTRY.to_string()),
            Some(d) => match app.registry.transfer(&d.name, &d.auth_info) {
                Ok(TransferOutcome::Completed) => Ok(()),
                Ok(TransferOutcome::Rejected(why)) => Err(why),
                Err(RegistryError::Unavailable) => Err(reason::REGISTRY_DOWN.to_string()),
                Err(RegistryError::NotFound) => Err(reason::NOT_AT_REGISTRY.to_string()),
                Err(RegistryError::NoService) => Err(reason::NO_SERVICE.to_string()),
            },
        };
        outcomes.push(crate::rules::lifecycle::registry_step(
            app, task.id, job_id, position, outcome, now,
        )?);
    }
    // Profiles made for registrants start with no usable password (store::NO_PASSWORD)
    // until the reseller sets one; hashing a random password per registrant would
    // spend ~30 ms of Argon2 each for nothing.
    app.store.registry_results(&outcomes, now)?;
    Ok(())
}
