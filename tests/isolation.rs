//! One reseller never reads or changes another's jobs, domains, bulk changes or
//! events — over the API and in the control panel. Another reseller's object is
//! answered exactly like one that does not exist.

use crate::common::*;

const GAINING: &str = "gainingrsp";

/// testuser holds two domains and may push to gainingrsp; otheruser may push too.
fn world() -> Server {
    let other = format!(
        "[[reseller]]\nusername = \"{OTHER_USER}\"\nkey = \"{OTHER_KEY}\"\npush_enabled = true"
    );
    let toml = PushScenario {
        from: &[USER, OTHER_USER],
        domains: &["mine-one.com", "mine-two.net"],
        more: &other,
        ..Default::default()
    }
    .toml();
    Server::start_scenario(&toml, |_| {})
}

fn as_other(s: &Server, action: &str, object: &str, attrs: &str) -> Response {
    s.send(&http10(
        &envelope(action, object, attrs),
        OTHER_USER,
        OTHER_KEY,
    ))
}

#[test]
fn another_resellers_objects_are_not_found_over_the_api() {
    let s = world();
    // testuser's transfer job.
    let job = s
        .ops(&envelope(
            "SIMPLE_TRANSFER",
            "DOMAIN",
            &domain_list(&[("t-owner1.com", "a")]),
        ))
        .item("simple_transfer_job_id")
        .expect("job");
    let theirs = as_other(
        &s,
        "SIMPLE_TRANSFER_STATUS",
        "DOMAIN",
        &format!("<item key=\"simple_transfer_job_id\">{job}</item>"),
    );
    let missing = as_other(
        &s,
        "SIMPLE_TRANSFER_STATUS",
        "DOMAIN",
        "<item key=\"simple_transfer_job_id\">999999</item>",
    );
    assert_eq!(theirs.code(), Some(480));
    assert_eq!(
        theirs.body, missing.body,
        "indistinguishable from a missing job"
    );

    // testuser's bulk change: not readable, not cancellable.
    let bulk = s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">mine-two.net</item></dt_array></item><item key=\"gaining_reseller_username\">{GAINING}</item>"),
    ));
    let id = bulk.item("bulk_change_req_id").expect("bulk id");
    let id_attr = format!("<item key=\"bulk_change_req_id\">{id}</item>");
    assert_eq!(
        as_other(&s, "GET_BULK_CHANGE", "BULK_CHANGE", &id_attr).code(),
        Some(480)
    );
    assert_eq!(
        as_other(&s, "CANCEL_BULK_CHANGE", "BULK_CHANGE", &id_attr).code(),
        Some(480)
    );
    assert_eq!(
        s.count("SELECT count(*) FROM bulk_changes WHERE status = 'queued'"),
        1
    );

    // testuser's domains cannot be pushed away by someone else, singly or in bulk.
    let push = as_other(
        &s,
        "RSP2RSP_PUSH_TRANSFER",
        "DOMAIN",
        &format!("<item key=\"domain\">mine-one.com</item><item key=\"grsp\">{GAINING}</item>"),
    );
    assert_eq!(push.code(), Some(480), "{}", push.text());
    let theirs = as_other(
        &s,
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!(
            "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">mine-one.com</item></dt_array></item><item key=\"gaining_reseller_username\">{GAINING}</item>"
        ),
    );
    assert_eq!(theirs.code(), Some(200), "{}", theirs.text());
    s.run_due();
    assert_eq!(s.holder("mine-one.com"), format!("{USER}/owner1"));
    let their_id = theirs.item("bulk_change_req_id").expect("id");
    let view = as_other(
        &s,
        "GET_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{their_id}</item>"),
    )
    .text();
    assert!(
        view.contains("Domain not found in your portfolio."),
        "{view}"
    );

    // Events: none of testuser's reach otheruser, who cannot settle them.
    let poll = as_other(&s, "POLL", "EVENT", "<item key=\"limit\">100</item>");
    assert!(
        poll.text().contains("<item key=\"total\">0</item>"),
        "{}",
        poll.text()
    );
    let mine = s.ops(&envelope("POLL", "EVENT", ""));
    let event_id = mine
        .text()
        .split("event_id\">")
        .nth(1)
        .map(|r| r[..32].to_string())
        .expect("testuser has an event");
    let ack = as_other(
        &s,
        "ACK",
        "EVENT",
        &format!("<item key=\"event_id\">{event_id}</item>"),
    );
    assert_eq!(ack.code(), Some(480));
}

#[test]
fn another_resellers_objects_are_not_found_in_the_control_panel() {
    let s = world();
    let bulk = s.ops(&envelope(
        "SUBMIT_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array><item key=\"0\">mine-two.net</item></dt_array></item><item key=\"gaining_reseller_username\">{GAINING}</item>"),
    ));
    let id = bulk.item("bulk_change_req_id").expect("bulk id");
    s.panel_password(OTHER_USER, "other-secret-1");
    let mut web = Web::new(&s);
    web.login("/panel/login", OTHER_USER, "other-secret-1");
    let domains = web.get("/panel/domains").text();
    assert!(
        !domains.contains("mine-one.com"),
        "another portfolio is listed"
    );
    assert!(
        web.get(&format!("/panel/queue/{id}"))
            .status_line
            .contains("404")
    );
    let queue = web.get("/panel/queue");
    assert!(!queue.text().contains(&format!("job-{id}\"")));
    let csrf = hidden(&queue, "csrf").expect("csrf");
    let cancel = web.post(&format!("/panel/queue/{id}/cancel"), &[("csrf", &csrf)]);
    assert!(cancel.status_line.contains("404"), "{}", cancel.status_line);
    assert_eq!(
        s.count("SELECT count(*) FROM bulk_changes WHERE status = 'queued'"),
        1
    );
    // Moving testuser's domain from otheruser's panel fails per item.
    let page = web.get("/panel/move");
    let csrf = hidden(&page, "csrf").expect("csrf");
    web.post(
        "/panel/move",
        &[
            ("csrf", &csrf),
            ("domains", "mine-one.com"),
            ("gaining", GAINING),
            ("profile_mode", "new"),
        ],
    );
    s.run_due();
    assert_eq!(s.holder("mine-one.com"), format!("{USER}/owner1"));
}
