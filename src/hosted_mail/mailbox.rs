//! The Email API's methods on one user's own things: get_user_attribute_history
//! (the values an attribute took, by time), logout_user (every session and
//! token ended), user_notify (its unseen Inbox mail counted), user_disable_2fa,
//! app_password (at most four, each shown once), get_sieve and set_sieve (named
//! rulesets, one active, kept with the user's attributes).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::auth;
use crate::store::{MailUser, UserWrite, Written};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, exists, missing};
use super::request::{audit, no_such};
use super::users::existing;

/// Documented: the most application passwords a user has.
const MAX_APP_PASSWORDS: usize = 4;
/// The default ruleset's name, as documented.
const DEFAULT_RULESET: &str = "managesieve";
/// Where a user's rulesets and active rule are kept in its attributes.
const RULESETS: &str = "sieve_rulesets";
const ACTIVE: &str = "sieve_active";

pub(super) fn get_user_attribute_history(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let attribute = req
        .get("attribute")
        .ok_or_else(|| missing("attribute"))?
        .as_str()
        .ok_or_else(|| bad("attribute", "must be an attribute name"))?;
    if attribute == "password" {
        return Err(Failure(
            errors::NO_PERMISSION,
            "A password's history is never shown".into(),
        ));
    }
    let mut history = Map::new();
    for (at, value) in app.store.mail_attribute_history(u.id, attribute)? {
        history.insert(
            at.to_string(),
            serde_json::from_str(&value).unwrap_or(Value::Null),
        );
    }
    let mut out = Map::new();
    out.insert("history".into(), Value::Object(history));
    Ok(out)
}

pub(super) fn logout_user(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let a = audit(admin, "logout_user", &address, peer, app.now());
    app.store.end_mail_user_sessions(u.id, &a)?;
    Ok(Map::new())
}

/// *Chosen*: the documentation's page says only that it checks the user's
/// Inbox for unseen mail; opsd answers how many there are (`unseen`).
pub(super) fn user_notify(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let mut out = Map::new();
    out.insert(
        "unseen".into(),
        json!(app.store.mail_unseen(u.id, "INBOX")?),
    );
    Ok(out)
}

/// Rewrites the user's attributes with `edit`, as its own change.
fn rewrite(
    app: &App,
    admin: &Admin,
    (u, address): (&MailUser, &str),
    action: &str,
    peer: IpAddr,
    edit: impl FnOnce(&mut Map<String, Value>),
) -> Result<(), Failure> {
    let mut attrs: Map<String, Value> = serde_json::from_str(&u.attributes).unwrap_or_default();
    edit(&mut attrs);
    let attributes = Value::Object(attrs).to_string();
    let now = app.now();
    let w = UserWrite {
        company_id: admin.company_id,
        domain: &u.domain,
        local_part: &u.local_part,
        create: false,
        kind: u.kind,
        workgroup: &u.workgroup,
        attributes: &attributes,
        password_hash: None,
        aliases: None,
        now,
        welcome: &[],
        history: &[],
        limits: (None, None),
    };
    match app
        .store
        .write_mail_user(&w, &audit(admin, action, address, peer, now))?
    {
        Written::Done(()) => Ok(()),
        Written::Stopped(_) => Err(no_such(&format!("user '{address}'"))),
    }
}

/// Two-factor logins belong to webmail, which the sandbox has not: no user
/// has it on, and turning it off leaves it off (the change is audited).
pub(super) fn user_disable_2fa(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    rewrite(app, admin, (&u, &address), "user_disable_2fa", peer, |a| {
        a.remove("2fa_enabled");
    })?;
    Ok(Map::new())
}

pub(super) fn app_password(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let mode = req
        .get("mode")
        .ok_or_else(|| missing("mode"))?
        .as_str()
        .ok_or_else(|| bad("mode", "must be add or remove"))?;
    let tag = match req.get("tag") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .map(str::trim)
                .filter(|t| {
                    (1..=64).contains(&t.len())
                        && t.chars().all(|c| c.is_ascii_graphic() || c == ' ')
                })
                .ok_or_else(|| bad("tag", "must be 1 to 64 ASCII characters"))?,
        ),
    };
    let now = app.now();
    match mode {
        "add" => {
            let tag = match tag {
                Some(t) => t.to_string(),
                None => format!("app-{now}"),
            };
            let password = auth::random_hex(8);
            let hash = auth::hash_password(&password)
                .map_err(|e| Failure(errors::INTERNAL, format!("Server error: {e}")))?;
            let a = audit(admin, "app_password add", &address, peer, now);
            if !app
                .store
                .add_mail_app_password(u.id, (&tag, &hash), MAX_APP_PASSWORDS, now, &a)?
            {
                return Err(exists(&format!(
                    "application password '{tag}' (or the user has {MAX_APP_PASSWORDS} already)"
                )));
            }
            let mut out = Map::new();
            out.insert("password".into(), json!(password));
            out.insert("tag".into(), json!(tag));
            Ok(out)
        }
        "remove" => {
            let tag = tag.ok_or_else(|| missing("tag"))?;
            let a = audit(admin, "app_password remove", &address, peer, now);
            if !app.store.remove_mail_app_password(u.id, tag, &a)? {
                return Err(no_such(&format!("application password '{tag}'")));
            }
            Ok(Map::new())
        }
        _ => Err(bad("mode", "must be add or remove")),
    }
}

/// The user's rulesets and active one, as kept.
fn rulesets(u: &MailUser) -> (Map<String, Value>, Option<String>) {
    let attrs: Map<String, Value> = serde_json::from_str(&u.attributes).unwrap_or_default();
    let sets = attrs
        .get(RULESETS)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let active = attrs
        .get(ACTIVE)
        .and_then(Value::as_str)
        .map(str::to_string);
    (sets, active)
}

pub(super) fn get_sieve(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let (sets, active) = rulesets(&u);
    let mut out = Map::new();
    out.insert("rulesets".into(), Value::Object(sets));
    out.insert("active_rule".into(), json!(active));
    Ok(out)
}

pub(super) fn set_sieve(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let name_ok = |s: &str| (1..=64).contains(&s.len()) && s.chars().all(|c| c.is_ascii_graphic());
    let ruleset = match req.get("ruleset") {
        None | Some(Value::Null) => DEFAULT_RULESET.to_string(),
        Some(v) => v
            .as_str()
            .filter(|s| name_ok(s))
            .ok_or_else(|| bad("ruleset", "must be 1 to 64 ASCII characters"))?
            .to_string(),
    };
    let data = match req.get("data") {
        None => return Err(missing("data")),
        Some(Value::Null) => None,
        Some(Value::String(s)) if s.len() <= 64 * 1024 => Some(s.clone()),
        Some(_) => {
            return Err(bad(
                "data",
                "must be a sieve script of at most 64 KiB, or null",
            ));
        }
    };
    let active = match req.get("active_rule") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .filter(|s| name_ok(s))
                .ok_or_else(|| bad("active_rule", "must be a ruleset's name"))?
                .to_string(),
        ),
    };
    let (mut sets, was_active) = rulesets(&u);
    let verb = match &data {
        Some(d) => {
            sets.insert(ruleset.clone(), json!(d));
            "updated"
        }
        None => {
            if sets.remove(&ruleset).is_none() {
                return Err(no_such(&format!("ruleset '{ruleset}'")));
            }
            "deleted"
        }
    };
    if let Some(a) = &active
        && !sets.contains_key(a)
    {
        return Err(no_such(&format!("ruleset '{a}'")));
    }
    let new_active = active
        .clone()
        .or(was_active.clone().filter(|a| sets.contains_key(a)));
    rewrite(app, admin, (&u, &address), "set_sieve", peer, |attrs| {
        attrs.insert(RULESETS.into(), Value::Object(sets));
        match &new_active {
            Some(a) => attrs.insert(ACTIVE.into(), json!(a)),
            None => attrs.remove(ACTIVE),
        };
    })?;
    let mut out = Map::new();
    out.insert("rulesets".into(), json!({ ruleset: verb }));
    if let Some(a) = active {
        let said = if was_active.as_deref() == Some(a.as_str()) {
            format!("already set to {a}")
        } else {
            format!("updated to {a}")
        };
        out.insert("active_rule".into(), json!(said));
    }
    Ok(out)
}
