//! The sandbox tools (issue 20): the other side of a transfer without a browser,
//! reset and snapshots without a restart, the outbox and webhook log as JSON —
//! through the operator API in process, and through `opsd sandbox` against a real
//! `opsd serve`.

use crate::common::*;

fn order(domain: &str) -> Vec<u8> {
    let c = crate::portfolio::contact("Jane", "jane@example.net");
    let user = domain.split('.').next().unwrap_or(domain);
    envelope(
        "SW_REGISTER",
        "DOMAIN",
        &format!(
            "<item key=\"reg_type\">transfer</item><item key=\"domain\">{domain}</item><item key=\"auth_info\">code</item><item key=\"reg_username\">{user}</item><item key=\"reg_password\">buyer-pass</item><item key=\"custom_tech_contact\">0</item><item key=\"contact_set\"><dt_assoc><item key=\"owner\">{c}</item><item key=\"admin\">{c}</item><item key=\"billing\">{c}</item></dt_assoc></item>"
        ),
    )
}

fn ordered(s: &Server, domain: &str) -> String {
    let r = s.ops(&order(domain));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    r.item("id").expect("order id")
}

#[test]
fn the_other_side_through_the_operator_api() {
    let s = Server::start();
    let a = "one-owner1.com";
    let b = "two-owner2.com";
    let c = "three-owner3.com";
    let d = "four-owner4.com";
    ordered(&s, a);
    let b_order = ordered(&s, b);
    ordered(&s, c);
    ordered(&s, d);
    s.run_due();
    for x in [a, b, c, d] {
        assert_eq!(s.transfer_status(x), "pending_owner", "{x}");
    }
    let (st, j) = s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=accept&domain={a}"),
    );
    assert_eq!(st, 200, "{j}");
    assert_eq!(j["registrants"], 1);
    assert_eq!(s.transfer_status(a), "pending_registry");
    let (st, j) = s.admin_json(
        "POST",
        "/admin/registry",
        &format!("outcome=complete&domain={a}"),
    );
    assert_eq!(st, 200, "{j}");
    assert_eq!(s.transfer_status(a), "completed");
    assert_eq!(s.holder(a), format!("{USER}/one-owner1"));

    let (st, _) = s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=decline&order={b_order}"),
    );
    assert_eq!(st, 200);
    assert_eq!(s.transfer_status(b), "cancelled");

    let (st, _) = s.admin_json(
        "POST",
        "/admin/approvals",
        "decision=timeout&registrant=owner3@example.net",
    );
    assert_eq!(st, 200);
    assert_eq!(s.transfer_status(c), "cancelled");
    // The page says the window is over, as it would have.
    let token = s
        .approval_links()
        .into_iter()
        .find(|(to, _)| to == "owner3@example.net")
        .map(|(_, t)| t)
        .expect("owner3's link");
    let page = s.get(&format!("/approve/{token}"));
    assert!(!page.text().contains("Accept transfer"), "{}", page.text());

    let job = s.count(&format!(
        "SELECT job_id FROM transfer_orders WHERE domain = '{d}'"
    ));
    s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=accept&job={job}"),
    );
    let (st, j) = s.admin_json(
        "POST",
        "/admin/registry",
        &format!("outcome=reject&job={job}&reason=Losing+registrar+said+no"),
    );
    assert_eq!(st, 200, "{j}");
    assert_eq!(s.transfer_status(d), "cancelled");
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM transfer_domains WHERE name = '{d}' AND reason = 'Losing registrar said no'"
        )),
        1
    );

    // Refusals say what to do.
    let (st, j) = s.admin_json("POST", "/admin/approvals", "decision=accept");
    assert_eq!(st, 400);
    assert!(
        j["error"].as_str().unwrap_or("").contains("exactly one of"),
        "{j}"
    );
    let (st, _) = s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=accept&domain={a}&job=1"),
    );
    assert_eq!(st, 400);
    let (st, _) = s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=accept&domain={a}"),
    );
    assert_eq!(st, 404, "nothing waits");
    let (st, _) = s.admin_json(
        "POST",
        "/admin/approvals",
        "decision=maybe&domain=x-owner9.com",
    );
    assert_eq!(st, 404);
    let (st, _) = s.admin_json("POST", "/admin/nothing-here", "");
    assert_eq!(st, 404);
    let wrong = s.send(b"POST /admin/reset HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer wrong\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    assert!(wrong.status_line.contains("401"), "{}", wrong.status_line);
}

#[test]
fn outbox_and_webhook_log_as_json() {
    let s = Server::start_scenario(
        &format!(
            "[[reseller]]\nusername = \"hooked\"\nkey = \"hookkey\"\nwebhook_url = \"http://127.0.0.1:{}/hook\"\nwebhook_secret = \"s\"\n",
            free_port()
        ),
        |_| {},
    );
    ordered(&s, "mailed-owner5.com");
    s.run_due();
    let (st, j) = s.admin_json("GET", "/admin/outbox?to=OWNER5@example.net", "");
    assert_eq!(st, 200, "{j}");
    assert_eq!(j["count"], 1, "{j}");
    let link = j["mails"][0]["links"][0]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(link.contains("/approve/"), "{j}");
    assert_eq!(j["mails"][0]["kind"], "transfer_approval");
    let (_, j) = s.admin_json("GET", "/admin/outbox?kind=auth_code", "");
    assert_eq!(j["count"], 0);
    let (_, j) = s.admin_json("GET", "/admin/outbox?since=2030-01-01+00:00:00", "");
    assert_eq!(j["count"], 0);
    let (st, j) = s.admin_json("POST", "/admin/outbox/clear", "");
    assert_eq!(st, 200);
    assert_eq!(j["cleared"], 1);
    let (_, j) = s.admin_json("GET", "/admin/outbox", "");
    assert_eq!(j["count"], 0);

    // The hooked reseller's event is delivered to a port nobody listens on.
    let r = s.send(&http10(&order("hooked-owner6.com"), "hooked", "hookkey"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let (st, j) = s.admin_json("GET", "/admin/webhooks?reseller=hooked", "");
    assert_eq!(st, 200, "{j}");
    assert!(j["count"].as_u64().unwrap_or(0) >= 1, "{j}");
    assert_eq!(j["attempts"][0]["outcome"], "retry");
    let (_, j) = s.admin_json("GET", "/admin/webhooks?reseller=hooked&event=NO_SUCH", "");
    assert_eq!(j["count"], 0);
    let (st, _) = s.admin_json("GET", "/admin/webhooks?reseller=nobody", "");
    assert_eq!(st, 404);
}

const SCENARIO: &str = r#"
[clock]
start = "2020-02-02 02:02:02"
[[reseller]]
username = "scened"
key = "scenedkey"
[[profile]]
reseller = "scened"
username = "keeper"
password = "keeper-password"
domains = ["kept-domain.com"]
[[domain]]
name = "held-elsewhere.com"
"#;

/// A reset empties every table of the schema (so a table added later is covered
/// too) and brings the scenario back: afterwards each table has exactly the rows a
/// new database seeded with the same scenario has. The activity before touches
/// many tables, so the comparison means something.
#[test]
fn reset_covers_every_table_the_clock_the_caches_and_the_work() {
    let s = Server::start_with(|c| c.public_url = "http://sandbox.test".into());
    let scenario = opsd::sandbox::Scenario::parse(SCENARIO).expect("scenario");
    let fresh_dir = TestDb::new();
    let fresh = {
        let store = opsd::store::Store::open(&fresh_dir.db()).expect("store");
        let clock = std::sync::Arc::new(opsd::clock::FakeClock::new(
            opsd::clock::parse_timestamp("2020-02-02 02:02:02").expect("time"),
        ));
        let mut config = opsd::config::Config::new(
            "127.0.0.1:0".parse().expect("addr"),
            fresh_dir.path().join("fresh.db"),
        );
        config.workers = false;
        opsd::app::build(store, clock, config, &scenario).expect("fresh app")
    };
    let fresh_counts = fresh.store.row_counts().expect("counts");

    // Activity across the schema: transfers, approvals, mail, registrations,
    // cookies, hosts, events, audit, a poll cached, a page session.
    ordered(&s, "busy-owner1.com");
    s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    s.run_due();
    let r = s.ops(&crate::portfolio::register("made-here.com", 1, ""));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.ops(&envelope(
        "CREATE",
        "NAMESERVER",
        "<item key=\"domain\">made-here.com</item><item key=\"name\">ns1.made-here.com</item><item key=\"ipaddress\">192.0.2.1</item>",
    ));
    let login = s.ops(&envelope(
        "SET",
        "COOKIE",
        &format!("<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"reg_username\">{PROFILE_USER}</item><item key=\"reg_password\">p&amp;ss&lt;wd&gt;</item>"),
    ));
    assert_eq!(login.code(), Some(200), "{}", login.text());
    let status_before = s.ops(&status_body("134"));
    assert_eq!(status_before.code(), Some(200), "{}", status_before.text());
    let before = s.app.store.row_counts().expect("counts");
    let touched = before
        .iter()
        .filter(|(t, n)| {
            *n > 0 && fresh_counts.iter().find(|(f, _)| f == t).map(|(_, m)| *m) != Some(*n)
        })
        .count();
    assert!(
        touched >= 15,
        "the activity reached only {touched} tables: {before:?}"
    );

    let (st, j) = s.admin_json("POST", "/admin/reset", SCENARIO);
    assert_eq!(st, 200, "{j}");
    assert_eq!(j["now"], "2020-02-02 02:02:02");
    let after = s.app.store.row_counts().expect("counts");
    let tables = s.app.store.tables().expect("tables");
    assert_eq!(after.len(), tables.len(), "every table is counted");
    for (table, n) in &after {
        if ["settings", "instances", "operators"].contains(&table.as_str()) {
            continue;
        }
        let want = fresh_counts
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, m)| *m);
        assert_eq!(*n, want, "table {table} after the reset");
    }
    assert_eq!(
        s.count("SELECT count(*) FROM tasks"),
        0,
        "no queued work left"
    );
    // The caches follow: the old reseller is unknown at once, the status of its job
    // is not served from memory, the scenario's reseller works.
    assert_eq!(s.ops(&status_body("134")).code(), Some(401));
    let r = s.send(&http10(
        &envelope("GET_BALANCE", "BALANCE", ""),
        "scened",
        "scenedkey",
    ));
    assert_eq!(
        r.item("balance").as_deref(),
        Some("100000.00"),
        "{}",
        r.text()
    );
    let r = s.send(&http10(
        &envelope(
            "LOOKUP",
            "DOMAIN",
            "<item key=\"domain\">held-elsewhere.com</item>",
        ),
        "scened",
        "scenedkey",
    ));
    assert_eq!(r.code(), Some(211), "the scenario's world came back");
    let r = s.send(&http10(
        &envelope(
            "LOOKUP",
            "DOMAIN",
            "<item key=\"domain\">made-here.com</item>",
        ),
        "scened",
        "scenedkey",
    ));
    assert_eq!(r.code(), Some(210), "the registration is gone");
    // Ids start again.
    let r = s.send(&http10(
        &crate::portfolio::register("again.com", 1, ""),
        "scened",
        "scenedkey",
    ));
    assert_eq!(r.item("id").as_deref(), Some("1"), "{}", r.text());
    // A scenario with a bad fault rule is refused before anything changes.
    let (st, j) = s.admin_json(
        "POST",
        "/admin/reset",
        "[[reseller]]\nusername = \"x\"\nkey = \"k\"\n[[fault]]\nkind = \"reply\"\nreseller = \"nobody\"\ncode = 400\n",
    );
    assert_eq!(st, 400, "{j}");
    assert!(
        j["error"]
            .as_str()
            .unwrap_or("")
            .contains("no reseller named nobody"),
        "{j}"
    );
    let (st, _) = s.admin_json("POST", "/admin/reset", "[[fault]]\nkind = \"latency\"\n");
    assert_eq!(st, 400);
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'again.com'"),
        1
    );
    // A broken scenario is refused and changes nothing.
    let (st, _) = s.admin_json("POST", "/admin/reset", "[[reseller]]\nname = 1\n");
    assert_eq!(st, 400);
    assert_eq!(
        s.count("SELECT count(*) FROM domains WHERE name = 'again.com'"),
        1
    );
}

#[test]
fn snapshots_save_and_load_without_a_restart() {
    let s = Server::start();
    assert_eq!(
        s.ops(&crate::portfolio::register("first.com", 1, ""))
            .code(),
        Some(200)
    );
    let (st, j) = s.admin_json("POST", "/admin/snapshots/save", "name=before-second");
    assert_eq!(st, 200, "{j}");
    s.advance("3d");
    assert_eq!(
        s.ops(&crate::portfolio::register("second.com", 1, ""))
            .code(),
        Some(200)
    );
    assert_eq!(s.count("SELECT count(*) FROM domains"), 3);
    let (_, j) = s.admin_json("GET", "/admin/snapshots", "");
    assert_eq!(j["snapshots"][0], "before-second");
    let (st, j) = s.admin_json("POST", "/admin/snapshots/load", "name=before-second");
    assert_eq!(st, 200, "{j}");
    assert_eq!(s.count("SELECT count(*) FROM domains"), 2);
    let look = |d: &str| {
        s.ops(&envelope(
            "LOOKUP",
            "DOMAIN",
            &format!("<item key=\"domain\">{d}</item>"),
        ))
        .code()
    };
    assert_eq!(look("second.com"), Some(210));
    assert_eq!(look("first.com"), Some(211));
    // The clock reads what it read at the save.
    let r = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">first.com</item><item key=\"type\">registry_dates</item>",
    ));
    assert_eq!(
        r.item("registry_createdate").as_deref(),
        Some("2014-07-03 18:34:34")
    );
    assert_eq!(
        opsd::clock::format_timestamp(s.app.time()),
        "2014-07-03 18:34:34"
    );
    let (st, _) = s.admin_json("POST", "/admin/snapshots/load", "name=never-saved");
    assert_eq!(st, 404);
    let (st, _) = s.admin_json("POST", "/admin/snapshots/save", "name=../escape");
    assert_eq!(st, 400);
}

fn wait_json(
    db: &std::path::Path,
    args: &[&str],
    until: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    for _ in 0..300 {
        let out = opsd_cli(db, args, "");
        if out.status.success()
            && let Ok(v) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
            && until(&v)
        {
            return v;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("`opsd {}` never answered as expected", args.join(" "));
}

/// Every `opsd sandbox` command against a real `opsd serve`, its workers running.
#[test]
fn opsd_sandbox_commands_against_a_running_server() {
    let dir = TestDb::new();
    let db = dir.db();
    let scenario = dir.path().join("scenario.toml");
    std::fs::write(
        &scenario,
        "[clock]\nstart = \"2014-07-03 18:34:34\"\n[[reseller]]\nusername = \"testuser\"\nkey = \"testkey\"\n",
    )
    .expect("scenario");
    let server = Proc::start_env(&db, &[("OPSD_SCENARIO", scenario.to_str().expect("path"))]);
    let addr = server.addr.to_string();
    let ops = |body: &[u8]| Conn::open(server.addr).send(&http10(body, USER, KEY));
    let cli = |args: &[&str]| {
        let mut all = vec!["sandbox", "--server", addr.as_str()];
        all.extend_from_slice(args);
        let out = opsd_cli(&db, &all, "");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let status = |d: &str| {
        ops(&envelope(
            "CHECK_TRANSFER",
            "DOMAIN",
            &format!("<item key=\"domain\">{d}</item><item key=\"check_status\">1</item>"),
        ))
        .item("status")
        .unwrap_or_default()
    };
    let id_of = |d: &str| ops(&order(d)).item("id").expect("order id");
    id_of("cli-owner1.com");
    id_of("cli-owner2.com");
    let third = id_of("cli-owner3.com");
    id_of("cli-owner4.com");
    let addr_arg = addr.clone();
    let outbox = wait_json(&db, &["sandbox", "--server", &addr_arg, "outbox"], |v| {
        v["count"] == 4
    });
    assert!(
        outbox["mails"][0]["links"][0]
            .as_str()
            .unwrap_or("")
            .contains("/approve/")
    );

    let (ok, out, err) = cli(&["approve", "--domain", "cli-owner1.com"]);
    assert!(ok, "{out}{err}");
    assert_eq!(status("cli-owner1.com"), "pending_registry");
    let (ok, out, err) = cli(&["complete", "--domain", "cli-owner1.com"]);
    assert!(ok, "{out}{err}");
    assert_eq!(status("cli-owner1.com"), "completed");
    assert!(cli(&["decline", "--registrant", "owner2@example.net"]).0);
    assert_eq!(status("cli-owner2.com"), "cancelled");
    assert!(cli(&["timeout", "--order", &third]).0);
    assert_eq!(status("cli-owner3.com"), "cancelled");
    assert!(cli(&["approve", "--domain", "cli-owner4.com"]).0);
    let (ok, out, err) = cli(&["reject", "--domain", "cli-owner4.com", "--reason", "No."]);
    assert!(ok, "{out}{err}");
    assert_eq!(status("cli-owner4.com"), "cancelled");
    // Nothing waits any more: an error that says so, and a non-zero exit.
    let (ok, out, _) = cli(&["approve", "--domain", "cli-owner1.com"]);
    assert!(!ok);
    assert!(out.contains("waiting to answer"), "{out}");
    // Which transfers must be said, once.
    assert!(!cli(&["approve"]).0);

    // The journal from the command line, and one entry exported as fixture files.
    let (ok, out, _) = cli(&["journal", "--errors"]);
    assert!(ok, "{out}");
    let failed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert!(failed["count"].as_u64().unwrap_or(0) == 0, "{failed}");
    let (ok, out, _) = cli(&[
        "journal",
        "--reseller",
        "testuser",
        "--action",
        "SW_REGISTER",
    ]);
    assert!(ok, "{out}");
    let listed: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(listed["count"], 4, "{listed}");
    let id = listed["entries"][0]["id"].to_string();
    let fixtures = dir.path().join("fixtures");
    let (ok, out, err) = cli(&["journal", "--export", &id, fixtures.to_str().expect("path")]);
    assert!(ok, "{out}{err}");
    let request = std::fs::read_to_string(fixtures.join(format!("{id}.request"))).expect("request");
    assert!(
        request.contains("SW_REGISTER")
            && request.contains("<item key=\"reg_password\">***</item>")
    );
    assert!(
        std::fs::read_to_string(fixtures.join(format!("{id}.reply")))
            .expect("reply")
            .contains("Transfer request")
    );
    let (ok, out, _) = cli(&["coverage", "--reseller", "testuser"]);
    assert!(ok && out.contains("\"actions_tried\""), "{out}");
    let (ok, out, err) = cli(&[
        "fault",
        "add",
        "--kind",
        "reply",
        "--action",
        "GET_BALANCE",
        "--count",
        "1",
        "--code",
        "400",
        "--text",
        "From the CLI",
    ]);
    assert!(ok, "{out}{err}");
    let (_, out, _) = cli(&["fault", "list"]);
    assert!(out.contains("From the CLI"), "{out}");
    assert_eq!(
        ops(&envelope("GET_BALANCE", "BALANCE", ""))
            .item("response_text")
            .as_deref(),
        Some("From the CLI")
    );
    assert!(!cli(&["fault", "add", "--kind", "latency"]).0);
    assert!(cli(&["fault", "remove", "--all"]).0);
    let (ok, out, _) = cli(&["webhooks", "--reseller", "testuser"]);
    assert!(ok && out.contains("\"count\":0"), "{out}");
    assert!(cli(&["snapshot", "save", "four-orders"]).0);
    let (_, out, _) = cli(&["snapshot", "list"]);
    assert!(out.contains("four-orders"), "{out}");
    // Four approval requests, and the registrant verification cli-owner1.com's
    // order started when it landed (its owner is not the address that approved it).
    let (ok, out, _) = cli(&["outbox", "--clear"]);
    assert!(ok && out.contains("\"cleared\":5"), "{out}");
    assert!(cli(&["snapshot", "load", "four-orders"]).0);
    let (_, out, _) = cli(&["outbox", "--to", "owner1@example.net"]);
    assert!(out.contains("\"count\":1"), "the snapshot's outbox: {out}");

    let (ok, out, err) = cli(&["reset"]);
    assert!(ok, "{out}{err}");
    assert!(out.contains("2014-07-03"), "{out}");
    assert_eq!(status("cli-owner1.com"), "undef");
    let r = ops(&envelope("GET_BALANCE", "BALANCE", ""));
    assert_eq!(r.item("balance").as_deref(), Some("100000.00"));
    let other = dir.path().join("other.toml");
    std::fs::write(
        &other,
        "[[reseller]]\nusername = \"else\"\nkey = \"elsekey\"\n",
    )
    .expect("write");
    assert!(cli(&["reset", "--scenario", other.to_str().expect("path")]).0);
    assert_eq!(
        ops(&envelope("GET_BALANCE", "BALANCE", "")).code(),
        Some(401)
    );
    let r = Conn::open(server.addr).send(&http10(
        &envelope("GET_BALANCE", "BALANCE", ""),
        "else",
        "elsekey",
    ));
    assert_eq!(r.code(), Some(200));
    let status = server.terminate();
    assert!(status.success());
}

/// `opsd serve` on a new database makes a ready reseller and a second one to push
/// to, prints their keys and the first commands, and its printed curl LOOKUP works
/// as written; a restart makes nothing more, a reset brings the same two back.
#[test]
fn a_first_run_just_works() {
    let dir = TestDb::new();
    let db = dir.db();
    let server = Proc::start(&db);
    let text = server.stderr_until("opsd --help");
    let key_of = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("reseller {name} ")))
            .and_then(|l| l.split("key ").nth(1))
            .and_then(|k| k.split_whitespace().next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("no key for {name} in:\n{text}"))
    };
    let key = key_of("sandbox");
    let other_key = key_of("sandbox-other");
    assert_eq!(key.len(), 32);
    assert_ne!(key, other_key);
    // The printed commands, run by a shell as a user would paste them.
    let script: String = text
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("body="))
        .take(3)
        .map(|l| format!("{}\n", l.trim()))
        .collect();
    assert!(script.contains("curl"), "{text}");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(&script)
        .output()
        .expect("bash");
    let reply = String::from_utf8_lossy(&out.stdout);
    assert!(
        reply.contains("<item key=\"response_code\">210</item>"),
        "{reply}\n{script}"
    );
    // The second reseller accepts the first one's pushes.
    let ops =
        |user: &str, key: &str, body: &[u8]| Conn::open(server.addr).send(&http10(body, user, key));
    assert_eq!(
        ops(
            "sandbox-other",
            &other_key,
            &envelope("GET_BALANCE", "BALANCE", "")
        )
        .code(),
        Some(200)
    );
    assert_eq!(db_count(&db, "SELECT count(*) FROM push_allow"), 1);
    let status = server.terminate();
    assert!(status.success());
    let again = Proc::start(&db);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let text = again
        .stderr
        .lock()
        .map(|v| v.join("\n"))
        .unwrap_or_default();
    assert!(!text.contains("A new sandbox"), "{text}");
    assert_eq!(db_count(&db, "SELECT count(*) FROM resellers"), 2);
    let out = opsd_cli(
        &db,
        &["sandbox", "--server", &again.addr.to_string(), "reset"],
        "",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r = Conn::open(again.addr).send(&http10(
        &envelope("GET_BALANCE", "BALANCE", ""),
        "sandbox",
        &key,
    ));
    assert_eq!(
        r.code(),
        Some(200),
        "the same key after a reset: {}",
        r.text()
    );
    assert!(again.terminate().success());
}

fn lookup(s: &Server, d: &str) -> Response {
    s.ops(&envelope(
        "LOOKUP",
        "DOMAIN",
        &format!("<item key=\"domain\">{d}</item>"),
    ))
}

/// Fault rules from the operator API: the next N calls of an action answer a
/// given code, a share of calls, latency, a closed connection, a registry down
/// for a TLD, the mail relay refusing, webhooks timing out — listed, removed, and
/// marked in the journal.
#[test]
fn faults_answer_as_told_and_the_journal_marks_them() {
    let s = Server::start();
    let (st, j) = s.admin_json(
        "POST",
        "/admin/faults",
        &format!("kind=reply&action=LOOKUP&reseller={USER}&count=2&code=705&text=Timed+out%2C+resubmit+request."),
    );
    assert_eq!(st, 200, "{j}");
    for _ in 0..2 {
        let r = lookup(&s, "free-shop.com");
        assert_eq!(r.code(), Some(705), "{}", r.text());
        assert_eq!(r.item("is_success").as_deref(), Some("0"));
    }
    assert_eq!(
        lookup(&s, "free-shop.com").code(),
        Some(210),
        "the count is spent"
    );
    // Another reseller and another action were never touched.
    let (_, j) = s.admin_json("GET", "/admin/journal?action=LOOKUP&limit=3", "");
    assert!(j["entries"][0]["fault"].is_null(), "{j}");
    assert!(
        j["entries"][1]["fault"]
            .as_str()
            .unwrap_or("")
            .contains("reply on LOOKUP"),
        "{j}"
    );
    let (_, j) = s.admin_json("GET", "/admin/faults", "");
    assert_eq!(j["count"], 0, "spent rules are dropped: {j}");

    // Latency: answered, later (measured by the caller, not asserted tightly).
    s.admin_json(
        "POST",
        "/admin/faults",
        "kind=latency&action=GET_BALANCE&latency_ms=300&count=1",
    );
    let t = std::time::Instant::now();
    assert_eq!(
        s.ops(&envelope("GET_BALANCE", "BALANCE", "")).code(),
        Some(200)
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(300));

    // Close: no reply at all.
    s.admin_json(
        "POST",
        "/admin/faults",
        "kind=close&action=GET_BALANCE&count=1",
    );
    let mut c = Conn::open(s.addr);
    c.write(&http10(&envelope("GET_BALANCE", "BALANCE", ""), USER, KEY));
    assert!(c.is_closed_by_server(), "closed without a reply");
    assert_eq!(
        s.ops(&envelope("GET_BALANCE", "BALANCE", "")).code(),
        Some(200)
    );

    // A fraction: every call with 1, as a check that the share is applied.
    let (_, j) = s.admin_json(
        "POST",
        "/admin/faults",
        "kind=reply&action=GET_PRICE&fraction=1&code=400&text=Busy",
    );
    let id = j["id"].as_i64().expect("id");
    let price = || {
        s.ops(&envelope(
            "GET_PRICE",
            "DOMAIN",
            "<item key=\"domain\">a.com</item>",
        ))
        .code()
    };
    assert_eq!(price(), Some(400));
    assert_eq!(price(), Some(400));
    let (st, _) = s.admin_json("POST", "/admin/faults/remove", &format!("id={id}"));
    assert_eq!(st, 200);
    assert_eq!(price(), Some(200));

    // The registry of a TLD is down for a while: LOOKUP and the transfer analysis
    // see it; other TLDs do not.
    s.admin_json(
        "POST",
        "/admin/faults",
        "kind=registry_down&target=.net&for=1h",
    );
    assert_eq!(lookup(&s, "down-here.net").code(), Some(705));
    assert_eq!(lookup(&s, "fine-here.com").code(), Some(210));
    s.advance("2h");
    assert_eq!(
        lookup(&s, "down-here.net").code(),
        Some(210),
        "the outage ended"
    );

    // The relay refuses: approval mail stays unsent and is retried.
    s.admin_json("POST", "/admin/faults", "kind=smtp_refuse");
    s.admin_json("POST", "/admin/faults", "kind=webhook_timeout");
    ordered(&s, "relay-owner1.com");
    s.run_due();
    s.run_due();
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE kind = 'send_mail' AND done_at IS NULL AND last_error LIKE '%injected fault%'"),
        1
    );
    let (_, j) = s.admin_json("GET", "/admin/faults", "");
    assert_eq!(j["count"], 2, "{j}");
    let (_, j) = s.admin_json("POST", "/admin/faults/remove", "all=1");
    assert_eq!(j["removed"], 2);
    s.advance("10m");
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
        0,
        "sent once the relay takes mail"
    );

    // Refusals say what is wrong.
    for bad in [
        "kind=explode",
        "kind=reply",
        "kind=latency&latency_ms=999999",
        "kind=registry_down",
        "kind=reply&code=400&fraction=2",
        "kind=reply&code=400&reseller=nobody",
        "kind=reply&code=400&for=soon",
    ] {
        let (st, j) = s.admin_json("POST", "/admin/faults", bad);
        assert_eq!(st, 400, "{bad}: {j}");
        assert!(j["error"].is_string(), "{bad}: {j}");
    }
}

/// Webhook deliveries time out while the rule is in force.
#[test]
fn webhook_timeouts_are_injected() {
    let s = Server::start_scenario(
        "[[reseller]]\nusername = \"hooked\"\nkey = \"hookkey\"\nwebhook_url = \"http://127.0.0.1:9/hook\"\n[[fault]]\nkind = \"webhook_timeout\"\n[[fault]]\nkind = \"reply\"\naction = \"GET_BALANCE\"\nreseller = \"hooked\"\ncode = 400\ntext = \"Scenario fault\"\n",
        |_| {},
    );
    let (_, rules) = s.admin_json("GET", "/admin/faults", "");
    assert_eq!(rules["count"], 2, "{rules}");
    let r = s.send(&http10(
        &envelope("GET_BALANCE", "BALANCE", ""),
        "hooked",
        "hookkey",
    ));
    assert_eq!(
        r.code(),
        Some(400),
        "the scenario's fault: {rules} {}",
        r.text()
    );
    assert_eq!(r.item("response_text").as_deref(), Some("Scenario fault"));
    assert_eq!(
        s.ops(&envelope("GET_BALANCE", "BALANCE", "")).code(),
        Some(200),
        "another reseller"
    );
    let r = s.send(&http10(&order("hooked-owner2.com"), "hooked", "hookkey"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let (_, j) = s.admin_json("GET", "/admin/webhooks?reseller=hooked", "");
    assert_eq!(
        j["attempts"][0]["error"], "timed out (injected fault)",
        "{j}"
    );
}

/// The coverage report: what a reseller's integration has called, with which
/// outcomes, which lifecycle paths it has taken, and what not yet — as JSON and
/// as the panel's and the dashboard's page.
#[test]
fn coverage_reports_what_an_integration_has_tried() {
    let s = Server::start();
    assert_eq!(lookup(&s, "free-one.com").code(), Some(210));
    assert_eq!(lookup(&s, PROFILE_DOMAIN).code(), Some(211));
    s.ops(&envelope(
        "GET_PRICE",
        "DOMAIN",
        "<item key=\"period\">99</item><item key=\"domain\">a.com</item>",
    ));
    let d = "covered-owner1.com";
    ordered(&s, d);
    s.run_due();
    s.admin_json(
        "POST",
        "/admin/approvals",
        &format!("decision=accept&domain={d}"),
    );
    s.admin_json(
        "POST",
        "/admin/registry",
        &format!("outcome=complete&domain={d}"),
    );
    ordered(&s, "declined-owner2.com");
    s.run_due();
    s.admin_json(
        "POST",
        "/admin/approvals",
        "decision=decline&domain=declined-owner2.com",
    );
    let (st, j) = s.admin_json("GET", &format!("/admin/coverage?reseller={USER}"), "");
    assert_eq!(st, 200, "{j}");
    let action = |name: &str| {
        j["actions"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["action"] == name))
            .cloned()
            .unwrap_or_default()
    };
    let look = action("LOOKUP");
    assert_eq!(look["calls"], 2, "{look}");
    assert_eq!(look["outcomes"]["success"], 2);
    assert_eq!(look["not_yet"][0], "error 465", "{look}");
    let price = action("GET_PRICE");
    assert_eq!(price["outcomes"]["error 465"], 1, "{price}");
    assert_eq!(price["not_yet"][0], "success");
    let renew = action("RENEW");
    assert_eq!(renew["calls"], 0);
    assert!(
        j["untried"]
            .as_array()
            .is_some_and(|u| u.iter().any(|x| x == "RENEW"))
    );
    let path = |p: &str| {
        j["lifecycle"]
            .as_array()
            .and_then(|a| a.iter().find(|x| x["path"] == p))
            .map(|x| x["times"].clone())
            .unwrap_or_default()
    };
    assert_eq!(path("transfer_in completed"), 1, "{j}");
    assert_eq!(path("transfer_in declined"), 1, "{j}");
    assert_eq!(path("transfer_in timed_out"), 0);
    // Another reseller has tried nothing.
    let (_, theirs) = s.admin_json("GET", &format!("/admin/coverage?reseller={OTHER_USER}"), "");
    assert_eq!(theirs["actions_tried"], 0, "{theirs}");

    s.panel_password(USER, "panel-pass-1");
    let mut web = Web::new(&s);
    web.login("/panel/login", USER, "panel-pass-1");
    let page = web.get("/panel/coverage").text();
    assert!(
        page.contains("id=\"action-LOOKUP\" class=\"tried\""),
        "{page}"
    );
    assert!(
        page.contains("id=\"action-RENEW\" class=\"untried\""),
        "{page}"
    );
    assert!(page.contains("transfer_in declined"), "{page}");
    let hash = opsd::auth::hash_password("operator-pass-1").expect("hash");
    s.app.store.add_operator("op", &hash, 0).expect("operator");
    let mut web = Web::new(&s);
    web.login("/dashboard/login", "op", "operator-pass-1");
    let page = web
        .get(&format!("/dashboard/coverage?reseller={USER}"))
        .text();
    assert!(page.contains("actions tried"), "{page}");
}

/// The dashboard's Faults page adds and removes rules behind its login and CSRF
/// check; a refused rule says why.
#[test]
fn fault_rules_from_the_dashboard() {
    let s = Server::start();
    let hash = opsd::auth::hash_password("operator-pass-1").expect("hash");
    s.app.store.add_operator("op", &hash, 0).expect("operator");
    let mut web = Web::new(&s);
    web.login("/dashboard/login", "op", "operator-pass-1");
    // Without the page's CSRF token the form is refused.
    let r = web.post("/dashboard/faults", &[("kind", "close")]);
    assert!(r.status_line.contains("403"), "{}", r.status_line);
    let csrf = csrf_of(&web.get("/dashboard/faults").text());
    let r = web.post(
        "/dashboard/faults",
        &[
            ("csrf", &csrf),
            ("kind", "reply"),
            ("action", "LOOKUP"),
            ("code", "400"),
            ("text", "Nope"),
        ],
    );
    assert!(r.status_line.contains("303"), "{}", r.status_line);
    let page = web.get("/dashboard/faults").text();
    assert!(page.contains("reply on LOOKUP: 400 Nope"), "{page}");
    assert_eq!(lookup(&s, "x-shop.com").code(), Some(400));
    let r = web.post("/dashboard/faults", &[("csrf", &csrf), ("kind", "latency")]);
    assert!(r.status_line.contains("400"), "{}", r.status_line);
    assert!(r.text().contains("latency_ms"), "{}", r.text());
    let (_, j) = s.admin_json("GET", "/admin/faults", "");
    let id = j["faults"][0]["id"].as_i64().expect("id");
    let r = web.post(
        &format!("/dashboard/faults/{id}/remove"),
        &[("csrf", &csrf)],
    );
    assert!(r.status_line.contains("303"), "{}", r.status_line);
    assert_eq!(lookup(&s, "x-shop.com").code(), Some(210));
    let (_, j) = s.admin_json("GET", "/admin/faults", "");
    assert_eq!(j["count"], 0);
    assert_eq!(
        s.count(
            "SELECT count(*) FROM audit_log WHERE action = 'fault_add' AND actor = 'operator op'"
        ),
        1
    );
}

/// A fault on a poll answered from memory still takes the poll.
#[test]
fn faults_take_polls_answered_from_memory() {
    let s = Server::start();
    let r = s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    let job = r.item("simple_transfer_job_id").expect("job");
    let poll = status_body(&job);
    assert_eq!(s.ops(&poll).code(), Some(200));
    assert_eq!(s.ops(&poll).code(), Some(200), "cached now");
    s.admin_json(
        "POST",
        "/admin/faults",
        "kind=reply&action=SIMPLE_TRANSFER_STATUS&count=1&code=400&text=Injected",
    );
    assert_eq!(s.ops(&poll).code(), Some(400));
    assert_eq!(s.ops(&poll).code(), Some(200));
}
