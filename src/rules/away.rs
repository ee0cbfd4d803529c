//! Transfers away: whom a transfer of one of our domains to another registrar
//! asks (the owner contact opsd holds, else the registrant WHOIS shows), with which
//! tokens and email, and for how long (`transfer_approval_window`; with no answer the
//! transfer completes, as registries complete transfers the owner does not stop).

use crate::app::App;
use crate::status::{AwayDecision, AwayStatus};
use crate::store::{AwayEnd, Mail, NewAway, StoreError, Written};

/// Why a transfer away was not started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwayRefused {
    /// No reseller holds the domain.
    NotInAPortfolio,
    /// One is already waiting for the owner.
    AlreadyPending,
}

/// Why it cannot start now, if it cannot: whoever holds `domain`, and whether a
/// transfer away of it waits already.
fn refusal(app: &App, domain: &str) -> Result<Result<i64, AwayRefused>, StoreError> {
    let Some(holder) = app.store.portfolio_holder(domain)? else {
        return Ok(Err(AwayRefused::NotInAPortfolio));
    };
    if app.store.transfer_away_pending(domain)? {
        return Ok(Err(AwayRefused::AlreadyPending));
    }
    Ok(Ok(holder))
}

/// Starts a transfer away of `domain` (a portfolio domain of whichever reseller
/// holds it) to the registrar `gaining`.
pub fn start(
    app: &App,
    domain: &str,
    gaining: &str,
) -> Result<Result<i64, AwayRefused>, StoreError> {
    let domain = domain.trim().trim_end_matches('.').to_ascii_lowercase();
    let reseller_id = match refusal(app, &domain)? {
        Ok(holder) => holder,
        Err(why) => return Ok(Err(why)),
    };
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
    let gaining = gaining.trim().to_string();
    let away = NewAway {
        reseller_id,
        event: super::events::away(
            reseller_id,
            &domain,
            &gaining,
            AwayStatus::PendingOwner,
            now,
        ),
        message_id: format!("<away-{}@opsd>", &token[..16]),
        domain,
        gaining,
        owner_email: owner,
        token,
        csrf,
        expires_at: now + window,
        mail,
        now,
    };
    match app.store.start_transfer_away(&away)? {
        Written::Done(id) => {
            app.work.notify_one();
            Ok(Ok(id))
        }
        // Pushed or asked for meanwhile: why, as it is now.
        Written::Stopped(_) => Ok(Err(refusal(app, &away.domain)?
            .err()
            .unwrap_or(AwayRefused::AlreadyPending))),
    }
}

/// The owner's answer to a transfer away (`accept` or not); whether it ended
/// the transfer (false: it had ended already).
pub fn decide(app: &App, id: i64, accept: bool) -> Result<bool, StoreError> {
    let decision = if accept {
        AwayDecision::Accept
    } else {
        AwayDecision::Decline
    };
    let ended = end(app, &[(id, decision, None)], app.now())?;
    Ok(ended.first().copied().unwrap_or(false))
}

/// Ends transfers away by `(id, decision, task)`: an accepted or unanswered one
/// completes — the domain leaves the portfolio — unless the domain has left the
/// reseller meanwhile (pushed), when it is cancelled; a declined one is
/// cancelled. Whether each ended (false: it had ended already).
pub fn end(
    app: &App,
    items: &[(i64, AwayDecision, Option<i64>)],
    now: i64,
) -> Result<Vec<bool>, StoreError> {
    let plan = |id: i64, decision: AwayDecision, task_id: Option<i64>, still_held: bool| {
        let view = app.store.transfer_away(id)?;
        Ok::<_, StoreError>(
            view.filter(|v| v.status == AwayStatus::PendingOwner)
                .map(|v| {
                    let status = match decision {
                        AwayDecision::Decline => AwayStatus::Cancelled,
                        AwayDecision::Accept | AwayDecision::Timeout if still_held => {
                            AwayStatus::Completed
                        }
                        AwayDecision::Accept | AwayDecision::Timeout => AwayStatus::Cancelled,
                    };
                    AwayEnd {
                        id,
                        decision,
                        status,
                        event: super::events::away(
                            v.reseller_id,
                            &v.domain,
                            &v.gaining,
                            status,
                            now,
                        ),
                        task_id,
                    }
                }),
        )
    };
    let mut out = Vec::with_capacity(items.len());
    for &(id, decision, task_id) in items {
        let held = |v: &crate::store::AwayView| {
            app.store
                .portfolio_holder(&v.domain)
                .map(|h| h == Some(v.reseller_id))
        };
        let still_held = match app.store.transfer_away(id)? {
            Some(v) => held(&v)?,
            None => false,
        };
        let Some(first) = plan(id, decision, task_id, still_held)? else {
            if let Some(t) = task_id {
                app.store.task_done(t, now)?;
            }
            out.push(false);
            continue;
        };
        let mut ended = app
            .store
            .end_transfers_away(std::slice::from_ref(&first), now)?;
        if ended == [false] && first.status == AwayStatus::Completed {
            // The domain left the reseller between the read and the write.
            if let Some(again) = plan(id, decision, task_id, false)? {
                ended = app.store.end_transfers_away(&[again], now)?;
            }
        }
        if ended == [false]
            && let Some(t) = task_id
        {
            app.store.task_done(t, now)?;
        }
        out.push(ended.first().copied().unwrap_or(false));
    }
    Ok(out)
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
