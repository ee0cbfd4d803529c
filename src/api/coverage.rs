//! The coverage report (issue 20): which actions a reseller's integration has
//! called and with which outcomes, which lifecycle paths its work has taken, and
//! what it has not tried yet — OpenSRS's own test system has no such checklist,
//! Nomulus's OT&E has one. Counts come from the journal's writes (they outlive
//! the journal's window); lifecycle paths from the transfers, orders and pushes
//! themselves.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::app::App;
use crate::store::StoreError;

/// Outcomes worth trying per action beyond success and bad data (465), by code.
const SPECIAL: &[(&str, &[i64])] = &[
    ("LOOKUP", &[211]),
    ("SW_REGISTER", &[485, 487]),
    ("RENEW", &[541, 555]),
    ("GET", &[415, 480]),
    ("MODIFY", &[415]),
    ("SIMPLE_TRANSFER_STATUS", &[480]),
    ("CANCEL_TRANSFER", &[400]),
    ("SET_COOKIE", &[415]),
];

/// The lifecycle paths worth taking.
const PATHS: &[&str] = &[
    "transfer_in completed",
    "transfer_in declined",
    "transfer_in timed_out",
    "transfer_in cancelled",
    "transfer_in failed",
    "order new",
    "order renewal",
    "transfer_away completed",
    "transfer_away cancelled",
    "push rsp2rsp_push_transfer",
    "push bulk_push",
];

/// Codes that mean the call succeeded (LOOKUP's 210/211/221 included).
fn success(code: i64) -> bool {
    matches!(code, 200 | 210 | 211 | 221)
}

/// The outcome a code stands for in the report.
fn outcome(code: i64) -> String {
    if success(code) {
        "success".into()
    } else {
        format!("error {code}")
    }
}

/// Forgets counts kept under names that are no action of opsd's (from before
/// unknown actions were counted under one key), so that the counts stay bounded
/// by the actions, whatever callers send; run with the other pruning.
pub fn prune(app: &App) -> Result<usize, StoreError> {
    let mut known: Vec<&str> = crate::api::Action::names();
    known.push(crate::journal::UNKNOWN_ACTION);
    app.store.coverage_keep_only(&known)
}

/// The report for one reseller, as JSON.
pub fn report(app: &App, reseller_id: i64) -> Result<Value, StoreError> {
    app.journal.flush(&app.store, app.now())?;
    let seen = app.store.coverage(reseller_id)?;
    let mut by_action: BTreeMap<&str, BTreeMap<String, i64>> = BTreeMap::new();
    let mut names: Vec<&str> = crate::api::Action::names();
    names.sort_unstable();
    names.dedup();
    for name in &names {
        by_action.insert(name, BTreeMap::new());
    }
    for (action, code, calls) in &seen {
        if let Some(m) = by_action.get_mut(action.as_str()) {
            *m.entry(outcome(*code)).or_default() += calls;
        }
    }
    let mut actions = Vec::with_capacity(by_action.len());
    let mut untried = Vec::new();
    for (name, outcomes) in &by_action {
        let mut expected = vec!["success".to_string(), "error 465".to_string()];
        if let Some((_, codes)) = SPECIAL.iter().find(|(a, _)| a == name) {
            expected.extend(codes.iter().map(|c| {
                if success(*c) {
                    format!("code {c}")
                } else {
                    outcome(*c)
                }
            }));
        }
        let codes_seen: Vec<i64> = seen
            .iter()
            .filter(|(a, _, _)| a == name)
            .map(|(_, c, _)| *c)
            .collect();
        let missing: Vec<&String> = expected
            .iter()
            .filter(|e| match e.strip_prefix("code ") {
                Some(c) => !codes_seen.iter().any(|s| c == s.to_string()),
                None => !outcomes.contains_key(e.as_str()),
            })
            .collect();
        if outcomes.is_empty() {
            untried.push(*name);
        }
        actions.push(json!({
            "action": name,
            "calls": outcomes.values().sum::<i64>(),
            "outcomes": outcomes,
            "not_yet": missing,
        }));
    }
    let mut taken: BTreeMap<String, i64> = BTreeMap::new();
    let counts = app
        .store
        .lifecycle_counts(reseller_id, ["rsp2rsp_push_transfer", "bulk_push"])?;
    for crate::store::PathCount {
        path,
        state,
        reason,
        times,
    } in counts
    {
        use crate::codes::transfer_reasons as why;
        // A transfer in cancelled by its registrant was declined; one nobody
        // answered timed out.
        let state = match reason.as_deref() {
            Some(why::CANCELLED_BY_REGISTRANT) => "declined".to_string(),
            Some(why::TIMED_OUT) => "timed_out".to_string(),
            _ => state,
        };
        *taken.entry(format!("{path} {state}")).or_default() += times;
    }
    let paths: Vec<Value> = PATHS
        .iter()
        .map(|p| json!({ "path": p, "times": taken.get(*p).copied().unwrap_or(0) }))
        .collect();
    let tried = names.len() - untried.len();
    Ok(json!({
        "actions_tried": tried,
        "actions_total": names.len(),
        "untried": untried,
        "actions": actions,
        "lifecycle": paths,
    }))
}
