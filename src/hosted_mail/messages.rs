//! The Email API's methods on a user's mail: get_user_folders,
//! get_user_messages (a folder's messages with their headers, unseen only,
//! newest first, limited), move_user_messages, reindex (a request and its
//! state), get/restore_deleted_messages and get/restore_deleted_contacts (what
//! was deleted in the last 14 days). A message's or a contact's id is the
//! store's, as text; each id of a move or restore answers for itself.

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::auth;
use crate::rules::mail_folders::{self, RESTORE_DAYS};
use crate::store::{MailItem, StoredMessage};

use super::Admin;
use super::failure::{Failure, Outcome, bad, errors, missing};
use super::request::{audit, mail_date, no_such};
use super::users::existing;

/// The documented contact fields, in the documentation's order.
const CONTACT_FIELDS: [&str; 12] = [
    "company",
    "email",
    "firstname",
    "home_addr",
    "home_phone",
    "lastname",
    "mobile_phone",
    "nickname",
    "notes",
    "title",
    "work_address",
    "work_phone",
];

/// A message's headers, as the documentation lists them per message.
fn headers(m: &StoredMessage, to: &str) -> Map<String, Value> {
    let mut h = Map::new();
    h.insert("Subject".into(), json!(m.subject));
    h.insert("From".into(), json!(m.sender));
    h.insert("To".into(), json!(to));
    h.insert("Date".into(), json!(mail_date(m.received_at)));
    h
}

/// The request's `folder`, or INBOX.
fn folder_of(req: &Map<String, Value>) -> Result<String, super::failure::Failure> {
    match req.get("folder") {
        None | Some(Value::Null) => Ok("INBOX".into()),
        Some(v) => v
            .as_str()
            .filter(|f| mail_folders::folder_ok(f))
            .map(str::to_string)
            .ok_or_else(|| bad("folder", "must be a folder name")),
    }
}

/// The request's `ids`: a list of texts.
fn ids_of(req: &Map<String, Value>) -> Result<Vec<String>, super::failure::Failure> {
    let items = req
        .get("ids")
        .ok_or_else(|| missing("ids"))?
        .as_array()
        .ok_or_else(|| bad("ids", "must be a list of ids"))?;
    if items.len() > 1_000 {
        return Err(bad("ids", "at most 1,000 ids"));
    }
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad("ids", "must be a list of ids"))
        })
        .collect()
}

/// One id's answer in a multi-object reply.
fn outcome(id: &str, done: bool) -> Value {
    if done {
        json!({"success": true, "id": id})
    } else {
        json!({"success": false, "error_number": errors::NO_SUCH_OBJECT, "error": "The requested object does not exist", "id": id})
    }
}

fn flag(req: &Map<String, Value>, k: &str) -> Result<bool, super::failure::Failure> {
    match req.get(k) {
        None | Some(Value::Null) => Ok(false),
        Some(v) => v.as_bool().ok_or_else(|| bad(k, "must be true or false")),
    }
}

pub(super) fn get_user_folders(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let (folders, deleted) = mail_folders::folders(&app.store.mail_messages(u.id)?);
    let mut out = Map::new();
    out.insert("folders".into(), json!(folders));
    out.insert("deleted_folders".into(), json!(deleted));
    Ok(out)
}

pub(super) fn get_user_messages(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let folder = folder_of(req)?;
    let all = app.store.mail_messages(u.id)?;
    if !mail_folders::folders(&all).0.contains(&folder) {
        return Err(no_such(&format!("folder '{folder}'")));
    }
    let unseen = flag(req, "unseen")?;
    let recent = flag(req, "recent")?;
    let limit = match req.get("limit") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            super::request::integer(v)
                .filter(|n| *n >= 0)
                .ok_or_else(|| bad("limit", "must be a number"))? as usize,
        ),
    };
    let mut list: Vec<&StoredMessage> = all
        .iter()
        .filter(|m| m.deleted_at.is_none() && m.folder == folder && (!unseen || !m.seen))
        .collect();
    // Documented: `recent` orders newest first, and applies with `limit` only.
    if recent && limit.is_some() {
        list.reverse();
    }
    let messages: Vec<Value> = list
        .into_iter()
        .take(limit.unwrap_or(usize::MAX))
        .map(|m| json!({"id": m.id.to_string(), "headers": headers(m, &address)}))
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(messages.len()));
    out.insert("messages".into(), Value::Array(messages));
    Ok(out)
}

pub(super) fn move_user_messages(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let folder = folder_of(req)?;
    each_id(req, |n| {
        let a = audit(
            admin,
            &format!("move_user_messages to {folder}"),
            &address,
            peer,
            app.now(),
        );
        Ok(app.store.move_mail_message(u.id, n, &folder, &a)?)
    })
}

pub(super) fn reindex(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let now = app.now();
    let mut out = Map::new();
    // Documented: with `id`, the request's state; `folder` is then ignored.
    if let Some(v) = req.get("id").filter(|v| !v.is_null()) {
        let id = v
            .as_str()
            .ok_or_else(|| bad("id", "must be a reindex id"))?;
        let made = app
            .store
            .mail_reindex(u.id, id)?
            .ok_or_else(|| no_such(&format!("reindex '{id}'")))?;
        out.insert("status".into(), json!(mail_folders::job_state(now - made)));
        out.insert("id".into(), json!(id));
        return Ok(out);
    }
    let folder = match req.get("folder") {
        None | Some(Value::Null) => None,
        Some(_) => {
            let f = folder_of(req)?;
            if !mail_folders::folders(&app.store.mail_messages(u.id)?)
                .0
                .contains(&f)
            {
                return Err(no_such(&format!("folder '{f}'")));
            }
            Some(f)
        }
    };
    let id = auth::random_hex(16);
    app.store
        .add_mail_reindex(&id, u.id, folder.as_deref(), now)?;
    out.insert("status".into(), json!(mail_folders::job_state(0)));
    out.insert("id".into(), json!(id));
    Ok(out)
}

pub(super) fn get_deleted_messages(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    // The PHP toolkit's demo wraps the fields in `attributes`.
    let fields = match req.get("attributes").and_then(Value::as_object) {
        Some(a) => a,
        None => req,
    };
    let folder = match fields.get("folder") {
        None | Some(Value::Null) => None,
        Some(_) => Some(folder_of(fields)?),
    };
    let wanted: Option<Vec<String>> = match fields.get("headers") {
        None | Some(Value::Null) => None,
        Some(Value::Array(h)) => Some(
            h.iter()
                .filter_map(Value::as_str)
                .map(str::to_ascii_lowercase)
                .collect(),
        ),
        Some(_) => return Err(bad("headers", "must be a list of header names")),
    };
    let since = app.now() - RESTORE_DAYS * 86_400;
    let messages: Vec<Value> = app
        .store
        .mail_messages(u.id)?
        .iter()
        .filter(|m| m.deleted_at.is_some_and(|d| d >= since))
        .filter(|m| folder.as_ref().is_none_or(|f| *f == m.folder))
        .map(|m| {
            let mut h = headers(m, &address);
            if let Some(w) = &wanted {
                h.retain(|k, _| w.contains(&k.to_ascii_lowercase()));
            }
            json!({"id": m.id.to_string(), "folder": m.folder, "headers": h})
        })
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(messages.len()));
    out.insert("messages".into(), Value::Array(messages));
    Ok(out)
}

pub(super) fn restore_deleted_messages(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    restore(app, admin, req, peer, MailItem::Message)
}

pub(super) fn get_deleted_contacts(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (u, _) = existing(app, admin, req)?;
    let since = app.now() - RESTORE_DAYS * 86_400;
    let contacts: Vec<Value> = app
        .store
        .mail_contacts(u.id)?
        .into_iter()
        .filter(|(_, _, deleted)| deleted.is_some_and(|d| d >= since))
        .map(|(id, data, _)| {
            let kept: Map<String, Value> = serde_json::from_str(&data).unwrap_or_default();
            let mut c = Map::new();
            for f in CONTACT_FIELDS {
                let v = kept
                    .get(f)
                    .cloned()
                    .unwrap_or_else(|| if f == "notes" { Value::Null } else { json!("") });
                c.insert(f.into(), v);
            }
            c.insert("id".into(), json!(id.to_string()));
            Value::Object(c)
        })
        .collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(contacts.len()));
    out.insert("contacts".into(), Value::Array(contacts));
    Ok(out)
}

pub(super) fn restore_deleted_contacts(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    restore(app, admin, req, peer, MailItem::Contact)
}

/// restore_deleted_messages and restore_deleted_contacts: each id brought
/// back when deleted in the last 14 days.
fn restore(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
    item: MailItem,
) -> Outcome {
    let (u, address) = existing(app, admin, req)?;
    let since = app.now() - RESTORE_DAYS * 86_400;
    let action = match item {
        MailItem::Message => "restore_deleted_messages",
        MailItem::Contact => "restore_deleted_contacts",
    };
    each_id(req, |n| {
        let a = audit(admin, action, &address, peer, app.now());
        Ok(app
            .store
            .set_mail_item_deleted(item, u.id, n, (None, since), &a)?)
    })
}

/// A multi-object reply: `done` for each of the request's `ids` (an id that
/// is not a number is one the user has not).
fn each_id(
    req: &Map<String, Value>,
    mut done: impl FnMut(i64) -> Result<bool, Failure>,
) -> Outcome {
    let mut results = Vec::new();
    for id in ids_of(req)? {
        let ok = match id.parse::<i64>() {
            Ok(n) => done(n)?,
            Err(_) => false,
        };
        results.push(outcome(&id, ok));
    }
    let mut out = Map::new();
    out.insert("ids".into(), Value::Array(results));
    Ok(out)
}
