//! GET_ORDER_INFO and GET_ORDERS_BY_DOMAIN (object DOMAIN): the caller's orders —
//! registrations, renewals, redemptions and transfers — in the shapes the 2011
//! captures show: one order's flat `field_hash` (its contacts as `owner_first_name`
//! …, nameservers as `fqdn1`…`fqdn6`, dates as epoch seconds), or a domain's orders
//! (`id`, `order_date`, `status`, `type`), newest first, paged. Another reseller's
//! order is answered as one that does not exist.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::rules::orders::{completed_at, order_status, order_type};
use crate::store::AnyOrder;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrderInfo {
    pub order_id: i64,
}

impl crate::api::Handler for GetOrderInfo {
    const NAME: &'static str = "GET_ORDER_INFO";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetOrderInfo {
            order_id: f.req_id("order_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let Some(o) = ctx.app.store.any_order(ctx.reseller.id, self.order_id)? else {
            return Err(ApiError::NotFound(codes::ORDER_NOT_FOUND));
        };
        // Contacts, nameservers and flags as the domain holds them now (while the
        // caller holds it).
        let d = ctx.app.store.domain_record(ctx.reseller.id, &o.domain)?;
        let mut h = Map::with_capacity(80);
        let text = |v: &str| Value::from(v);
        let epoch = |t: Option<i64>| t.map_or_else(|| Value::from(""), Value::from);
        h.insert("id".into(), Value::from(o.id));
        h.insert("status".into(), text(order_status(&o)));
        h.insert("reg_type".into(), text(order_type(&o)));
        h.insert("domain".into(), text(&o.domain));
        h.insert("period".into(), Value::from(o.period));
        h.insert(
            "cost".into(),
            text(&crate::money::format_cents(o.price_cents)),
        );
        h.insert("order_date".into(), Value::from(o.created_at));
        h.insert("completed_date".into(), epoch(completed_at(&o)));
        h.insert("processed_date".into(), text(""));
        h.insert("master_order_id".into(), text("0"));
        let affiliate = d.as_ref().and_then(|d| d.affiliate_id.clone());
        h.insert("affiliate_id".into(), text(&affiliate.unwrap_or_default()));
        for key in [
            "comments",
            "reg_domain",
            "encoding_type",
            "forwarding_email",
            "f_bypass_confirm",
        ] {
            h.insert(key.into(), text(""));
        }
        let auto_renew = d.as_ref().is_some_and(|d| d.auto_renew);
        h.insert("f_auto_renew".into(), text(if auto_renew { "Y" } else { "N" }));
        let locked = d.as_ref().is_some_and(|d| d.locked);
        h.insert("f_lock_domain".into(), text(if locked { "1" } else { "0" }));
        h.insert("flag_saved_ns_fields".into(), text("1"));
        h.insert("flag_saved_tech_fields".into(), text("1"));
        h.insert("notes".into(), Value::List(Vec::new()));
        let ns = d.as_ref().map(|d| d.nameservers.clone()).unwrap_or_default();
        for i in 0..6 {
            h.insert(
                format!("fqdn{}", i + 1).into(),
                text(ns.get(i).map_or("", String::as_str)),
            );
        }
        let contacts = contact_set::to_ops(
            d.as_ref().and_then(|d| d.contacts.as_deref()),
            &contact_set::ROLES,
        );
        for role in contact_set::ROLES {
            for field in contact_set::FIELDS {
                let v = contacts
                    .get(role)
                    .and_then(Value::as_map)
                    .and_then(|c| c.get(field))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                h.insert(format!("{role}_{field}").into(), text(v));
            }
        }
        let mut attrs = Map::with_capacity(1);
        attrs.insert("field_hash".into(), Value::Map(h));
        let ok = codes::ORDER_INFO_OK;
        Ok(Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetOrdersByDomain {
    pub domain: String,
    pub page: i64,
    pub limit: i64,
    pub status: Option<String>,
    pub kind: Option<String>,
    /// Order dates, inclusive, as Unix day bounds.
    pub from: Option<i64>,
    pub to: Option<i64>,
}

impl crate::api::Handler for GetOrdersByDomain {
    const NAME: &'static str = "GET_ORDERS_BY_DOMAIN";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?;
        let (page, limit) = f.paging(40, 1000)?;
        let lower = |k: &str| -> Result<Option<String>, ApiError> {
            Ok(f.opt_str(k)?.map(|v| v.trim().to_ascii_lowercase()))
        };
        Ok(GetOrdersByDomain {
            domain: domain.name.to_string(),
            page,
            limit,
            status: lower("status")?,
            kind: lower("type")?,
            from: f.day_bound("order_from", false)?,
            to: f.day_bound("order_to", true)?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let all = ctx.app.store.orders_of_domain(ctx.reseller.id, &self.domain)?;
        let matching: Vec<&AnyOrder> = all
            .iter()
            .filter(|o| self.status.as_deref().is_none_or(|s| s == order_status(o)))
            .filter(|o| self.kind.as_deref().is_none_or(|k| k == order_type(o)))
            .filter(|o| self.from.is_none_or(|t| o.created_at >= t))
            .filter(|o| self.to.is_none_or(|t| o.created_at <= t))
            .collect();
        let skip = usize::try_from((self.page - 1).saturating_mul(self.limit)).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit).unwrap_or(40);
        let orders: Vec<Value> = matching
            .iter()
            .skip(skip)
            .take(take)
            .map(|o| {
                let mut m = Map::with_capacity(4);
                m.insert(
                    "order_date".into(),
                    Value::from(crate::clock::opensrs_date(o.created_at)),
                );
                m.insert("status".into(), Value::from(order_status(o)));
                m.insert("id".into(), Value::from(o.id));
                m.insert("type".into(), Value::from(order_type(o)));
                Value::Map(m)
            })
            .collect();
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page_size".into(), Value::from(self.limit));
        attrs.insert("page".into(), Value::from(self.page));
        attrs.insert("orders".into(), Value::List(orders));
        attrs.insert("total".into(), Value::from(matching.len() as i64));
        let ok = codes::COMMAND_OK;
        Ok(Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs))
    }
}
