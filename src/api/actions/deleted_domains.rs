//! GET_DELETED_DOMAINS (object DOMAIN): the caller's domains deleted at the registry,
//! newest first, filtered by name, by the contacts' addresses (`owner_email`,
//! `admin_email`, `billing_email`, `tech_email`; `*` a wildcard) and by deletion
//! and expiry dates, paged (`limit` 40 by default, `page` from 1).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::clock::opensrs_date;
use crate::ops::{Map, Value};
use crate::store::DeletedFilter;

const DEFAULT_LIMIT: i64 = 40;

/// An address filter (`owner_email` …), `*` a wildcard, as a pattern.
fn email(f: &Fields<'_>, key: &str) -> Result<Option<String>, ApiError> {
    Ok(f.opt_str(key)?
        .and_then(crate::rules::deletion::email_pattern))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDeletedDomains {
    pub filter: DeletedFilter,
    pub page: i64,
    pub limit: i64,
}

impl crate::api::Handler for GetDeletedDomains {
    const NAME: &'static str = "GET_DELETED_DOMAINS";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let (page, limit) = f.paging(DEFAULT_LIMIT, 1000)?;
        Ok(GetDeletedDomains {
            filter: DeletedFilter {
                domain: f
                    .opt_str("domain")?
                    .map(|d| d.trim().to_ascii_lowercase()),
                deleted_from: f.day_bound("del_from", false)?,
                deleted_to: f.day_bound("del_to", true)?,
                expired_from: f.day_bound("exp_from", false)?,
                expired_to: f.day_bound("exp_to", true)?,
                emails: [
                    email(f, "owner_email")?,
                    email(f, "admin_email")?,
                    email(f, "billing_email")?,
                    email(f, "tech_email")?,
                ],
            },
            page,
            limit,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let (rows, total) = ctx.app.store.deleted_domains(
            ctx.reseller.id,
            &self.filter,
            (self.page - 1).saturating_mul(self.limit),
            self.limit,
        )?;
        let list: Vec<Value> = rows
            .iter()
            .map(|d| {
                let mut m = Map::with_capacity(6);
                m.insert("name".into(), Value::from(d.name.as_str()));
                m.insert("reason".into(), Value::from(d.reason.as_str()));
                m.insert("delete_date".into(), Value::from(opensrs_date(d.deleted_at)));
                m.insert("delete_date_epoch".into(), Value::from(d.deleted_at));
                let exp = d.expires_at.unwrap_or(d.deleted_at);
                m.insert("expiredate".into(), Value::from(opensrs_date(exp)));
                m.insert("expiredate_epoch".into(), Value::from(exp));
                Value::Map(m)
            })
            .collect();
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page_size".into(), Value::from(self.limit));
        attrs.insert("del_domains".into(), Value::List(list));
        attrs.insert("page".into(), Value::from(self.page));
        attrs.insert("total".into(), Value::from(total));
        let ok = codes::COMMAND_OK;
        Ok(Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs))
    }
}
