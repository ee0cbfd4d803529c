//! REDEEM (object DOMAIN): brings back a domain the caller revoked, while its
//! redemption period lasts, charged at the redemption price (`rules::deletion`); it
//! returns to the portfolio as it was. After the period, or for a name the caller
//! never deleted, 400.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::store::{Guard, Written};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeem {
    pub domain: String,
}

impl crate::api::Handler for Redeem {
    const NAME: &'static str = "REDEEM";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let raw = f.req_str("domain")?;
        let d = DomainName::parse(raw).map_err(|e| f.invalid("domain", &e.to_string()))?;
        Ok(Redeem {
            domain: d.name.to_string(),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let now = ctx.app.now();
        let me = ctx.reseller.id;
        let Some((deleted, record)) = store.deleted_domain(me, &self.domain)? else {
            return Err(ApiError::Refused(codes::NOT_REDEEMABLE));
        };
        if deleted.redeem_until < now {
            return Err(ApiError::Refused(codes::NOT_REDEEMABLE));
        }
        let cents = crate::rules::deletion::redemption_cents(store, ctx.reseller.id, &self.domain)?;
        let audit = ctx.audit("redeem", &self.domain, format!("{cents} cents"));
        let event =
            |_done| crate::rules::events::redeemed(me, &self.domain, cents, now);
        match store.redeem_domain(deleted.id, &record, cents, now, &audit, &event)? {
            Written::Done(_) => {}
            Written::Stopped(Guard::FundsShort) => return Err(ApiError::Refused(codes::NO_FUNDS)),
            Written::Stopped(Guard::Moved | Guard::NameHeld | Guard::LimitReached) => {
                return Err(ApiError::Refused(codes::NOT_REDEEMABLE));
            }
        }
        ctx.app.work.notify_one();
        let ok = codes::REDEEMED;
        Ok(Reply::ok_without_attributes(ok.code, ok.text, Layout::CodeSuccessAttrs))
    }
}
