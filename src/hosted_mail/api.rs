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

use super::access::{self, Subject};
pub use super::failure::errors;
use super::failure::{Failure, Outcome, bad, missing};
use super::{Admin, Refusal, authenticate};
use crate::rules::mail_attributes;
use crate::rules::mail_roles::Need;
use crate::store::Written;

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
    /// The caller's company and the method answered, for the coverage counts.
    pub counted: Option<(i64, &'static str)>,
}

type Run = fn(&App, &Admin, &Map<String, Value>, IpAddr) -> Outcome;

/// Every method: its name, what it does to its object and where the request
/// names that object (checked by `access` before it runs), and what runs it.
const METHODS: &[(&str, Need, Subject, Run)] = &[
    ("push_domain", Need::Company, Subject::Company, push_domain),
    (
        "change_company",
        Need::Company,
        Subject::Company,
        change_company,
    ),
    ("get_company", Need::Read, Subject::Company, get_company),
    (
        "authenticate",
        Need::Read,
        Subject::Anyone,
        authenticate_call,
    ),
    ("generate_token", Need::Token, Subject::Own, generate_token),
    (
        "get_domain",
        Need::Read,
        Subject::Domain,
        super::domains::get_domain,
    ),
    (
        "change_domain",
        Need::Manage,
        Subject::Domain,
        super::domains::change_domain,
    ),
    (
        "delete_domain",
        Need::Company,
        Subject::Domain,
        super::domains::delete_domain,
    ),
    (
        "search_domains",
        Need::Read,
        Subject::Company,
        super::domains::search_domains,
    ),
    (
        "get_user",
        Need::Read,
        Subject::User,
        super::users::get_user,
    ),
    (
        "change_user",
        Need::Change,
        Subject::User,
        super::users::change_user,
    ),
    (
        "delete_user",
        Need::Create,
        Subject::User,
        super::users::delete_user,
    ),
    (
        "search_users",
        Need::Read,
        Subject::CriteriaDomain,
        super::users::search_users,
    ),
    (
        "rename_user",
        Need::Create,
        Subject::User,
        super::users::rename_user,
    ),
    (
        "restore_user",
        Need::Create,
        Subject::User,
        super::users::restore_user,
    ),
    (
        "get_domain_changes",
        Need::Read,
        Subject::Domain,
        super::changes::get_domain_changes,
    ),
    (
        "get_user_changes",
        Need::Read,
        Subject::User,
        super::changes::get_user_changes,
    ),
    (
        "create_workgroup",
        Need::Manage,
        Subject::Domain,
        super::workgroups::create_workgroup,
    ),
    (
        "delete_workgroup",
        Need::Manage,
        Subject::Domain,
        super::workgroups::delete_workgroup,
    ),
    (
        "search_workgroups",
        Need::Read,
        Subject::CriteriaDomain,
        super::workgroups::search_workgroups,
    ),
    (
        "search_admins",
        Need::Read,
        Subject::Company,
        super::roles::search_admins,
    ),
    (
        "set_role",
        Need::Manage,
        Subject::Own,
        super::roles::set_role,
    ),
    (
        "add_role",
        Need::Manage,
        Subject::Own,
        super::roles::add_role,
    ),
    (
        "restore_domain",
        Need::Company,
        Subject::Company,
        super::domains::restore_domain,
    ),
    (
        "get_company_bulletin",
        Need::Read,
        Subject::Company,
        super::bulletins::get_company_bulletin,
    ),
    (
        "change_company_bulletin",
        Need::Company,
        Subject::Company,
        super::bulletins::change_company_bulletin,
    ),
    (
        "post_company_bulletin",
        Need::Company,
        Subject::Company,
        super::bulletins::post_company_bulletin,
    ),
    (
        "get_domain_bulletin",
        Need::Read,
        Subject::Domain,
        super::bulletins::get_domain_bulletin,
    ),
    (
        "change_domain_bulletin",
        Need::Manage,
        Subject::Domain,
        super::bulletins::change_domain_bulletin,
    ),
    (
        "post_domain_bulletin",
        Need::Manage,
        Subject::Domain,
        super::bulletins::post_domain_bulletin,
    ),
    ("echo", Need::Read, Subject::Anyone, echo),
    (
        "get_company_changes",
        Need::Read,
        Subject::Company,
        super::company::get_company_changes,
    ),
    (
        "search_brands",
        Need::Read,
        Subject::Company,
        super::company::search_brands,
    ),
    (
        "search_brand_members",
        Need::Read,
        Subject::Company,
        super::company::search_brand_members,
    ),
    (
        "get_user_attribute_history",
        Need::Read,
        Subject::User,
        super::mailbox::get_user_attribute_history,
    ),
    (
        "logout_user",
        Need::Change,
        Subject::User,
        super::mailbox::logout_user,
    ),
    (
        "user_notify",
        Need::Read,
        Subject::User,
        super::mailbox::user_notify,
    ),
    (
        "user_disable_2fa",
        Need::Change,
        Subject::User,
        super::mailbox::user_disable_2fa,
    ),
    (
        "app_password",
        Need::Change,
        Subject::User,
        super::mailbox::app_password,
    ),
    (
        "get_sieve",
        Need::Read,
        Subject::User,
        super::mailbox::get_sieve,
    ),
    (
        "set_sieve",
        Need::Change,
        Subject::User,
        super::mailbox::set_sieve,
    ),
    (
        "get_user_folders",
        Need::Read,
        Subject::User,
        super::messages::get_user_folders,
    ),
    (
        "get_user_messages",
        Need::Read,
        Subject::User,
        super::messages::get_user_messages,
    ),
    (
        "move_user_messages",
        Need::Change,
        Subject::User,
        super::messages::move_user_messages,
    ),
    (
        "reindex",
        Need::Change,
        Subject::User,
        super::messages::reindex,
    ),
    (
        "get_deleted_messages",
        Need::Read,
        Subject::User,
        super::messages::get_deleted_messages,
    ),
    (
        "restore_deleted_messages",
        Need::Change,
        Subject::User,
        super::messages::restore_deleted_messages,
    ),
    (
        "get_deleted_contacts",
        Need::Read,
        Subject::User,
        super::messages::get_deleted_contacts,
    ),
    (
        "restore_deleted_contacts",
        Need::Change,
        Subject::User,
        super::messages::restore_deleted_contacts,
    ),
    (
        "migration_add",
        Need::Change,
        Subject::Own,
        super::migration::migration_add,
    ),
    (
        "migration_jobs",
        Need::Read,
        Subject::Anyone,
        super::migration::migration_jobs,
    ),
    (
        "migration_status",
        Need::Read,
        Subject::Anyone,
        super::migration::migration_status,
    ),
    (
        "migration_trace",
        Need::Read,
        Subject::Anyone,
        super::migration::migration_trace,
    ),
    (
        "stats_list",
        Need::Read,
        Subject::Company,
        super::stats::stats_list,
    ),
    (
        "stats_snapshot",
        Need::Read,
        Subject::Own,
        super::stats::stats_snapshot,
    ),
    (
        "stats_summary",
        Need::Read,
        Subject::Company,
        super::stats::stats_summary,
    ),
    (
        "reset_email_test",
        Need::Manage,
        Subject::Company,
        super::company::reset_email_test,
    ),
];

/// The names of every method answered, in the table's order.
pub fn methods() -> impl Iterator<Item = &'static str> {
    METHODS.iter().map(|m| m.0)
}

/// Runs `method` for an authenticated caller (the mail console's pages call
/// the API's methods so): the access check, then the method. `Err` is the
/// error number and text.
pub fn run(
    app: &App,
    admin: &Admin,
    method: &str,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Result<Map<String, Value>, (u8, String)> {
    let Some(&(_, need, subject, run)) = METHODS.iter().find(|m| m.0 == method) else {
        return Err((errors::BAD_REQUEST, format!("Unknown method '{method}'")));
    };
    access::check(app, admin, need, subject, req)
        .and_then(|()| run(app, admin, req, peer))
        .map_err(|Failure(n, text)| (n, text))
}

/// Answers `POST /api/<method>` with `body`.
pub fn handle(app: &App, method: &str, body: &[u8], peer: IpAddr) -> ApiReply {
    let Some(&(name, need, subject, run)) = METHODS.iter().find(|m| m.0 == method) else {
        return ApiReply {
            status: 200,
            body: json!({"success": false, "error": format!("Unknown method '{method}'"), "error_number": errors::BAD_REQUEST}),
            caller: None,
            counted: None,
        };
    };
    let req: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => {
            return ApiReply {
                status: 200,
                body: json!({"success": false, "error": format!("Malformed JSON: {e}"), "error_number": errors::BAD_REQUEST}),
                caller: None,
                counted: None,
            };
        }
    };
    let mut who = None;
    let mut counted = None;
    let outcome = match req.as_object() {
        Some(obj) => caller(app, obj, peer).and_then(|admin| {
            who = Some(admin.username.clone());
            counted = Some((admin.company_id, name));
            access::check(app, &admin, need, subject, obj)?;
            run(app, &admin, obj, peer)
        }),
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
        counted,
    }
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
    // A company's mailbox user calls as itself, with the roles it holds.
    if user.contains('@') && app.store.mail_admin(user)?.is_none() {
        return super::tokens::user_caller(app, req, peer);
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
fn push_domain(app: &App, admin: &Admin, req: &Map<String, Value>, peer: IpAddr) -> Outcome {
    let domain = req
        .get("domain")
        .ok_or_else(|| missing("domain"))?
        .as_str()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| bad("domain", "must be a domain name"))?;
    let gaining = super::request::company_id(
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

fn change_company(app: &App, admin: &Admin, req: &Map<String, Value>, peer: IpAddr) -> Outcome {
    let id = admin.company_id;
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
                let cid = super::request::company_id(v, &format!("domain_push_allowed[{i}]"))?;
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
    let mut settings = Vec::new();
    for (k, v) in attrs {
        if k == "domain_push_allowed" || k == "domain_push_notify" {
            continue;
        }
        let kept =
            mail_attributes::check(mail_attributes::COMPANY, k, v).map_err(|why| bad(k, &why))?;
        settings.push((k.clone(), kept));
    }
    let company = app
        .store
        .mail_company(id)?
        .ok_or_else(|| super::request::no_such(&format!("company {id}")))?;
    let new = mail_attributes::apply(&company.settings, &settings);
    let a = super::request::audit(
        admin,
        "change_company",
        &format!("company:{id}"),
        peer,
        app.now(),
    );
    match app.store.change_mail_company(
        id,
        (!settings.is_empty()).then_some((new.as_str(), company.settings.as_str())),
        (allowed.as_deref(), notify),
        &a,
    )? {
        Written::Done(()) => Ok(Map::new()),
        Written::Stopped(_) => Err(Failure(
            errors::INTERNAL,
            "The company changed meanwhile; please try again".into(),
        )),
    }
}

fn get_company(app: &App, admin: &Admin, _req: &Map<String, Value>, _peer: IpAddr) -> Outcome {
    let id = admin.company_id;
    let c = app.store.mail_company(id)?.ok_or_else(|| {
        Failure(
            errors::NO_SUCH_OBJECT,
            format!("Object does not exist: company {id}"),
        )
    })?;
    let mut out = Map::new();
    let mut attributes = mail_attributes::own(mail_attributes::COMPANY, &c.settings);
    attributes.extend(
        json!({
            "company_id": c.id,
            "name": c.name,
            "cluster": c.cluster,
            "billing_cycle": c.billing_cycle,
            "domain_push_allowed": c.push_allowed,
            "domain_push_notify": c.push_notify,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
    );
    let mut settable: Vec<&str> = mail_attributes::names(mail_attributes::COMPANY)
        .chain(["domain_push_allowed", "domain_push_notify"])
        .collect();
    settable.sort_unstable();
    out.insert("attributes".into(), Value::Object(attributes));
    out.insert("settable_attribute".into(), json!(settable));
    out.insert(
        "metadata".into(),
        json!({
            // The cluster's defaults: opsd has none of its own (*chosen*).
            "inherit": mail_attributes::inherit(mail_attributes::COMPANY, &[]),
            "bulletins": super::bulletins::listed(app, c.id, "")?,
        }),
    );
    Ok(out)
}

/// echo: the request back, as documented, without its credentials (opsd
/// never writes a secret back).
fn echo(_app: &App, _admin: &Admin, req: &Map<String, Value>, _peer: IpAddr) -> Outcome {
    let mut out = req.clone();
    out.remove("credentials");
    out.remove("success");
    Ok(out)
}

fn authenticate_call(app: &App, admin: &Admin, req: &Map<String, Value>, peer: IpAddr) -> Outcome {
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
        let token = issue(app, admin, "session", secs, peer)?;
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
    let named = req.get("user").and_then(Value::as_str);
    // A mailbox user's own token.
    if admin.mailbox.is_some() && named.is_none_or(|u| u.eq_ignore_ascii_case(&admin.username)) {
        let mut own = req.clone();
        own.insert("user".into(), json!(admin.username));
        return super::tokens::user_token(app, admin, &own, peer);
    }
    if let Some(user) = named
        && user != admin.username
    {
        // A mailbox user of the company's (OpenSRS's SSO tokens).
        if user.contains('@') {
            access::check(app, admin, Need::Token, Subject::User, req)?;
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
        Some(v) => super::request::integer(v)
            .filter(|h| (1..=TOKEN_MAX_HOURS).contains(h))
            .ok_or_else(|| bad("duration", "must be 1 to 168 hours"))?,
    };
    let token = issue(app, admin, "token", hours * 3600, peer)?;
    let mut out = Map::new();
    out.insert("token".into(), Value::String(token));
    out.insert("duration".into(), json!(hours));
    Ok(out)
}

fn issue(app: &App, admin: &Admin, kind: &str, secs: i64, peer: IpAddr) -> Result<String, Failure> {
    let token = auth::random_hex(20);
    if let Some(mailbox_id) = admin.mailbox {
        // A mailbox user's session is one of its own tokens.
        let now = app.now();
        let kept = crate::store::NewUserToken {
            token_hash: &auth::token_hash(&token),
            mailbox_id,
            kind: crate::rules::mail_users::TokenKind::Session.as_str(),
            oma: true,
            reason: "authenticate",
            expires_at: now + secs,
        };
        let a = super::request::audit(admin, "authenticate", &admin.username, peer, now);
        app.store.add_mail_user_token(&kept, now, &a)?;
        return Ok(token);
    }
    app.store.add_mail_token(
        &auth::token_hash(&token),
        admin.id,
        kind,
        app.now() + secs,
        admin.via_token,
    )?;
    Ok(token)
}
