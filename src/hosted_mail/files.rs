//! Download links of the Email API (stats_snapshot, migration_trace): a link
//! at `/api/oma_file/get` with the documented `type`, `id` and `user` and a
//! random token good for 15 minutes (only its hash is kept). `downloads`
//! serves them.

use crate::app::App;
use crate::auth;

use super::Admin;
use super::failure::Failure;

/// Documented: a snapshot's link is good for 15 minutes (*chosen* the same for
/// traces).
const LIFE: i64 = 15 * 60;

/// A link for `kind` (`snapshot`, `migrationtrace`) of `object` (`id`).
pub(super) fn link(app: &App, admin: &Admin, kind: &str, object: &str) -> Result<String, Failure> {
    let token = auth::random_hex(16);
    let now = app.now();
    app.store.add_mail_file(
        &auth::token_hash(&token),
        (admin.company_id, kind, object),
        now + LIFE,
        now,
    )?;
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("type", kind)
        .append_pair("id", object)
        .append_pair("user", &admin.username)
        .append_pair("token", &token)
        .finish();
    Ok(format!("{}/api/oma_file/get?{q}", app.config.public_url))
}
