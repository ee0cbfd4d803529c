//! UPDATE_ALL_INFO (object DOMAIN): a domain's whole contact set and its
//! nameservers in one call, as documented for the ccTLDs that take them together.
//! Every role is required; `nameserver_list` replaces the nameservers (`fqdn` —
//! `name` from the Haskell client — with `ipaddress` and/or `ipv6`). A host under the domain itself is its glue: created,
//! or its addresses set to exactly those given (an address left out is removed, as
//! documented); any other host must exist at the registry. The contacts and
//! nameservers change together, each with its event, note and audit row; a new
//! registrant address starts a verification.

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Envelope, Map};
use crate::rules::nameservers;
use crate::store::{DomainChange, NameServerHost};

use super::nameserver::address;

/// One entry of `nameserver_list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub fqdn: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateAllInfo {
    pub named: Named,
    pub contacts_json: String,
    pub nameservers: Vec<Entry>,
}

/// An address, where an empty value (the Haskell client sends one for a missing
/// address) is none.
fn given(f: &Fields<'_>, key: &str, v6: bool) -> Result<Option<String>, ApiError> {
    match f.opt_str(key)? {
        Some(v) if v.trim().is_empty() => Ok(None),
        _ => address(f, key, v6),
    }
}

impl crate::api::Handler for UpdateAllInfo {
    const NAME: &'static str = "UPDATE_ALL_INFO";

    fn parse(env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain"])?;
        let (contacts_json, _admin) = contact_set::parse(f, true)?;
        let Some(list) = f.opt_list("nameserver_list")? else {
            return Err(ApiError::Missing("nameserver_list".into()));
        };
        if list.is_empty() {
            return Err(ApiError::Missing("nameserver_list".into()));
        }
        if list.len() > nameservers::MAX {
            return Err(f.invalid(
                "nameserver_list",
                &format!("at most {} are allowed", nameservers::MAX),
            ));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(list.len());
        for (i, v) in list.iter().enumerate() {
            let item = Fields::item("nameserver_list", i, v)?;
            // The Haskell client names the host `name` (and adds `sortorder`),
            // as GET all_info shows it.
            let key = match item.opt_str("fqdn")? {
                Some(_) => "fqdn",
                None if item.opt_str("name")?.is_some() => "name",
                None => "fqdn",
            };
            let fqdn = DomainName::parse(item.req_str(key)?)
                .map_err(|e| item.invalid(key, &e.to_string()))?
                .ascii
                .to_string();
            if entries.iter().any(|e| e.fqdn == fqdn) {
                return Err(item.invalid("fqdn", "listed twice"));
            }
            entries.push(Entry {
                fqdn,
                ipv4: given(&item, "ipaddress", false)?,
                ipv6: given(&item, "ipv6", true)?,
            });
        }
        Ok(UpdateAllInfo {
            named,
            contacts_json,
            nameservers: entries,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let me = ctx.reseller.id;
        let d = self.named.resolve(ctx)?;
        // Everything is checked before anything is written.
        let mut glue = Vec::new();
        let mut elsewhere = Vec::new();
        for (i, e) in self.nameservers.iter().enumerate() {
            if nameservers::belongs_to(store, &e.fqdn, &d.name)? {
                if e.ipv4.is_none() && e.ipv6.is_none() {
                    return Err(ApiError::invalid(
                        format!("nameserver_list[{i}].ipaddress"),
                        format!("{} is under {}: give its address", e.fqdn, d.name),
                    ));
                }
                glue.push(e);
            } else {
                elsewhere.push(e.fqdn.clone());
            }
        }
        if let Some(missing) = nameservers::missing(store, &elsewhere)?.first() {
            return Err(ApiError::invalid(
                "nameserver_list",
                format!("{missing} does not exist at the registry; create it first"),
            ));
        }
        let now = ctx.app.now();
        for e in glue {
            let host = NameServerHost {
                name: e.fqdn.clone(),
                domain_id: d.id,
                ipv4: e.ipv4.clone(),
                ipv6: e.ipv6.clone(),
            };
            let detail = format!(
                "{} {}",
                host.ipv4.as_deref().unwrap_or(""),
                host.ipv6.as_deref().unwrap_or("")
            );
            let audit = ctx.audit("update_all_info", &e.fqdn, detail);
            let written = match store.name_server(&e.fqdn)? {
                Some(_) => store.modify_name_server(me, &e.fqdn, &host, &audit),
                None => store.create_name_server(me, &host, &audit, now),
            };
            written.map_err(|err| match err {
                crate::store::StoreError::Conflict(what) => {
                    ApiError::invalid("nameserver_list", format!("{what} exists"))
                }
                other => other.into(),
            })?;
        }
        let hosts = self.nameservers.into_iter().map(|e| e.fqdn).collect();
        let audit = ctx.audit("update_all_info", &d.name, String::new());
        crate::rules::domain_change::apply_each(
            ctx.app,
            me,
            (d.id, &d.name),
            vec![
                DomainChange::Contacts(self.contacts_json),
                DomainChange::Nameservers(hosts),
            ],
            &audit,
        )?;
        Ok(Reply::done(codes::ALL_INFO_UPDATED, Map::new()))
    }
}
