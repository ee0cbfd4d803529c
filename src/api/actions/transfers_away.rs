//! GET_TRANSFERS_AWAY (object DOMAIN): the caller's domains that another registrar
//! asked for. WHMCS's OpenSRS Pro module pages through it (40 at a time) on every
//! sync. opsd has no transfers away yet (issue 18, point 6): until it does, every
//! reseller has none, and the reply is the one captured for a reseller with none —
//! the paging and filters read and checked as for GET_TRANSFERS_IN.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::ops::{Envelope, Map, Value};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetTransfersAway {
    pub page: super::transfers_in::Paging,
}

impl GetTransfersAway {
    fn apply(self, _ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mut attrs = Map::with_capacity(4);
        attrs.insert("page_size".into(), Value::from(self.page.limit as i64));
        attrs.insert("page".into(), Value::from(self.page.page as i64));
        attrs.insert("transfers".into(), Value::List(Vec::new()));
        attrs.insert("total".into(), Value::from(0));
        let ok = codes::TRANSFERS_LISTED;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeSuccessAttrs,
        ))
    }
}

impl crate::api::Handler for GetTransfersAway {
    const NAME: &'static str = "GET_TRANSFERS_AWAY";

    fn answers(action: &str, object: &str) -> bool {
        (action, object) == ("GET_TRANSFERS_AWAY", "DOMAIN")
    }

    fn read(_env: &Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetTransfersAway {
            page: super::transfers_in::Paging::parse(attrs)?,
        })
    }

    fn run(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        self.apply(ctx)
    }
}
