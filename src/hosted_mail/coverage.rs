//! The Email API's coverage report for one company (as `api::coverage` is for
//! a reseller's OPS calls): every method, how often the company called it
//! with which outcome, and the methods it has not tried. The counts come from
//! the journal's writes, so they outlive its window (and, as the journal, are
//! kept in the sandbox only).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::app::App;
use crate::store::StoreError;

/// The report, as JSON.
pub fn report(app: &App, company_id: i64) -> Result<Value, StoreError> {
    app.journal.flush(&app.store, app.now())?;
    let seen = app.store.mail_coverage(company_id)?;
    let mut methods: Vec<&str> = super::api::methods().collect();
    methods.sort_unstable();
    let mut rows = Vec::with_capacity(methods.len());
    let mut untried = Vec::new();
    for m in methods {
        let mut outcomes: BTreeMap<String, i64> = BTreeMap::new();
        for (_, outcome, calls) in seen.iter().filter(|(name, _, _)| name == m) {
            let key = if *outcome == 200 {
                "success".to_string()
            } else {
                format!("error {outcome}")
            };
            *outcomes.entry(key).or_default() += calls;
        }
        if outcomes.is_empty() {
            untried.push(m);
        }
        rows.push(json!({
            "method": m,
            "calls": outcomes.values().sum::<i64>(),
            "outcomes": outcomes,
        }));
    }
    Ok(json!({"company_id": company_id, "methods": rows, "untried": untried}))
}
