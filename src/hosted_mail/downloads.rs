//! `GET /api/oma_file/get`: what a download link (`files`) serves — a stats
//! snapshot as CSV, a migration trace as text. The link is the token: it
//! answers whoever holds it while it lives, as OpenSRS's do.

use crate::app::App;
use crate::auth;

/// Answers `GET /api/oma_file/get?<query>`: `(status, content type, body)`.
pub fn serve(app: &App, query: &str) -> (u16, &'static str, String) {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .take(16)
        .collect();
    let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let gone = (
        404,
        "text/plain",
        "No such file, or its link has expired\n".to_string(),
    );
    let (Some(kind), Some(id), Some(token)) = (get("type"), get("id"), get("token")) else {
        return gone;
    };
    let found = match app.store.mail_file(&auth::token_hash(token), app.now()) {
        Ok(f) => f,
        Err(e) => {
            tracing::error!(error = %e, "email API: file link");
            return (500, "text/plain", "Server error\n".into());
        }
    };
    let Some((company_id, k, object)) = found else {
        return gone;
    };
    if k != kind || object != id {
        return gone;
    }
    let body = match kind {
        "snapshot" => super::stats::snapshot_csv(app, company_id, &object),
        "migrationtrace" => super::migration::trace_text(app, company_id, &object),
        _ => return gone,
    };
    match body {
        Ok(b) if kind == "snapshot" => (200, "text/csv; charset=utf-8", b),
        Ok(b) => (200, "text/plain; charset=utf-8", b),
        Err(_) => gone,
    }
}
