//! The operator's side: dashboard accounts and the views across all resellers
//! (transfer jobs, resellers with their push permissions and webhooks).

use super::sql::{OptionalExtension, params};

use super::{Result, Store, StoreError};

/// One line of the dashboard's transfer job list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct JobSummary {
    pub id: i64,
    pub reseller: String,
    pub name: String,
    pub status: String,
    pub created_at: i64,
    pub domains: i64,
    pub registrants: i64,
    /// `status: count` of its domains, e.g. `completed: 3, failed: 1`.
    pub breakdown: String,
}

/// One reseller as the operator sees it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResellerOverview {
    pub id: i64,
    pub username: String,
    pub push_enabled: bool,
    /// Losing resellers it accepts pushes from.
    pub accepts_from: Vec<String>,
    pub allowed_ips: Vec<String>,
    pub domains: i64,
    pub transfer_jobs: i64,
    pub webhook_url: Option<String>,
    pub panel_login: bool,
}

impl Store {
    pub fn add_operator(&self, username: &str, password_hash: &str, now: i64) -> Result<i64> {
        let conn = self.writer();
        conn.prepare_cached(
            "INSERT INTO operators (username, password_hash, created_at) VALUES (?1, ?2, ?3) RETURNING id",
        )?
        .query_row(params![username, password_hash, now], |r| r.get(0))
        .map_err(|e| StoreError::conflict_or(e, format!("operator {username}")))
    }

    /// Sets an operator's password, ending its dashboard sessions in the same
    /// transaction; `NotFound` for an unknown name.
    pub fn set_operator_password(&self, username: &str, password_hash: &str) -> Result<()> {
        self.set_password_ending_sessions(
            "operators",
            "dashboard",
            username,
            password_hash,
            |_, _| Ok(()),
        )
    }

    /// `(id, password hash)` of an operator, for the login form.
    pub fn operator_login(&self, username: &str) -> Result<Option<(i64, String)>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT id, password_hash FROM operators WHERE username = ?1")?
            .query_row([username], |r| Ok((r.get("id")?, r.get("password_hash")?)))
            .optional()?)
    }

    pub fn operator_name(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .reader()
            .prepare_cached("SELECT username FROM operators WHERE id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?)
    }

    /// The latest transfer jobs of every reseller, newest first.
    pub fn transfer_jobs_overview(&self, limit: usize) -> Result<Vec<JobSummary>> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT j.id, r.username, j.name, j.status, j.created_at,
                    (SELECT count(*) FROM transfer_domains d WHERE d.job_id = j.id) AS domains,
                    (SELECT count(*) FROM transfer_registrants g WHERE g.job_id = j.id) AS registrants,
                    (SELECT string_agg(status || ': ' || n, ', ' ORDER BY status) FROM
                       (SELECT status, count(*) AS n FROM transfer_domains d
                        WHERE d.job_id = j.id GROUP BY status) AS s) AS breakdown
             FROM transfer_jobs j JOIN resellers r ON r.id = j.reseller_id
             ORDER BY j.id DESC LIMIT ?1",
        )?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                Ok(JobSummary {
                    id: r.get("id")?,
                    reseller: r.get("username")?,
                    name: r.get("name")?,
                    status: r.get("status")?,
                    created_at: r.get("created_at")?,
                    domains: r.get("domains")?,
                    registrants: r.get("registrants")?,
                    breakdown: r.get::<_, Option<String>>("breakdown")?.unwrap_or_default(),
                })
            })?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every reseller with its push settings, webhook and sizes, by name: one query,
    /// the two lists folded into it.
    pub fn resellers_overview(&self) -> Result<Vec<ResellerOverview>> {
        // Unit separator: neither a user name nor a CIDR contains it.
        let split = |joined: Option<String>| -> Vec<String> {
            joined
                .map(|j| j.split('\u{1f}').map(str::to_string).collect())
                .unwrap_or_default()
        };
        let list = self
            .reader()
            .prepare_cached(
                "SELECT r.id, r.username, r.push_enabled,
                        (SELECT count(*) FROM domains d WHERE d.reseller_id = r.id) AS domains,
                        (SELECT count(*) FROM transfer_jobs j WHERE j.reseller_id = r.id) AS transfer_jobs,
                        (SELECT url FROM webhooks w WHERE w.reseller_id = r.id) AS webhook_url,
                        r.password_hash IS NOT NULL AS panel_login,
                        (SELECT string_agg(l.username, ?1 ORDER BY l.username)
                           FROM push_allow a JOIN resellers l ON l.id = a.losing_id
                           WHERE a.gaining_id = r.id) AS accepts_from,
                        (SELECT string_agg(cidr, ?1 ORDER BY cidr)
                           FROM reseller_ips i WHERE i.reseller_id = r.id) AS allowed_ips
                 FROM resellers r ORDER BY r.username",
            )?
            .query_map(["\u{1f}"], |r| {
                Ok(ResellerOverview {
                    id: r.get("id")?,
                    username: r.get("username")?,
                    push_enabled: r.get("push_enabled")?,
                    domains: r.get("domains")?,
                    transfer_jobs: r.get("transfer_jobs")?,
                    webhook_url: r.get("webhook_url")?,
                    panel_login: r.get("panel_login")?,
                    accepts_from: split(r.get("accepts_from")?),
                    allowed_ips: split(r.get("allowed_ips")?),
                })
            })?
            .collect::<super::sql::Result<Vec<_>>>()?;
        Ok(list)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;

    #[test]
    fn overview_folds_in_allow_lists_and_ip_rules_in_order() {
        let (store, _dir) = temp_store();
        let ips = ["192.0.2.0/24".to_string(), "10.0.0.1".to_string()];
        let gaining = store.add_reseller("gaining", "k", &ips, 0).unwrap_or(0);
        let b = store.add_reseller("bravo", "k", &[], 0).unwrap_or(0);
        let a = store.add_reseller("alpha", "k", &[], 0).unwrap_or(0);
        for losing in [b, a] {
            assert!(store.set_push_allowed(gaining, losing, true, 0).is_ok());
        }
        let list = store.resellers_overview().unwrap_or_default();
        let names: Vec<&str> = list.iter().map(|r| r.username.as_str()).collect();
        assert_eq!(names, ["alpha", "bravo", "gaining"]);
        assert_eq!(list[2].accepts_from, ["alpha", "bravo"]);
        assert_eq!(list[2].allowed_ips, ["10.0.0.1", "192.0.2.0/24"]);
        assert!(list[0].accepts_from.is_empty() && list[0].allowed_ips.is_empty());
    }
}
