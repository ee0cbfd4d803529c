//! The operator dashboard (`/dashboard`): every reseller's transfer jobs with their
//! registrants and domains, the bulk-change queue with Cancel, resellers with their
//! push permissions and webhooks, the webhook delivery log, the outbox (the sandbox's
//! mail viewer), the audit log, and the sandbox clock with an Advance control.
//! Operators log in with accounts made by `opsd operator add`.

use minijinja::context;

use crate::app::App;
use crate::store::{AuditEntry, account};

use super::session::{self, Realm};
use super::{Page, PageRequest, message, not_found, path_id, render, store_failure, time};

pub const REALM: Realm = Realm {
    name: "dashboard",
    base: "/dashboard",
    accounts: "operator",
};

const TITLE: &str = "opsd Operator Dashboard";

/// Rows shown per list; the newest first.
const LIST: usize = 200;

/// Answers any request under `/dashboard`.
pub fn handle(app: &App, req: &PageRequest) -> Page {
    let (session, me) = match session::enter(
        app,
        REALM,
        TITLE,
        "/dashboard/transfers",
        req,
        |user| app.store.operator_login(user),
        |_| Ok(true),
        |s| app.store.operator_name(s.subject_id),
    ) {
        Ok(entered) => entered,
        Err(page) => return page,
    };
    let d = Dashboard {
        app,
        req,
        csrf: &session.csrf,
        me: &me,
    };
    let path = req.path.trim_end_matches('/');
    let id_after = |prefix: &str, suffix: &str| path_id(path, prefix, suffix);
    if let Some(name) = path.strip_prefix("/dashboard/domains/")
        && !req.post
    {
        return d.domain(name);
    }
    match (req.post, path) {
        (false, "/dashboard/transfers") => d.transfers(),
        (false, "/dashboard/bulk") => d.bulk(),
        (false, "/dashboard/orders") => d.orders(),
        (false, "/dashboard/resellers") => d.resellers(),
        (false, "/dashboard/webhooks") => d.webhooks(),
        (false, "/dashboard/outbox") => d.outbox(),
        (false, "/dashboard/audit") => d.audit(),
        (false, "/dashboard/coverage") => {
            super::journal::coverage(app, &d.journal_view(), |t, ctx| d.page(200, t, ctx))
        }
        (false, "/dashboard/journal") => {
            super::journal::list(app, &d.journal_view(), |t, ctx| d.page(200, t, ctx))
        }
        (false, "/dashboard/clock") => d.clock(200, None),
        (true, "/dashboard/clock") => d.advance(),
        (true, "/dashboard/orders/away") => d.start_away(),
        (false, "/dashboard/faults") => d.faults(200, None),
        (true, "/dashboard/faults") => d.add_fault(),
        (false, _) => {
            if let Some(id) = id_after("/dashboard/transfers/", "") {
                d.transfer(id)
            } else if let Some(id) = id_after("/dashboard/outbox/", "") {
                d.mail(id)
            } else if let Some(id) = id_after("/dashboard/journal/", "") {
                super::journal::entry(app, &d.journal_view(), id, |t, ctx| d.page(200, t, ctx))
            } else {
                not_found()
            }
        }
        (true, _) => {
            if let Some(id) = id_after("/dashboard/faults/", "/remove") {
                d.remove_fault(id)
            } else if let Some(id) = id_after("/dashboard/bulk/", "/cancel") {
                d.cancel(id)
            } else if let Some(id) = id_after("/dashboard/resellers/", "/push") {
                d.set_push(id)
            } else {
                not_found()
            }
        }
    }
}

/// A serialisable row with its `created_at`-style field also as readable text.
fn with_time<T: serde::Serialize>(row: &T, at: i64) -> minijinja::Value {
    let when = time(at);
    context! { ..context! { when }, ..minijinja::Value::from_serialize(row) }
}

struct Dashboard<'a> {
    app: &'a App,
    req: &'a PageRequest,
    csrf: &'a str,
    me: &'a str,
}

impl Dashboard<'_> {
    fn page(&self, status: u16, template: &str, ctx: minijinja::Value) -> Page {
        let sandbox = self.app.clock.movable();
        let base = context! { me => self.me, csrf => self.csrf, sandbox };
        render(status, template, context! { ..base, ..ctx })
    }

    /// The fault-injection rules in force, and the form that adds one.
    fn faults(&self, status: u16, error: Option<&str>) -> Page {
        let rules = match self.app.faults().refresh() {
            Ok(r) => r,
            Err(e) => return store_failure("dashboard", &e),
        };
        let names: std::collections::HashMap<i64, String> = self
            .app
            .store
            .resellers_overview()
            .map(|rs| rs.into_iter().map(|r| (r.id, r.username)).collect())
            .unwrap_or_default();
        let faults: Vec<_> = rules
            .iter()
            .map(|f| {
                context! {
                    id => f.id,
                    describe => crate::sandbox::faults::describe(f),
                    reseller => f.reseller_id.and_then(|r| names.get(&r).cloned()),
                    remaining => f.remaining,
                    fraction => f.fraction,
                    until => f.until_at.map(time),
                }
            })
            .collect();
        let flash = self
            .req
            .query
            .get("added")
            .map(|id| format!("Rule #{id} added."));
        self.page(
            status,
            "dashboard_faults.html",
            context! { faults, flash, error, kinds => crate::sandbox::faults::KINDS },
        )
    }

    fn add_fault(&self) -> Page {
        let pairs: Vec<(String, String)> = [
            "kind",
            "reseller",
            "action",
            "target",
            "count",
            "fraction",
            "code",
            "text",
            "latency_ms",
            "for",
        ]
        .iter()
        .filter_map(|k| {
            self.req
                .form
                .get(k)
                .map(|v| ((*k).to_string(), v.to_string()))
        })
        .collect();
        let added = self
            .app
            .faults()
            .from_pairs(&pairs)
            .and_then(|rule| match rule {
                Ok(r) => self.app.faults().add_rule(&r),
                Err(why) => Ok(Err(why)),
            });
        match added {
            Ok(Ok(id)) => {
                let entry = self.audit_entry(
                    "fault_add",
                    format!("fault #{id}"),
                    "fault rule added from the operator dashboard".into(),
                );
                if let Err(e) = self.app.store.audit(&entry) {
                    return store_failure("dashboard", &e);
                }
                Page::redirect(&format!("/dashboard/faults?added={id}"))
            }
            Ok(Err(why)) => self.faults(400, Some(&why)),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn remove_fault(&self, id: i64) -> Page {
        match self.app.faults().remove(Some(id)) {
            Ok(_) => Page::redirect("/dashboard/faults"),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    /// The journal as the operator sees it: every caller's requests.
    fn journal_view(&self) -> super::journal::View<'_> {
        super::journal::View {
            base: "/dashboard",
            layout: "dashboard_layout.html",
            reseller_id: None,
            req: self.req,
        }
    }

    fn audit_entry(&self, action: &str, subject: String, detail: String) -> AuditEntry {
        AuditEntry {
            at: self.app.now(),
            actor: format!("operator {}", self.me),
            actor_kind: account::OPERATOR.into(),
            action: action.into(),
            subject,
            detail,
            client_ip: self.req.peer.to_string(),
            gaining: None,
            gaining_kind: None,
        }
    }

    fn transfers(&self) -> Page {
        match self.app.store.transfer_jobs_overview(LIST) {
            Ok(jobs) => {
                let jobs: Vec<_> = jobs.iter().map(|j| with_time(j, j.created_at)).collect();
                self.page(200, "dashboard_transfers.html", context! { jobs })
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    /// Single transfer orders (SW_REGISTER) across resellers, beside the jobs.
    /// Any reseller's domain: state, verification, orders, notes, and its holder.
    fn domain(&self, name: &str) -> Page {
        let name = name.to_ascii_lowercase();
        let found = (|| {
            let Some(holder) = self.app.store.portfolio_holder(&name)? else {
                return Ok(None);
            };
            let username = self
                .app
                .store
                .reseller_by_id(holder)?
                .map(|r| r.username)
                .unwrap_or_default();
            Ok(super::domain::context(self.app, holder, &name)?.map(|c| (c, username)))
        })();
        match found {
            Ok(Some((ctx, holder))) => {
                self.page(200, "dashboard_domain.html", context! { holder, ..ctx })
            }
            Ok(None) => not_found(),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn orders(&self) -> Page {
        match self.app.store.orders_all(LIST) {
            Ok(orders) => {
                let orders: Vec<_> = orders
                    .iter()
                    .map(|(reseller, o)| {
                        context! {
                            id => o.id,
                            reseller,
                            domain => o.domain,
                            job => o.job_id,
                            status => match o.job_id {
                                None if o.cancelled_at.is_some() => "cancelled",
                                None => "saved",
                                Some(_) => crate::rules::transfer::opensrs_status(o.status),
                            },
                            reason => o.reason.clone().unwrap_or_default(),
                            address => o.request_address.clone().or(o.approver.clone()).unwrap_or_default(),
                            price => crate::money::format_cents(o.price_cents),
                            when => time(o.created_at),
                        }
                    })
                    .collect();
                let away = match self.app.store.transfers_away_all(LIST) {
                    Ok(a) => a,
                    Err(e) => return store_failure("dashboard", &e),
                };
                let away: Vec<_> = away.iter().map(|a| with_time(a, a.requested_at)).collect();
                let flash =
                    self.req.query.get("away").map(|d| {
                        format!("Transfer away of {d} started; its owner has been asked.")
                    });
                self.page(
                    200,
                    "dashboard_orders.html",
                    context! { orders, away, flash },
                )
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    /// The sandbox's other side: a registrar asks for one of the portfolio's domains.
    fn start_away(&self) -> Page {
        let domain = self.req.form.get("domain").unwrap_or("").trim().to_string();
        let to = self.req.form.get("to").unwrap_or("").trim().to_string();
        if domain.is_empty() || to.is_empty() {
            return message(
                400,
                "Missing fields",
                "Give the domain and the gaining registrar.",
            );
        }
        match crate::rules::away::start(self.app, &domain, &to) {
            Ok(Ok(_)) => {
                let entry = self.audit_entry(
                    "transfer_away",
                    domain.clone(),
                    format!("transfer away to {to} started from the operator dashboard"),
                );
                match self.app.store.audit(&entry) {
                    Ok(()) => {
                        let q: String = form_urlencoded::Serializer::new(String::new())
                            .append_pair("away", &domain)
                            .finish();
                        Page::redirect(&format!("/dashboard/orders?{q}"))
                    }
                    Err(e) => store_failure("dashboard", &e),
                }
            }
            Ok(Err(crate::rules::away::AwayRefused::NotInAPortfolio)) => {
                message(404, "Not in a portfolio", "No reseller holds that domain.")
            }
            Ok(Err(crate::rules::away::AwayRefused::AlreadyPending)) => message(
                409,
                "Already asked",
                "A transfer away of that domain is already waiting for its owner.",
            ),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn transfer(&self, id: i64) -> Page {
        let job = match self.app.store.transfer_job_any(id) {
            Ok(Some(j)) => j,
            Ok(None) => return not_found(),
            Err(e) => return store_failure("dashboard", &e),
        };
        let registrants: Vec<_> = job
            .registrants
            .iter()
            .map(|r| {
                let domains = job
                    .domains
                    .iter()
                    .filter(|d| d.registrant_id == Some(r.id))
                    .count();
                context! { id => r.id, email => r.email, name => r.name, status => r.status, domains }
            })
            .collect();
        let domains: Vec<_> = job
            .domains
            .iter()
            .map(|d| {
                context! { name => d.name, status => d.status, registrant => d.registrant_id, reason => d.reason }
            })
            .collect();
        self.page(
            200,
            "dashboard_job.html",
            context! { id => job.id, name => job.name, status => job.status, registrants, domains },
        )
    }

    fn bulk(&self) -> Page {
        match self.app.store.bulk_summaries_all(LIST) {
            Ok(jobs) => {
                let flash = self.req.query.get("cancelled").map(|id| {
                    format!("Bulk change {id} cancelled; domains already pushed stay moved.")
                });
                let jobs: Vec<_> = jobs.iter().map(|j| with_time(j, j.created_at)).collect();
                self.page(200, "dashboard_bulk.html", context! { jobs, flash })
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn cancel(&self, id: i64) -> Page {
        match crate::rules::push::cancel(&self.app.store, None, id, self.app.now()) {
            Ok(Some(true)) => {
                let entry = self.audit_entry(
                    "bulk_cancel",
                    format!("bulk change {id}"),
                    "cancelled from the operator dashboard; processed domains stay moved".into(),
                );
                match self.app.store.audit(&entry) {
                    Ok(()) => Page::redirect(&format!("/dashboard/bulk?cancelled={id}")),
                    Err(e) => store_failure("dashboard", &e),
                }
            }
            Ok(Some(false)) => message(
                409,
                "Already finished",
                "This bulk change had already finished; there was nothing left to cancel.",
            ),
            Ok(None) => not_found(),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn resellers(&self) -> Page {
        match self.app.store.resellers_overview() {
            Ok(resellers) => {
                let flash = self
                    .req
                    .query
                    .get("changed")
                    .map(|name| format!("Domain push setting of {name} changed."));
                self.page(
                    200,
                    "dashboard_resellers.html",
                    context! { resellers, flash },
                )
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn set_push(&self, id: i64) -> Page {
        let on = self.req.form.get("enabled") == Some("1");
        let name = match self.app.store.reseller_by_id(id) {
            Ok(Some(r)) => r.username,
            Ok(None) => return not_found(),
            Err(e) => return store_failure("dashboard", &e),
        };
        let entry = self.audit_entry(
            if on { "push_enable" } else { "push_disable" },
            name.clone(),
            format!(
                "domain push {} by the operator",
                if on { "enabled" } else { "disabled" }
            ),
        );
        let done = self
            .app
            .store
            .set_push_enabled(id, on)
            .and_then(|()| self.app.store.audit(&entry));
        match done {
            Ok(()) => {
                let q: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair("changed", &name)
                    .finish();
                Page::redirect(&format!("/dashboard/resellers?{q}"))
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn webhooks(&self) -> Page {
        match self.app.store.webhook_log(None, LIST) {
            Ok(attempts) => {
                let attempts: Vec<_> = attempts
                    .iter()
                    .map(|a| {
                        context! {
                            when => time(a.at), event => a.event, event_id => a.event_id,
                            url => a.url, attempt => a.attempt, http_status => a.http_status,
                            error => a.error, outcome => a.outcome,
                        }
                    })
                    .collect();
                self.page(200, "dashboard_webhooks.html", context! { attempts })
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn outbox(&self) -> Page {
        match self.app.store.outbox_recent(LIST) {
            Ok((recent, total)) => {
                let mails: Vec<_> = recent
                    .iter()
                    .map(|(id, m, sent)| {
                        context! { id, to => m.to, subject => m.subject, sent => sent.map(time) }
                    })
                    .collect();
                self.page(200, "dashboard_outbox.html", context! { mails, total })
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn mail(&self, id: i64) -> Page {
        match self.app.store.outbox_mail(id) {
            Ok(Some((m, message_id, sent))) => self.page(
                200,
                "dashboard_mail.html",
                context! {
                    id, to => m.to, subject => m.subject, body => m.body,
                    message_id, sent => sent.map(time),
                },
            ),
            Ok(None) => not_found(),
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn audit(&self) -> Page {
        match self.app.store.audit_log(None, LIST) {
            Ok(rows) => {
                let rows: Vec<_> = rows.iter().map(|a| with_time(a, a.at)).collect();
                self.page(200, "dashboard_audit.html", context! { rows })
            }
            Err(e) => store_failure("dashboard", &e),
        }
    }

    fn clock(&self, status: u16, error: Option<&str>) -> Page {
        let now = time(self.app.now());
        let pending = self.app.store.pending_task_count().unwrap_or(-1);
        let next_due = self.app.store.next_due_at().ok().flatten().map(time);
        let flash = self
            .req
            .query
            .get("ran")
            .map(|n| format!("Clock advanced; {n} due tasks ran."));
        self.page(
            status,
            "dashboard_clock.html",
            context! { now, pending, next_due, error, flash },
        )
    }

    fn advance(&self) -> Page {
        let text = self.req.form.get("duration").unwrap_or("").trim();
        let Some(by) = crate::clock::parse_duration(text) else {
            return self.clock(400, Some("Enter a duration such as 7d, 36h or 90m."));
        };
        match crate::jobs::advance_clock(self.app, by) {
            Ok((now, ran)) => {
                let entry = self.audit_entry(
                    "clock_advance",
                    "sandbox clock".into(),
                    format!(
                        "advanced by {text} to {}",
                        crate::clock::format_timestamp(now)
                    ),
                );
                let recorded = self
                    .app
                    .store
                    .audit(&entry)
                    .and_then(|()| session::renew(self.app, REALM, self.req));
                match recorded {
                    Ok(()) => Page::redirect(&format!("/dashboard/clock?ran={ran}")),
                    Err(e) => store_failure("dashboard", &e),
                }
            }
            Err(e) => self.clock(409, Some(&e.to_string())),
        }
    }
}
