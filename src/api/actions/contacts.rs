//! GET_DOMAINS_CONTACTS and UPDATE_CONTACTS (object DOMAIN): the contact sets of up
//! to 100 domains at once (WHMCS's GetContactDetails reads
//! `attributes[domain].contact_set`), and a change of some roles (`types`) of one
//! domain, or with `affect_domains` of its whole profile, reported per domain under
//! `details`. A name that is not the caller's is answered with an `error`, the
//! same sentence whoever holds it (captured).

use crate::api::codes;
use crate::api::contact_set::{self, ROLES};
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};

/// The most domains GET_DOMAINS_CONTACTS takes.
const MAX_DOMAINS: usize = 100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDomainsContacts {
    pub domains: Vec<String>,
}

impl crate::api::Handler for GetDomainsContacts {
    const NAME: &'static str = "GET_DOMAINS_CONTACTS";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let list = f
            .opt_list("domain_list")?
            .ok_or_else(|| ApiError::Missing("domain_list".into()))?;
        if list.len() > MAX_DOMAINS {
            return Err(f.invalid("domain_list", &format!("at most {MAX_DOMAINS} domains")));
        }
        let mut domains = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            let raw = v.as_str().ok_or_else(|| {
                ApiError::invalid(format!("domain_list[{i}]"), "expected a domain name")
            })?;
            let d = DomainName::parse(raw)
                .map_err(|e| ApiError::invalid(format!("domain_list[{i}]"), e.to_string()))?;
            domains.push(d.name.to_string());
        }
        Ok(GetDomainsContacts { domains })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let mut attrs = Map::with_capacity(self.domains.len());
        for name in &self.domains {
            let mut m = Map::with_capacity(1);
            match ctx.app.store.domain_record(ctx.reseller.id, name)? {
                Some(d) => {
                    m.insert(
                        "contact_set".into(),
                        Value::Map(contact_set::to_ops(d.contacts.as_deref(), &ROLES)),
                    );
                    // Documented as always returned (no registrant change waits
                    // in the sandbox).
                    m.insert("status".into(), Value::from("active"));
                }
                // Whoever holds it, if anyone: the same sentence (it names the
                // caller, never the holder).
                None => {
                    m.insert(
                        "error".into(),
                        Value::from(
                            codes::NOT_YOUR_DOMAIN.replace("{reseller}", &ctx.reseller.username),
                        ),
                    );
                }
            }
            attrs.insert(name.as_str().into(), Value::Map(m));
        }
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateContacts {
    pub named: Named,
    pub roles: serde_json::Map<String, serde_json::Value>,
    pub affect_domains: bool,
}

impl crate::api::Handler for UpdateContacts {
    const NAME: &'static str = "UPDATE_CONTACTS";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain", "domain_name"])?;
        let types = f
            .opt_list("types")?
            .ok_or_else(|| ApiError::Missing("types".into()))?;
        let mut roles: Vec<&str> = Vec::with_capacity(4);
        for (i, v) in types.iter().enumerate() {
            let t = v.as_str().map(|s| s.trim().to_ascii_lowercase());
            let Some(role) = ROLES.iter().find(|r| Some(**r) == t.as_deref()) else {
                return Err(ApiError::invalid(
                    format!("types[{i}]"),
                    "expected owner, admin, billing or tech",
                ));
            };
            roles.push(role);
        }
        Ok(UpdateContacts {
            named,
            roles: contact_set::parse_roles(f, &roles, true)?,
            affect_domains: f.opt_flag("affect_domains")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let d = self.named.resolve(ctx)?;
        let targets = if self.affect_domains {
            store.profile_domains(me, d.profile_id)?
        } else {
            vec![(d.id, d.name.clone())]
        };
        let audit = ctx.audit("update_contacts", &d.name, String::new());
        let mut attrs = Map::with_capacity(1);
        attrs.insert(
            "details".into(),
            Value::Map(super::modify::lay_contacts(
                ctx,
                &targets,
                &self.roles,
                &audit,
            )?),
        );
        Ok(Reply::done(codes::CONTACTS_UPDATED, attrs))
    }
}
