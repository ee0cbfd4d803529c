//! The Email API's company-wide reads: get_company_changes (every change the
//! company's administrators made, oldest first: *chosen*, the documentation
//! calls it a summary of the changes made to a company), search_brands (the
//! company's brands with how many domains and users each is applied to) and
//! search_brand_members (those domains and users).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_users;

use super::Admin;
use super::failure::{Outcome, bad, missing};
use super::request::{no_such, range_of};

pub(super) fn get_company_changes(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    if req.get("company").is_none_or(Value::is_null) {
        return Err(missing("company"));
    }
    super::changes::changes_of(app, admin, None, req)
}

/// A brand: its name, whether deleted, its domains and its users.
type Brand = (String, bool, Vec<String>, Vec<String>);

/// Every named brand of the caller's company, the members by name.
fn brands(app: &App, admin: &Admin) -> Result<Vec<Brand>, super::failure::Failure> {
    let domains = app.store.mail_domains_of(admin.company_id)?;
    let mut out = Vec::new();
    for (id, name, deleted) in app.store.mail_brands_of(admin.company_id)? {
        let ds: Vec<String> = domains
            .iter()
            .filter(|d| d.brand_id == Some(id))
            .map(|d| d.name.clone())
            .collect();
        out.push((name, deleted, ds, Vec::new()));
    }
    for d in &domains {
        for u in app.store.mail_users_of(admin.company_id, &d.name)? {
            let attrs: Map<String, Value> = serde_json::from_str(&u.attributes).unwrap_or_default();
            if let Some(b) = attrs.get("brand").and_then(Value::as_str)
                && let Some(entry) = out.iter_mut().find(|e| e.0.eq_ignore_ascii_case(b))
            {
                entry.3.push(u.address());
            }
        }
    }
    Ok(out)
}

fn page(req: &Map<String, Value>, key: &str, rows: Vec<Value>) -> Outcome {
    let (first, limit) = range_of(req)?;
    let total = rows.len();
    let list: Vec<Value> = rows.into_iter().skip(first).take(limit).collect();
    let mut out = Map::new();
    out.insert("count".into(), json!(list.len()));
    out.insert("total_count".into(), json!(total));
    out.insert(key.into(), Value::Array(list));
    Ok(out)
}

pub(super) fn search_brands(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let criteria = req.get("criteria").and_then(Value::as_object);
    let pattern = criteria
        .and_then(|c| c.get("match"))
        .and_then(Value::as_str);
    let deleted = match criteria.and_then(|c| c.get("deleted")) {
        None | Some(Value::Null) => false,
        Some(v) => v
            .as_bool()
            .ok_or_else(|| bad("criteria.deleted", "must be true or false"))?,
    };
    let rows = brands(app, admin)?
        .into_iter()
        .filter(|(name, del, _, _)| {
            *del == deleted && pattern.is_none_or(|p| mail_users::wildcard(p, name))
        })
        .map(|(name, _, ds, us)| {
            json!({
                "brand": name,
                "counts": {"domain": ds.len(), "user": us.len(), "total": ds.len() + us.len()},
            })
        })
        .collect();
    page(req, "brands", rows)
}

pub(super) fn search_brand_members(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let criteria = req
        .get("criteria")
        .ok_or_else(|| missing("criteria"))?
        .as_object()
        .ok_or_else(|| bad("criteria", "must be an object"))?;
    let brand = criteria
        .get("brand")
        .ok_or_else(|| missing("criteria.brand"))?
        .as_str()
        .ok_or_else(|| bad("criteria.brand", "must be a brand name"))?;
    let types: Vec<String> = match criteria.get("type") {
        None | Some(Value::Null) => vec!["domain".into(), "user".into()],
        Some(Value::Array(t)) => t
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_ascii_lowercase)
                    .filter(|t| t == "domain" || t == "user")
                    .ok_or_else(|| bad("criteria.type", "must list domain and/or user"))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("criteria.type", "must list domain and/or user")),
    };
    // Brand names are matched regardless of case, as the documentation's
    // example asks for "april10" of "April10".
    let Some((_, _, ds, us)) = brands(app, admin)?
        .into_iter()
        .find(|(name, del, _, _)| !del && name.eq_ignore_ascii_case(brand.trim()))
    else {
        return Err(no_such(&format!("brand '{brand}'")));
    };
    let mut rows = Vec::new();
    if types.iter().any(|t| t == "domain") {
        rows.extend(
            ds.into_iter()
                .map(|d| json!({"type": "domain", "member": d})),
        );
    }
    if types.iter().any(|t| t == "user") {
        rows.extend(us.into_iter().map(|u| json!({"type": "user", "member": u})));
    }
    page(req, "brand_members", rows)
}

/// reset_email_test: the password-reset notices a brand's users would get,
/// sent to `test_email_rcpt` (one address or a list of at most 10, *chosen*)
/// through the outbox, as documented.
pub(super) fn reset_email_test(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let to: Vec<String> = match req.get("test_email_rcpt") {
        None | Some(Value::Null) => return Err(missing("test_email_rcpt")),
        Some(Value::String(s)) => vec![s.trim().to_string()],
        Some(Value::Array(l)) => l
            .iter()
            .map(|v| v.as_str().map(|s| s.trim().to_string()))
            .collect::<Option<_>>()
            .ok_or_else(|| bad("test_email_rcpt", "must be addresses"))?,
        Some(_) => return Err(bad("test_email_rcpt", "must be addresses")),
    };
    if to.is_empty() || to.len() > 10 || !to.iter().all(|a| crate::mail::plausible_address(a)) {
        return Err(bad("test_email_rcpt", "must be 1 to 10 email addresses"));
    }
    let brand = match req.get("brand") {
        None | Some(Value::Null) => return Err(missing("brand")),
        Some(v) => match v {
            Value::Number(_) => super::request::integer(v).map(BrandRef::Id),
            Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                s.trim().parse().ok().map(BrandRef::Id)
            }
            Value::String(s) => {
                // Documented: a brand named needs its company.
                if req.get("company").is_none_or(Value::is_null) {
                    return Err(missing("company"));
                }
                Some(BrandRef::Name(s.trim().to_string()))
            }
            _ => None,
        }
        .ok_or_else(|| bad("brand", "must be a brand id or name"))?,
    };
    let found = app
        .store
        .mail_brands_of(admin.company_id)?
        .into_iter()
        .find(|(id, name, deleted)| {
            !deleted
                && match &brand {
                    BrandRef::Id(b) => id == b,
                    BrandRef::Name(n) => name.eq_ignore_ascii_case(n),
                }
        })
        .ok_or_else(|| no_such("brand"))?;
    let mails: Vec<crate::store::Mail> = to
        .iter()
        .map(|a| crate::store::Mail {
            to: a.clone(),
            subject: format!("[{}] Reset your email password", found.1),
            body: format!(
                "This is a test of the password reset notice of brand {}.\n\nA user of this brand who asks to reset a password gets this notice, with a link to choose a new one.\n",
                found.1
            ),
        })
        .collect();
    let now = app.now();
    let a = super::request::audit(
        admin,
        "reset_email_test",
        &format!("company:{}", admin.company_id),
        peer,
        now,
    );
    let post = format!("{}-{}", found.0, crate::auth::random_hex(6));
    app.store
        .queue_mail_notices("mail_brand_test", &mails, &post, now, &a)?;
    Ok(Map::new())
}

/// A brand by id or by name.
enum BrandRef {
    Id(i64),
    Name(String),
}
