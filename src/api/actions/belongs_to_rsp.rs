//! BELONGS_TO_RSP (object DOMAIN): whether the domain is in the caller's portfolio,
//! with its expiry when it is. Any other name, whoever holds it, answers 0 (as the
//! real server does for a domain of another reseller): nothing about other
//! portfolios shows.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BelongsToRsp {
    pub domain: String,
}

impl crate::api::Handler for BelongsToRsp {
    const NAME: &'static str = "BELONGS_TO_RSP";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let raw = f.req_str("domain")?;
        let d = DomainName::parse(raw).map_err(|e| f.invalid("domain", &e.to_string()))?;
        Ok(BelongsToRsp {
            domain: d.name.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mine = ctx
            .app
            .store
            .domain_record(ctx.reseller.id, &self.domain)?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert("belongs_to_rsp".into(), Value::from(i64::from(mine.is_some())));
        if let Some(exp) = mine.and_then(|d| d.expires_at) {
            attrs.insert(
                "domain_expdate".into(),
                Value::from(crate::clock::unix_timestamp_text(exp)),
            );
        }
        let ok = codes::QUERY_OK_LOWER;
        Ok(Reply::ok((ok.code, ok.text), attrs, Layout::CodeSuccessAttrs))
    }
}
