//! The OpenSRS Email JSON API under `/api/<method>` (actions.md §7): the
//! dispatch and the methods of companies and credentials (push_domain,
//! change_company, get_company, authenticate, generate_token); domains are in
//! `domains`, users and workgroups in `users`. Every answer is HTTP 200 with
//! `{"success": …}`, an unknown method and malformed JSON included (error 5): the
//! PHP modules that call it give up on any other status.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::auth;
use crate::rules::mail_push::MailPushRefused;

pub use super::failure::errors;
use super::failure::{Failure, Outcome, bad, missing};
use super::{Admin, Refusal, authenticate};

/// Default and longest life of a session token from `authenticate` (seconds).
const SESSION_DEFAULT: i64 = 3 * 3600;
const SESSION_MAX: i64 = 24 * 3600;
/// Default and longest life of a `generate_token` token (hours).
const TOKEN_DEFAULT_HOURS: i64 = 24;
const TOKEN_MAX_HOURS: i64 = 168;

/// An HTTP status and a JSON body, and the administrator whose credentials
/// passed (the journal keeps the request of an authenticated caller only).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiReply {
    pub status: u16,
    pub body: Value,
    pub caller: Option<String>,
}

/// Answers `POST /api/<method>` with `body`.
pub fn handle(app: &App, method: &str, body: &[u8], peer: IpAddr) -> ApiReply {
    let run: fn(&App, &Admin, &Map<String, Value>, IpAddr) -> Outcome = match method {
        "push_domain" => push_domain,
        "change_company" => change_company,
        "get_company" => get_company,
        "authenticate" => authenticate_call,
        "generate_token" => generate_token,
        "get_domain" => super::domains::get_domain,
        "change_domain" => super::domains::change_domain,
        "delete_domain" => super::domains::delete_domain,
        "get_user" => super::users::get_user,
        "change_user" => super::users::change_user,
        "delete_user" => super::users::delete_user,
        "search_users" => super::users::search_users,
        "rename_user" => super::users::rename_user,
        "get_domain_changes" => super::changes::get_domain_changes,
        "get_user_changes" => super::changes::get_user_changes,
        "restore_user" => super::users::restore_user,
        "search_domains" => super::domains::search_domains,
        "create_workgroup" => super::workgroups::create_workgroup,
        "delete_workgroup" => super::workgroups::delete_workgroup,
        "search_workgroups" => super::workgroups::search_workgroups,
        _ => {
            return ApiReply {
                status: 200,
                body: json!({"success": false, "error": format!("Unknown method '{method}'"), "error_number": errors::BAD_REQUEST}),
                caller: None,
            };
        }
    };
    let req: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return ApiReply {
                status: 200,
                body: json!({"success": false, "error": format!("Malformed JSON: {e}"), "error_number": errors::BAD_REQUEST}),
                caller: None,
            };
        }
    };
    let mut who = None;
    let outcome = match req.as_object() {
        Some(obj) => match caller(app, obj, peer) {
            Ok(admin) => {
                who = Some(admin.username.clone());
                run(app, &admin, obj, peer)
            }
            // A company's mailbox user authenticates as itself.
            Err(Failure(errors::INVALID_CREDENTIALS, _))
                if method == "authenticate" && is_address(obj) =>
            {
                super::tokens::authenticate_user(app, obj, peer).map(|address| {
                    who = Some(address);
                    Map::new()
                })
            }
            Err(e) => Err(e),
        },
        None => Err(Failure(
            errors::BAD_REQUEST,
            "Badly formatted request: the body must be a JSON object".into(),
        )),
    };
    let body = match outcome {
        Ok(mut extra) => {
            let mut m = Map::new();
            m.insert("success".into(), Value::Bool(true));
            m.append(&mut extra);
            Value::Object(m)
        }
        Err(Failure(n, text)) => json!({"success": false, "error": text, "error_number": n}),
    };
    ApiReply {
        status: 200,
        body,
        caller: who,
    }
}

/// Whether `credentials.user` is an email address (a mailbox user's login).
fn is_address(req: &Map<String, Value>) -> bool {
    req.get("credentials")
        .and_then(|c| c.get("user"))
        .and_then(Value::as_str)
        .is_some_and(|u| u.contains('@'))
}

fn caller(app: &App, req: &Map<String, Value>, peer: IpAddr) -> Result<Admin, Failure> {
    let creds = req
        .get("credentials")
        .ok_or_else(|| missing("credentials"))?
        .as_object()
        .ok_or_else(|| bad("credentials", "must be an object"))?;
    let text = |k: &str| creds.get(k).and_then(Value::as_str);
    let user = text("user").ok_or_else(|| missing("credentials.user"))?;
    let (password, token) = (text("password"), text("token"));
    if password.is_none() && token.is_none() {
        return Err(missing("credentials.password"));
    }
    authenticate(app, user, password, token, peer)?.map_err(|r| match r {
        Refusal::Invalid => Failure(errors::INVALID_CREDENTIALS, "Invalid credentials".into()),
        Refusal::Throttled(r) => Failure(
            errors::INVALID_CREDENTIALS,
            format!(
                "Too many failed attempts for this user or from this address; try again in {} minutes",
                r.minutes()
            ),
        ),
        Refusal::Busy => Failure(
            errors::INTERNAL,
            "The server is busy; please try again shortly".into(),
        ),
    })
}

/// A company id given as a number or a numeric string.
fn company_id(v: &Value, field: &str) -> Result<i64, Failure> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|id| *id > 0)
    .ok_or_else(|| bad(field, "must be a company id"))
}

/// The company a call is about: the given `company_id`, which must be the caller's
/// own, or the caller's.
fn own_company(admin: &Admin, req: &Map<String, Value>) -> Result<i64, Failure> {
    match req.get("company_id") {
        None | Some(Value::Null) => Ok(admin.company_id),
        Some(v) => {
            let id = company_id(v, "company_id")?;
            if id == admin.company_id {
                Ok(id)
            } else {
                Err(Failure(
                    errors::NO_PERMISSION,
                    format!("Lacks permission: company {id} is not yours"),
                ))
            }
        }
    }
}

fn push_domain(app: &App, admin: &Admin, req: &Map<String, Value>, peer: IpAddr) -> Outcome {
    let domain = req
        .get("domain")
        .ok_or_else(|| missing("domain"))?
        .as_str()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| bad("domain", "must be a domain name"))?;
    let gaining = company_id(
        req.get("new_company")
            .ok_or_else(|| missing("new_company"))?,
        "new_company",
    )?;
    match super::push(app, admin, domain, gaining, peer)? {
        Ok(_) => Ok(Map::new()),
        Err(r) => Err(match r {
            MailPushRefused::DomainNotFound => Failure(
                errors::NO_SUCH_OBJECT,
                format!("Object does not exist: domain '{domain}'"),
            ),
            MailPushRefused::GainingUnknown => Failure(
                errors::NO_SUCH_OBJECT,
                format!("Object does not exist: company {gaining}"),
            ),
            MailPushRefused::NotAllowed => Failure(
                errors::NO_PERMISSION,
                format!(
                    "Lacks permission: company {gaining} does not allow pushes from company {}",
                    admin.company_id
                ),
            ),
            MailPushRefused::OtherCluster => Failure(
                errors::NO_PERMISSION,
                format!("Lacks permission: company {gaining} is on another cluster"),
            ),
            MailPushRefused::SameCompany => {
                bad("new_company", "the domain is already in that company")
            }
        }),
    }
}

fn change_company(app: &App, admin: &Admin, req: &Map<String, Value>, _peer: IpAddr) -> Outcome {
    let id = own_company(admin, req)?;
    let attrs = req
        .get("attributes")
        .ok_or_else(|| missing("attributes"))?
        .as_object()
        .ok_or_else(|| bad("attributes", "must be an object"))?;
    let allowed = match attrs.get("domain_push_allowed") {
        None => None,
        Some(Value::Array(items)) => {
            let mut ids = Vec::with_capacity(items.len());
            for (i, v) in items.iter().enumerate() {
                let cid = company_id(v, &format!("domain_push_allowed[{i}]"))?;
                if app.store.mail_company(cid)?.is_none() {
                    return Err(Failure(
                        errors::NO_SUCH_OBJECT,
                        format!("Object does not exist: company {cid}"),
                    ));
                }
                ids.push(cid);
            }
            Some(ids)
        }
        Some(_) => return Err(bad("domain_push_allowed", "must be a list of company ids")),
    };
    let notify = match attrs.get("domain_push_notify") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) if s.trim().is_empty() => Some(None),
        Some(Value::String(s)) if crate::mail::plausible_address(s.trim()) => Some(Some(s.trim())),
        Some(_) => return Err(bad("domain_push_notify", "must be an email address")),
    };
    if allowed.is_none() && notify.is_none() {
        return Err(missing("attributes.domain_push_allowed"));
    }
    app.store
        .set_mail_push_settings(id, allowed.as_deref(), notify)?;
    Ok(Map::new())
}

fn get_company(app: &App, admin: &Admin, req: &Map<String, Value>, _peer: IpAddr) -> Outcome {
    let id = own_company(admin, req)?;
    let c = app.store.mail_company(id)?.ok_or_else(|| {
        Failure(
            errors::NO_SUCH_OBJECT,
            format!("Object does not exist: company {id}"),
        )
    })?;
    let mut out = Map::new();
    out.insert(
        "attributes".into(),
        json!({
            "company_id": c.id,
            "name": c.name,
            "cluster": c.cluster,
            "billing_cycle": c.billing_cycle,
            "domain_push_allowed": c.push_allowed,
            "domain_push_notify": c.push_notify,
        }),
    );
    Ok(out)
}

fn authenticate_call(app: &App, admin: &Admin, req: &Map<String, Value>, _peer: IpAddr) -> Outcome {
    let mut out = Map::new();
    if req
        .get("generate_session_token")
        .and_then(Value::as_bool)
        .unwrap_or(false)
    {
        let secs = match req.get("session_token_duration") {
            None => SESSION_DEFAULT,
            Some(v) => v
                .as_i64()
                .filter(|s| (1..=SESSION_MAX).contains(s))
                .ok_or_else(|| bad("session_token_duration", "must be 1 to 86400 seconds"))?,
        };
        let token = issue(app, admin, "session", secs)?;
        out.insert("session_token".into(), Value::String(token));
        out.insert("session_token_duration".into(), json!(secs));
    }
    Ok(out)
}

fn generate_token(app: &App, admin: &Admin, req: &Map<String, Value>, peer: IpAddr) -> Outcome {
    if admin.token_chained {
        return Err(Failure(
            errors::NO_PERMISSION,
            "Lacks permission: a token made with a token cannot make tokens; use the password"
                .into(),
        ));
    }
    if let Some(user) = req.get("user").and_then(Value::as_str)
        && user != admin.username
    {
        // A mailbox user of the company's (OpenSRS's SSO tokens).
        if user.contains('@') {
            return super::tokens::user_token(app, admin, req, peer);
        }
        return Err(Failure(
            errors::NO_PERMISSION,
            format!(
                "Lacks permission: tokens can be made for '{}' and your company's users only",
                admin.username
            ),
        ));
    }
    let hours = match req.get("duration") {
        None => TOKEN_DEFAULT_HOURS,
        Some(v) => v
            .as_i64()
            .filter(|h| (1..=TOKEN_MAX_HOURS).contains(h))
            .ok_or_else(|| bad("duration", "must be 1 to 168 hours"))?,
    };
    let token = issue(app, admin, "token", hours * 3600)?;
    let mut out = Map::new();
    out.insert("token".into(), Value::String(token));
    out.insert("duration".into(), json!(hours));
    Ok(out)
}

fn issue(app: &App, admin: &Admin, kind: &str, secs: i64) -> Result<String, Failure> {
    let token = auth::random_hex(20);
    app.store.add_mail_token(
        &auth::token_hash(&token),
        admin.id,
        kind,
        app.now() + secs,
        admin.via_token,
    )?;
    Ok(token)
}
