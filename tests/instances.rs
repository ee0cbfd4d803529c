//! Several opsd instances on one database (issue 17): three `opsd serve` processes
//! on one SQLite file share the work, the clock and what they cache, and one of them
//! killed with SIGKILL mid-work loses nothing and repeats nothing.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::common::*;

fn send(addr: SocketAddr, raw: &[u8]) -> Response {
    Conn::open(addr).send(raw)
}

fn admin_token(db: &Path) -> String {
    opsd::store::peek::<String>(db, "SELECT value FROM settings WHERE key = 'admin_token'")
        .expect("query")
        .expect("admin token")
}

/// `POST /admin/clock/advance` on one instance: the time it now tells.
fn advance(addr: SocketAddr, token: &str, by: &str) -> i64 {
    let raw = format!(
        "POST /admin/clock/advance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n{by}",
        by.len()
    );
    let r = send(addr, raw.as_bytes());
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.text());
    let text = r.text();
    let stamp = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .find_map(|w| opsd::clock::parse_timestamp(&format!("{} {}", w[0], w[1])))
        .unwrap_or_else(|| panic!("no time in {text}"));
    stamp.unix_timestamp()
}

fn page(addr: SocketAddr, raw: &str) -> Response {
    send(addr, raw.as_bytes())
}

fn db_of(dir: &TestDb) -> PathBuf {
    let db = dir.db();
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    db
}

#[test]
fn three_instances_share_the_work_the_clock_and_the_caches() {
    let dir = TestDb::new();
    let db = db_of(&dir);
    let (a, b, c) = (Proc::start(&db), Proc::start(&db), Proc::start(&db));
    let token = admin_token(&db);
    const OWNERS: usize = 3;
    let names: Vec<String> = (0..30)
        .map(|i| format!("inst-{i:02}-owner{}.com", i % OWNERS))
        .collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "code")).collect();

    // Submitted on A, read on B at once: B's caches hold nothing stale.
    let poll = status_body("134");
    let before = send(b.addr, &http10(&poll, USER, KEY));
    assert_eq!(before.code(), Some(480), "{}", before.text());
    let r = send(
        a.addr,
        &http10(
            &envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)),
            USER,
            KEY,
        ),
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let job = r.item("simple_transfer_job_id").expect("job id");
    let on_b = send(b.addr, &http10(&status_body(&job), USER, KEY));
    assert_eq!(on_b.code(), Some(200), "{}", on_b.text());
    assert!(on_b.text().contains("inst-29-owner2.com"));

    // Three workers, one analysis and one email per registrant.
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
        OWNERS as i64
    );

    // Approved through C's page.
    let tokens: Vec<String> = {
        opsd::store::peek_all(
            &db,
            &format!("SELECT token FROM transfer_registrants WHERE job_id = {job} ORDER BY id"),
        )
        .expect("tokens")
    };
    assert_eq!(tokens.len(), OWNERS);
    for t in &tokens {
        let shown = page(
            c.addr,
            &format!("GET /approve/{t} HTTP/1.1\r\nHost: x\r\n\r\n"),
        );
        let html = shown.text();
        let csrf = html
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .expect("csrf field");
        let form = format!("csrf={csrf}&decision=accept");
        let done = page(
            c.addr,
            &format!(
                "POST /approve/{t} HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
                form.len()
            ),
        );
        assert!(
            done.text()
                .contains("Thank you for confirming batch transfer"),
            "{}",
            done.text()
        );
    }
    let on_a = send(a.addr, &http10(&status_body(&job), USER, KEY)).text();
    assert!(on_a.contains("pending_registry"), "{on_a}");

    // The clock moved on B is the clock of all three.
    let t_b = advance(b.addr, &token, "5d");
    let t_a = advance(a.addr, &token, "1s");
    let t_c = advance(c.addr, &token, "1s");
    assert!((t_b + 1..t_b + 30).contains(&t_a), "A {t_a} after B {t_b}");
    assert!((t_a + 1..t_a + 30).contains(&t_c), "C {t_c} after A {t_a}");
    // The registry took its 5 days: every domain completed once, whoever ran it.
    wait_for(
        &db,
        &format!(
            "SELECT count(*) FROM transfer_domains WHERE job_id = {job} AND status = 'completed'"
        ),
        names.len() as i64,
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM domains"),
        names.len() as i64
    );
    let on_c = send(c.addr, &http10(&status_body(&job), USER, KEY)).text();
    assert!(!on_c.contains("pending_registry"), "{on_c}");
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM tasks WHERE done_at IS NULL AND kind NOT IN ('webhook', 'approval_timeout')"
        ),
        0
    );
    drop((a, b, c));
}

#[test]
fn kill_9_of_one_instance_during_a_bulk_push() {
    let dir = TestDb::new();
    let db = dir.db();
    const ITEMS: usize = 10_000;
    let (scenario, submit) = big_bulk_push(dir.path(), ITEMS);
    let scenario = scenario.to_str().expect("path");
    // The first instance seeds the scenario; the others join the same database.
    let mut live = vec![Proc::start_env(&db, &[("OPSD_SCENARIO", scenario)])];
    live.push(Proc::start(&db));
    live.push(Proc::start(&db));
    let r = send(live[0].addr, &submit);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    // While it runs, kill the oldest instance (whichever holds the push) and start
    // another, again and again.
    let pushed = "SELECT count(*) FROM bulk_change_items WHERE status = 'pushed'";
    let mut kills_mid_push = 0;
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(150));
        let victim = live.remove(0);
        victim.kill9();
        if db_count(&db, pushed) < ITEMS as i64 {
            kills_mid_push += 1;
        }
        live.push(Proc::start(&db));
    }
    assert!(kills_mid_push > 0, "no kill landed while the push ran");
    wait_for_within(&db, pushed, ITEMS as i64, Duration::from_secs(90));
    // Every item pushed exactly once: one audit row, one PUSHED_IN event and one
    // portfolio row at the gaining reseller per domain.
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'bulk_push'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(DISTINCT subject) FROM audit_log WHERE action = 'bulk_push'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM events WHERE event = 'PUSHED_IN'"),
        ITEMS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM domains d JOIN resellers r ON r.id = d.reseller_id WHERE r.username = 'gainingrsp'"
        ),
        ITEMS as i64
    );
    wait_for(
        &db,
        "SELECT count(*) FROM bulk_changes WHERE status = 'completed'",
        1,
    );
    drop(live);
}

/// Issue 30: a bulk change of another type than a push runs through the same
/// queue, exactly once under kill -9: 10,000 domains locked, one LOCK_UPDATE event
/// and one audit row each.
#[test]
fn kill_9_of_one_instance_during_a_bulk_lock() {
    let dir = TestDb::new();
    let db = dir.db();
    const ITEMS: usize = 10_000;
    let (scenario, push) = big_bulk_push(dir.path(), ITEMS);
    let scenario = scenario.to_str().expect("path");
    // The same domains, locked instead of pushed.
    let body = String::from_utf8(push)
        .expect("utf-8")
        .split("\r\n\r\n")
        .nth(1)
        .expect("a body")
        .replace(
            "<item key=\"change_type\">push_domains</item>",
            "<item key=\"change_type\">domain_lock</item><item key=\"op_type\">lock</item>",
        )
        .replace(
            "<item key=\"gaining_reseller_username\">gainingrsp</item>",
            "",
        );
    let submit = http10(body.as_bytes(), USER, KEY);
    let mut live = vec![Proc::start_env(&db, &[("OPSD_SCENARIO", scenario)])];
    live.push(Proc::start(&db));
    live.push(Proc::start(&db));
    let r = send(live[0].addr, &submit);
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let done = "SELECT count(*) FROM bulk_change_items WHERE status = 'completed'";
    let mut kills_mid_run = 0;
    for _ in 0..6 {
        std::thread::sleep(Duration::from_millis(150));
        let victim = live.remove(0);
        victim.kill9();
        if db_count(&db, done) < ITEMS as i64 {
            kills_mid_run += 1;
        }
        live.push(Proc::start(&db));
    }
    assert!(kills_mid_run > 0, "no kill landed while the change ran");
    wait_for_within(&db, done, ITEMS as i64, Duration::from_secs(90));
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM events WHERE event = 'LOCK_UPDATE'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(DISTINCT subject) FROM audit_log WHERE action = 'bulk_change'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(
            &db,
            "SELECT count(*) FROM audit_log WHERE action = 'bulk_change'"
        ),
        ITEMS as i64
    );
    assert_eq!(
        db_count(&db, "SELECT count(*) FROM domains WHERE locked = 1"),
        ITEMS as i64
    );
    drop(live);
}

#[test]
fn db_migrate_and_the_instances_list() {
    let dir = TestDb::new();
    let db = dir.db();
    let out = opsd_ok(&db, &["db", "migrate"], "");
    let migrations =
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/store/migrations"))
            .expect("migrations")
            .filter(|e| {
                e.as_ref()
                    .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "sql"))
            })
            .count();
    assert!(
        out.contains(&format!("schema version {migrations}")),
        "{out}"
    );
    let none = opsd_ok(&db, &["db", "instances"], "");
    assert!(none.contains("no instance is serving"), "{none}");
    let p = Proc::start(&db);
    let pid = p.child.id();
    wait_for(&db, "SELECT count(*) FROM instances", 1);
    let listed = opsd_ok(&db, &["db", "instances"], "");
    assert!(listed.contains(&format!("/{pid}/")), "{listed}");
    assert!(p.terminate().success());
    let after = opsd_ok(&db, &["db", "instances"], "");
    assert!(after.contains("no instance is serving"), "{after}");
}

/// `/readyz` for a balancer: ready while the database answers with this
/// build's schema; 503 when its schema is another version's (on SQLite, where
/// the test can set the version under the server).
#[test]
fn readyz_says_whether_the_database_and_its_schema_are_current() {
    let s = Server::start();
    let r = s.send(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.status_line.contains(" 200 "), "{}", r.status_line);
    assert_eq!(r.body, b"ready\n");
    let db = s.db();
    if opsd::store::is_postgres_url(&db.display().to_string()) {
        return;
    }
    let c = rusqlite::Connection::open(&db).expect("open");
    c.pragma_update(None, "user_version", 999)
        .expect("set version");
    let r = s.send(b"GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.status_line.contains(" 503 "), "{}", r.status_line);
    assert_eq!(
        r.body,
        b"not ready: the database's schema is another version's\n"
    );
    // /healthz still says the process serves.
    assert!(
        s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .status_line
            .contains(" 200 ")
    );
}

/// An instance that stops hands back the leases it still holds, so that the
/// others take those tasks at once instead of waiting for the leases to end.
#[test]
fn a_stopping_instance_hands_its_leases_back() {
    let mut s = Server::start();
    let list = "<item key=\"domain_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"domain_name\">lease-back.com</item><item key=\"auth_info\">x</item></dt_assoc></item></dt_array></item>";
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", list));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let task = s.count("SELECT min(id) FROM tasks WHERE done_at IS NULL");
    assert!(task > 0, "the transfer has work to do");
    let now = s.app.now();
    assert!(s.app.store.lease(&[task], now, now + 3_600).expect("lease"));
    let me = s.app.store.instance().to_string();
    assert_eq!(s.app.store.lease_holders().expect("holders"), vec![me]);
    s.stop();
    assert_eq!(
        s.app.store.lease_holders().expect("holders"),
        Vec::<String>::new()
    );
}
