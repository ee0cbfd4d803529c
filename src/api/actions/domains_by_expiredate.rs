//! GET_DOMAINS_BY_EXPIREDATE (object DOMAIN): the caller's domains expiring between
//! `exp_from` and `exp_to` (whole days, UTC), soonest first, a page at a time
//! (`page` from 1, `limit`), with `total` and `remainder`. Clients use it to list
//! everything (WHMCS Pro: 1970..2038 by 40; Net::DRI: `limit=1000000`), so a huge
//! range or limit is capped, never refused.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::clock::{parse_date, unix_timestamp_text};
use crate::ops::{Map, Value};

/// The most domains one page lists, whatever `limit` asks.
pub const PAGE_MAX: i64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainsByExpiredate {
    pub from: i64,
    /// The end of `exp_to`'s day.
    pub to: i64,
    pub page: i64,
    pub limit: i64,
}

impl crate::api::Handler for DomainsByExpiredate {
    const NAME: &'static str = "GET_DOMAINS_BY_EXPIREDATE";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let day = |key: &str| -> Result<i64, ApiError> {
            parse_date(f.req_str(key)?).ok_or_else(|| f.invalid(key, "expected YYYY-MM-DD"))
        };
        let from = day("exp_from")?;
        let to = day("exp_to")?.saturating_add(86_399);
        if to < from {
            return Err(f.invalid("exp_to", "is before exp_from"));
        }
        let page = match f.opt_str("page")? {
            None => 1,
            Some(_) => f.req_id("page")?.max(1),
        };
        let limit = match f.opt_str("limit")? {
            None => 40,
            Some(_) => f.req_id("limit")?.clamp(1, PAGE_MAX),
        };
        Ok(DomainsByExpiredate {
            from,
            to,
            page,
            limit,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let skip = (self.page - 1).saturating_mul(self.limit);
        let page = ctx.app.store.domains_by_expiry(
            ctx.reseller.id,
            self.from,
            self.to,
            skip,
            self.limit,
        )?;
        let listed = page.rows.len() as i64;
        let yn = |on: bool| Value::from(if on { "Y" } else { "N" });
        let domains: Vec<Value> = page
            .rows
            .into_iter()
            .map(|(name, expiry, auto_renew, let_expire)| {
                let mut m = Map::with_capacity(4);
                m.insert("name".into(), Value::from(name));
                m.insert(
                    "expiredate".into(),
                    Value::from(unix_timestamp_text(expiry)),
                );
                m.insert("f_auto_renew".into(), yn(auto_renew));
                m.insert("f_let_expire".into(), yn(let_expire));
                Value::Map(m)
            })
            .collect();
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page".into(), Value::from(self.page));
        attrs.insert("total".into(), Value::from(page.total));
        attrs.insert(
            "remainder".into(),
            Value::from(if skip.saturating_add(listed) < page.total {
                "1"
            } else {
                "0"
            }),
        );
        attrs.insert("exp_domains".into(), Value::List(domains));
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}
