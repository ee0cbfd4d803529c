//! The Email API's administrator methods: search_admins (the company's
//! administrator accounts and every user holding a role, with what each
//! controls), set_role (one role, replacing the user's others; none takes them
//! away) and add_role (a role beside the others). Who may give which role is
//! `rules::mail_roles`' (through `access`): company roles and domain roles by
//! the company's administrators, workgroup roles also by the domain's.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_roles::{self, Need, Over, Role, Target};
use crate::rules::mail_users::{self, DEFAULT_WORKGROUP};

use super::Admin;
use super::access::denied;
use super::failure::{Failure, Outcome, bad, missing};
use super::request::{audit, held, no_such, range_of};
use super::users::existing;

pub(super) fn search_admins(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let criteria = req.get("criteria").and_then(Value::as_object);
    let types: Option<Vec<Role>> = match criteria.and_then(|c| c.get("type")) {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|t| {
                    t.as_str()
                        .and_then(|t| Role::parse(&t.to_ascii_lowercase()))
                        .ok_or_else(|| bad("criteria.type", "must be a list of role names"))
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(bad("criteria.type", "must be a list of role names")),
    };
    let pattern = criteria
        .and_then(|c| c.get("match"))
        .and_then(Value::as_str);
    let (first, limit) = range_of(req)?;
    let company = app
        .store
        .mail_company(admin.company_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    // (user, role, objects), in user order.
    let mut admins: Vec<(String, Role, Vec<String>)> = app
        .store
        .mail_admins_of(admin.company_id)?
        .into_iter()
        .map(|u| (u, Role::Company, vec![company.clone()]))
        .collect();
    for held in app.store.mail_roles_in(admin.company_id)? {
        let Some(role) = Role::parse(&held.role) else {
            continue;
        };
        match admins
            .iter_mut()
            .find(|(u, r, _)| *u == held.address && *r == role)
        {
            Some((_, _, objects)) => objects.push(held.object),
            None => admins.push((held.address, role, vec![held.object])),
        }
    }
    admins.retain(|(user, role, _)| {
        types.as_ref().is_none_or(|t| t.contains(role))
            && pattern.is_none_or(|p| mail_users::wildcard(p, user))
    });
    admins.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let total = admins.len();
    let list: Vec<Value> = admins
        .into_iter()
        .skip(first)
        .take(limit)
        .map(|(user, role, control)| json!({"user": user, "type": role.as_str(), "control": control}))
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(list.len()));
    out.insert("total_count".into(), json!(total));
    out.insert("admins".into(), Value::Array(list));
    Ok(out)
}

pub(super) fn set_role(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    give(app, admin, req, peer, true)
}

pub(super) fn add_role(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    give(app, admin, req, peer, false)
}

/// The objects a request names: `objects` (a list) or `object`.
fn objects_of(req: &Map<String, Value>) -> Result<Vec<String>, Failure> {
    let list = match (req.get("objects"), req.get("object")) {
        (Some(Value::Array(items)), _) => items.clone(),
        (Some(v), _) if !v.is_null() => return Err(bad("objects", "must be a list")),
        (_, Some(Value::String(s))) => vec![Value::String(s.clone())],
        (_, None | Some(Value::Null)) => return Err(missing("object")),
        (_, Some(_)) => return Err(bad("object", "must be a name")),
    };
    let names: Vec<String> = list
        .iter()
        .map(|v| v.as_str().map(str::to_string))
        .collect::<Option<_>>()
        .ok_or_else(|| bad("objects", "must be names"))?;
    if names.is_empty() || names.len() > 1_000 {
        return Err(bad("objects", "must name 1 to 1,000 objects"));
    }
    Ok(names)
}

fn give(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
    replace: bool,
) -> Outcome {
    let (user, address) = existing(app, admin, req)?;
    let role = match req.get("role") {
        None => return Err(missing("role")),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(
            Role::parse(&s.to_ascii_lowercase())
                .ok_or_else(|| bad("role", "must be one of the roles set_role names"))?,
        ),
        Some(_) => return Err(bad("role", "must be a role name")),
    };
    if role.is_none() && !replace {
        return Err(missing("role"));
    }
    let allows = |need, domain: Option<&str>| {
        mail_roles::allows(
            &admin.grants,
            None,
            need,
            &Target {
                domain,
                ..Target::default()
            },
        )
    };
    // Taking roles away needs the right to give each of them.
    let taken: Vec<(Role, String)> = if replace {
        app.store
            .mail_roles_of(user.id)?
            .into_iter()
            .filter_map(|(r, o)| Role::parse(&r).map(|r| (r, o)))
            .collect()
    } else {
        Vec::new()
    };
    for (r, o) in &taken {
        let domain = o.split('/').next();
        let need = if r.over() == Over::Workgroup {
            Need::Manage
        } else {
            Need::Company
        };
        if !allows(need, domain) {
            return Err(denied(&format!("the {} role of '{address}'", r.as_str())));
        }
    }
    let mut kept = Vec::new();
    if let Some(role) = role {
        if role == Role::Company {
            // *Chosen*, after OpenSRS's help: only its support makes company
            // administrators; opsd's are made with `opsd email admin`.
            return Err(denied(
                "the company role: company administrators are made by the operator",
            ));
        }
        let company = app.store.mail_company(admin.company_id)?;
        for raw in objects_of(req)? {
            let (name, workgroup) = mail_roles::object_shape(role, &raw).ok_or_else(|| {
                bad(
                    "object",
                    &format!("'{raw}' is not a {:?} name", role.over()).to_lowercase(),
                )
            })?;
            match role.over() {
                Over::Company => {
                    let ours = company
                        .as_ref()
                        .is_some_and(|c| c.name.eq_ignore_ascii_case(&name));
                    if !ours {
                        return Err(no_such(&format!("company '{raw}'")));
                    }
                    if !allows(Need::Company, None) {
                        return Err(denied("company roles"));
                    }
                    kept.push(company.as_ref().map(|c| c.name.clone()).unwrap_or(name));
                }
                Over::Domain | Over::Workgroup => {
                    held(app, admin, &name)?;
                    let need = if workgroup.is_some() {
                        Need::Manage
                    } else {
                        Need::Company
                    };
                    if !allows(need, Some(&name)) {
                        return Err(denied(&format!("domain '{name}'")));
                    }
                    if let Some(w) = &workgroup
                        && w != DEFAULT_WORKGROUP
                        && !app
                            .store
                            .mail_workgroups(admin.company_id, &name)?
                            .contains(w)
                    {
                        return Err(no_such(&format!("workgroup '{name}/{w}'")));
                    }
                    kept.push(match workgroup {
                        Some(w) => format!("{name}/{w}"),
                        None => name,
                    });
                }
            }
        }
        // As documented: a user is a member of what it administers (its own
        // domain, or its own workgroup, among the objects).
        let member = match role.over() {
            Over::Company => true,
            Over::Domain => kept.contains(&user.domain),
            Over::Workgroup => kept.contains(&format!("{}/{}", user.domain, user.workgroup)),
        };
        if !member {
            return Err(bad(
                "object",
                &format!("'{address}' must be a member of what it administers"),
            ));
        }
    }
    let action = match (replace, role) {
        (_, None) => "remove_roles".to_string(),
        (true, Some(r)) => format!("set_role {}", r.as_str()),
        (false, Some(r)) => format!("add_role {}", r.as_str()),
    };
    let a = audit(admin, &action, &address, peer, app.now());
    app.store
        .set_mail_roles(user.id, role.map(Role::as_str), &kept, replace, &a)?;
    Ok(Map::new())
}
