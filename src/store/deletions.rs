//! Domains deleted at the registry (REVOKE) and brought back (REDEEM): the row
//! leaves `domains` for `deleted_domains`, whole, and returns from there while its
//! redemption period lasts. GET_DELETED_DOMAINS lists them. The period, the refund
//! and the price are the rules'.

use super::sql::{OptionalExtension, ToValue, params};

use super::events::{NewEvent, events_in};
use super::portfolio::{DomainRecord, OrderDone, charge_in};
use super::push::{AuditEntry, audit_in};
use super::{Guard, Result, Store, Written};
use crate::status::{DeletionReason, OrderKind, OrderStatus};

/// A revocation decided by `rules`: the domain as it was read, until when it may
/// be redeemed, what goes back to the balance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    pub domain: DomainRecord,
    pub reason: DeletionReason,
    pub redeem_until: i64,
    pub refund_cents: i64,
    /// The owner's, admin's, billing and tech contact's addresses, lower-cased,
    /// kept for GET_DELETED_DOMAINS's filters.
    pub emails: [Option<String>; 4],
    pub now: i64,
}

/// A deleted domain as GET_DELETED_DOMAINS lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedDomain {
    pub id: i64,
    pub name: String,
    pub reason: DeletionReason,
    pub deleted_at: i64,
    pub expires_at: Option<i64>,
    pub redeem_until: i64,
    pub redeemed_at: Option<i64>,
}

/// What GET_DELETED_DOMAINS filters by (all optional, inclusive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeletedFilter {
    pub domain: Option<String>,
    pub deleted_from: Option<i64>,
    pub deleted_to: Option<i64>,
    pub expired_from: Option<i64>,
    pub expired_to: Option<i64>,
    /// LIKE patterns (escaped with `\\`) for the owner's, admin's, billing and
    /// tech contact's lower-cased addresses.
    pub emails: [Option<String>; 4],
}

const DELETED_COLUMNS: &str = "id, name, reason, deleted_at, expires_at, redeem_until, redeemed_at";

fn deleted_row(r: &super::sql::Row<'_>) -> super::sql::Result<DeletedDomain> {
    Ok(DeletedDomain {
        id: r.get("id")?,
        name: r.get("name")?,
        reason: r.get("reason")?,
        deleted_at: r.get("deleted_at")?,
        expires_at: r.get("expires_at")?,
        redeem_until: r.get("redeem_until")?,
        redeemed_at: r.get("redeemed_at")?,
    })
}

impl Store {
    /// The last registration order of the reseller's `domain`: its price and when
    /// it was placed (what a revocation in the add grace period refunds).
    pub fn registration_order(&self, reseller_id: i64, domain: &str) -> Result<Option<(i64, i64)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT price_cents, created_at FROM portfolio_orders
                 WHERE reseller_id = ?1 AND domain = ?2 AND kind = ?3 AND status = ?4
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(
                params![reseller_id, domain, OrderKind::New, OrderStatus::Completed],
                |r| Ok((r.get("price_cents")?, r.get("created_at")?)),
            )
            .optional()?)
    }

    /// Deletes the domain as `r` says, in one transaction: out of `domains` (its
    /// hosts and cookies with it), into `deleted_domains`, the refund, the event
    /// and its note, the audit row. Guarded by the holder read: stopped
    /// ([`Guard::Moved`]) when the domain is no longer the reseller's. The
    /// deletion's id.
    pub fn revoke_domain(
        &self,
        r: &Revocation,
        event: &NewEvent,
        audit: &AuditEntry,
    ) -> Result<Written<i64>> {
        let d = &r.domain;
        let record = serde_json::to_string(d).map_err(|e| {
            super::StoreError::Database(format!("domain record as JSON: {e}").into())
        })?;
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached("DELETE FROM domains WHERE id = ?1 AND reseller_id = ?2")?
            .execute(params![d.id, d.reseller_id])?;
        if n == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO deleted_domains (reseller_id, name, reason, deleted_at, expires_at, redeem_until, record,
                   owner_email, admin_email, billing_email, tech_email)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            )?
            .query_row(
                params![
                    d.reseller_id,
                    d.name,
                    r.reason,
                    r.now,
                    d.expires_at,
                    r.redeem_until,
                    record,
                    r.emails[0],
                    r.emails[1],
                    r.emails[2],
                    r.emails[3]
                ],
                |row| row.get(0),
            )?;
        if r.refund_cents > 0 {
            tx.prepare_cached(
                "UPDATE resellers SET balance_cents = balance_cents + ?2 WHERE id = ?1",
            )?
            .execute(params![d.reseller_id, r.refund_cents])?;
        }
        events_in(&tx, std::slice::from_ref(event))?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(id))
    }

    /// The reseller's latest deletion of `name` not yet redeemed, with the domain as
    /// it was.
    pub fn deleted_domain(
        &self,
        reseller_id: i64,
        name: &str,
    ) -> Result<Option<(DeletedDomain, DomainRecord)>> {
        let row = self
            .reader()
            .prepare_cached(&format!(
                "SELECT {DELETED_COLUMNS}, record FROM deleted_domains
                 WHERE reseller_id = ?1 AND name = ?2 AND redeemed_at IS NULL
                 ORDER BY id DESC LIMIT 1"
            ))?
            .query_row(params![reseller_id, name], |r| {
                Ok((deleted_row(r)?, r.get::<_, String>("record")?))
            })
            .optional()?;
        let Some((deleted, record)) = row else {
            return Ok(None);
        };
        let record = serde_json::from_str(&record).map_err(|e| {
            super::StoreError::Database(format!("deleted domain record: {e}").into())
        })?;
        Ok(Some((deleted, record)))
    }

    /// Whether a deletion of `name` by anyone may still be redeemed at `now` (the
    /// registry holds the name meanwhile).
    pub fn in_redemption(&self, name: &str, now: i64) -> Result<bool> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT 1 FROM deleted_domains
                 WHERE name = ?1 AND redeemed_at IS NULL AND redeem_until >= ?2 LIMIT 1",
            )?
            .query_row(params![name, now], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Puts a deleted domain back, in one transaction: the charge, the deletion
    /// marked redeemed, the domain as it was, a redemption order, the event and its
    /// note, the audit row. Guarded: stopped when the balance does not cover `cents`
    /// ([`Guard::FundsShort`]), when the deletion was redeemed or its period ended
    /// meanwhile ([`Guard::Moved`]), or when a portfolio holds the name
    /// ([`Guard::NameHeld`]).
    pub fn redeem_domain(
        &self,
        deletion_id: i64,
        d: &DomainRecord,
        cents: i64,
        now: i64,
        audit: &AuditEntry,
        event: &dyn Fn(OrderDone) -> NewEvent,
    ) -> Result<Written<OrderDone>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if !charge_in(&tx, d.reseller_id, cents)? {
            return Ok(Written::Stopped(Guard::FundsShort));
        }
        let n = tx
            .prepare_cached(
                "UPDATE deleted_domains SET redeemed_at = ?3
                 WHERE id = ?1 AND reseller_id = ?2 AND redeemed_at IS NULL AND redeem_until >= ?3",
            )?
            .execute(params![deletion_id, d.reseller_id, now])?;
        if n == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        let domain_id: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO domains (name, reseller_id, profile_id, locked, created_at, registered_at,
                   updated_at, transferred_at, expires_at, contacts, nameservers, auth_code,
                   whois_privacy, auto_renew, let_expire, tld_data, affiliate_id, dnssec)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                 ON CONFLICT (name) DO NOTHING RETURNING id",
            )?
            .query_row(
                params![
                    d.name,
                    d.reseller_id,
                    d.profile_id,
                    d.locked,
                    d.created_at,
                    d.registered_at,
                    now,
                    d.transferred_at,
                    d.expires_at,
                    d.contacts,
                    serde_json::to_string(&d.nameservers).unwrap_or_else(|_| "[]".into()),
                    d.auth_code,
                    d.whois_privacy,
                    d.auto_renew,
                    d.let_expire,
                    d.tld_data,
                    d.affiliate_id,
                    d.dnssec
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(domain_id) = domain_id else {
            return Ok(Written::Stopped(Guard::NameHeld));
        };
        let id = super::orders::next_order_id(&tx)?;
        let order_id: i64 = tx
            .prepare_cached(
                "INSERT INTO portfolio_orders (reseller_id, domain, kind, status, period, price_cents, created_at, id)
                 VALUES (?1, ?2, ?3, ?4, 0, ?5, ?6, ?7) RETURNING id",
            )?
            .query_row(
                params![
                    d.reseller_id,
                    d.name,
                    OrderKind::Redemption,
                    OrderStatus::Completed,
                    cents,
                    now,
                    id
                ],
                |r| r.get(0),
            )?;
        let done = OrderDone {
            order_id,
            domain_id,
        };
        events_in(&tx, &[event(done)])?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(Written::Done(done))
    }

    /// A page of the reseller's deleted domains, newest deletion first, and how many
    /// match in all.
    pub fn deleted_domains(
        &self,
        reseller_id: i64,
        f: &DeletedFilter,
        skip: i64,
        limit: i64,
    ) -> Result<(Vec<DeletedDomain>, i64)> {
        let tx = self.snapshot()?;
        // Each filter is off when its parameter is NULL (compared first: PostgreSQL
        // types a parameter from its first use, and `IS NULL` gives it none).
        let filter = "reseller_id = ?1
             AND (name = ?2 OR ?2 IS NULL)
             AND (deleted_at >= ?3 OR ?3 IS NULL) AND (deleted_at <= ?4 OR ?4 IS NULL)
             AND (expires_at >= ?5 OR ?5 IS NULL) AND (expires_at <= ?6 OR ?6 IS NULL)
             AND (owner_email LIKE ?7 ESCAPE '\\' OR ?7 IS NULL)
             AND (admin_email LIKE ?8 ESCAPE '\\' OR ?8 IS NULL)
             AND (billing_email LIKE ?9 ESCAPE '\\' OR ?9 IS NULL)
             AND (tech_email LIKE ?10 ESCAPE '\\' OR ?10 IS NULL)";
        let args: [&dyn ToValue; 10] = [
            &reseller_id,
            &f.domain,
            &f.deleted_from,
            &f.deleted_to,
            &f.expired_from,
            &f.expired_to,
            &f.emails[0],
            &f.emails[1],
            &f.emails[2],
            &f.emails[3],
        ];
        let mut paged = args.to_vec();
        paged.extend([&limit as &dyn ToValue, &skip]);
        let rows = tx
            .prepare_cached(&format!(
                "SELECT {DELETED_COLUMNS} FROM deleted_domains WHERE {filter}
                 ORDER BY id DESC LIMIT ?11 OFFSET ?12"
            ))?
            .query_map(paged.as_slice(), deleted_row)?
            .collect::<super::sql::Result<Vec<_>>>()?;
        let total = tx
            .prepare_cached(&format!(
                "SELECT count(*) AS n FROM deleted_domains WHERE {filter}"
            ))?
            .query_row(args.as_slice(), |r| r.get("n"))?;
        Ok((rows, total))
    }
}
