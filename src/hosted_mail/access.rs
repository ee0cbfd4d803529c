//! Who may call a method on what: each method names what it does (`Need`) and
//! where its request names its object (`Subject`); this module finds the object
//! — the company, a domain, a user with its workgroup — and asks
//! `rules::mail_roles` whether the caller's roles reach it. One check, before
//! any method runs.

use serde_json::{Map, Value};

use crate::app::App;
use crate::rules::mail_roles::{self, Need, Target};
use crate::rules::mail_users::{self, DEFAULT_WORKGROUP};

use super::Admin;
use super::failure::{Failure, bad, errors};

/// Where a method's request names the object it acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Subject {
    /// Any authenticated caller (authenticate, echo).
    Anyone,
    /// The company: `company` (its name), `company_id` or `criteria.company`
    /// must be the caller's own when given.
    Company,
    /// `domain`; a domain that does not exist yet is made by a `Manage` call,
    /// which then needs `Company`.
    Domain,
    /// `criteria.domain`.
    CriteriaDomain,
    /// `user`, in its workgroup (or, for a user not made yet, the workgroup it
    /// would be made in); changing a user that does not exist makes it, which
    /// needs `Create`.
    User,
    /// The method checks for itself (it acts on what its arguments choose).
    Own,
}

/// Error 4 for a caller whose roles do not reach the object.
pub(super) fn denied(what: &str) -> Failure {
    Failure(
        errors::NO_PERMISSION,
        format!("Requestor lacks permission: your role does not cover {what}"),
    )
}

/// Checks that `admin` may do `need` to what `subject` names in `req`.
pub(super) fn check(
    app: &App,
    admin: &Admin,
    need: Need,
    subject: Subject,
    req: &Map<String, Value>,
) -> Result<(), Failure> {
    let allows = |need, t: &Target<'_>| mail_roles::allows(&admin.grants, admin.me(), need, t);
    match subject {
        Subject::Anyone | Subject::Own => Ok(()),
        Subject::Company => {
            own_company(app, admin, req)?;
            if allows(need, &Target::default()) {
                Ok(())
            } else {
                Err(denied("the company"))
            }
        }
        Subject::Domain | Subject::CriteriaDomain => {
            let raw = match subject {
                Subject::Domain => req.get("domain"),
                _ => req.get("criteria").and_then(|c| c.get("domain")),
            };
            // A missing or malformed domain is the method's to refuse.
            match raw.and_then(Value::as_str) {
                Some(d) => domain(
                    app,
                    admin,
                    need,
                    &d.trim().trim_end_matches('.').to_ascii_lowercase(),
                ),
                None => Ok(()),
            }
        }
        Subject::User => {
            let Some(address) = req
                .get("user")
                .and_then(Value::as_str)
                .and_then(mail_users::split_address)
            else {
                return Ok(());
            };
            let moving_to = req
                .get("attributes")
                .and_then(|a| a.get("workgroup"))
                .and_then(Value::as_str)
                .and_then(mail_users::workgroup_name);
            user(app, admin, need, &address, moving_to)
        }
    }
}

/// Checks that `admin` may do `need` to the company's domain `name`; a
/// domain that does not exist yet is made by a `Manage` call, which then
/// needs `Company`.
pub(super) fn domain(app: &App, admin: &Admin, need: Need, name: &str) -> Result<(), Failure> {
    let need = if need == Need::Manage
        && app
            .store
            .mail_domain_state(admin.company_id, name)?
            .is_none()
    {
        Need::Company
    } else {
        need
    };
    let t = Target {
        domain: Some(name),
        ..Target::default()
    };
    if mail_roles::allows(&admin.grants, admin.me(), need, &t) {
        Ok(())
    } else {
        Err(denied(&format!("domain '{name}'")))
    }
}

/// Checks that `admin` may do `need` to the user `(local, domain)`, in its
/// workgroup (or, for a user not made yet, the one it would be made in: then
/// `Change` needs `Create`), and in `moving_to` when the call moves it there.
pub(super) fn user(
    app: &App,
    admin: &Admin,
    need: Need,
    (local, domain): &(String, String),
    moving_to: Option<String>,
) -> Result<(), Failure> {
    let address = format!("{local}@{domain}");
    let found = app.store.mail_user(admin.company_id, domain, local)?;
    let (workgroup, need) = match &found {
        Some(u) => (u.workgroup.clone(), need),
        None => (
            moving_to
                .clone()
                .unwrap_or_else(|| DEFAULT_WORKGROUP.to_string()),
            if need == Need::Change {
                Need::Create
            } else {
                need
            },
        ),
    };
    let mut targets = vec![workgroup];
    targets.extend(moving_to);
    for w in &targets {
        let t = Target {
            domain: Some(domain),
            workgroup: Some(w),
            user: Some(&address),
        };
        if !mail_roles::allows(&admin.grants, admin.me(), need, &t) {
            return Err(denied(&format!("user '{address}'")));
        }
    }
    Ok(())
}

/// A company named by `company` (its name), `company_id` or
/// `criteria.company` must be the caller's own (*chosen*: 4 otherwise, whether
/// or not such a company exists).
pub(super) fn own_company(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
) -> Result<(), Failure> {
    let named = req
        .get("company")
        .or_else(|| req.get("criteria").and_then(|c| c.get("company")))
        .filter(|v| !v.is_null());
    // A company given as a number is its id.
    let (named, by_id) = match named {
        Some(v @ Value::Number(_)) => (None, Some(v)),
        _ => (named, req.get("company_id").filter(|v| !v.is_null())),
    };
    let not_yours = |what: String| {
        Failure(
            errors::NO_PERMISSION,
            format!("Lacks permission: company {what} is not yours"),
        )
    };
    if let Some(v) = by_id {
        let id = super::request::company_id(v, "company_id")?;
        if id != admin.company_id {
            return Err(not_yours(id.to_string()));
        }
    }
    if let Some(v) = named {
        let name = v
            .as_str()
            .ok_or_else(|| bad("company", "must be a company name"))?;
        let own = app.store.mail_company(admin.company_id)?;
        // The name, or the id as text (some clients send it so).
        let ours = own.is_some_and(|c| {
            c.name.eq_ignore_ascii_case(name.trim()) || c.id.to_string() == name.trim()
        });
        if !ours {
            return Err(not_yours(format!("'{name}'")));
        }
    }
    Ok(())
}
