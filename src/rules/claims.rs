//! Trademark claims, as OpenSRS handles a new TLD's claims period: LOOKUP says
//! `has_claim` 1 for a name matching a mark in the Trademark Clearinghouse; an
//! order of it is not sent to the registry until its registrant has seen the
//! claims notice and accepted it (SW_REGISTER and PROCESS_PENDING answer 260,
//! `async_reason` `has_claim`). The registrant is mailed a link to the notice;
//! accepted, the order is carried out; declined, or unanswered within
//! [`WINDOW_SECS`] (48 hours, as OpenSRS states), it is cancelled.
//!
//! The sandbox's clearinghouse holds one mark for each such name: its label,
//! held by the sandbox's trademark holder.

use crate::app::App;
use crate::status::{ClaimDecision, OrderStatus};
use crate::store::{CancelledOrder, Mail, NewClaim, StoreError};

/// How long the registrant has to answer.
pub const WINDOW_SECS: i64 = 48 * 3_600;

/// The mark the sandbox's clearinghouse holds for `domain`: its label.
pub fn mark(domain: &str) -> String {
    domain.split('.').next().unwrap_or(domain).to_string()
}

/// The notice of `domain` for its registrant `to`, and the token its link
/// carries (kept only as its hash).
pub fn plan(app: &App, reseller_id: i64, domain: &str, to: &str, now: i64) -> NewClaim {
    let (token, csrf) = super::approval::tokens();
    let base = app.config.public_url.trim_end_matches('/');
    let mark = mark(domain);
    let mail = Mail {
        to: to.to_string(),
        subject: format!("Trademark claims notice for {domain}"),
        body: format!(
            "Hello,\n\nThe domain name {domain} has been ordered for you. It matches a \
             trademark recorded in the Trademark Clearinghouse:\n\n  Mark: {mark}\n  \
             Holder: Sandbox Trademark Holder\n  Jurisdiction: CA\n\nBefore the registration \
             can go ahead you must read the claims notice and say whether you accept it:\n\n  \
             {base}/claims/{token}\n\nIf nobody answers within 48 hours, the order is \
             cancelled.\n"
        ),
    };
    NewClaim {
        token_hash: crate::auth::token_hash(&token),
        reseller_id,
        domain: domain.to_string(),
        email: to.to_string(),
        csrf,
        now,
        expires_at: now + WINDOW_SECS,
        mail,
        message_id: format!("<claims-{}@opsd>", crate::auth::random_hex(8)),
    }
}

/// Ends an order still awaiting its claims notice as `decision` (declined, or
/// expired at its deadline): the order cancelled with its event and note, the
/// notices answered. False when the order no longer waits.
pub fn end(
    app: &App,
    order_id: i64,
    decision: ClaimDecision,
    now: i64,
) -> Result<bool, StoreError> {
    let Some(order) = app.store.kept_registration(None, order_id)? else {
        return Ok(false);
    };
    let cancelled = CancelledOrder {
        id: order.id,
        domain: order.domain.clone(),
        reg_type: "new",
    };
    let event = super::events::order_cancelled(order.reseller_id, &cancelled, now);
    let ended = app.store.settle_kept(
        order.id,
        OrderStatus::AwaitingClaim,
        OrderStatus::Cancelled,
        Some(&event),
    )?;
    if ended {
        app.store.answer_claims(order.id, decision, now)?;
    }
    Ok(ended)
}

/// The deadlines due: each order still waiting is cancelled, and its task done.
pub fn deadlines(app: &App, items: &[(i64, i64)], now: i64) -> Result<(), StoreError> {
    for &(task_id, order_id) in items {
        end(app, order_id, ClaimDecision::Expired, now)?;
        app.store.task_done(task_id, now)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_is_the_label() {
        assert_eq!(mark("brand-claim.shop"), "brand-claim");
    }
}
