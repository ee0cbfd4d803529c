//! The Mail Administration Console over real sockets: login and protected POSTs,
//! the Domain Push settings form, Push Domain with its confirmation and refusals, a
//! domain's brand state, and the wall between companies.

use crate::common::*;
use crate::email_push::{ADMIN_PW, GAINING_ADMIN, LOSING_ADMIN, setup};

fn admin<'a>(s: &'a Server, user: &str) -> Web<'a> {
    let mut w = Web::new(s);
    let r = w.login("/mac/login", user, ADMIN_PW);
    assert_eq!(r.header("Location"), Some("/mac/company"), "{}", r.text());
    w
}

fn csrf(w: &mut Web<'_>) -> String {
    hidden(&w.get("/mac/company"), "csrf").expect("csrf token")
}

#[test]
fn login_is_required_and_posts_need_the_session_token() {
    let s = setup();
    let mut w = Web::new(&s);
    assert_eq!(w.get("/mac/company").header("Location"), Some("/mac/login"));
    assert_eq!(w.get("/mac").header("Location"), Some("/mac/company"));
    let r = w.login("/mac/login", LOSING_ADMIN, "wrong-password");
    assert_eq!(r.status_line, "HTTP/1.1 401 Unauthorized");
    // A reseller control-panel session is not a console session.
    let mut g = admin(&s, GAINING_ADMIN);
    let r = g.post(
        "/mac/company",
        &[("csrf", "nope"), ("allowed_companies", "1001")],
    );
    assert_eq!(r.status_line, "HTTP/1.1 403 Forbidden");
    assert!(
        s.app
            .store
            .mail_company(1002)
            .expect("store")
            .expect("company")
            .push_allowed
            .is_empty()
    );
    let page = g.get("/mac/company").text();
    assert!(page.contains("Your company_id: <strong id=\"company-id\">1002</strong>"));
}

#[test]
fn domain_push_settings_are_validated() {
    let s = setup();
    let mut g = admin(&s, GAINING_ADMIN);
    let token = csrf(&mut g);
    for (allowed, notify, text) in [
        ("abc", "", "&#x27;abc&#x27; is not a company_id."),
        ("1001, 4242", "", "There is no company 4242."),
        (
            "1001",
            "not-an-address",
            "&#x27;not-an-address&#x27; is not an email address.",
        ),
    ] {
        let r = g.post(
            "/mac/company",
            &[
                ("csrf", &token),
                ("allowed_companies", allowed),
                ("notify", notify),
            ],
        );
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request", "{allowed}");
        assert!(r.text().contains(text), "{text}\n{}", r.text());
    }
    let r = g.post(
        "/mac/company",
        &[
            ("csrf", &token),
            ("allowed_companies", "1001 1003"),
            ("notify", "n@gaining.example"),
        ],
    );
    assert_eq!(r.header("Location"), Some("/mac/company?updated=1"));
    let c = s
        .app
        .store
        .mail_company(1002)
        .expect("store")
        .expect("company");
    assert_eq!(c.push_allowed, vec![1001, 1003]);
    assert_eq!(c.push_notify.as_deref(), Some("n@gaining.example"));
    // Clearing the field clears the list and the address.
    g.post(
        "/mac/company",
        &[("csrf", &token), ("allowed_companies", ""), ("notify", "")],
    );
    let c = s
        .app
        .store
        .mail_company(1002)
        .expect("store")
        .expect("company");
    assert!(c.push_allowed.is_empty() && c.push_notify.is_none());
}

#[test]
fn push_domain_asks_first_and_explains_refusals() {
    let s = setup();
    let mut l = admin(&s, LOSING_ADMIN);
    let token = csrf(&mut l);
    let ask = |l: &mut Web<'_>, domain: &str, to: &str| {
        l.post(
            "/mac/domains/push",
            &[("csrf", &token), ("domain", domain), ("new_company", to)],
        )
    };
    let page = ask(&mut l, "plain.example.com", "1002");
    assert!(page.status_line.ends_with("200 OK"));
    assert!(page.text().contains("id=\"confirm-push\""));
    assert!(
        page.text()
            .contains("the gaining company's default settings apply")
    );
    assert_eq!(
        s.app
            .store
            .mail_domain("plain.example.com")
            .expect("store")
            .expect("d")
            .company_id,
        1001
    );
    let confirm = |l: &mut Web<'_>, domain: &str, to: &str| {
        l.post(
            "/mac/domains/push",
            &[
                ("csrf", &token),
                ("domain", domain),
                ("new_company", to),
                ("confirm", "1"),
            ],
        )
    };
    for (domain, to, text) in [
        (
            "plain.example.com",
            "1002",
            "Company 1002 has not added your company_id (1001) to its Allowed companies.",
        ),
        (
            "plain.example.com",
            "1003",
            "Company 1003 is on another email cluster",
        ),
        ("plain.example.com", "9999", "There is no company 9999."),
        (
            "plain.example.com",
            "x",
            "Enter the gaining company&#x27;s company_id.",
        ),
        (
            "nowhere.example.com",
            "1002",
            "nowhere.example.com is not one of your domains.",
        ),
    ] {
        let r = confirm(&mut l, domain, to);
        assert_eq!(r.status_line, "HTTP/1.1 400 Bad Request", "{text}");
        assert!(r.text().contains(text), "{text}\n{}", r.text());
    }
    crate::email_push::allow_losing(&s);
    let r = confirm(&mut l, "plain.example.com", "1002");
    assert_eq!(
        r.header("Location"),
        Some("/mac/domains?pushed=plain.example.com")
    );
    // Gone from the losing company: its page is not there any more.
    assert_eq!(
        l.get("/mac/domains/plain.example.com").status_line,
        "HTTP/1.1 404 Not Found"
    );
    let mut g = admin(&s, GAINING_ADMIN);
    let page = g.get("/mac/domains/plain.example.com").text();
    assert!(
        page.contains("No brand: your company's default settings apply."),
        "{page}"
    );
    assert!(page.contains("<td id=\"mailboxes\">3</td>"));
    // The gaining company cannot push it back without permission either.
    let gt = csrf(&mut g);
    let r = g.post(
        "/mac/domains/push",
        &[
            ("csrf", &gt),
            ("domain", "plain.example.com"),
            ("new_company", "1001"),
            ("confirm", "1"),
        ],
    );
    assert!(
        r.text()
            .contains("Company 1001 has not added your company_id (1002)")
    );
    // Another company's domain page is not shown.
    assert_eq!(
        g.get("/mac/domains/branded.example.com").status_line,
        "HTTP/1.1 404 Not Found"
    );
}
