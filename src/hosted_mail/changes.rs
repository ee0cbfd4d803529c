//! The Email API's change histories: get_domain_changes and get_user_changes,
//! each change with the `application` that made it, a short `msg`, its `time`
//! and the `user` who made it, oldest first, as documented. The history is the
//! audit trail the changes wrote for the caller's company, so a domain or user
//! another company once held shows none of that company's changes.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;

use super::Admin;
use super::failure::Outcome;
use super::request::{domain_of, held, range_of};

/// What `application` says of a change made through opsd (*chosen*).
const APPLICATION: &str = "Email API";

pub(super) fn changes_of(
    app: &App,
    admin: &Admin,
    subject: Option<&str>,
    req: &Map<String, Value>,
) -> Outcome {
    let range = range_of(req)?;
    let (total, rows) = app.store.mail_changes(admin.company_id, subject, range)?;
    let changes: Vec<Value> = rows
        .iter()
        .map(|a| {
            json!({
                "application": APPLICATION,
                "msg": a.action.replace('_', " "),
                "time": a.at,
                "user": a.actor,
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(changes.len()));
    out.insert("total_count".into(), json!(total));
    out.insert("changes".into(), Value::Array(changes));
    Ok(out)
}

pub(super) fn get_domain_changes(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let domain = domain_of(req)?;
    held(app, admin, &domain)?;
    changes_of(app, admin, Some(&domain), req)
}

pub(super) fn get_user_changes(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (local, domain) = super::users::user_of(app, admin, req)?;
    changes_of(app, admin, Some(&format!("{local}@{domain}")), req)
}
