//! The operator dashboard over HTTP: its login, what it shows across resellers, its
//! protected POSTs (cancel, push switch, clock advance) and its audit trail. The
//! browser walk-through with screenshots is in `browser.rs`.

use crate::common::*;

pub const OPERATOR: &str = "ops";
pub const OPERATOR_PASS: &str = "operator-pass-1";
pub const GAINING: &str = "gainingrsp";

/// Two resellers that may push, a transfer job analysed (approval emails in the
/// outbox), a queued bulk change, a webhook that cannot be reached, and an operator.
pub fn world() -> Server {
    let port = free_port();
    let hook = format!("webhook_url = \"http://127.0.0.1:{port}/hook\"\nwebhook_secret = \"s\"");
    let toml = PushScenario {
        from: &[USER],
        gaining_extra: &hook,
        domains: &["push-one.com", "push-two.net"],
        ..Default::default()
    }
    .toml();
    let s = Server::start_scenario(&toml, |_| {});
    let hash = opsd::auth::hash_password(OPERATOR_PASS).expect("hash");
    s.app
        .store
        .add_operator(OPERATOR, &hash, 0)
        .expect("operator");
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[
            ("dash-owner1.com", "a"),
            ("a-badauth.com", "x"),
            ("dash2-owner2.net", "b"),
        ]),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let push = s.ops(&envelope(
        "RSP2RSP_PUSH_TRANSFER",
        "DOMAIN",
        &format!("<item key=\"domain\">push-one.com</item><item key=\"grsp\">{GAINING}</item>"),
    ));
    assert_eq!(push.code(), Some(200), "{}", push.text());
    s.run_due();
    let bulk = s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!(
            "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">push-two.net</item></dt_array></item><item key=\"gaining_reseller_username\">{GAINING}</item>"
        ),
    ));
    assert_eq!(bulk.code(), Some(200), "{}", bulk.text());
    s
}

#[test]
fn operators_log_in_and_see_every_reseller() {
    let s = world();
    let mut web = Web::new(&s);
    let r = web.get("/dashboard/transfers");
    assert_eq!(r.status_line, "HTTP/1.1 303 See Other");
    assert_eq!(r.header("location"), Some("/dashboard/login"));
    let wrong = web.login("/dashboard/login", OPERATOR, "nope-nope-nope");
    assert!(wrong.status_line.contains("401"), "{}", wrong.status_line);
    // A reseller's control-panel login is not an operator login.
    s.panel_password(USER, "panel-pass-1");
    let reseller = web.login("/dashboard/login", USER, "panel-pass-1");
    assert!(reseller.status_line.contains("401"));

    let ok = web.login("/dashboard/login", OPERATOR, OPERATOR_PASS);
    assert_eq!(ok.header("location"), Some("/dashboard/transfers"));
    let jobs = web.get("/dashboard/transfers").text();
    assert!(jobs.contains("#134") && jobs.contains(USER), "{jobs}");
    assert!(jobs.contains("failed: 1, processed: 2"), "{jobs}");
    let job = web.get("/dashboard/transfers/134").text();
    for want in [
        "owner1@example.net",
        "owner2@example.net",
        "Incorrect authorization code.",
        "dash2-owner2.net",
    ] {
        assert!(job.contains(want), "{want} in {job}");
    }
    assert!(
        web.get("/dashboard/transfers/999")
            .status_line
            .contains("404")
    );
    let resellers = web.get("/dashboard/resellers").text();
    assert!(
        resellers.contains(GAINING) && resellers.contains("127.0.0.1"),
        "{resellers}"
    );
    let outbox = web.get("/dashboard/outbox").text();
    assert!(outbox.contains("owner2@example.net"), "{outbox}");
    let mail = web.get("/dashboard/outbox/1").text();
    assert!(mail.contains("approve"), "{mail}");
    let hooks = web.get("/dashboard/webhooks").text();
    assert!(
        hooks.contains("PUSHED_IN") && hooks.contains("retry"),
        "{hooks}"
    );
    let none = web.get("/dashboard/orders").text();
    assert!(none.contains("No transfer orders yet."), "{none}");
    let r = s.send(&resign_capture(
        &fixture("clients/php-osrs-toolkit/sw_register.transfer.http"),
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    s.run_due();
    let orders = web.get("/dashboard/orders").text();
    for want in [
        "transfer-me-owner1.com",
        USER,
        "pending_owner",
        "owner1@example.net",
        "10.00",
    ] {
        assert!(orders.contains(want), "{want} in {orders}");
    }
}

#[test]
fn dashboard_posts_need_the_session_and_its_csrf_token_and_are_audited() {
    let s = world();
    let mut web = Web::new(&s);
    // Without a session a POST changes nothing.
    let anon = web.post("/dashboard/bulk/1/cancel", &[("csrf", "x")]);
    assert!(anon.status_line.contains("403"), "{}", anon.status_line);
    web.login("/dashboard/login", OPERATOR, OPERATOR_PASS);
    let page = web.get("/dashboard/bulk");
    assert!(page.text().contains("id=\"cancel-1\""), "{}", page.text());
    let forged = web.post("/dashboard/bulk/1/cancel", &[("csrf", "0000")]);
    assert!(forged.status_line.contains("403"));
    assert_eq!(
        s.count("SELECT count(*) FROM bulk_changes WHERE status = 'queued'"),
        1
    );

    let csrf = hidden(&page, "csrf").expect("csrf");
    let done = web.post("/dashboard/bulk/1/cancel", &[("csrf", &csrf)]);
    assert_eq!(done.header("location"), Some("/dashboard/bulk?cancelled=1"));
    assert!(
        web.get("/dashboard/bulk?cancelled=1")
            .text()
            .contains("Bulk change 1 cancelled")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM bulk_changes WHERE status = 'cancelled'"),
        1
    );
    assert!(
        web.post("/dashboard/bulk/1/cancel", &[("csrf", &csrf)])
            .status_line
            .contains("409")
    );

    let gaining = s
        .app
        .store
        .reseller_by_name(GAINING)
        .expect("store")
        .expect("gaining")
        .id;
    let off = web.post(
        &format!("/dashboard/resellers/{gaining}/push"),
        &[("csrf", &csrf), ("enabled", "0")],
    );
    assert!(off.status_line.contains("303"));
    assert!(!s.app.store.push_enabled(gaining).expect("push"));

    let bad = web.post("/dashboard/clock", &[("csrf", &csrf), ("duration", "soon")]);
    assert!(bad.status_line.contains("400"));
    let adv = web.post("/dashboard/clock", &[("csrf", &csrf), ("duration", "7d")]);
    assert!(
        adv.header("location")
            .unwrap_or("")
            .starts_with("/dashboard/clock?ran="),
        "{}",
        adv.text()
    );
    let clock = web.get("/dashboard/clock").text();
    assert!(clock.contains("2014-07-10 18:34:34"), "{clock}");
    // The approval window is over: the undecided domains were cancelled.
    assert!(
        web.get("/dashboard/transfers")
            .text()
            .contains("cancelled: 2")
    );

    let audit = web.get("/dashboard/audit").text();
    for want in [
        "bulk_cancel",
        "push_disable",
        "clock_advance",
        "operator ops",
    ] {
        assert!(audit.contains(want), "{want} in the audit log");
    }
    let out = web.post("/dashboard/logout", &[("csrf", &csrf)]);
    assert!(out.status_line.contains("303"));
    assert!(web.get("/dashboard/audit").status_line.contains("303"));
}

#[test]
fn operator_accounts_from_the_cli() {
    let dir = TestDb::new();
    let db = dir.db();
    let out = opsd_ok(&db, &["operator", "add", "alice"], "long-enough-pw\n");
    assert!(out.contains("/dashboard/login"), "{out}");
    assert!(
        !opsd_cli(&db, &["operator", "add", "alice"], "long-enough-pw\n")
            .status
            .success()
    );
    assert!(
        !opsd_cli(&db, &["operator", "add", "bob"], "short\n")
            .status
            .success()
    );
    opsd_ok(&db, &["operator", "passwd", "alice"], "another-long-pw\n");
    assert!(
        !opsd_cli(&db, &["operator", "passwd", "nobody"], "another-long-pw\n")
            .status
            .success()
    );
}

/// Issue 30: the operator sees any reseller's domain with its holder, orders,
/// notes and verification; a name nobody holds is a page that does not exist.
#[test]
fn the_operator_sees_a_domains_orders_notes_and_verification() {
    let s = world();
    let r = s.send(&http10(
        &crate::portfolio::register("operator-view.com", 1, ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let order = r.item("id").expect("order id");
    let mut web = Web::new(&s);
    web.login("/dashboard/login", OPERATOR, OPERATOR_PASS);
    let page = web.get("/dashboard/domains/operator-view.com");
    assert!(page.status_line.ends_with("200 OK"), "{}", page.text());
    let html = page.text();
    assert!(html.contains(&format!("<strong id=\"holder\">{OTHER_USER}</strong>")));
    assert!(html.contains(&format!("id=\"order-{order}\"")), "{html}");
    assert!(html.contains("Domain registration successfully completed."));
    assert!(
        html.contains("<td class=\"status\">verifying</td>"),
        "{html}"
    );
    let none = web.get("/dashboard/domains/nobody-holds.com");
    assert!(none.status_line.contains("404"), "{}", none.status_line);
}
