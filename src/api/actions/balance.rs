//! GET_BALANCE: the reseller's account balance and the part held for orders in
//! progress. WHMCS's OpenSRS module sends it to check its settings and Blesta to
//! check a connection; the documentation's example names object DOMAIN, the PHP
//! toolkit and WHMCS send `balance`, yola `BALANCE`: all three are answered.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::money::format_cents;
use crate::ops::{Map, Value};

/// The request has no attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetBalance;

impl crate::api::Handler for GetBalance {
    const NAME: &'static str = "GET_BALANCE";

    fn parse(_env: &crate::ops::Envelope, _attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetBalance)
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let b = ctx.app.store.balance(ctx.reseller.id)?;
        let mut attrs = Map::with_capacity(2);
        attrs.insert("balance".into(), Value::from(format_cents(b.balance)));
        attrs.insert("hold_balance".into(), Value::from(format_cents(b.held)));
        let ok = codes::BALANCE_OK;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeSuccessAttrs,
        ))
    }
}
