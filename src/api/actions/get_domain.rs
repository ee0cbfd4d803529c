//! GET (object DOMAIN): one portfolio domain, by the `type` clients ask for —
//! `all_info` (WHMCS's sync, Blesta's info), `status` (the lock), `nameservers`,
//! `domain_auth_info`, `whois_privacy_state`, one contact role, `registry_dates`,
//! `expire_action`, `auto_renew_flag` — or `list`, the account's (or with a
//! domain, its profile's) domains a page at a time, the page index from 0.
//!
//! Dates are `YYYY-MM-DD HH:MM:SS` (UTC). A domain whose transfer in is not finished
//! is refused as not active (see `api::target`).

use crate::api::codes;
use crate::api::contact_set::{self, ROLES};
use crate::api::fields::Fields;
use crate::api::target::Named;
use crate::api::{ApiError, Ctx, Reply};
use crate::clock::unix_timestamp_text;
use crate::ops::{Map, Value};
use crate::status::DomainSetting;
use crate::store::DomainRecord;

/// The types answered, as documented.
const TYPES: &[&str] = &[
    "all_info",
    "status",
    "nameservers",
    "domain_auth_info",
    "whois_privacy_state",
    "owner",
    "admin",
    "billing",
    "tech",
    "registry_dates",
    "expire_action",
    "auto_renew_flag",
    "list",
    "dnssec",
    "tld_data",
    "nexus_info",
    "ced_info",
    "forwarding_email",
    "rsp_whois_info",
    "xpack_waiting_history",
    "ca_whois_display_setting",
    "it_whois_display_setting",
];

/// The most domains one page of `list` holds (OpenSRS's "up to 40").
const PAGE_MAX: i64 = 40;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetDomain {
    pub named: Option<Named>,
    pub kind: &'static str,
    pub page: i64,
    pub limit: i64,
}

fn flag(on: bool) -> Value {
    Value::from(if on { "1" } else { "0" })
}

fn date(t: Option<i64>) -> Value {
    Value::from(t.map(unix_timestamp_text).unwrap_or_default())
}

/// `nameserver_list` as GET writes it: name, sortorder from 1, and the address of
/// hosts registered with the NAMESERVER object.
pub(crate) fn nameserver_list(ctx: &Ctx<'_>, d: &DomainRecord) -> Result<Value, ApiError> {
    let mut out = Vec::with_capacity(d.nameservers.len());
    for (i, name) in d.nameservers.iter().enumerate() {
        let mut m = Map::with_capacity(3);
        m.insert("name".into(), Value::from(name.as_str()));
        m.insert("sortorder".into(), Value::from((i + 1) as i64));
        let host = ctx.app.store.name_server(name)?;
        let ip = host.and_then(|h| h.ipv4.or(h.ipv6)).unwrap_or_default();
        m.insert("ipaddress".into(), Value::from(ip));
        out.push(Value::Map(m));
    }
    Ok(Value::List(out))
}

/// The dates of `registry_dates` and `all_info`.
fn registry_dates(d: &DomainRecord, attrs: &mut Map) {
    let expiry = Some(crate::rules::renewal::expiry(d));
    attrs.insert("expiredate".into(), date(expiry));
    attrs.insert(
        "registry_createdate".into(),
        date(d.registered_at.or(Some(d.created_at))),
    );
    attrs.insert("registry_expiredate".into(), date(expiry));
    attrs.insert(
        "registry_updatedate".into(),
        date(d.updated_at.or(d.transferred_at).or(Some(d.created_at))),
    );
    if d.transferred_at.is_some() {
        attrs.insert("registry_transferdate".into(), date(d.transferred_at));
    }
}

impl GetDomain {
    /// `type=list`: the account's domains, or with a domain named, its profile's.
    fn list(&self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let me = ctx.reseller.id;
        let store = &ctx.app.store;
        let skip = self.page.saturating_mul(self.limit);
        let page = match &self.named {
            None => store.domain_page(me, skip, self.limit)?,
            Some(named) => {
                let d = named.resolve(ctx)?;
                let all = store.profile_domains(me, d.profile_id)?;
                let rows = all
                    .iter()
                    .skip(usize::try_from(skip).unwrap_or(usize::MAX))
                    .take(usize::try_from(self.limit).unwrap_or(0))
                    .filter_map(|(_, name)| store.domain_record(me, name).ok().flatten())
                    .map(|r| {
                        let e = crate::rules::renewal::expiry(&r);
                        (r.name, e, r.auto_renew, r.let_expire)
                    })
                    .collect();
                crate::store::ExpiryPage {
                    rows,
                    total: all.len() as i64,
                }
            }
        };
        let listed = page.rows.len() as i64;
        let domains: Vec<Value> = page
            .rows
            .into_iter()
            .map(|(name, expiry, _, _)| {
                let mut m = Map::with_capacity(2);
                m.insert("name".into(), Value::from(name));
                m.insert("expiry_date".into(), date(Some(expiry)));
                Value::Map(m)
            })
            .collect();
        let mut attrs = Map::with_capacity(5);
        attrs.insert("page".into(), Value::from(self.page));
        attrs.insert("page_size".into(), Value::from(self.limit));
        attrs.insert("total".into(), Value::from(page.total));
        attrs.insert(
            "remainder".into(),
            flag(skip.saturating_add(listed) < page.total),
        );
        attrs.insert("domain_list".into(), Value::List(domains));
        Ok(Reply::done(codes::COMMAND_OK, attrs))
    }
}

/// One of the domain's settings, if set.
fn setting(
    ctx: &Ctx<'_>,
    d: &DomainRecord,
    key: DomainSetting,
) -> Result<Option<String>, ApiError> {
    Ok(ctx
        .app
        .store
        .domain_settings(ctx.reseller.id, d.id)?
        .into_iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v))
}

/// `xpack_waiting_history` (.dk): the requests made on the domain in the last two
/// weeks, as the registry's review queue keeps them — in the sandbox every one is
/// settled at once, so each is `completed` — from the domain's events.
fn waiting_history(ctx: &Ctx<'_>, d: &DomainRecord) -> Result<Vec<Value>, ApiError> {
    let since = ctx.app.now() - 14 * 86_400;
    let events = ctx
        .app
        .store
        .events_of_domain(ctx.reseller.id, &d.name, since)?;
    Ok(events
        .into_iter()
        .filter_map(|(id, event, at)| {
            let req_type = crate::rules::events::xpack_request_type(&event)?;
            let mut m = Map::with_capacity(4);
            m.insert("xpack_req_id".into(), Value::from(id));
            m.insert("req_type".into(), Value::from(req_type));
            m.insert("create_time".into(), date(Some(at)));
            m.insert("current_state".into(), Value::from("completed"));
            Some(Value::Map(m))
        })
        .collect())
}

/// `tld_data` as it was sent, or empty.
fn tld_data(d: &DomainRecord) -> Value {
    d.tld_data
        .as_deref()
        .and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
        .map_or_else(|| Value::from(""), |v| Value::from_json(&v))
}

impl crate::api::Handler for GetDomain {
    const NAME: &'static str = "GET";
    const VARIANTS: (&'static str, &'static [&'static str]) = ("type", TYPES);

    fn parse(env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        let asked = f.req_str("type")?.trim().to_ascii_lowercase();
        let Some(kind) = TYPES.iter().copied().find(|t| *t == asked) else {
            return Err(f.invalid("type", &format!("expected one of {}", TYPES.join(", "))));
        };
        let named = Named::read_optional(env, f, &["domain", "domain_name"])?;
        if named.is_none() && kind != "list" {
            return Err(ApiError::Missing("domain".into()));
        }
        let page = match f.opt_str("page")? {
            None => 0,
            Some(_) => f.req_id("page")?,
        };
        let limit = match f.opt_str("limit")? {
            None => PAGE_MAX,
            // Capped, never refused: clients ask for everything.
            Some(_) => f.req_id("limit")?.clamp(1, PAGE_MAX),
        };
        Ok(GetDomain {
            named,
            kind,
            page,
            limit,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        if self.kind == "list" {
            return self.list(ctx);
        }
        let Some(named) = &self.named else {
            return Err(ApiError::Missing("domain".into()));
        };
        let d = named.resolve(ctx)?;
        let mut attrs = Map::with_capacity(16);
        let mut code = codes::COMMAND_OK;
        match self.kind {
            "all_info" => {
                code = codes::QUERY_OK;
                attrs.insert("auto_renew".into(), flag(d.auto_renew));
                attrs.insert("let_expire".into(), flag(d.let_expire));
                // GET all_info's contacts carry their `status` (a live reply of
                // 2025) and `url` (the documentation's) besides the fields every
                // contact has.
                let mut set = contact_set::to_ops(d.contacts.as_deref(), &ROLES);
                for c in set.values_mut() {
                    if let Value::Map(c) = c {
                        c.insert("url".into(), Value::from(""));
                        c.insert("status".into(), Value::from("active"));
                    }
                }
                attrs.insert("contact_set".into(), Value::Map(set));
                attrs.insert("nameserver_list".into(), nameserver_list(ctx, &d)?);
                registry_dates(&d, &mut attrs);
                attrs.insert("sponsoring_rsp".into(), Value::from("1"));

                attrs.insert(
                    "affiliate_id".into(),
                    Value::from(d.affiliate_id.clone().unwrap_or_default()),
                );
                attrs.insert("tld_data".into(), tld_data(&d));
                attrs.insert("gdpr_consent_status".into(), Value::from("NONE"));
            }
            "status" => {
                // A domain suspended for want of registrant verification cannot be
                // changed until the registrant verifies (docs/api.md).
                let suspended = ctx
                    .app
                    .store
                    .verification(ctx.reseller.id, &d.name)?
                    .is_some_and(|v| v.status == crate::status::VerificationStatus::Suspended);
                attrs.insert("lock_state".into(), flag(d.locked));
                attrs.insert("can_modify".into(), flag(!suspended));
                if suspended {
                    attrs.insert(
                        "registrant_verification_status".into(),
                        Value::from("suspended"),
                    );
                }
                attrs.insert("domain_supports".into(), Value::from("1"));
                let parked = setting(ctx, &d, DomainSetting::ParkPage)?;
                attrs.insert(
                    "parkp_status".into(),
                    Value::from(parked.unwrap_or_default()),
                );
                // Read by Net::DRI; there only while another registrar's request
                // waits for the owner.
                if ctx.app.store.transfer_away_pending(&d.name)? {
                    attrs.insert("transfer_away_in_progress".into(), Value::from("1"));
                }
            }
            "nameservers" => {
                attrs.insert("nameserver_list".into(), nameserver_list(ctx, &d)?);
            }
            "dnssec" => {
                let records = crate::rules::dnssec::from_json(d.dnssec.as_deref())
                    .into_iter()
                    .map(|r| {
                        let mut m = Map::with_capacity(4);
                        m.insert("algorithm".into(), Value::from(i64::from(r.algorithm)));
                        m.insert("key_tag".into(), Value::from(i64::from(r.key_tag)));
                        m.insert("digest_type".into(), Value::from(i64::from(r.digest_type)));
                        m.insert("digest".into(), Value::from(r.digest));
                        Value::Map(m)
                    })
                    .collect();
                attrs.insert("dnssec".into(), Value::List(records));
            }
            "domain_auth_info" => {
                // A domain that arrived by transfer or push is given a code now.
                let code = ctx.app.store.auth_code(
                    ctx.reseller.id,
                    d.id,
                    &super::send_authcode::fresh_auth_code(),
                )?;
                attrs.insert("domain_auth_info".into(), Value::from(code));
            }
            "whois_privacy_state" => {
                let state = if d.whois_privacy {
                    "enabled"
                } else {
                    "disabled"
                };
                attrs.insert("state".into(), Value::from(state));
                attrs.insert("changeable".into(), Value::from("1"));
            }
            "owner" | "admin" | "billing" | "tech" => {
                attrs.insert(
                    "contact_set".into(),
                    Value::Map(contact_set::to_ops(d.contacts.as_deref(), &[self.kind])),
                );
            }
            "registry_dates" => registry_dates(&d, &mut attrs),
            "expire_action" => {
                attrs.insert("auto_renew".into(), flag(d.auto_renew));
                attrs.insert("let_expire".into(), flag(d.let_expire));
            }
            "auto_renew_flag" => {
                attrs.insert("auto_renew".into(), flag(d.auto_renew));
            }
            "tld_data" => {
                attrs.insert("tld_data".into(), tld_data(&d));
            }
            "nexus_info" | "ced_info" => {
                crate::rules::tld::for_tld(self.kind, &d.name)
                    .map_err(|why| ApiError::invalid("type", why))?;
                let (block, key) = if self.kind == "nexus_info" {
                    ("nexus", "nexus")
                } else {
                    ("ced_info", "ced_info")
                };
                let v = match tld_data(&d) {
                    Value::Map(m) => m.get(block).cloned(),
                    _ => None,
                };
                // The kit upper-cases nexus codes; they are sent so.
                attrs.insert(key.into(), v.unwrap_or_else(|| Value::Map(Map::new())));
            }
            "forwarding_email" => {
                crate::rules::tld::for_tld(self.kind, &d.name)
                    .map_err(|why| ApiError::invalid("type", why))?;
                let sent = match tld_data(&d) {
                    Value::Map(m) => m.get("forwarding_email").cloned(),
                    _ => None,
                };
                let set = setting(ctx, &d, DomainSetting::ForwardingEmail)?.map(Value::from);
                attrs.insert(
                    "forwarding_email".into(),
                    set.or(sent).unwrap_or_else(|| Value::from("")),
                );
            }
            "ca_whois_display_setting" | "it_whois_display_setting" => {
                crate::rules::tld::for_tld(self.kind, &d.name)
                    .map_err(|why| ApiError::invalid("type", why))?;
                if self.kind == "ca_whois_display_setting" {
                    let v = setting(ctx, &d, DomainSetting::CaWhoisDisplay)?;
                    attrs.insert("display".into(), Value::from(v.unwrap_or("FULL".into())));
                } else {
                    let v = setting(ctx, &d, DomainSetting::ItWhoisDisplay)?;
                    attrs.insert(
                        "consent_for_publishing".into(),
                        Value::from(v.unwrap_or("1".into())),
                    );
                }
            }
            "rsp_whois_info" => {
                // The sandbox offers the feature to every reseller; its details are
                // the reseller's name, nothing else being kept of it.
                let on = setting(ctx, &d, DomainSetting::RspWhois)?;
                attrs.insert("rsp_enabled".into(), Value::from("Y"));
                attrs.insert(
                    "domain_enabled".into(),
                    Value::from(on.unwrap_or("N".into())),
                );
                attrs.insert(
                    "business".into(),
                    Value::from(ctx.reseller.username.as_str()),
                );
                for key in ["phone", "fax", "email", "url", "opt_info"] {
                    attrs.insert(key.into(), Value::from(""));
                }
            }
            "xpack_waiting_history" => {
                crate::rules::tld::for_tld(self.kind, &d.name)
                    .map_err(|why| ApiError::invalid("type", why))?;
                let history = waiting_history(ctx, &d)?;
                attrs.insert("record_count".into(), Value::from(history.len() as i64));
                attrs.insert("waiting_history".into(), Value::List(history));
            }
            _ => return Err(ApiError::invalid("type", "is not answered")),
        }
        Ok(Reply::done(code, attrs))
    }
}
