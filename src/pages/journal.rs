//! The request journal and the coverage report as pages: the operator's view of
//! every caller in the dashboard, and each reseller's own in its control panel.
//! One page of each serves both, inside either layout.

use minijinja::context;

use crate::app::App;
use crate::store::JournalFilter;

use super::{Page, PageRequest, store_failure, time};

/// Whose journal a page shows.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// The area's base path (`/dashboard`, `/panel`).
    pub base: &'static str,
    pub layout: &'static str,
    /// The reseller whose requests these are; `None` for the operator (everyone's).
    pub reseller_id: Option<i64>,
    pub req: &'a PageRequest,
}

/// An entry's explanation, parsed.
fn explanation(e: &crate::store::JournalEntry) -> Option<serde_json::Value> {
    e.explanation
        .as_deref()
        .and_then(|x| serde_json::from_str(x).ok())
}

/// Rows a page of the list shows; the next page starts before its last row.
const LIST: i64 = 50;

/// The journal's list, filtered by the query (`reseller` for the operator,
/// `action`, `code`, `errors`); `render` wraps it in the area's page.
pub fn list(app: &App, v: &View<'_>, render: impl FnOnce(&str, minijinja::Value) -> Page) -> Page {
    if let Err(e) = app.journal.flush(&app.store, app.now()) {
        return store_failure("journal", &e);
    }
    let q = &v.req.query;
    let reseller_id = match (v.reseller_id, q.get("reseller").filter(|r| !r.is_empty())) {
        (Some(me), _) => Some(me),
        (None, Some(name)) => match app.store.reseller_by_name(name) {
            Ok(Some(r)) => Some(r.id),
            // Nobody of that name: nothing to show.
            Ok(None) => Some(-1),
            Err(e) => return store_failure("journal", &e),
        },
        (None, None) => None,
    };
    let filter = JournalFilter {
        reseller_id,
        action: q
            .get("action")
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        code: q.get("code").and_then(|c| c.trim().parse().ok()),
        since: None,
        errors: q.get("errors").is_some_and(|e| e == "1"),
        before: q.get("before").and_then(|b| b.trim().parse().ok()),
        // One more than shown: whether there is an older page.
        limit: LIST + 1,
    };
    let mut rows = match app.store.journal(&filter) {
        Ok(r) => r,
        Err(e) => return store_failure("journal", &e),
    };
    let older = (rows.len() as i64 > LIST).then(|| {
        rows.truncate(LIST as usize);
        rows.last().map(|e| e.id)
    });
    let entries: Vec<minijinja::Value> = rows
        .iter()
        .map(|e| {
            let why = explanation(e)
                .and_then(|x| x["rule"].as_str().map(str::to_string))
                .unwrap_or_default();
            context! {
                id => e.id,
                when => time(e.at),
                username => e.username,
                surface => e.surface,
                action => e.action,
                code => e.code,
                success => e.success,
                repeats => e.repeats,
                why,
            }
        })
        .collect();
    // The link to the next page keeps the filter.
    let next = older.flatten().map(|before| {
        let mut link = form_urlencoded::Serializer::new(String::new());
        for key in ["reseller", "action", "code", "errors"] {
            if let Some(v) = q.get(key).filter(|v| !v.is_empty()) {
                link.append_pair(key, v);
            }
        }
        link.append_pair("before", &before.to_string());
        format!("{}/journal?{}", v.base, link.finish())
    });
    let filter = context! {
        reseller => q.get("reseller"),
        action => q.get("action"),
        code => q.get("code"),
        errors => filter.errors,
    };
    render(
        "journal_list.html",
        context! { entries, filter, next, base => v.base, layout => v.layout, operator => v.reseller_id.is_none() },
    )
}

/// One entry with its explanation, request and reply; another reseller's entry
/// is not found.
pub fn entry(
    app: &App,
    v: &View<'_>,
    id: i64,
    render: impl FnOnce(&str, minijinja::Value) -> Page,
) -> Page {
    if let Err(e) = app.journal.flush(&app.store, app.now()) {
        return store_failure("journal", &e);
    }
    let e = match app.store.journal_entry(id, v.reseller_id) {
        Ok(Some(e)) => e,
        Ok(None) => return super::not_found(),
        Err(err) => return store_failure("journal", &err),
    };
    let why = explanation(&e);
    let e = context! {
        id => e.id,
        when => time(e.at),
        username => e.username,
        surface => e.surface,
        action => e.action,
        code => e.code,
        fault => e.fault,
        request => e.request,
        reply => e.reply,
    };
    render(
        "journal_entry.html",
        context! { e, why => why.map(minijinja::Value::from_serialize), base => v.base, layout => v.layout },
    )
}

/// The coverage report (`api::coverage`): the reseller's own, or for the
/// operator the one `?reseller=` names.
pub fn coverage(
    app: &App,
    v: &View<'_>,
    render: impl FnOnce(&str, minijinja::Value) -> Page,
) -> Page {
    let asked = v.req.query.get("reseller").filter(|r| !r.is_empty());
    let (id, who) = match (v.reseller_id, asked) {
        (Some(me), _) => (Some(me), None),
        (None, Some(name)) => match app.store.reseller_by_name(name) {
            Ok(found) => (found.map(|r| r.id), Some(name.to_string())),
            Err(e) => return store_failure("coverage", &e),
        },
        (None, None) => (None, None),
    };
    let report = match id.map(|id| crate::api::coverage::report(app, id)) {
        Some(Ok(r)) => Some(minijinja::Value::from_serialize(&r)),
        Some(Err(e)) => return store_failure("coverage", &e),
        None => None,
    };
    render(
        "coverage.html",
        context! { report, who, base => v.base, layout => v.layout, operator => v.reseller_id.is_none() },
    )
}
