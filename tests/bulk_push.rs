//! Bulk change push_domains: submit (as the PHP toolkit and the Python client send it),
//! the queue run by the workers, locks, duplicates, profiles, the results email,
//! GET_BULK_CHANGE, CANCEL_BULK_CHANGE, and resuming without pushing twice.

use crate::common::*;

const GAINING: &str = "gainingrsp";

fn setup() -> Server {
    let toml = PushScenario {
        from: &[USER],
        domains: &["push-one.com", "push-two.net", "push-three.org"],
        locked: &["push-locked.com"],
        more: THEIR_PROFILE,
        ..Default::default()
    }
    .toml();
    Server::start_scenario(&toml, |_| {})
}

fn submit(s: &Server, attrs: &str) -> Response {
    s.ops(&envelope("SUBMIT_BULK_CHANGE", "BULK_CHANGE", attrs))
}

fn get(s: &Server, id: &str) -> Response {
    s.ops(&envelope(
        "GET_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    ))
}

fn items(list: &[&str]) -> String {
    let inner: String = list
        .iter()
        .enumerate()
        .map(|(i, d)| format!("<item key=\"{i}\">{d}</item>"))
        .collect();
    format!(
        "<item key=\"change_type\">push_domains</item><item key=\"change_items\"><dt_array>{inner}</dt_array></item><item key=\"gaining_reseller_username\">{GAINING}</item>"
    )
}

#[test]
fn php_toolkit_submit_bulk_change_as_sent() {
    let s = setup();
    let r = s.send(&resign_capture(
        &fixture("clients/php-osrs-toolkit/bulk_change.submit_bulk_change.http"),
        KEY,
    ));
    r.assert_php_parses();
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Bulk change request submitted.")
    );
    let id = r.item("bulk_change_req_id").expect("id");
    assert_eq!(get(&s, &id).item("status").as_deref(), Some("queued"));
    s.run_due();
    let g = get(&s, &id);
    assert_eq!(g.item("status").as_deref(), Some("completed"));
    assert_eq!(g.item("pushed").as_deref(), Some("2"));
    assert_eq!(
        s.holder("push-one.com"),
        "gainingrsp/push-one.com",
        "a new profile per domain"
    );
    assert_eq!(s.holder("push-two.net"), "gainingrsp/push-two.net");
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log WHERE action = 'bulk_push'"),
        2
    );
}

#[test]
fn php_and_python_submit_variants() {
    let s = setup();
    // SUBMIT with op_type, no apply_to_locked_domains.
    let r = s.send(&resign_capture(
        &fixture("clients/php-osrs-toolkit/bulk_change.submit.http"),
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let s2 = setup();
    let r = s2.send(&resign_capture(
        &fixture("clients/py-opensrs-0.1.4/bulk_change.submit.http"),
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
}

#[test]
fn locks_duplicates_failures_and_the_results_email() {
    let s = setup();
    let attrs = format!(
        "{}<item key=\"contact_email\">ops@losing.example</item>",
        items(&[
            "push-one.com",
            "push-locked.com",
            "PUSH-ONE.com",
            "not-mine.com"
        ])
    );
    let id = submit(&s, &attrs).item("bulk_change_req_id").expect("id");
    s.run_due();
    let g = get(&s, &id);
    assert_eq!(g.item("total").as_deref(), Some("3"), "duplicates removed");
    assert_eq!(
        (g.item("pushed"), g.item("skipped"), g.item("failed")),
        (Some("1".into()), Some("1".into()), Some("1".into()))
    );
    let text = g.text();
    assert!(text.contains("Domain is locked; skipped (apply_to_locked_domains not set)."));
    assert!(text.contains("Domain not found in your portfolio."));
    assert_eq!(
        s.holder("push-locked.com"),
        "testuser/owner1",
        "skipped, not moved"
    );
    let mails = s.app.store.outbox().expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1.to, "ops@losing.example");
    assert!(mails[0].1.subject.contains("1 pushed, 1 skipped, 1 failed"));
    assert!(mails[0].2.is_some(), "sent");

    // apply_to_locked_domains: unlocked, pushed, locked again.
    let id = submit(
        &s,
        &format!(
            "{}<item key=\"apply_to_locked_domains\">1</item>",
            items(&["push-locked.com"])
        ),
    )
    .item("bulk_change_req_id")
    .expect("id");
    s.run_due();
    assert_eq!(get(&s, &id).item("pushed").as_deref(), Some("1"));
    assert_eq!(s.holder("push-locked.com"), "gainingrsp/push-locked.com");
    assert_eq!(
        s.count("SELECT locked FROM domains WHERE name = 'push-locked.com'"),
        1
    );
}

#[test]
fn existing_profile_for_all() {
    let s = setup();
    let bad = submit(
        &s,
        &format!(
            "{}<item key=\"reg_username\">theirs</item><item key=\"reg_password\">wrong</item>",
            items(&["push-one.com"])
        ),
    );
    assert_eq!(bad.code(), Some(415));
    let bad_domain = submit(
        &s,
        &format!(
            "{}<item key=\"reg_domain\">elsewhere.com</item><item key=\"reg_username\">theirs</item><item key=\"reg_password\">theirpw</item>",
            items(&["push-one.com"])
        ),
    );
    assert_eq!(bad_domain.code(), Some(415));
    let ok = submit(
        &s,
        &format!(
            "{}<item key=\"reg_domain\">their-own.com</item><item key=\"reg_username\">theirs</item><item key=\"reg_password\">theirpw</item>",
            items(&["push-one.com", "push-two.net"])
        ),
    );
    assert_eq!(ok.code(), Some(200), "{}", ok.text());
    s.run_due();
    assert_eq!(s.holder("push-one.com"), "gainingrsp/theirs");
    assert_eq!(s.holder("push-two.net"), "gainingrsp/theirs");
}

#[test]
fn cancel_stops_the_rest_and_nothing_is_undone() {
    let s = setup();
    let id = submit(
        &s,
        &items(&["push-one.com", "push-two.net", "push-three.org"]),
    )
    .item("bulk_change_req_id")
    .expect("id");
    // The worker gets through one item, then the reseller cancels.
    let job: i64 = id.parse().expect("number");
    let task = s.count(&format!(
        "SELECT id FROM tasks WHERE kind = 'bulk_push' AND subject = {job}"
    ));
    assert!(!opsd::jobs::bulk::push_some(&s.app, task, job, 1, s.app.now()).expect("one chunk"));
    let r = s.ops(&envelope(
        "CANCEL_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        (r.item("pushed"), r.item("cancelled")),
        (Some("1".into()), Some("2".into()))
    );
    s.run_due();
    let g = get(&s, &id);
    assert_eq!(g.item("status").as_deref(), Some("cancelled"));
    assert_eq!(
        s.holder("push-one.com"),
        "gainingrsp/push-one.com",
        "processed items stay moved"
    );
    assert_eq!(s.holder("push-two.net"), "testuser/owner1");
    let again = s.ops(&envelope(
        "CANCEL_BULK_CHANGE",
        "BULK_CHANGE",
        &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
    ));
    assert_eq!(
        (again.code(), again.item("response_text")),
        (
            Some(465),
            Some("Bulk change request has already finished.".into())
        )
    );
    // Another reseller sees nothing.
    let theirs = s.send(&http10(
        &envelope(
            "GET_BULK_CHANGE",
            "BULK_CHANGE",
            &format!("<item key=\"bulk_change_req_id\">{id}</item>"),
        ),
        OTHER_USER,
        OTHER_KEY,
    ));
    assert_eq!(theirs.code(), Some(480));
}

#[test]
fn a_restart_resumes_without_pushing_twice() {
    let s = setup();
    let id: i64 = submit(
        &s,
        &items(&["push-one.com", "push-two.net", "push-three.org"]),
    )
    .item("bulk_change_req_id")
    .expect("id")
    .parse()
    .expect("number");
    let task = s.count(&format!(
        "SELECT id FROM tasks WHERE kind = 'bulk_push' AND subject = {id}"
    ));
    // One chunk committed, then the process "dies": the task is still due.
    assert!(!opsd::jobs::bulk::push_some(&s.app, task, id, 2, s.app.now()).expect("chunk"));
    assert_eq!(
        s.count("SELECT count(*) FROM tasks WHERE kind = 'bulk_push' AND done_at IS NULL"),
        1
    );
    s.run_due();
    assert_eq!(
        s.count(&format!(
            "SELECT count(*) FROM bulk_change_items WHERE change_id = {id} AND status = 'pushed'"
        )),
        3
    );
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log"),
        3,
        "each domain pushed exactly once"
    );
}

#[test]
fn submit_refusals() {
    let s = setup();
    let code = |attrs: &str| submit(&s, attrs).code();
    assert_eq!(
        code("<item key=\"change_items\"><dt_array><item key=\"0\">a.com</item></dt_array></item>"),
        Some(460)
    );
    let r = submit(
        &s,
        "<item key=\"change_type\">dns_zone</item><item key=\"change_items\">a.com</item><item key=\"gaining_reseller_username\">gainingrsp</item>",
    );
    // A DNS bulk change without its own fields is refused naming the first.
    assert_eq!(
        (r.code(), r.item("response_text")),
        (
            Some(460),
            Some("Required field 'dns_action' not provided.".into())
        )
    );
    assert_eq!(
        code(
            "<item key=\"change_type\">push_domains</item><item key=\"change_items\">a.com</item>"
        ),
        Some(460)
    );
    assert_eq!(code(&items(&["bad_name.com"])), Some(465));
    let r = submit(
        &s,
        "<item key=\"change_type\">push_domains</item><item key=\"change_items\">push-one.com, push-two.net</item><item key=\"gaining_reseller_username\">otheruser</item>",
    );
    assert_eq!(
        (r.code(), r.item("response_text")),
        (Some(465), Some("Push transfer permission denied".into()))
    );
    let many: Vec<String> = (0..10_001).map(|i| format!("d{i}.com")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_eq!(code(&items(&refs)), Some(465));
    assert_eq!(
        s.count("SELECT count(*) FROM bulk_changes"),
        0,
        "nothing stored"
    );
    // A comma-separated string and apply_to_all_reseller_items work too.
    let r = submit(
        &s,
        "<item key=\"change_type\">push_domains</item><item key=\"change_items\">push-one.com,push-two.net</item><item key=\"gaining_reseller_username\">gainingrsp</item>",
    );
    assert_eq!(r.code(), Some(200));
    let r = submit(
        &s,
        "<item key=\"change_type\">push_domains</item><item key=\"apply_to_all_reseller_items\">1</item><item key=\"gaining_reseller_username\">gainingrsp</item>",
    );
    let id = r.item("bulk_change_req_id").expect("id");
    // The four of the scenario and the harness's profile-domain.com.
    assert_eq!(get(&s, &id).item("total").as_deref(), Some("5"));
}
