//! PROCESS_PENDING (object DOMAIN): carries out one of the caller's pending orders
//! by `order_id` — a registration kept with `handle=save` or forced pending is
//! registered and charged now (the order completed in place; refused again, it
//! stays saved), a saved transfer order starts its transfer — or, with
//! `command=cancel`, cancels it. As documented, a cancelled registration or a
//! transfer that failed or was cancelled is placed again as a new order.
//! Another reseller's order is one that does not exist.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::status::DomainStatus;
use crate::store::{Cancel, Guard, SavedOrder, Written};

use super::sw_register::{Outcome, Registration, Source};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessPending {
    pub order_id: i64,
    /// `command=cancel`.
    pub cancel: bool,
}

impl crate::api::Handler for ProcessPending {
    const NAME: &'static str = "PROCESS_PENDING";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let cancel = match f.opt_str("command")?.map(str::trim) {
            None | Some("") => false,
            Some(c) if c.eq_ignore_ascii_case("cancel") => true,
            Some(_) => return Err(f.invalid("command", "the only command is cancel")),
        };
        Ok(ProcessPending {
            order_id: f.req_id("order_id")?,
            cancel,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let now = ctx.app.now();
        if self.cancel {
            return cancel_one(ctx, Cancel::Id(self.order_id));
        }
        match store.saved_order(me, self.order_id)? {
            Some(SavedOrder::Registration {
                id,
                request,
                cancelled,
            }) => {
                let Some((registration, profile)) =
                    request.as_deref().and_then(Registration::from_kept)
                else {
                    return Err(ApiError::Refused(codes::ORDER_NOT_KEPT));
                };
                // A cancelled order is placed again as a new one.
                let source = match cancelled {
                    true => Source::Request,
                    false => Source::Saved(id),
                };
                match registration.carry_out(ctx, &profile, source)? {
                    Outcome::Registered { done, expires_at } => {
                        let mut attrs = Map::with_capacity(4);
                        attrs.insert("order_id".into(), Value::from(done.order_id));
                        attrs.insert("id".into(), Value::from(done.domain_id));
                        let renew = if registration.auto_renew { "Y" } else { "N" };
                        attrs.insert("f_auto_renew".into(), Value::from(renew));
                        // Captured: the key has spaces.
                        attrs.insert(
                            "registration expiration date".into(),
                            Value::from(crate::clock::unix_timestamp_text(expires_at)),
                        );
                        Ok(Reply::done(codes::PENDING_PROCESSED, attrs))
                    }
                    Outcome::Refused(reply) | Outcome::AwaitingClaim(reply) => Ok(reply),
                    Outcome::Saved(_) => Err(ApiError::Internal("a kept order was kept".into())),
                }
            }
            Some(SavedOrder::Transfer { id }) => {
                match store.start_saved_transfer(me, id, now)? {
                    Written::Done(_job) => {
                        ctx.app.work.notify_one();
                        let mut attrs = Map::with_capacity(3);
                        attrs.insert("order_id".into(), Value::from(id));
                        attrs.insert("id".into(), Value::from(id));
                        attrs.insert("transfer_id".into(), Value::from(id));
                        Ok(Reply::done(codes::PENDING_TRANSFER_STARTED, attrs))
                    }
                    Written::Stopped(Guard::FundsShort) => {
                        Err(ApiError::Refused(codes::RESUBMIT_NO_FUNDS))
                    }
                    Written::Stopped(_) => Err(ApiError::Refused(codes::ORDER_NOT_PENDING)),
                }
            }
            None => match store.order(me, self.order_id)? {
                Some(old)
                    if matches!(
                        old.status,
                        Some(DomainStatus::Cancelled | DomainStatus::Failed)
                    ) =>
                {
                    super::process_transfer::place_again(ctx, &old)
                }
                Some(_) => Err(ApiError::Refused(codes::ORDER_NOT_PENDING)),
                None => match store.any_order(me, self.order_id)? {
                    Some(_) => Err(ApiError::Refused(codes::ORDER_NOT_PENDING)),
                    None => Err(ApiError::NotFound(codes::ORDER_NOT_FOUND)),
                },
            },
        }
    }
}

/// Cancels the one saved order `which` names: 200 with its id and domain, the
/// 400 of an order that is not pending, or the 480 of one the caller lacks.
pub(super) fn cancel_one(ctx: &Ctx<'_>, which: Cancel<'_>) -> Result<Reply, ApiError> {
    let store = &ctx.app.store;
    let me = ctx.reseller.id;
    let now = ctx.app.now();
    let gone = store.cancel_saved_orders(me, which, now, &|o| {
        crate::rules::events::order_cancelled(me, o, now)
    })?;
    let Some(o) = gone.first() else {
        let known = match which {
            Cancel::Id(id) => store.any_order(me, id)?.is_some(),
            _ => false,
        };
        return Err(if known {
            ApiError::Refused(codes::ORDER_NOT_PENDING)
        } else if matches!(which, Cancel::Domain(_)) {
            ApiError::NotFound(codes::NOTHING_ACTIVE)
        } else {
            ApiError::NotFound(codes::ORDER_NOT_FOUND)
        });
    };
    let mut attrs = Map::with_capacity(3);
    attrs.insert("order_id".into(), Value::from(o.id));
    attrs.insert("domain".into(), Value::from(o.domain.as_str()));
    attrs.insert("reg_type".into(), Value::from(o.reg_type));
    Ok(Reply::done(codes::PENDING_CANCELLED, attrs))
}
