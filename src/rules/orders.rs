//! How OpenSRS names an order's type and status (GET_ORDER_INFO,
//! GET_ORDERS_BY_DOMAIN, the panel's and dashboard's domain pages), from what the
//! store keeps of it.

use crate::status::{DomainStatus, OrderKind, OrderStatus};

/// How soon a registration queued while its registry is down is first tried
/// again; later tries back off as every task's do (1, 2, 4 … minutes).
pub const QUEUE_RETRY: i64 = 60;

/// How long a queued registration waits for its registry before the queue
/// gives it up and cancels it (ours: three days).
pub const QUEUE_LIFETIME: i64 = 3 * 86_400;
use crate::store::AnyOrder;

/// The order's type as OpenSRS names it (`reg_type`, `type`).
pub fn order_type(o: &AnyOrder) -> &'static str {
    match o.kind {
        Some(OrderKind::New) => "new",
        Some(OrderKind::Renewal) => "renewal",
        Some(OrderKind::Redemption) => "redemption",
        Some(OrderKind::Trade) => "trade",
        None => "transfer",
    }
}

/// The order's status as OpenSRS names it: kept or on its way, `pending`; done,
/// `completed`; cancelled before it was carried out, or a transfer that failed or
/// was cancelled, `cancelled`.
pub fn order_status(o: &AnyOrder) -> &'static str {
    if o.cancelled_at.is_some() {
        return "cancelled";
    }
    match (o.status, o.transfer) {
        (Some(OrderStatus::Completed), _) | (None, Some(DomainStatus::Completed)) => "completed",
        (Some(OrderStatus::Cancelled), _)
        | (None, Some(DomainStatus::Failed | DomainStatus::Cancelled)) => "cancelled",
        _ => "pending",
    }
}

/// When the order was completed, if it was.
pub fn completed_at(o: &AnyOrder) -> Option<i64> {
    match order_status(o) {
        "completed" => Some(o.status_at.unwrap_or(o.created_at)),
        _ => None,
    }
}
