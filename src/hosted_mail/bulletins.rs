//! The Email API's bulletins: get/change/post_company_bulletin and
//! get/change/post_domain_bulletin. A bulletin is kept by the company or one of
//! its domains under a name and a kind (`rules::bulletins`); change makes,
//! replaces or (without `bulletin_text`) deletes it; post mails it through the
//! outbox to every mailbox of the domain or of the company (or only to
//! `test_email`); a new mailbox gets the `auto` ones of its company and domain.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::bulletins::{self, Recipient};
use crate::status::MailUserKind;
use crate::store::{BulletinChange, BulletinKey, Mail};

use super::Admin;
use super::failure::{Failure, Outcome, bad, missing};
use super::request::{audit, domain_of, held, mail_date, no_such};

/// The bulletins `get_company`/`get_domain` list: `{"auto": [..], "manual": [..]}`.
pub(super) fn listed(app: &App, company_id: i64, domain: &str) -> Result<Value, Failure> {
    let mut out = json!({"auto": [], "manual": []});
    for (kind, name, created) in app.store.mail_bulletins(company_id, domain)? {
        if let Some(Value::Array(list)) = out.get_mut(&kind) {
            list.push(json!({"bulletin": name, "createtime": created}));
        }
    }
    Ok(out)
}

/// The auto bulletins of the company and of the domain of `account`, a new
/// mailbox, for it.
pub(super) fn welcome(
    app: &App,
    company_id: i64,
    account: &str,
    (name, title): (&str, &str),
) -> Result<Vec<Mail>, Failure> {
    let domain = account.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
    let to = Recipient {
        account,
        domain,
        name,
        title,
    };
    let mut mails = Vec::new();
    for scope in ["", domain] {
        for (kind, bulletin, _) in app.store.mail_bulletins(company_id, scope)? {
            if kind != "auto" {
                continue;
            }
            let key = BulletinKey {
                company_id,
                domain: scope,
                kind: "auto",
                name: &bulletin,
            };
            if let Some(text) = app.store.mail_bulletin(&key)? {
                mails.push(bulletins::render(&text, &bulletin, &to));
            }
        }
    }
    Ok(mails)
}

/// The request's `bulletin` and `type`.
fn named(req: &Map<String, Value>) -> Result<(String, &'static str), Failure> {
    let name = req
        .get("bulletin")
        .ok_or_else(|| missing("bulletin"))?
        .as_str()
        .map(str::trim)
        .filter(|n| bulletins::name_ok(n))
        .ok_or_else(|| bad("bulletin", "must be a name of 1 to 128 characters"))?;
    let kind = req
        .get("type")
        .ok_or_else(|| missing("type"))?
        .as_str()
        .and_then(bulletins::kind)
        .ok_or_else(|| bad("type", "must be auto or manual"))?;
    Ok((name.to_string(), kind))
}

/// The domain a domain bulletin call names (the caller's), or `""` for the
/// company's.
fn scope(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    company: bool,
) -> Result<String, Failure> {
    if company {
        return Ok(String::new());
    }
    let d = domain_of(req)?;
    held(app, admin, &d)?;
    Ok(d)
}

fn get(app: &App, admin: &Admin, req: &Map<String, Value>, company: bool) -> Outcome {
    let domain = scope(app, admin, req, company)?;
    let (name, kind) = named(req)?;
    let key = BulletinKey {
        company_id: admin.company_id,
        domain: &domain,
        kind,
        name: &name,
    };
    let text = app
        .store
        .mail_bulletin(&key)?
        .ok_or_else(|| no_such(&format!("{kind} bulletin '{name}'")))?;
    let mut out = Map::new();
    out.insert("bulletin_text".into(), json!(text));
    Ok(out)
}

fn change(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
    company: bool,
) -> Outcome {
    let domain = scope(app, admin, req, company)?;
    let (name, kind) = named(req)?;
    let text = match req.get("bulletin_text") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t.len() <= bulletins::MAX_TEXT => Some(with_date(t, app.now())),
        Some(Value::String(_)) => return Err(bad("bulletin_text", "at most 64 KiB")),
        Some(_) => return Err(bad("bulletin_text", "must be a raw email")),
    };
    let key = BulletinKey {
        company_id: admin.company_id,
        domain: &domain,
        kind,
        name: &name,
    };
    let subject = if company {
        format!("company:{}", admin.company_id)
    } else {
        domain.clone()
    };
    let a = audit(
        admin,
        &format!("change_bulletin {kind} {name}"),
        &subject,
        peer,
        app.now(),
    );
    match app
        .store
        .change_mail_bulletin(&key, text.as_deref(), app.now(), &a)?
    {
        BulletinChange::NotFound => Err(no_such(&format!("{kind} bulletin '{name}'"))),
        _ => Ok(Map::new()),
    }
}

/// Documented: a bulletin without a Date header gets one, the day it was
/// posted; opsd adds it when the bulletin is kept (*chosen*).
fn with_date(text: &str, now: i64) -> String {
    let head = text.replace("\r\n", "\n");
    let head = head.split("\n\n").next().unwrap_or_default();
    if head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("date:"))
    {
        return text.to_string();
    }
    format!("Date: {}\n{text}", mail_date(now))
}

fn post(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
    company: bool,
) -> Outcome {
    let domain = scope(app, admin, req, company)?;
    let (name, kind) = named(req)?;
    let key = BulletinKey {
        company_id: admin.company_id,
        domain: &domain,
        kind,
        name: &name,
    };
    let text = app
        .store
        .mail_bulletin(&key)?
        .ok_or_else(|| no_such(&format!("{kind} bulletin '{name}'")))?;
    let mut mails = Vec::new();
    match req.get("test_email") {
        None | Some(Value::Null) => {
            let domains: Vec<String> = if company {
                app.store
                    .mail_domains_of(admin.company_id)?
                    .into_iter()
                    .map(|d| d.name)
                    .collect()
            } else {
                vec![domain.clone()]
            };
            for d in &domains {
                if app
                    .store
                    .mail_domain_state(admin.company_id, d)?
                    .is_some_and(|s| s.disabled)
                {
                    continue;
                }
                for u in app.store.mail_users_of(admin.company_id, d)? {
                    if u.kind != MailUserKind::Mailbox {
                        continue;
                    }
                    let attrs: Map<String, Value> =
                        serde_json::from_str(&u.attributes).unwrap_or_default();
                    let text_of = |k: &str| {
                        attrs
                            .get(k)
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string()
                    };
                    let (who, title) = (text_of("name"), text_of("title"));
                    let account = u.address();
                    mails.push(bulletins::render(
                        &text,
                        &name,
                        &Recipient {
                            account: &account,
                            domain: d,
                            name: &who,
                            title: &title,
                        },
                    ));
                }
            }
        }
        Some(v) => {
            let to = v
                .as_str()
                .map(str::trim)
                .filter(|t| crate::mail::plausible_address(t))
                .ok_or_else(|| bad("test_email", "must be an email address"))?;
            let d = to.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
            mails.push(bulletins::render(
                &text,
                &name,
                &Recipient {
                    account: to,
                    domain: d,
                    name: "",
                    title: "",
                },
            ));
        }
    }
    let now = app.now();
    let subject = if company {
        format!("company:{}", admin.company_id)
    } else {
        domain.clone()
    };
    let a = audit(
        admin,
        &format!("post_bulletin {kind} {name}"),
        &subject,
        peer,
        now,
    );
    let post_id = format!("{}-{}-{now}", admin.company_id, crate::auth::random_hex(6));
    app.store
        .queue_mail_notices("mail_bulletin", &mails, &post_id, now, &a)?;
    Ok(Map::new())
}

pub(super) fn get_company_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    get(app, admin, req, true)
}

pub(super) fn get_domain_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    get(app, admin, req, false)
}

pub(super) fn change_company_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    change(app, admin, req, peer, true)
}

pub(super) fn change_domain_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    change(app, admin, req, peer, false)
}

pub(super) fn post_company_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    post(app, admin, req, peer, true)
}

pub(super) fn post_domain_bulletin(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    post(app, admin, req, peer, false)
}
