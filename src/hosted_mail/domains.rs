//! The Email API's domain methods: get_domain, search_domains (the caller's
//! company's, by pattern, with their user counts), change_domain (creates a domain,
//! or with `create_only` only creates; `disabled` suspends it, as OpenSRS's
//! WHMCS module suspends an account) and delete_domain (a domain with users
//! left is refused). A domain is the caller's company's or, to the caller, does
//! not exist.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::store::{DomainDeleted, Guard, Written};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, domain_of, no_such, range_of};

/// The attributes change_domain takes (*chosen*: the others of the
/// documentation's list come with the rest of issue 33).
const SETTABLE: &[&str] = &["disabled"];

pub(super) fn get_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let name = domain_of(req)?;
    let Some(d) = app.store.mail_domain_state(admin.company_id, &name)? else {
        return Err(no_such(&format!("domain '{name}'")));
    };
    let users = app.store.mail_users_of(admin.company_id, &name)?;
    let mut out = Map::new();
    out.insert("settable_attributes".into(), json!(SETTABLE));
    out.insert(
        "metadata".into(),
        json!({"createtime": d.created_at, "users": users.len()}),
    );
    out.insert("attributes".into(), json!({"disabled": d.disabled}));
    Ok(out)
}

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
    let mut disabled = None;
    for (k, v) in attrs {
        match k.as_str() {
            "disabled" => {
                disabled = Some(
                    v.as_bool()
                        .ok_or_else(|| bad("disabled", "must be true or false"))?,
                );
            }
            other => return Err(bad(other, "not an attribute of a domain")),
        }
    }
    let create_only = match req.get("create_only") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("create_only", "must be true or false"))?,
    };
    let now = app.now();
    let store = &app.store;
    if store.mail_domain_state(admin.company_id, &name)?.is_some() {
        if create_only {
            return Err(exists(&format!("domain '{name}'")));
        }
        if let Some(off) = disabled {
            let a = audit(admin, "change_domain", &name, peer, now);
            if !store.set_mail_domain_disabled(admin.company_id, &name, off, &a)? {
                return Err(no_such(&format!("domain '{name}'")));
            }
        }
        return Ok(Map::new());
    }
    let a = audit(admin, "create_domain", &name, peer, now);
    match store.create_mail_domain(
        admin.company_id,
        (&name, disabled.unwrap_or(false)),
        now,
        &a,
    )? {
        Written::Done(()) => Ok(Map::new()),
        // Another company holds the name.
        Written::Stopped(Guard::NameHeld | Guard::Moved | Guard::FundsShort) => {
            Err(exists(&format!("domain '{name}'")))
        }
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
    // Documented: the requestor's company unless one is named; opsd answers
    // for the caller's own only.
    if let Some(c) = criteria.get("company")
        && c.as_i64() != Some(admin.company_id)
        && c.as_str().and_then(|s| s.parse().ok()) != Some(admin.company_id)
    {
        return Err(Failure(
            errors::NO_PERMISSION,
            "Lacks permission: that company is not yours".into(),
        ));
    }
    let pattern = criteria.get("match").and_then(Value::as_str);
    // Deleted domains are not kept, and alias domains come later: both lists are empty.
    let none = criteria.get("deleted").and_then(Value::as_bool) == Some(true)
        || criteria
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.iter().any(|v| v == "domain"));
    let (first, limit) = range_of(req)?;
    let mut rows = Vec::new();
    if !none {
        for d in app.store.mail_domains_of(admin.company_id)? {
            if pattern.is_none_or(|p| crate::rules::mail_users::wildcard(p, &d.name)) {
                rows.push(json!({"domain": d.name, "type": "domain", "users": d.mailboxes}));
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
