//! Regression tests of issue 15, the attack review: each performs the attack the
//! review reproduced and shows it does no harm now. Named after the finding.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;

/// Peak resident memory (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// `opsd serve` in a process of its own, answering, with its peak memory so far.
fn measured_server() -> (TestDb, Proc, u64) {
    let dir = TestDb::new();
    let p = Proc::start(&dir.db());
    let r = Conn::open(p.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "ok\n");
    let before = peak_rss_kib(p.child.id());
    (dir, p, before)
}

/// 15.1: sparse array keys no longer allocate their gaps: a signed 1 KB body of
/// arrays that each name a far key is refused, and a body whose signature fails is
/// never decoded at all.
#[test]
fn issue15_1_sparse_keys_and_unsigned_bodies() {
    let s = Server::start();
    let arrays: String = (0..20)
        .map(|i| format!("<item key=\"a{i}\"><dt_array><item key=\"30000\"/></dt_array></item>"))
        .collect();
    let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &arrays);
    assert!(body.len() < 2048);
    let r = s.ops(&body);
    assert_eq!(r.code(), Some(400), "{}", r.text());
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .contains("leaves more empty places than the array has items"),
        "{}",
        r.text()
    );
    // A poll body is kept decoded after a good signature; after a bad one it was
    // never decoded, so there is nothing to keep.
    let poll = status_body("134");
    let bad = http10(&poll, USER, "not-the-key");
    assert_eq!(s.send(&bad).code(), Some(401));
    assert!(
        s.api.caches.decoded.peek(&poll).is_none(),
        "decoded without a signature"
    );
    assert_eq!(s.ops(&poll).code(), Some(480));
    assert!(s.api.caches.decoded.peek(&poll).is_some());
}

/// 15.5: the body of a caller nobody knows is hashed as it arrives and never kept:
/// sixteen 8 MiB bodies at once from an unknown user leave the server's memory as it
/// was (the review saw 858 MiB for fifty 16 MiB ones).
#[test]
fn issue15_5_unknown_callers_bodies_are_not_kept() {
    let (_dir, p, before) = measured_server();
    let pid = p.child.id();
    let body = vec![b' '; 8 << 20];
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                let mut c = Conn::open(p.addr);
                let head = format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nX-Username: nobody\r\nX-Signature: 00000000000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                c.write(head.as_bytes());
                c.write(&body);
                assert_eq!(c.read_response().code(), Some(401));
            });
        }
    });
    let grown_mib = peak_rss_kib(pid).saturating_sub(before) / 1024;
    assert!(grown_mib < 64, "peak memory grew by {grown_mib} MiB");
}

/// 15.5: the item limit follows the 10,000-domain rule, so an envelope of far more
/// domains is refused by the reader instead of being parsed whole first.
#[test]
fn issue15_5_item_limit_follows_the_domain_limit() {
    const {
        assert!(opsd::ops::DEFAULT_MAX_ITEMS >= 3 * 10_000 + 100);
        assert!(opsd::ops::DEFAULT_MAX_ITEMS < 3 * 15_000);
    }
    let s = Server::start();
    let names: Vec<String> = (0..15_000).map(|i| format!("d{i}.com")).collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)));
    assert_eq!(r.code(), Some(465));
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .starts_with("Request exceeds a limit: envelope has more than the limit of"),
        "{}",
        r.text()
    );
}

/// 15.9: while another process holds the database's write lock, requests that must
/// write wait for it on the blocking pool, and /healthz still answers at once.
#[test]
fn issue15_9_a_locked_store_does_not_hold_up_the_async_threads() {
    let s = Server::start();
    let db = s.db();
    // The write lock of each backend: SQLite's on the file, the store's advisory
    // lock on PostgreSQL (see store::sql::pg).
    let lock: Box<dyn std::any::Any> = if s.dir.is_postgres() {
        let url = db.to_string_lossy().into_owned();
        let (held_tx, held_rx) = std::sync::mpsc::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            let mut c = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
            c.batch_execute("SELECT pg_advisory_lock(1869640548)")
                .expect("write lock");
            let _ = held_tx.send(());
            let _ = release_rx.recv();
        });
        held_rx.recv().expect("lock taken");
        Box::new(release_tx)
    } else {
        let lock = rusqlite::Connection::open(&db).expect("open");
        lock.execute_batch("BEGIN IMMEDIATE").expect("write lock");
        Box::new(lock)
    };
    let addr = s.addr;
    let writers: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let attrs = domain_list(&[(&format!("locked-{i}.com"), "x")]);
                let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &attrs);
                let mut c = Conn::open(addr);
                c.send(&http10(&body, USER, KEY)).code()
            })
        })
        .collect();
    // Give the writers time to reach the store and wait on its lock.
    std::thread::sleep(Duration::from_millis(300));
    let mut health = TcpStream::connect(addr).expect("connect");
    health
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    health
        .write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .expect("write");
    let mut reply = String::new();
    let read = health.read_to_string(&mut reply);
    // Released: the SQLite transaction rolls back, the PostgreSQL session ends.
    drop(lock);
    assert!(
        read.is_ok(),
        "/healthz did not answer while the store was locked"
    );
    assert!(reply.ends_with("ok\n"), "{reply}");
    for w in writers {
        assert_eq!(w.join().expect("writer"), Some(200));
    }
}

/// A server whose login throttle locks after `per_account` failures per account
/// and `per_address` per client address.
fn throttled(toml: &str, per_account: u32, per_address: u32) -> Server {
    Server::start_scenario(toml, |c| {
        c.login_policy = opsd::auth::throttle::Policy {
            per_account,
            per_address,
            window: Duration::from_secs(900),
        };
    })
}

const MAIL_SCENARIO: &str = r#"
[[mail_company]]
id = 1001
name = "Losing Mail Co"
cluster = "a"
[[mail_admin]]
company = 1001
username = "mail-admin"
password = "mail-admin-pw-1"
"#;

fn email_api(s: &Server, method: &str, body: &str) -> serde_json::Value {
    let raw = format!(
        "POST /api/{method} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    serde_json::from_slice(&s.send(raw.as_bytes()).body).expect("JSON reply")
}

/// 15.2: failed logins lock the account (the right password included) on every
/// page area and the Email API, unknown accounts alike, and the address across
/// accounts; the panel's and the mail console's throttles are their accounts'.
#[test]
fn issue15_2_failed_logins_lock_the_account_and_the_address() {
    let s = throttled(MAIL_SCENARIO, 3, 9);
    s.panel_password(USER, "panel-password-1");
    let mut w = Web::new(&s);
    for _ in 0..3 {
        assert!(
            w.login("/panel/login", USER, "wrong-password")
                .status_line
                .contains(" 401 ")
        );
    }
    let r = w.login("/panel/login", USER, "panel-password-1");
    assert!(r.status_line.contains(" 429 "), "{}", r.status_line);
    assert!(r.text().contains("Too many failed logins"), "{}", r.text());
    assert!(r.header("Retry-After").is_some());
    // An unknown user is throttled the same way.
    for _ in 0..3 {
        assert!(
            w.login("/panel/login", "nobody-here", "x")
                .status_line
                .contains(" 401 ")
        );
    }
    assert!(
        w.login("/panel/login", "nobody-here", "x")
            .status_line
            .contains(" 429 ")
    );
    // The Email API and the mail console share the administrator's account.
    let wrong = r#"{"credentials": {"user": "mail-admin", "password": "wrong"}}"#;
    for _ in 0..2 {
        let v = email_api(&s, "get_company", wrong);
        assert_eq!(v["error"], "Invalid credentials", "{v}");
    }
    // The ninth failure from this address: every account is refused from it now.
    let v = email_api(&s, "get_company", wrong);
    assert_eq!(v["error"], "Invalid credentials", "{v}");
    let right = r#"{"credentials": {"user": "mail-admin", "password": "mail-admin-pw-1"}}"#;
    let v = email_api(&s, "get_company", right);
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .starts_with("Too many failed attempts"),
        "{v}"
    );
    let r = Web::new(&s).login("/mac/login", "mail-admin", "mail-admin-pw-1");
    assert!(r.status_line.contains(" 429 "), "{}", r.status_line);
}

/// 15.2: Argon2 runs a few at a time on buffers it reuses: 128 concurrent logins
/// of unknown users leave the server's memory bounded (the review saw 2.67 GiB).
#[test]
fn issue15_2_concurrent_password_checks_have_bounded_memory() {
    let (_dir, p, before) = measured_server();
    let pid = p.child.id();
    std::thread::scope(|scope| {
        for i in 0..128 {
            let addr = p.addr;
            scope.spawn(move || {
                let body = format!(r#"{{"credentials": {{"user": "nobody{i}", "password": "guess"}}}}"#);
                let raw = format!(
                    "POST /api/authenticate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                let r = Conn::open(addr).send(raw.as_bytes());
                assert!(r.text().contains("\"success\":false"), "{}", r.text());
            });
        }
    });
    let grown_mib = peak_rss_kib(pid).saturating_sub(before) / 1024;
    assert!(grown_mib < 128, "peak memory grew by {grown_mib} MiB");
}

/// 15.8: the stored MD5-crypt string is not a password, and guesses are throttled.
#[test]
fn issue15_8_srv_push_takes_passwords_only_and_throttles_guesses() {
    let s = throttled("", 3, 100);
    let crypt = opsd::auth::md5_crypt("losing-pass-1").expect("crypt");
    let st = &s.app.store;
    st.add_registrar("H1", &crypt, "one@registrar.example", 1)
        .expect("H1");
    st.add_registrar("H2", &crypt, "two@registrar.example", 1)
        .expect("H2");
    let push = |password: &str| {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("user", "H1"),
                ("password", password),
                ("domain", "nowhere.uk.com"),
                ("handle", "H2"),
            ])
            .finish();
        s.post_form("/srv/push_domain", &body).text()
    };
    assert!(push(&crypt).ends_with("Message: Authentication failed.\n"));
    assert!(push("plain:wrong").ends_with("Message: Authentication failed.\n"));
    assert!(push("wrong").ends_with("Message: Authentication failed.\n"));
    let locked = push("plain:losing-pass-1");
    assert!(
        locked.contains("Message: Too many failed logins; try again in"),
        "{locked}"
    );
    // A handle with a line break is refused, not echoed.
    let body = "user=H1&password=x&domain=a.uk.com&handle=H2%0AStatus:%200";
    let r = s.post_form("/srv/push_domain", body).text();
    assert!(r.ends_with("Message: Invalid parameter: handle.\n"), "{r}");
    assert_eq!(r.lines().count(), 3);
}

const PUSHES: &str = r#"
[[reseller]]
username = "gainingrsp"
key = "gainkey"
push_enabled = true
accepts_pushes_from = ["testuser"]
[[reseller]]
username = "testuser"
key = "testkey"
push_enabled = true
[[profile]]
reseller = "testuser"
username = "owner1"
password = "pw1"
domains = ["push-one.com", "push-two.net"]
[[profile]]
reseller = "gainingrsp"
username = "owner1"
password = "their-own-pw"
domains = ["their-own.com"]
"#;

/// 15.11: a losing reseller cannot guess the gaining reseller's profile passwords
/// through the bulk change without limit, and a push without a profile never lands
/// in the gaining reseller's same-named profile.
#[test]
fn issue15_11_profile_guesses_are_throttled_and_names_never_borrowed() {
    let s = throttled(PUSHES, 3, 100);
    let submit = |password: &str| {
        let attrs = format!(
            "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">push-two.net</item></dt_array></item><item key=\"gaining_reseller_username\">gainingrsp</item><item key=\"reg_username\">owner1</item><item key=\"reg_password\">{password}</item>"
        );
        s.ops(&envelope("SUBMIT_BULK_CHANGE", "BULK_CHANGE", &attrs))
    };
    for guess in ["a", "b", "c"] {
        let r = submit(guess);
        assert_eq!(r.code(), Some(415));
        assert_eq!(
            r.item("response_text").as_deref(),
            Some("Authentication Error.")
        );
    }
    let r = submit("their-own-pw");
    assert_eq!(r.code(), Some(415));
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .contains("Too many failed attempts"),
        "{}",
        r.text()
    );
    // No username: the domain gets a new profile, not gainingrsp's owner1.
    let r = s.ops(&envelope(
        "RSP2RSP_PUSH_TRANSFER",
        "DOMAIN",
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(s.holder("push-one.com"), "gainingrsp/owner1-2");
    assert_eq!(s.holder("their-own.com"), "gainingrsp/owner1");
}

/// A connection from the loopback address `127.0.0.<last>`.
fn connect_from(addr: std::net::SocketAddr, last: u8) -> TcpStream {
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("socket");
    let from = std::net::SocketAddr::from(([127, 0, 0, last], 0));
    socket.bind(&from.into()).expect("bind source address");
    socket.connect(&addr.into()).expect("connect");
    let s: TcpStream = socket.into();
    s.set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    s
}

/// A `GET /healthz` from `127.0.0.<last>` is answered.
fn assert_served_from(addr: std::net::SocketAddr, last: u8) {
    let mut c = connect_from(addr, last);
    c.write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .expect("write");
    let reply = read_to_close(&mut c).expect("a reply");
    assert!(
        reply.ends_with(b"ok\n"),
        "{}",
        String::from_utf8_lossy(&reply)
    );
}

/// Reads until the server closes the connection; what it sent (a reset counts as
/// a close).
fn read_to_close(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match s.read_to_end(&mut out) {
        Ok(_) => Some(out),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => Some(out),
        Err(_) => None,
    }
}

/// 15.3: idle keep-alive sockets, silent ones and slow bodies, however many, do not
/// lock out a client that has something to send: addresses are limited, the idlest
/// connection gives way when every slot is taken, and slow bodies time out.
#[test]
fn issue15_3_idle_and_slow_connections_do_not_lock_others_out() {
    let s = Server::start_with(|c| {
        c.max_connections = 8;
        c.max_connections_per_ip = 4;
        c.body_timeout = Duration::from_secs(1);
    });
    // Four keep-alive sockets from one address, each after one request.
    let mut kept: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut c = connect_from(s.addr, 2);
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .expect("write");
            let mut buf = [0u8; 256];
            assert!(c.read(&mut buf).expect("reply") > 0);
            c
        })
        .collect();
    // A fifth from the same address takes the place of its idlest (issue 26.10:
    // it was closed at once).
    assert_served_from(s.addr, 2);
    // Silent sockets from another address fill every slot.
    let mut silent: Vec<TcpStream> = (0..4).map(|_| connect_from(s.addr, 3)).collect();
    // Slow bodies from a third address: they hold requests in flight, so they are
    // not shed, but their body timeout ends them.
    let mut slow = connect_from(s.addr, 4);
    slow.write_all(
        format!("POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: x\r\nContent-Length: 100\r\n\r\n")
            .as_bytes(),
    )
    .expect("write");
    // A client with a request is served: the idlest connections gave way.
    for last in [5, 6, 7] {
        assert_served_from(s.addr, last);
    }
    let slow_reply = read_to_close(&mut slow).expect("the slow body's reply");
    assert!(
        String::from_utf8_lossy(&slow_reply).contains("request body not received in time"),
        "{}",
        String::from_utf8_lossy(&slow_reply)
    );
    // Some of the idle ones were closed to make room.
    let closed = kept
        .iter_mut()
        .chain(silent.iter_mut())
        .map(|c| {
            let _ = c.set_read_timeout(Some(Duration::from_millis(200)));
            let mut buf = [0u8; 16];
            match c.read(&mut buf) {
                Ok(n) => n == 0,
                Err(e) => e.kind() == std::io::ErrorKind::ConnectionReset,
            }
        })
        .filter(|closed| *closed)
        .count();
    assert!(closed >= 2, "{closed} idle connections closed");
}

/// 15.4: a move the clock cannot make is refused, changes nothing and breaks no
/// later request; a clock near the end of the calendar stops before it, and the
/// server starts again on the same database.
#[test]
fn issue15_4_clock_moves_are_bounded() {
    let s = Server::start();
    let r = s.advance("100000000d");
    assert!(r.status_line.contains(" 400 "), "{}", r.status_line);
    assert_eq!(
        r.text(),
        "a clock moves forward by at most 3650 days at a time\n"
    );
    let body = envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("after.com", "x")]),
    );
    assert_eq!(s.ops(&body).code(), Some(200));
    assert!(s.advance("7d").status_line.contains(" 200 "));

    let dir = TestDb::new();
    let db = dir.db();
    let scenario = dir.path().join("late.toml");
    std::fs::write(&scenario, "[clock]\nstart = \"8999-06-01 00:00:00\"\n").expect("write");
    let env = [("OPSD_SCENARIO", scenario.to_str().expect("path"))];
    let p = Proc::start_env(&db, &env);
    let server = p.addr.to_string();
    let out = opsd_cli(&db, &["clock", "advance", "365d", "--server", &server], "");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("the clock would pass 9000-01-01"),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    opsd_ok(&db, &["clock", "advance", "30d", "--server", &server], "");
    p.kill9();
    let again = Proc::start_env(&db, &env);
    let r = Conn::open(again.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "ok\n");
    assert!(again.terminate().success());
}

/// 15.13: production mode refuses to start without HTTPS links, keeps its clock
/// still, serves /metrics only with its token, and limits request rates by default.
#[test]
fn issue15_13_production_mode() {
    let dir = TestDb::new();
    let db = dir.db();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"))
        .args(["serve", "--mode", "production", "--listen", "127.0.0.1:0"])
        .env("OPSD_DB", &db)
        .output()
        .expect("opsd serve");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("production mode needs public_url"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = opsd_ok(
        &db,
        &[
            "config",
            "check",
            "--mode",
            "production",
            "--public-url",
            "https://opsd.example",
        ],
        "",
    );
    assert!(check.contains("mode = \"production\""), "{check}");
    assert!(check.contains("rate_limit = 20"), "{check}");
    let env = [
        ("OPSD_MODE", "production"),
        ("OPSD_PUBLIC_URL", "https://opsd.example"),
        ("OPSD_METRICS_TOKEN", "metrics-secret"),
    ];
    let p = Proc::start_env(&db, &env);
    let get = |extra: &str| {
        Conn::open(p.addr)
            .send(format!("GET /metrics HTTP/1.1\r\nHost: x\r\n{extra}\r\n").as_bytes())
    };
    assert!(get("").status_line.contains(" 401 "));
    let ok = get("Authorization: Bearer metrics-secret\r\n");
    assert!(ok.status_line.contains(" 200 "));
    assert!(
        ok.text().contains("opsd_ops_request_duration_seconds"),
        "{}",
        ok.text()
    );
    let token = opsd::store::Store::open(&db)
        .expect("open")
        .setting(opsd::app::ADMIN_TOKEN)
        .expect("setting")
        .expect("admin token");
    let raw = format!(
        "POST /admin/clock/advance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Length: 2\r\n\r\n7d"
    );
    let r = Conn::open(p.addr).send(raw.as_bytes());
    assert!(r.status_line.contains(" 404 "), "{}", r.status_line);
    assert_eq!(
        r.text(),
        "opsd: the sandbox's tools are off in production mode\n"
    );
    assert!(p.terminate().success());
    // Without a token, production serves no metrics at all.
    let p = Proc::start_env(&db, &env[..2]);
    let r = Conn::open(p.addr).send(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(r.status_line.contains(" 404 "), "{}", r.status_line);
    assert!(p.terminate().success());
}

/// 15.10: a reseller whose webhook endpoint never answers holds up only its own
/// deliveries: another piece of work queued after it (a bulk push) finishes while
/// that delivery still waits.
#[test]
fn issue15_10_a_silent_webhook_does_not_hold_up_other_work() {
    let hook = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let hook_addr = hook.local_addr().expect("addr");
    let (accepted_tx, accepted) = std::sync::mpsc::channel();
    // Accepts and never answers, holding each connection open.
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for c in hook.incoming().take(4).flatten() {
            let _ = accepted_tx.send(());
            held.push(c);
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let toml = PUSHES.replace(
        "accepts_pushes_from = [\"testuser\"]",
        &format!("accepts_pushes_from = [\"testuser\"]\nwebhook_url = \"http://{hook_addr}/hook\"\nwebhook_secret = \"s\""),
    );
    let s = Server::start_scenario(&toml, |c| c.workers = true);
    let r = s.ops(&envelope(
        "RSP2RSP_PUSH_TRANSFER",
        "DOMAIN",
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    accepted
        .recv_timeout(Duration::from_secs(10))
        .expect("the webhook delivery reached the silent endpoint");
    let r = s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">push-two.net</item></dt_array></item><item key=\"gaining_reseller_username\">gainingrsp</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let id = r.item("bulk_change_req_id").expect("id");
    let get = envelope(
        "GET_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    );
    let started = std::time::Instant::now();
    while s.ops(&get).item("status").as_deref() != Some("completed") {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "bulk push never finished"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        s.app.store.webhook_log(None, 10).expect("log").is_empty(),
        "the bulk push waited for the silent webhook"
    );
}

/// The login's session has ended: a page of the area sends the browser to log in.
fn logged_out(w: &mut Web<'_>, page: &str, login: &str) -> bool {
    let r = w.get(page);
    r.status_line.contains(" 303 ") && r.header("Location") == Some(login)
}

/// 15.6: changing or clearing a password ends that account's sessions, for the
/// panel, the dashboard and the mail console; mail administrators can change theirs,
/// which also revokes their API tokens.
#[test]
fn issue15_6_password_changes_end_sessions() {
    let s = Server::start_scenario(MAIL_SCENARIO, |_| {});
    let db = s.db();
    s.panel_password(USER, "panel-password-1");
    let mut w = Web::new(&s);
    assert!(
        w.login("/panel/login", USER, "panel-password-1")
            .status_line
            .contains(" 303 ")
    );
    assert!(!logged_out(&mut w, "/panel/domains", "/panel/login"));
    opsd_ok(&db, &["reseller", "passwd", USER], "panel-password-2\n");
    assert!(logged_out(&mut w, "/panel/domains", "/panel/login"));
    assert!(
        w.login("/panel/login", USER, "panel-password-2")
            .status_line
            .contains(" 303 ")
    );
    opsd_ok(&db, &["reseller", "passwd", USER, "--clear"], "");
    assert!(logged_out(&mut w, "/panel/domains", "/panel/login"));

    opsd_ok(&db, &["operator", "add", "ops"], "operator-pw-1\n");
    let mut d = Web::new(&s);
    assert!(
        d.login("/dashboard/login", "ops", "operator-pw-1")
            .status_line
            .contains(" 303 ")
    );
    assert!(!logged_out(
        &mut d,
        "/dashboard/transfers",
        "/dashboard/login"
    ));
    opsd_ok(&db, &["operator", "passwd", "ops"], "operator-pw-2\n");
    assert!(logged_out(
        &mut d,
        "/dashboard/transfers",
        "/dashboard/login"
    ));

    let mut m = Web::new(&s);
    assert!(
        m.login("/mac/login", "mail-admin", "mail-admin-pw-1")
            .status_line
            .contains(" 303 ")
    );
    let v = email_api(
        &s,
        "generate_token",
        r#"{"credentials": {"user": "mail-admin", "password": "mail-admin-pw-1"}}"#,
    );
    let token = v["token"].as_str().expect("token").to_string();
    let with_token = format!(r#"{{"credentials": {{"user": "mail-admin", "token": "{token}"}}}}"#);
    assert_eq!(email_api(&s, "get_company", &with_token)["success"], true);
    // A token made with a token cannot make more.
    let chained = email_api(&s, "generate_token", &with_token);
    let chained = chained["token"].as_str().expect("token").to_string();
    let with_chained =
        format!(r#"{{"credentials": {{"user": "mail-admin", "token": "{chained}"}}}}"#);
    let v = email_api(&s, "generate_token", &with_chained);
    assert_eq!(v["error_number"], 4, "{v}");
    opsd_ok(
        &db,
        &["email", "admin-passwd", "mail-admin"],
        "mail-admin-pw-2\n",
    );
    assert!(logged_out(&mut m, "/mac/company", "/mac/login"));
    assert_eq!(
        email_api(&s, "get_company", &with_token)["error"],
        "Invalid credentials"
    );
    assert!(
        m.login("/mac/login", "mail-admin", "mail-admin-pw-2")
            .status_line
            .contains(" 303 ")
    );
}

/// 15.7: the panel obeys the reseller's IP Access Rules, like the OPS API.
#[test]
fn issue15_7_the_panel_obeys_ip_access_rules() {
    let s = Server::start();
    s.panel_password(USER, "panel-password-1");
    let id = s
        .app
        .store
        .reseller_by_name(USER)
        .expect("store")
        .expect("reseller")
        .id;
    s.app
        .store
        .set_allowed_ips(id, &["10.0.0.0/8".to_string()])
        .expect("rules");
    let mut w = Web::new(&s);
    // Issue 26.10: the login itself is refused, with no session.
    let r = w.login("/panel/login", USER, "panel-password-1");
    assert!(r.status_line.contains(" 403 "), "{}", r.status_line);
    assert!(!w.cookies.contains_key("opsd_panel"), "{:?}", w.cookies);
    // Rules narrowed after a login: every page is refused.
    s.app.store.set_allowed_ips(id, &[]).expect("rules");
    assert!(
        w.login("/panel/login", USER, "panel-password-1")
            .status_line
            .contains(" 303 ")
    );
    s.app
        .store
        .set_allowed_ips(id, &["10.0.0.0/8".to_string()])
        .expect("rules");
    let r = w.get("/panel/domains");
    assert!(r.status_line.contains(" 403 "), "{}", r.status_line);
    assert!(r.text().contains("Access denied: invalid IP address."));
    let r = w.post(
        "/panel/push-settings",
        &[("op", "add"), ("username", OTHER_USER)],
    );
    assert!(r.status_line.contains(" 403 "), "{}", r.status_line);
    s.app
        .store
        .set_allowed_ips(id, &["127.0.0.1".to_string()])
        .expect("rules");
    assert!(w.get("/panel/domains").status_line.contains(" 200 "));
}

/// 15.12: audit rows of other kinds of account never show as a reseller's, however
/// the names coincide.
#[test]
fn issue15_12_audit_namespaces_are_kept_apart() {
    let scenario = r#"
[[mail_company]]
id = 1001
name = "Losing"
cluster = "a"
[[mail_company]]
id = 1002
name = "Gaining"
cluster = "a"
allowed_companies = [1001]
[[mail_admin]]
company = 1001
username = "testuser"
password = "mail-admin-pw-1"
[[mail_domain]]
name = "mail.example.com"
company = 1001
"#;
    let s = Server::start_scenario(scenario, |_| {});
    let v = email_api(
        &s,
        "push_domain",
        r#"{"credentials": {"user": "testuser", "password": "mail-admin-pw-1"}, "domain": "mail.example.com", "new_company": 1002}"#,
    );
    assert_eq!(v["success"], true, "{v}");
    let all = s.app.store.audit_log(None, 10).expect("audit");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].actor, "testuser");
    assert!(
        s.app
            .store
            .audit_for_reseller("testuser", 10)
            .expect("audit")
            .is_empty(),
        "the mail admin's row shows as the reseller's"
    );
}

/// 15.12: U+FFFE and U+FFFF in a job name never make a reply unreadable, and a
/// bulk change's contact_email must be an address.
#[test]
fn issue15_12_noncharacters_and_bad_report_addresses() {
    let s = Server::start();
    let attrs = format!(
        "{}<item key=\"name\">job&#xFFFE;name&#xFFFF;</item>",
        domain_list(&[("nonchar.com", "x")])
    );
    assert_eq!(
        s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", &attrs)).code(),
        Some(200)
    );
    let r = s.ops(&status_body("134"));
    assert_eq!(r.item("name").as_deref(), Some("jobname"));
    assert!(!r.text().contains('\u{FFFE}') && !r.text().contains('\u{FFFF}'));
    let r = s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        "<item key=\"change_type\">push_domains</item><item key=\"change_items\">a.com</item><item key=\"gaining_reseller_username\">otheruser</item><item key=\"contact_email\">ops@example.com\nforged line</item>",
    ));
    assert_eq!(r.code(), Some(465));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Invalid value for 'contact_email': not an email address.")
    );
}

/// 15.12: mail that cannot be delivered is given up after its tries instead of
/// being retried for ever, and finished work is pruned after the retention time.
#[test]
fn issue15_12_undeliverable_mail_ends_and_old_work_is_pruned() {
    let closed = free_port();
    let s = Server::start_with(|c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{closed}"));
        c.retention = Duration::from_secs(2 * 86_400);
    });
    let st = &s.app.store;
    let crypt = opsd::auth::md5_crypt("losing-pass-1").expect("crypt");
    st.add_registrar("H1", &crypt, "one@registrar.example", 1)
        .expect("H1");
    st.add_registrar("H2", &crypt, "two@registrar.example", 1)
        .expect("H2");
    st.add_registry_domain(
        &opsd::store::NewRegistryDomain {
            name: "pushed.uk.com".into(),
            registrar: "H1".into(),
            status: "Live".into(),
            registrant: None,
            tech: None,
        },
        1,
    )
    .expect("domain");
    let r = s.post_form(
        "/srv/push_domain",
        "user=H1&password=plain:losing-pass-1&domain=pushed.uk.com&handle=H2",
    );
    assert!(
        r.text().contains("domain has been transferred"),
        "{}",
        r.text()
    );
    let pending = "SELECT count(*) FROM tasks WHERE kind = 'send_mail' AND done_at IS NULL";
    assert_eq!(s.count(pending), 1);
    for _ in 0..12 {
        s.advance("1d");
    }
    assert_eq!(s.count(pending), 0, "the mail is still being retried");
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL AND last_error IS NOT NULL"),
        1
    );
    s.advance("3d");
    opsd::jobs::prune(&s.app);
    assert_eq!(s.count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE done_at IS NOT NULL"),
        0
    );
}

/// 15.3: when bodies that trickle in from several addresses hold every slot, the one
/// in flight the longest (past a second) gives way to a new client.
#[test]
fn issue15_3_slow_bodies_from_many_addresses_give_way() {
    let s = Server::start_with(|c| {
        c.max_connections = 4;
        c.max_connections_per_ip = 2;
        c.body_timeout = Duration::from_secs(60);
    });
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: x\r\nContent-Length: 1000\r\n\r\n"
    );
    let _slow: Vec<TcpStream> = [2, 2, 3, 3]
        .into_iter()
        .map(|last| {
            let mut c = connect_from(s.addr, last);
            c.write_all(head.as_bytes()).expect("write");
            c.write_all(b"<").expect("write");
            c
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1300));
    assert_served_from(s.addr, 4);
}
