//! The trademark claims notice page (reached from the notice's unguessable link):
//! the mark the name matches, and two buttons — accept, and the order is carried
//! out; decline, and it is cancelled (`rules::claims`). The form carries the
//! notice's own CSRF token.

use minijinja::context;

use crate::app::App;
use crate::status::{ClaimDecision, OrderStatus};
use crate::store::ClaimNotice;

use super::{Form, Page, message, render, store_failure};

fn load(app: &App, token: &str) -> Result<ClaimNotice, Page> {
    let invalid = || message(404, "Link not valid", "This link is not valid.");
    if !super::approval::plausible(token) {
        return Err(invalid());
    }
    match app.store.claim_notice(&crate::auth::token_hash(token)) {
        Ok(Some(n)) => Ok(n),
        Ok(None) => Err(invalid()),
        Err(e) => Err(store_failure("claims page", &e)),
    }
}

/// Whether the notice still waits for an answer.
fn open(app: &App, n: &ClaimNotice) -> bool {
    n.order_status == Some(OrderStatus::AwaitingClaim) && n.expires_at > app.now()
}

/// GET /claims/{token}
pub fn show(app: &App, token: &str) -> Page {
    let n = match load(app, token) {
        Ok(n) => n,
        Err(p) => return p,
    };
    let outcome = match (n.decision, n.order_status) {
        _ if open(app, &n) => "open",
        (Some(ClaimDecision::Accepted), Some(OrderStatus::Completed)) => "registered",
        (Some(ClaimDecision::Accepted), _) => "refused",
        (Some(ClaimDecision::Declined), _) => "declined",
        _ => "expired",
    };
    render(
        200,
        "claims.html",
        context! {
            outcome, domain => n.domain, mark => crate::rules::claims::mark(&n.domain),
            token, csrf => n.csrf, deadline => super::time(n.expires_at),
        },
    )
}

/// POST /claims/{token}: accept or decline.
pub fn answer(app: &App, token: &str, form: &Form) -> Page {
    let n = match load(app, token) {
        Ok(n) => n,
        Err(p) => return p,
    };
    if !crate::auth::same_secret(form.get("csrf").unwrap_or(""), &n.csrf) {
        return message(
            403,
            "Form expired",
            "Please open the link from your email again.",
        );
    }
    if !open(app, &n) {
        return show(app, token);
    }
    let now = app.now();
    let done = match form.get("decision") {
        Some("accept") => crate::api::actions::accept_claim(app, n.order_id, now).map(|_| ()),
        Some("decline") => {
            crate::rules::claims::end(app, n.order_id, ClaimDecision::Declined, now).map(|_| ())
        }
        _ => {
            return message(
                400,
                "No answer given",
                "Please accept or decline the notice.",
            );
        }
    };
    app.work.notify_one();
    match done {
        Ok(()) => show(app, token),
        Err(e) => store_failure("claims page", &e),
    }
}
