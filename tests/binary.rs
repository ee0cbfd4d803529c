//! The `opsd` binary as a user runs it: CLI commands, environment configuration, and
//! SIGTERM.

use std::process::Command;

use crate::common::*;

fn opsd() -> Command {
    Command::new(env!("CARGO_BIN_EXE_opsd"))
}

#[test]
fn reseller_add_then_serve_then_sigterm() {
    let dir = TestDb::new();
    let db = dir.db();
    let out = opsd()
        .args([
            "reseller",
            "add",
            USER,
            "--key",
            KEY,
            "--allow-ip",
            "127.0.0.1/32",
        ])
        .env("OPSD_DB", &db)
        .output()
        .expect("run opsd");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = opsd()
        .args(["reseller", "add", USER, "--key", "k"])
        .env("OPSD_DB", &db)
        .output()
        .expect("run");
    assert!(
        !again.status.success(),
        "a second reseller of the same name is refused"
    );
    let bad_ip = opsd()
        .args(["reseller", "add", "x", "--key", "k", "--allow-ip", "nope"])
        .env("OPSD_DB", &db)
        .output()
        .expect("run");
    assert!(!bad_ip.status.success());

    let server = Proc::start(&db);
    let addr = server.addr;
    let mut c = Conn::open(addr);
    let r = c.send(&http10(
        &fixture_bytes("seed/simple_transfer.request.004.xml"),
        USER,
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(r.item("simple_transfer_job_id").as_deref(), Some("1"));

    // The workers analyse the job; each of its 9 domains has its own registrant.
    let mut mails = serde_json::Value::Null;
    for _ in 0..200 {
        let out = opsd()
            .args(["mail", "list", "--json"])
            .env("OPSD_DB", &db)
            .output()
            .expect("mail list");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        mails = serde_json::from_slice(&out.stdout).expect("mail list --json prints JSON");
        if mails.as_array().is_some_and(|a| a.len() == 9) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let first = &mails[0];
    assert_eq!(first["to"], "registrant@newtransfer461.com");
    assert!(
        first["body"]
            .as_str()
            .is_some_and(|b| b.contains(&format!("http://{addr}/approve/"))),
        "{first}"
    );
    let text = opsd()
        .args(["mail", "list"])
        .env("OPSD_DB", &db)
        .output()
        .expect("mail list");
    assert!(
        String::from_utf8_lossy(&text.stdout)
            .contains("Subject: Please approve the transfer of 1 domain name")
    );

    // Seven days later nobody has answered: the CLI moves the clock and returns only
    // once the timeouts have run.
    let adv = opsd()
        .args(["clock", "advance", "7d", "--server", &addr.to_string()])
        .env("OPSD_DB", &db)
        .output()
        .expect("clock advance");
    assert!(
        adv.status.success(),
        "{}",
        String::from_utf8_lossy(&adv.stderr)
    );
    assert!(String::from_utf8_lossy(&adv.stdout).starts_with("now "));
    let status = Conn::open(addr).send(&http10(&status_body("1"), USER, KEY));
    assert_eq!(
        status.item("status").as_deref(),
        Some("completed"),
        "{}",
        status.text()
    );
    let bad = opsd()
        .args(["clock", "advance", "soon", "--server", &addr.to_string()])
        .env("OPSD_DB", &db)
        .output()
        .expect("run");
    assert!(!bad.status.success());

    let status = server.terminate();
    assert!(status.success(), "SIGTERM ends opsd cleanly: {status}");
}

#[test]
fn push_settings_and_portfolio_from_the_cli() {
    let dir = TestDb::new();
    let db = dir.db();
    let run = |args: &[&str]| {
        let out = opsd()
            .args(args)
            .env("OPSD_DB", &db)
            .output()
            .expect("run opsd");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    assert!(run(&["reseller", "add", "losing", "--key", "k1"]).0);
    assert!(run(&["reseller", "add", "gaining", "--key", "k2"]).0);
    assert!(run(&["reseller", "enable-push", "losing"]).0);
    assert!(run(&["reseller", "enable-push", "gaining"]).0);
    assert!(run(&["reseller", "allow-push", "gaining", "--from", "losing"]).0);
    assert!(
        run(&[
            "domain",
            "add",
            "losing",
            "Example-Push.com",
            "--profile",
            "bob:pw",
            "--locked"
        ])
        .0
    );
    assert!(
        !run(&[
            "domain",
            "add",
            "losing",
            "other.com",
            "--profile",
            "bob:wrong"
        ])
        .0,
        "wrong profile password"
    );
    assert!(!run(&["domain", "add", "losing", "x.com", "--profile", "nocolon"]).0);
    assert!(!run(&["reseller", "enable-push", "nobody"]).0);
    let store = opsd::store::Store::open(&db).expect("open");
    let (l, g) = (
        store
            .reseller_by_name("losing")
            .expect("db")
            .expect("losing")
            .id,
        store
            .reseller_by_name("gaining")
            .expect("db")
            .expect("gaining")
            .id,
    );
    assert!(store.push_permitted(l, g).expect("query"));
    assert!(
        !store.push_permitted(g, l).expect("query"),
        "consent is one-way"
    );
    let d = store
        .portfolio_domain(l, "example-push.com")
        .expect("db")
        .expect("in portfolio");
    assert!(d.locked);
    drop(store);
    assert!(run(&["reseller", "disallow-push", "gaining", "--from", "losing"]).0);
    let store = opsd::store::Store::open(&db).expect("open");
    assert!(!store.push_permitted(l, g).expect("query"));
}

#[test]
fn config_file_under_environment_under_flags() {
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("opsd.toml");
    let db = dir.path().join("from-file.db");
    std::fs::write(
        &file,
        format!(
            "listen = \"127.0.0.1:0\"\ndb = \"{}\"\napproval_window = \"3d\"\nsmtp_url = \"smtp://mailer:s3cret@127.0.0.1:2525\"\nmail_from = \"file <file@example.com>\"\n",
            db.display()
        ),
    )
    .expect("write config");
    let out = opsd()
        .args(["config", "check", "--config"])
        .arg(&file)
        .args(["--approval-window", "36h"])
        .env_remove("OPSD_DB")
        .env("OPSD_MAIL_FROM", "env <env@example.com>")
        .output()
        .expect("opsd config check");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains(&format!("db = \"{}\"", db.display())),
        "{text}"
    );
    assert!(
        text.contains("approval_window = \"129600s\""),
        "flag beats file: {text}"
    );
    assert!(
        text.contains("mail_from = \"env <env@example.com>\""),
        "env beats file: {text}"
    );
    assert!(
        text.contains("smtp_url = \"smtp://mailer:***@127.0.0.1:2525\""),
        "secret masked: {text}"
    );
    assert!(!text.contains("s3cret"));
    std::fs::write(&file, "listen = \"127.0.0.1:0\"\nlisten_port = 1\n").expect("write");
    let bad = opsd()
        .args(["config", "check", "--config"])
        .arg(&file)
        .output()
        .expect("opsd config check");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown field `listen_port`"));
    // serve takes everything from the file: the database appears where it says.
    std::fs::write(
        &file,
        format!("listen = \"127.0.0.1:0\"\ndb = \"{}\"\n", db.display()),
    )
    .expect("write");
    let p = Proc::start_with_config(&file);
    let r = Conn::open(p.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "ok\n");
    assert!(db.exists());
    assert!(p.terminate().success());
}

#[test]
fn json_logs_carry_a_request_id_per_ops_call() {
    use std::io::{BufRead, BufReader};
    let dir = TestDb::new();
    let db = dir.db();
    let mut child = opsd()
        .arg("serve")
        .env("OPSD_DB", &db)
        .env("OPSD_LISTEN", "127.0.0.1:0")
        .env("OPSD_LOG_FORMAT", "json")
        .env("RUST_LOG", "opsd=info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let mut next_json = || -> serde_json::Value {
        let line = lines.next().expect("a log line").expect("utf-8");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    };
    // Startup lines come first (e.g. that HTTPS is off for want of a certificate);
    // every one is JSON.
    let first = (0..5)
        .map(|_| next_json())
        .find(|v| v["listen"].is_string())
        .expect("a line with the listen address");
    assert_eq!(first["level"], "INFO");
    let addr: std::net::SocketAddr = first["listen"]
        .as_str()
        .expect("listen field")
        .parse()
        .expect("address");
    let mut c = Conn::open(addr);
    c.send(&http11(&status_body("134"), "nobody", "k"));
    c.send(&http11(&status_body("134"), "nobody", "k"));
    let requests: Vec<serde_json::Value> = (0..10)
        .map(|_| next_json())
        .filter(|v| v["message"] == "ops request")
        .take(2)
        .collect();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0]["code"], 401);
    let ids: Vec<u64> = requests
        .iter()
        .map(|r| r["request_id"].as_u64().expect("request_id"))
        .collect();
    assert_ne!(ids[0], ids[1]);
    let _ = child.kill();
    let _ = child.wait();
}

/// `reseller set-key` and `set-ips` reach a running server: the old key stops
/// working and the new one works, within the credential cache's 2 seconds.
#[test]
fn key_rotation_and_ip_rules_reach_a_running_server() {
    let dir = TestDb::new();
    let db = dir.db();
    let run = |args: &[&str]| opsd_ok(&db, args, "");
    run(&["reseller", "add", USER, "--key", KEY]);
    let server = Proc::start(&db);
    let code = |key: &str| {
        Conn::open(server.addr)
            .send(&http10(&status_body("1"), USER, key))
            .code()
    };
    // The job does not exist: a caller who gets past authentication hears 4xx
    // "not found", not 401.
    let known = code(KEY);
    assert!(known.is_some_and(|c| c != 401), "{known:?}");
    // Within the TTL the cached old key is still good; afterwards it must not be.
    let until = |want: &dyn Fn() -> bool, what: &str| {
        let start = std::time::Instant::now();
        while !want() {
            assert!(
                start.elapsed() < std::time::Duration::from_secs(10),
                "{what}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    run(&["reseller", "set-key", USER, "--key", "rotated"]);
    until(&|| code(KEY) == Some(401), "the old key is refused");
    assert_eq!(code("rotated"), known, "the new key works");
    run(&["reseller", "set-ips", USER, "--allow-ip", "10.0.0.0/8"]);
    let ip_denied = || {
        Conn::open(server.addr)
            .send(&http10(&status_body("1"), USER, "rotated"))
            .item("response_text")
            .is_some_and(|t| t.contains("invalid IP address"))
    };
    until(&ip_denied, "loopback is no longer allowed");
    run(&["reseller", "set-ips", USER]);
    until(&|| code("rotated") == known, "any address again");
    let refused = |args: &[&str]| !opsd_cli(&db, args, "").status.success();
    assert!(refused(&[
        "reseller",
        "set-ips",
        USER,
        "--allow-ip",
        "nope"
    ]));
    assert!(refused(&["reseller", "set-key", "nobody", "--key", "k"]));
    assert!(refused(&["reseller", "set-key", USER, "--key", " "]));
}

/// `opsd --help` says where to start, and the CLI's errors say what to do next.
#[test]
fn help_and_errors_say_what_to_do_next() {
    let dir = TestDb::new();
    let db = dir.db();
    let help = opsd_ok(&db, &["--help"], "");
    assert!(
        help.contains("Start with `opsd serve`") && help.contains("opsd sandbox --help"),
        "{help}"
    );
    let out = opsd_cli(&db, &["reseller", "balance", "nobody"], "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("opsd reseller add nobody --key KEY"), "{err}");
    let out = opsd_cli(&db, &["sandbox", "outbox"], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("start `opsd serve` on it first"), "{err}");
    let out = opsd_cli(&db, &["webhook", "remove", "nobody"], "");
    assert!(!out.status.success());
}
