//! GET_PRICE (object DOMAIN): what an order of a name costs, from the price list
//! (`opsd price`, the config file, the scenario). Blesta builds its price table
//! with it, three calls per TLD (`new`, `renewal`, `transfer`).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::money::format_cents;
use crate::ops::{Map, Value};
use crate::registry::Availability;
use crate::rules::availability;
use crate::rules::price;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetPrice {
    pub domain: String,
    pub period: i64,
    /// One of `rules::price::KINDS`.
    pub kind: &'static str,
    pub all_periods: bool,
}

impl crate::api::Handler for GetPrice {
    const NAME: &'static str = "GET_PRICE";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let domain = DomainName::parse(f.req_str("domain")?)
            .map_err(|e| f.invalid("domain", &e.to_string()))?;
        let period = match f.opt_str("period")? {
            None => 1,
            Some(_) => f.req_id("period")?,
        };
        if !(1..=10).contains(&period) {
            return Err(f.invalid("period", "expected 1 to 10 years"));
        }
        let kind = match f
            .opt_str("reg_type")?
            .map(|s| s.trim().to_ascii_lowercase())
        {
            None => "new",
            Some(k) => match price::KINDS.iter().find(|known| **known == k) {
                Some(known) => known,
                None => {
                    return Err(f.invalid(
                        "reg_type",
                        &format!("expected one of {}", price::KINDS.join(", ")),
                    ));
                }
            },
        };
        Ok(GetPrice {
            domain: domain.name.to_string(),
            period,
            kind,
            all_periods: f.opt_flag("all_periods")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        // A premium name costs more; a name the registry cannot answer for is priced
        // as the TLD is.
        let premium = matches!(
            availability::of(ctx.app, &self.domain)?,
            Ok(Availability::Available { premium: true, .. })
        );
        let cost = |years: i64| price::order_cents(store, ctx.reseller.id, &self.domain, self.kind, years, premium);
        let mut attrs = Map::with_capacity(4);
        attrs.insert(
            "price".into(),
            Value::from(format_cents(cost(self.period)?)),
        );
        attrs.insert(
            "is_registry_premium".into(),
            Value::from(if premium { "1" } else { "0" }),
        );
        if premium {
            attrs.insert("registry_premium_group".into(), Value::from("sandbox"));
        }
        if self.all_periods {
            let mut prices = Map::with_capacity(10);
            for years in 1..=10 {
                prices.insert(
                    years.to_string().into(),
                    Value::from(format_cents(cost(years)?)),
                );
            }
            attrs.insert("prices".into(), Value::Map(prices));
        }
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}
