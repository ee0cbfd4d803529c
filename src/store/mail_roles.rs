//! Administrator roles held by a company's mailbox users (`set_role`,
//! `add_role`, `search_admins`): which role over which objects. What a role
//! allows is `rules::mail_roles`'; the store keeps the rows.

use super::push::{AuditEntry, audit_in};
use super::sql::params;
use super::{Result, Store};

/// A role held by a user: its address, the role's name and its object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeldRole {
    pub address: String,
    pub role: String,
    pub object: String,
}

impl Store {
    /// The roles user `mailbox_id` holds: `(role, object)`, in order.
    pub fn mail_roles_of(&self, mailbox_id: i64) -> Result<Vec<(String, String)>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT role, object FROM mail_roles WHERE mailbox_id = ?1 ORDER BY role, object",
            )?
            .query_map([mailbox_id], |r| Ok((r.get("role")?, r.get("object")?)))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Every role held in the company, by user address.
    pub fn mail_roles_in(&self, company_id: i64) -> Result<Vec<HeldRole>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT m.local_part || '@' || m.domain AS address, r.role, r.object
                 FROM mail_roles r JOIN mailboxes m ON m.id = r.mailbox_id
                 JOIN mail_domains d ON d.name = m.domain
                 WHERE d.company_id = ?1 ORDER BY address, r.role, r.object",
            )?
            .query_map([company_id], |r| {
                Ok(HeldRole {
                    address: r.get("address")?,
                    role: r.get("role")?,
                    object: r.get("object")?,
                })
            })?
            .collect::<super::sql::Result<_>>()?)
    }

    /// The user names of the company's administrator accounts.
    pub fn mail_admins_of(&self, company_id: i64) -> Result<Vec<String>> {
        Ok(self
            .reader()
            .prepare_cached(
                "SELECT username FROM mail_admins WHERE company_id = ?1 ORDER BY username",
            )?
            .query_map([company_id], |r| r.get("username"))?
            .collect::<super::sql::Result<_>>()?)
    }

    /// Gives user `mailbox_id` `role` over `objects`; with `replace`, the roles
    /// it held before are taken away first (`set_role`), else they stay
    /// (`add_role`). No role (`None`) takes every role away. With the audit row.
    pub fn set_mail_roles(
        &self,
        mailbox_id: i64,
        role: Option<&str>,
        objects: &[String],
        replace: bool,
        audit: &AuditEntry,
    ) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        if replace || role.is_none() {
            tx.prepare_cached("DELETE FROM mail_roles WHERE mailbox_id = ?1")?
                .execute([mailbox_id])?;
        }
        if let Some(role) = role {
            let mut add = tx.prepare_cached(
                "INSERT INTO mail_roles (mailbox_id, role, object) VALUES (?1, ?2, ?3)
                 ON CONFLICT (mailbox_id, role, object) DO NOTHING",
            )?;
            for o in objects {
                add.execute(params![mailbox_id, role, o])?;
            }
        }
        audit_in(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }
}
