//! ACTIVATE (object DOMAIN): activates a parked .de domain, as the .de registry
//! asks within thirty days of its registration. The domain is named as each client
//! names it — `domain` (the documentation), `domainname` (yola, OpenSRS's WHMCS
//! module), a top-level `domain` or a cookie. Activation is kept as the domain's
//! `activated` setting, with its event and note; a second one, a domain of another
//! TLD, or one registered more than thirty days ago is refused, and while another
//! request waits on the domain (a transfer away) the documented 437 answers.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::status::DomainSetting;
use crate::store::DomainChange;

/// How long after its registration a .de domain can be activated.
const WINDOW: i64 = 30 * 86_400;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activate {
    pub named: Named,
}

impl crate::api::Handler for Activate {
    const NAME: &'static str = "ACTIVATE";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(Activate {
            named: Named::read(env, f, &["domain", "domainname"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        if !d.name.ends_with(".de") {
            return Err(ApiError::invalid(
                "domain",
                format!("{} is not a .de domain: only .de domains are activated", d.name),
            ));
        }
        // As documented: refused while another request waits on the domain (in
        // the sandbox, a transfer away waiting for its owner).
        if ctx.app.store.transfer_away_pending(&d.name)? {
            return Err(ApiError::Refused(codes::REQUEST_WAITING));
        }
        let now = ctx.app.now();
        let settings = ctx.app.store.domain_settings(ctx.reseller.id, d.id)?;
        if settings.iter().any(|(k, _)| *k == DomainSetting::Activated) {
            return Err(ApiError::Refused(codes::ALREADY_ACTIVE));
        }
        if now - d.registered_at.unwrap_or(d.created_at) > WINDOW {
            return Err(ApiError::Refused(codes::ACTIVATE_TOO_LATE));
        }
        let audit = ctx.audit("activate", &d.name, String::new());
        crate::rules::domain_change::apply(
            ctx.app,
            ctx.reseller.id,
            &[(d.id, d.name.clone())],
            &DomainChange::Setting(DomainSetting::Activated, now.to_string()),
            &audit,
        )?;
        let mut attrs = Map::with_capacity(1);
        attrs.insert("domain".into(), Value::from(d.name.as_str()));
        Ok(Reply::done(codes::ACTIVATED, attrs))
    }
}
