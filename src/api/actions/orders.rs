//! What the transfer-order verbs share: the order a request names (`order_id`, or
//! the domain: `domain`, `domain_name` for SEND_PASSWORD) and the `reseller`
//! attribute some clients must send, which names the caller or nothing.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx};
use crate::store::OrderView;

/// An order as a request names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderRef {
    pub order_id: Option<i64>,
    /// Lower-cased.
    pub domain: Option<String>,
    pub reseller: Option<String>,
}

impl OrderRef {
    /// `order_id`, else the domain under `domain_key` (one of them is required).
    pub fn parse(f: &Fields<'_>, domain_key: &str) -> Result<OrderRef, ApiError> {
        let order_id = match f.opt_str("order_id")? {
            Some(_) => Some(f.req_id("order_id")?),
            None => None,
        };
        let domain = match order_id {
            Some(_) => None,
            None => Some(f.req_str(domain_key)?.trim().to_ascii_lowercase()),
        };
        Ok(OrderRef {
            order_id,
            domain,
            // Net::DRI sends an empty one when its caller gave no reseller id.
            reseller: f
                .opt_str("reseller")?
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
        })
    }

    /// The caller's order; 465 `Can't find transfer request.` when there is none
    /// (another reseller's looks the same), or when `reseller` names someone else.
    pub fn find(&self, ctx: &Ctx<'_>) -> Result<OrderView, ApiError> {
        let missing = || ApiError::NotFound(codes::TRANSFER_NOT_FOUND);
        if self
            .reseller
            .as_deref()
            .is_some_and(|r| r != ctx.reseller.username)
        {
            return Err(missing());
        }
        let store = &ctx.app.store;
        let found = match (self.order_id, &self.domain) {
            (Some(id), _) => store.order(ctx.reseller.id, id)?,
            (None, Some(d)) => store.order_by_domain(ctx.reseller.id, d)?,
            (None, None) => None,
        };
        found.ok_or_else(missing)
    }
}

/// `*` matches any run of characters; the comparison ignores case.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let parts: Vec<&str> = p.split('*').collect();
    if parts.len() == 1 {
        return p == t;
    }
    let mut rest = t.as_str();
    for (i, part) in parts.iter().enumerate() {
        if i == 0 {
            let Some(r) = rest.strip_prefix(part) else {
                return false;
            };
            rest = r;
        } else if i == parts.len() - 1 {
            return rest.ends_with(part);
        } else if let Some(at) = rest.find(part) {
            rest = &rest[at + part.len()..];
        } else {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "Any Registrar"));
        assert!(wildcard("sandbox*", "Sandbox Other Registrar"));
        assert!(wildcard("*other*", "Sandbox Other Registrar"));
        assert!(wildcard("*registrar", "Sandbox Other Registrar"));
        assert!(!wildcard("enom*", "Sandbox Other Registrar"));
        assert!(wildcard("exact", "EXACT"));
    }
}
