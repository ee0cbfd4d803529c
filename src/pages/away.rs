//! The owner's page of a transfer away (reached from the email's unguessable link):
//! approve, decline, or leave it to go ahead when the window ends.

use minijinja::context;

use crate::app::App;
use crate::store::AwayView;

use super::{Form, Page, message, render, store_failure};

fn load(app: &App, token: &str) -> Result<AwayView, Page> {
    let invalid = || message(404, "Link not valid", "This link is not valid.");
    if !super::approval::plausible(token) {
        return Err(invalid());
    }
    match app.store.transfer_away_by_token(token) {
        Ok(Some(a)) => Ok(a),
        Ok(None) => Err(invalid()),
        Err(e) => Err(store_failure("transfer away page", &e)),
    }
}

fn state(a: &AwayView) -> &'static str {
    use crate::status::{AwayDecision as D, AwayStatus as S};
    match (a.status, a.decision) {
        (S::Completed, Some(D::Accept)) => {
            "You approved the transfer; the domain has left for its new registrar."
        }
        (S::Completed, _) => "The transfer went ahead: nobody declined it in time.",
        (S::Cancelled, Some(D::Decline)) => {
            "You declined the transfer; the domain stays where it is."
        }
        (S::Cancelled, _) => "The transfer did not happen.",
        (S::PendingOwner, _) => "",
    }
}

/// GET /transfer-away/{token}
pub fn show(app: &App, token: &str) -> Page {
    let a = match load(app, token) {
        Ok(a) => a,
        Err(p) => return p,
    };
    render(
        200,
        "transfer_away.html",
        context! {
            open => a.status == crate::status::AwayStatus::PendingOwner, state => state(&a), domain => a.domain,
            gaining => a.gaining, token => a.token, csrf => a.csrf,
            expires => super::time(a.expires_at),
        },
    )
}

/// POST /transfer-away/{token}: the page's Approve / Decline.
pub fn answer(app: &App, token: &str, form: &Form) -> Page {
    let a = match load(app, token) {
        Ok(a) => a,
        Err(p) => return p,
    };
    if !crate::auth::same_secret(form.get("csrf").unwrap_or(""), &a.csrf) {
        return message(
            403,
            "Form expired",
            "Please open the link from your email again.",
        );
    }
    let accept = match form.get("decision") {
        Some("accept") => true,
        Some("decline") => false,
        _ => return message(400, "No answer given", "Please choose Approve or Decline."),
    };
    match crate::rules::away::decide(app, a.id, accept) {
        Ok(true) => {
            app.work.notify_one();
            show(app, token)
        }
        Ok(false) => message(409, "Already answered", "This transfer has already ended."),
        Err(e) => store_failure("transfer away page", &e),
    }
}
