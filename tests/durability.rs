//! kill -9 at arbitrary points of the background work: after a restart nothing
//! committed is lost, pending work resumes, and nothing visible happens twice (one
//! approval email per registrant, one portfolio row per transferred domain).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::common::*;

fn send(addr: SocketAddr, raw: &[u8]) -> Response {
    Conn::open(addr).send(raw)
}

#[test]
fn kill_9_during_background_work() {
    let dir = TestDb::new();
    let db: PathBuf = dir.db();
    let out = Command::new(env!("CARGO_BIN_EXE_opsd"))
        .args(["reseller", "add", USER, "--key", KEY])
        .env("OPSD_DB", &db)
        .output()
        .expect("reseller add");
    assert!(out.status.success());
    const DOMAINS: usize = 1500;
    const OWNERS: usize = 150;
    // Kill at different moments of analysis and email delivery.
    for (trial, delay_ms) in [0u64, 15, 40, 90, 200].into_iter().enumerate() {
        let p = Proc::start(&db);
        let names: Vec<String> = (0..DOMAINS)
            .map(|i| format!("k{trial}-{i:04}-owner{}.com", i % OWNERS))
            .collect();
        let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "code")).collect();
        let r = send(
            p.addr,
            &http10(
                &envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)),
                USER,
                KEY,
            ),
        );
        assert_eq!(r.code(), Some(200), "{}", r.text());
        let job = r.item("simple_transfer_job_id").expect("job id");
        std::thread::sleep(Duration::from_millis(delay_ms));
        p.kill9();
        // The reply said is_success 1: the job is whole.
        assert_eq!(
            db_count(
                &db,
                &format!("SELECT count(*) FROM transfer_domains WHERE job_id = {job}")
            ),
            DOMAINS as i64
        );
        let p = Proc::start(&db);
        wait_for(
            &db,
            &format!("SELECT count(*) FROM outbox WHERE job_id = {job} AND sent_at IS NOT NULL"),
            OWNERS as i64,
        );
        assert_eq!(
            db_count(
                &db,
                &format!("SELECT count(*) FROM outbox WHERE job_id = {job}")
            ),
            OWNERS as i64,
            "trial {trial}: one email per registrant"
        );
        assert_eq!(
            db_count(
                &db,
                &format!("SELECT count(*) FROM transfer_registrants WHERE job_id = {job}")
            ),
            OWNERS as i64
        );
        assert_eq!(
            db_count(
                &db,
                &format!(
                    "SELECT count(*) FROM transfer_domains WHERE job_id = {job} AND status = 'processed' AND registrant_id IS NOT NULL"
                )
            ),
            DOMAINS as i64
        );
        p.kill9();
    }

    // The registry phase: every registrant of the last job accepts, then the clock
    // moves past the registry's 5 days and the server dies in the middle of it.
    let job = db_count(&db, "SELECT max(id) FROM transfer_jobs");
    let p = Proc::start(&db);
    let tokens: Vec<String> = opsd::store::peek_all(
        &db,
        &format!("SELECT token FROM transfer_registrants WHERE job_id = {job}"),
    )
    .expect("tokens");
    let admin: String =
        opsd::store::peek(&db, "SELECT value FROM settings WHERE key = 'admin_token'")
            .expect("query")
            .expect("admin token");
    for t in &tokens {
        let form = format!("action=do_confirm_bulk_transfer&bulk_transfer_id={t}");
        let raw = format!(
            "POST /transfers HTTP/1.0\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        assert!(
            send(p.addr, raw.as_bytes())
                .text()
                .contains("Thank you for confirming batch transfer")
        );
    }
    let offset = |db: &Path| {
        db_count(
            db,
            "SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'clock_offset'",
        )
    };
    let before = offset(&db);
    let advance_raw = format!(
        "POST /admin/clock/advance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {admin}\r\nContent-Length: 2\r\n\r\n5d"
    );
    let addr = p.addr;
    let raw = advance_raw.clone();
    let advance = std::thread::spawn(move || Conn::open(addr).write(raw.as_bytes()));
    std::thread::sleep(Duration::from_millis(30));
    p.kill9();
    let _ = advance.join();
    let p = Proc::start(&db);
    // The client saw no answer; if the clock had not moved yet, it asks again (if it
    // had, the restarted worker finishes the steps that fell due).
    if offset(&db) == before {
        let r = send(p.addr, advance_raw.as_bytes());
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.text());
    }
    assert!(
        offset(&db) >= before + 5 * 86_400,
        "the clock moved 5 days once"
    );
    wait_for(
        &db,
        &format!(
            "SELECT count(*) FROM transfer_domains WHERE job_id = {job} AND status = 'completed'"
        ),
        DOMAINS as i64,
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM domains WHERE name LIKE 'k4-%'"),
        DOMAINS as i64,
        "each domain lands once"
    );
    wait_for(
        &db,
        &format!("SELECT count(*) FROM transfer_jobs WHERE id = {job} AND status = 'completed'"),
        1,
    );
    p.kill9();
}
