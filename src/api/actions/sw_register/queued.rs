//! The queue of registrations placed while their registry was down: each is
//! tried again by its task until the registry answers. Then it is carried out
//! as the request would have been — registered and charged, or refused by the
//! registry and kept forced pending — in place, under the id the reply named
//! (`queue_request_id`). One still waiting after `rules::orders::QUEUE_LIFETIME`
//! is cancelled.

use std::net::{IpAddr, Ipv4Addr};

use crate::api::{ApiError, Caches, Ctx, codes};
use crate::app::App;
use crate::rules::orders::QUEUE_LIFETIME;
use crate::status::OrderStatus;
use crate::store::{CancelledOrder, StoreError};

use super::{Outcome, Registration, Source};

/// What one try of a queued registration came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Retried {
    /// Carried out, kept forced pending, cancelled, or no longer queued: the
    /// task is done.
    Settled,
    /// The registry is still down (or the step failed): try again later.
    Again(String),
}

/// Tries the queued registration `order_id` once, at `now`.
pub fn retry_queued(app: &App, order_id: i64, now: i64) -> Result<Retried, StoreError> {
    let store = &app.store;
    let Some(order) = store.kept_registration(None, order_id)? else {
        return Ok(Retried::Settled);
    };
    if order.status != OrderStatus::Queued {
        return Ok(Retried::Settled);
    }
    let cancelled = CancelledOrder {
        id: order.id,
        domain: order.domain.clone(),
        reg_type: "new",
    };
    let give_up = || {
        let event = crate::rules::events::order_cancelled(order.reseller_id, &cancelled, now);
        store
            .settle_queued(order.id, OrderStatus::Cancelled, Some(&event))
            .map(|_| Retried::Settled)
    };
    let kept = order.request.as_deref().and_then(Registration::read_kept);
    let (Some((registration, profile, _)), Some(reseller)) =
        (kept, store.reseller_by_id(order.reseller_id)?)
    else {
        return give_up();
    };
    if now - order.created_at >= QUEUE_LIFETIME {
        tracing::info!(order = order.id, domain = %order.domain, "queued registration given up");
        return give_up();
    }
    let caches = Caches::default();
    let ctx = Ctx {
        app,
        caches: &caches,
        reseller: &reseller,
        // No client: the queue itself (the audit row says so by its action).
        peer: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    };
    match registration.carry_out(&ctx, &profile, Source::Queue(order.id)) {
        Ok(Outcome::Registered { .. }) => Ok(Retried::Settled),
        Err(ApiError::Refused(c)) if c == codes::REGISTRY_DOWN => {
            Ok(Retried::Again(c.text.to_string()))
        }
        // Processed by another instance meanwhile.
        Err(ApiError::Refused(c)) if c == codes::ORDER_NOT_PENDING => Ok(Retried::Settled),
        Err(ApiError::Internal(e)) => Ok(Retried::Again(e)),
        // The registry answered and refused it (name taken, nameservers unknown,
        // funds short, a price that no longer matches): kept forced pending, for
        // the reseller to look at and process, as OpenSRS keeps a refused order.
        Ok(Outcome::Refused(_) | Outcome::Saved(_)) | Err(_) => {
            store.settle_queued(order.id, OrderStatus::Saved, None)?;
            Ok(Retried::Settled)
        }
    }
}
