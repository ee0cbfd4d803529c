//! PROCESS_TRANSFER (object TRANSFER): a new order with the same data as one of
//! the caller's cancelled transfer orders (declined, timed out, failed or
//! cancelled); the cancelled order is left as it is. Refused, with the captured
//! text, for an order in any other state.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::status::DomainStatus;
use crate::store::{OrderView, Written};

use super::orders::OrderRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessTransfer {
    pub order: OrderRef,
}

impl crate::api::Handler for ProcessTransfer {
    const NAME: &'static str = "PROCESS_TRANSFER";

    fn parse(_env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(ProcessTransfer {
            order: OrderRef::parse(attrs, "domain")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let refused = || ApiError::Refused(codes::RESUBMIT_PROHIBITED);
        let old = self.order.find(ctx).map_err(|_| refused())?;
        if !matches!(
            old.status,
            Some(DomainStatus::Cancelled | DomainStatus::Failed)
        ) {
            return Err(refused());
        }
        place_again(ctx, &old)
    }
}

/// A new order with the same data as the caller's cancelled order `old`, its
/// transfer started (PROCESS_TRANSFER, and PROCESS_PENDING of such an order).
pub(super) fn place_again(ctx: &Ctx<'_>, old: &OrderView) -> Result<Reply, ApiError> {
    let refused = || ApiError::Refused(codes::RESUBMIT_PROHIBITED);
    let store = &ctx.app.store;
    let now = ctx.app.now();
    let Some(again) = store.order_again(ctx.reseller.id, old.id, now)? else {
        return Err(refused());
    };
    let (id, _job) = match store.create_order(&again)? {
        Written::Done(taken) => taken,
        Written::Stopped(_) => {
            return Err(ApiError::Refused(codes::RESUBMIT_NO_FUNDS));
        }
    };
    ctx.app.work.notify_one();
    let to = old
        .approver
        .clone()
        .or(old.request_address.clone())
        .unwrap_or_default();
    let mut attrs = Map::with_capacity(2);
    attrs.insert("id".into(), Value::from(id));
    attrs.insert("transfer_id".into(), Value::from(id));
    let ok = codes::TRANSFER_SENT;
    let text = ok.text.replace("{email}", &to);
    Ok(Reply::ok((ok.code, &text), attrs, Layout::CodeSuccessAttrs))
}
