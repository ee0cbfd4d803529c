//! Kept registrations carried out later, with no client waiting: one queued
//! while its registry was down, tried again by its task until the registry
//! answers (one still waiting after `rules::orders::QUEUE_LIFETIME` is
//! cancelled), and one whose registrant accepted its trademark claims notice.
//! Each is carried out as the request would have been — registered and
//! charged, or refused by the registry and kept forced pending — in place,
//! under the id its reply named.

use std::net::{IpAddr, Ipv4Addr};

use crate::api::{ApiError, Caches, Ctx, codes};
use crate::app::App;
use crate::rules::orders::QUEUE_LIFETIME;
use crate::status::{ClaimDecision, OrderStatus};
use crate::store::{CancelledOrder, KeptRegistration, StoreError};

use super::{Outcome, Registration, Source};

/// What one try of a kept registration came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retried {
    /// Registered.
    Registered,
    /// Refused by the registry, and kept forced pending; or cancelled, or no
    /// longer waiting: nothing more to do.
    Settled,
    /// The registry is still down (or the step failed): try again later.
    Again(String),
}

/// Tries the queued registration `order_id` once, at `now`.
pub fn retry_queued(app: &App, order_id: i64, now: i64) -> Result<Retried, StoreError> {
    let Some(order) = waiting(app, order_id, OrderStatus::Queued)? else {
        return Ok(Retried::Settled);
    };
    if now - order.created_at >= QUEUE_LIFETIME {
        tracing::info!(order = order.id, domain = %order.domain, "queued registration given up");
        return give_up(app, &order, now);
    }
    carry_out(app, &order, Source::Queue(order.id), now)
}

/// Carries out the registration `order_id` whose registrant accepted its
/// claims notice at `now`.
pub fn accept_claim(app: &App, order_id: i64, now: i64) -> Result<Retried, StoreError> {
    let Some(order) = waiting(app, order_id, OrderStatus::AwaitingClaim)? else {
        return Ok(Retried::Settled);
    };
    let done = carry_out(app, &order, Source::Claim(order.id), now)?;
    if !matches!(done, Retried::Again(_)) {
        app.store
            .answer_claims(order.id, ClaimDecision::Accepted, now)?;
    }
    Ok(done)
}

/// The kept registration `order_id`, while it has `status`.
fn waiting(
    app: &App,
    order_id: i64,
    status: OrderStatus,
) -> Result<Option<KeptRegistration>, StoreError> {
    Ok(app
        .store
        .kept_registration(None, order_id)?
        .filter(|o| o.status == status))
}

/// Cancels a queued registration, with its event.
fn give_up(app: &App, order: &KeptRegistration, now: i64) -> Result<Retried, StoreError> {
    let cancelled = CancelledOrder {
        id: order.id,
        domain: order.domain.clone(),
        reg_type: "new",
    };
    let event = crate::rules::events::order_cancelled(order.reseller_id, &cancelled, now);
    app.store
        .settle_kept(order.id, order.status, OrderStatus::Cancelled, Some(&event))?;
    Ok(Retried::Settled)
}

fn carry_out(
    app: &App,
    order: &KeptRegistration,
    source: Source,
    now: i64,
) -> Result<Retried, StoreError> {
    let store = &app.store;
    let kept = order.request.as_deref().and_then(Registration::read_kept);
    let (Some((registration, profile, _)), Some(reseller)) =
        (kept, store.reseller_by_id(order.reseller_id)?)
    else {
        return give_up(app, order, now);
    };
    let caches = Caches::default();
    let ctx = Ctx {
        app,
        caches: &caches,
        reseller: &reseller,
        // No client: the audit row's action names what carried it out.
        peer: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        action: "SW_REGISTER",
    };
    match registration.carry_out(&ctx, &profile, source) {
        Ok(Outcome::Registered { .. }) => Ok(Retried::Registered),
        Ok(Outcome::AwaitingClaim(_)) => Ok(Retried::Settled),
        Err(ApiError::Refused(c)) if c == codes::REGISTRY_DOWN => {
            Ok(Retried::Again(c.text.to_string()))
        }
        // Carried out or cancelled meanwhile, by another instance.
        Err(ApiError::Refused(c)) if c == codes::ORDER_NOT_PENDING => Ok(Retried::Settled),
        Err(ApiError::Internal(e)) => Ok(Retried::Again(e)),
        // The registry answered and refused it (name taken, nameservers unknown,
        // funds short, a price that no longer matches): kept forced pending, for
        // the reseller to look at and process, as OpenSRS keeps a refused order.
        Ok(Outcome::Refused(_) | Outcome::Saved(_)) | Err(_) => {
            store.settle_kept(order.id, order.status, OrderStatus::Saved, None)?;
            Ok(Retried::Settled)
        }
    }
}
