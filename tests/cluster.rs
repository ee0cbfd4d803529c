//! Issue 17's proofs on PostgreSQL, always (they need a cluster and say so when
//! there is none): three `opsd serve` processes on one database, one of them
//! killed with SIGKILL twenty times while the other two work on — transfer jobs
//! being analysed and mailed, a 10,000-item bulk push — and 64 clients spread over
//! three instances.

use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use opsd::store::scratch::{ScratchDb, required_cluster};

use crate::common::*;

/// A fresh database in the test cluster.
fn database(label: &str) -> ScratchDb {
    ScratchDb::create(&required_cluster(), label).expect("test database")
}

fn send(addr: SocketAddr, raw: &[u8]) -> Response {
    Conn::open(addr).send(raw)
}

/// A transfer job of `n` domains over three owners; the job id when acknowledged.
fn submit(addr: SocketAddr, tag: &str, n: usize) -> Option<i64> {
    let names: Vec<String> = (0..n)
        .map(|i| format!("{tag}-{i}-owner{}.com", i % 3))
        .collect();
    let list: Vec<(&str, &str)> = names.iter().map(|d| (d.as_str(), "code")).collect();
    let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list));
    let Ok(mut c) = std::panic::catch_unwind(|| Conn::open(addr)) else {
        return None;
    };
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        c.send(&http10(&body, USER, KEY))
    }))
    .ok()?;
    r.item("simple_transfer_job_id")?.parse().ok()
}

#[test]
fn twenty_kill_9s_of_one_instance_while_two_others_work() {
    const ITEMS: usize = 10_000;
    const KILLS: usize = 20;
    const JOB: usize = 6;
    let pg = database("twenty_kills");
    let db = Path::new(pg.url()).to_path_buf();
    let dir = tempfile::tempdir().expect("dir");
    let (scenario, bulk) = big_bulk_push(dir.path(), ITEMS);
    let scenario = scenario.to_str().expect("path");
    // The first instance seeds the scenario; two more join the same database.
    let steady = [
        Proc::start_env(&db, &[("OPSD_SCENARIO", scenario)]),
        Proc::start(&db),
    ];
    let r = send(steady[0].addr, &bulk);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    // The victim takes work like the others (analysis, mail, bulk items) and is
    // killed at moments spread over its life; jobs are submitted to it and to the
    // steady instances all along.
    let mut acknowledged = Vec::new();
    let mut mid_push = 0;
    let pushed = "SELECT count(*) FROM bulk_change_items WHERE status = 'pushed'";
    for k in 0..KILLS {
        let victim = Proc::start(&db);
        if let Some(id) = submit(victim.addr, &format!("v{k}"), JOB) {
            acknowledged.push(id);
        }
        if let Some(id) = submit(steady[k % 2].addr, &format!("s{k}"), JOB) {
            acknowledged.push(id);
        }
        std::thread::sleep(Duration::from_millis(40 * (k as u64 % 5)));
        victim.kill9();
        if db_count(&db, pushed) < ITEMS as i64 {
            mid_push += 1;
        }
    }
    assert!(mid_push > 0, "no kill landed while the push ran");
    wait_for_within(&db, pushed, ITEMS as i64, Duration::from_secs(240));
    let jobs = db_count(&db, "SELECT count(*) FROM transfer_jobs");
    assert!(jobs >= acknowledged.len() as i64);
    wait_for_within(
        &db,
        "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
        jobs * 3,
        Duration::from_secs(240),
    );
    // Every acknowledged job whole, every registrant mailed exactly once.
    for id in &acknowledged {
        assert_eq!(
            db_count(
                &db,
                &format!("SELECT count(*) FROM transfer_domains WHERE job_id = {id}")
            ),
            JOB as i64,
            "job {id} is not whole"
        );
    }
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM transfer_domains WHERE status <> 'processed'"
        ),
        0,
        "analysis left undone"
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM transfer_registrants"),
        jobs * 3
    );
    assert_eq!(db_count(&db, "SELECT count(*) FROM outbox"), jobs * 3);
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM (SELECT job_id, to_addr FROM outbox GROUP BY 1, 2 HAVING count(*) > 1) AS twice"
        ),
        0,
        "a registrant was mailed twice"
    );
    // Every bulk item pushed exactly once: one audit row, one PUSHED_IN event and
    // one portfolio row at the gaining reseller per domain.
    assert_eq!(
        db_count(
            &db,
            "SELECT count(DISTINCT subject) FROM audit_log WHERE action = 'bulk_push'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'bulk_push'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM events WHERE event = 'PUSHED_IN'"),
        ITEMS as i64
    );
    // Events: one per change, none lost or doubled — every domain analysed has
    // exactly one event saying so — and in order: the events of one domain are
    // numbered in the order its changes happened (writes commit one at a time).
    assert_eq!(
        db_count(
            &db,
            r#"SELECT count(*) FROM events WHERE object = 'TRANSFER' AND data LIKE '%"transfer_status":"processed"%'"#
        ),
        db_count(&db, "SELECT count(*) FROM transfer_domains"),
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM (SELECT at, lag(at) OVER (PARTITION BY data::json->>'domain_name' ORDER BY id) AS before FROM events) AS w WHERE at < before"
        ),
        0,
        "a domain's events were numbered out of order"
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM domains d JOIN resellers r ON r.id = d.reseller_id WHERE r.username = 'gainingrsp'"
        ),
        ITEMS as i64
    );
    eprintln!(
        "{KILLS} kills, {mid_push} during the push; {} jobs acknowledged of {jobs}",
        acknowledged.len()
    );
    drop(steady);
}

#[test]
fn sixty_four_clients_over_three_instances_see_no_errors() {
    const CLIENTS: usize = 64;
    const ROUNDS: usize = 8;
    let pg = database("sixty_four");
    let db = Path::new(pg.url()).to_path_buf();
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    let procs = [Proc::start(&db), Proc::start(&db), Proc::start(&db)];
    let addrs: Vec<SocketAddr> = procs.iter().map(|p| p.addr).collect();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let addrs = addrs.clone();
            std::thread::spawn(move || {
                let mut errors = Vec::new();
                for round in 0..ROUNDS {
                    // Each round on another instance than the last.
                    let mut conn = Conn::open(addrs[(c + round) % addrs.len()]);
                    let names: Vec<String> = (0..10)
                        .map(|i| format!("c{c}-{round}-{i}-owner{}.com", i % 3))
                        .collect();
                    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
                    let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list));
                    let r = conn.send(&http11(&body, USER, KEY));
                    let job = r.item("simple_transfer_job_id").unwrap_or_default();
                    if r.code() != Some(200) {
                        errors.push(format!("submit: {}", r.text()));
                    }
                    // The status right after, on the next instance: the job is
                    // there, whichever instance took it.
                    let mut other = Conn::open(addrs[(c + round + 1) % addrs.len()]);
                    let s = other.send(&http11(&status_body(&job), USER, KEY));
                    if s.code() != Some(200) {
                        errors.push(format!("status: {}", s.text()));
                    }
                    let p = conn.send(&http11(
                        &envelope("POLL", "EVENT", "<item key=\"limit\">5</item>"),
                        USER,
                        KEY,
                    ));
                    if p.code() != Some(200) {
                        errors.push(format!("poll: {}", p.text()));
                    }
                }
                errors
            })
        })
        .collect();
    let errors: Vec<String> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("client"))
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM transfer_jobs"),
        (CLIENTS * ROUNDS) as i64
    );
    drop(procs);
}

/// `opsd db copy`: a sandbox file with a job in it moves into PostgreSQL whole; an
/// instance on the copy answers the job's status and numbers the next job after it;
/// a second copy into the now full database is refused.
#[test]
fn db_copy_moves_a_sqlite_sandbox_into_postgresql() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("sandbox.db");
    opsd_ok(&file, &["reseller", "add", USER, "--key", KEY], "");
    let p = Proc::start(&file);
    let job = submit(p.addr, "copied", 6).expect("job");
    assert!(p.terminate().success());
    let pg = database("db_copy");
    let url = pg.url().to_string();
    let out = opsd_ok(
        &file,
        &[
            "db",
            "copy",
            "--from",
            &file.to_string_lossy(),
            "--to",
            &url,
        ],
        "",
    );
    assert!(out.contains("the counts match"), "{out}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("transfer_domains") && l.trim_end().ends_with(" 6")),
        "{out}"
    );
    let db = Path::new(&url).to_path_buf();
    let on_pg = Proc::start(&db);
    let r = send(
        on_pg.addr,
        &http10(&status_body(&job.to_string()), USER, KEY),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert!(r.text().contains("copied-0-owner0.com"), "{}", r.text());
    let next = submit(on_pg.addr, "after", 3).expect("job on the copy");
    assert!(next > job, "{next} after {job}");
    assert!(on_pg.terminate().success());
    let again = opsd_cli(
        &file,
        &[
            "db",
            "copy",
            "--from",
            &file.to_string_lossy(),
            "--to",
            &url,
        ],
        "",
    );
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
}
