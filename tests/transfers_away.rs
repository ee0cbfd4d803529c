//! Transfers away (issue 18, point 6): another registrar asks for a portfolio
//! domain (the admin endpoint `opsd domain transfer-away` calls, and the dashboard);
//! the owner declines or approves on the emailed page, or the window ends and the
//! transfer goes ahead; the reseller sees each in GET_TRANSFERS_AWAY and in events.

use crate::common::*;

fn world() -> Server {
    Server::start_scenario(
        &format!(
            r#"
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = ["keep-owner1.com", "leave-owner1.com", "quiet-owner1.com"]
        "#
        ),
        |_| {},
    )
}

fn start(s: &Server, domain: &str) -> Response {
    let body = format!("domain={domain}&to=Sandbox+Other+Registrar");
    s.send(
        format!(
            "POST /admin/transfers-away HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {ADMIN_TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .as_bytes(),
    )
}

/// The owner's link of the latest transfer-away email.
fn link(s: &Server) -> String {
    let mails = s.app.store.outbox().expect("outbox");
    let body = mails
        .iter()
        .rev()
        .map(|(_, m, _)| &m.body)
        .find(|b| b.contains("/transfer-away/"))
        .expect("a transfer-away email");
    let at = body.find("/transfer-away/").expect("link") + "/transfer-away/".len();
    body[at..at + 32].to_string()
}

fn answer(s: &Server, token: &str, decision: &str) -> String {
    s.answer_page(&format!("/transfer-away/{token}"), decision)
        .text()
}

fn away(s: &Server, filter: &str) -> Response {
    s.ops(&envelope("GET_TRANSFERS_AWAY", "DOMAIN", filter))
}

fn held(s: &Server, domain: &str) -> i64 {
    s.count(&format!(
        "SELECT count(*) FROM domains WHERE name = '{domain}'"
    ))
}

#[test]
fn declined_approved_and_unanswered() {
    let s = world();
    // Declined: the domain stays.
    let r = start(&s, "keep-owner1.com");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.text());
    let r = away(&s, "");
    assert_eq!(r.item("total").as_deref(), Some("1"));
    assert!(r.text().contains("pending_owner") && r.text().contains("owner1@example.net"));
    let done = answer(&s, &link(&s), "decline");
    assert!(done.contains("You declined the transfer"), "{done}");
    assert_eq!(held(&s, "keep-owner1.com"), 1);
    // Approved: the domain leaves at once.
    start(&s, "leave-owner1.com");
    let done = answer(&s, &link(&s), "accept");
    assert!(done.contains("You approved the transfer"), "{done}");
    assert_eq!(held(&s, "leave-owner1.com"), 0);
    // Unanswered: it goes ahead when the window ends.
    start(&s, "quiet-owner1.com");
    s.advance("4d");
    assert_eq!(held(&s, "quiet-owner1.com"), 1);
    s.advance("1d");
    assert_eq!(held(&s, "quiet-owner1.com"), 0);
    // What yola asks for: the completed ones.
    let r = s.send(&resign_capture(
        &fixture("clients/yola-opensrs/get_transfers_away.http"),
        KEY,
    ));
    assert_eq!(r.item("total").as_deref(), Some("2"), "{}", r.text());
    let r = away(&s, "<item key=\"status\">cancelled</item>");
    assert!(r.text().contains("keep-owner1.com") && !r.text().contains("quiet-owner1.com"));
    let r = away(&s, "<item key=\"gaining_registrar\">sandbox*</item>");
    assert_eq!(r.item("total").as_deref(), Some("3"));
    let r = away(&s, "<item key=\"gaining_registrar\">enom*</item>");
    assert_eq!(r.item("total").as_deref(), Some("0"));
    // Events: each step of each, as TRANSFER STATUS_CHANGE with the direction.
    assert_eq!(
        s.count(r#"SELECT count(*) FROM events WHERE data LIKE '%"transfer_direction":"away"%'"#),
        6
    );
    // Another reseller sees none of them.
    let theirs = s.send(&http10(
        &envelope("GET_TRANSFERS_AWAY", "DOMAIN", ""),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.item("total").as_deref(), Some("0"));
    // An answered link takes no second answer.
    let again = s.get(&format!("/transfer-away/{}", link(&s))).text();
    assert!(!again.contains("name=\"decision\""));
}

#[test]
fn refusals_and_the_cli() {
    let s = world();
    let r = start(&s, "nobody-holds-this.com");
    assert!(r.status_line.contains("404"), "{}", r.status_line);
    assert!(start(&s, "keep-owner1.com").status_line.contains("200"));
    assert!(start(&s, "keep-owner1.com").status_line.contains("409"));
    let bad = s.get("/transfer-away/0123456789abcdef0123456789abcdef");
    assert!(bad.status_line.contains("404"));
    let forged = s.post_form(
        &format!("/transfer-away/{}", link(&s)),
        "csrf=0000&decision=accept",
    );
    assert!(forged.status_line.contains("403"), "{}", forged.status_line);
    assert_eq!(held(&s, "keep-owner1.com"), 1);
    let db = s.db();
    let out = opsd_ok(
        &db,
        &[
            "domain",
            "transfer-away",
            "leave-owner1.com",
            "--to",
            "Other",
            "--server",
            &s.addr.to_string(),
        ],
        "",
    );
    assert!(out.contains("started"), "{out}");
    assert_eq!(away(&s, "").item("total").as_deref(), Some("2"));
}

#[test]
fn a_scenario_asks_for_a_domain_at_the_start() {
    let s = Server::start_scenario(
        &format!(
            r#"
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = ["wanted-owner1.com"]
        [[transfer_away]]
        domain = "wanted-owner1.com"
        to = "Scenario Registrar"
        "#
        ),
        |_| {},
    );
    s.run_due();
    let r = away(&s, "");
    assert_eq!(r.item("total").as_deref(), Some("1"), "{}", r.text());
    assert!(r.text().contains("Scenario Registrar") && r.text().contains("pending_owner"));
    // Once: seeding again on the next start asks nothing more.
    opsd::sandbox::seed_store(
        &s.app.store,
        &opsd::sandbox::Scenario::parse(
            "[[transfer_away]]\ndomain = \"wanted-owner1.com\"\nto = \"Scenario Registrar\"\n",
        )
        .expect("scenario"),
        s.app.now(),
    )
    .expect("seed");
    s.run_due();
    assert_eq!(away(&s, "").item("total").as_deref(), Some("1"));
    answer(&s, &link(&s), "accept");
    assert_eq!(held(&s, "wanted-owner1.com"), 0);
}
