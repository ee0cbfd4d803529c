//! The Email API's user methods: get_user (an address the caller's company may
//! create answers error 2, which OpenSRS's WHMCS module waits for before it
//! creates one), change_user (creates, or with `create_only` only creates;
//! changes attributes, password, forwarding and aliases, checked by
//! `rules::mail_users`), delete_user (kept whole for a restore), rename_user,
//! restore_user (a user deleted in the last 30 days, by id) and search_users
//! (every user of a domain, each alias as a row of its own; with
//! `criteria.deleted` the users that can be restored).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_users::{self, DEFAULT_WORKGROUP};
use crate::status::MailUserKind;
use crate::store::{Guard, MailUser, UserWrite, Written};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, domain_of, held, no_such, range_of};

/// The request's `user`: an address of one of the caller's domains, split.
pub(super) fn user_of(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
) -> Result<(String, String), Failure> {
    let raw = req
        .get("user")
        .ok_or_else(|| missing("user"))?
        .as_str()
        .ok_or_else(|| bad("user", "must be an email address"))?;
    let (local, domain) =
        mail_users::split_address(raw).ok_or_else(|| bad("user", "must be an email address"))?;
    // Another company's domain is, to the caller, a domain that does not exist.
    held(app, admin, &domain)?;
    Ok((local, domain))
}

/// Error 3 when `address` is an alias of one of the company's users.
fn not_alias(app: &App, admin: &Admin, address: &str) -> Result<(), Failure> {
    match app.store.mail_alias_target(admin.company_id, address)? {
        Some(target) => Err(Failure(
            errors::IS_ALIAS,
            format!("This object is an alias of '{target}'; change it through its real name"),
        )),
        None => Ok(()),
    }
}

/// The request's `user`, which must exist under its real name, and its address.
pub(super) fn existing(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
) -> Result<(MailUser, String), Failure> {
    let (local, domain) = user_of(app, admin, req)?;
    let address = format!("{local}@{domain}");
    not_alias(app, admin, &address)?;
    match app.store.mail_user(admin.company_id, &domain, &local)? {
        Some(u) => Ok((u, address)),
        None => Err(no_such(&format!("user '{address}'"))),
    }
}

pub(super) fn get_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let mut out = Map::new();
    out.insert("type".into(), json!(u.kind.as_str()));
    out.insert("settable_attributes".into(), json!(mail_users::settable()));
    let roles: Map<String, Value> =
        crate::rules::mail_roles::grants(app.store.mail_roles_of(u.id)?)
            .into_iter()
            .map(|g| (g.role.as_str().to_string(), json!(g.objects)))
            .collect();
    out.insert(
        "metadata".into(),
        json!({
            "createtime": u.created_at,
            "status": "active",
            "roles": roles,
            "2fa_enabled": false,
            "app_passwords": app
                .store
                .mail_app_passwords(u.id)?
                .into_iter()
                .map(|(tag, created)| json!({"tag": tag, "created": created}))
                .collect::<Vec<_>>(),
            "inherit": super::domains::inherited_by_users(app, admin, &u.domain)?,
        }),
    );
    out.insert(
        "attributes".into(),
        Value::Object(mail_users::shown(
            &u.attributes,
            &address,
            &u.workgroup,
            &u.aliases,
        )),
    );
    Ok(out)
}

pub(super) fn change_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (local, domain) = user_of(app, admin, req)?;
    let address = format!("{local}@{domain}");
    not_alias(app, admin, &address)?;
    let attrs = req
        .get("attributes")
        .ok_or_else(|| missing("attributes"))?
        .as_object()
        .ok_or_else(|| bad("attributes", "must be an object"))?;
    let change = mail_users::parse_user(attrs).map_err(|(f, why)| bad(&f, &why))?;
    let create_only = match req.get("create_only") {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("create_only", "must be true or false"))?,
    };
    // Aliases are addresses of the company's own domains, never the user's own.
    if let Some(aliases) = &change.aliases {
        for a in aliases {
            let d = a.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            if app.store.mail_domain_state(admin.company_id, d)?.is_none() {
                return Err(bad(
                    "aliases",
                    &format!("'{a}' is not in one of your domains"),
                ));
            }
            if *a == address {
                return Err(bad("aliases", "a user is not its own alias"));
            }
        }
    }
    let store = &app.store;
    if let Some(w) = &change.workgroup
        && w != DEFAULT_WORKGROUP
        && !store
            .mail_workgroups(admin.company_id, &domain)?
            .contains(w)
    {
        return Err(no_such(&format!("workgroup '{w}'")));
    }
    let before = store.mail_user(admin.company_id, &domain, &local)?;
    if before.is_some() && create_only {
        return Err(exists(&format!("user '{address}'")));
    }
    let kind = change
        .kind
        .or(before.as_ref().map(|u| u.kind))
        .unwrap_or(MailUserKind::Mailbox);
    let workgroup = change
        .workgroup
        .clone()
        .or_else(|| before.as_ref().map(|u| u.workgroup.clone()))
        .unwrap_or_else(|| DEFAULT_WORKGROUP.to_string());
    let attributes = mail_users::apply(
        before.as_ref().map_or("{}", |u| u.attributes.as_str()),
        &change,
    );
    let hash = match &change.password {
        Some(p) => Some(
            crate::auth::hash_password(p)
                .map_err(|e| Failure(errors::INTERNAL, format!("Server error: {e}")))?,
        ),
        None => None,
    };
    let now = app.now();
    let verb = if before.is_some() {
        "change_user"
    } else {
        "create_user"
    };
    let a = audit(admin, verb, &address, peer, now);
    let welcome = match &before {
        None if kind == MailUserKind::Mailbox => {
            let text = |k: &str| {
                change
                    .text
                    .iter()
                    .find(|(t, _)| *t == k)
                    .map(|(_, v)| v.as_str())
                    .unwrap_or("")
            };
            super::bulletins::welcome(
                app,
                admin.company_id,
                &address,
                (text("name"), text("title")),
            )?
        }
        _ => Vec::new(),
    };
    let history = mail_users::history(&change, change.workgroup.as_deref());
    let w = UserWrite {
        company_id: admin.company_id,
        domain: &domain,
        local_part: &local,
        create: before.is_none(),
        kind,
        workgroup: &workgroup,
        attributes: &attributes,
        password_hash: hash.as_deref(),
        aliases: change.aliases.as_deref(),
        now,
        welcome: &welcome,
        history: &history,
        limits: super::domains::limits(app, admin, &domain)?,
    };
    match store.write_mail_user(&w, &a)? {
        Written::Done(()) => Ok(Map::new()),
        // Made or deleted meanwhile by another call.
        Written::Stopped(Guard::NameHeld) => Err(exists(&format!("user '{address}'"))),
        Written::Stopped(Guard::LimitReached) => Err(limit_reached(&domain)),
        Written::Stopped(_) => Err(no_such(&format!("user '{address}'"))),
    }
}

/// A user as a deleted record keeps it.
fn kept(u: &MailUser) -> String {
    json!({
        "user": u.address(),
        "type": u.kind.as_str(),
        "workgroup": u.workgroup,
        "attributes": serde_json::from_str::<Value>(&u.attributes).unwrap_or(json!({})),
        "aliases": u.aliases,
        "createtime": u.created_at,
    })
    .to_string()
}

pub(super) fn delete_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let (domain, local) = (u.domain.as_str(), u.local_part.as_str());
    let now = app.now();
    let a = audit(admin, "delete_user", &address, peer, now);
    if !app
        .store
        .delete_mail_user(admin.company_id, (domain, local), &kept(&u), (now, &a))?
    {
        return Err(no_such(&format!("user '{address}'")));
    }
    Ok(Map::new())
}

/// `criteria.domain`, the domain a search is about (required, as documented).
pub(super) fn criteria_domain(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
) -> Result<String, Failure> {
    let criteria = req
        .get("criteria")
        .ok_or_else(|| missing("criteria"))?
        .as_object()
        .ok_or_else(|| bad("criteria", "must be an object"))?;
    let name = domain_of(criteria)
        .map_err(|Failure(n, text)| Failure(n, text.replace("'domain'", "'criteria.domain'")))?;
    held(app, admin, &name)?;
    Ok(name)
}

pub(super) fn search_users(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let domain = criteria_domain(app, admin, req)?;
    let (first, limit) = range_of(req)?;
    let criteria = req.get("criteria").and_then(Value::as_object);
    let wanted_type = criteria.and_then(|c| c.get("type")).and_then(Value::as_str);
    let matching = criteria
        .and_then(|c| c.get("match"))
        .and_then(Value::as_str)
        .map(str::to_ascii_lowercase);
    let deleted = criteria
        .and_then(|c| c.get("deleted"))
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let mut rows: Vec<Value> = Vec::new();
    if deleted {
        let since = app.now() - mail_users::RESTORE_DAYS * 86_400;
        for d in app
            .store
            .deleted_mail_users(admin.company_id, &domain, since)?
        {
            let kept: Value = serde_json::from_str(&d.data).unwrap_or(json!({}));
            rows.push(json!({
                "user": d.address,
                "id": d.id.to_string(),
                "type": kept["type"],
                "workgroup": kept["workgroup"],
                "status": "deleted",
                "delete_time": d.deleted_at,
            }));
        }
    }
    let live = if deleted {
        Vec::new()
    } else {
        app.store.mail_users_of(admin.company_id, &domain)?
    };
    for u in live {
        let address = u.address();
        rows.push(json!({
            "user": address,
            "type": u.kind.as_str(),
            "workgroup": u.workgroup,
            "status": "active",
            "createtime": u.created_at,
        }));
        for a in &u.aliases {
            rows.push(json!({
                "user": a,
                "type": "alias",
                "alias_target": address,
                "workgroup": u.workgroup,
                "status": "active",
            }));
        }
    }
    rows.retain(|r| {
        wanted_type.is_none_or(|t| r["type"] == t)
            && matching.as_deref().is_none_or(|m| {
                r["user"]
                    .as_str()
                    .is_some_and(|u| mail_users::wildcard(m, u))
            })
    });
    let total = rows.len();
    let page: Vec<Value> = rows.into_iter().skip(first).take(limit).collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(page.len()));
    out.insert("total_count".into(), json!(total));
    out.insert("users".into(), Value::Array(page));
    Ok(out)
}

pub(super) fn rename_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let raw = req
        .get("new_name")
        .ok_or_else(|| missing("new_name"))?
        .as_str()
        .ok_or_else(|| bad("new_name", "must be an email address"))?;
    let (local, domain) = mail_users::split_address(raw)
        .ok_or_else(|| bad("new_name", "must be an email address"))?;
    // Documented: the new name is in the same domain.
    if domain != u.domain {
        return Err(bad("new_name", "must be in the user's own domain"));
    }
    let a = audit(admin, "rename_user", &address, peer, app.now());
    match app
        .store
        .rename_mail_user(admin.company_id, (&u.domain, &u.local_part, &local), &a)?
    {
        Written::Done(()) => Ok(Map::new()),
        Written::Stopped(Guard::NameHeld) => Err(exists(&format!("'{local}@{domain}'"))),
        Written::Stopped(_) => Err(no_such(&format!("user '{address}'"))),
    }
}

pub(super) fn restore_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (local, domain) = user_of(app, admin, req)?;
    let address = format!("{local}@{domain}");
    // The documentation's first example spells it `ids`.
    let id = req
        .get("id")
        .or_else(|| req.get("ids"))
        .ok_or_else(|| missing("id"))
        .and_then(|v| {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .ok_or_else(|| bad("id", "must be a user id"))
        })?;
    let new_name = match req.get("new_name").and_then(Value::as_str) {
        Some(n) => n,
        None => return Err(missing("new_name")),
    };
    let (new_local, new_domain) = mail_users::split_address(new_name)
        .ok_or_else(|| bad("new_name", "must be an email address"))?;
    held(app, admin, &new_domain)?;
    let since = app.now() - mail_users::RESTORE_DAYS * 86_400;
    let Some(d) = app
        .store
        .deleted_mail_users(admin.company_id, &domain, since)?
        .into_iter()
        .find(|d| d.id == id && d.address == address)
    else {
        return Err(no_such(&format!("deleted user '{address}' {id}")));
    };
    let kept: Value = serde_json::from_str(&d.data).unwrap_or(json!({}));
    let kind = kept["type"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .unwrap_or(MailUserKind::Mailbox);
    let workgroup = kept["workgroup"]
        .as_str()
        .unwrap_or(DEFAULT_WORKGROUP)
        .to_string();
    let attributes = kept["attributes"].to_string();
    // Aliases come back with the user only in its own name's domain set.
    let aliases: Vec<String> = kept["aliases"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let now = app.now();
    let a = audit(admin, "restore_user", &address, peer, now);
    let w = UserWrite {
        company_id: admin.company_id,
        domain: &new_domain,
        local_part: &new_local,
        create: true,
        kind,
        workgroup: &workgroup,
        attributes: &attributes,
        password_hash: None,
        aliases: Some(&aliases),
        now,
        welcome: &[],
        history: &[],
        limits: super::domains::limits(app, admin, &new_domain)?,
    };
    match app.store.restore_mail_user(d.id, &w, &a)? {
        Written::Done(()) => Ok(Map::new()),
        Written::Stopped(Guard::NameHeld) => Err(exists(&format!("'{new_local}@{new_domain}'"))),
        Written::Stopped(Guard::LimitReached) => Err(limit_reached(&new_domain)),
        Written::Stopped(_) => Err(no_such(&format!("deleted user '{address}' {id}"))),
    }
}

/// Error 4 for a domain at its `limit_users` or `limit_aliases` (*chosen*
/// number: the documentation says only that no more are made).
fn limit_reached(domain: &str) -> Failure {
    Failure(
        errors::NO_PERMISSION,
        format!("The domain '{domain}' is at its limit of users or aliases"),
    )
}
