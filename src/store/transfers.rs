//! SIMPLE_TRANSFER jobs: creation in one transaction, and the status view.

use super::sql::{OptionalExtension, ValueRef, params};

use smol_str::SmolStr;

use super::{Result, Store};
use crate::status::{DomainStatus, TaskKind};

/// A validated job, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransferJob {
    pub reseller_id: i64,
    pub name: String,
    pub profile_id: Option<i64>,
    pub dns_template: Option<String>,
    pub nameservers: Vec<String>,
    /// `(domain_name, auth_info)` in request order. Short texts are kept inline
    /// (`SmolStr`): a 10,000-domain job then allocates once for its list.
    pub domains: Vec<(SmolStr, SmolStr)>,
    pub created_at: i64,
}

/// The latest transfer in of a domain by a reseller, as CHECK_TRANSFER shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferState {
    pub job_id: i64,
    pub position: i64,
    pub status: crate::status::DomainStatus,
    /// The registrant asked to approve, once analysis found one.
    pub registrant_email: Option<String>,
    /// When the transfer was requested, and when its status last changed.
    pub requested_at: i64,
    pub status_at: i64,
}

/// A job as SIMPLE_TRANSFER_STATUS shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobView {
    pub id: i64,
    pub name: String,
    pub status: String,
    pub registrants: Vec<RegistrantView>,
    pub domains: Vec<JobDomainView>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrantView {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDomainView {
    pub name: String,
    pub status: String,
    pub registrant_id: Option<i64>,
    pub reason: Option<String>,
}

/// Inserts a job with its nameservers and domains and queues its analysis, inside a
/// caller's transaction: an accepted job always gets analysed.
pub(crate) fn insert_job(tx: &super::sql::Transaction<'_>, job: &NewTransferJob) -> Result<i64> {
    let id: i64 = tx.query_row(
        "INSERT INTO transfer_jobs (reseller_id, name, status, profile_id, dns_template, created_at)
         VALUES (?1, ?2, ?6, ?3, ?4, ?5) RETURNING id",
        params![
            job.reseller_id,
            job.name,
            job.profile_id,
            job.dns_template,
            job.created_at,
            crate::status::JobStatus::Pending
        ],
        |r| r.get(0),
    )?;
    {
        let mut ns = tx.prepare_cached(
            "INSERT INTO transfer_nameservers (job_id, position, name) VALUES (?1, ?2, ?3)",
        )?;
        for (i, name) in job.nameservers.iter().enumerate() {
            ns.execute(params![id, i as i64, name])?;
        }
        insert_domains(tx, id, &job.domains)?;
    }
    super::tasks::enqueue(
        tx,
        super::TaskKind::AnalyseJob,
        id,
        None,
        job.created_at,
        job.created_at,
    )?;
    Ok(id)
}

/// Receives a job's rows from [`Store::visit_job`], in this order: the head, the
/// registrants by id, `registrants_done`, the domains in request order.
pub trait JobRows {
    fn head(&mut self, id: i64, name: &str, status: &str);
    fn registrant(&mut self, r: RegistrantRow<'_>);
    fn registrants_done(&mut self) {}
    fn domain(&mut self, d: DomainRow<'_>);
}

/// A registrant row, borrowed from the query.
#[derive(Debug, Clone, Copy)]
pub struct RegistrantRow<'a> {
    pub id: i64,
    pub email: &'a str,
    pub name: &'a str,
    pub status: &'a str,
}

/// A domain row, borrowed from the query.
#[derive(Debug, Clone, Copy)]
pub struct DomainRow<'a> {
    pub name: &'a str,
    pub status: &'a str,
    pub registrant_id: Option<i64>,
    pub reason: Option<&'a str>,
}

/// Collects the rows into an owned view.
impl JobRows for JobView {
    fn head(&mut self, id: i64, name: &str, status: &str) {
        self.id = id;
        self.name = name.to_string();
        self.status = status.to_string();
    }

    fn registrant(&mut self, r: RegistrantRow<'_>) {
        self.registrants.push(RegistrantView {
            id: r.id,
            email: r.email.to_string(),
            name: r.name.to_string(),
            status: r.status.to_string(),
        });
    }

    fn domain(&mut self, d: DomainRow<'_>) {
        self.domains.push(JobDomainView {
            name: d.name.to_string(),
            status: d.status.to_string(),
            registrant_id: d.registrant_id,
            reason: d.reason.map(str::to_string),
        });
    }
}

/// Rows per INSERT statement when storing a job's domains.
const ROWS_PER_INSERT: usize = 64;

/// Inserts the domains `ROWS_PER_INSERT` rows per statement: measured on the bench
/// machine, 10,000 rows took 34 ms one statement each and 19 ms 64 per statement
/// (the per-statement work of SQLite's VM dominates such small rows).
fn insert_domains(
    tx: &super::sql::Transaction<'_>,
    job_id: i64,
    domains: &[(SmolStr, SmolStr)],
) -> Result<()> {
    // Every domain starts pending: the status is the last value of each row.
    const ROW: &str = "(?, ?, ?, ?, ?)";
    const INSERT: &str =
        "INSERT INTO transfer_domains (job_id, position, name, auth_info, status) VALUES ";
    if tx.backend() == super::sql::Backend::Postgres {
        // PostgreSQL's bulk path: one COPY (see `PgConn::copy_in`).
        use super::sql::Column::{Integer, Text};
        let with_status: Vec<ValueRef<'_>> = row_values(job_id, 0, domains);
        tx.copy_in(
            "transfer_domains",
            &[
                ("job_id", Integer),
                ("position", Integer),
                ("name", Text),
                ("auth_info", Text),
                ("status", Text),
            ],
            &with_status,
        )?;
        return Ok(());
    }
    let many = format!("{INSERT}{}", vec![ROW; ROWS_PER_INSERT].join(", "));
    let chunks = domains.chunks_exact(ROWS_PER_INSERT);
    let rest = chunks.remainder();
    let mut stmt = tx.prepare_cached(&many)?;
    for (c, chunk) in chunks.enumerate() {
        stmt.execute(row_values(job_id, c * ROWS_PER_INSERT, chunk))?;
    }
    let mut one = tx.prepare_cached(&format!("{INSERT}{ROW}"))?;
    let start = domains.len() - rest.len();
    for (i, row) in rest.iter().enumerate() {
        one.execute(row_values(job_id, start + i, std::slice::from_ref(row)))?;
    }
    Ok(())
}

/// The parameters of a multi-row INSERT of `rows` (positions from `first`).
fn row_values(job_id: i64, first: usize, rows: &[(SmolStr, SmolStr)]) -> Vec<ValueRef<'_>> {
    let mut values = Vec::with_capacity(5 * rows.len());
    for (i, (name, auth)) in rows.iter().enumerate() {
        values.extend([
            ValueRef::Integer(job_id),
            ValueRef::Integer((first + i) as i64),
            ValueRef::Text(name),
            ValueRef::Text(auth),
            ValueRef::Text(DomainStatus::Pending.as_str()),
        ]);
    }
    values
}

/// Tables whose next id a scenario may set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sequence {
    TransferJobs,
    TransferRegistrants,
}

impl Sequence {
    fn table(self) -> &'static str {
        match self {
            Sequence::TransferJobs => "transfer_jobs",
            Sequence::TransferRegistrants => "transfer_registrants",
        }
    }
}

impl Store {
    /// The reseller's latest transfer in of `domain` (lower-case), if any: its jobs
    /// newest first, through their domains (see migration 0014 for why no index on
    /// the domains' names).
    pub fn transfer_state(&self, reseller_id: i64, domain: &str) -> Result<Option<TransferState>> {
        let state = self
            .reader()
            .prepare_cached(
                "SELECT d.job_id, d.position, d.status, d.registrant_email, j.created_at,
                        coalesce(d.status_at, j.created_at) AS status_at
                 FROM transfer_jobs j JOIN transfer_domains d ON d.job_id = j.id
                 WHERE j.reseller_id = ?2 AND d.name = ?1
                 ORDER BY j.id DESC LIMIT 1",
            )?
            .query_row(params![domain, reseller_id], |r| {
                Ok(TransferState {
                    job_id: r.get("job_id")?,
                    position: r.get("position")?,
                    status: r.get("status")?,
                    registrant_email: r.get("registrant_email")?,
                    requested_at: r.get("created_at")?,
                    status_at: r.get("status_at")?,
                })
            })
            .optional()?;
        Ok(state)
    }

    /// Brings the registry step of a domain forward to `at` at the latest (the
    /// documented expedite of CHECK_TRANSFER). Returns whether a step was waiting.
    pub fn expedite_registry_step(&self, job_id: i64, position: i64, at: i64) -> Result<bool> {
        let n = self.writer().execute(
            "UPDATE tasks SET due_at = CASE WHEN due_at < ?3 THEN due_at ELSE ?3 END
             WHERE kind = ?4 AND subject = ?1 AND item = ?2 AND done_at IS NULL",
            params![job_id, position, at, TaskKind::RegistryStep],
        )?;
        Ok(n > 0)
    }

    /// Stores a job with its nameservers and domains in one transaction; all of it or
    /// nothing. Returns the job id.
    pub fn create_transfer_job(&self, job: &NewTransferJob) -> Result<i64> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let id = insert_job(&tx, job)?;
        tx.commit()?;
        Ok(id)
    }

    /// The job if it exists and belongs to `reseller_id`; `None` otherwise, so that
    /// another reseller's job looks exactly like a missing one.
    pub fn transfer_job(&self, reseller_id: i64, job_id: i64) -> Result<Option<JobView>> {
        let mut view = JobView::default();
        Ok(self
            .visit_job(Some(reseller_id), job_id, &mut view)?
            .then_some(view))
    }

    /// Any reseller's job: the operator's view.
    pub fn transfer_job_any(&self, job_id: i64) -> Result<Option<JobView>> {
        let mut view = JobView::default();
        Ok(self.visit_job(None, job_id, &mut view)?.then_some(view))
    }

    /// Hands the job's rows to `rows` as SQLite holds them, without copying them
    /// (a 10,000-domain status reply is written straight from here). False when the
    /// job does not exist or, with `reseller_id`, belongs to another reseller.
    pub fn visit_job(
        &self,
        reseller_id: Option<i64>,
        job_id: i64,
        rows: &mut impl JobRows,
    ) -> Result<bool> {
        // One read transaction: the three reads see the same snapshot.
        let tx = self.snapshot()?;
        let mut head = tx.prepare_cached(
            "SELECT id, name, status FROM transfer_jobs WHERE id = ?1 AND (reseller_id = ?2 OR ?2 IS NULL)",
        )?;
        let mut found = head.query(params![job_id, reseller_id])?;
        let Some(r) = found.next()? else {
            return Ok(false);
        };
        let id: i64 = r.get("id")?;
        rows.head(id, r.text("name")?, r.text("status")?);
        drop(found);
        let mut registrants = tx.prepare_cached(
            "SELECT id, email, name, status FROM transfer_registrants WHERE job_id = ?1 ORDER BY id",
        )?;
        let mut found = registrants.query([id])?;
        while let Some(r) = found.next()? {
            rows.registrant(RegistrantRow {
                id: r.get("id")?,
                email: r.text("email")?,
                name: r.text("name")?,
                status: r.text("status")?,
            });
        }
        rows.registrants_done();
        let mut domains = tx.prepare_cached(
            "SELECT name, status, registrant_id, reason FROM transfer_domains WHERE job_id = ?1 ORDER BY position",
        )?;
        let mut found = domains.query([id])?;
        while let Some(r) = found.next()? {
            rows.domain(DomainRow {
                name: r.text("name")?,
                status: r.text("status")?,
                registrant_id: r.get("registrant_id")?,
                reason: r.opt_text("reason")?,
            });
        }
        Ok(true)
    }

    /// Makes the next id of `seq` be `next` (scenarios start at the seed's ids). Ids
    /// already used are never handed out again, whatever `next` says.
    pub fn set_next_id(&self, seq: Sequence, next: i64) -> Result<()> {
        let conn = self.writer();
        let tx = conn.transaction()?;
        let table = seq.table();
        if tx.backend() == super::sql::Backend::Postgres {
            // The identity's sequence, never below an id in use.
            tx.query_row(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                            GREATEST(?1 - 1, (SELECT COALESCE(MAX(id), 0) FROM {table}), 1),
                            GREATEST(?1 - 1, (SELECT COALESCE(MAX(id), 0) FROM {table})) >= 1)"
                ),
                [next],
                |r| r.get::<_, i64>(0),
            )?;
            tx.commit()?;
            return Ok(());
        }
        let changed = tx.execute(
            "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1",
            params![table, next - 1],
        )?;
        if changed == 0 {
            tx.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)",
                params![table, next - 1],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::temp_store;
    use super::*;

    pub(super) fn job(reseller_id: i64, n: usize) -> NewTransferJob {
        NewTransferJob {
            reseller_id,
            name: "j".into(),
            profile_id: None,
            dns_template: None,
            nameservers: vec!["ns1.example.com".into()],
            domains: (0..n)
                .map(|i| (format!("d{i}.com").into(), format!("a{i}").into()))
                .collect(),
            created_at: 0,
        }
    }

    #[test]
    fn job_ids_follow_the_sequence_and_are_private() {
        let (store, _dir) = temp_store();
        let a = store.add_reseller("a", "k", &[], 0).unwrap_or(0);
        let b = store.add_reseller("b", "k", &[], 0).unwrap_or(0);
        assert!(store.set_next_id(Sequence::TransferJobs, 134).is_ok());
        assert_eq!(store.create_transfer_job(&job(a, 3)).ok(), Some(134));
        assert_eq!(store.create_transfer_job(&job(a, 1)).ok(), Some(135));
        let view = store.transfer_job(a, 134).ok().flatten();
        let names: Option<Vec<String>> =
            view.map(|v| v.domains.into_iter().map(|d| d.name).collect());
        assert_eq!(
            names,
            Some(vec!["d0.com".into(), "d1.com".into(), "d2.com".into()])
        );
        assert!(matches!(store.transfer_job(b, 134), Ok(None)));
        assert!(matches!(store.transfer_job(a, 999), Ok(None)));
    }

    /// Full multi-row statements and the single-row rest keep request order.
    #[test]
    fn many_domains_keep_their_order() {
        let (store, _dir) = temp_store();
        let a = store.add_reseller("a", "k", &[], 0).unwrap_or(0);
        for n in [ROWS_PER_INSERT, 2 * ROWS_PER_INSERT + 5] {
            let id = store.create_transfer_job(&job(a, n)).unwrap_or(0);
            let names: Vec<String> = store
                .transfer_job(a, id)
                .ok()
                .flatten()
                .map(|v| v.domains.into_iter().map(|d| d.name).collect())
                .unwrap_or_default();
            let want: Vec<String> = (0..n).map(|i| format!("d{i}.com")).collect();
            assert_eq!(names, want);
        }
    }

    #[test]
    fn a_domain_needs_its_job() {
        // On SQLite a foreign key, on PostgreSQL a statement-level trigger.
        let (store, _dir) = temp_store();
        let conn = store.writer();
        let orphan = conn.execute(
            "INSERT INTO transfer_domains (job_id, position, name, auth_info, status)
             VALUES (999, 0, 'x.com', 'a', 'pending')",
            [],
        );
        assert!(orphan.is_err_and(|e| e.is_constraint()));
    }

    #[test]
    fn failed_insert_leaves_nothing() {
        let (store, _dir) = temp_store();
        // No such reseller: the foreign key fails and the transaction rolls back.
        assert!(store.create_transfer_job(&job(42, 2)).is_err());
        let n: i64 = store
            .reader()
            .query_row("SELECT count(*) FROM transfer_domains", [], |r| r.get(0))
            .unwrap_or(-1);
        assert_eq!(n, 0);
    }
}
