//! The Email API's workgroup methods: create_workgroup, delete_workgroup (only
//! an empty one, never the default) and search_workgroups (the default
//! workgroup, the domain's others and any a user is in, with counts per type).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_users::{self, DEFAULT_WORKGROUP};
use crate::status::MailUserKind;
use crate::store::{Guard, Written};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, domain_of, held, no_such, range_of};
use super::users::criteria_domain;

/// The request's `domain` (the caller's) and `workgroup`, checked.
fn named(app: &App, admin: &Admin, req: &Map<String, Value>) -> Result<(String, String), Failure> {
    let domain = domain_of(req)?;
    held(app, admin, &domain)?;
    let raw = req
        .get("workgroup")
        .ok_or_else(|| missing("workgroup"))?
        .as_str()
        .ok_or_else(|| bad("workgroup", "must be a workgroup name"))?;
    let name = mail_users::workgroup_name(raw)
        .ok_or_else(|| bad("workgroup", "must be a workgroup name"))?;
    Ok((domain, name))
}

pub(super) fn create_workgroup(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (domain, name) = named(app, admin, req)?;
    let exists = exists(&format!("workgroup '{name}'"));
    if name == DEFAULT_WORKGROUP {
        return Err(exists);
    }
    let a = audit(
        admin,
        "create_workgroup",
        // The domain's history holds its workgroups' changes.
        &domain,
        peer,
        app.now(),
    );
    if !app
        .store
        .add_mail_workgroup(admin.company_id, (&domain, &name), app.now(), &a)?
    {
        return Err(exists);
    }
    Ok(Map::new())
}

pub(super) fn delete_workgroup(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (domain, name) = named(app, admin, req)?;
    if name == DEFAULT_WORKGROUP {
        return Err(Failure(
            errors::NO_PERMISSION,
            "The default workgroup cannot be deleted".into(),
        ));
    }
    let a = audit(admin, "delete_workgroup", &domain, peer, app.now());
    match app
        .store
        .delete_mail_workgroup(admin.company_id, (&domain, &name), &a)?
    {
        Written::Done(()) => Ok(Map::new()),
        // *Chosen* number: the documentation says a workgroup must be empty.
        Written::Stopped(Guard::NameHeld) => Err(Failure(
            errors::NO_PERMISSION,
            format!("The workgroup '{name}' has users; move or delete them first"),
        )),
        Written::Stopped(_) => Err(no_such(&format!("workgroup '{name}'"))),
    }
}

pub(super) fn search_workgroups(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let domain = criteria_domain(app, admin, req)?;
    let (first, limit) = range_of(req)?;
    // The default workgroup always, the domain's others, and any a user is in.
    let mut groups: Vec<(String, [usize; 4])> = vec![(DEFAULT_WORKGROUP.to_string(), [0; 4])];
    for g in app.store.mail_workgroups(admin.company_id, &domain)? {
        groups.push((g, [0; 4]));
    }
    for u in app.store.mail_users_of(admin.company_id, &domain)? {
        let at = match groups.iter().position(|(g, _)| *g == u.workgroup) {
            Some(i) => i,
            None => {
                groups.push((u.workgroup.clone(), [0; 4]));
                groups.len() - 1
            }
        };
        let slot = match u.kind {
            MailUserKind::Mailbox => 0,
            MailUserKind::Forward => 1,
            MailUserKind::Filter => 2,
        };
        groups[at].1[slot] += 1;
        groups[at].1[3] += u.aliases.len();
    }
    groups.sort_by(|a, b| a.0.cmp(&b.0));
    let matching = req
        .get("criteria")
        .and_then(|c| c.get("match"))
        .and_then(Value::as_str);
    groups.retain(|(g, _)| matching.is_none_or(|m| mail_users::wildcard(m, g)));
    let total = groups.len();
    let list: Vec<Value> = groups
        .iter()
        .skip(first)
        .take(limit)
        .map(|(g, [mailbox, forward, filter, alias])| {
            json!({
                "workgroup": g,
                "counts": {"mailbox": mailbox, "forward": forward, "filter": filter, "alias": alias},
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(list.len()));
    out.insert("total_count".into(), json!(total));
    out.insert("workgroups".into(), Value::Array(list));
    Ok(out)
}
