//! QUERY_QUEUED_REQUEST (object DOMAIN): a kept registration by `request_id` —
//! the `queue_request_id` of one queued while its registry was down, or the id
//! of one kept forced pending or with `handle=save`. The reply holds the request
//! as it was queued (`request_data`, which Net::OpenSRS returns) and its state
//! in `status` and the response text: queued, pending (kept for
//! PROCESS_PENDING), awaiting_claim (its registrant's answer to a claims
//! notice), processed (with its `order_id`) or cancelled. The words and
//! texts are ours (docs/api.md lists them). Another reseller's request is one
//! that does not exist.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Map, Value};
use crate::status::OrderStatus;

use super::sw_register::Registration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryQueuedRequest {
    pub request_id: i64,
}

impl crate::api::Handler for QueryQueuedRequest {
    const NAME: &'static str = "QUERY_QUEUED_REQUEST";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(QueryQueuedRequest {
            request_id: f.req_id("request_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let order = ctx
            .app
            .store
            .kept_registration(Some(ctx.reseller.id), self.request_id)?;
        // Only an order that kept its request was ever a request waiting.
        let Some((order, (r, _, queued_at))) = order.and_then(|o| {
            let kept = o.request.as_deref().and_then(Registration::read_kept)?;
            Some((o, kept))
        }) else {
            return Err(ApiError::NotFound(codes::QUEUED_NOT_FOUND));
        };
        let (code, status) = match order.status {
            OrderStatus::Queued => (codes::QUEUED_WAITING, "queued"),
            OrderStatus::Saved => (codes::QUEUED_PENDING, "pending"),
            OrderStatus::AwaitingClaim => (codes::CLAIM_PENDING, "awaiting_claim"),
            OrderStatus::Completed => (codes::QUEUED_PROCESSED, "processed"),
            OrderStatus::Cancelled => (codes::QUEUED_CANCELLED, "cancelled"),
        };
        let mut data = Map::with_capacity(8);
        data.insert("action".into(), Value::from("sw_register"));
        data.insert("object".into(), Value::from("domain"));
        data.insert("domain".into(), Value::from(r.domain.as_str()));
        data.insert("reg_type".into(), Value::from(reg_type(&r)));
        data.insert("period".into(), Value::from(r.period));
        data.insert("admin_email".into(), Value::from(r.admin_email.as_str()));
        let mut attrs = Map::with_capacity(6);
        attrs.insert("request_id".into(), Value::from(order.id));
        attrs.insert("status".into(), Value::from(status));
        attrs.insert("request_data".into(), Value::Map(data));
        attrs.insert("request_date".into(), Value::from(queued_at.unwrap_or(order.created_at)));
        if order.status == OrderStatus::Completed {
            attrs.insert("order_id".into(), Value::from(order.id));
        }
        Ok(Reply::done(code, attrs))
    }
}

/// The `reg_type` the request was sent with.
fn reg_type(r: &Registration) -> &'static str {
    use super::sw_register::RegKind;
    match r.kind {
        RegKind::New => "new",
        RegKind::Premium => "premium",
        RegKind::Sunrise => "sunrise",
    }
}
