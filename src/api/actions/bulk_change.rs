//! Bulk changes: SUBMIT / SUBMIT_BULK_CHANGE queue a job that the background
//! workers run item by item — `push_domains` (actions.md §5) and every other change
//! type (`rules::bulk_change` and `rules::bulk_hosted`: their parameters are
//! read here);
//! GET_BULK_CHANGE and CANCEL_BULK_CHANGE (our extensions on the same endpoint)
//! show and stop it.

use std::collections::HashSet;
use std::net::IpAddr;

use crate::api::codes;
use crate::api::contact_set;
use crate::api::fields::Fields;
use crate::api::profile::ProfileCredentials;
use crate::api::{ApiError, Ctx, Layout, Reply};
use crate::app::App;
use crate::domain::DomainName;
use crate::ops::{Map, Value};
use crate::status::BulkItemStatus;
use crate::rules::bulk_change::Params;
use crate::store::{BulkChangeView, NewBulkChange, Reseller};

/// Documented for bulk changes: at most 10,000 items.
pub const MAX_ITEMS: usize = 10_000;

/// The change types answered.
const TYPES: &[&str] = &[
    "push_domains",
    "availability_check",
    "domain_contacts",
    "domain_lock",
    "domain_nameservers",
    "domain_parked_pages",
    "domain_renew",
    "whois_privacy",
    "dns_zone",
    "dns_zone_record",
    "domain_forwarding",
];

/// SUBMIT / SUBMIT_BULK_CHANGE: a push, or a change of another type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BulkSubmit {
    Push(BulkChangeSubmit),
    Change(TypedChange),
}

/// A bulk change of any type but a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedChange {
    pub items: Items,
    pub params: Params,
    pub apply_to_locked: bool,
    pub contact_email: Option<String>,
}

/// `contact_email`, where a report goes (none when blank).
fn contact_email(f: &Fields<'_>) -> Result<Option<String>, ApiError> {
    match f.opt_str("contact_email")?.map(str::trim) {
        // A report to a bad address would be retried for nothing; a line break in
        // it would forge log lines.
        Some(e) if !e.is_empty() && !crate::mail::plausible_address(e) => {
            Err(f.invalid("contact_email", "not an email address"))
        }
        Some("") | None => Ok(None),
        Some(e) => Ok(Some(e.to_string())),
    }
}

/// `op_type`, one of `(word, value)`.
fn op<T: Copy>(f: &Fields<'_>, words: &[(&str, T)]) -> Result<T, ApiError> {
    word(f, "op_type", words)
}

/// Field `key`, one of `(word, value)` (any case).
fn word<T: Copy>(f: &Fields<'_>, key: &str, words: &[(&str, T)]) -> Result<T, ApiError> {
    let given = f.req_str(key)?.trim().to_ascii_lowercase();
    words
        .iter()
        .find(|(w, _)| *w == given)
        .map(|(_, v)| *v)
        .ok_or_else(|| {
            let all: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
            f.invalid(key, &format!("expected {}", all.join(" or ")))
        })
}

/// The parameters of change type `kind`, checked.
fn params_of(f: &Fields<'_>, kind: &str) -> Result<Params, ApiError> {
    Ok(match kind {
        "availability_check" => Params::AvailabilityCheck,
        "domain_lock" => Params::DomainLock {
            lock: op(f, &[("lock", true), ("unlock", false)])?,
        },
        "whois_privacy" => Params::WhoisPrivacy {
            enable: op(f, &[("enable", true), ("disable", false)])?,
        },
        "domain_parked_pages" => Params::DomainParkedPages {
            on: op(
                f,
                &[("enable", true), ("disable", false), ("on", true), ("off", false)],
            )?,
        },
        "domain_nameservers" => {
            let host_list = super::update_nameservers::host_list;
            let (assign, add, remove) = (
                host_list(f, "assign_ns")?,
                host_list(f, "add_ns")?,
                host_list(f, "remove_ns")?,
            );
            if assign.is_empty() && add.is_empty() && remove.is_empty() {
                return Err(ApiError::Missing("assign_ns".into()));
            }
            let changes_too = !add.is_empty() || !remove.is_empty();
            if !assign.is_empty() && changes_too {
                return Err(f.invalid("assign_ns", "assign_ns goes without add_ns and remove_ns"));
            }
            Params::DomainNameservers {
                assign,
                add,
                remove,
            }
        }
        "domain_contacts" => {
            let Some(list) = f.opt_list("contacts")? else {
                return Err(ApiError::Missing("contacts".into()));
            };
            let mut contacts = serde_json::Map::new();
            for (i, v) in list.iter().enumerate() {
                let item = Fields::item("contacts", i, v)?;
                let set = item
                    .get("set")
                    .ok_or_else(|| ApiError::Missing(item.name("set")))?;
                let name = item.name("set");
                let contact = contact_set::one(&Fields::item("set", 0, set)?, &name)?;
                // `type` may name several roles, comma-separated (as the toolkit
                // builds it from a form).
                for role in item.req_str("type")?.split(',').map(str::trim) {
                    let role = role.to_ascii_lowercase();
                    if !contact_set::ROLES.contains(&role.as_str()) {
                        return Err(item.invalid("type", "expected owner, admin, billing or tech"));
                    }
                    contacts.insert(role, contact.clone());
                }
            }
            if contacts.is_empty() {
                return Err(ApiError::Missing("contacts".into()));
            }
            Params::DomainContacts { contacts }
        }
        "domain_renew" => {
            let period = match f.opt_str("period")?.map(str::trim) {
                None | Some("") => None,
                Some(_) => {
                    let p = f.req_id("period")?;
                    if !(1..=10).contains(&p) {
                        return Err(f.invalid("period", "expected 1 to 10 years"));
                    }
                    Some(p)
                }
            };
            let flag = |k: &str| -> Result<Option<bool>, ApiError> {
                match f.opt_str(k)?.map(str::trim) {
                    None | Some("") => Ok(None),
                    Some(_) => f.opt_flag(k).map(Some),
                }
            };
            let (auto_renew, let_expire) = (flag("auto_renew")?, flag("let_expire")?);
            if period.is_none() && auto_renew.is_none() && let_expire.is_none() {
                return Err(ApiError::Missing("period".into()));
            }
            Params::DomainRenew {
                period,
                auto_renew,
                let_expire,
            }
        }
        "dns_zone" => Params::DnsZone(hosted::zone(f)?),
        "dns_zone_record" => Params::DnsZoneRecord(hosted::record(f)?),
        "domain_forwarding" => Params::DomainForwarding(hosted::forwarding(f)?),
        _ => {
            return Err(f.invalid(
                "change_type",
                &format!("'{kind}' is not a bulk change type"),
            ));
        }
    })
}

/// The parameters of the hosted services' types. OpenSRS publishes their
/// names, not their values: the values are opsd's (docs/api.md).
mod hosted {
    use super::{ApiError, Fields, word};
    use crate::rules::bulk_hosted::{
        ForwardOp, ForwardParams, RecordParams, ZoneAction, ZoneParams,
    };

    pub(super) fn zone(f: &Fields<'_>) -> Result<ZoneParams, ApiError> {
        let action = word(
            f,
            "dns_action",
            &[
                ("create", ZoneAction::Create),
                ("reset", ZoneAction::Reset),
                ("delete", ZoneAction::Delete),
            ],
        )?;
        // Required by the toolkit and the WHMCS module; its meaning is not
        // published, so it is read as a flag (refused when not one) and
        // changes nothing.
        f.req_str("apply_to_domains")?;
        f.opt_flag("apply_to_domains")?;
        let template = f
            .opt_str("dns_template")?
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        let force_nameservers = f.opt_flag("force_dns_nameservers")?;
        if action == ZoneAction::Delete && (template.is_some() || force_nameservers) {
            return Err(f.invalid(
                "dns_action",
                "dns_template and force_dns_nameservers go with create or reset",
            ));
        }
        Ok(ZoneParams {
            action,
            template,
            only_if: f.opt_flag("only_if")?,
            force_nameservers,
        })
    }

    pub(super) fn record(f: &Fields<'_>) -> Result<RecordParams, ApiError> {
        let add = word(
            f,
            "dns_action",
            &[("add", true), ("remove", false), ("delete", false)],
        )?;
        let kind = f.req_str("dns_record_type")?.trim().to_ascii_uppercase();
        let Some(data) = f.get("dns_record_data") else {
            return Err(ApiError::Missing("dns_record_data".into()));
        };
        let record = serde_json::json!({ kind.clone(): [data.to_json()] });
        // Checked now against a stand-in zone (a record's fields do not depend
        // on it), so a bad record is refused before the job runs.
        if let Err((field, why)) = crate::rules::dns::parse("example.com", &record) {
            let prefix = format!("records.{kind}[0]");
            let field = match field.strip_prefix(&prefix) {
                Some(rest) => format!("dns_record_data{rest}"),
                None if field.starts_with("records.") => "dns_record_type".into(),
                None => "dns_record_data".into(),
            };
            return Err(ApiError::invalid(field, why));
        }
        Ok(RecordParams {
            add,
            record,
            only_if: f.opt_flag("only_if")?,
        })
    }

    pub(super) fn forwarding(f: &Fields<'_>) -> Result<ForwardParams, ApiError> {
        let op = super::op(
            f,
            &[
                ("create", ForwardOp::Create),
                ("delete", ForwardOp::Delete),
                ("enable", ForwardOp::Enable),
                ("disable", ForwardOp::Disable),
            ],
        )?;
        Ok(ForwardParams {
            op,
            only_if: f.opt_flag("only_if")?,
        })
    }
}

impl TypedChange {
    fn from_fields(f: &Fields<'_>, kind: &str) -> Result<Self, ApiError> {
        let params = params_of(f, kind)?;
        let items = if f.opt_flag("apply_to_all_reseller_items")? {
            Items::All
        } else {
            Items::Listed(parse_items(f)?)
        };
        Ok(TypedChange {
            items,
            params,
            apply_to_locked: f.opt_flag("apply_to_locked_domains")?,
            contact_email: contact_email(f)?,
        })
    }

    /// Stores the job with its queue task and wakes the workers; the job id.
    fn submit(self, app: &App, reseller: &Reseller, peer: IpAddr) -> Result<i64, ApiError> {
        if let Params::DnsZone(p) = &self.params
            && let Some(t) = &p.template
            && app.store.dns_template_records(reseller.id, t)?.is_none()
        {
            return Err(ApiError::invalid(
                "dns_template",
                format!("no DNS template named '{t}'"),
            ));
        }
        let items = match self.items {
            Items::Listed(l) => l,
            Items::All => every_domain(app, reseller)?,
        };
        let id = app.store.create_bulk_change(&NewBulkChange {
            reseller_id: reseller.id,
            gaining_id: reseller.id,
            change_type: self.params.change_type(),
            params: Some(self.params.to_json()),
            profile_id: None,
            apply_to_locked: self.apply_to_locked,
            contact_email: self.contact_email,
            client_ip: peer.to_string(),
            items,
            created_at: app.now(),
        })?;
        app.work.notify_one();
        Ok(id)
    }
}

/// Every domain of the caller, for `apply_to_all_reseller_items`.
fn every_domain(app: &App, reseller: &Reseller) -> Result<Vec<String>, ApiError> {
    let all = app.store.portfolio_names(reseller.id)?;
    if all.is_empty() {
        return Err(ApiError::invalid(
            "apply_to_all_reseller_items",
            "your portfolio is empty",
        ));
    }
    if all.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "apply_to_all_reseller_items",
            format!("{} domains; at most {MAX_ITEMS} per bulk change", all.len()),
        ));
    }
    Ok(all)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Items {
    Listed(Vec<String>),
    /// apply_to_all_reseller_items: every domain of the caller, read at submit.
    All,
}

#[derive(Clone, PartialEq, Eq)]
pub struct BulkChangeSubmit {
    pub items: Items,
    pub gaining: String,
    pub apply_to_locked: bool,
    pub contact_email: Option<String>,
    /// reg_domain, reg_username, reg_password: one existing profile at the gaining
    /// reseller for every domain.
    pub profile: Option<ProfileCredentials>,
}

impl std::fmt::Debug for BulkChangeSubmit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BulkChangeSubmit")
            .field("items", &self.items)
            .field("gaining", &self.gaining)
            .field("apply_to_locked", &self.apply_to_locked)
            .field("contact_email", &self.contact_email)
            .field("profile", &self.profile)
            .finish()
    }
}

impl BulkChangeSubmit {
    /// `data` is the PHP toolkit's top-level `data` item, a fallback for
    /// `gaining_reseller_username`.
    /// The submission from its attributes, and the toolkit's top-level `data`
    /// (the control panel's form makes one the same way).
    pub fn from_fields(f: &Fields<'_>, data: Option<&Fields<'_>>) -> Result<Self, ApiError> {
        let gaining = match f.opt_str("gaining_reseller_username")? {
            Some(g) => g,
            None => match data {
                Some(d) => d.req_str("gaining_reseller_username")?,
                None => return Err(ApiError::Missing("gaining_reseller_username".into())),
            },
        }
        .trim()
        .to_string();
        let items = if f.opt_flag("apply_to_all_reseller_items")? {
            Items::All
        } else {
            Items::Listed(parse_items(f)?)
        };
        let profile = ProfileCredentials::parse(f)?;
        Ok(BulkChangeSubmit {
            items,
            gaining,
            apply_to_locked: f.opt_flag("apply_to_locked_domains")?,
            contact_email: contact_email(f)?,
            profile,
        })
    }

    /// Checks consent and the profile, stores the job with its queue task and wakes
    /// the workers; returns the job id. The control panel's "Move to another
    /// reseller" form submits through here too.
    pub fn submit(self, app: &App, reseller: &Reseller, peer: IpAddr) -> Result<i64, ApiError> {
        let store = &app.store;
        // As RSP2RSP_PUSH_TRANSFER: an unknown name is a push nobody allowed.
        let Some(gaining) = store.reseller_by_name(&self.gaining)? else {
            return Err(ApiError::Refused(codes::PUSH_DENIED));
        };
        if !crate::rules::push::consented(store, reseller.id, gaining.id)? {
            return Err(ApiError::Refused(codes::PUSH_DENIED));
        }
        let profile_id = match &self.profile {
            None => None,
            Some(p) => Some(p.check(app, gaining.id, peer)?),
        };
        let items = match self.items {
            Items::Listed(l) => l,
            Items::All => every_domain(app, reseller)?,
        };
        let id = store.create_bulk_change(&NewBulkChange {
            reseller_id: reseller.id,
            gaining_id: gaining.id,
            change_type: crate::status::BulkChangeType::PushDomains,
            params: None,
            profile_id,
            apply_to_locked: self.apply_to_locked,
            contact_email: self.contact_email,
            client_ip: peer.to_string(),
            items,
            created_at: app.now(),
        })?;
        app.work.notify_one();
        Ok(id)
    }
}

impl crate::api::Handler for BulkSubmit {
    const NAME: &'static str = "SUBMIT_BULK_CHANGE";
    const VARIANTS: (&'static str, &'static [&'static str]) = ("change_type", TYPES);

    fn parse(env: &crate::ops::Envelope, attrs: &Fields<'_>) -> Result<Self, ApiError> {
        let kind = attrs.req_str("change_type")?.trim().to_ascii_lowercase();
        if kind == "push_domains" {
            // The PHP toolkit sends gaining_reseller_username in a top-level `data`.
            let data = match env.top().get("data") {
                Some(v @ crate::ops::Value::Map(_)) => Some(Fields::attributes(Some(v))?),
                _ => None,
            };
            return BulkChangeSubmit::from_fields(attrs, data.as_ref()).map(BulkSubmit::Push);
        }
        TypedChange::from_fields(attrs, &kind).map(BulkSubmit::Change)
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let id = match self {
            BulkSubmit::Push(p) => p.submit(ctx.app, ctx.reseller, ctx.peer)?,
            BulkSubmit::Change(c) => c.submit(ctx.app, ctx.reseller, ctx.peer)?,
        };
        let mut attrs = Map::new();
        attrs.insert("bulk_change_req_id".into(), Value::from(id));
        let ok = codes::BULK_SUBMITTED;
        Ok(Reply::ok(
            (ok.code, ok.text),
            attrs,
            Layout::CodeSuccessAttrs,
        ))
    }
}

/// change_items: a dt_array of names, or one comma-separated string; duplicates
/// removed (documented), order kept.
fn parse_items(f: &Fields<'_>) -> Result<Vec<String>, ApiError> {
    let raw: Vec<String> = match f.get("change_items") {
        Some(Value::Scalar(s)) => s
            .split([',', '\n', ' '])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => match f.opt_list("change_items")? {
            Some(l) => l
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        ApiError::invalid(
                            format!("change_items[{i}]"),
                            format!("expected a domain name, got {}", v.kind()),
                        )
                    })
                })
                .collect::<Result<_, _>>()?,
            None => return Err(ApiError::Missing("change_items".into())),
        },
    };
    normalize_items(&raw)
}

/// Validates names (errors name `change_items[i]`), removes duplicates keeping the
/// first, and enforces the item limit.
pub fn normalize_items(raw: &[String]) -> Result<Vec<String>, ApiError> {
    if raw.is_empty() {
        return Err(ApiError::invalid("change_items", "the list is empty"));
    }
    let mut seen = HashSet::with_capacity(raw.len());
    let mut out = Vec::with_capacity(raw.len());
    for (i, r) in raw.iter().enumerate() {
        let d = DomainName::parse(r).map_err(|e| {
            ApiError::invalid(format!("change_items[{i}]"), format!("'{}' {e}", r.trim()))
        })?;
        if seen.insert(d.name.clone()) {
            out.push(d.name.to_string());
        }
    }
    if out.len() > MAX_ITEMS {
        return Err(ApiError::invalid(
            "change_items",
            format!("{} domains; at most {MAX_ITEMS} are allowed", out.len()),
        ));
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkChangeGet {
    pub id: i64,
}

impl crate::api::Handler for BulkChangeGet {
    const NAME: &'static str = "GET_BULK_CHANGE";
    const POLL: bool = true;

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(BulkChangeGet {
            id: f.req_id("bulk_change_req_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let v = ctx
            .app
            .store
            .bulk_change(ctx.reseller.id, self.id)?
            .ok_or(ApiError::NotFound(codes::BULK_NOT_FOUND))?;
        let ok = codes::BULK_LOADED;
        Ok(Reply::ok(
            (ok.code, ok.text),
            view_attributes(&v),
            Layout::CodeSuccessAttrs,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkChangeCancel {
    pub id: i64,
}

impl crate::api::Handler for BulkChangeCancel {
    const NAME: &'static str = "CANCEL_BULK_CHANGE";

    fn parse(_env: &crate::ops::Envelope, f: &Fields<'_>) -> Result<Self, ApiError> {
        Ok(BulkChangeCancel {
            id: f.req_id("bulk_change_req_id")?,
        })
    }

    fn apply(self, ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
        let store = &ctx.app.store;
        match crate::rules::push::cancel(store, Some(ctx.reseller.id), self.id, ctx.app.now())? {
            None => Err(ApiError::NotFound(codes::BULK_NOT_FOUND)),
            Some(false) => Err(ApiError::Refused(codes::BULK_ALREADY_FINISHED)),
            Some(true) => {
                let v = store
                    .bulk_change(ctx.reseller.id, self.id)?
                    .ok_or(ApiError::NotFound(codes::BULK_NOT_FOUND))?;
                let ok = codes::BULK_CANCELLED;
                Ok(Reply::ok(
                    (ok.code, ok.text),
                    view_attributes(&v),
                    Layout::CodeSuccessAttrs,
                ))
            }
        }
    }
}

/// bulk_change_req_id, change_type, status, gaining_reseller_username, counts, items.
pub fn view_attributes(v: &BulkChangeView) -> Map {
    let mut m = Map::new();
    m.insert("bulk_change_req_id".into(), Value::from(v.id));
    m.insert("change_type".into(), v.change_type.as_str().into());
    m.insert("status".into(), v.status.as_str().into());
    let push = v.change_type == crate::status::BulkChangeType::PushDomains.as_str();
    if push {
        m.insert(
            "gaining_reseller_username".into(),
            v.gaining.as_str().into(),
        );
    }
    m.insert("total".into(), Value::from(v.items.len() as i64));
    // A push's items are pushed, any other change's completed: the other count
    // is left out.
    let other = if push {
        BulkItemStatus::Completed
    } else {
        BulkItemStatus::Pushed
    };
    for &s in BulkItemStatus::ALL.iter().filter(|s| **s != other) {
        m.insert(s.as_str().into(), Value::from(v.count(s) as i64));
    }
    let items = v
        .items
        .iter()
        .map(|i| {
            let mut it = Map::new();
            it.insert("domain".into(), i.domain.as_str().into());
            it.insert("status".into(), i.status.as_str().into());
            it.insert("reason".into(), i.reason.clone().unwrap_or_default().into());
            Value::Map(it)
        })
        .collect();
    m.insert("items".into(), Value::List(items));
    m
}
