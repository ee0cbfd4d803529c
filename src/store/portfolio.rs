//! The portfolio as the domain calls see it: one domain's whole record, changes to
//! it (each with its event and audit row, in one transaction), registrations and
//! renewals charged to the balance, name-server hosts, the expiry listing and SET
//! COOKIE's cookies.
//!
//! Every read and write names the reseller: a row of another reseller is
//! `NotFound`, never a different answer.

use super::sql::{OptionalExtension, Transaction, params};

use super::events::{NewEvent, events_in};
use super::orders::{OrderProfile, held_sql, profile_in};
use super::push::{AuditEntry, audit_in};
use super::{Guard, Result, Store, StoreError, Written};
use crate::status::{OrderKind, OrderStatus};

/// A portfolio domain with everything GET answers. Kept whole, as JSON, while a
/// revoked domain waits for REDEEM.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DomainRecord {
    pub id: i64,
    pub name: String,
    pub reseller_id: i64,
    pub profile_id: i64,
    pub locked: bool,
    pub created_at: i64,
    pub registered_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub transferred_at: Option<i64>,
    pub expires_at: Option<i64>,
    /// The contact set as JSON (roles to `whois::Contact`).
    pub contacts: Option<String>,
    /// In sort order.
    pub nameservers: Vec<String>,
    pub auth_code: Option<String>,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    pub let_expire: bool,
    /// As sent, JSON.
    pub tld_data: Option<String>,
    pub affiliate_id: Option<String>,
    /// DS records, JSON (`rules::dnssec`).
    #[serde(default)]
    pub dnssec: Option<String>,
}

const RECORD_COLUMNS: &str = "id, name, reseller_id, profile_id, locked, created_at, registered_at,
    updated_at, transferred_at, expires_at, contacts, nameservers, auth_code, whois_privacy,
    auto_renew, let_expire, tld_data, affiliate_id, dnssec";

fn record_row(r: &super::sql::Row<'_>) -> super::sql::Result<DomainRecord> {
    let ns: Option<String> = r.get("nameservers")?;
    Ok(DomainRecord {
        id: r.get("id")?,
        name: r.get("name")?,
        reseller_id: r.get("reseller_id")?,
        profile_id: r.get("profile_id")?,
        locked: r.get("locked")?,
        created_at: r.get("created_at")?,
        registered_at: r.get("registered_at")?,
        updated_at: r.get("updated_at")?,
        transferred_at: r.get("transferred_at")?,
        expires_at: r.get("expires_at")?,
        contacts: r.get("contacts")?,
        nameservers: ns
            .and_then(|s| serde_json::from_str(&s).ok())
            .unwrap_or_default(),
        auth_code: r.get("auth_code")?,
        whois_privacy: r.get("whois_privacy")?,
        auto_renew: r.get("auto_renew")?,
        let_expire: r.get("let_expire")?,
        tld_data: r.get("tld_data")?,
        affiliate_id: r.get("affiliate_id")?,
        dnssec: r.get("dnssec")?,
    })
}

/// One change MODIFY, ADVANCED_UPDATE_NAMESERVERS or UPDATE_CONTACTS makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainChange {
    Lock(bool),
    WhoisPrivacy(bool),
    /// The whole contact set, as JSON.
    Contacts(String),
    ExpireAction {
        auto_renew: bool,
        let_expire: bool,
    },
    AuthCode(String),
    Nameservers(Vec<String>),
    /// The whole list of DS records, as JSON (`rules::dnssec`); `[]` removes them.
    Dnssec(String),
    /// One of the settings some TLDs give a domain (`domain_settings`).
    Setting(crate::status::DomainSetting, String),
    /// The domain's whole `tld_data`, as JSON (`rules::tld`).
    TldData(String),
}

impl DomainChange {
    /// The column update and its value (`?1` is the id, `?2` the value).
    fn update(&self) -> (&'static str, Box<dyn super::sql::ToValue + '_>) {
        match self {
            DomainChange::Lock(on) => ("locked = ?2", Box::new(*on)),
            DomainChange::WhoisPrivacy(on) => ("whois_privacy = ?2", Box::new(*on)),
            DomainChange::Contacts(json) => ("contacts = ?2", Box::new(json.as_str())),
            DomainChange::ExpireAction {
                auto_renew,
                let_expire,
            } => (
                "auto_renew = ?2 & 1, let_expire = ?2 >> 1",
                Box::new(i64::from(*auto_renew) | (i64::from(*let_expire) << 1)),
            ),
            DomainChange::AuthCode(code) => ("auth_code = ?2", Box::new(code.as_str())),
            DomainChange::Dnssec(json) => ("dnssec = ?2", Box::new(json.as_str())),
            DomainChange::TldData(json) => ("tld_data = ?2", Box::new(json.as_str())),
            DomainChange::Nameservers(ns) => (
                "nameservers = ?2",
                Box::new(serde_json::to_string(ns).unwrap_or_else(|_| "[]".into())),
            ),
            // Written by `change_domains` into its own table.
            DomainChange::Setting(..) => ("updated_at = updated_at", Box::new(0)),
        }
    }
}

/// One domain a change is applied to, with the event and audit row written with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeOf {
    pub domain_id: i64,
    pub change: DomainChange,
    pub event: NewEvent,
    pub audit: AuditEntry,
    /// The registrant verification a new registrant address starts.
    pub verification: Option<super::NewVerification>,
}

/// A registration (SW_REGISTER reg_type=new) to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    pub reseller_id: i64,
    pub domain: String,
    pub profile: OrderProfile,
    pub period: i64,
    pub price_cents: i64,
    pub contacts_json: String,
    pub nameservers: Vec<String>,
    pub lock: bool,
    pub whois_privacy: bool,
    pub auto_renew: bool,
    pub tld_data: Option<String>,
    pub affiliate_id: Option<String>,
    pub auth_code: String,
    /// The expiry the registration gives (`rules::renewal`).
    pub expires_at: i64,
    /// The registrant verification it starts (`rules::verification`).
    pub verification: Option<super::NewVerification>,
    /// The kept order it carries out instead of placing a new one, and the
    /// status that order must still have (saved for PROCESS_PENDING, queued for
    /// the queue, awaiting its claims notice once accepted).
    pub saved_order: Option<(i64, OrderStatus)>,
    /// The DNS zone its `dns_template` makes: the template, its records (JSON)
    /// and the zone's event.
    pub zone: Option<(String, String, NewEvent)>,
    pub now: i64,
}

/// What a registration or renewal made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderDone {
    pub order_id: i64,
    /// The domain's id (0 for a saved order).
    pub domain_id: i64,
}

/// A renewal to make: `period` years from the expiry year `from_year` to
/// `new_expiry`, for `cents`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewal {
    pub period: i64,
    pub from_year: i64,
    pub new_expiry: i64,
    pub cents: i64,
    pub auto_renew: bool,
    pub now: i64,
}

/// A name-server host under one of a reseller's domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameServerHost {
    pub name: String,
    pub domain_id: i64,
    pub ipv4: Option<String>,
    pub ipv6: Option<String>,
}

/// A page of the expiry listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiryPage {
    /// Name, expiry, auto_renew, let_expire.
    pub rows: Vec<(String, i64, bool, bool)>,
    pub total: i64,
}

impl Store {
    /// The domain if it is in `reseller_id`'s portfolio.
    pub fn domain_record(&self, reseller_id: i64, name: &str) -> Result<Option<DomainRecord>> {
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM domains WHERE reseller_id = ?1 AND name = ?2");
        Ok(self
            .reader()
            .prepare_cached(&sql)?
            .query_row(params![reseller_id, name], record_row)
            .optional()?)
    }

    /// The domain by id if it is `reseller_id`'s.
    pub fn domain_record_by_id(&self, reseller_id: i64, id: i64) -> Result<Option<DomainRecord>> {
        let sql =
            format!("SELECT {RECORD_COLUMNS} FROM domains WHERE reseller_id = ?1 AND id = ?2");
        Ok(self
            .reader()
            .prepare_cached(&sql)?
            .query_row(params![reseller_id, id], record_row)
            .optional()?)
    }

    /// The settings of the reseller's domain `domain_id` (`domain_settings`).
    pub fn domain_settings(
        &self,
        reseller_id: i64,
        domain_id: i64,
    ) -> Result<Vec<(crate::status::DomainSetting, String)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT s.key, s.value FROM domain_settings s JOIN domains d ON d.id = s.domain_id
                 WHERE s.domain_id = ?1 AND d.reseller_id = ?2 ORDER BY s.key",
            )?
            .query_map(params![domain_id, reseller_id], |r| {
                Ok((r.get("key")?, r.get("value")?))
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Whether any portfolio holds `name`.
    pub fn domain_exists(&self, name: &str) -> Result<bool> {
        Ok(self
            .reader()
            .prepare_cached("SELECT 1 FROM domains WHERE name = ?1")?
            .query_row([name], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Applies changes to a reseller's domains, each with its event and audit row,
    /// all or none. `NotFound` when one is not the reseller's.
    pub fn change_domains(&self, reseller_id: i64, each: &[ChangeOf]) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        for c in each {
            if !change_in(&tx, reseller_id, c)? {
                return Err(StoreError::NotFound);
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The ids and names of the domains in one profile of the reseller.
    pub fn profile_domains(&self, reseller_id: i64, profile_id: i64) -> Result<Vec<(i64, String)>> {
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT id, name FROM domains WHERE reseller_id = ?1 AND profile_id = ?2 ORDER BY name",
            )?
            .query_map(params![reseller_id, profile_id], |r| Ok((r.get("id")?, r.get("name")?)))?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// Registers a domain in one transaction: the profile, the order, the domain,
    /// the charge, the REGISTERED event (`event`, made from the ids given) and the
    /// audit row. Guarded: stopped when a portfolio holds the name
    /// ([`Guard::NameHeld`]), the balance less what is held does not cover the
    /// price ([`Guard::FundsShort`]), or the kept order it carries out no longer
    /// has the status it was read with ([`Guard::Moved`]).
    pub fn register_domain(
        &self,
        n: &NewRegistration,
        audit: &AuditEntry,
        event: &dyn Fn(OrderDone) -> NewEvent,
    ) -> Result<Written<OrderDone>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if !charge_in(&tx, n.reseller_id, n.price_cents)? {
            return Ok(Written::Stopped(Guard::FundsShort));
        }
        let profile_id = profile_in(&tx, n.reseller_id, &n.profile, n.now)?;
        let order_id = match n.saved_order {
            None => insert_order(&tx, n, OrderStatus::Completed, "")?,
            Some((id, was)) => {
                let done: Option<i64> = tx
                    .prepare_cached(
                        "UPDATE portfolio_orders SET status = ?4, price_cents = ?5, period = ?6
                         WHERE id = ?1 AND reseller_id = ?2 AND status = ?3 RETURNING id",
                    )?
                    .query_row(
                        params![
                            id,
                            n.reseller_id,
                            was,
                            OrderStatus::Completed,
                            n.price_cents,
                            n.period
                        ],
                        |r| r.get(0),
                    )
                    .optional()?;
                let Some(id) = done else {
                    return Ok(Written::Stopped(Guard::Moved));
                };
                id
            }
        };
        let domain_id: Option<i64> = tx
            .prepare_cached(
                "INSERT INTO domains (name, reseller_id, profile_id, locked, created_at, registered_at,
                   updated_at, expires_at, contacts, nameservers, auth_code, whois_privacy, auto_renew,
                   tld_data, affiliate_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT (name) DO NOTHING RETURNING id",
            )?
            .query_row(
                params![
                    n.domain,
                    n.reseller_id,
                    profile_id,
                    n.lock,
                    n.now,
                    n.expires_at,
                    n.contacts_json,
                    serde_json::to_string(&n.nameservers).unwrap_or_else(|_| "[]".into()),
                    n.auth_code,
                    n.whois_privacy,
                    n.auto_renew,
                    n.tld_data,
                    n.affiliate_id
                ],
                |r| r.get(0),
            )
            .optional()?;
        let Some(domain_id) = domain_id else {
            return Ok(Written::Stopped(Guard::NameHeld));
        };
        let done = OrderDone {
            order_id,
            domain_id,
        };
        events_in(&tx, &[event(done)])?;
        audit_in(&tx, audit)?;
        if let Some(v) = &n.verification {
            super::verification::verification_in(&tx, v)?;
        }
        if let Some((template, records, event)) = &n.zone {
            let w = super::ZoneWrite {
                reseller_id: n.reseller_id,
                domain: &n.domain,
                template: Some(template),
                records,
                now: n.now,
            };
            if super::dns::zone_in(&tx, &w)? == 1 {
                events_in(&tx, std::slice::from_ref(event))?;
            }
        }
        tx.commit()?;
        Ok(Written::Done(done))
    }

    /// Trades a reseller's domain in one transaction: the charge, the trade order
    /// and the registrant change (`change`, with its event, note, audit row and
    /// verification). Guarded: stopped when the balance less what is held does not
    /// cover the price ([`Guard::FundsShort`]) or the domain is no longer the
    /// reseller's ([`Guard::Moved`]). The order's id.
    pub fn trade_domain(
        &self,
        reseller_id: i64,
        domain: &str,
        cents: i64,
        change: &ChangeOf,
        now: i64,
    ) -> Result<Written<i64>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let held = tx
            .prepare_cached("SELECT 1 FROM domains WHERE id = ?1 AND reseller_id = ?2")?
            .query_row(params![change.domain_id, reseller_id], |_| Ok(()))
            .optional()?;
        if held.is_none() {
            return Ok(Written::Stopped(Guard::Moved));
        }
        if !charge_in(&tx, reseller_id, cents)? {
            return Ok(Written::Stopped(Guard::FundsShort));
        }
        let id = super::orders::next_order_id(&tx)?;
        tx.prepare_cached(
            "INSERT INTO portfolio_orders (reseller_id, domain, kind, status, period, price_cents, created_at, id)
             VALUES (?1, ?2, ?3, ?4, 1, ?5, ?6, ?7)",
        )?
        .execute(params![
            reseller_id,
            domain,
            OrderKind::Trade,
            OrderStatus::Completed,
            cents,
            now,
            id
        ])?;
        change_in(&tx, reseller_id, change)?;
        tx.commit()?;
        Ok(Written::Done(id))
    }

    /// The expiry year the domain's last renewal renewed from, when it was made
    /// after `since`.
    pub fn renewed_from(&self, domain: &str, since: i64) -> Result<Option<i64>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT from_year FROM portfolio_orders
                 WHERE domain = ?1 AND kind = ?3 AND created_at >= ?2
                 ORDER BY id DESC LIMIT 1",
            )?
            .query_row(params![domain, since, OrderKind::Renewal], |r| r.get(0))
            .optional()?
            .flatten())
    }

    /// Renews a reseller's domain to `r.new_expiry` in one transaction: the
    /// charge, the order, the new expiry and auto_renew, the RENEWED event (`event`,
    /// made from the ids given) and the audit row. Guarded: stopped when the
    /// balance less what is held does not cover the price ([`Guard::FundsShort`]),
    /// or the domain is no longer the reseller's ([`Guard::Moved`]).
    pub fn renew_domain(
        &self,
        d: &DomainRecord,
        r: &Renewal,
        audit: &AuditEntry,
        event: &dyn Fn(OrderDone) -> NewEvent,
    ) -> Result<Written<OrderDone>> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let done = renew_in(&tx, d, r, audit, event)?;
        if let Written::Done(_) = done {
            tx.commit()?;
        }
        Ok(done)
    }

    /// A page of the reseller's domains expiring in `[from, to]`, soonest first, and
    /// how many there are in all.
    pub fn domains_by_expiry(
        &self,
        reseller_id: i64,
        from: i64,
        to: i64,
        skip: i64,
        take: i64,
    ) -> Result<ExpiryPage> {
        let tx = self.snapshot()?;
        let total = tx
            .prepare_cached(
                "SELECT count(*) FROM domains WHERE reseller_id = ?1 AND expires_at BETWEEN ?2 AND ?3",
            )?
            .query_row(params![reseller_id, from, to], |r| r.get(0))?;
        let rows = tx
            .prepare_cached(
                "SELECT name, expires_at, auto_renew, let_expire FROM domains
                 WHERE reseller_id = ?1 AND expires_at BETWEEN ?2 AND ?3
                 ORDER BY expires_at, name LIMIT ?4 OFFSET ?5",
            )?
            .query_map(params![reseller_id, from, to, take, skip], |r| {
                Ok((
                    r.get("name")?,
                    r.get("expires_at")?,
                    r.get("auto_renew")?,
                    r.get("let_expire")?,
                ))
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(ExpiryPage { rows, total })
    }

    /// A page of all the reseller's domains by name (GET type=list), and the total.
    pub fn domain_page(&self, reseller_id: i64, skip: i64, take: i64) -> Result<ExpiryPage> {
        let tx = self.snapshot()?;
        let total = tx
            .prepare_cached("SELECT count(*) FROM domains WHERE reseller_id = ?1")?
            .query_row([reseller_id], |r| r.get(0))?;
        let rows = tx
            .prepare_cached(
                "SELECT name, coalesce(expires_at, 0) AS expires_at, auto_renew, let_expire FROM domains
                 WHERE reseller_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3",
            )?
            .query_map(params![reseller_id, take, skip], |r| {
                Ok((r.get("name")?, r.get("expires_at")?, r.get("auto_renew")?, r.get("let_expire")?))
            })?
            .collect::<super::sql::Result<_>>()?;
        Ok(ExpiryPage { rows, total })
    }

    /// Every host whose name ends in `.domain`, by name (whoever's: the rules say
    /// which are the domain's).
    pub fn name_servers_under(&self, domain: &str) -> Result<Vec<NameServerHost>> {
        let pattern = format!(
            "%.{}",
            domain
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let conn = self.reader();
        let rows = conn
            .prepare_cached(
                "SELECT name, domain_id, ipv4, ipv6 FROM name_servers
                 WHERE name LIKE ?1 ESCAPE '\\' ORDER BY name",
            )?
            .query_map([pattern], host_row)?
            .collect::<super::sql::Result<_>>()?;
        Ok(rows)
    }

    /// A host by name, whoever's it is.
    pub fn name_server(&self, name: &str) -> Result<Option<NameServerHost>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT name, domain_id, ipv4, ipv6 FROM name_servers WHERE name = ?1")?
            .query_row([name], host_row)
            .optional()?)
    }

    /// Creates a host under a reseller's domain; `Conflict` when the name exists.
    pub fn create_name_server(
        &self,
        reseller_id: i64,
        host: &NameServerHost,
        audit: &AuditEntry,
        now: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached(
            "INSERT INTO name_servers (name, reseller_id, domain_id, ipv4, ipv6, created_at)
             SELECT ?1, ?2, ?3, ?4, ?5, ?6 FROM domains WHERE id = ?3 AND reseller_id = ?2",
        )?
        .execute(params![
            host.name,
            reseller_id,
            host.domain_id,
            host.ipv4,
            host.ipv6,
            now
        ])
        .map_err(|e| StoreError::conflict_or(e, format!("nameserver {}", host.name)))?;
        if tx.changes() == 0 {
            return Err(StoreError::NotFound);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Renames a host and sets its addresses and domain (`host.domain_id`), while
    /// that domain is still the reseller's; `NotFound` otherwise, `Conflict` when
    /// the new name exists.
    pub fn modify_name_server(
        &self,
        reseller_id: i64,
        name: &str,
        host: &NameServerHost,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "UPDATE name_servers SET name = ?3, ipv4 = ?4, ipv6 = ?5, domain_id = ?6
                 WHERE name = ?1
                   AND EXISTS (SELECT 1 FROM domains WHERE id = ?6 AND reseller_id = ?2)",
            )?
            .execute(params![
                name,
                reseller_id,
                host.name,
                host.ipv4,
                host.ipv6,
                host.domain_id
            ])
            .map_err(|e| StoreError::conflict_or(e, format!("nameserver {}", host.name)))?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Deletes a host of the reseller's domain `domain_id`, while that domain is
    /// still the reseller's; `NotFound` otherwise.
    pub fn delete_name_server(
        &self,
        reseller_id: i64,
        domain_id: i64,
        name: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let n = tx
            .prepare_cached(
                "DELETE FROM name_servers WHERE name = ?1
                   AND EXISTS (SELECT 1 FROM domains WHERE id = ?3 AND reseller_id = ?2)",
            )?
            .execute(params![name, reseller_id, domain_id])?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Whether any of the reseller's domains lists `host` as a nameserver.
    pub fn name_server_in_use(&self, reseller_id: i64, host: &str) -> Result<bool> {
        // The lists are JSON arrays: the text narrows them (portably, where SQLite
        // has json_each and PostgreSQL has its own), the parse decides.
        let quoted = serde_json::Value::from(host).to_string();
        let pattern = format!(
            "%{}%",
            quoted
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let lists = self
            .reader()
            .prepare_cached(
                "SELECT nameservers FROM domains
                 WHERE reseller_id = ?1 AND nameservers LIKE ?2 ESCAPE '\\'",
            )?
            .query_map(params![reseller_id, pattern], |r| r.get::<_, String>(0))?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(lists.iter().any(|l| {
            serde_json::from_str::<Vec<String>>(l).is_ok_and(|v| v.iter().any(|n| n == host))
        }))
    }

    /// The domain's auth code; `fresh` becomes it first when it has none (a domain
    /// that arrived by transfer or push is given one when first asked).
    pub fn auth_code(&self, reseller_id: i64, domain_id: i64, fresh: &str) -> Result<String> {
        let conn = self.writer();
        conn.prepare_cached(
            "UPDATE domains SET auth_code = ?3 WHERE id = ?1 AND reseller_id = ?2 AND auth_code IS NULL",
        )?
        .execute(params![domain_id, reseller_id, fresh])?;
        conn.prepare_cached("SELECT auth_code FROM domains WHERE id = ?1 AND reseller_id = ?2")?
            .query_row(params![domain_id, reseller_id], |r| {
                r.get::<_, Option<String>>(0)
            })
            .optional()?
            .flatten()
            .ok_or(StoreError::NotFound)
    }

    /// Queues one mail of `kind` (the outbox's name for it: `auth_code`,
    /// `cira_approval`, …) with its audit row, in one transaction.
    pub fn send_mail_audited(
        &self,
        kind: &str,
        mail: &super::Mail,
        message_id: &str,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        super::outbox::queue_mail(&tx, kind, mail, message_id, None, audit.at)?;
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores a cookie (its token's hash) on a reseller's domain, opened by the
    /// profile or by its sub-user `subuser_id`; expired cookies are swept on the
    /// way.
    pub fn create_cookie(
        &self,
        token_hash: &str,
        (reseller_id, domain_id, subuser_id): (i64, i64, Option<i64>),
        now: i64,
        expires_at: i64,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.prepare_cached("DELETE FROM cookies WHERE expires_at <= ?1")?
            .execute([now])?;
        tx.prepare_cached(
            "INSERT INTO cookies (token_hash, reseller_id, domain_id, created_at, expires_at, subuser_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![token_hash, reseller_id, domain_id, now, expires_at, subuser_id])?;
        tx.commit()?;
        Ok(())
    }

    /// The domain a live cookie of this reseller opens, and the rights of the
    /// sub-user who opened it (none when the profile did).
    pub fn cookie_domain(
        &self,
        token_hash: &str,
        reseller_id: i64,
        now: i64,
    ) -> Result<Option<(i64, Option<i64>)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT c.domain_id, s.permission FROM cookies c
                 LEFT JOIN subusers s ON s.id = c.subuser_id
                 WHERE c.token_hash = ?1 AND c.reseller_id = ?2 AND c.expires_at > ?3",
            )?
            .query_row(params![token_hash, reseller_id, now], |r| {
                Ok((r.get("domain_id")?, r.get("permission")?))
            })
            .optional()?)
    }

    /// Moves a live cookie of this reseller to another of its domains, from `now`
    /// until `expires_at` (UPDATE COOKIE); false when there was no live cookie.
    pub fn move_cookie(
        &self,
        token_hash: &str,
        reseller_id: i64,
        domain_id: i64,
        now: i64,
        expires_at: i64,
    ) -> Result<bool> {
        let n = self.writer().execute(
            "UPDATE cookies SET domain_id = ?3, expires_at = ?5
             WHERE token_hash = ?1 AND reseller_id = ?2 AND expires_at > ?4",
            params![token_hash, reseller_id, domain_id, now, expires_at],
        )?;
        Ok(n > 0)
    }

    /// Ends a cookie (DELETE COOKIE); false when there was none.
    pub fn delete_cookie(&self, token_hash: &str, reseller_id: i64) -> Result<bool> {
        let n = self.writer().execute(
            "DELETE FROM cookies WHERE token_hash = ?1 AND reseller_id = ?2",
            params![token_hash, reseller_id],
        )?;
        Ok(n > 0)
    }
}

fn host_row(r: &super::sql::Row<'_>) -> super::sql::Result<NameServerHost> {
    Ok(NameServerHost {
        name: r.get("name")?,
        domain_id: r.get("domain_id")?,
        ipv4: r.get("ipv4")?,
        ipv6: r.get("ipv6")?,
    })
}

/// Takes `cents` from the balance if what is not held covers it: one guarded
/// write, the funds rule's only home. Whether it was taken.
pub(super) fn charge_in(tx: &Transaction<'_>, reseller_id: i64, cents: i64) -> Result<bool> {
    let sql = format!(
        "UPDATE resellers SET balance_cents = balance_cents - ?2
         WHERE id = ?1 AND balance_cents - {} >= ?2",
        held_sql("?1", 3)
    );
    let [a, b, c] = super::orders::ON_THE_WAY;
    let n = tx
        .prepare_cached(&sql)?
        .execute(params![reseller_id, cents, a, b, c])?;
    Ok(n == 1)
}

/// A renewal inside the caller's transaction (see [`Store::renew_domain`]).
pub(super) fn renew_in(
    tx: &Transaction<'_>,
    d: &DomainRecord,
    r: &Renewal,
    audit: &AuditEntry,
    event: &dyn Fn(OrderDone) -> NewEvent,
) -> Result<Written<OrderDone>> {
    // Both guards come before any write: a stopped renewal leaves the caller's
    // transaction as it was.
    let held = tx
        .prepare_cached("SELECT 1 FROM domains WHERE id = ?1 AND reseller_id = ?2")?
        .query_row(params![d.id, d.reseller_id], |_| Ok(()))
        .optional()?;
    if held.is_none() {
        return Ok(Written::Stopped(Guard::Moved));
    }
    if !charge_in(tx, d.reseller_id, r.cents)? {
        return Ok(Written::Stopped(Guard::FundsShort));
    }
    let id = super::orders::next_order_id(tx)?;
    let order_id: i64 = tx
        .prepare_cached(
            "INSERT INTO portfolio_orders (reseller_id, domain, kind, status, period, price_cents, from_year, created_at, id)
             VALUES (?1, ?2, ?7, ?8, ?3, ?4, ?5, ?6, ?9) RETURNING id",
        )?
        .query_row(
            params![
                d.reseller_id,
                d.name,
                r.period,
                r.cents,
                r.from_year,
                r.now,
                OrderKind::Renewal,
                OrderStatus::Completed,
                id
            ],
            |row| row.get(0),
        )?;
    let n = tx
        .prepare_cached(
            "UPDATE domains SET expires_at = ?3, auto_renew = ?4, updated_at = ?5
             WHERE id = ?1 AND reseller_id = ?2",
        )?
        .execute(params![
            d.id,
            d.reseller_id,
            r.new_expiry,
            r.auto_renew,
            r.now
        ])?;
    if n == 0 {
        return Err(StoreError::NotFound);
    }
    let done = OrderDone {
        order_id,
        domain_id: d.id,
    };
    events_in(tx, &[event(done)])?;
    audit_in(tx, audit)?;
    Ok(Written::Done(done))
}

/// Applies one change to one domain inside the caller's transaction, with its
/// event, audit row and verification; false (nothing written) when the domain is
/// not the reseller's.
pub(super) fn change_in(tx: &Transaction<'_>, reseller_id: i64, c: &ChangeOf) -> Result<bool> {
    let n = if let DomainChange::Setting(..) = &c.change {
        tx.prepare_cached("UPDATE domains SET updated_at = ?2 WHERE id = ?1 AND reseller_id = ?3")?
            .execute(params![c.domain_id, c.audit.at, reseller_id])?
    } else {
        let (set, value) = c.change.update();
        let sql =
            format!("UPDATE domains SET {set}, updated_at = ?4 WHERE id = ?1 AND reseller_id = ?3");
        tx.prepare_cached(&sql)?
            .execute(params![c.domain_id, value, reseller_id, c.audit.at])?
    };
    if n == 0 {
        return Ok(false);
    }
    if let DomainChange::Setting(key, value) = &c.change {
        tx.prepare_cached(
            "INSERT INTO domain_settings (domain_id, key, value) VALUES (?1, ?2, ?3)
             ON CONFLICT (domain_id, key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![c.domain_id, key, value])?;
    }
    events_in(tx, std::slice::from_ref(&c.event))?;
    audit_in(tx, &c.audit)?;
    if let Some(v) = &c.verification {
        super::verification::verification_in(tx, v)?;
    }
    Ok(true)
}

fn insert_order(
    tx: &Transaction<'_>,
    n: &NewRegistration,
    status: OrderStatus,
    request: &str,
) -> Result<i64> {
    let id = super::orders::next_order_id(tx)?;
    Ok(tx
        .prepare_cached(
            "INSERT INTO portfolio_orders (reseller_id, domain, kind, status, period, price_cents, request, created_at, id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, nullif(?7, ''), ?8, ?9) RETURNING id",
        )?
        .query_row(
            params![n.reseller_id, n.domain, OrderKind::New, status, n.period, n.price_cents, request, n.now, id],
            |r| r.get(0),
        )?)
}
