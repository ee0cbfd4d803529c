//! CANCEL_TRANSFER (object TRANSFER): cancels the caller's transfer order while it
//! waits for its owner's approval, by `order_id` or `domain` (with `reseller`, which
//! the PHP toolkit and Net::DRI always send). Afterwards its price is no longer held.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::Envelope;

use super::orders::OrderRef;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelTransfer {
    pub order: OrderRef,
}

impl crate::api::Handler for CancelTransfer {
    const NAME: &'static str = "CANCEL_TRANSFER";

    fn parse(_env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(CancelTransfer {
            order: OrderRef::parse(attrs, "domain")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let order = self.order.find(ctx)?;
        match crate::rules::lifecycle::cancel_order(
            ctx.app,
            ctx.reseller.id,
            order.id,
            ctx.app.now(),
        )? {
            Some(true) => {
                let ok = codes::TRANSFER_CANCELLED;
                let text = ok.text.replace("{id}", &order.id.to_string());
                Ok(Reply::ok_without_attributes(
                    ok.code,
                    &text,
                    Layout::CodeSuccessAttrs,
                ))
            }
            Some(false) | None => Err(ApiError::Refused(codes::CANCEL_PROHIBITED)),
        }
    }
}
