//! The NAMESERVER object: hosts under a reseller's domain (WHMCS's Register /
//! Modify / DeleteNameserver) — CREATE, MODIFY, DELETE, GET — and Net::DRI's
//! REGISTRY_ADD_NS and REGISTRY_CHECK_NAMESERVER. A host belongs to the domain it
//! is under, named by `domain` or a cookie; a host some domain delegates to is not
//! deleted or renamed.

use std::net::IpAddr;

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::store::{DomainRecord, NameServerHost, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsVerb {
    Create,
    Modify {
        new_name: String,
    },
    Delete,
    /// `name=all`, or one host.
    Get {
        name: Option<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nameserver {
    pub named: Named,
    pub verb: NsVerb,
    pub name: String,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
}

fn host(f: &Fields<'_>, key: &str) -> Result<String, ApiError> {
    DomainName::parse(f.req_str(key)?)
        .map(|h| h.ascii.to_string())
        .map_err(|e| f.invalid(key, &e.to_string()))
}

pub(crate) fn address(f: &Fields<'_>, key: &str, v6: bool) -> Result<Option<String>, ApiError> {
    let Some(raw) = f.opt_str(key)? else {
        return Ok(None);
    };
    match raw.trim().parse::<IpAddr>() {
        Ok(ip @ IpAddr::V4(_)) if !v6 => Ok(Some(ip.to_string())),
        Ok(ip @ IpAddr::V6(_)) if v6 => Ok(Some(ip.to_string())),
        _ => Err(f.invalid(
            key,
            if v6 {
                "expected an IPv6 address"
            } else {
                "expected an IPv4 address"
            },
        )),
    }
}

/// Whether `host` sits under `domain`.
fn under(host: &str, domain: &str) -> bool {
    host.strip_suffix(domain)
        .is_some_and(|rest| rest.ends_with('.'))
}

impl Nameserver {
    /// The request of `action` (CREATE, MODIFY, DELETE or GET).
    fn of_action(
        env: &crate::ops::Envelope,
        f: &Fields<'_>,
        action: &str,
    ) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain"])?;
        let verb = match action {
            "CREATE" => NsVerb::Create,
            "MODIFY" => NsVerb::Modify {
                new_name: match f.opt_str("new_name")? {
                    Some(_) => host(f, "new_name")?,
                    None => host(f, "name")?,
                },
            },
            "DELETE" => NsVerb::Delete,
            _ => NsVerb::Get {
                name: match f.opt_str("name")?.map(str::trim) {
                    None | Some("all") => None,
                    Some(_) => Some(host(f, "name")?),
                },
            },
        };
        let name = match &verb {
            NsVerb::Get { name } => name.clone().unwrap_or_default(),
            _ => host(f, "name")?,
        };
        let ipv4 = address(f, "ipaddress", false)?;
        let ipv6 = address(f, "ipv6", true)?;
        if verb == NsVerb::Create && ipv4.is_none() && ipv6.is_none() {
            return Err(ApiError::Missing("ipaddress".into()));
        }
        Ok(Nameserver {
            named,
            verb,
            name,
            ipv4,
            ipv6,
        })
    }

    fn host(&self, d: &DomainRecord, name: &str) -> NameServerHost {
        NameServerHost {
            name: name.to_string(),
            domain_id: d.id,
            ipv4: self.ipv4.clone(),
            ipv6: self.ipv6.clone(),
        }
    }

    /// A host may be made or renamed only where it is the named domain's: under
    /// it, and under no longer domain some portfolio holds.
    fn must_belong(&self, ctx: &Ctx<'_>, d: &DomainRecord, name: &str) -> Result<(), ApiError> {
        if !under(name, &d.name) {
            return Err(ApiError::invalid(
                "name",
                format!("{name} is not under {}", d.name),
            ));
        }
        match crate::rules::nameservers::parent_in_portfolio(&ctx.app.store, name)? {
            Some(p) if p != d.name => Err(ApiError::invalid(
                "name",
                format!("{name} is under {p}, which is not {}", d.name),
            )),
            _ => Ok(()),
        }
    }

    /// The host this request names, when it is the named domain's.
    fn own_host(
        &self,
        ctx: &Ctx<'_>,
        d: &DomainRecord,
    ) -> Result<Option<NameServerHost>, ApiError> {
        let store = &ctx.app.store;
        if !crate::rules::nameservers::belongs_to(store, &self.name, &d.name)? {
            return Ok(None);
        }
        Ok(store.name_server(&self.name)?)
    }

    fn get(&self, ctx: &Ctx<'_>, d: &DomainRecord, only: Option<&str>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let hosts = crate::rules::nameservers::hosts_of(&ctx.app.store, &d.name)?;
        let mut list = Vec::with_capacity(hosts.len());
        for h in hosts.iter().filter(|h| only.is_none_or(|n| n == h.name)) {
            let in_use = ctx.app.store.name_server_in_use(me, &h.name)?;
            let mut m = Map::with_capacity(5);
            m.insert("name".into(), Value::from(h.name.as_str()));
            m.insert(
                "ipaddress".into(),
                Value::from(h.ipv4.clone().unwrap_or_default()),
            );
            m.insert(
                "ipv6".into(),
                Value::from(h.ipv6.clone().unwrap_or_default()),
            );
            m.insert(
                "can_delete".into(),
                Value::from(if in_use { "0" } else { "1" }),
            );
            m.insert("sortorder".into(), Value::from((list.len() + 1) as i64));
            list.push(Value::Map(m));
        }
        if only.is_some() && list.is_empty() {
            return Err(ApiError::Refused(codes::NAMESERVER_NOT_FOUND));
        }
        let mut attrs = Map::with_capacity(1);
        attrs.insert("nameserver_list".into(), Value::List(list));
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}

impl crate::api::Handler for Nameserver {
    const NAME: &'static str = "NAMESERVER";

    fn parse(env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        Nameserver::of_action(env, attrs, &env.action().to_ascii_uppercase())
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let d = self.named.resolve(ctx)?;
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let not_found = ApiError::Refused(codes::NAMESERVER_NOT_FOUND);
        let conflict = |e: StoreError| match e {
            StoreError::Conflict(_) => ApiError::Refused(codes::NAMESERVER_EXISTS),
            StoreError::NotFound => ApiError::Refused(codes::NAMESERVER_NOT_FOUND),
            other => other.into(),
        };
        match &self.verb {
            NsVerb::Get { name } => return self.get(ctx, &d, name.as_deref()),
            NsVerb::Create => {
                self.must_belong(ctx, &d, &self.name)?;
                let audit = ctx.audit(
                    "nameserver_create",
                    &self.name,
                    format!(
                        "{} {}",
                        self.ipv4.as_deref().unwrap_or(""),
                        self.ipv6.as_deref().unwrap_or("")
                    ),
                );
                store
                    .create_name_server(me, &self.host(&d, &self.name), &audit, ctx.app.now())
                    .map_err(conflict)?;
            }
            NsVerb::Modify { new_name } => {
                let current = self.own_host(ctx, &d)?.ok_or(not_found)?;
                self.must_belong(ctx, &d, new_name)?;
                if *new_name != self.name && store.name_server_in_use(me, &self.name)? {
                    return Err(ApiError::Refused(codes::NAMESERVER_IN_USE));
                }
                let next = NameServerHost {
                    name: new_name.clone(),
                    domain_id: d.id,
                    ipv4: self.ipv4.clone().or(current.ipv4),
                    ipv6: self.ipv6.clone().or(current.ipv6),
                };
                let audit = ctx.audit("nameserver_modify", &self.name, format!("now {new_name}"));
                store
                    .modify_name_server(me, &self.name, &next, &audit)
                    .map_err(conflict)?;
            }
            NsVerb::Delete => {
                self.own_host(ctx, &d)?.ok_or(not_found)?;
                if store.name_server_in_use(me, &self.name)? {
                    return Err(ApiError::Refused(codes::NAMESERVER_IN_USE));
                }
                let audit = ctx.audit("nameserver_delete", &self.name, String::new());
                store
                    .delete_name_server(me, d.id, &self.name, &audit)
                    .map_err(conflict)?;
            }
        }
        Ok(Reply::done_bare(match &self.verb {
            NsVerb::Create => codes::NAMESERVER_CREATED,
            NsVerb::Delete => codes::NAMESERVER_DELETED,
            NsVerb::Modify { .. } | NsVerb::Get { .. } => codes::NAMESERVER_MODIFIED,
        }))
    }
}

/// REGISTRY_ADD_NS and REGISTRY_CHECK_NAMESERVER (object NAMESERVER): `fqdn` at
/// the registry of `tld`. The sandbox has one registry: a host exists there once
/// created, and adding one the caller created succeeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryNameserver {
    pub fqdn: String,
    pub tld: String,
    pub add: bool,
}

impl crate::api::Handler for RegistryNameserver {
    const NAME: &'static str = "REGISTRY_NAMESERVER";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(RegistryNameserver {
            fqdn: host(f, "fqdn")?,
            tld: f
                .req_str("tld")?
                .trim()
                .trim_start_matches('.')
                .to_ascii_lowercase(),
            add: env.action().eq_ignore_ascii_case("REGISTRY_ADD_NS"),
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let parent = crate::rules::nameservers::parent_in_portfolio(store, &self.fqdn)?;
        // A host under no domain opsd holds is someone else's server (a customer's
        // own nameservers): the registry knows it, as SW_REGISTER takes it. A host
        // under a held domain exists once that domain's holder created it.
        let known = parent.is_none() || store.name_server(&self.fqdn)?.is_some();
        if self.add {
            // An outside host can be added by anyone; a host under a held domain by
            // its holder only, once created.
            let allowed = match &parent {
                None => true,
                Some(p) => known && store.domain_record(me, p)?.is_some(),
            };
            if !allowed {
                return Err(ApiError::Refused(codes::NAMESERVER_NOT_FOUND));
            }
            let mut attrs = Map::with_capacity(1);
            attrs.insert(
                "registry_name".into(),
                Value::from(format!(".{}", self.tld)),
            );
            return Ok(Reply::done(codes::NAMESERVER_ADDED, attrs));
        }
        let mut attrs = Map::with_capacity(1);
        let (code, status) = if known {
            (codes::NAMESERVER_AT_REGISTRY, "exists")
        } else {
            (codes::NAMESERVER_NOT_AT_REGISTRY, "not_exists")
        };
        attrs.insert("status".into(), Value::from(status));
        Ok(Reply::done(code, attrs))
    }
}
