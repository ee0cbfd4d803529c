//! The Email API's statistics: stats_list (the days, Monday-to-Sunday weeks
//! and months since the company's first domain, as documented: the last 30,
//! 52 and 48 complete ones), stats_snapshot (a 15-minute link to a period's
//! CSV) and stats_summary. The sandbox keeps no history of its counts: a
//! snapshot and a summary report the figures as they are when asked — users by
//! type, aliases, stored messages and bytes — and no logins or deliveries, which
//! the sandbox has none of (*chosen*, docs/email.md).

use std::net::IpAddr;

use serde_json::{Map, Value, json};
use time::{Date, Duration, Month, OffsetDateTime, Weekday};

use crate::app::App;
use crate::status::MailUserKind;

use super::Admin;
use super::failure::{Failure, Outcome, bad, missing};
use super::request::no_such;

/// Stats periods: months, weeks and days, each newest last.
type Periods = (Vec<String>, Vec<String>, Vec<String>);

/// The periods with stats.
fn periods(app: &App, admin: &Admin) -> Result<Periods, Failure> {
    let domains = app.store.mail_domains_of(admin.company_id)?;
    let mut first = app.now();
    for d in &domains {
        if let Some(s) = app.store.mail_domain_state(admin.company_id, &d.name)? {
            first = first.min(s.created_at);
        }
    }
    let day = |t: i64| {
        OffsetDateTime::from_unix_timestamp(t)
            .map(|t| t.date())
            .ok()
    };
    let (Some(start), Some(today)) = (day(first), day(app.now())) else {
        return Ok(Default::default());
    };
    let ymd = |d: Date| format!("{:04}{:02}{:02}", d.year(), d.month() as u8, d.day());
    let mut days = Vec::new();
    let mut d = today - Duration::days(1);
    while d >= start && days.len() < 30 {
        days.push(ymd(d));
        d -= Duration::days(1);
    }
    days.reverse();
    let mut weeks = Vec::new();
    // The last complete week ends on the Sunday before today.
    let mut end = today - Duration::days(1);
    while end.weekday() != Weekday::Sunday {
        end -= Duration::days(1);
    }
    while end - Duration::days(6) >= start && weeks.len() < 52 {
        weeks.push(format!("{}-{}", ymd(end - Duration::days(6)), ymd(end)));
        end -= Duration::days(7);
    }
    weeks.reverse();
    let mut months = Vec::new();
    let (mut y, mut m) = (today.year(), today.month().previous());
    if m == Month::December {
        y -= 1;
    }
    let first_month = Date::from_calendar_date(start.year(), start.month(), 1).unwrap_or(start);
    while let Ok(first_day) = Date::from_calendar_date(y, m, 1) {
        if first_day < first_month || months.len() >= 48 {
            break;
        }
        months.push(format!("{y:04}-{:02}", m as u8));
        m = m.previous();
        if m == Month::December {
            y -= 1;
        }
    }
    months.reverse();
    Ok((months, weeks, days))
}

pub(super) fn stats_list(
    app: &App,
    admin: &Admin,
    _req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let (month, week, day) = periods(app, admin)?;
    let mut out = Map::new();
    out.insert(
        "snapshots".into(),
        json!({"month": month, "week": week, "day": day}),
    );
    Ok(out)
}

/// The domains an object names: the company (its name) or one of its domains.
fn domains_of(app: &App, admin: &Admin, kind: &str, object: &str) -> Result<Vec<String>, Failure> {
    match kind {
        "company" => {
            let ours = app
                .store
                .mail_company(admin.company_id)?
                .is_some_and(|c| c.name.eq_ignore_ascii_case(object.trim()));
            if !ours {
                return Err(no_such(&format!("company '{object}'")));
            }
            Ok(app
                .store
                .mail_domains_of(admin.company_id)?
                .into_iter()
                .map(|d| d.name)
                .collect())
        }
        "domain" => {
            let d = object.trim().to_ascii_lowercase();
            if app.store.mail_domain_state(admin.company_id, &d)?.is_none() {
                return Err(no_such(&format!("domain '{object}'")));
            }
            Ok(vec![d])
        }
        _ => Err(bad("type", "must be company or domain")),
    }
}

pub(super) fn stats_snapshot(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let text = |k: &str| -> Result<&str, Failure> {
        req.get(k)
            .ok_or_else(|| missing(k))?
            .as_str()
            .ok_or_else(|| bad(k, "must be text"))
    };
    let (kind, object, date) = (text("type")?, text("object")?, text("date")?);
    let domains = domains_of(app, admin, kind, object)?;
    if kind == "domain" {
        super::access::domain(
            app,
            admin,
            crate::rules::mail_roles::Need::Read,
            &domains[0],
        )?;
    }
    let (m, w, d) = periods(app, admin)?;
    if !m.iter().chain(&w).chain(&d).any(|p| p == date) {
        return Err(no_such(&format!("stats period '{date}'")));
    }
    let object = if kind == "domain" {
        domains[0].clone()
    } else {
        object.trim().to_string()
    };
    let url = super::files::link(app, admin, "snapshot", &format!("{object}:{kind}:{date}"))?;
    let mut out = Map::new();
    out.insert("snapshot".into(), json!(url));
    Ok(out)
}

/// Counts of a domain as they are: (mailboxes, forwards, filters, aliases,
/// messages, bytes).
fn counts(app: &App, company_id: i64, domain: &str) -> Result<[i64; 6], Failure> {
    let mut c = [0i64; 6];
    for u in app.store.mail_users_of(company_id, domain)? {
        match u.kind {
            MailUserKind::Mailbox => c[0] += 1,
            MailUserKind::Forward => c[1] += 1,
            MailUserKind::Filter => c[2] += 1,
        }
        c[3] += u.aliases.len() as i64;
    }
    if let Some(v) = app.store.mail_domain(domain)? {
        c[4] = v.messages;
        c[5] = v.bytes;
    }
    Ok(c)
}

/// The CSV a snapshot link serves, for `object` (`name:type:period`).
pub(super) fn snapshot_csv(app: &App, company_id: i64, object: &str) -> Result<String, Failure> {
    let mut parts = object.rsplitn(3, ':');
    let (Some(period), Some(kind), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(no_such("snapshot"));
    };
    let domains: Vec<String> = match kind {
        "company" => app
            .store
            .mail_domains_of(company_id)?
            .into_iter()
            .map(|d| d.name)
            .collect(),
        _ => vec![name.to_string()],
    };
    let mut csv =
        String::from("period,domain,mailboxes,forwards,filters,aliases,messages,storage_bytes\n");
    for d in domains {
        let [mb, fw, fi, al, msgs, bytes] = counts(app, company_id, &d)?;
        csv.push_str(&format!(
            "{period},{d},{mb},{fw},{fi},{al},{msgs},{bytes}\n"
        ));
    }
    Ok(csv)
}

pub(super) fn stats_summary(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let opt = |k: &str| req.get(k).and_then(Value::as_str);
    let by = match opt("by") {
        None => "month",
        Some(b @ ("day" | "week" | "month")) => b,
        Some(_) => return Err(bad("by", "must be day, week or month")),
    };
    let kind = opt("type").unwrap_or("company");
    let company_name = app
        .store
        .mail_company(admin.company_id)?
        .map(|c| c.name)
        .unwrap_or_default();
    let (domains, user) = match kind {
        "user" => {
            let u = opt("object").ok_or_else(|| missing("object"))?;
            let (l, d) = crate::rules::mail_users::split_address(u)
                .ok_or_else(|| bad("object", "must be an address"))?;
            let found = app
                .store
                .mail_user(admin.company_id, &d, &l)?
                .ok_or_else(|| no_such(&format!("user '{u}'")))?;
            (Vec::new(), Some(found))
        }
        _ => (
            domains_of(app, admin, kind, opt("object").unwrap_or(&company_name))?,
            None,
        ),
    };
    let mut c = [0i64; 6];
    for d in &domains {
        for (i, n) in counts(app, admin.company_id, d)?.into_iter().enumerate() {
            c[i] += n;
        }
    }
    if let Some(u) = &user {
        let live: Vec<_> = app
            .store
            .mail_messages(u.id)?
            .into_iter()
            .filter(|m| m.deleted_at.is_none())
            .collect();
        c[4] = live.len() as i64;
        c[5] = live.iter().map(|m| m.size).sum();
    }
    let (months, weeks, days) = periods(app, admin)?;
    let labels = match by {
        "day" => days,
        "week" => weeks,
        _ => months,
    };
    let mut out = Map::new();
    out.insert(
        "summary".into(),
        json!({
            "by": by,
            "periods": labels,
            "storage": {"storage_items_stored": c[4], "storage_current_size": c[5]},
            "services": {"mailbox": c[0], "forward": c[1], "filter": c[2], "alias": c[3]},
            "logins": {"imap4": 0, "pop3": 0, "webmail": 0},
            "messages": {"delivered": 0, "spam": 0, "autoresponses": 0, "forwards": 0, "outbound": 0},
            "deleted_users": {"storage_items_stored": 0, "storage_current_size": 0},
        }),
    );
    Ok(out)
}
