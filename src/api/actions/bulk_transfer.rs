//! BULK_TRANSFER (object DOMAIN): the older bulk transfer, before SIMPLE_TRANSFER,
//! run through the same lifecycle — one transfer job of the names in `domain_list`
//! (1 to 10,000; plain names, or entries with `domain` and `auth_info`), into the
//! profile `reg_username` names (opened by its password, or made with it in the
//! same transaction as the job). Names that cannot be transferred here (a TLD the
//! sandbox does not transfer) are listed as failures and the rest go ahead; each
//! domain's registrant is asked to approve, as in a SIMPLE_TRANSFER job, whose
//! status calls show it. The domains keep their WHOIS contacts: a `contact_set` is
//! read for its checks only.

use crate::api::codes;
use crate::api::fields::Fields;
use crate::api::{ApiError, Ctx, Reply};
use crate::clock::format_timestamp;
use crate::domain::DomainName;
use crate::ops::{Envelope, Map, Text, Value};
use crate::store::NewTransferJob;

use super::simple_transfer::MAX_DOMAINS;

#[derive(Clone, PartialEq, Eq)]
pub struct BulkTransfer {
    /// `(domain, auth_info)` of the names that can move, in request order.
    pub domains: Vec<(DomainName, Text)>,
    /// `(name, reason)` of those that cannot.
    pub refused: Vec<(String, String)>,
    pub username: String,
    pub password: String,
    pub reg_domain: Option<String>,
}

impl std::fmt::Debug for BulkTransfer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkTransfer")
            .field("domains", &self.domains.len())
            .field("refused", &self.refused)
            .field("username", &self.username)
            .field("password", &"***")
            .finish_non_exhaustive()
    }
}

impl crate::api::Handler for BulkTransfer {
    const NAME: &'static str = "BULK_TRANSFER";

    fn parse(_env: &Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let Some(list) = f.opt_list("domain_list")? else {
            return Err(ApiError::Missing("domain_list".into()));
        };
        if list.is_empty() {
            return Err(f.invalid("domain_list", "the list is empty"));
        }
        if list.len() > MAX_DOMAINS {
            return Err(f.invalid(
                "domain_list",
                &format!("{} items; at most {MAX_DOMAINS} are allowed", list.len()),
            ));
        }
        if f.opt_str("handle")?.map(str::trim) == Some("save") {
            return Err(f.invalid(
                "handle",
                "a bulk transfer is processed at once; save single transfers instead",
            ));
        }
        if f.get("contact_set").is_some() {
            super::super::contact_set::parse_roles(f, &super::super::contact_set::ROLES, false)?;
        }
        let mut domains: Vec<(DomainName, Text)> = Vec::with_capacity(list.len());
        let mut refused = Vec::new();
        for (i, item) in list.iter().enumerate() {
            let (raw, auth) = match item {
                Value::Map(_) => {
                    let e = Fields::item("domain_list", i, item)?;
                    let name = match e.opt_str("domain")? {
                        Some(n) => n,
                        None => e.req_str("domain_name")?,
                    };
                    (name, e.opt_str("auth_info")?.unwrap_or(""))
                }
                other => (
                    other.as_str().ok_or_else(|| {
                        ApiError::invalid(format!("domain_list[{i}]"), "expected a domain name")
                    })?,
                    "",
                ),
            };
            let d = DomainName::parse(raw).map_err(|e| {
                ApiError::invalid(format!("domain_list[{i}]"), format!("'{}' {e}", raw.trim()))
            })?;
            if domains.iter().any(|(x, _)| x.name == d.name) {
                continue;
            }
            if d.simple_transfer_tld().is_none() {
                refused.push((
                    d.name.to_string(),
                    crate::codes::transfer_reasons::NO_SERVICE.to_string(),
                ));
                continue;
            }
            domains.push((d, Text::new(auth.trim())));
        }
        let profile = crate::api::profile::ProfileCredentials::of_order(f)?;
        Ok(BulkTransfer {
            domains,
            refused,
            username: profile.username,
            password: profile.password,
            reg_domain: profile.domain,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let mut attrs = Map::with_capacity(3);
        let failures = self
            .refused
            .iter()
            .map(|(d, why)| {
                let mut m = Map::with_capacity(2);
                m.insert("domain".into(), Value::from(d.as_str()));
                m.insert("reason".into(), Value::from(why.as_str()));
                Value::Map(m)
            })
            .collect::<Vec<_>>();
        if self.domains.is_empty() {
            attrs.insert("failure_domains".into(), Value::List(failures));
            let mut reply = Reply::done(codes::BULK_TRANSFER_NONE, attrs);
            reply.success = false;
            return Ok(reply);
        }
        let profile = super::sw_register::order_profile(
            ctx,
            me,
            ctx.peer,
            &self.username,
            &self.password,
            self.reg_domain.as_deref(),
        )?;
        let now = ctx.app.time();
        let job = NewTransferJob {
            reseller_id: me,
            name: format!("bulk transfer - {}", format_timestamp(now)),
            profile_id: None,
            dns_template: None,
            nameservers: Vec::new(),
            domains: self
                .domains
                .iter()
                .map(|(d, a)| (d.name.clone(), a.clone()))
                .collect(),
            created_at: now.unix_timestamp(),
        };
        let id = match ctx.app.store.create_transfer_job_into(&job, &profile) {
            Err(crate::store::StoreError::Conflict(what)) => {
                return Err(ApiError::invalid("reg_username", format!("{what} exists")));
            }
            other => other?,
        };
        ctx.app.work.notify_one();
        let successes = self
            .domains
            .iter()
            .map(|(d, _)| {
                let mut m = Map::with_capacity(2);
                m.insert("domain".into(), Value::from(d.name.as_str()));
                m.insert("order_id".into(), Value::from(id));
                Value::Map(m)
            })
            .collect();
        attrs.insert("bulk_transfer_id".into(), Value::from(id));
        attrs.insert("successful_domains".into(), Value::List(successes));
        attrs.insert("failure_domains".into(), Value::List(failures));
        Ok(Reply::done(codes::BULK_TRANSFER_SUBMITTED, attrs))
    }
}
