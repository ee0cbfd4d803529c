//! CANCEL_PENDING_ORDERS (object ORDER) and CANCEL_ACTIVE_PROCESS (object
//! DOMAIN): the caller's pending orders cancelled — every one placed at or before
//! `to_date` (epoch seconds), or the one an `order_id` or `domain` names, whose
//! transfer is stopped if it is on its way. Cancelled orders can be placed again
//! with PROCESS_PENDING.
//!
//! `status=declined` names orders the registry declined; the sandbox keeps a
//! refused order pending (forced pending) instead, so none is ever declined and
//! the list is empty (listed as chosen in DIFFERENCES.md).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::store::Cancel;

use super::orders::OrderRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelPendingOrders {
    pub to_date: i64,
    /// `status=declined`.
    pub declined: bool,
}

impl crate::api::Handler for CancelPendingOrders {
    const NAME: &'static str = "CANCEL_PENDING_ORDERS";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let declined = match f.opt_str("status")?.map(|s| s.trim().to_ascii_lowercase()) {
            None => false,
            Some(s) if s.is_empty() || s == "pending" => false,
            Some(s) if s == "declined" => true,
            Some(_) => return Err(f.invalid("status", "expected pending or declined")),
        };
        Ok(CancelPendingOrders {
            to_date: f.req_id("to_date")?,
            declined,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let gone = if self.declined {
            Vec::new()
        } else {
            let (me, now) = (ctx.reseller.id, ctx.app.now());
            ctx.app
                .store
                .cancel_saved_orders(me, Cancel::Until(self.to_date), now, &|o| {
                    crate::rules::events::order_cancelled(me, o, now)
                })?
        };
        let list = gone
            .iter()
            .map(|o| {
                let mut m = Map::with_capacity(3);
                m.insert("domain".into(), Value::from(o.domain.as_str()));
                m.insert("id".into(), Value::from(o.id));
                m.insert("reg_type".into(), Value::from(o.reg_type));
                Value::Map(m)
            })
            .collect::<Vec<_>>();
        let mut attrs = Map::with_capacity(2);
        attrs.insert("total".into(), Value::from(list.len() as i64));
        attrs.insert("cancelled".into(), Value::List(list));
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelActiveProcess {
    pub order: OrderRef,
}

impl crate::api::Handler for CancelActiveProcess {
    const NAME: &'static str = "CANCEL_ACTIVE_PROCESS";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(CancelActiveProcess {
            order: OrderRef::parse(f, "domain")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let which = match (self.order.order_id, self.order.domain.as_deref()) {
            (Some(id), _) => Cancel::Id(id),
            (None, Some(d)) => Cancel::Domain(d),
            (None, None) => return Err(ApiError::Missing("order_id".into())),
        };
        // A saved order first; else a transfer on its way is stopped.
        match super::process_pending::cancel_one(ctx, which) {
            Err(ApiError::NotFound(_)) => {}
            other => return other,
        }
        let Ok(order) = self.order.find(ctx) else {
            return Err(ApiError::NotFound(codes::NOTHING_ACTIVE));
        };
        match crate::rules::lifecycle::cancel_order(
            ctx.app,
            ctx.reseller.id,
            order.id,
            ctx.app.now(),
        )? {
            Some(true) => {
                let mut attrs = Map::with_capacity(3);
                attrs.insert("order_id".into(), Value::from(order.id));
                attrs.insert("domain".into(), Value::from(order.domain.as_str()));
                attrs.insert("reg_type".into(), Value::from("transfer"));
                Ok(Reply::done(codes::PENDING_CANCELLED, attrs))
            }
            Some(false) | None => Err(ApiError::Refused(codes::CANCEL_PROHIBITED)),
        }
    }
}
