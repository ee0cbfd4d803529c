//! The transfer-in lifecycle's state changes, as `rules::lifecycle` plans them.
//! Each method is one transaction that applies a step's moves (each guarded by
//! the status its rule read: a domain that moved meanwhile is left as it is, and
//! its events are not written), enqueues what follows, and marks the step's task
//! done, so a crash at any point leaves either all of a step or none of it.
//!
//! Domain: pending → failed | processed → cancelled | pending_registry → completed |
//! failed. Registrant: pending → completed. Job: pending → completed once every
//! domain and registrant is final.

use super::sql::{OptionalExtension, Transaction, params};

use super::events::{NewEvent, events_in};
use super::outbox::{Mail, queue_mail};
use super::tasks::{TaskKind, enqueue, mark_done};
use super::{NO_PASSWORD, Result, Store, StoreError};
use crate::status::{DomainStatus, JobStatus, RegistrantDecision, RegistrantStatus};

/// A domain of a transfer job moving from the status its rule read to another,
/// with the events that tell of it: applied only while the domain is still in
/// `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainMove {
    pub job_id: i64,
    pub position: i64,
    pub from: DomainStatus,
    pub to: DomainStatus,
    pub reason: Option<String>,
    pub events: Vec<NewEvent>,
    /// When the move is made, the domain's registry step is queued, due then.
    pub registry_step_at: Option<i64>,
}

/// Whose transfer job it is: the reseller, and the single transfer order it
/// runs, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobOwner {
    pub reseller_id: i64,
    pub order_id: Option<i64>,
}

/// One analysed domain: what the analysis found, and the events of its move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysed {
    pub position: i64,
    pub analysis: Analysis,
    pub events: Vec<NewEvent>,
}

/// A registrant's answer as its rule planned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionPlan {
    pub registrant_id: i64,
    pub job_id: i64,
    pub decision: RegistrantDecision,
    pub moves: Vec<DomainMove>,
}

/// An approval window that ended (its task), as its rule planned it: the moves
/// of the registrant's domains, when the registrant had not answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeoutPlan {
    pub task_id: i64,
    pub registrant_id: i64,
    pub job_id: i64,
    pub moves: Vec<DomainMove>,
}

/// The registry's answer for an accepted domain (its task), as its rule planned
/// what follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryStep {
    pub task_id: i64,
    pub plan: StepPlan,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepPlan {
    /// Nothing to do (the domain is no longer waiting for the registry).
    Nothing,
    /// The registry refused: the domain fails.
    Fail(DomainMove),
    /// The registry completed: the domain lands in the portfolio.
    Land(Box<Landing>),
}

/// A transferred domain landing in the reseller's portfolio: `landed` when no
/// portfolio holds the name (its held price is charged then), `held` otherwise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Landing {
    pub domain: LandingDomain,
    pub profile: LandingProfile,
    pub landed: DomainMove,
    pub held: DomainMove,
    /// The registrant verification the transfer starts, written if it lands.
    pub verification: Option<super::NewVerification>,
    /// The DNS zone its `dns_template` makes (the template's records, JSON) and
    /// that zone's event, written if it lands.
    pub zone: Option<(String, super::NewEvent)>,
}

/// The profile a landing domain goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LandingProfile {
    /// The job's (an order's, or one the SIMPLE_TRANSFER named).
    Existing(i64),
    /// The registrant's own: made on its first completed domain with this name and
    /// no usable password, then reused.
    Registrant {
        registrant_id: i64,
        username: String,
    },
}

/// What a transferred domain is when it lands, read by [`Store::landing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LandingDomain {
    pub job_id: i64,
    pub position: i64,
    pub name: String,
    pub status: DomainStatus,
    pub registrant_id: Option<i64>,
    pub reseller_id: i64,
    pub order_id: Option<i64>,
    pub job_profile: Option<i64>,
    /// The order's contacts, else WHOIS's (JSON).
    pub contacts: Option<String>,
    pub dns_template: Option<String>,
    pub nameservers: Vec<String>,
    pub lock: bool,
    pub price_cents: Option<i64>,
    pub expires_at: Option<i64>,
    pub registered_at: Option<i64>,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    pub tld_data: Option<String>,
    /// The address that approved the transfer from its email link.
    pub approver_email: Option<String>,
}

/// What analysis concluded for one domain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Analysis {
    Failed(String),
    /// Transferable: its registrant (from WHOIS), the contact set as JSON, and the days
    /// the registry will take once accepted.
    Ready {
        registrant_email: String,
        registrant_name: String,
        contacts_json: String,
        registry_days: i64,
        /// The expiry once transferred (see `rules::transfer`).
        expires_after: Option<i64>,
        /// When the registry says the domain was first registered: a domain
        /// transferred in keeps that date.
        registered_at: Option<i64>,
    },
}

/// An analysed domain that can be transferred once its registrant approves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transferable {
    pub name: String,
    /// Lower-cased by the analysis.
    pub registrant_email: String,
    pub registrant_name: String,
    /// The WHOIS contacts the analysis found (JSON: registrant, admin, tech).
    pub contacts_json: Option<String>,
}

/// A registrant to ask, as `rules::approval` made it: tokens, window and email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApproval {
    pub email: String,
    pub name: String,
    pub token: String,
    pub csrf: String,
    pub expires_at: i64,
    pub mail: Mail,
    pub message_id: String,
    /// This registrant answers for every transferable domain of the job (a single
    /// transfer order's approver); else for the domains of its email address.
    pub for_every_domain: bool,
}

/// A domain waiting for analysis or for the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkDomain {
    pub job_id: i64,
    pub position: i64,
    pub name: String,
    pub auth_info: String,
}

/// A registrant as the approval page and emails see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approval {
    pub registrant_id: i64,
    pub job_id: i64,
    pub email: String,
    pub name: String,
    pub token: String,
    pub csrf: String,
    pub status: RegistrantStatus,
    pub decision: Option<RegistrantDecision>,
    pub expires_at: i64,
    /// Its domains in job order.
    pub domains: Vec<ApprovalDomain>,
}

/// A domain a registrant answers for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDomain {
    pub position: i64,
    pub name: String,
    pub status: DomainStatus,
    /// The days its registry takes to settle an accepted transfer.
    pub registry_days: i64,
}

impl Store {
    /// Up to `limit` domains of `job_id` still waiting for analysis, in job order.
    pub fn domains_to_analyse(&self, job_id: i64, limit: usize) -> Result<Vec<WorkDomain>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT position, name, auth_info FROM transfer_domains
                 WHERE job_id = ?1 AND status = ?3 ORDER BY position LIMIT ?2",
            )?
            .query_map(params![job_id, limit as i64, DomainStatus::Pending], |r| {
                Ok(WorkDomain {
                    job_id,
                    position: r.get("position")?,
                    name: r.get("name")?,
                    auth_info: r.get("auth_info")?,
                })
            })?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Whose transfer job it is; `None` for no such job.
    pub fn job_owner(&self, job_id: i64) -> Result<Option<JobOwner>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT j.reseller_id, o.id AS order_id FROM transfer_jobs j
                 LEFT JOIN transfer_orders o ON o.job_id = j.id WHERE j.id = ?1",
            )?
            .query_row([job_id], |r| {
                Ok(JobOwner {
                    reseller_id: r.get("reseller_id")?,
                    order_id: r.get("order_id")?,
                })
            })
            .optional()?)
    }

    /// Records the analysis of some domains in one transaction, each while it is
    /// still pending; returns how many of the job's domains still wait for
    /// analysis.
    pub fn record_analysis(&self, job_id: i64, results: &[Analysed], now: i64) -> Result<usize> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for a in results {
            let n = match &a.analysis {
                Analysis::Failed(reason) => tx
                    .prepare_cached(
                        "UPDATE transfer_domains SET status = ?5, reason = ?3, status_at = ?4
                         WHERE job_id = ?1 AND position = ?2 AND status = ?6",
                    )?
                    .execute(params![
                        job_id,
                        a.position,
                        reason,
                        now,
                        DomainStatus::Failed,
                        DomainStatus::Pending
                    ])?,
                Analysis::Ready {
                    registrant_email,
                    registrant_name,
                    contacts_json,
                    registry_days,
                    expires_after,
                    registered_at,
                } => tx
                    .prepare_cached(
                        "UPDATE transfer_domains SET status = ?10, registrant_email = ?3,
                           registrant_name = ?4, contacts = ?5, registry_days = ?6, status_at = ?7,
                           expires_after = ?8, registered_at = ?9
                         WHERE job_id = ?1 AND position = ?2 AND status = ?11",
                    )?
                    .execute(params![
                        job_id,
                        a.position,
                        registrant_email,
                        registrant_name,
                        contacts_json,
                        registry_days,
                        now,
                        expires_after,
                        registered_at,
                        DomainStatus::Processed,
                        DomainStatus::Pending
                    ])?,
            };
            if n == 1 {
                events_in(&tx, &a.events)?;
            }
        }
        let left: i64 = tx
            .prepare_cached(
                "SELECT count(*) FROM transfer_domains WHERE job_id = ?1 AND status = ?2",
            )?
            .query_row(params![job_id, DomainStatus::Pending], |r| r.get(0))?;
        tx.commit()?;
        Ok(usize::try_from(left).unwrap_or(0))
    }

    /// The job's transferable domains (analysed, waiting for their registrant), in
    /// job order.
    pub fn transferable_domains(&self, job_id: i64) -> Result<Vec<Transferable>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT name, registrant_email, registrant_name, contacts FROM transfer_domains
                 WHERE job_id = ?1 AND status = ?2 ORDER BY position",
            )?
            .query_map(params![job_id, DomainStatus::Processed], |r| {
                Ok(Transferable {
                    name: r.get("name")?,
                    registrant_email: r
                        .get::<_, Option<String>>("registrant_email")?
                        .unwrap_or_default(),
                    registrant_name: r
                        .get::<_, Option<String>>("registrant_name")?
                        .unwrap_or_default(),
                    contacts_json: r.get("contacts")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Ends the analysis of a job in one transaction: the registrants to ask (each
    /// with its domains, found by email), their approval emails and timeouts; then
    /// the job completes if nothing was transferable, and the analysis task is done.
    /// A second call for the same job opens nothing more.
    pub fn open_approvals(
        &self,
        task_id: i64,
        job_id: i64,
        approvals: &[NewApproval],
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let opened: i64 = tx
            .prepare_cached("SELECT count(*) FROM transfer_registrants WHERE job_id = ?1")?
            .query_row([job_id], |r| r.get(0))?;
        if opened == 0 {
            for a in approvals {
                let rid: i64 = tx
                    .prepare_cached(
                        "INSERT INTO transfer_registrants (job_id, email, name, status, token, csrf, expires_at)
                         VALUES (?1, ?2, ?3, ?7, ?4, ?5, ?6) RETURNING id",
                    )?
                    .query_row(
                        params![
                            job_id,
                            a.email,
                            a.name,
                            a.token,
                            a.csrf,
                            a.expires_at,
                            RegistrantStatus::Pending
                        ],
                        |r| r.get(0),
                    )?;
                queue_mail(
                    &tx,
                    "transfer_approval",
                    &a.mail,
                    &a.message_id,
                    Some((job_id, rid)),
                    now,
                )?;
                enqueue(&tx, TaskKind::ApprovalTimeout, rid, None, a.expires_at, now)?;
            }
            if let [only] = approvals
                && only.for_every_domain
            {
                // A single transfer order: its approver answers for its domain,
                // whoever WHOIS names as registrant.
                tx.prepare_cached(
                    "UPDATE transfer_domains SET registrant_id = (
                       SELECT id FROM transfer_registrants WHERE job_id = ?1)
                     WHERE job_id = ?1 AND status = ?2",
                )?
                .execute(params![job_id, DomainStatus::Processed])?;
            } else {
                // One set-based pass rather than a scan per registrant (emails were
                // lower-cased by the analysis).
                tx.prepare_cached(
                    "UPDATE transfer_domains SET registrant_id = (
                       SELECT r.id FROM transfer_registrants r
                       WHERE r.job_id = transfer_domains.job_id AND r.email = lower(transfer_domains.registrant_email))
                     WHERE job_id = ?1 AND status = ?2",
                )?
                .execute(params![job_id, DomainStatus::Processed])?;
            }
        }
        complete_job_if_final(&tx, job_id)?;
        mark_done(&tx, &self.instance, task_id, now)?;
        tx.commit()?;
        Ok(())
    }

    /// The registrant behind an approval token, with its domains.
    pub fn approval_by_token(&self, token: &str) -> Result<Option<Approval>> {
        let tx = self.snapshot()?;
        let a = load_approval(&tx, "token = ?1", &token)?;
        Ok(a)
    }

    /// The undecided registrant `registrant_id`, with its domains; `None` once it
    /// has decided (or timed out), or for no such registrant.
    pub fn undecided_registrant(&self, registrant_id: i64) -> Result<Option<Approval>> {
        let tx = self.snapshot()?;
        let a = load_approval(&tx, "id = ?1 AND decision IS NULL", &registrant_id)?;
        Ok(a)
    }

    /// Applies a registrant's answer: its decision, its domains' moves and the
    /// registry steps of those accepted. Guarded: `None`, and nothing written, when
    /// the registrant has decided (or timed out) meanwhile; else the registrant
    /// after it.
    pub fn apply_decision(&self, p: &DecisionPlan, now: i64) -> Result<Option<Approval>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if !decide_in(&tx, p.registrant_id, p.decision, now)? {
            return Ok(None);
        }
        for m in &p.moves {
            move_in(&tx, m, now)?;
        }
        complete_registrant_if_final(&tx, p.registrant_id)?;
        complete_job_if_final(&tx, p.job_id)?;
        let after = load_approval(&tx, "id = ?1", &p.registrant_id)?.ok_or(StoreError::NotFound)?;
        tx.commit()?;
        Ok(Some(after))
    }

    /// Approval windows that are over, in one transaction: a registrant that had
    /// not answered times out and its planned moves are made; each task is done.
    pub fn approval_timeouts(&self, plans: &[TimeoutPlan], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for p in plans {
            if decide_in(&tx, p.registrant_id, RegistrantDecision::Timeout, now)? {
                for m in &p.moves {
                    move_in(&tx, m, now)?;
                }
                complete_registrant_if_final(&tx, p.registrant_id)?;
                complete_job_if_final(&tx, p.job_id)?;
            }
            mark_done(&tx, &self.instance, p.task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The domain a registry step is about.
    pub fn work_domain(&self, job_id: i64, position: i64) -> Result<Option<WorkDomain>> {
        let conn = self.reader();
        let d = conn
            .prepare_cached(
                "SELECT name, auth_info FROM transfer_domains WHERE job_id = ?1 AND position = ?2",
            )?
            .query_row(params![job_id, position], |r| {
                Ok(WorkDomain {
                    job_id,
                    position,
                    name: r.get("name")?,
                    auth_info: r.get("auth_info")?,
                })
            })
            .optional()?;
        Ok(d)
    }

    /// What a transferred domain is when it lands: its transfer, job and order.
    pub fn landing(&self, job_id: i64, position: i64) -> Result<Option<LandingDomain>> {
        let tx = self.snapshot()?;
        let row = tx
            .prepare_cached(
                "SELECT d.name, d.status, d.registrant_id, coalesce(o.contacts, d.contacts) AS contacts,
                        j.reseller_id, o.id AS order_id, j.profile_id, j.dns_template,
                        coalesce(o.lock_domain, 0) AS lock_domain, o.price_cents, d.expires_after,
                        d.registered_at, coalesce(o.whois_privacy, 0) AS whois_privacy,
                        coalesce(o.auto_renew, 0) AS auto_renew, o.tld_data,
                        r.email AS approver_email
                 FROM transfer_domains d JOIN transfer_jobs j ON j.id = d.job_id
                 LEFT JOIN transfer_orders o ON o.job_id = d.job_id
                 LEFT JOIN transfer_registrants r ON r.id = d.registrant_id
                 WHERE d.job_id = ?1 AND d.position = ?2",
            )?
            .query_row(params![job_id, position], |r| {
                Ok(LandingDomain {
                    job_id,
                    position,
                    name: r.get("name")?,
                    status: r.get("status")?,
                    registrant_id: r.get("registrant_id")?,
                    reseller_id: r.get("reseller_id")?,
                    order_id: r.get("order_id")?,
                    job_profile: r.get("profile_id")?,
                    contacts: r.get("contacts")?,
                    dns_template: r.get("dns_template")?,
                    nameservers: Vec::new(),
                    lock: r.get("lock_domain")?,
                    price_cents: r.get("price_cents")?,
                    expires_at: r.get("expires_after")?,
                    registered_at: r.get("registered_at")?,
                    whois_privacy: r.get("whois_privacy")?,
                    auto_renew: r.get("auto_renew")?,
                    tld_data: r.get("tld_data")?,
                    approver_email: r.get("approver_email")?,
                })
            })
            .optional()?;
        let Some(mut d) = row else {
            return Ok(None);
        };
        d.nameservers = tx
            .prepare_cached(
                "SELECT name FROM transfer_nameservers WHERE job_id = ?1 ORDER BY position",
            )?
            .query_map([job_id], |r| r.get("name"))?
            .collect::<super::sql::Result<_>>()?;
        Ok(Some(d))
    }

    /// The registry's answers for accepted domains, in one transaction, as their
    /// rule planned them; each task is done.
    pub fn registry_results(&self, steps: &[RegistryStep], now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for step in steps {
            match &step.plan {
                StepPlan::Nothing => {}
                StepPlan::Fail(m) => {
                    move_in(&tx, m, now)?;
                    complete_after(&tx, m)?;
                }
                StepPlan::Land(l) => land_in(&tx, l, now)?,
            }
            mark_done(&tx, &self.instance, step.task_id, now)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Makes one move while the domain is still in `from`, with its events and its
/// registry step; whether it was made.
pub(crate) fn move_in(tx: &Transaction<'_>, m: &DomainMove, now: i64) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE transfer_domains SET status = ?3, reason = ?4, status_at = ?5
             WHERE job_id = ?1 AND position = ?2 AND status = ?6",
        )?
        .execute(params![m.job_id, m.position, m.to, m.reason, now, m.from])?;
    if n == 0 {
        return Ok(false);
    }
    events_in(tx, &m.events)?;
    if let Some(due) = m.registry_step_at {
        enqueue(
            tx,
            TaskKind::RegistryStep,
            m.job_id,
            Some(m.position),
            due,
            now,
        )?;
    }
    Ok(true)
}

/// Records a registrant's decision while it has none; whether it was recorded.
fn decide_in(
    tx: &Transaction<'_>,
    registrant_id: i64,
    decision: RegistrantDecision,
    now: i64,
) -> Result<bool> {
    let n = tx
        .prepare_cached(
            "UPDATE transfer_registrants SET decision = ?2, decided_at = ?3
             WHERE id = ?1 AND decision IS NULL",
        )?
        .execute(params![registrant_id, decision, now])?;
    Ok(n == 1)
}

/// The registrant of a moved domain, then its job, completed where nothing waits.
fn complete_after(tx: &Transaction<'_>, m: &DomainMove) -> Result<()> {
    let registrant: Option<i64> = tx
        .prepare_cached(
            "SELECT registrant_id FROM transfer_domains WHERE job_id = ?1 AND position = ?2",
        )?
        .query_row(params![m.job_id, m.position], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(r) = registrant {
        complete_registrant_if_final(tx, r)?;
    }
    complete_job_if_final(tx, m.job_id)
}

/// A completed transfer lands in the portfolio: the profile, the domain (unless a
/// portfolio holds the name), the held price charged, and the planned move.
fn land_in(tx: &Transaction<'_>, l: &Landing, now: i64) -> Result<()> {
    let d = &l.domain;
    // Only while the domain still waits for the registry (the plan read it so).
    let waiting = tx
        .prepare_cached(
            "SELECT 1 FROM transfer_domains WHERE job_id = ?1 AND position = ?2 AND status = ?3",
        )?
        .query_row(
            params![d.job_id, d.position, DomainStatus::PendingRegistry],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    if !waiting {
        return Ok(());
    }
    let profile = match &l.profile {
        LandingProfile::Existing(p) => *p,
        LandingProfile::Registrant {
            registrant_id,
            username,
        } => registrant_profile(tx, d.reseller_id, *registrant_id, username, now)?,
    };
    let ns = serde_json::to_string(&d.nameservers).unwrap_or_else(|_| "[]".into());
    let landed: Option<i64> = tx
        .prepare_cached(
            "INSERT INTO domains (name, reseller_id, profile_id, locked, created_at, contacts,
               nameservers, dns_template, transferred_at, expires_at, whois_privacy, auto_renew,
               tld_data, registered_at)
             VALUES (?1, ?2, ?3, ?8, ?4, ?5, ?6, ?7, ?4, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )?
        .query_row(
            params![
                d.name,
                d.reseller_id,
                profile,
                now,
                d.contacts,
                ns,
                d.dns_template,
                d.lock,
                d.expires_at,
                d.whois_privacy,
                d.auto_renew,
                d.tld_data,
                d.registered_at
            ],
            |r| r.get(0),
        )
        .optional()?;
    let m = if landed.is_some() {
        // An order's price is charged when its transfer completes (it was held
        // until now, so no funds guard: it is the reseller's already).
        if let Some(cents) = d.price_cents {
            tx.prepare_cached(
                "UPDATE resellers SET balance_cents = balance_cents - ?2 WHERE id = ?1",
            )?
            .execute(params![d.reseller_id, cents])?;
        }
        if let Some(v) = &l.verification {
            super::verification::verification_in(tx, v)?;
        }
        if let (Some((records, event)), Some(template)) = (&l.zone, &d.dns_template) {
            let w = super::ZoneWrite {
                reseller_id: d.reseller_id,
                domain: &d.name,
                template: Some(template),
                records,
                now,
            };
            if super::dns::zone_in(tx, &w)? == 1 {
                super::events::events_in(tx, std::slice::from_ref(event))?;
            }
        }
        &l.landed
    } else {
        &l.held
    };
    move_in(tx, m, now)?;
    complete_after(tx, m)
}

fn load_approval(
    tx: &super::sql::Connection,
    filter: &str,
    value: &dyn super::sql::ToValue,
) -> Result<Option<Approval>> {
    let sql = format!(
        "SELECT id, job_id, email, name, token, coalesce(csrf, '') AS csrf, status, decision,
                coalesce(expires_at, 0) AS expires_at
         FROM transfer_registrants WHERE {filter}"
    );
    let head = tx
        .prepare_cached(&sql)?
        .query_row([value], |r| {
            Ok(Approval {
                registrant_id: r.get("id")?,
                job_id: r.get("job_id")?,
                email: r.get("email")?,
                name: r.get("name")?,
                token: r.get("token")?,
                csrf: r.get("csrf")?,
                status: r.get("status")?,
                decision: r.get("decision")?,
                expires_at: r.get("expires_at")?,
                domains: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut a) = head else {
        return Ok(None);
    };
    a.domains = tx
        .prepare_cached(
            "SELECT position, name, status, coalesce(registry_days, 0) AS registry_days
             FROM transfer_domains WHERE registrant_id = ?1 ORDER BY position",
        )?
        .query_map([a.registrant_id], |r| {
            Ok(ApprovalDomain {
                position: r.get("position")?,
                name: r.get("name")?,
                status: r.get("status")?,
                registry_days: r.get("registry_days")?,
            })
        })?
        .collect::<super::sql::Result<_>>()?;
    Ok(Some(a))
}

/// A registrant is complete once it has decided (or timed out) and none of its
/// domains waits for anything.
fn complete_registrant_if_final(tx: &Transaction<'_>, registrant_id: i64) -> Result<()> {
    let [a, b, c] = DomainStatus::ON_THE_WAY;
    tx.prepare_cached(
        "UPDATE transfer_registrants SET status = ?2
         WHERE id = ?1 AND decision IS NOT NULL AND NOT EXISTS (
           SELECT 1 FROM transfer_domains WHERE registrant_id = ?1
           AND status IN (?3, ?4, ?5))",
    )?
    .execute(params![registrant_id, RegistrantStatus::Completed, a, b, c])?;
    Ok(())
}

/// The registrants and the job of `job_id` completed where nothing waits any more
/// (for a caller that ended some of its transfers).
pub(crate) fn complete_job_in(tx: &Transaction<'_>, job_id: i64) -> Result<()> {
    let ids: Vec<i64> = tx
        .prepare_cached("SELECT id FROM transfer_registrants WHERE job_id = ?1")?
        .query_map([job_id], |r| r.get(0))?
        .collect::<super::sql::Result<_>>()?;
    for id in ids {
        complete_registrant_if_final(tx, id)?;
    }
    complete_job_if_final(tx, job_id)
}

fn complete_job_if_final(tx: &Transaction<'_>, job_id: i64) -> Result<()> {
    let [a, b, c] = DomainStatus::ON_THE_WAY;
    tx.prepare_cached(
        "UPDATE transfer_jobs SET status = ?2
         WHERE id = ?1
           AND NOT EXISTS (SELECT 1 FROM transfer_domains WHERE job_id = ?1
                           AND status IN (?4, ?5, ?6))
           AND NOT EXISTS (SELECT 1 FROM transfer_registrants WHERE job_id = ?1 AND status <> ?3)",
    )?
    .execute(params![
        job_id,
        JobStatus::Completed,
        RegistrantStatus::Completed,
        a,
        b,
        c
    ])?;
    Ok(())
}

/// The registrant's own profile: made on its first completed domain, with no
/// usable password until the reseller sets one, then reused.
fn registrant_profile(
    tx: &Transaction<'_>,
    reseller_id: i64,
    registrant_id: i64,
    username: &str,
    now: i64,
) -> Result<i64> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT profile_id FROM transfer_registrants WHERE id = ?1")?
        .query_row([registrant_id], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(p) = existing {
        return Ok(p);
    }
    let p: i64 = tx
        .prepare_cached(
            "INSERT INTO profiles (reseller_id, username, password_hash, created_at)
             VALUES (?1, ?2, ?3, ?4) RETURNING id",
        )?
        .query_row(params![reseller_id, username, NO_PASSWORD, now], |r| {
            r.get(0)
        })?;
    tx.prepare_cached("UPDATE transfer_registrants SET profile_id = ?2 WHERE id = ?1")?
        .execute(params![registrant_id, p])?;
    Ok(p)
}
