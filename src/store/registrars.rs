//! Registrar accounts of the registry-style push (seed 002): handles and passwords,
//! their domains and contact handles, invoices, and the push itself with every effect
//! in one transaction (whether it may happen is `rules::registry_push`).

use super::sql::{OptionalExtension, Transaction, params};

use super::outbox::{Mail, queue_mail};
use super::push::{AuditEntry, audit_in};
use super::{Result, Store, StoreError};
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

/// What a push did, for logs and tests.
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

    /// Pushes the domain to the gaining registrar with all of seed 002's effects in
    /// one transaction, `notice` (the email to the gaining registrar) queued with
    /// them. Whether the push may happen was decided by `rules::registry_push`;
    /// `NotFound` when the losing registrar no longer holds the domain.
    pub fn registry_push(
        &self,
        p: &RegistryPush,
        notice: Option<&Mail>,
    ) -> Result<RegistryPushDone> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let row: Option<(Option<String>, Option<String>)> = tx
            .query_row(
                "SELECT registrant, tech FROM registry_domains WHERE name = ?1 AND registrar = ?2",
                params![p.domain, p.losing],
                |r| Ok((r.get("registrant")?, r.get("tech")?)),
            )
            .optional()?;
        let Some((registrant, tech)) = row else {
            return Err(StoreError::NotFound);
        };
        let mut done = RegistryPushDone::default();
        // The losing registrar listed as technical contact is replaced by the gaining.
        let new_tech = match &tech {
            Some(t) if *t == p.losing => {
                done.tech_changed = true;
                Some(p.gaining.clone())
            }
            other => other.clone(),
        };
        tx.execute(
            "UPDATE registry_domains SET registrar = ?2, tech = ?3 WHERE name = ?1",
            params![p.domain, p.gaining, new_tech],
        )?;
        let mut handles: Vec<String> = [registrant, tech].into_iter().flatten().collect();
        handles.dedup();
        for h in handles {
            move_sponsorship(&tx, &h, p, &mut done)?;
        }
        done.invoices_reissued = reissue_invoices(&tx, p)?;
        audit_in(
            &tx,
            &AuditEntry {
                at: p.now,
                actor: p.losing.clone(),
                actor_kind: super::account::REGISTRAR.into(),
                action: "srv_push_domain".into(),
                subject: p.domain.clone(),
                detail: format!(
                    "pushed from {} to {}; {} invoice(s) reissued; handles moved: [{}], unsponsored: [{}]",
                    p.losing,
                    p.gaining,
                    done.invoices_reissued,
                    done.handles_moved.join(", "),
                    done.handles_unsponsored.join(", ")
                ),
                client_ip: p.client_ip.clone(),
                gaining: Some(p.gaining.clone()),
                gaining_kind: Some(super::account::REGISTRAR.into()),
            },
        )?;
        if let Some(mail) = notice {
            let message_id = format!("<push-{}-{}@opsd>", p.domain, p.now);
            queue_mail(&tx, "registry_push", mail, &message_id, None, p.now)?;
        }
        tx.commit()?;
        Ok(done)
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

/// Seed 002: a handle the losing registrar sponsors moves with the domain unless the
/// losing registrar still uses it on another domain (then it stays); if a third
/// registrar's domains use it too, it becomes unsponsored.
fn move_sponsorship(
    tx: &Transaction<'_>,
    handle: &str,
    p: &RegistryPush,
    done: &mut RegistryPushDone,
) -> Result<()> {
    let sponsor: Option<Option<String>> = tx
        .query_row(
            "SELECT sponsor FROM contact_handles WHERE handle = ?1",
            [handle],
            |r| r.get(0),
        )
        .optional()?;
    if sponsor.flatten().as_deref() != Some(p.losing.as_str()) {
        return Ok(());
    }
    let at_losing: i64 = tx.query_row(
        "SELECT count(*) FROM registry_domains WHERE (registrant = ?1 OR tech = ?1) AND registrar = ?2",
        params![handle, p.losing],
        |r| r.get(0),
    )?;
    if at_losing > 0 {
        return Ok(());
    }
    let elsewhere: i64 = tx.query_row(
        "SELECT count(*) FROM registry_domains WHERE (registrant = ?1 OR tech = ?1) AND registrar <> ?2 AND registrar <> ?3",
        params![handle, p.losing, p.gaining],
        |r| r.get(0),
    )?;
    let new_sponsor = if elsewhere > 0 {
        done.handles_unsponsored.push(handle.to_string());
        None
    } else {
        done.handles_moved.push(handle.to_string());
        Some(p.gaining.as_str())
    };
    tx.execute(
        "UPDATE contact_handles SET sponsor = ?2 WHERE handle = ?1",
        params![handle, new_sponsor],
    )?;
    Ok(())
}

/// Credits the losing registrar's outstanding invoices for the domain and issues the
/// same amounts to the gaining registrar.
fn reissue_invoices(tx: &Transaction<'_>, p: &RegistryPush) -> Result<usize> {
    let open: Vec<(i64, i64)> = tx
        .prepare_cached(
            "SELECT id, amount_cents FROM invoices WHERE domain = ?1 AND registrar = ?2 AND status = ?3 ORDER BY id",
        )?
        .query_map(
            params![p.domain, p.losing, InvoiceStatus::Outstanding],
            |r| Ok((r.get("id")?, r.get("amount_cents")?)),
        )?
        .collect::<super::sql::Result<_>>()?;
    for (id, amount) in &open {
        tx.prepare_cached("UPDATE invoices SET status = ?2 WHERE id = ?1 AND status = ?3")?
            .execute(params![
                id,
                InvoiceStatus::Credited,
                InvoiceStatus::Outstanding
            ])?;
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
    Ok(open.len())
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

    fn push(domain: &str) -> RegistryPush {
        RegistryPush {
            losing: "H1".into(),
            gaining: "H2".into(),
            domain: domain.into(),
            now: 5,
            client_ip: "127.0.0.1".into(),
        }
    }

    fn sponsor(store: &Store, handle: &str) -> Option<String> {
        let conn = store.reader();
        conn.query_row(
            "SELECT sponsor FROM contact_handles WHERE handle = ?1",
            [handle],
            |r| r.get(0),
        )
        .ok()
        .flatten()
    }

    #[test]
    fn handles_move_stay_or_become_unsponsored() {
        let (store, _dir) = temp_store();
        for h in ["H1", "H2", "H3"] {
            assert!(store.add_registrar(h, "$1$x$y", "r@example.com", 1).is_ok());
        }
        let adds = [
            domain("a.uk.com", "H1", "C-ONLY", "H1"),
            domain("b.uk.com", "H1", "C-KEPT", "T-SHARED"),
            domain("c.uk.com", "H1", "C-KEPT", "T-OTHER"),
            domain("d.uk.com", "H3", "T-SHARED", "H3"),
        ];
        for d in &adds {
            assert!(store.add_registry_domain(d, 1).is_ok(), "{}", d.name);
        }
        let done = store
            .registry_push(&push("a.uk.com"), None)
            .unwrap_or_default();
        assert!(done.tech_changed);
        assert_eq!(done.handles_moved, vec!["C-ONLY".to_string()]);
        assert_eq!(sponsor(&store, "C-ONLY").as_deref(), Some("H2"));
        let done = store
            .registry_push(&push("b.uk.com"), None)
            .unwrap_or_default();
        // C-KEPT is still on c.uk.com at H1; T-SHARED is also used at H3.
        assert!(done.handles_moved.is_empty());
        assert_eq!(done.handles_unsponsored, vec!["T-SHARED".to_string()]);
        assert_eq!(sponsor(&store, "C-KEPT").as_deref(), Some("H1"));
        assert_eq!(sponsor(&store, "T-SHARED"), None);
        assert!(!done.tech_changed);
    }
}
