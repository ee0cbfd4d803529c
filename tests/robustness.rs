//! Proofs of robustness: twenty kill -9s during 10,000-domain submits and the
//! background work behind them; 64 concurrent clients with the workers running; and
//! (in `limits.rs`) 10,000 mutated envelopes. The cross-reseller suite is
//! `isolation.rs`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use crate::common::*;

const DOMAINS: usize = 10_000;
const OWNERS: usize = 40;
const TRIALS: usize = 20;

/// Sends `raw` and reads until the server closes; whatever came back (nothing when
/// the server died first).
fn send_until_closed(addr: SocketAddr, raw: &[u8]) -> String {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(60)));
    if s.write_all(raw).is_err() {
        return String::new();
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// Every stored job holds all its domains; no domain row lacks its job.
fn assert_jobs_whole(db: &Path, trial: usize) {
    let partial = db_count(
        db,
        &format!(
            "SELECT count(*) FROM (SELECT j.id, count(d.position) AS n FROM transfer_jobs j
             LEFT JOIN transfer_domains d ON d.job_id = j.id GROUP BY j.id) AS per_job WHERE n <> {DOMAINS}"
        ),
    );
    assert_eq!(partial, 0, "trial {trial}: a job is not whole");
    let orphans = db_count(
        db,
        "SELECT count(*) FROM transfer_domains WHERE job_id NOT IN (SELECT id FROM transfer_jobs)",
    );
    assert_eq!(orphans, 0, "trial {trial}: domains without their job");
}

#[test]
fn twenty_kill_9s_during_10k_submits_and_background_work() {
    let dir = TestDb::new();
    let db = dir.db();
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    let request = |trial: usize| {
        let names: Vec<String> = (0..DOMAINS)
            .map(|i| format!("r{trial}-{i:05}-owner{}.com", i % OWNERS))
            .collect();
        let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "code")).collect();
        http10(
            &envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)),
            USER,
            KEY,
        )
    };
    // How long one submit takes on this machine and build, from connect to reply.
    let p = Proc::start(&db);
    let started = std::time::Instant::now();
    let calibration = send_until_closed(p.addr, &request(TRIALS));
    let submit = started.elapsed();
    assert!(
        calibration.contains("<item key=\"is_success\">1</item>"),
        "{calibration}"
    );
    p.kill9();
    let mut acknowledged = vec![1];
    // Kill moments spread from "the request is still arriving" through "stored,
    // reply on its way" to "deep in the analysis and emails of the jobs before".
    let (mut whole, mut absent) = (0, 0);
    for trial in 0..TRIALS {
        let p = Proc::start(&db);
        let raw = request(trial);
        let addr = p.addr;
        let before = db_count(&db, "SELECT count(*) FROM transfer_jobs");
        let client = std::thread::spawn(move || send_until_closed(addr, &raw));
        std::thread::sleep(submit.mul_f64(trial as f64 / 6.0));
        p.kill9();
        if db_count(&db, "SELECT count(*) FROM transfer_jobs") > before {
            whole += 1;
        } else {
            absent += 1;
        }
        let reply = client.join().expect("client thread");
        assert_jobs_whole(&db, trial);
        if reply.contains("<item key=\"is_success\">1</item>") {
            // The client heard success: the job is there, whole.
            let id: i64 = reply
                .split("simple_transfer_job_id\">")
                .nth(1)
                .and_then(|r| r.split('<').next())
                .and_then(|v| v.parse().ok())
                .expect("job id in the reply");
            assert_eq!(
                db_count(
                    &db,
                    &format!("SELECT count(*) FROM transfer_jobs WHERE id = {id}")
                ),
                1,
                "trial {trial}: an acknowledged job is missing"
            );
            acknowledged.push(id);
        }
    }
    assert!(
        whole > 0 && absent > 0,
        "kills hit only one side: {whole} whole, {absent} absent"
    );
    // Finish everything that was committed, without dying this time.
    let p = Proc::start(&db);
    let jobs = db_count(&db, "SELECT count(*) FROM transfer_jobs");
    assert!(jobs >= acknowledged.len() as i64);
    wait_for_within(
        &db,
        "SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL",
        jobs * OWNERS as i64,
        Duration::from_secs(600),
    );
    // No task lost, none run twice: one email and one timeout per registrant.
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM outbox"),
        jobs * OWNERS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM (SELECT job_id, to_addr FROM outbox GROUP BY 1, 2 HAVING count(*) > 1) AS twice"
        ),
        0,
        "an email was sent twice"
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM transfer_registrants"),
        jobs * OWNERS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM tasks WHERE kind = 'approval_timeout' AND done_at IS NULL"
        ),
        jobs * OWNERS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM tasks WHERE kind <> 'approval_timeout' AND done_at IS NULL"
        ),
        0,
        "work left undone"
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM transfer_domains WHERE status <> 'processed'"
        ),
        0
    );
    p.terminate();
    eprintln!(
        "kill -9 trials: {TRIALS} (submit takes {submit:?}); jobs whole {whole}, absent {absent}, acknowledged {}",
        acknowledged.len()
    );
}

#[test]
fn sixty_four_concurrent_clients_see_no_errors() {
    let s = Server::start_with_workers();
    const CLIENTS: usize = 64;
    const ROUNDS: usize = 15;
    let addr = s.addr;
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut conn = Conn::open(addr);
                let mut codes = Vec::new();
                for round in 0..ROUNDS {
                    let names: Vec<String> = (0..20)
                        .map(|i| format!("c{c}-{round}-{i}-owner{}.com", i % 3))
                        .collect();
                    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
                    let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list));
                    let r = conn.send(&http11(&body, USER, KEY));
                    let job = r.item("simple_transfer_job_id").unwrap_or_default();
                    codes.push(("submit", r.code(), r.text()));
                    let r = conn.send(&http11(&status_body(&job), USER, KEY));
                    codes.push(("status", r.code(), r.text()));
                    let r = conn.send(&http11(
                        &envelope("POLL", "EVENT", "<item key=\"limit\">5</item>"),
                        USER,
                        KEY,
                    ));
                    codes.push(("poll", r.code(), r.text()));
                }
                codes
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        for (what, code, text) in t.join().expect("client thread") {
            assert_eq!(code, Some(200), "{what}: {text}");
            total += 1;
        }
    }
    assert_eq!(total, CLIENTS * ROUNDS * 3);
    // The workers were analysing the jobs meanwhile; they finish.
    let db = s.db();
    wait_for_within(
        &db,
        "SELECT count(*) FROM transfer_domains WHERE status = 'pending'",
        0,
        Duration::from_secs(120),
    );
}
