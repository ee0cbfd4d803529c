//! The transfer-in lifecycle in the sandbox: analysis outcomes, one approval email per
//! registrant, the approval page and the OpenSRS-style URLs, the registry step, the
//! 7-day timeout, and the seed's status example byte for byte.

use crate::common::*;

fn submit(s: &Server, domains: &[(&str, &str)]) -> String {
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(domains),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    r.item("simple_transfer_job_id").expect("job id")
}

/// `(domain, status, registrant_id, reason)` rows of a status reply.
fn domains(s: &Server, job: &str) -> Vec<(String, String, String, String)> {
    let r = s.ops(&status_body(job));
    let env =
        opsd::ops::Envelope::parse(&r.body, &opsd::ops::Limits::default()).expect("reply parses");
    let attrs = env
        .attributes()
        .and_then(|a| a.as_map())
        .expect("attributes");
    let Some(opsd::ops::Value::List(list)) = attrs.get("domain_list") else {
        panic!("no domain_list in {}", r.text())
    };
    list.iter()
        .map(|d| {
            let m = d.as_map().expect("domain map");
            let f = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
            (
                f("domain_name"),
                f("status"),
                f("registrant_id"),
                f("reason"),
            )
        })
        .collect()
}

fn status_of(s: &Server, job: &str, domain: &str) -> (String, String) {
    domains(s, job)
        .into_iter()
        .find(|d| d.0 == domain)
        .map(|d| (d.1, d.3))
        .unwrap_or_else(|| panic!("{domain} not in job {job}"))
}

#[test]
fn every_analysis_failure_has_its_reason() {
    let s = Server::start();
    let job = submit(
        &s,
        &[
            ("a-badauth.com", "x"),
            ("a-locked.com", "x"),
            ("a-young.com", "x"),
            ("a-nobypass.com", "x"),
            ("a-regmail.com", "x"),
            ("a-nowhois.com", "x"),
            ("a-badwhois.com", "x"),
            ("a-badcontact.com", "x"),
            ("a-regdown.com", "x"),
            ("fine.com", "x"),
        ],
    );
    assert!(s.run_due() >= 1);
    let want = [
        ("a-badauth.com", "Incorrect authorization code."),
        (
            "a-locked.com",
            "Domain is locked (clientTransferProhibited).",
        ),
        (
            "a-young.com",
            "Domain was registered less than 60 days ago.",
        ),
        ("a-nobypass.com", "The TLD does not allow F_BYPASS_CONFIRM."),
        (
            "a-regmail.com",
            "The registry sends its own confirmation emails.",
        ),
        ("a-nowhois.com", "WHOIS not retrievable."),
        ("a-badwhois.com", "Could not parse whois"),
        (
            "a-badcontact.com",
            "Registrant contact fails validation: phone is not in +CC.NUMBER form.",
        ),
        (
            "a-regdown.com",
            "Registry unavailable; the domain could not be processed.",
        ),
    ];
    for (d, reason) in want {
        assert_eq!(
            status_of(&s, &job, d),
            ("failed".to_string(), reason.to_string()),
            "{d}"
        );
    }
    assert_eq!(
        status_of(&s, &job, "fine.com"),
        ("processed".to_string(), String::new())
    );
    // The rest of the job proceeds: one registrant, one email.
    assert_eq!(s.approval_links().len(), 1);
}

#[test]
fn one_email_per_registrant_then_accept_and_registry_step() {
    let s = Server::start();
    let job = submit(
        &s,
        &[
            ("one-owner1.com", "a"),
            ("two-owner2-rejects.com", "b"),
            ("three-owner1.net", "c"),
        ],
    );
    s.run_due();
    let links = s.approval_links();
    assert_eq!(
        links.iter().map(|(to, _)| to.as_str()).collect::<Vec<_>>(),
        ["owner1@example.net", "owner2@example.net"],
        "one email per registrant, in order of first domain"
    );
    let rows = domains(&s, &job);
    assert_eq!(
        rows[0].2, rows[2].2,
        "same registrant id for owner1's domains"
    );
    assert!(rows.iter().all(|r| r.1 == "processed"));
    // Running again repeats nothing.
    s.run_due();
    assert_eq!(s.count("SELECT count(*) FROM outbox"), 2);
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"),
        2
    );

    // owner1 answers on the page the email links to.
    let page = s.get(&format!("/approve/{}", links[0].1));
    assert_eq!(page.status_line, "HTTP/1.1 200 OK");
    let html = page.text();
    assert!(html.contains("Listed below are the domains that will be transferred:"));
    assert!(html.contains("one-owner1.com") && html.contains("three-owner1.net"));
    assert!(
        !html.contains("two-owner2"),
        "another registrant's domains are not shown"
    );
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf field");
    let done = s.post_form(
        &format!("/approve/{}", links[0].1),
        &format!("csrf={csrf}&decision=accept"),
    );
    assert_eq!(done.status_line, "HTTP/1.1 200 OK");
    assert!(
        done.text()
            .contains("Thank you for confirming batch transfer")
    );
    assert_eq!(
        status_of(&s, &job, "one-owner1.com"),
        ("pending_registry".into(), "Transfer in progress".into())
    );

    // owner2 answers through the OpenSRS-style URL a reseller's own page posts to.
    let t = &links[1].1;
    let r = s.post_form("/transfers", &format!("action=do_confirm_bulk_transfer&bulk_transfer_id={t}&unique_id={t}&phone=%2B1.4165550100"));
    assert!(
        r.text().contains("Thank you for confirming batch transfer"),
        "{}",
        r.text()
    );

    // The registry takes 5 days.
    let r = s.advance("4d");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK", "{}", r.text());
    assert_eq!(status_of(&s, &job, "one-owner1.com").0, "pending_registry");
    s.advance("1d");
    assert_eq!(
        status_of(&s, &job, "one-owner1.com"),
        ("completed".into(), String::new())
    );
    assert_eq!(
        status_of(&s, &job, "three-owner1.net"),
        ("completed".into(), String::new())
    );
    assert_eq!(
        status_of(&s, &job, "two-owner2-rejects.com"),
        (
            "failed".into(),
            "The registry rejected the transfer.".into()
        )
    );
    let status = s.ops(&status_body(&job));
    assert_eq!(status.item("status").as_deref(), Some("completed"));
    assert_eq!(
        status
            .text()
            .matches("<item key=\"status\">completed</item>")
            .count(),
        5,
        "job, 2 registrants, 2 domains"
    );
    // Both domains landed in testuser's portfolio under the registrant's new profile.
    assert_eq!(
        s.count("SELECT count(*) FROM domains d JOIN profiles p ON p.id = d.profile_id JOIN resellers r ON r.id = d.reseller_id WHERE r.username = 'testuser' AND p.username LIKE 'transfer-%' AND d.name IN ('one-owner1.com', 'three-owner1.net') AND d.contacts LIKE '%owner1@example.net%'"),
        2
    );
}

#[test]
fn cancel_and_timeout() {
    let s = Server::start();
    let job = submit(&s, &[("c-owner1.com", "a"), ("t-owner2.com", "b")]);
    s.run_due();
    let links = s.approval_links();
    let r = s.post_form(
        "/transfers",
        &format!(
            "action=cancel_bulk_transfer&domain=c-owner1.com&unique_id={}",
            links[0].1
        ),
    );
    assert!(r.text().contains("has been cancelled"), "{}", r.text());
    assert_eq!(
        status_of(&s, &job, "c-owner1.com"),
        ("cancelled".into(), "Cancelled by the registrant.".into())
    );
    // A second answer is refused.
    let again = s.post_form(
        "/transfers",
        &format!(
            "action=do_confirm_bulk_transfer&bulk_transfer_id={}",
            links[0].1
        ),
    );
    assert_eq!(again.status_line, "HTTP/1.1 409 Conflict");

    // owner2 never answers: after 7 days the transfer is not started.
    s.advance("6d");
    assert_eq!(status_of(&s, &job, "t-owner2.com").0, "processed");
    s.advance("1d");
    assert_eq!(
        status_of(&s, &job, "t-owner2.com"),
        (
            "cancelled".into(),
            "No answer within the approval window; the transfer was not started.".into()
        )
    );
    assert_eq!(
        s.ops(&status_body(&job)).item("status").as_deref(),
        Some("completed")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE kind = 'registry_step'"),
        0,
        "never started at the registry"
    );
    let late = s.get(&format!("/approve/{}", links[1].1));
    assert!(late.text().contains("The time to answer has passed"));
}

#[test]
fn approval_page_refuses_forged_and_unknown_requests() {
    let s = Server::start();
    submit(&s, &[("p-owner1.com", "a")]);
    s.run_due();
    let token = &s.approval_links()[0].1;
    let forged = s.post_form(&format!("/approve/{token}"), "csrf=0000&decision=accept");
    assert_eq!(forged.status_line, "HTTP/1.1 403 Forbidden");
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_registrants WHERE decision IS NOT NULL"),
        0
    );
    assert_eq!(
        s.get("/approve/0123456789abcdef0123456789abcdef")
            .status_line,
        "HTTP/1.1 404 Not Found"
    );
    assert_eq!(
        s.get("/approve/../../etc/passwd").status_line,
        "HTTP/1.1 404 Not Found"
    );
    let unauth = s.send(b"POST /admin/clock/advance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\nContent-Length: 2\r\n\r\n7d");
    assert_eq!(unauth.status_line, "HTTP/1.1 401 Unauthorized");
    // A page path still takes OPS requests (POST on any target is the OPS API).
    let mut raw = http10(&status_body("1"), USER, KEY);
    let rest = raw.split_off("POST / HTTP/1.0".len());
    let mut req = b"POST /transfers HTTP/1.0".to_vec();
    req.extend_from_slice(&rest);
    assert_eq!(s.send(&req).code(), Some(480));
}

#[test]
fn workers_run_the_job_without_help() {
    let s = Server::start_with_workers();
    let job = submit(&s, &[("w-owner1.com", "a")]);
    // The submit wakes the workers; wait (bounded) for the analysis to land.
    let mut seen = String::new();
    for _ in 0..200 {
        seen = status_of(&s, &job, "w-owner1.com").0;
        if seen == "processed" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(seen, "processed");
}

/// The seed's SIMPLE_TRANSFER_STATUS example, end to end: submit, analysis, the
/// registrant accepts on the approval page, the clock moves past the registry's 5
/// days, and the reply equals the documented one byte for byte.
#[test]
fn seed_status_example_end_to_end() {
    let scenario =
        std::fs::read_to_string(fixture("scenarios/seed-status.toml")).expect("scenario");
    let s = Server::start_scenario(&scenario, |_| {});
    let job = submit(
        &s,
        &[
            ("newtransfer477.com", "Kx9#tr4!"),
            ("newtransfer478.com", "Zq2$pl8@"),
        ],
    );
    assert_eq!(job, "134");
    s.run_due();
    let links = s.approval_links();
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].0, "jcrawford@tucows.com");
    let page = s.get(&format!("/approve/{}", links[0].1)).text();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf");
    let done = s.post_form(
        &format!("/approve/{}", links[0].1),
        &format!("csrf={csrf}&decision=accept"),
    );
    assert!(
        done.text()
            .contains("Thank you for confirming batch transfer")
    );
    s.advance("5d");
    let r = s.ops(&status_body("134"));
    assert_golden("seed/simple_transfer_status.reply.xml", &r.body);
}

/// Issue 28: a domain transferred in keeps the date its registry says it was first
/// registered, and its expiry moves by calendar years — a domain first registered
/// on 1 March expires on 1 March, leap days or not (365-day years once made it
/// 2028-02-27).
#[test]
fn a_transferred_domain_keeps_its_registry_dates() {
    let s = Server::start_scenario(
        "[clock]\nstart = \"2027-06-01 12:00:00\"\n[[domain]]\nname = \"leap-keeper-owner3.com\"\nregistered = \"2013-03-01 10:00:00\"\n",
        |_| {},
    );
    let job = submit(&s, &[("leap-keeper-owner3.com", "x")]);
    s.run_due();
    let (st, j) = s.admin_json(
        "POST",
        "/admin/approvals",
        "decision=accept&domain=leap-keeper-owner3.com",
    );
    assert_eq!(st, 200, "{j}");
    let (st, j) = s.admin_json(
        "POST",
        "/admin/registry",
        "outcome=complete&domain=leap-keeper-owner3.com",
    );
    assert_eq!(st, 200, "{j}");
    assert_eq!(status_of(&s, &job, "leap-keeper-owner3.com").0, "completed");
    let r = s.ops(&envelope(
        "GET",
        "DOMAIN",
        "<item key=\"domain\">leap-keeper-owner3.com</item><item key=\"type\">all_info</item>",
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let day = |k: &str| {
        r.item(k)
            .unwrap_or_default()
            .split(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(day("registry_createdate"), "2013-03-01", "{}", r.text());
    // At the registry it expired 2028-03-01; a transfer adds a year.
    assert_eq!(day("expiredate"), "2029-03-01", "{}", r.text());
}
