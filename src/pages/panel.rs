//! The reseller control panel of seed 000: login, the domain list with the "Move to
//! another reseller" bulk action (ticked domains or a pasted list), Push domain
//! settings, and the bulk actions queue with per-domain results, Cancel and the
//! audit log. The move form submits through the same code as the API's bulk change.

use minijinja::context;

use crate::api::ApiError;
use crate::api::actions::{BulkChangeSubmit, BulkItems, normalize_items};
use crate::api::codes;
use crate::api::profile::ProfileCredentials;
use crate::app::App;
use crate::status::BulkItemStatus;
use crate::store::{AuditEntry, Reseller, Session, account};

use super::session::{self, Realm};
use super::{Page, PageRequest, message, not_found, path_id, render, store_failure, time};

pub const REALM: Realm = Realm {
    name: "panel",
    base: "/panel",
    accounts: "reseller",
};

/// Domains per page of the domain list.
const PAGE_SIZE: usize = 100;

/// Items shown on a job's page; the counts above the table cover all of them.
const ITEMS_SHOWN: usize = 2_000;

/// The login page's heading.
const TITLE: &str = "Reseller Control Panel";

/// Answers any request under `/panel`.
pub fn handle(app: &App, req: &PageRequest) -> Page {
    let (session, me) = match session::enter(
        app,
        REALM,
        TITLE,
        "/panel/domains",
        req,
        |user| app.store.reseller_login(user),
        |id| {
            Ok(app
                .store
                .reseller_by_id(id)?
                .is_some_and(|r| crate::auth::ip_allowed(&r.allowed_ips, req.peer)))
        },
        |s| app.store.reseller_by_id(s.subject_id),
    ) {
        Ok(entered) => entered,
        Err(page) => return page,
    };
    // The reseller's IP Access Rules hold for its panel as for its API: the panel
    // can push domains away.
    if !crate::auth::ip_allowed(&me.allowed_ips, req.peer) {
        tracing::warn!(reseller = %me.username, peer = %req.peer, "panel refused: IP Access Rules");
        return message(
            403,
            "Access denied",
            "Access denied: invalid IP address. Your reseller account's IP Access Rules do not include the address you are browsing from.",
        );
    }
    let p = Panel {
        app,
        req,
        session: &session,
        me: &me,
    };
    match (req.post, req.path.trim_end_matches('/')) {
        (false, "/panel/domains") => p.domains(200, None),
        (true, "/panel/domains") => p.bulk_action(),
        (false, "/panel/move") => p.move_form(200, &MoveForm::default(), None),
        (true, "/panel/move") => p.move_submit(),
        (false, "/panel/push-settings") => p.push_settings(200, None),
        (true, "/panel/push-settings") => p.push_settings_change(),
        (false, "/panel/queue") => p.queue(),
        (false, "/panel/coverage") => {
            super::journal::coverage(app, &p.journal_view(), |t, ctx| p.page(200, t, ctx))
        }
        (false, "/panel/journal") => {
            super::journal::list(app, &p.journal_view(), |t, ctx| p.page(200, t, ctx))
        }
        (false, rest) if path_id(rest, "/panel/journal/", "").is_some() => {
            let id = path_id(rest, "/panel/journal/", "").unwrap_or(0);
            super::journal::entry(app, &p.journal_view(), id, |t, ctx| p.page(200, t, ctx))
        }
        (false, rest) if rest.starts_with("/panel/domains/") => {
            p.domain(&rest["/panel/domains/".len()..])
        }
        (false, rest) => match path_id(rest, "/panel/queue/", "") {
            Some(id) => p.job(id),
            None => not_found(),
        },
        (true, rest) => match path_id(rest, "/panel/queue/", "/cancel") {
            Some(id) => p.cancel(id),
            None => not_found(),
        },
    }
}

/// The fields of the "Move to another reseller" form, as typed (the password is
/// never sent back).
#[derive(Debug, Clone, Default, serde::Serialize)]
struct MoveForm {
    domains: String,
    gaining: String,
    profile_mode: String,
    reg_domain: String,
    reg_username: String,
    apply_to_locked: bool,
    contact_email: String,
}

/// What every page of a logged-in reseller has at hand.
struct Panel<'a> {
    app: &'a App,
    req: &'a PageRequest,
    session: &'a Session,
    me: &'a Reseller,
}

impl Panel<'_> {
    /// The journal as the reseller sees it: its own requests only.
    fn journal_view(&self) -> super::journal::View<'_> {
        super::journal::View {
            base: "/panel",
            layout: "panel_layout.html",
            reseller_id: Some(self.me.id),
            req: self.req,
        }
    }

    fn page(&self, status: u16, template: &str, ctx: minijinja::Value) -> Page {
        let base = context! { me => self.me.username, csrf => self.session.csrf };
        render(status, template, context! { ..base, ..ctx })
    }

    fn domains(&self, status: u16, error: Option<&str>) -> Page {
        let q = self.req.query.get("q").unwrap_or("").trim().to_lowercase();
        let page: usize = self
            .req
            .query
            .get("page")
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let offset = (page - 1).saturating_mul(PAGE_SIZE);
        let (domains, total) = match self
            .app
            .store
            .portfolio_page(self.me.id, &q, offset, PAGE_SIZE)
        {
            Ok(r) => r,
            Err(e) => return store_failure("control panel", &e),
        };
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let url = |p: usize| {
            let qs: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("q", &q)
                .append_pair("page", &p.to_string())
                .finish();
            format!("/panel/domains?{qs}")
        };
        let prev_url = (page > 1).then(|| url(page - 1));
        let next_url = (page < pages).then(|| url(page + 1));
        self.page(
            status,
            "panel_domains.html",
            context! { domains, total, page, pages, q, prev_url, next_url, error },
        )
    }

    /// One of the reseller's domains: state, verification, orders, notes.
    fn domain(&self, name: &str) -> Page {
        let name = name.to_ascii_lowercase();
        match super::domain::context(self.app, self.me.id, &name) {
            Ok(Some(ctx)) => self.page(200, "panel_domain.html", ctx),
            Ok(None) => not_found(),
            Err(e) => store_failure("control panel", &e),
        }
    }

    /// The domain list's bulk action: "Move to another reseller" opens the move form
    /// with the ticked domains (or empty, to paste a list).
    fn bulk_action(&self) -> Page {
        match self.req.form.get("bulk_action") {
            Some("move") => {
                let f = MoveForm {
                    domains: self.req.form.all("domain").collect::<Vec<_>>().join("\n"),
                    ..MoveForm::default()
                };
                self.move_form(200, &f, None)
            }
            _ => self.domains(400, Some("Choose a bulk action.")),
        }
    }

    fn move_form(&self, status: u16, f: &MoveForm, error: Option<&str>) -> Page {
        self.page(status, "panel_move.html", context! { f, error })
    }

    fn move_submit(&self) -> Page {
        let form = &self.req.form;
        let field = |n: &str| form.get(n).unwrap_or("").trim().to_string();
        let f = MoveForm {
            domains: form.get("domains").unwrap_or("").to_string(),
            gaining: field("gaining"),
            profile_mode: field("profile_mode"),
            reg_domain: field("reg_domain").to_lowercase(),
            reg_username: field("reg_username"),
            apply_to_locked: form.get("apply_to_locked").is_some(),
            contact_email: field("contact_email"),
        };
        let fail = |text: String| self.move_form(400, &f, Some(&text));
        let raw: Vec<String> = f
            .domains
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if raw.is_empty() {
            return fail("Tick domains in the domain list, or enter at least one domain.".into());
        }
        let items = match normalize_items(&raw) {
            Ok(i) => i,
            Err(e) => return fail(e.reply().1),
        };
        if f.gaining.is_empty() {
            return fail("Enter the gaining reseller's username.".into());
        }
        let profile = if f.profile_mode == "existing" {
            let password = form.get("reg_password").unwrap_or("");
            if f.reg_domain.is_empty() || f.reg_username.is_empty() || password.is_empty() {
                return fail(
                    "Enter the domain, username and password of the existing profile.".into(),
                );
            }
            Some(ProfileCredentials {
                domain: Some(f.reg_domain.clone()),
                username: f.reg_username.clone(),
                password: password.to_string(),
            })
        } else {
            None
        };
        if !f.contact_email.is_empty() && !crate::mail::plausible_address(&f.contact_email) {
            return fail(format!("'{}' is not an email address.", f.contact_email));
        }
        let submit = BulkChangeSubmit {
            items: BulkItems::Listed(items),
            gaining: f.gaining.clone(),
            apply_to_locked: f.apply_to_locked,
            contact_email: (!f.contact_email.is_empty()).then(|| f.contact_email.clone()),
            profile,
        };
        match submit.submit(self.app, self.me, self.req.peer) {
            Ok(id) => Page::redirect(&format!("/panel/queue/{id}")),
            Err(ApiError::Refused(c)) if c.code == codes::PUSH_DENIED.code => fail(format!(
                "Push transfer permission denied: '{}' has not authorized your account to push domains to it, or the push feature is not enabled on both accounts.",
                f.gaining
            )),
            Err(ApiError::ProfileAuth) => {
                fail("The existing profile's domain, username or password is not correct.".into())
            }
            Err(ApiError::Internal(detail)) => {
                tracing::error!(error = %detail, "control panel: move failed");
                fail("The job could not be stored. Please try again.".into())
            }
            Err(e) => fail(e.reply().1),
        }
    }

    fn push_settings(&self, status: u16, error: Option<&str>) -> Page {
        let (allowed, enabled) = match (
            self.app.store.push_allow_list(self.me.id),
            self.app.store.push_enabled(self.me.id),
        ) {
            (Ok(a), Ok(e)) => (a, e),
            (Err(e), _) | (_, Err(e)) => return store_failure("control panel", &e),
        };
        let flash = match (self.req.query.get("added"), self.req.query.get("removed")) {
            (Some(n), _) => Some(format!("{n} may now push domains to your account.")),
            (_, Some(n)) => Some(format!("{n} may no longer push domains to your account.")),
            _ => None,
        };
        self.page(
            status,
            "panel_push_settings.html",
            context! { allowed, enabled, error, flash },
        )
    }

    fn push_settings_change(&self) -> Page {
        let name = self.req.form.get("username").unwrap_or("").trim();
        let allow = match self.req.form.get("op") {
            Some("add") => true,
            Some("remove") => false,
            _ => return self.push_settings(400, Some("Unknown request.")),
        };
        if name.is_empty() {
            return self.push_settings(400, Some("Enter the losing reseller's username."));
        }
        let losing = match self.app.store.reseller_by_name(name) {
            Ok(Some(r)) if r.id != self.me.id => r,
            Ok(Some(_)) => {
                return self.push_settings(
                    400,
                    Some("That is your own account; pushes move domains between two accounts."),
                );
            }
            Ok(None) => {
                return self
                    .push_settings(400, Some(&format!("There is no reseller named '{name}'.")));
            }
            Err(e) => return store_failure("control panel", &e),
        };
        let now = self.app.now();
        let audit = AuditEntry {
            at: now,
            actor: self.me.username.clone(),
            actor_kind: account::RESELLER.into(),
            action: if allow { "push_allow" } else { "push_disallow" }.into(),
            subject: losing.username.clone(),
            detail: if allow {
                format!(
                    "{} may push domains to {}",
                    losing.username, self.me.username
                )
            } else {
                format!(
                    "{} may no longer push domains to {}",
                    losing.username, self.me.username
                )
            },
            client_ip: self.req.peer.to_string(),
            gaining: None,
            gaining_kind: None,
        };
        if let Err(e) = self
            .app
            .store
            .set_push_allowed(self.me.id, losing.id, allow, now)
            .and_then(|()| self.app.store.audit(&audit))
        {
            return store_failure("control panel", &e);
        }
        let key = if allow { "added" } else { "removed" };
        let qs: String = form_urlencoded::Serializer::new(String::new())
            .append_pair(key, &losing.username)
            .finish();
        Page::redirect(&format!("/panel/push-settings?{qs}"))
    }

    fn queue(&self) -> Page {
        let jobs = match self.app.store.bulk_summaries(self.me.id, 50) {
            Ok(j) => j,
            Err(e) => return store_failure("control panel", &e),
        };
        let audit = match self.app.store.audit_for_reseller(&self.me.username, 100) {
            Ok(a) => a,
            Err(e) => return store_failure("control panel", &e),
        };
        let jobs: Vec<minijinja::Value> = jobs
            .into_iter()
            .map(|j| {
                let created = time(j.created_at);
                context! { ..minijinja::Value::from_serialize(&j), ..context! { created } }
            })
            .collect();
        let audit: Vec<minijinja::Value> = audit
            .into_iter()
            .map(|a| {
                let at = time(a.at);
                context! { ..context! { at }, ..minijinja::Value::from_serialize(&a) }
            })
            .collect();
        self.page(200, "panel_queue.html", context! { jobs, audit })
    }

    fn job(&self, id: i64) -> Page {
        let job = match self.app.store.bulk_change(self.me.id, id) {
            Ok(Some(j)) => j,
            Ok(None) => return not_found(),
            Err(e) => return store_failure("control panel", &e),
        };
        let counts = context! {
            pushed => job.count(BulkItemStatus::Pushed), skipped => job.count(BulkItemStatus::Skipped),
            failed => job.count(BulkItemStatus::Failed), cancelled => job.count(BulkItemStatus::Cancelled),
            queued => job.count(BulkItemStatus::Queued),
        };
        let cancellable = !job.status.is_final();
        let hidden = job.items.len().saturating_sub(ITEMS_SHOWN);
        let items = &job.items[..job.items.len().min(ITEMS_SHOWN)];
        let flash = self
            .req
            .query
            .get("cancelled")
            .map(|_| "Cancelled. Domains already processed stay moved.");
        self.page(
            200,
            "panel_job.html",
            context! {
                job, items, counts, cancellable, hidden, flash,
                created => time(job.created_at), finished => job.finished_at.map(time),
            },
        )
    }

    fn cancel(&self, id: i64) -> Page {
        let now = self.app.now();
        match crate::rules::push::cancel(&self.app.store, Some(self.me.id), id, now) {
            Ok(Some(true)) => {
                let audit = AuditEntry {
                    at: now,
                    actor: self.me.username.clone(),
                    actor_kind: account::RESELLER.into(),
                    action: "bulk_cancel".into(),
                    subject: format!("bulk change {id}"),
                    detail: "cancelled from the control panel; processed domains stay moved".into(),
                    client_ip: self.req.peer.to_string(),
                    gaining: None,
                    gaining_kind: None,
                };
                if let Err(e) = self.app.store.audit(&audit) {
                    return store_failure("control panel", &e);
                }
                Page::redirect(&format!("/panel/queue/{id}?cancelled=1"))
            }
            Ok(Some(false)) => message(
                409,
                "Already finished",
                "This job had already finished; there was nothing left to cancel.",
            ),
            Ok(None) => not_found(),
            Err(e) => store_failure("control panel", &e),
        }
    }
}
