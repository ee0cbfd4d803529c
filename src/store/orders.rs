//! Single transfer orders (SW_REGISTER `reg_type=transfer`): taken in one
//! transaction with their profile and, when processed, the one-domain transfer job
//! that runs them through the lifecycle; the price held while the transfer is on its
//! way, charged by the registry step that completes it (see `lifecycle`).

use super::sql::{OptionalExtension, Transaction, params};

use super::lifecycle::{DomainMove, move_in};
use super::outbox::{Mail, queue_mail};
use super::transfers::{NewTransferJob, insert_job};
use super::{Guard, Result, Store, StoreError, Written};
use crate::status::{DomainStatus, OrderHandle, RegistrantDecision};

/// The profile a transferred domain goes into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrderProfile {
    /// One of the reseller's profiles (its password was checked).
    Existing(i64),
    /// A new profile of this name and password hash (`Conflict` if taken).
    New {
        username: String,
        password_hash: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    pub reseller_id: i64,
    pub domain: String,
    pub auth_info: String,
    /// `handle=process`: the transfer starts now; else the order is saved.
    pub process: bool,
    pub profile: OrderProfile,
    pub nameservers: Vec<String>,
    /// The request's contact set as JSON, used at completion instead of WHOIS's.
    pub contacts_json: Option<String>,
    pub lock_domain: bool,
    /// `f_whois_privacy`, `auto_renew`, and `tld_data` as JSON.
    pub whois_privacy: bool,
    pub auto_renew: bool,
    pub tld_data: Option<String>,
    pub period: i64,
    /// `owner_confirm_address`: where the approval email goes instead of the
    /// WHOIS admin contact.
    pub approver: Option<String>,
    pub price_cents: i64,
    pub registrant_ip: Option<String>,
    pub created_at: i64,
}

/// An order as the transfer verbs show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderView {
    pub id: i64,
    pub domain: String,
    /// `None` while the order is saved (no transfer started).
    pub job_id: Option<i64>,
    /// The transfer's state once started.
    pub status: Option<DomainStatus>,
    pub reason: Option<String>,
    pub approver: Option<String>,
    /// Where the approval email went (once asked).
    pub request_address: Option<String>,
    pub created_at: i64,
    pub status_at: Option<i64>,
    pub price_cents: i64,
    /// The approver's row, once asked: its id, approval token and name.
    pub registrant: Option<(i64, String, String)>,
    /// accept | cancel | timeout, and when.
    pub decision: Option<crate::status::RegistrantDecision>,
    pub decided_at: Option<i64>,
    /// When the approval email was first queued.
    pub asked_at: Option<i64>,
    /// When a saved order was cancelled before it started.
    pub cancelled_at: Option<i64>,
}

const VIEW: &str = "SELECT o.id, o.domain, o.job_id, d.status, d.reason, o.approver,
                           r.email AS request_address, o.created_at, d.status_at, o.price_cents,
                           r.id AS registrant_id, r.token AS registrant_token,
                           r.name AS registrant_name, r.decision, r.decided_at, o.cancelled_at,
                           (SELECT min(m.created_at) FROM outbox m
                            WHERE m.job_id = o.job_id AND m.kind = 'transfer_approval') AS asked_at
                    FROM transfer_orders o
                    LEFT JOIN transfer_domains d ON d.job_id = o.job_id AND d.position = 0
                    LEFT JOIN transfer_registrants r ON r.id = d.registrant_id";

fn view_row(r: &super::sql::Row<'_>) -> super::sql::Result<OrderView> {
    Ok(OrderView {
        id: r.get("id")?,
        domain: r.get("domain")?,
        job_id: r.get("job_id")?,
        status: r.get("status")?,
        reason: r.get("reason")?,
        approver: r.get("approver")?,
        request_address: r.get("request_address")?,
        created_at: r.get("created_at")?,
        status_at: r.get("status_at")?,
        price_cents: r.get("price_cents")?,
        registrant: match (
            r.get::<_, Option<i64>>("registrant_id")?,
            r.get::<_, Option<String>>("registrant_token")?,
        ) {
            (Some(id), Some(token)) => Some((
                id,
                token,
                r.get::<_, Option<String>>("registrant_name")?
                    .unwrap_or_default(),
            )),
            _ => None,
        },
        decision: r.get("decision")?,
        decided_at: r.get("decided_at")?,
        asked_at: r.get("asked_at")?,
        cancelled_at: r.get("cancelled_at")?,
    })
}

/// What a reseller's balance holds, as a SQL expression: the prices of its orders
/// whose transfer is on its way. `reseller` is the reseller id's parameter;
/// `first` numbers the three parameters of the statuses on the way, bound as
/// [`ON_THE_WAY`] binds them.
/// The next order id, from the one id space of every order (migration 32), inside
/// the caller's transaction.
pub(super) fn next_order_id(tx: &Transaction<'_>) -> Result<i64> {
    Ok(tx
        .prepare_cached(
            "INSERT INTO order_sequence (id, last) VALUES (1, 1)
             ON CONFLICT (id) DO UPDATE SET last = order_sequence.last + 1 RETURNING last",
        )?
        .query_row([], |r| r.get("last"))?)
}

pub(super) fn held_sql(reseller: &str, first: usize) -> String {
    format!(
        // A bigint on both backends (PostgreSQL's sum of bigints is numeric).
        "(SELECT CAST(coalesce(sum(o.price_cents), 0) AS BIGINT) FROM transfer_orders o
          JOIN transfer_domains d ON d.job_id = o.job_id
          WHERE o.reseller_id = {reseller} AND d.status IN (?{}, ?{}, ?{}))",
        first,
        first + 1,
        first + 2
    )
}

/// A transfer order's start: its one-domain job.
pub(super) struct OrderStart<'a> {
    pub reseller_id: i64,
    pub order_id: i64,
    pub profile_id: i64,
    pub nameservers: &'a [String],
    pub domain: &'a str,
    pub auth_info: &'a str,
    pub now: i64,
}

/// Starts a transfer order inside the caller's transaction: its job, named after
/// the order (the panel lists it so), tied to the order. The job's id.
pub(super) fn start_in(tx: &Transaction<'_>, o: &OrderStart<'_>) -> Result<i64> {
    let job = NewTransferJob {
        reseller_id: o.reseller_id,
        name: format!("order {}", o.order_id),
        profile_id: Some(o.profile_id),
        dns_template: None,
        nameservers: o.nameservers.to_vec(),
        domains: vec![(o.domain.into(), o.auth_info.into())],
        created_at: o.now,
    };
    let job_id = insert_job(tx, &job)?;
    tx.prepare_cached("UPDATE transfer_orders SET job_id = ?2, handle = ?3 WHERE id = ?1")?
        .execute(params![o.order_id, job_id, OrderHandle::Process])?;
    Ok(job_id)
}

/// The statuses of a transfer on its way, as [`held_sql`]'s parameters.
pub(super) const ON_THE_WAY: [DomainStatus; 3] = DomainStatus::ON_THE_WAY;

impl Store {
    /// Takes an order in one transaction: the profile, the order and, when
    /// processed, its job. Guarded: a processed order is stopped when the
    /// reseller's balance less what is held does not cover its price
    /// ([`Guard::FundsShort`]); its price is held from then on, not charged.
    /// Returns the order id and the job id.
    pub fn create_order(&self, o: &NewOrder) -> Result<Written<(i64, Option<i64>)>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let profile_id = profile_in(&tx, o.reseller_id, &o.profile, o.created_at)?;
        let handle = if o.process {
            OrderHandle::Process
        } else {
            OrderHandle::Save
        };
        // The funds guard: the row is written only while what is not held covers
        // the price (a saved order holds nothing and is always written).
        let sql = format!(
            "INSERT INTO transfer_orders (reseller_id, domain, auth_info, handle, approver, contacts,
               lock_domain, period, price_cents, registrant_ip, created_at, whois_privacy, auto_renew,
               tld_data, id, profile_id, nameservers)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?19, ?20, ?21
             FROM resellers WHERE id = ?1 AND (?15 = 0 OR balance_cents - {} >= ?9)
             RETURNING id",
            held_sql("?1", 16)
        );
        let id = next_order_id(&tx)?;
        let [a, b, c] = ON_THE_WAY;
        let nameservers = serde_json::to_string(&o.nameservers).unwrap_or_else(|_| "[]".into());
        let order_id: Option<i64> = tx
            .prepare_cached(&sql)?
            .query_row(
                params![
                    o.reseller_id,
                    o.domain,
                    o.auth_info,
                    handle,
                    o.approver,
                    o.contacts_json,
                    o.lock_domain,
                    o.period,
                    o.price_cents,
                    o.registrant_ip,
                    o.created_at,
                    o.whois_privacy,
                    o.auto_renew,
                    o.tld_data,
                    o.process,
                    a,
                    b,
                    c,
                    id,
                    profile_id,
                    nameservers
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(order_id) = order_id else {
            return Ok(Written::Stopped(Guard::FundsShort));
        };
        let job_id = if o.process {
            let start = OrderStart {
                reseller_id: o.reseller_id,
                order_id,
                profile_id,
                nameservers: &o.nameservers,
                domain: &o.domain,
                auth_info: &o.auth_info,
                now: o.created_at,
            };
            Some(start_in(&tx, &start)?)
        } else {
            None
        };
        tx.commit()?;
        Ok(Written::Done((order_id, job_id)))
    }

    /// A job whose domains go into `profile` (an existing one, or a new one made in
    /// the same transaction: BULK_TRANSFER), the job's own `profile_id` aside.
    /// `Conflict` when a new profile's name is taken.
    pub fn create_transfer_job_into(
        &self,
        job: &NewTransferJob,
        profile: &OrderProfile,
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let profile_id = profile_in(&tx, job.reseller_id, profile, job.created_at)?;
        let id = insert_job(
            &tx,
            &NewTransferJob {
                profile_id: Some(profile_id),
                ..job.clone()
            },
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// The order if it is the reseller's.
    pub fn order(&self, reseller_id: i64, id: i64) -> Result<Option<OrderView>> {
        let v = self
            .reader()
            .prepare_cached(&format!("{VIEW} WHERE o.id = ?1 AND o.reseller_id = ?2"))?
            .query_row(params![id, reseller_id], view_row)
            .optional()?;
        Ok(v)
    }

    /// The reseller's latest order of a domain.
    pub fn order_by_domain(&self, reseller_id: i64, domain: &str) -> Result<Option<OrderView>> {
        let v = self
            .reader()
            .prepare_cached(&format!(
                "{VIEW} WHERE o.domain = ?1 AND o.reseller_id = ?2 ORDER BY o.id DESC LIMIT 1"
            ))?
            .query_row(params![domain, reseller_id], view_row)
            .optional()?;
        Ok(v)
    }

    /// The order a transfer job runs, if it runs one.
    pub fn order_of_job(&self, job_id: i64) -> Result<Option<OrderView>> {
        let v = self
            .reader()
            .prepare_cached(&format!("{VIEW} WHERE o.job_id = ?1"))?
            .query_row([job_id], view_row)
            .optional()?;
        Ok(v)
    }

    /// Cancels transfers of job `job_id` as their rule planned (each while still
    /// in the status read); the undecided registrants are cancelled with them and
    /// the job completed where nothing waits. Whether any moved.
    pub fn cancel_transfers(&self, job_id: i64, moves: &[DomainMove], now: i64) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let mut any = false;
        for m in moves {
            any |= move_in(&tx, m, now)?;
        }
        if !any {
            return Ok(false);
        }
        tx.prepare_cached(
            "UPDATE transfer_registrants SET decision = ?3, decided_at = ?2
             WHERE job_id = ?1 AND decision IS NULL",
        )?
        .execute(params![job_id, now, RegistrantDecision::Cancel])?;
        super::lifecycle::complete_job_in(&tx, job_id)?;
        tx.commit()?;
        Ok(true)
    }

    /// What a cancelled order asked for, to take it again (PROCESS_TRANSFER): the
    /// order as new, with its job's profile and nameservers; `None` when the reseller
    /// has no such started order.
    pub fn order_again(
        &self,
        reseller_id: i64,
        order_id: i64,
        now: i64,
    ) -> Result<Option<NewOrder>> {
        let tx = self.snapshot()?;
        let row = tx
            .prepare_cached(
                "SELECT o.domain, o.auth_info, o.approver, o.contacts, o.lock_domain, o.period,
                        o.price_cents, o.registrant_ip, j.profile_id, o.job_id, o.whois_privacy,
                        o.auto_renew, o.tld_data
                 FROM transfer_orders o JOIN transfer_jobs j ON j.id = o.job_id
                 WHERE o.id = ?1 AND o.reseller_id = ?2",
            )?
            .query_row(params![order_id, reseller_id], |r| {
                Ok((
                    NewOrder {
                        reseller_id,
                        domain: r.get("domain")?,
                        auth_info: r.get("auth_info")?,
                        process: true,
                        profile: OrderProfile::Existing(
                            r.get::<_, Option<i64>>("profile_id")?.unwrap_or(0),
                        ),
                        nameservers: Vec::new(),
                        contacts_json: r.get("contacts")?,
                        lock_domain: r.get("lock_domain")?,
                        whois_privacy: r.get("whois_privacy")?,
                        auto_renew: r.get("auto_renew")?,
                        tld_data: r.get("tld_data")?,
                        period: r.get("period")?,
                        approver: r.get("approver")?,
                        price_cents: r.get("price_cents")?,
                        registrant_ip: r.get("registrant_ip")?,
                        created_at: now,
                    },
                    r.get::<_, i64>("job_id")?,
                ))
            })
            .optional()?;
        let Some((mut order, job_id)) = row else {
            return Ok(None);
        };
        order.nameservers = tx
            .prepare_cached(
                "SELECT name FROM transfer_nameservers WHERE job_id = ?1 ORDER BY position",
            )?
            .query_map([job_id], |r| r.get(0))?
            .collect::<super::sql::Result<_>>()?;
        Ok(Some(order))
    }

    /// Queues the approval email of an order's approver again, while the transfer
    /// still waits for it; false (nothing queued) otherwise.
    pub fn resend_approval(
        &self,
        job_id: i64,
        registrant_id: i64,
        mail: &Mail,
        now: i64,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let waiting: Option<String> = tx
            .prepare_cached(
                "SELECT r.token FROM transfer_registrants r
                 WHERE r.id = ?1 AND r.job_id = ?2 AND r.decision IS NULL AND EXISTS (
                   SELECT 1 FROM transfer_domains d WHERE d.registrant_id = r.id AND d.status = ?3)",
            )?
            .query_row(
                params![registrant_id, job_id, DomainStatus::Processed],
                |r| r.get(0),
            )
            .optional()?;
        let Some(token) = waiting else {
            return Ok(false);
        };
        let sent: i64 = tx
            .prepare_cached("SELECT count(*) FROM outbox WHERE job_id = ?1 AND registrant_id = ?2")?
            .query_row(params![job_id, registrant_id], |r| r.get(0))?;
        let message_id = format!(
            "<transfer-{job_id}-{}-{sent}@opsd>",
            &token[..16.min(token.len())]
        );
        queue_mail(
            &tx,
            "transfer_approval",
            mail,
            &message_id,
            Some((job_id, registrant_id)),
            now,
        )?;
        tx.commit()?;
        Ok(true)
    }

    /// Every reseller's latest orders with the reseller's name: the operator's list.
    pub fn orders_all(&self, limit: usize) -> Result<Vec<(String, OrderView)>> {
        let rows = self
            .reader()
            .prepare_cached(&format!(
                "SELECT x.username AS reseller_name, {} JOIN resellers x ON x.id = o.reseller_id
                 ORDER BY o.id DESC LIMIT ?1",
                VIEW.trim_start_matches("SELECT ")
            ))?
            .query_map([limit as i64], |r| {
                let name: String = r.get("reseller_name")?;
                Ok((name, view_row(r)?))
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// The reseller's orders, newest first (GET_TRANSFERS_IN filters and pages
    /// them by their derived status).
    pub fn orders_of(&self, reseller_id: i64) -> Result<Vec<OrderView>> {
        let rows = self
            .reader()
            .prepare_cached(&format!(
                "{VIEW} WHERE o.reseller_id = ?1 ORDER BY o.id DESC"
            ))?
            .query_map([reseller_id], view_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }
}

pub(super) fn profile_in(
    tx: &Transaction<'_>,
    reseller_id: i64,
    profile: &OrderProfile,
    now: i64,
) -> Result<i64> {
    match profile {
        OrderProfile::Existing(id) => Ok(*id),
        OrderProfile::New {
            username,
            password_hash,
        } => {
            tx.prepare_cached(
                "INSERT INTO profiles (reseller_id, username, password_hash, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            )?
            .query_row(params![reseller_id, username, password_hash, now], |r| r.get(0))
            .map_err(|e| StoreError::conflict_or(e, format!("profile {username}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;

    /// The funds guard: a processed order is written only while the balance less
    /// what is held covers its price, and then holds it; a saved order holds
    /// nothing and is always written.
    #[test]
    fn processed_orders_are_guarded_by_the_funds_they_hold() {
        let (store, _dir) = temp_store();
        let r = store.add_reseller("r", "k", &[], 0).unwrap_or_default();
        assert!(store.set_balance(r, 150).is_ok());
        let order = |domain: &str, process: bool, username: &str| NewOrder {
            reseller_id: r,
            domain: domain.into(),
            auth_info: "x".into(),
            process,
            profile: OrderProfile::New {
                username: username.into(),
                password_hash: "!".into(),
            },
            nameservers: Vec::new(),
            contacts_json: None,
            lock_domain: false,
            whois_privacy: false,
            auto_renew: false,
            tld_data: None,
            period: 1,
            approver: None,
            price_cents: 100,
            registrant_ip: None,
            created_at: 0,
        };
        let first = store.create_order(&order("a.com", true, "u1"));
        assert!(
            matches!(first, Ok(Written::Done((_, Some(_))))),
            "{first:?}"
        );
        assert_eq!(store.balance(r).map(|b| b.held).ok(), Some(100));
        // 150 less 100 held does not cover another 100.
        assert!(matches!(
            store.create_order(&order("b.com", true, "u2")),
            Ok(Written::Stopped(Guard::FundsShort))
        ));
        // Nothing of the stopped order was written, not even its profile.
        assert!(matches!(
            store.create_order(&order("b.com", false, "u2")),
            Ok(Written::Done((_, None)))
        ));
        assert_eq!(
            store.balance(r).map(|b| (b.balance, b.held)).ok(),
            Some((150, 100))
        );
    }
}

/// Any order of a reseller as GET_ORDER_INFO and GET_ORDERS_BY_DOMAIN show it: a
/// registration, renewal or redemption (`portfolio_orders`) or a transfer
/// (`transfer_orders`, with its transfer's state).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnyOrder {
    pub id: i64,
    pub domain: String,
    /// Registrations, renewals, redemptions; `None` for a transfer.
    pub kind: Option<crate::status::OrderKind>,
    /// A portfolio order's status.
    pub status: Option<crate::status::OrderStatus>,
    /// A transfer order's transfer, once started.
    pub transfer: Option<DomainStatus>,
    pub period: i64,
    pub price_cents: i64,
    pub created_at: i64,
    /// When the transfer last changed (a transfer order).
    pub status_at: Option<i64>,
    /// When a saved transfer order was cancelled before it started.
    pub cancelled_at: Option<i64>,
}

const PORTFOLIO_ORDER: &str = "SELECT id, domain, kind, status, period, price_cents, created_at
    FROM portfolio_orders";
const TRANSFER_ORDER: &str =
    "SELECT o.id, o.domain, d.status, o.period, o.price_cents, o.created_at,
        d.status_at, o.cancelled_at
    FROM transfer_orders o
    LEFT JOIN transfer_domains d ON d.job_id = o.job_id AND d.position = 0";

fn portfolio_order(r: &super::sql::Row<'_>) -> super::sql::Result<AnyOrder> {
    Ok(AnyOrder {
        id: r.get("id")?,
        domain: r.get("domain")?,
        kind: Some(r.get("kind")?),
        status: Some(r.get("status")?),
        transfer: None,
        period: r.get("period")?,
        price_cents: r.get("price_cents")?,
        created_at: r.get("created_at")?,
        status_at: None,
        cancelled_at: None,
    })
}

fn transfer_order(r: &super::sql::Row<'_>) -> super::sql::Result<AnyOrder> {
    Ok(AnyOrder {
        id: r.get("id")?,
        domain: r.get("domain")?,
        kind: None,
        status: None,
        transfer: r.get("status")?,
        period: r.get("period")?,
        price_cents: r.get("price_cents")?,
        created_at: r.get("created_at")?,
        status_at: r.get("status_at")?,
        cancelled_at: r.get("cancelled_at")?,
    })
}

impl Store {
    /// The reseller's order `id` of either kind (a registration, renewal or
    /// redemption before a transfer, for an id given before the two shared one id
    /// space).
    pub fn any_order(&self, reseller_id: i64, id: i64) -> Result<Option<AnyOrder>> {
        let tx = self.snapshot()?;
        let portfolio = tx
            .prepare_cached(&format!(
                "{PORTFOLIO_ORDER} WHERE id = ?1 AND reseller_id = ?2"
            ))?
            .query_row(params![id, reseller_id], portfolio_order)
            .optional()?;
        if portfolio.is_some() {
            return Ok(portfolio);
        }
        Ok(tx
            .prepare_cached(&format!(
                "{TRANSFER_ORDER} WHERE o.id = ?1 AND o.reseller_id = ?2"
            ))?
            .query_row(params![id, reseller_id], transfer_order)
            .optional()?)
    }

    /// Every order of the reseller for `domain`, newest first.
    pub fn orders_of_domain(&self, reseller_id: i64, domain: &str) -> Result<Vec<AnyOrder>> {
        let tx = self.snapshot()?;
        let mut out = tx
            .prepare_cached(&format!(
                "{PORTFOLIO_ORDER} WHERE reseller_id = ?1 AND domain = ?2"
            ))?
            .query_map(params![reseller_id, domain], portfolio_order)?
            .collect::<super::sql::Result<Vec<_>>>()?;
        out.extend(
            tx.prepare_cached(&format!(
                "{TRANSFER_ORDER} WHERE o.reseller_id = ?1 AND o.domain = ?2"
            ))?
            .query_map(params![reseller_id, domain], transfer_order)?
            .collect::<super::sql::Result<Vec<_>>>()?,
        );
        out.sort_by_key(|o| std::cmp::Reverse((o.created_at, o.id)));
        Ok(out)
    }
}
