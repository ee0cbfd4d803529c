//! Saved orders — a registration or transfer kept with `handle=save`, or "forced
//! pending" when the registry refused it: read back whole, started later
//! (PROCESS_PENDING), or cancelled (PROCESS_PENDING `command=cancel`,
//! CANCEL_PENDING_ORDERS, CANCEL_ACTIVE_PROCESS). A registration queued while its
//! registry is down is kept here too, with the task that tries it again. Each
//! change is guarded by the order still being saved (or queued), so two instances
//! never process or cancel one twice.

use super::events::events_in;
use super::orders::{ON_THE_WAY, OrderStart, held_sql, next_order_id, start_in};
use super::sql::{OptionalExtension, Transaction, params};
use super::tasks::enqueue;
use super::{Guard, NewEvent, Result, Store, Written};
use crate::status::TaskKind;
use crate::status::{OrderKind, OrderStatus};

/// A saved order of either kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SavedOrder {
    /// A registration: the order as the handler kept it (JSON); `cancelled`
    /// when it was cancelled before it was carried out.
    Registration {
        id: i64,
        request: Option<String>,
        cancelled: bool,
    },
    /// A transfer order, never started.
    Transfer { id: i64 },
}

/// A saved order cancelled: its id, domain and `reg_type` (new, transfer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CancelledOrder {
    pub id: i64,
    pub domain: String,
    pub reg_type: &'static str,
}

/// A registration order kept without being carried out: its reseller, name,
/// period, price and the order as the handler keeps it (JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptOrder<'a> {
    pub reseller_id: i64,
    pub domain: &'a str,
    pub period: i64,
    pub price_cents: i64,
    pub request: &'a str,
}

/// A kept registration read back by its id: whose it is, its state, the order
/// as kept and when it was placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptRegistration {
    pub id: i64,
    pub reseller_id: i64,
    pub domain: String,
    pub status: OrderStatus,
    pub request: Option<String>,
    pub created_at: i64,
}

/// Which saved orders to cancel: one by id, one by domain, or every one placed
/// at or before a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancel<'a> {
    Id(i64),
    Domain(&'a str),
    Until(i64),
}

impl Store {
    /// Keeps a registration order without carrying it out, with `status`: saved
    /// (`handle=save`, or refused by the registry: "forced pending") or queued,
    /// when `retry_at` names when its task first tries it again. Its id.
    pub fn keep_registration(
        &self,
        k: &KeptOrder<'_>,
        status: OrderStatus,
        retry_at: Option<i64>,
        now: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = insert_kept(&tx, k, status, now)?;
        if let Some(at) = retry_at {
            enqueue(&tx, TaskKind::QueuedRequest, id, None, at, now)?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// The registration order `id` with the order it keeps, whoever's it is
    /// (the queue's task reads it); `reseller_id` limits it to one reseller's.
    pub fn kept_registration(
        &self,
        reseller_id: Option<i64>,
        id: i64,
    ) -> Result<Option<KeptRegistration>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT id, reseller_id, domain, status, request, created_at FROM portfolio_orders
                 WHERE id = ?1 AND kind = ?2 AND (reseller_id = ?3 OR ?3 IS NULL)",
            )?
            .query_row(params![id, OrderKind::New, reseller_id], |r| {
                Ok(KeptRegistration {
                    id: r.get("id")?,
                    reseller_id: r.get("reseller_id")?,
                    domain: r.get("domain")?,
                    status: r.get("status")?,
                    request: r.get("request")?,
                    created_at: r.get("created_at")?,
                })
            })
            .optional()?)
    }

    /// Moves a kept registration from `from` (queued, awaiting its claims
    /// notice) to `to` (kept pending, or cancelled) with its event, if any; false
    /// when it no longer has status `from`.
    pub fn settle_kept(
        &self,
        id: i64,
        from: OrderStatus,
        to: OrderStatus,
        event: Option<&NewEvent>,
    ) -> Result<bool> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let moved = tx.execute(
            "UPDATE portfolio_orders SET status = ?2 WHERE id = ?1 AND status = ?3",
            params![id, to, from],
        )? == 1;
        if moved && let Some(e) = event {
            events_in(&tx, std::slice::from_ref(e))?;
        }
        tx.commit()?;
        Ok(moved)
    }

    /// The reseller's saved order `id`, if it is one (a registration also once
    /// cancelled: PROCESS_PENDING places it again).
    pub fn saved_order(&self, reseller_id: i64, id: i64) -> Result<Option<SavedOrder>> {
        let tx = self.snapshot()?;
        let registration = tx
            .prepare_cached(
                "SELECT id, request, status FROM portfolio_orders
                 WHERE id = ?1 AND reseller_id = ?2 AND status IN (?3, ?4) AND kind = ?5",
            )?
            .query_row(
                params![
                    id,
                    reseller_id,
                    OrderStatus::Saved,
                    OrderStatus::Cancelled,
                    OrderKind::New
                ],
                |r| {
                    Ok(SavedOrder::Registration {
                        id: r.get("id")?,
                        request: r.get("request")?,
                        cancelled: r.get::<_, OrderStatus>("status")? == OrderStatus::Cancelled,
                    })
                },
            )
            .optional()?;
        if registration.is_some() {
            return Ok(registration);
        }
        Ok(tx
            .prepare_cached(
                "SELECT id FROM transfer_orders WHERE id = ?1 AND reseller_id = ?2
                   AND job_id IS NULL AND cancelled_at IS NULL",
            )?
            .query_row(params![id, reseller_id], |r| {
                Ok(SavedOrder::Transfer { id: r.get("id")? })
            })
            .optional()?)
    }

    /// Starts a saved transfer order: its job, with the profile and nameservers
    /// the order kept, and its price held from now on. Guarded: stopped when the
    /// order is no longer saved ([`Guard::Moved`]) or the balance less what is held
    /// does not cover its price ([`Guard::FundsShort`]). The job's id.
    pub fn start_saved_transfer(
        &self,
        reseller_id: i64,
        id: i64,
        now: i64,
    ) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let row = tx
            .prepare_cached(
                "SELECT domain, auth_info, profile_id, nameservers, price_cents FROM transfer_orders
                 WHERE id = ?1 AND reseller_id = ?2 AND job_id IS NULL AND cancelled_at IS NULL",
            )?
            .query_row(params![id, reseller_id], |r| {
                Ok((
                    r.get::<_, String>("domain")?,
                    r.get::<_, String>("auth_info")?,
                    r.get::<_, Option<i64>>("profile_id")?,
                    r.get::<_, Option<String>>("nameservers")?,
                    r.get::<_, i64>("price_cents")?,
                ))
            })
            .optional()?;
        // An order saved before opsd kept its profile has none: it cannot start.
        let Some((domain, auth_info, Some(profile_id), nameservers, price)) = row else {
            return Ok(Written::Stopped(Guard::Moved));
        };
        let [a, b, c] = ON_THE_WAY;
        let covered = tx
            .prepare_cached(&format!(
                "SELECT 1 FROM resellers WHERE id = ?1 AND balance_cents - {} >= ?2",
                held_sql("?1", 3)
            ))?
            .query_row(params![reseller_id, price, a, b, c], |_| Ok(()))
            .optional()?
            .is_some();
        if !covered {
            return Ok(Written::Stopped(Guard::FundsShort));
        }
        let nameservers: Vec<String> = nameservers
            .and_then(|n| serde_json::from_str(&n).ok())
            .unwrap_or_default();
        let job = start_in(
            &tx,
            &OrderStart {
                reseller_id,
                order_id: id,
                profile_id,
                nameservers: &nameservers,
                domain: &domain,
                auth_info: &auth_info,
                now,
            },
        )?;
        tx.commit()?;
        Ok(Written::Done(job))
    }

    /// Cancels the reseller's saved orders that `which` names, each with its
    /// event (`event`), in one transaction; the ones cancelled, oldest first.
    pub fn cancel_saved_orders(
        &self,
        reseller_id: i64,
        which: Cancel<'_>,
        now: i64,
        event: &dyn Fn(&CancelledOrder) -> NewEvent,
    ) -> Result<Vec<CancelledOrder>> {
        let (id, domain, until) = match which {
            Cancel::Id(id) => (Some(id), None, None),
            Cancel::Domain(d) => (None, Some(d), None),
            Cancel::Until(t) => (None, None, Some(t)),
        };
        let conn = self.writer();
        let tx = conn.transaction()?;
        // The typed comparisons come before `IS NULL` so that PostgreSQL infers
        // each parameter's type from them.
        let mut out: Vec<CancelledOrder> = tx
            .prepare_cached(
                "UPDATE portfolio_orders SET status = ?5
                 WHERE reseller_id = ?1 AND status = ?6 AND kind = ?7
                   AND (id = ?2 OR ?2 IS NULL) AND (domain = ?3 OR ?3 IS NULL)
                   AND (created_at <= ?4 OR ?4 IS NULL)
                 RETURNING id, domain",
            )?
            .query_map(
                params![
                    reseller_id,
                    id,
                    domain,
                    until,
                    OrderStatus::Cancelled,
                    OrderStatus::Saved,
                    OrderKind::New
                ],
                |r| {
                    Ok(CancelledOrder {
                        id: r.get("id")?,
                        domain: r.get("domain")?,
                        reg_type: "new",
                    })
                },
            )?
            .collect::<super::sql::Result<_>>()?;
        out.extend(
            tx.prepare_cached(
                "UPDATE transfer_orders SET cancelled_at = ?5
                 WHERE reseller_id = ?1 AND job_id IS NULL AND cancelled_at IS NULL
                   AND (id = ?2 OR ?2 IS NULL) AND (domain = ?3 OR ?3 IS NULL)
                   AND (created_at <= ?4 OR ?4 IS NULL)
                 RETURNING id, domain",
            )?
            .query_map(params![reseller_id, id, domain, until, now], |r| {
                Ok(CancelledOrder {
                    id: r.get("id")?,
                    domain: r.get("domain")?,
                    reg_type: "transfer",
                })
            })?
            .collect::<super::sql::Result<Vec<_>>>()?,
        );
        out.sort_by_key(|o| o.id);
        let events: Vec<NewEvent> = out.iter().map(event).collect();
        events_in(&tx, &events)?;
        tx.commit()?;
        Ok(out)
    }
}

/// Inserts the kept registration `k` with `status`; its id.
pub(super) fn insert_kept(
    tx: &Transaction<'_>,
    k: &KeptOrder<'_>,
    status: OrderStatus,
    now: i64,
) -> Result<i64> {
    let id = next_order_id(tx)?;
    Ok(tx
        .prepare_cached(
            "INSERT INTO portfolio_orders (reseller_id, domain, kind, status, period, price_cents, request, created_at, id)
             VALUES (?1, ?2, ?7, ?8, ?3, ?4, nullif(?5, ''), ?6, ?9) RETURNING id",
        )?
        .query_row(
            params![
                k.reseller_id,
                k.domain,
                k.period,
                k.price_cents,
                k.request,
                now,
                OrderKind::New,
                status,
                id
            ],
            |r| r.get(0),
        )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::test_support::temp_store;
    use crate::store::{NewOrder, OrderProfile};

    fn saved_transfer(store: &Store, r: i64, domain: &str, at: i64) -> i64 {
        let o = NewOrder {
            reseller_id: r,
            domain: domain.into(),
            auth_info: "code".into(),
            process: false,
            profile: OrderProfile::New {
                username: format!("u-{domain}"),
                password_hash: "h".into(),
            },
            nameservers: vec!["ns1.example.net".into()],
            contacts_json: None,
            lock_domain: false,
            whois_privacy: false,
            auto_renew: false,
            tld_data: None,
            period: 1,
            approver: None,
            price_cents: 100,
            registrant_ip: None,
            created_at: at,
        };
        match store.create_order(&o) {
            Ok(Written::Done((id, None))) => id,
            other => panic!("{other:?}"),
        }
    }

    /// A queued registration comes with its task, reads back only for its own
    /// reseller, and leaves the queue once.
    #[test]
    fn a_queued_registration_has_its_task_and_settles_once() {
        let (store, _dir) = temp_store();
        let r = store.add_reseller("r", "k", &[], 0).unwrap_or_default();
        let other = store.add_reseller("o", "k2", &[], 0).unwrap_or_default();
        let k = KeptOrder {
            reseller_id: r,
            domain: "q.net",
            period: 1,
            price_cents: 100,
            request: "{}",
        };
        let id = store
            .keep_registration(&k, OrderStatus::Queued, Some(70), 10)
            .unwrap_or_default();
        let task = store.next_due_run(70, 10).unwrap_or_default();
        assert_eq!(
            task.iter().map(|t| (t.kind, t.subject)).collect::<Vec<_>>(),
            vec![(TaskKind::QueuedRequest, id)]
        );
        assert!(store.next_due_run(69, 10).is_ok_and(|t| t.is_empty()));
        let mine = store.kept_registration(Some(r), id).ok().flatten();
        assert_eq!(mine.map(|o| o.status), Some(OrderStatus::Queued));
        assert_eq!(store.kept_registration(Some(other), id).ok(), Some(None));
        assert_eq!(
            store
                .settle_kept(id, OrderStatus::Queued, OrderStatus::Saved, None)
                .ok(),
            Some(true)
        );
        assert_eq!(
            store
                .settle_kept(id, OrderStatus::Queued, OrderStatus::Cancelled, None)
                .ok(),
            Some(false)
        );
        let kept = store.kept_registration(None, id).ok().flatten();
        assert_eq!(kept.map(|o| o.status), Some(OrderStatus::Saved));
    }

    #[test]
    fn a_saved_transfer_starts_once_and_holds_its_price() {
        let (store, _dir) = temp_store();
        let r = store.add_reseller("r", "k", &[], 0).unwrap_or_default();
        assert!(store.set_balance(r, 150).is_ok());
        let id = saved_transfer(&store, r, "a.com", 10);
        assert!(matches!(
            store.saved_order(r, id),
            Ok(Some(SavedOrder::Transfer { .. }))
        ));
        assert!(matches!(
            store.start_saved_transfer(r, id, 20),
            Ok(Written::Done(_))
        ));
        // Started: no longer saved, so a second start stops.
        assert!(matches!(
            store.start_saved_transfer(r, id, 21),
            Ok(Written::Stopped(Guard::Moved))
        ));
        assert_eq!(store.saved_order(r, id).ok(), Some(None));
        assert_eq!(store.balance(r).map(|b| b.held).ok(), Some(100));
        // A second saved order does not fit in what is left.
        let other = saved_transfer(&store, r, "b.com", 10);
        assert!(matches!(
            store.start_saved_transfer(r, other, 22),
            Ok(Written::Stopped(Guard::FundsShort))
        ));
    }

    #[test]
    fn cancelling_by_date_takes_only_the_older_saved_orders_of_the_caller() {
        let (store, _dir) = temp_store();
        let r = store.add_reseller("r", "k", &[], 0).unwrap_or_default();
        let other = store.add_reseller("o", "k2", &[], 0).unwrap_or_default();
        let old = saved_transfer(&store, r, "old.com", 10);
        let new = saved_transfer(&store, r, "new.com", 30);
        let theirs = saved_transfer(&store, other, "theirs.com", 10);
        let gone = store
            .cancel_saved_orders(r, Cancel::Until(20), 40, &|o| {
                crate::rules::events::order_cancelled(r, o, 40)
            })
            .unwrap_or_default();
        assert_eq!(gone.iter().map(|o| o.id).collect::<Vec<_>>(), vec![old]);
        assert_eq!(gone[0].reg_type, "transfer");
        assert!(matches!(store.saved_order(r, new), Ok(Some(_))));
        assert!(matches!(store.saved_order(other, theirs), Ok(Some(_))));
        // Cancelled: it cannot start, nor be cancelled again.
        assert!(matches!(
            store.start_saved_transfer(r, old, 50),
            Ok(Written::Stopped(Guard::Moved))
        ));
        let none = store.cancel_saved_orders(r, Cancel::Id(old), 50, &|o| {
            crate::rules::events::order_cancelled(r, o, 50)
        });
        assert_eq!(none.ok(), Some(Vec::new()));
    }
}
