//! The profile password page (reached from SEND_PASSWORD's unguessable link): a
//! form that sets a new password for the profile holding the domain, once, within
//! the link's lifetime (`rules::password_reset`). The link's token is looked up by
//! its hash; the form carries the link's own CSRF token.

use minijinja::context;

use crate::app::App;
use crate::store::{AuditEntry, PasswordReset, account};

use super::{Form, Page, message, render, store_failure};

fn load(app: &App, token: &str) -> Result<PasswordReset, Page> {
    let invalid = || message(404, "Link not valid", "This link is not valid.");
    if !super::approval::plausible(token) {
        return Err(invalid());
    }
    match app.store.password_reset(&crate::auth::token_hash(token)) {
        Ok(Some(r)) if r.used_at.is_some() => Err(message(
            410,
            "Link used",
            "This link was used already. Ask for a new one if you need to.",
        )),
        Ok(Some(r)) if r.expires_at <= app.now() => Err(message(
            410,
            "Link expired",
            "This link has expired. Ask for a new one.",
        )),
        Ok(Some(r)) => Ok(r),
        Ok(None) => Err(invalid()),
        Err(e) => Err(store_failure("password page", &e)),
    }
}

fn form(status: u16, r: &PasswordReset, token: &str, error: Option<&str>) -> Page {
    render(
        status,
        "password.html",
        context! {
            username => r.username, domain => r.domain, token, csrf => r.csrf, error,
        },
    )
}

/// GET /password/{token}
pub fn show(app: &App, token: &str) -> Page {
    match load(app, token) {
        Ok(r) => form(200, &r, token, None),
        Err(p) => p,
    }
}

/// POST /password/{token}: the new password, twice; `peer` goes in the audit row.
pub fn answer(app: &App, token: &str, f: &Form, peer: std::net::IpAddr) -> Page {
    let r = match load(app, token) {
        Ok(r) => r,
        Err(p) => return p,
    };
    if !crate::auth::same_secret(f.get("csrf").unwrap_or(""), &r.csrf) {
        return message(
            403,
            "Form expired",
            "Please open the link from your email again.",
        );
    }
    let password = f.get("password").unwrap_or("");
    if password != f.get("confirm").unwrap_or("") {
        return form(400, &r, token, Some("The two passwords differ."));
    }
    if let Err(why) = crate::rules::password_reset::acceptable(password) {
        return form(400, &r, token, Some(why));
    }
    let hash = match crate::auth::hash_password(password) {
        Ok(h) => h,
        Err(_) => {
            return form(
                503,
                &r,
                token,
                Some("The server is busy; please try again."),
            );
        }
    };
    let now = app.now();
    let audit = AuditEntry {
        at: now,
        actor: r.email.clone(),
        actor_kind: account::CONTACT.into(),
        action: "password_reset".into(),
        subject: r.username.clone(),
        detail: format!("profile password set from the link sent for {}", r.domain),
        client_ip: peer.to_string(),
        gaining: None,
        gaining_kind: None,
    };
    match app
        .store
        .use_password_reset(&crate::auth::token_hash(token), &hash, &audit, now)
    {
        Ok(true) => message(
            200,
            "Password set",
            &format!(
                "The password of the profile \u{201c}{}\u{201d} is set. Sessions opened with the old one have ended.",
                r.username
            ),
        ),
        Ok(false) => message(
            410,
            "Link used",
            "This link was used already. Ask for a new one if you need to.",
        ),
        Err(e) => store_failure("password page", &e),
    }
}
