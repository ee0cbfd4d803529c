//! Transfers away: whom a transfer of one of our domains to another registrar
//! asks (the owner contact opsd holds, else the registrant WHOIS shows), with which
//! tokens and email, and for how long (`transfer_approval_window`; with no answer the
//! transfer completes, as registries complete transfers the owner does not stop).

use crate::app::App;
use crate::store::{AwayRefused, Mail, NewAway, StoreError};

/// Starts a transfer away of `domain` (a portfolio domain of whichever reseller
/// holds it) to the registrar `gaining`.
pub fn start(
    app: &App,
    domain: &str,
    gaining: &str,
) -> Result<Result<i64, AwayRefused>, StoreError> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let owner = owner_email(app, &domain);
    let (token, csrf) = super::approval::tokens();
    let now = app.now();
    let window = app.config.transfer_approval_window.as_secs() as i64;
    let mail = mail(
        &app.config.public_url,
        &domain,
        gaining,
        &owner,
        &token,
        window / 86_400,
    );
    let started = app.store.start_transfer_away(&NewAway {
        domain,
        gaining: gaining.trim().to_string(),
        owner_email: owner,
        token,
        csrf,
        expires_at: now + window,
        mail,
        now,
    })?;
    if started.is_ok() {
        app.work.notify_one();
    }
    Ok(started)
}

/// The owner contact of the portfolio row, else WHOIS's registrant, else
/// `registrant@<domain>`.
fn owner_email(app: &App, domain: &str) -> String {
    let held = app
        .store
        .domain_contacts(domain)
        .ok()
        .flatten()
        .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
        .and_then(|v| {
            ["owner", "registrant"]
                .iter()
                .find_map(|k| v[*k]["email"].as_str().map(str::to_string))
        });
    held.or_else(|| {
        app.whois
            .lookup(domain)
            .ok()
            .and_then(|t| crate::whois::parse_full(&t).ok())
            .map(|r| r.registrant.email)
    })
    .map(|e| e.trim().to_lowercase())
    .filter(|e| crate::mail::plausible_address(e))
    .unwrap_or_else(|| format!("registrant@{domain}"))
}

/// The email to the owner: who asked, and the page to approve or decline on.
fn mail(public_url: &str, domain: &str, gaining: &str, to: &str, token: &str, days: i64) -> Mail {
    let base = public_url.trim_end_matches('/');
    Mail {
        to: to.to_string(),
        subject: format!("Transfer of {domain} to another registrar requested"),
        body: format!(
            "Hello,\n\nThe registrar {gaining} has asked for the transfer of the domain name {domain} to it.\n\n\
             To approve or decline the transfer, open:\n\n  {base}/transfer-away/{token}\n\n\
             If you do nothing within {days} days, the transfer goes ahead.\n"
        ),
    }
}
