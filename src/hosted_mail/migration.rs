//! The Email API's migration methods: migration_add (a job copying remote
//! mailboxes into the company's users), migration_jobs (the requester's),
//! migration_status and migration_trace (a link to the user's trace). The
//! sandbox reaches no remote server: a job moves through its states on the
//! clock (`rules::mail_folders::job_state`) and finds each remote mailbox
//! empty, and says so in its trace (*chosen*, docs/email.md).

use std::net::IpAddr;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::rules::mail_folders::job_state;
use crate::rules::mail_users;
use crate::store::{Migration, MigrationUser};

use super::Admin;
use super::failure::{Failure, Outcome, bad, exists, missing};
use super::request::{audit, no_such};

/// The methods a migration reads its remote mailbox with, as documented.
const METHODS: [&str; 4] = ["imap4", "imap4s", "pop3", "pop3s"];
/// The most users in one job (*chosen*, after OpenSRS's advice of 500).
const MAX_USERS: usize = 500;

fn job_name(v: &Value) -> Option<String> {
    let s = match v {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    ((1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
    .then_some(s)
}

fn server_ok(s: &str) -> bool {
    let Some((host, port)) = s.rsplit_once(':') else {
        return false;
    };
    crate::domain::DomainName::parse(host).is_ok() && port.parse::<u16>().is_ok_and(|p| p > 0)
}

pub(super) fn migration_add(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    peer: IpAddr,
) -> Outcome {
    let items = req
        .get("users")
        .ok_or_else(|| missing("users"))?
        .as_array()
        .ok_or_else(|| bad("users", "must be a list"))?;
    if items.is_empty() || items.len() > MAX_USERS {
        return Err(bad("users", "must list 1 to 500 users"));
    }
    let mut users = Vec::with_capacity(items.len());
    for (i, u) in items.iter().enumerate() {
        let u = u
            .as_object()
            .ok_or_else(|| bad(&format!("users[{i}]"), "must be an object"))?;
        let text = |k: &str| -> Result<String, Failure> {
            u.get(k)
                .ok_or_else(|| missing(&format!("users[{i}].{k}")))?
                .as_str()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty() && s.len() <= 256)
                .ok_or_else(|| bad(&format!("users[{i}].{k}"), "must be text"))
        };
        let local = text("local")?;
        let (l, d) = mail_users::split_address(&local)
            .ok_or_else(|| bad(&format!("users[{i}].local"), "must be an address"))?;
        // Documented: the local account must exist; one of the caller's.
        if app.store.mail_user(admin.company_id, &d, &l)?.is_none() {
            return Err(no_such(&format!("user '{local}'")));
        }
        super::access::user(
            app,
            admin,
            crate::rules::mail_roles::Need::Change,
            &(l.clone(), d.clone()),
            None,
        )?;
        let method = text("method")?.to_ascii_lowercase();
        if !METHODS.contains(&method.as_str()) {
            return Err(bad(
                &format!("users[{i}].method"),
                "must be imap4, imap4s, pop3 or pop3s",
            ));
        }
        let server = text("server")?;
        if !server_ok(&server) {
            return Err(bad(&format!("users[{i}].server"), "must be host:port"));
        }
        // The remote password is needed by a real copy; the sandbox keeps none.
        text("password")?;
        users.push(MigrationUser {
            local: format!("{l}@{d}"),
            remote: text("remote")?,
            server,
            method,
        });
    }
    let now = app.now();
    let job = match req.get("job") {
        None | Some(Value::Null) => format!(
            "{}",
            now * 1000
                + u64::from_str_radix(&crate::auth::random_hex(2), 16).unwrap_or(0) as i64 % 1000
        ),
        Some(v) => job_name(v)
            .ok_or_else(|| bad("job", "must be 1 to 64 letters, digits, '.', '_' or '-'"))?,
    };
    let m = Migration {
        job: job.clone(),
        created_by: admin.username.clone(),
        created_at: now,
        users,
    };
    let a = audit(
        admin,
        &format!("migration_add {job}"),
        &format!("company:{}", admin.company_id),
        peer,
        now,
    );
    if !app.store.add_mail_migration(admin.company_id, &m, &a)? {
        return Err(exists(&format!("job '{job}'")));
    }
    let mut out = Map::new();
    out.insert("job".into(), json!(job));
    Ok(out)
}

pub(super) fn migration_jobs(
    app: &App,
    admin: &Admin,
    _req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let jobs: Vec<Value> = app
        .store
        .mail_migrations_by(admin.company_id, &admin.username)?
        .into_iter()
        .map(|(job, date)| json!({"date": date, "job": job}))
        .collect();
    let mut out = Map::new();
    out.insert("jobs".into(), Value::Array(jobs));
    Ok(out)
}

/// The request's job (`job`, or `id` as one client sends it), the company's.
fn job_of(app: &App, admin: &Admin, req: &Map<String, Value>) -> Result<Migration, Failure> {
    let v = req
        .get("job")
        .or_else(|| req.get("id"))
        .ok_or_else(|| missing("job"))?;
    let job = job_name(v).ok_or_else(|| bad("job", "must be a job id"))?;
    let m = app
        .store
        .mail_migration(admin.company_id, &job)?
        .ok_or_else(|| no_such(&format!("job '{job}'")))?;
    // A job is its submitter's, and readable by whoever reads the company.
    let company_reader = crate::rules::mail_roles::allows(
        &admin.grants,
        None,
        crate::rules::mail_roles::Need::Read,
        &crate::rules::mail_roles::Target::default(),
    );
    if m.created_by != admin.username && !company_reader {
        return Err(super::access::denied(&format!("job '{job}'")));
    }
    Ok(m)
}

pub(super) fn migration_status(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let m = job_of(app, admin, req)?;
    let state = job_state(app.now() - m.created_at);
    let users: Vec<Value> = m
        .users
        .iter()
        .map(|u| {
            json!({
                "local": u.local,
                "state": state,
                "data": {
                    "folders": {},
                    "status": {"bytes": 0, "fail_count": 0, "migrate_count": 0, "skip_count": 0,
                               "critical_errors": "0", "foldercount": 0, "remote_count": "0"},
                    "config": {"server": u.server, "method": u.method, "username": u.remote},
                },
            })
        })
        .collect();
    let mut out = Map::new();
    out.insert("rate".into(), json!("0.000 KiB/s"));
    out.insert("users".into(), Value::Array(users));
    Ok(out)
}

pub(super) fn migration_trace(
    app: &App,
    admin: &Admin,
    req: &Map<String, Value>,
    _peer: IpAddr,
) -> Outcome {
    let m = job_of(app, admin, req)?;
    let user = req
        .get("user")
        .ok_or_else(|| missing("user"))?
        .as_str()
        .and_then(mail_users::split_address)
        .map(|(l, d)| format!("{l}@{d}"))
        .ok_or_else(|| bad("user", "must be an address"))?;
    if !m.users.iter().any(|u| u.local == user) {
        return Err(no_such(&format!("user '{user}' in job '{}'", m.job)));
    }
    // Documented: no trace before the migration starts.
    if job_state(app.now() - m.created_at) == "pending" {
        return Err(no_such(&format!(
            "trace of '{user}': the job has not started"
        )));
    }
    let url = super::files::link(app, admin, "migrationtrace", &format!("{user}:{}", m.job))?;
    let mut out = Map::new();
    out.insert("trace".into(), json!(url));
    Ok(out)
}

/// The trace file of `object` (`user:job`).
pub(super) fn trace_text(app: &App, company_id: i64, object: &str) -> Result<String, Failure> {
    let (user, job) = object.rsplit_once(':').ok_or_else(|| no_such("trace"))?;
    let m = app
        .store
        .mail_migration(company_id, job)?
        .ok_or_else(|| no_such("trace"))?;
    let u = m
        .users
        .iter()
        .find(|u| u.local == user)
        .ok_or_else(|| no_such("trace"))?;
    Ok(format!(
        "job {job}\nlocal {}\nremote {} on {} ({})\nstarted {}\nsandbox: no remote connection is made; the remote mailbox is taken as empty\nmigrated 0 messages, 0 bytes, 0 failures\n",
        u.local, u.remote, u.server, u.method, m.created_at
    ))
}
