//! RENEW (object DOMAIN): adds `period` years to a domain's expiry, charged to the
//! balance, when `currentexpirationyear` is the domain's expiry year (541
//! otherwise; Blesta sends the current calendar year, and fails on a domain that
//! expires later, as it would in production). A repeat of the same renewal is 555
//! "already renewed"; TLDs whose registry renews by itself answer 480. The reply
//! carries `registration expiration date`, with its spaces, as three clients read
//! it. `handle=save` is not kept as an order: OpenSRS processes renewals at once.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::clock::unix_timestamp_text;
use crate::ops::{Map, Value};
use crate::rules::events::{OrderEvent, Ordered, ordered_domain};
use crate::rules::renewal::{self, Refused};
use crate::store::{Renewal, Written};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renew {
    pub named: Named,
    pub period: i64,
    pub current_year: i64,
    pub auto_renew: bool,
}

impl crate::api::Handler for Renew {
    const NAME: &'static str = "RENEW";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain", "domain_name"])?;
        let period = f.req_id("period")?;
        if !(1..=10).contains(&period) {
            return Err(f.invalid("period", "expected 1 to 10 years"));
        }
        let current_year = f.req_id("currentexpirationyear")?;
        if !(1970..=9999).contains(&current_year) {
            return Err(f.invalid("currentexpirationyear", "expected a year (YYYY)"));
        }
        match f.opt_str("handle")?.map(str::trim) {
            None | Some("" | "process" | "save") => {}
            Some(_) => return Err(f.invalid("handle", "expected process or save")),
        }
        Ok(Renew {
            named,
            period,
            current_year,
            auto_renew: f.opt_flag("auto_renew")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let d = self.named.resolve(ctx)?;
        let now = ctx.app.now();
        let next = match renewal::check(store, &d, self.period, self.current_year, now)? {
            Ok(next) => next,
            Err(Refused::YearMismatch) => {
                return Err(ApiError::Refused(codes::RENEW_YEAR_MISMATCH));
            }
            Err(Refused::AlreadyRenewed) => return Err(ApiError::Refused(codes::ALREADY_RENEWED)),
            Err(Refused::NotRenewable) => return Err(ApiError::Refused(codes::NOT_RENEWABLE)),
            Err(Refused::TooFar) => {
                return Err(ApiError::invalid(
                    "period",
                    format!(
                        "the expiry would be more than {} years away",
                        renewal::MAX_YEARS
                    ),
                ));
            }
        };
        let cents =
            crate::rules::price::order_cents(store, ctx.reseller.id, &d.name, "renewal", self.period, false)?;
        let audit = ctx.audit(
            "renew",
            &d.name,
            format!(
                "{} year(s), now expires {}",
                self.period,
                unix_timestamp_text(next)
            ),
        );
        let renewal = Renewal {
            period: self.period,
            from_year: self.current_year,
            new_expiry: next,
            cents,
            auto_renew: self.auto_renew,
            now,
        };
        let ordered = Ordered {
            kind: OrderEvent::Renewed,
            reseller_id: d.reseller_id,
            domain: &d.name,
            period: self.period,
            expires: next,
            cents,
        };
        let event = |done| ordered_domain(&ordered, done, now);
        let done = match store.renew_domain(&d, &renewal, &audit, &event)? {
            Written::Done(done) => done,
            Written::Stopped(crate::store::Guard::FundsShort) => {
                return Err(ApiError::Refused(codes::NO_FUNDS));
            }
            Written::Stopped(_) => return Err(crate::store::StoreError::NotFound.into()),
        };
        let admin_email =
            crate::api::contact_set::email_of(d.contacts.as_deref(), "admin").unwrap_or_default();
        let mut attrs = Map::with_capacity(6);
        attrs.insert(
            "registration expiration date".into(),
            Value::from(unix_timestamp_text(next)),
        );
        attrs.insert(
            "auto_renew".into(),
            Value::from(if self.auto_renew { "1" } else { "0" }),
        );
        attrs.insert("admin_email".into(), Value::from(admin_email));
        attrs.insert("id".into(), Value::from(d.id));
        attrs.insert("order_id".into(), Value::from(done.order_id));
        attrs.insert("queue_request_id".into(), Value::from(""));
        Ok(Reply::done(codes::RENEWED, attrs))
    }
}
