//! REVOKE (object DOMAIN): deletes the caller's domain at the registry. It leaves
//! the portfolio for its redemption period (REDEEM brings it back, GET_DELETED_DOMAINS
//! lists it); a registration revoked within the add grace period is refunded
//! (`rules::deletion`). The request's `notes` go to the domain's notes; `reseller`,
//! which every client sends, must name the caller when given.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::money::format_cents;
use crate::ops::{Map, Value};
use crate::store::Written;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoke {
    pub named: Named,
    pub notes: Option<String>,
    pub reseller: Option<String>,
}

/// The longest `notes` kept (a note is a line, not a document).
const MAX_NOTE: usize = 1000;

impl crate::api::Handler for Revoke {
    const NAME: &'static str = "REVOKE";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let notes = f.opt_str("notes")?.map(str::trim).map(str::to_string);
        if notes.as_ref().is_some_and(|n| n.chars().count() > MAX_NOTE) {
            return Err(f.invalid("notes", &format!("at most {MAX_NOTE} characters")));
        }
        Ok(Revoke {
            named: Named::read(env, f, &["domain"])?,
            notes: notes.filter(|n| !n.is_empty()),
            reseller: f
                .opt_str("reseller")?
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty()),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        // Captured: 463 naming the caller, for a domain of another reseller (and so,
        // alike, for one nobody has).
        let not_yours = || {
            let f = codes::REVOKE_NOT_YOURS;
            ApiError::RefusedAs(
                f.code,
                f.text.replace("{reseller}", &ctx.reseller.username),
            )
        };
        if self
            .reseller
            .as_deref()
            .is_some_and(|r| !r.eq_ignore_ascii_case(&ctx.reseller.username))
        {
            return Err(not_yours());
        }
        let d = match self.named.resolve(ctx) {
            Err(ApiError::Refused(f)) if f == codes::DOMAIN_NOT_YOURS => return Err(not_yours()),
            other => other?,
        };
        let store = &ctx.app.store;
        let now = ctx.app.now();
        let registration = store.registration_order(ctx.reseller.id, &d.name)?;
        let name = d.name.clone();
        let plan = crate::rules::deletion::revocation(d, registration, now);
        let event =
            crate::rules::events::revoked(ctx.reseller.id, &name, self.notes.as_deref(), now);
        let audit = ctx.audit("revoke", &name, format!("refund {}", plan.refund_cents));
        let deletion_id = match store.revoke_domain(&plan, &event, &audit)? {
            Written::Done(id) => id,
            Written::Stopped(_) => return Err(not_yours()),
        };
        let mut attrs = Map::with_capacity(4);
        let refunded = plan.refund_cents > 0;
        attrs.insert("charge".into(), Value::from(if refunded { "1" } else { "0" }));
        attrs.insert("price".into(), Value::from(format_cents(plan.refund_cents)));
        if refunded {
            attrs.insert(
                "total_refund".into(),
                Value::from(format_cents(plan.refund_cents)),
            );
        }
        attrs.insert("deletion_id".into(), Value::from(deletion_id));
        let ok = codes::REVOKED;
        let text = ok.text.replace("{domain}", &name);
        Ok(Reply::ok((ok.code, &text), attrs, Layout::AttrsCodeSuccess))
    }
}
