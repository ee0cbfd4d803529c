//! Registrar accounts of the registry-style push (seed 002): handles and passwords,
//! their domains and contact handles, invoices, and the push itself with every effect
//! in one transaction (whether it may happen is `rules::registry_push`).

use super::sql::{OptionalExtension, params};

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::{Guard, Result, Store, StoreError, Written};
use crate::status::InvoiceStatus;

#[derive(Clone, PartialEq, Eq)]
pub struct Registrar {
    pub handle: String,
    /// `$1$<salt>$<hash>`.
    pub password_crypt: String,
    pub email: String,
    pub opted_out: bool,
}

impl std::fmt::Debug for Registrar {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registrar")
            .field("handle", &self.handle)
            .field("password_crypt", &"***")
            .field("email", &self.email)
            .field("opted_out", &self.opted_out)
            .finish()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistryDomain {
    pub name: String,
    pub registrar: String,
    pub status: String,
    pub registrant: Option<String>,
    pub tech: Option<String>,
}

/// One push request, already authenticated as `losing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPush {
    pub losing: String,
    pub gaining: String,
    pub domain: String,
    pub now: i64,
    pub client_ip: String,
}

/// A domain at the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryDomain {
    pub name: String,
    pub registrar: String,
    pub status: String,
    pub registrant: Option<String>,
    pub tech: Option<String>,
}

/// What a registry push is about (see [`Store::registry_push_facts`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryPushFacts {
    /// The domain's technical contact handle.
    pub tech: Option<String>,
    /// Its registrant and technical handles.
    pub handles: Vec<HandleFacts>,
    /// The losing registrar's outstanding invoices for it: `(id, cents)`.
    pub invoices: Vec<(i64, i64)>,
}

/// A contact handle of a pushed domain: who sponsors it, and whether other
/// domains use it — at the losing registrar, or at third registrars.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandleFacts {
    pub handle: String,
    pub sponsor: Option<String>,
    pub other_domains_at_losing: i64,
    pub at_third_registrars: i64,
}

/// A registry push as its rule planned it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryPushPlan {
    pub push: RegistryPush,
    /// The domain's technical contact after the push.
    pub tech: Option<String>,
    /// Handles changing sponsor: `(handle, new sponsor)` (`None`: unsponsored).
    pub handles: Vec<(String, Option<String>)>,
    /// Invoices to credit and reissue to the gaining registrar: `(id, cents)`.
    pub invoices: Vec<(i64, i64)>,
    pub audit: AuditEntry,
    /// The email to the gaining registrar, with its message id.
    pub notice: Option<(Mail, String)>,
}

/// What a registry push did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistryPushDone {
    pub tech_changed: bool,
    /// Contact handles now sponsored by the gaining registrar.
    pub handles_moved: Vec<String>,
    /// Contact handles that became unsponsored.
    pub handles_unsponsored: Vec<String>,
    /// Invoices credited to the losing registrar and reissued to the gaining one.
    pub invoices_reissued: usize,
}

impl Store {
    pub fn add_registrar(
        &self,
        handle: &str,
        password_crypt: &str,
        email: &str,
        now: i64,
    ) -> Result<()> {
        self.writer()
            .execute(
                "INSERT INTO registrars (handle, password_crypt, email, created_at) VALUES (?1, ?2, ?3, ?4)",
                params![handle, password_crypt, email, now],
            )
            .map_err(|e| StoreError::conflict_or(e, format!("registrar {handle}")))?;
        Ok(())
    }

    pub fn registrar(&self, handle: &str) -> Result<Option<Registrar>> {
        registrar_in(&self.reader(), handle)
    }

    pub fn set_registrar_password(&self, handle: &str, password_crypt: &str) -> Result<()> {
        self.update_registrar(
            "UPDATE registrars SET password_crypt = ?2 WHERE handle = ?1",
            handle,
            password_crypt,
        )
    }

    pub fn set_registrar_opt_out(&self, handle: &str, opted_out: bool) -> Result<()> {
        self.update_registrar(
            "UPDATE registrars SET opted_out = ?2 WHERE handle = ?1",
            handle,
            opted_out,
        )
    }

    fn update_registrar(
        &self,
        sql: &str,
        handle: &str,
        value: impl super::sql::ToValue,
    ) -> Result<()> {
        let n = self.writer().execute(sql, params![handle, value])?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds a domain; its contact handles are created sponsored by its registrar if
    /// they do not exist yet.
    pub fn add_registry_domain(&self, d: &NewRegistryDomain, now: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO registry_domains (name, registrar, status, registrant, tech, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![d.name, d.registrar, d.status, d.registrant, d.tech, now],
        )
        .map_err(|e| StoreError::conflict_or(e, format!("domain {}", d.name)))?;
        for h in [&d.registrant, &d.tech].into_iter().flatten() {
            if registrar_in(&tx, h)?.is_none() {
                tx.execute(
                    "INSERT INTO contact_handles (handle, sponsor) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                    params![h, d.registrar],
                )?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// An outstanding invoice of `registrar` for `domain`.
    pub fn add_invoice(
        &self,
        registrar: &str,
        domain: &str,
        amount_cents: i64,
        now: i64,
    ) -> Result<i64> {
        let conn = self.writer();
        Ok(conn
            .prepare_cached(
                "INSERT INTO invoices (registrar, domain, amount_cents, status, created_at)
                 VALUES (?1, ?2, ?3, ?5, ?4) RETURNING id",
            )?
            .query_row(
                params![
                    registrar,
                    domain,
                    amount_cents,
                    now,
                    InvoiceStatus::Outstanding
                ],
                |r| r.get(0),
            )?)
    }

    /// A domain of the registry, whoever holds it.
    pub fn registry_domain(&self, name: &str) -> Result<Option<RegistryDomain>> {
        let d = self
            .reader()
            .prepare_cached(
                "SELECT name, registrar, status, registrant, tech FROM registry_domains WHERE name = ?1",
            )?
            .query_row([name], |r| {
                Ok(RegistryDomain {
                    name: r.get("name")?,
                    registrar: r.get("registrar")?,
                    status: r.get("status")?,
                    registrant: r.get("registrant")?,
                    tech: r.get("tech")?,
                })
            })
            .optional()?;
        Ok(d)
    }

    /// What a registry push is about, as its rule needs it: the domain's contact
    /// handles with their sponsor and where else they are used, and the losing
    /// registrar's outstanding invoices for it. `None` when the losing registrar
    /// does not hold the domain.
    pub fn registry_push_facts(&self, p: &RegistryPush) -> Result<Option<RegistryPushFacts>> {
        let tx = self.snapshot()?;
        let row: Option<(Option<String>, Option<String>)> = tx
            .prepare_cached(
                "SELECT registrant, tech FROM registry_domains WHERE name = ?1 AND registrar = ?2",
            )?
            .query_row(params![p.domain, p.losing], |r| {
                Ok((r.get("registrant")?, r.get("tech")?))
            })
            .optional()?;
        let Some((registrant, tech)) = row else {
            return Ok(None);
        };
        let mut handles: Vec<String> = [registrant, tech.clone()].into_iter().flatten().collect();
        handles.dedup();
        let mut facts = Vec::with_capacity(handles.len());
        for handle in handles {
            let sponsor: Option<String> = tx
                .prepare_cached("SELECT sponsor FROM contact_handles WHERE handle = ?1")?
                .query_row([&handle], |r| r.get(0))
                .optional()?
                .flatten();
            let other_domains_at_losing: i64 = tx
                .prepare_cached(
                    "SELECT count(*) FROM registry_domains
                     WHERE (registrant = ?1 OR tech = ?1) AND registrar = ?2 AND name <> ?3",
                )?
                .query_row(params![handle, p.losing, p.domain], |r| r.get(0))?;
            let at_third_registrars: i64 = tx
                .prepare_cached(
                    "SELECT count(*) FROM registry_domains
                     WHERE (registrant = ?1 OR tech = ?1) AND registrar <> ?2 AND registrar <> ?3
                       AND name <> ?4",
                )?
                .query_row(params![handle, p.losing, p.gaining, p.domain], |r| r.get(0))?;
            facts.push(HandleFacts {
                handle,
                sponsor,
                other_domains_at_losing,
                at_third_registrars,
            });
        }
        let invoices = tx
            .prepare_cached(
                "SELECT id, amount_cents FROM invoices WHERE domain = ?1 AND registrar = ?2 AND status = ?3 ORDER BY id",
            )?
            .query_map(
                params![p.domain, p.losing, InvoiceStatus::Outstanding],
                |r| Ok((r.get("id")?, r.get("amount_cents")?)),
            )?
            .collect::<super::sql::Result<_>>()?;
        Ok(Some(RegistryPushFacts {
            tech,
            handles: facts,
            invoices,
        }))
    }

    /// Applies a registry push as its rule planned it, in one transaction: the
    /// domain moves (while the losing registrar still holds it, else
    /// [`Guard::Moved`] and nothing is written), its technical contact is set, the
    /// handles change sponsor (each while the losing registrar still sponsors it),
    /// the outstanding invoices are credited and reissued (each while still
    /// outstanding), with the audit row and the gaining registrar's notice.
    pub fn apply_registry_push(&self, plan: &RegistryPushPlan) -> Result<Written<()>> {
        let p = &plan.push;
        let conn = self.writer();
        let tx = conn.transaction()?;
        let moved = tx
            .prepare_cached(
                "UPDATE registry_domains SET registrar = ?2, tech = ?3 WHERE name = ?1 AND registrar = ?4",
            )?
            .execute(params![p.domain, p.gaining, plan.tech, p.losing])?;
        if moved == 0 {
            return Ok(Written::Stopped(Guard::Moved));
        }
        for (handle, sponsor) in &plan.handles {
            tx.prepare_cached(
                "UPDATE contact_handles SET sponsor = ?2 WHERE handle = ?1 AND sponsor = ?3",
            )?
            .execute(params![handle, sponsor, p.losing])?;
        }
        for (id, amount) in &plan.invoices {
            let credited = tx
                .prepare_cached("UPDATE invoices SET status = ?2 WHERE id = ?1 AND status = ?3")?
                .execute(params![
                    id,
                    InvoiceStatus::Credited,
                    InvoiceStatus::Outstanding
                ])?;
            if credited == 1 {
                tx.prepare_cached(
                    "INSERT INTO invoices (registrar, domain, amount_cents, status, reissued_from, created_at)
                     VALUES (?1, ?2, ?3, ?6, ?4, ?5)",
                )?
                .execute(params![
                    p.gaining,
                    p.domain,
                    amount,
                    id,
                    p.now,
                    InvoiceStatus::Outstanding
                ])?;
            }
        }
        audit_in(&tx, &plan.audit)?;
        if let Some((mail, message_id)) = &plan.notice {
            queue_mail(&tx, "registry_push", mail, message_id, None, p.now)?;
        }
        tx.commit()?;
        Ok(Written::Done(()))
    }
}

fn registrar_in(conn: &super::sql::Connection, handle: &str) -> Result<Option<Registrar>> {
    let r = conn
        .prepare_cached(
            "SELECT handle, password_crypt, email, opted_out FROM registrars WHERE handle = ?1",
        )?
        .query_row([handle], |r| {
            Ok(Registrar {
                handle: r.get("handle")?,
                password_crypt: r.get("password_crypt")?,
                email: r.get("email")?,
                opted_out: r.get("opted_out")?,
            })
        })
        .optional()?;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;
    use super::*;

    fn domain(name: &str, registrar: &str, registrant: &str, tech: &str) -> NewRegistryDomain {
        NewRegistryDomain {
            name: name.into(),
            registrar: registrar.into(),
            status: "Live".into(),
            registrant: Some(registrant.into()),
            tech: Some(tech.into()),
        }
    }

    /// The push is guarded by the registrar the rule read: a domain that left the
    /// losing registrar meanwhile is not moved, and nothing of the plan is written.
    #[test]
    fn a_push_of_a_domain_that_moved_writes_nothing() {
        let (store, _dir) = temp_store();
        for h in ["H1", "H2", "H3"] {
            assert!(store.add_registrar(h, "$1$x$y", "r@example.com", 1).is_ok());
        }
        assert!(
            store
                .add_registry_domain(&domain("a.uk.com", "H3", "C1", "H3"), 1)
                .is_ok()
        );
        let push = RegistryPush {
            losing: "H1".into(),
            gaining: "H2".into(),
            domain: "a.uk.com".into(),
            now: 5,
            client_ip: "127.0.0.1".into(),
        };
        let plan = RegistryPushPlan {
            push: push.clone(),
            tech: Some("H2".into()),
            handles: vec![("C1".into(), Some("H2".into()))],
            invoices: Vec::new(),
            audit: AuditEntry {
                at: 5,
                actor: "H1".into(),
                actor_kind: "registrar".into(),
                action: "srv_push_domain".into(),
                subject: "a.uk.com".into(),
                detail: String::new(),
                client_ip: "127.0.0.1".into(),
                gaining: Some("H2".into()),
                gaining_kind: Some("registrar".into()),
            },
            notice: None,
        };
        assert!(matches!(
            store.apply_registry_push(&plan),
            Ok(Written::Stopped(Guard::Moved))
        ));
        assert!(matches!(store.registry_push_facts(&push), Ok(None)));
        let d = store.registry_domain("a.uk.com").ok().flatten();
        assert_eq!(d.map(|d| d.registrar).as_deref(), Some("H3"));
        assert!(matches!(
            store.audit_log(Some("a.uk.com"), 5).map(|l| l.len()),
            Ok(0)
        ));
    }
}
