//! GET_TRANSFERS_AWAY (object DOMAIN): the caller's domains that another registrar
//! asked for (see `rules::away`), newest first, with the paging and filters of
//! GET_TRANSFERS_IN (`domain`, `status`, `req_from`/`req_to`) and `gaining_registrar`
//! (`*` as a wildcard). WHMCS's OpenSRS Pro module pages through it (40 at a time)
//! on every sync; yola asks for the `completed` ones.

use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTransfersAway {
    pub page: super::transfers_in::Paging,
    pub gaining: Option<String>,
}

/// One transfer away, dates as GET_TRANSFERS_IN writes them.
fn entry(a: &crate::store::AwayView) -> Value {
    use super::transfers_in::insert_date;
    let mut m = Map::with_capacity(12);
    let mut date = |key: &str, at: Option<i64>| insert_date(&mut m, key, at);
    date("req_date", Some(a.requested_at));
    date(
        "completed_date",
        a.decided_at
            .filter(|_| a.status == crate::status::AwayStatus::Completed),
    );
    m.insert("status".into(), Value::from(a.status.as_str()));
    m.insert(
        "request_address".into(),
        Value::from(a.owner_email.as_str()),
    );
    m.insert("gaining_registrar".into(), Value::from(a.gaining.as_str()));
    m.insert("transfer_id".into(), Value::from(a.id));
    m.insert("domain".into(), Value::from(a.domain.as_str()));
    Value::Map(m)
}

impl crate::api::Handler for GetTransfersAway {
    const NAME: &'static str = "GET_TRANSFERS_AWAY";

    fn parse(_env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetTransfersAway {
            page: super::transfers_in::Paging::parse(attrs)?,
            gaining: attrs
                .opt_str("gaining_registrar")?
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty() && g != "*"),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let p = &self.page;
        let all = ctx.app.store.transfers_away_of(ctx.reseller.id)?;
        let matching: Vec<&crate::store::AwayView> = all
            .iter()
            .filter(|a| {
                p.domain.as_ref().is_none_or(|d| *d == a.domain)
                    && p.status.as_ref().is_none_or(|s| *s == a.status.as_str())
                    && self
                        .gaining
                        .as_ref()
                        .is_none_or(|g| super::orders::wildcard(g, &a.gaining))
                    && p.from.is_none_or(|t| a.requested_at >= t)
                    && p.to.is_none_or(|t| a.requested_at <= t)
            })
            .collect();
        Ok(p.reply(&matching, |a| entry(a)))
    }
}
