//! What the Email API's methods read alike from a request — a domain, a range —
//! and write alike: the "does not exist" failure and the audit row of an
//! administrator's change.

use std::net::IpAddr;

use serde_json::{Map, Value};

use crate::app::App;
use crate::store::{AuditEntry, MailDomainState, account};

use super::Admin;
use super::failure::{Failure, bad, errors, missing};

/// The request's `domain`, lower-cased and checked.
pub(super) fn domain_of(req: &Map<String, Value>) -> Result<String, Failure> {
    let raw = req
        .get("domain")
        .ok_or_else(|| missing("domain"))?
        .as_str()
        .ok_or_else(|| bad("domain", "must be a domain name"))?;
    crate::domain::DomainName::parse(raw.trim().trim_end_matches('.'))
        .map(|d| d.name.to_string())
        .map_err(|e| bad("domain", &e.to_string()))
}

/// The caller's company's domain `name`; another company's is, to the
/// caller, a domain that does not exist (2).
pub(super) fn held(app: &App, admin: &Admin, name: &str) -> Result<MailDomainState, Failure> {
    app.store
        .mail_domain_state(admin.company_id, name)?
        .ok_or_else(|| no_such(&format!("domain '{name}'")))
}

pub(super) fn no_such(what: &str) -> Failure {
    Failure(
        errors::NO_SUCH_OBJECT,
        format!("The requested object does not exist: {what}"),
    )
}

/// A time as a mail's `Date` header writes it (RFC 2822).
pub(super) fn mail_date(at: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(at)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc2822)
                .ok()
        })
        .unwrap_or_default()
}

/// An audit row of the administrator's change (the mail console's too).
pub fn audit(admin: &Admin, action: &str, subject: &str, peer: IpAddr, now: i64) -> AuditEntry {
    AuditEntry {
        at: now,
        actor: admin.username.clone(),
        actor_kind: account::MAIL_ADMIN.into(),
        action: action.into(),
        subject: subject.into(),
        detail: format!("company {}", admin.company_id),
        client_ip: peer.to_string(),
        gaining: None,
        gaining_kind: None,
    }
}

/// `range`: the first row (0-based) and how many, at most 1,000 (*chosen*).
pub(super) fn range_of(req: &Map<String, Value>) -> Result<(usize, usize), Failure> {
    let Some(r) = req.get("range") else {
        return Ok((0, 1_000));
    };
    let r = r
        .as_object()
        .ok_or_else(|| bad("range", "must be an object"))?;
    let n = |k: &str, default: u64| -> Result<usize, Failure> {
        match r.get(k) {
            None | Some(Value::Null) => Ok(default as usize),
            Some(v) => v
                .as_u64()
                .map(|x| x as usize)
                .ok_or_else(|| bad(&format!("range.{k}"), "must be a number")),
        }
    };
    Ok((n("first", 0)?, n("limit", 1_000)?.min(1_000)))
}

/// A company id given as a number or a numeric string, in `field`.
pub(super) fn company_id(v: &Value, field: &str) -> Result<i64, Failure> {
    integer(v)
        .filter(|id| *id > 0)
        .ok_or_else(|| bad(field, "must be a company id"))
}

/// A whole number sent as a number or as digits in a string (some clients
/// quote every value).
pub(super) fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}
