//! The sandbox's operator API (issue 20): what a test suite or an integrator does
//! to the sandbox from outside, without a browser and without a restart —
//!
//! - play the other side of a transfer: a registrant accepts, declines or lets the
//!   window end; the registry completes or rejects now (by job, registrant email,
//!   domain or order);
//! - bring the whole sandbox back to a scenario (every table, the clock, the
//!   caches, the queued work), save and load snapshots;
//! - read the outbox and the webhook log as JSON, links extracted, and clear the
//!   outbox.
//!
//! `http::routes` serves these under `/admin/` behind the admin token, and the
//! `opsd sandbox` commands call them on the running server. Each answer is JSON.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::app::App;
use crate::rules::lifecycle::Decision;
use crate::store::{RegistryStep, Selector, StoreError};

use crate::sandbox::Scenario;

/// An answer: the HTTP status and its JSON body, or raw text (a journal entry's
/// request or reply, exported as a fixture).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub raw: Option<String>,
}

impl Answer {
    fn ok(body: Value) -> Answer {
        Answer {
            status: 200,
            body,
            raw: None,
        }
    }

    fn refused(status: u16, why: impl Into<String>) -> Answer {
        Answer {
            status,
            body: json!({ "error": why.into() }),
            raw: None,
        }
    }
}

/// The reason a forced registry rejection gives.
pub const FORCED_REJECTION: &str = "The registry rejected the transfer.";

/// The most outbox messages one listing returns.
const OUTBOX_MAX: i64 = 1000;

/// One operator request: method, path under `/admin/`, its query pairs and body.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Request<'_> {
    /// The reseller `reseller=` names: `Ok(None)` when the request names none, the
    /// 404 answer when nobody has that name.
    fn reseller(&self, app: &App) -> Result<Result<Option<i64>, Answer>, StoreError> {
        let Some(name) = self.get("reseller") else {
            return Ok(Ok(None));
        };
        Ok(match app.store.reseller_by_name(&name)? {
            Some(r) => Ok(Some(r.id)),
            None => Err(Answer::refused(404, format!("no reseller named {name}"))),
        })
    }

    /// A value from the query or, for a form body, from the form.
    fn get(&self, key: &str) -> Option<String> {
        self.query
            .iter()
            .chain(form_pairs(self.body).iter())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Runs one operator request (blocking: it uses the store).
pub fn handle(app: &App, req: &Request<'_>) -> Answer {
    // Production mode never gets here: `sandbox_only` turns every path off.
    let result = match (req.method, req.path) {
        ("POST", "approvals") => approvals(app, req),
        ("POST", "registry") => registry(app, req),
        ("POST", "transfers-away") => transfer_away(app, req),
        ("POST", "reset") => reset(app, req.body),
        ("GET", "snapshots") => snapshots(app),
        ("POST", "snapshots/save") => snapshot_save(app, req),
        ("POST", "snapshots/load") => snapshot_load(app, req),
        ("GET", "outbox") => outbox(app, req),
        ("POST", "outbox/clear") => app
            .store
            .clear_outbox()
            .map(|n| Answer::ok(json!({ "cleared": n }))),
        ("GET", "webhooks") => webhooks(app, req),
        ("GET", "journal") => journal(app, req),
        // The Email API's coverage of a company.
        ("GET", "coverage") if req.get("company").is_some() => {
            match req.get("company").and_then(|c| c.parse::<i64>().ok()) {
                Some(id) => match app.store.mail_company(id) {
                    Ok(Some(_)) => crate::hosted_mail::coverage::report(app, id).map(Answer::ok),
                    Ok(None) => Ok(Answer::refused(404, "no such company")),
                    Err(e) => Err(e),
                },
                None => Ok(Answer::refused(404, "no such company")),
            }
        }
        ("GET", "coverage") => match req.reseller(app) {
            Ok(Ok(Some(id))) => crate::api::coverage::report(app, id).map(Answer::ok),
            Ok(Ok(None)) => Ok(Answer::refused(400, "give reseller=NAME")),
            Ok(Err(refused)) => Ok(refused),
            Err(e) => Err(e),
        },
        ("GET", "faults") => app.faults().refresh().map(|rules| {
            Answer::ok(json!({
                "count": rules.len(),
                "faults": rules.iter().map(|f| {
                    let mut v = serde_json::to_value(f).unwrap_or_default();
                    if let Some(m) = v.as_object_mut() {
                        m.insert("describe".into(), Value::String(crate::sandbox::faults::describe(f)));
                    }
                    v
                }).collect::<Vec<_>>(),
            }))
        }),
        ("POST", "faults") => add_fault(app, req),
        ("POST", "faults/remove") => {
            let id = req.get("id").and_then(|i| i.parse::<i64>().ok());
            if id.is_none() && req.get("all").as_deref() != Some("1") {
                Ok(Answer::refused(400, "give id=N, or all=1"))
            } else {
                app.faults().remove(id).map(|n| Answer::ok(json!({ "removed": n })))
            }
        }
        ("GET", p) if p.starts_with("journal/") => journal_entry(app, &p["journal/".len()..]),
        _ => Ok(Answer::refused(
            404,
            "no such operator call; see docs/getting-started.md",
        )),
    };
    result.unwrap_or_else(|e| {
        tracing::error!(error = %e, "operator call failed");
        // The operator holds the admin token: the cause helps and tells no secret.
        Answer::refused(500, format!("the operator call failed: {e}"))
    })
}

/// The transfers a request names: exactly one of job, registrant, domain, order.
fn selector(req: &Request<'_>) -> Result<Selector, Answer> {
    let given: Vec<(&str, String)> = ["job", "registrant", "domain", "order"]
        .into_iter()
        .filter_map(|k| req.get(k).map(|v| (k, v)))
        .collect();
    let [(key, value)] = given.as_slice() else {
        return Err(Answer::refused(
            400,
            "name the transfers with exactly one of job=, registrant=, domain=, order=",
        ));
    };
    let number = || {
        value
            .parse::<i64>()
            .map_err(|_| Answer::refused(400, format!("{key} must be a number")))
    };
    Ok(match *key {
        "job" => Selector::Job(number()?),
        "order" => Selector::Order(number()?),
        "registrant" => Selector::Registrant(value.to_lowercase()),
        _ => Selector::Domain(value.to_lowercase()),
    })
}

/// `decision=accept|decline|timeout`: the registrants of the selected transfers
/// answer, as they would on the approval page, or let their window end.
/// `POST /admin/transfers-away` `domain=…&to=…`: another registrar asks for a
/// portfolio domain (the dashboard's "Start a transfer away", for scripts and the
/// parity replay).
fn transfer_away(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let domain = req.get("domain").unwrap_or_default().trim().to_lowercase();
    let to = req.get("to").unwrap_or_default().trim().to_string();
    if domain.is_empty() || to.is_empty() {
        return Ok(Answer::refused(400, "give domain=NAME&to=REGISTRAR"));
    }
    Ok(match crate::rules::away::start(app, &domain, &to)? {
        Ok(_) => Answer::ok(json!({ "started": domain, "to": to })),
        Err(crate::rules::away::AwayRefused::NotInAPortfolio) => {
            Answer::refused(404, "no reseller holds that domain")
        }
        Err(crate::rules::away::AwayRefused::AlreadyPending) => {
            Answer::refused(409, "a transfer away of that domain is already waiting")
        }
    })
}

fn approvals(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let sel = match selector(req) {
        Ok(s) => s,
        Err(a) => return Ok(a),
    };
    let decision = req.get("decision").unwrap_or_default();
    let registrants = app.store.undecided_registrants(&sel)?;
    if registrants.is_empty() {
        return Ok(Answer::refused(
            404,
            "no registrant of those transfers is waiting to answer",
        ));
    }
    let now = app.now();
    match decision.as_str() {
        "accept" | "decline" => {
            let d = if decision == "accept" {
                Decision::Accept
            } else {
                Decision::Cancel
            };
            for (_, token) in &registrants {
                // A registrant decided meanwhile is simply passed over.
                let _ = crate::rules::lifecycle::decide(app, token, d, now)?;
            }
        }
        "timeout" => {
            let ids: Vec<i64> = registrants.iter().map(|(id, _)| *id).collect();
            app.store.end_approval_windows(&ids, now)?;
            crate::jobs::run_due(app)?;
        }
        _ => {
            return Ok(Answer::refused(
                400,
                "decision must be accept, decline or timeout",
            ));
        }
    }
    app.work.notify_one();
    Ok(Answer::ok(json!({
        "decision": decision,
        "registrants": registrants.len(),
    })))
}

/// `outcome=complete|reject`: the registry settles the selected transfers that
/// wait for it, now.
fn registry(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let sel = match selector(req) {
        Ok(s) => s,
        Err(a) => return Ok(a),
    };
    let steps = app.store.open_registry_steps(&sel)?;
    if steps.is_empty() {
        return Ok(Answer::refused(
            404,
            "none of those transfers waits for the registry",
        ));
    }
    let now = app.now();
    match req.get("outcome").as_deref() {
        Some("complete") => {
            let ids: Vec<i64> = steps.iter().map(|(t, _, _)| *t).collect();
            app.store.make_due(&ids, now)?;
            crate::jobs::run_due(app)?;
        }
        Some("reject") => {
            let reason = req.get("reason").unwrap_or_else(|| FORCED_REJECTION.into());
            let outcomes: Vec<RegistryStep> = steps
                .iter()
                .map(|(task_id, job_id, position)| {
                    crate::rules::lifecycle::registry_step(
                        app,
                        *task_id,
                        *job_id,
                        *position,
                        Err(reason.clone()),
                        now,
                    )
                })
                .collect::<Result<_, _>>()?;
            app.store.registry_results(&outcomes, now)?;
        }
        _ => return Ok(Answer::refused(400, "outcome must be complete or reject")),
    }
    Ok(Answer::ok(json!({ "transfers": steps.len() })))
}

/// Back to a scenario in one step: the body's scenario (TOML), or the one the
/// server runs. Every table is emptied (the admin token and operator accounts
/// stay), the clock goes to the scenario's start (or the real time), the world
/// and the scenario's resellers come back, and the in-memory limits are forgotten;
/// the request path's caches follow the store's write count.
fn reset(app: &App, body: &[u8]) -> Result<Answer, StoreError> {
    let text = String::from_utf8_lossy(body);
    let scenario = if text.trim().is_empty() {
        app.scenario
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    } else {
        match Scenario::parse(&text) {
            Ok(s) => s,
            Err(e) => return Ok(Answer::refused(400, format!("scenario: {e}"))),
        }
    };
    // Refused before anything changes: a partial reset is worse than none.
    if let Err(why) = app.faults().precheck(&scenario) {
        return Ok(Answer::refused(400, format!("scenario: {why}")));
    }
    reset_to(app, &scenario)?;
    Ok(Answer::ok(json!({
        "reset": true,
        "now": crate::clock::format_timestamp(app.time()),
        "resellers": scenario.resellers.len(),
        "domains": scenario.domains.len(),
    })))
}

/// The reset itself (see `reset` above); also what a test calls in-process.
pub fn reset_to(app: &App, scenario: &Scenario) -> Result<(), StoreError> {
    let _one_runner = replace_tables(app, || app.store.wipe())?;
    let start = scenario
        .clock_start
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .unwrap_or_else(|| crate::clock::Clock::now(&crate::clock::SystemClock));
    set_clock(app, start)?;
    if let Some(world) = &app.world {
        world.load(scenario);
    }
    crate::sandbox::seed_store(&app.store, scenario, app.now())?;
    if scenario.resellers.is_empty() {
        crate::sandbox::first_run::ensure(&app.store, app.now())?;
    }
    *app.scenario
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = scenario.clone();
    app.faults().seed(scenario).map_err(StoreError::Conflict)?;
    forget_in_memory(app)?;
    app.claimed
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clear();
    Ok(())
}

/// Runs `replace` (which empties or refills the tables) with the workers kept out
/// (the runner's lock, returned so that the caller goes on under it) and no
/// journal flush in flight (one must not write requests of the sandbox being
/// replaced), then forgets the journal's buffer.
fn replace_tables(
    app: &App,
    replace: impl FnOnce() -> Result<(), StoreError>,
) -> Result<std::sync::MutexGuard<'_, ()>, StoreError> {
    let runner = app
        .runner
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let journal = app.journal.hold();
    replace()?;
    app.journal.discard();
    drop(journal);
    Ok(runner)
}

/// Puts the clock at `t` and saves its offset, for the clocks that keep one.
fn set_clock(app: &App, t: time::OffsetDateTime) -> Result<(), StoreError> {
    if app.clock.reset_to(t).is_ok()
        && let Some(offset) = app.clock.offset()
    {
        app.store
            .set_setting(crate::clock::CLOCK_OFFSET, &offset.to_string())?;
    }
    Ok(())
}

/// What this instance keeps in memory about the state just replaced: the fault
/// rules it knows of, the rate buckets and the login failures.
fn forget_in_memory(app: &App) -> Result<(), StoreError> {
    app.faults().refresh()?;
    app.rate.clear();
    app.logins.clear();
    Ok(())
}

/// Where snapshots live: the `snapshot_dir` setting, or beside a SQLite file in
/// `<db>.snapshots/`, or for a PostgreSQL database `opsd-snapshots/<name>/`.
fn snapshot_dir(app: &App) -> PathBuf {
    if let Some(dir) = &app.config.snapshot_dir {
        return dir.clone();
    }
    let db = app.config.db.to_string_lossy();
    if crate::store::is_postgres_url(&db) {
        let name = crate::store::postgres_config(&db)
            .ok()
            .and_then(|c| c.get_dbname().map(str::to_string))
            .unwrap_or_else(|| "opsd".into());
        return PathBuf::from("opsd-snapshots").join(name);
    }
    let mut name = app.config.db.as_os_str().to_owned();
    name.push(".snapshots");
    PathBuf::from(name)
}

/// A snapshot's file, for a name of letters, digits, `-` and `_`.
fn snapshot_path(app: &App, name: &str) -> Option<PathBuf> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| snapshot_dir(app).join(format!("{name}.db")))
}

/// The settings key under which a snapshot keeps the clock's reading.
const SNAPSHOT_NOW: &str = "snapshot_now";

fn snapshot_save(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let name = req.get("name").unwrap_or_default();
    let Some(path) = snapshot_path(app, &name) else {
        return Ok(Answer::refused(
            400,
            "name: letters, digits, - and _ (at most 64)",
        ));
    };
    crate::files::private_dir(&snapshot_dir(app)).map_err(|e| StoreError::Io(e.to_string()))?;
    if path.exists() {
        std::fs::remove_file(&path).map_err(|e| StoreError::Io(e.to_string()))?;
    }
    app.store
        .set_setting(SNAPSHOT_NOW, &app.now().to_string())?;
    app.store.save_snapshot(&path)?;
    Ok(Answer::ok(
        json!({ "saved": name, "path": path.display().to_string() }),
    ))
}

fn snapshot_load(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let name = req.get("name").unwrap_or_default();
    let Some(path) = snapshot_path(app, &name) else {
        return Ok(Answer::refused(
            400,
            "name: letters, digits, - and _ (at most 64)",
        ));
    };
    if !path.is_file() {
        return Ok(Answer::refused(404, format!("no snapshot named {name}")));
    }
    {
        let _one_runner = replace_tables(app, || app.store.load_snapshot(&path))?;
        // The clock reads what it read when the snapshot was saved.
        if let Some(then) = app
            .store
            .setting(SNAPSHOT_NOW)?
            .and_then(|v| v.parse::<i64>().ok())
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        {
            set_clock(app, then)?;
        }
        forget_in_memory(app)?;
    }
    app.work.notify_one();
    Ok(Answer::ok(json!({ "loaded": name })))
}

fn snapshots(app: &App) -> Result<Answer, StoreError> {
    let mut names: Vec<String> = std::fs::read_dir(snapshot_dir(app))
        .map(|dir| {
            dir.filter_map(Result::ok)
                .filter_map(|e| {
                    e.file_name()
                        .to_str()
                        .and_then(|n| n.strip_suffix(".db"))
                        .map(str::to_string)
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    Ok(Answer::ok(json!({ "snapshots": names })))
}

/// The links of a mail body (approval pages, transfer-away pages).
pub fn links(body: &str) -> Vec<String> {
    body.split_whitespace()
        .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
        .map(|w| w.trim_end_matches(['.', ',', ')', '>', '"']).to_string())
        .collect()
}

fn outbox(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let since = req
        .get("since")
        .and_then(|s| crate::clock::parse_timestamp(&s).map(|t| t.unix_timestamp()))
        .unwrap_or(i64::MIN);
    let limit = req
        .get("limit")
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(OUTBOX_MAX)
        .clamp(1, OUTBOX_MAX);
    let mails = app.store.outbox_entries(
        req.get("to").as_deref(),
        req.get("kind").as_deref(),
        since,
        limit,
    )?;
    let list: Vec<Value> = mails
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "kind": m.kind,
                "to": m.to,
                "subject": m.subject,
                "body": m.body,
                "links": links(&m.body),
                "created_at": crate::clock::iso8601(m.created_at),
                "sent_at": m.sent_at.map(crate::clock::iso8601),
                "last_error": m.last_error,
            })
        })
        .collect();
    Ok(Answer::ok(json!({ "count": list.len(), "mails": list })))
}

fn webhooks(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let reseller = match req.reseller(app)? {
        Ok(r) => r,
        Err(refused) => return Ok(refused),
    };
    let event = req.get("event");
    let attempts: Vec<Value> = app
        .store
        .webhook_log(reseller, 1000)?
        .into_iter()
        .filter(|a| event.as_deref().is_none_or(|e| a.event == e))
        .map(|a| {
            json!({
                "event_id": a.event_id,
                "event": a.event,
                "url": a.url,
                "attempt": a.attempt,
                "at": crate::clock::iso8601(a.at),
                "http_status": a.http_status,
                "error": a.error,
                "outcome": a.outcome,
            })
        })
        .collect();
    Ok(Answer::ok(
        json!({ "count": attempts.len(), "attempts": attempts }),
    ))
}

/// A fault rule from a form (see `sandbox::faults::from_pairs`).
fn add_fault(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    let pairs: Vec<(String, String)> = req
        .query
        .iter()
        .cloned()
        .chain(form_pairs(req.body))
        .collect();
    let rule = match app.faults().from_pairs(&pairs)? {
        Ok(r) => r,
        Err(why) => return Ok(Answer::refused(400, why)),
    };
    Ok(match app.faults().add_rule(&rule)? {
        Ok(id) => Answer::ok(json!({ "id": id })),
        Err(why) => Answer::refused(400, why),
    })
}

/// The journal, newest first: `reseller` (a user name), `action`, `code`,
/// `since` (a time), `errors=1`, `limit` (at most 1,000).
fn journal(app: &App, req: &Request<'_>) -> Result<Answer, StoreError> {
    app.journal.flush(&app.store, app.now())?;
    let reseller_id = match req.reseller(app)? {
        Ok(r) => r,
        Err(refused) => return Ok(refused),
    };
    let filter = crate::store::JournalFilter {
        reseller_id,
        action: req.get("action"),
        code: req.get("code").and_then(|c| c.parse().ok()),
        since: req
            .get("since")
            .and_then(|s| crate::clock::parse_timestamp(&s).map(|t| t.unix_timestamp())),
        errors: req.get("errors").is_some_and(|e| e == "1"),
        before: req.get("before").and_then(|b| b.parse().ok()),
        limit: req
            .get("limit")
            .and_then(|l| l.parse().ok())
            .unwrap_or(100)
            .clamp(1, 1000),
    };
    let entries: Vec<Value> = app
        .store
        .journal(&filter)?
        .iter()
        .map(|e| entry_json(e, false))
        .collect();
    Ok(Answer::ok(json!({
        "count": entries.len(),
        "entries": entries,
        // Requests past the journal's rate, counted but not kept.
        "dropped": app.journal.dropped(),
    })))
}

/// One journal entry as JSON; `whole` adds the request and reply.
pub fn entry_json(e: &crate::store::JournalEntry, whole: bool) -> Value {
    let mut v = json!({
        "id": e.id,
        "at": crate::clock::iso8601(e.at),
        "username": e.username,
        "surface": e.surface,
        "action": e.action,
        "code": e.code,
        "success": e.success,
        "explanation": e.explanation.as_deref().and_then(|x| serde_json::from_str::<Value>(x).ok()),
        "fault": e.fault,
        "repeats": e.repeats,
    });
    if whole && let Some(m) = v.as_object_mut() {
        m.insert("request".into(), Value::String(e.request.clone()));
        m.insert("reply".into(), Value::String(e.reply.clone()));
    }
    v
}

/// `journal/<id>` (JSON, request and reply included), `journal/<id>/request` and
/// `journal/<id>/reply` (the masked bytes, to keep as a fixture).
fn journal_entry(app: &App, rest: &str) -> Result<Answer, StoreError> {
    app.journal.flush(&app.store, app.now())?;
    let (id, part) = rest.split_once('/').unwrap_or((rest, ""));
    let Ok(id) = id.parse::<i64>() else {
        return Ok(Answer::refused(404, "no such journal entry"));
    };
    let Some(e) = app.store.journal_entry(id, None)? else {
        return Ok(Answer::refused(404, "no such journal entry"));
    };
    let raw = match part {
        "" => return Ok(Answer::ok(entry_json(&e, true))),
        "request" => e.request,
        "reply" => e.reply,
        _ => return Ok(Answer::refused(404, "journal/<id>, /request or /reply")),
    };
    Ok(Answer {
        status: 200,
        body: Value::Null,
        raw: Some(raw),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_taken_from_mail_bodies() {
        let body = "Open:\n\n  https://opsd.example/approve/abc\n\nor http://x.test/a.";
        assert_eq!(
            links(body),
            ["https://opsd.example/approve/abc", "http://x.test/a"]
        );
    }
}
