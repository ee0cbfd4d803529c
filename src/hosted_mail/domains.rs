//! The Email API's domain methods: get_domain, search_domains (the caller's
//! company's, by pattern, with their user counts), change_domain (creates a domain,
//! or with `create_only` only creates; `disabled` suspends it, as OpenSRS's
//! WHMCS module suspends an account) and delete_domain (a domain with users
//! left is refused). A domain is the caller's company's or, to the caller, does
//! not exist.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_attributes;
use crate::rules::mail_users::RESTORE_DAYS;
use crate::store::{DomainDeleted, DomainWrite, Guard, Written};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, domain_of, held, no_such, range_of};

/// The attributes with rules of their own here; the settings of
/// `rules::mail_attributes`' table come beside them.
const OWN: &[&str] = &["aliases", "brand", "company", "disabled"];

fn settable() -> Vec<&'static str> {
    let mut all: Vec<&str> = OWN
        .iter()
        .copied()
        .chain(mail_attributes::names(mail_attributes::DOMAIN))
        .collect();
    all.sort_unstable();
    all
}

/// What a domain's users inherit: the domain's own settings (its brand's name
/// among them), else the company's.
pub(super) fn inherited_by_users(
    app: &App,
    admin: &Admin,
    domain: &str,
) -> Result<Map<String, Value>, Failure> {
    let company = company_settings(app, admin)?;
    let own = match app.store.mail_domain(domain)? {
        Some(d) if d.company_id == admin.company_id => {
            let mut m: Map<String, Value> = serde_json::from_str(&d.settings).unwrap_or_default();
            if let Some(b) = d.brand_name {
                m.insert("brand".into(), json!(b));
            }
            Value::Object(m).to_string()
        }
        _ => "{}".to_string(),
    };
    Ok(mail_attributes::inherit(
        mail_attributes::USER,
        &[&own, &company],
    ))
}

/// The domain's `limit_users` and `limit_aliases`: its own, else its
/// company's; none, unlimited.
pub(super) fn limits(
    app: &App,
    admin: &Admin,
    domain: &str,
) -> Result<(Option<i64>, Option<i64>), Failure> {
    let company: Map<String, Value> =
        serde_json::from_str(&company_settings(app, admin)?).unwrap_or_default();
    let own: Map<String, Value> = match app.store.mail_domain_state(admin.company_id, domain)? {
        Some(d) => serde_json::from_str(&d.settings).unwrap_or_default(),
        None => Map::new(),
    };
    let limit = |k: &str| {
        own.get(k)
            .or_else(|| company.get(k))
            .and_then(Value::as_i64)
    };
    Ok((limit("limit_users"), limit("limit_aliases")))
}

fn company_settings(app: &App, admin: &Admin) -> Result<String, Failure> {
    Ok(app
        .store
        .mail_company(admin.company_id)?
        .map(|c| c.settings)
        .unwrap_or_else(|| "{}".into()))
}

pub(super) fn get_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let name = domain_of(req)?;
    let d = held(app, admin, &name)?;
    let users = app.store.mail_users_of(admin.company_id, &name)?;
    let view = app.store.mail_domain(&name)?;
    let mut attributes = mail_attributes::own(mail_attributes::DOMAIN, &d.settings);
    attributes.insert("disabled".into(), json!(d.disabled));
    attributes.insert(
        "aliases".into(),
        json!(app.store.mail_domain_aliases(&name)?),
    );
    attributes.insert(
        "brand".into(),
        json!(view.as_ref().and_then(|v| v.brand_name.clone())),
    );
    let bulletins = super::bulletins::listed(app, admin.company_id, &name)?;
    let company = company_settings(app, admin)?;
    let mut out = Map::new();
    // The documentation spells it both ways (get_domain and get_user).
    out.insert("settable_attribute".into(), json!(settable()));
    out.insert("settable_attributes".into(), json!(settable()));
    out.insert(
        "metadata".into(),
        json!({
            "createtime": d.created_at,
            "users": users.len(),
            "inherit": mail_attributes::inherit(mail_attributes::DOMAIN, &[&company]),
            "bulletins": bulletins,
        }),
    );
    out.insert("attributes".into(), Value::Object(attributes));
    Ok(out)
}

/// change_domain's attributes, checked.
#[derive(Default)]
struct DomainChange {
    disabled: Option<bool>,
    aliases: Option<Vec<String>>,
    brand: Option<Option<i64>>,
    settings: Vec<(String, Option<Value>)>,
}

fn parse_change(
    app: &App,
    admin: &Admin,
    name: &str,
    attrs: &Map<String, Value>,
) -> Result<DomainChange, Failure> {
    let mut c = DomainChange::default();
    for (k, v) in attrs {
        match k.as_str() {
            "disabled" => {
                c.disabled = Some(
                    v.as_bool()
                        .ok_or_else(|| bad("disabled", "must be true or false"))?,
                );
            }
            "aliases" => {
                let items = v
                    .as_array()
                    .ok_or_else(|| bad("aliases", "must be a list of domain names"))?;
                if items.len() > MAX_DOMAIN_ALIASES {
                    return Err(bad("aliases", "at most 2,000 aliases"));
                }
                let mut list = Vec::with_capacity(items.len());
                for i in items {
                    let d = i
                        .as_str()
                        .and_then(|s| {
                            crate::domain::DomainName::parse(s.trim().trim_end_matches('.')).ok()
                        })
                        .map(|d| d.name.to_string())
                        .ok_or_else(|| bad("aliases", "must be a list of domain names"))?;
                    if d == name {
                        return Err(bad("aliases", "a domain is not its own alias"));
                    }
                    if !list.contains(&d) {
                        list.push(d);
                    }
                }
                c.aliases = Some(list);
            }
            "brand" => {
                c.brand = Some(match v {
                    Value::Null => None,
                    Value::String(b) if b.trim().is_empty() => None,
                    Value::String(b) => Some(
                        app.store
                            .mail_brand_id(admin.company_id, b.trim())?
                            .ok_or_else(|| no_such(&format!("brand '{b}'")))?,
                    ),
                    _ => return Err(bad("brand", "must be a brand name")),
                });
            }
            // Moving a domain to another company the caller controls: opsd's
            // administrators control one company (their own), so only that
            // name is taken; pushes move domains between companies.
            "company" => {
                let own = app.store.mail_company(admin.company_id)?.map(|c| c.name);
                if v.as_str().is_none_or(|n| {
                    own.as_deref()
                        .is_none_or(|o| !o.eq_ignore_ascii_case(n.trim()))
                }) {
                    return Err(Failure(
                        errors::NO_PERMISSION,
                        "Lacks permission: a domain moves only to a company you control; use push_domain".into(),
                    ));
                }
            }
            other => {
                let kept = mail_attributes::check(mail_attributes::DOMAIN, other, v)
                    .map_err(|why| bad(other, &why))?;
                c.settings.push((other.to_string(), kept));
            }
        }
    }
    Ok(c)
}

/// Documented: the most aliases a domain has.
const MAX_DOMAIN_ALIASES: usize = 2_000;

pub(super) fn change_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let name = domain_of(req)?;
    let attrs = req
        .get("attributes")
        .ok_or_else(|| missing("attributes"))?
        .as_object()
        .ok_or_else(|| bad("attributes", "must be an object"))?;
    let c = parse_change(app, admin, &name, attrs)?;
    let create_only = match req.get("create_only") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("create_only", "must be true or false"))?,
    };
    let now = app.now();
    let store = &app.store;
    let before = store.mail_domain_state(admin.company_id, &name)?;
    if before.is_some() && create_only {
        return Err(exists(&format!("domain '{name}'")));
    }
    if before.is_none() {
        if c.settings
            .iter()
            .any(|(k, v)| k == "catchall" && v.is_some())
        {
            // Documented: a new domain has no catch-all.
            return Err(bad("catchall", "cannot be enabled for a new domain"));
        }
        let a = audit(admin, "create_domain", &name, peer, now);
        match store.create_mail_domain(
            admin.company_id,
            (&name, c.disabled.unwrap_or(false)),
            now,
            &a,
        )? {
            Written::Done(()) => {}
            // Another company holds the name.
            Written::Stopped(_) => return Err(exists(&format!("domain '{name}'"))),
        }
    }
    let was = match &before {
        Some(d) => d.settings.clone(),
        None => "{}".to_string(),
    };
    let settings = mail_attributes::apply(&was, &c.settings);
    let nothing_else = c.aliases.is_none() && c.brand.is_none() && c.settings.is_empty();
    if before.is_none() && nothing_else {
        return Ok(Map::new());
    }
    let w = DomainWrite {
        company_id: admin.company_id,
        name: &name,
        disabled: if before.is_some() { c.disabled } else { None },
        settings: (!c.settings.is_empty()).then_some((settings.as_str(), was.as_str())),
        aliases: c.aliases.as_deref(),
        brand: c.brand,
    };
    let a = audit(admin, "change_domain", &name, peer, now);
    match store.write_mail_domain(&w, &a)? {
        Written::Done(()) => Ok(Map::new()),
        Written::Stopped(_) => Err(Failure(
            errors::INTERNAL,
            format!("The domain '{name}' changed meanwhile; please try again"),
        )),
    }
}

pub(super) fn delete_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let name = domain_of(req)?;
    let a = audit(admin, "delete_domain", &name, peer, app.now());
    match app.store.delete_mail_domain(admin.company_id, &name, &a)? {
        DomainDeleted::Done => Ok(Map::new()),
        DomainDeleted::NotFound => Err(no_such(&format!("domain '{name}'"))),
        // *Chosen* number and text: the documentation's page is cut before it.
        DomainDeleted::HasUsers => Err(Failure(
            errors::NO_PERMISSION,
            format!("The domain '{name}' still has users; delete them first"),
        )),
    }
}

pub(super) fn search_domains(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let criteria = match req.get("criteria") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(bad("criteria", "must be an object")),
    };
    // The company named in `criteria` was checked by `access`.
    let pattern = criteria.get("match").and_then(Value::as_str);
    let matches = |n: &str| pattern.is_none_or(|p| crate::rules::mail_users::wildcard(p, n));
    let types: Vec<String> = match criteria.get("type") {
        None | Some(Value::Null) => vec!["domain".into(), "alias".into()],
        Some(Value::Array(t)) => t
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        Some(Value::String(t)) => vec![t.to_ascii_lowercase()],
        Some(_) => return Err(bad("criteria.type", "must be a list of domain and alias")),
    };
    let (first, limit) = range_of(req)?;
    let mut rows = Vec::new();
    if criteria.get("deleted").and_then(Value::as_bool) == Some(true) {
        let since = app.now() - RESTORE_DAYS * 86_400;
        for d in app.store.deleted_mail_domains(admin.company_id, since)? {
            if matches(&d.name) {
                rows.push(json!({"domain": d.name, "type": "domain", "id": d.id.to_string(), "delete_time": d.deleted_at}));
            }
        }
    } else {
        for d in app.store.mail_domains_of(admin.company_id)? {
            if types.iter().any(|t| t == "domain") && matches(&d.name) {
                rows.push(json!({"domain": d.name, "type": "domain", "users": d.mailboxes}));
            }
            if types.iter().any(|t| t == "alias") {
                for a in app.store.mail_domain_aliases(&d.name)? {
                    if matches(&a) {
                        rows.push(json!({"domain": a, "type": "alias", "alias_target": d.name}));
                    }
                }
            }
        }
    }
    let total = rows.len();
    let page: Vec<Value> = rows.into_iter().skip(first).take(limit).collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(page.len()));
    out.insert("total_count".into(), json!(total));
    out.insert("domains".into(), Value::Array(page));
    Ok(out)
}

/// restore_domain: a domain deleted in the last 30 days (*chosen*, as users),
/// by the `id` search_domains gives, back under `new_name` with its settings,
/// suspension and workgroups; its users are restored one by one.
pub(super) fn restore_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let name = domain_of(req)?;
    let id = req.get("id").ok_or_else(|| missing("id")).and_then(|v| {
        super::request::integer(v).ok_or_else(|| bad("id", "must be a deleted domain's id"))
    })?;
    let new_name = match req.get("new_name") {
        None | Some(Value::Null) => return Err(missing("new_name")),
        Some(v) => {
            let mut m = Map::new();
            m.insert("domain".into(), v.clone());
            domain_of(&m).map_err(|_| bad("new_name", "must be a domain name"))?
        }
    };
    let since = app.now() - RESTORE_DAYS * 86_400;
    let Some(d) = app
        .store
        .deleted_mail_domains(admin.company_id, since)?
        .into_iter()
        .find(|d| d.id == id && d.name == name)
    else {
        return Err(no_such(&format!("deleted domain '{name}' {id}")));
    };
    let data: Value = serde_json::from_str(&d.data).unwrap_or_default();
    let settings = data["settings"].as_str().unwrap_or("{}");
    let disabled = data["disabled"].as_bool().unwrap_or(false);
    let workgroups: Vec<String> = data["workgroups"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let now = app.now();
    let a = audit(admin, "restore_domain", &new_name, peer, now);
    match app.store.restore_mail_domain(
        admin.company_id,
        id,
        &new_name,
        (settings, disabled, &workgroups),
        now,
        &a,
    )? {
        Written::Done(()) => Ok(Map::new()),
        Written::Stopped(Guard::NameHeld) => Err(exists(&format!("domain '{new_name}'"))),
        Written::Stopped(_) => Err(no_such(&format!("deleted domain '{name}' {id}"))),
    }
}
