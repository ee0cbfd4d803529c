//! The registrant's verification page (reached from the email's unguessable link):
//! one button that verifies the address, and lifts a suspension if the deadline
//! passed (`rules::verification`).

use minijinja::context;

use crate::app::App;
use crate::status::VerificationStatus;
use crate::store::VerificationView;

use super::{Form, Page, message, render, store_failure};

fn load(app: &App, token: &str) -> Result<VerificationView, Page> {
    let invalid = || message(404, "Link not valid", "This link is not valid.");
    if !super::approval::plausible(token) {
        return Err(invalid());
    }
    match app.store.verification_by_token(token) {
        Ok(Some(v)) => Ok(v),
        Ok(None) => Err(invalid()),
        Err(e) => Err(store_failure("verification page", &e)),
    }
}

/// GET /verify/{token}
pub fn show(app: &App, token: &str) -> Page {
    let v = match load(app, token) {
        Ok(v) => v,
        Err(p) => return p,
    };
    render(
        200,
        "verify.html",
        context! {
            open => v.status != VerificationStatus::Verified,
            suspended => v.status == VerificationStatus::Suspended,
            domain => v.domain, email => v.email, token => v.token, csrf => v.csrf,
            deadline => super::time(v.deadline),
        },
    )
}

/// POST /verify/{token}: the page's Verify.
pub fn answer(app: &App, token: &str, form: &Form) -> Page {
    let v = match load(app, token) {
        Ok(v) => v,
        Err(p) => return p,
    };
    if !crate::auth::same_secret(form.get("csrf").unwrap_or(""), &v.csrf) {
        return message(
            403,
            "Form expired",
            "Please open the link from your email again.",
        );
    }
    if form.get("decision") != Some("verify") {
        return message(400, "No answer given", "Please press Verify.");
    }
    match crate::rules::verification::verify(app, &v) {
        Ok(_) => show(app, token),
        Err(e) => store_failure("verification page", &e),
    }
}
