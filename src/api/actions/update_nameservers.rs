//! ADVANCED_UPDATE_NAMESERVERS (object DOMAIN): replace the domain's nameservers
//! (`op_type=assign`, `assign_ns`, what all eight callers send) or add and remove
//! some (`add_ns`, `remove_ns`). A host under a portfolio domain must have been
//! created first (`rules::nameservers`). Writes DOMAIN NAMESERVER_UPDATE.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::domain::DomainName;
use crate::ops::Map;
use crate::rules::nameservers;
use crate::store::DomainChange;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NsOp {
    Assign(Vec<String>),
    AddRemove {
        add: Vec<String>,
        remove: Vec<String>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateNameservers {
    pub named: Named,
    pub op: NsOp,
}

/// A list of host names (`assign_ns`, `add_ns`, `remove_ns`), checked.
pub(crate) fn host_list(f: &Fields<'_>, key: &str) -> Result<Vec<String>, ApiError> {
    let Some(list) = f.opt_list(key)? else {
        return Ok(Vec::new());
    };
    if list.len() > nameservers::MAX {
        return Err(f.invalid(key, &format!("at most {} are allowed", nameservers::MAX)));
    }
    let mut out = Vec::with_capacity(list.len());
    for (i, v) in list.iter().enumerate() {
        let raw = v
            .as_str()
            .ok_or_else(|| ApiError::invalid(format!("{key}[{i}]"), "expected a host name"))?;
        let host = DomainName::parse(raw).map_err(|e| {
            ApiError::invalid(format!("{key}[{i}]"), format!("'{}' {e}", raw.trim()))
        })?;
        let host = host.ascii.to_string();
        if !out.contains(&host) {
            out.push(host);
        }
    }
    Ok(out)
}

impl crate::api::Handler for UpdateNameservers {
    const NAME: &'static str = "ADVANCED_UPDATE_NAMESERVERS";

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let named = Named::read(env, f, &["domain", "domain_name"])?;
        let op = match f.req_str("op_type")?.trim().to_ascii_lowercase().as_str() {
            "assign" => {
                if f.opt_list("add_ns")?.is_some() || f.opt_list("remove_ns")?.is_some() {
                    return Err(f.invalid("op_type", "assign takes assign_ns only"));
                }
                let hosts = host_list(f, "assign_ns")?;
                if hosts.is_empty() {
                    return Err(ApiError::Missing("assign_ns".into()));
                }
                NsOp::Assign(hosts)
            }
            "add_remove" | "add" | "remove" => {
                if f.opt_list("assign_ns")?.is_some() {
                    return Err(f.invalid("op_type", "assign_ns needs op_type=assign"));
                }
                NsOp::AddRemove {
                    add: host_list(f, "add_ns")?,
                    remove: host_list(f, "remove_ns")?,
                }
            }
            _ => return Err(f.invalid("op_type", "expected assign or add_remove")),
        };
        Ok(UpdateNameservers { named, op })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        let d = self.named.resolve(ctx)?;
        let next = match &self.op {
            NsOp::Assign(hosts) => hosts.clone(),
            NsOp::AddRemove { add, remove } => nameservers::changed(&d.nameservers, add, remove),
        };
        if next.is_empty() {
            return Err(ApiError::invalid(
                "remove_ns",
                "a domain keeps at least one nameserver",
            ));
        }
        if next.len() > nameservers::MAX {
            return Err(ApiError::invalid(
                "add_ns",
                format!("a domain has at most {} nameservers", nameservers::MAX),
            ));
        }
        if let Some(missing) = nameservers::missing(store, &next)?.first() {
            return Err(ApiError::invalid(
                "nameserver",
                format!("{missing} does not exist at the registry; create it first"),
            ));
        }
        let audit = ctx.audit("advanced_update_nameservers", &d.name, String::new());
        crate::rules::domain_change::apply(
            ctx.app,
            ctx.reseller.id,
            &[(d.id, d.name.clone())],
            &DomainChange::Nameservers(next),
            &audit,
        )?;
        Ok(Reply::done(codes::NAMESERVERS_UPDATED, Map::new()))
    }
}
