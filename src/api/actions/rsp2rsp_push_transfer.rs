//! RSP2RSP_PUSH_TRANSFER (any object): moves one domain from the caller's portfolio to
//! another reseller at once — no charge, no renewal, no registrant email, no 60-day
//! rule — provided both accounts have the feature and the gaining reseller allows
//! the caller (seed 000).

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::profile::{self, Unknown};
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::domain::DomainName;
use crate::rules::push;
use crate::store::{AuditEntry, PushProfile, account};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rsp2RspPushTransfer {
    pub domain: String,
    pub grsp: String,
    /// Profile at the gaining reseller; `None` keeps the original profile's name.
    pub profile: Option<(String, String)>,
    pub apply_to_locked: bool,
}

impl crate::api::Handler for Rsp2RspPushTransfer {
    const NAME: &'static str = "RSP2RSP_PUSH_TRANSFER";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let raw = f.req_str("domain")?;
        let domain = DomainName::parse(raw)
            .map_err(|e| f.invalid("domain", &format!("'{}' {e}", raw.trim())))?
            .name
            .to_string();
        let grsp = f.req_str("grsp")?.trim().to_string();
        let profile = match (f.opt_str("username")?, f.opt_str("password")?) {
            (None, None) => None,
            (Some(u), Some(p)) => Some((u.trim().to_string(), p.to_string())),
            (Some(_), None) => return Err(ApiError::Missing("password".into())),
            (None, Some(_)) => return Err(ApiError::Missing("username".into())),
        };
        Ok(Rsp2RspPushTransfer {
            domain,
            grsp,
            profile,
            apply_to_locked: f.opt_flag("apply_to_locked_domains")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let Some(domain) = store.portfolio_domain(ctx.reseller.id, &self.domain)? else {
            return Err(ApiError::NotFound(codes::PUSH_DOMAIN_NOT_FOUND));
        };
        // A name nobody has is refused as a push nobody allowed (captured): the
        // answer does not tell which resellers exist.
        let Some(gaining) = store.reseller_by_name(&self.grsp)? else {
            return Err(ApiError::Refused(codes::PUSH_DENIED));
        };
        if !push::consented(store, ctx.reseller.id, gaining.id)? {
            return Err(ApiError::Refused(codes::PUSH_DENIED));
        }
        if !push::lock_allows(&domain, self.apply_to_locked) {
            return Err(ApiError::Refused(codes::PUSH_LOCKED));
        }
        let profile = match &self.profile {
            None => PushProfile::Original,
            Some((username, password)) => {
                // An existing profile takes the domain only with its password; a new
                // one is made with it (one Argon2 run either way).
                match profile::verify(
                    ctx.app,
                    gaining.id,
                    username,
                    password,
                    None,
                    ctx.peer,
                    Unknown::Allow,
                )? {
                    Some(_) => PushProfile::Named {
                        username: username.clone(),
                        password_hash: None,
                    },
                    None => PushProfile::Named {
                        username: username.clone(),
                        password_hash: Some(crate::api::profile::hashed(password)?),
                    },
                }
            }
        };
        let audit = AuditEntry {
            at: ctx.app.now(),
            actor: ctx.reseller.username.clone(),
            actor_kind: account::RESELLER.into(),
            action: "rsp2rsp_push_transfer".into(),
            subject: domain.name.clone(),
            detail: format!(
                "pushed from {} to {}{}",
                ctx.reseller.username,
                gaining.username,
                if domain.locked {
                    " (locked: unlocked, pushed, relocked)"
                } else {
                    ""
                }
            ),
            client_ip: ctx.peer.to_string(),
            gaining: Some(gaining.username.clone()),
            gaining_kind: Some(account::RESELLER.into()),
        };
        let events = crate::rules::events::pushed(
            &domain.name,
            (ctx.reseller.id, &ctx.reseller.username),
            (gaining.id, &gaining.username),
            audit.at,
        );
        store.push_domain(&domain, gaining.id, &profile, &audit, &events)?;
        let ok = codes::PUSH_DONE;
        let text = ok.text.replace("{grsp}", &gaining.username);
        Ok(Reply::ok_without_attributes(
            ok.code,
            &text,
            Layout::CodeSuccessAttrs,
        ))
    }
}
