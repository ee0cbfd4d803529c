//! Domain forwarding (object DOMAIN): CREATE_DOMAIN_FORWARDING (the service,
//! with nothing forwarded yet), GET_DOMAIN_FORWARDING (`forwarding`, a list of
//! `subdomain`, `destination_url`, `enabled`, `masked`, `title`, `description`,
//! `keywords`), SET_DOMAIN_FORWARDING (the list replaced whole; the
//! documentation's page names the action UPDATE_DOMAIN_FORWARDING, which is
//! taken too) and DELETE_DOMAIN_FORWARDING. Entries are checked by
//! `rules::forwarding`. The WHMCS module's top-level `domain` of `1` beside
//! `attributes.domain` is passed over: the attribute names the domain.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::ops::{Envelope, Map, Value};
use crate::rules::forwarding;
use crate::store::{Hosted, HostedChange, Written};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateDomainForwarding {
    pub named: Named,
}

impl crate::api::Handler for CreateDomainForwarding {
    const NAME: &'static str = "CREATE_DOMAIN_FORWARDING";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(CreateDomainForwarding {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let change = HostedChange::CreateForwarding;
        let names = ("created", "create_domain_forwarding", String::new());
        match super::dns_zone::write_hosted(ctx, &d, change, names)? {
            Written::Done(()) => Ok(Reply::done_bare(codes::FORWARDING_OK)),
            Written::Stopped(_) => Err(ApiError::Refused(codes::FORWARDING_EXISTS)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDomainForwarding {
    pub named: Named,
}

impl crate::api::Handler for GetDomainForwarding {
    const NAME: &'static str = "GET_DOMAIN_FORWARDING";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(GetDomainForwarding {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let Some(stored) = ctx.app.store.domain_forwarding(ctx.reseller.id, &d.name)? else {
            return Err(ApiError::NotFound(codes::FORWARDING_NOT_FOUND));
        };
        let mut attrs = Map::with_capacity(1);
        attrs.insert(
            "forwarding".into(),
            Value::from_json(&forwarding::to_ops(&forwarding::from_json(&stored))),
        );
        Ok(Reply::done(codes::FORWARDING_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SetDomainForwarding {
    pub named: Named,
    pub forwarding: serde_json::Value,
}

impl crate::api::Handler for SetDomainForwarding {
    const NAME: &'static str = "SET_DOMAIN_FORWARDING";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(SetDomainForwarding {
            named: Named::read(env, f, &["domain"])?,
            forwarding: f
                .get("forwarding")
                .map_or_else(|| serde_json::json!([]), Value::to_json),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let entries = forwarding::parse(&self.forwarding)
            .map_err(|(field, why)| ApiError::invalid(field, why))?;
        let change = HostedChange::SetForwarding {
            entries: forwarding::to_json(&entries),
            was: None,
        };
        let detail = format!("{} name(s)", entries.len());
        match super::dns_zone::write_hosted(ctx, &d, change, ("updated", "set_domain_forwarding", detail))? {
            Written::Done(()) => Ok(Reply::done_bare(codes::FORWARDING_OK)),
            Written::Stopped(_) => Err(ApiError::NotFound(codes::FORWARDING_NOT_FOUND)),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteDomainForwarding {
    pub named: Named,
}

impl crate::api::Handler for DeleteDomainForwarding {
    const NAME: &'static str = "DELETE_DOMAIN_FORWARDING";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(DeleteDomainForwarding {
            named: Named::read(env, f, &["domain"])?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        super::dns_zone::delete(ctx, &d, Hosted::Forwarding)
    }
}
