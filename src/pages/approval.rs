//! The registrant's approval page (reached from the email's unguessable link) and the
//! OpenSRS-style `/transfers` URLs of the bulk-transfer appendix, which resellers may
//! call from pages they host themselves.

use minijinja::context;

use crate::app::App;
use crate::rules::lifecycle::{Decision, DecisionRefused};
use crate::status::DomainStatus;
use crate::status::RegistrantDecision;
use crate::store::{Approval, StoreError};

use super::{Form, Page, message, render, store_failure};

/// Tokens are 32 hex characters; anything else is not looked up at all.
pub(super) fn plausible(token: &str) -> bool {
    token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

fn load(app: &App, token: &str) -> Result<Approval, Page> {
    let not_found = || {
        message(
            404,
            "Link not valid",
            "This approval link is not valid. Please use the link from the email you received.",
        )
    };
    if !plausible(token) {
        return Err(not_found());
    }
    match app.store.approval_by_token(token) {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(not_found()),
        Err(e) => Err(store_failure("approval page", &e)),
    }
}

fn human(status: DomainStatus) -> &'static str {
    match status {
        DomainStatus::Processed => "awaiting your answer",
        DomainStatus::PendingRegistry => "transfer in progress",
        DomainStatus::Completed => "transferred",
        DomainStatus::Cancelled => "cancelled",
        DomainStatus::Failed => "failed",
        DomainStatus::Pending => "pending",
    }
}

/// GET /approve/{token}
pub fn show(app: &App, token: &str) -> Page {
    let a = match load(app, token) {
        Ok(a) => a,
        Err(p) => return p,
    };
    let now = app.now();
    let open = a.decision.is_none() && now < a.expires_at;
    let state = match a.decision {
        Some(RegistrantDecision::Accept) => "You accepted this transfer.",
        Some(RegistrantDecision::Cancel) => "You cancelled this transfer.",
        Some(_) | None if !open => "The time to answer has passed; the transfers were not started.",
        Some(_) | None => "",
    };
    let waiting: Vec<&str> = a
        .domains
        .iter()
        .filter(|d| d.status == DomainStatus::Processed)
        .map(|d| d.name.as_str())
        .collect();
    let all: Vec<(&str, &str)> = a
        .domains
        .iter()
        .map(|d| (d.name.as_str(), human(d.status)))
        .collect();
    let expires = super::time(a.expires_at);
    render(
        200,
        "approval.html",
        context! {
            name => a.name, email => a.email, token => a.token, csrf => a.csrf,
            open, state, domains => waiting, all_domains => all, expires,
        },
    )
}

/// POST /approve/{token}: the page's own Accept / Cancel forms.
pub fn answer(app: &App, token: &str, form: &Form) -> Page {
    let a = match load(app, token) {
        Ok(a) => a,
        Err(p) => return p,
    };
    let csrf = form.get("csrf").unwrap_or("");
    if !crate::auth::same_secret(csrf, &a.csrf) {
        return message(
            403,
            "Form expired",
            "Please open the link from your email again and answer from that page.",
        );
    }
    let decision = match form.get("decision") {
        Some("accept") => Decision::Accept,
        Some("cancel") => Decision::Cancel,
        _ => return message(400, "No answer given", "Please choose Accept or Cancel."),
    };
    decide(app, token, decision)
}

fn decide(app: &App, token: &str, decision: Decision) -> Page {
    match crate::rules::lifecycle::decide(app, token, decision, app.now()) {
        Ok(Ok(after)) => {
            app.work.notify_one();
            let domains: Vec<(&str, &str)> = after
                .domains
                .iter()
                .map(|d| (d.name.as_str(), human(d.status)))
                .collect();
            render(
                200,
                "approval_done.html",
                context! { accepted => decision == Decision::Accept, domains },
            )
        }
        Ok(Err(DecisionRefused::AlreadyDecided)) => message(
            409,
            "Already answered",
            "This transfer request has already been answered.",
        ),
        Ok(Err(DecisionRefused::Expired)) => message(
            410,
            "Too late",
            "The time to answer has passed; the transfers were not started.",
        ),
        Err(StoreError::NotFound) => {
            message(404, "Link not valid", "This approval link is not valid.")
        }
        Err(e) => store_failure("approval page", &e),
    }
}

/// GET /transfers?action=confirm_bulk_transfer&bt=1&bulk_transfer_id=…&id=…
pub fn transfers_get(app: &App, query: &Form) -> Page {
    match transfer_token(query) {
        Some(t) => show(app, &t),
        None => message(400, "Missing parameters", "bulk_transfer_id is required."),
    }
}

/// POST /transfers with action=do_confirm_bulk_transfer (accept) or
/// action=cancel_bulk_transfer (cancel).
pub fn transfers_post(app: &App, form: &Form) -> Page {
    let Some(token) = transfer_token(form) else {
        return message(
            400,
            "Missing parameters",
            "bulk_transfer_id or unique_id is required.",
        );
    };
    if !plausible(&token) {
        return message(404, "Link not valid", "This approval link is not valid.");
    }
    match form.get("action") {
        Some("do_confirm_bulk_transfer") => decide(app, &token, Decision::Accept),
        Some("cancel_bulk_transfer") => decide(app, &token, Decision::Cancel),
        Some("confirm_bulk_transfer") => show(app, &token),
        _ => message(
            400,
            "Unknown action",
            "action must be do_confirm_bulk_transfer or cancel_bulk_transfer.",
        ),
    }
}

/// The registrant token from the appendix's parameters: `bulk_transfer_id`,
/// `unique_id` or `id`, which must agree when several are given.
fn transfer_token(params: &Form) -> Option<String> {
    let given: Vec<&str> = ["bulk_transfer_id", "unique_id", "id"]
        .iter()
        .filter_map(|k| params.get(k).map(str::trim))
        .filter(|v| !v.is_empty())
        .collect();
    let first = given.first()?;
    given
        .iter()
        .all(|v| v == first)
        .then(|| first.to_ascii_lowercase())
}
