//! RSP2RSP_PUSH_TRANSFER over real sockets: consent (operator switch and allow-list),
//! refusals with their codes, profiles, locks, and the audit log.

use crate::common::*;

const GAINING: &str = "gainingrsp";
const GAINING_KEY: &str = "gainkey";

/// testuser holds push-one.com and a locked push-locked.com; gainingrsp exists.
/// `consent` turns the feature on for both and lets gainingrsp accept testuser.
fn setup(consent: bool) -> Server {
    let toml = format!(
        r#"
        [[reseller]]
        username = "{GAINING}"
        key = "{GAINING_KEY}"
        push_enabled = {consent}
        accepts_pushes_from = [{from}]
        [[reseller]]
        username = "{USER}"
        key = "{KEY}"
        push_enabled = {consent}
        [[profile]]
        reseller = "{USER}"
        username = "owner1"
        password = "pw1"
        domains = ["push-one.com", "push-two.net"]
        locked_domains = ["push-locked.com"]
        [[profile]]
        reseller = "{GAINING}"
        username = "theirs"
        password = "theirpw"
        "#,
        from = if consent {
            format!("\"{USER}\"")
        } else {
            String::new()
        }
    );
    Server::start_scenario(&toml, |_| {})
}

fn push(s: &Server, attrs: &str, object: &str) -> Response {
    s.ops(&envelope("RSP2RSP_PUSH_TRANSFER", object, attrs))
}

#[test]
fn php_toolkit_push_moves_the_domain_at_once() {
    let s = setup(true);
    let r = s.send(&resign_capture(
        &fixture("clients/php-osrs-toolkit/rsp2rsp_push_transfer.http"),
        KEY,
    ));
    r.assert_php_parses();
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Domain pushed to gainingrsp.")
    );
    assert_eq!(r.item("object").as_deref(), Some("DOMAIN"));
    assert!(!r.text().contains("attributes"));
    assert_eq!(
        s.holder("push-one.com"),
        "gainingrsp/owner1",
        "original profile name kept"
    );
    let log = s
        .app
        .store
        .audit_log(Some("push-one.com"), 10)
        .expect("audit");
    assert_eq!(log.len(), 1);
    assert_eq!(
        (log[0].actor.as_str(), log[0].client_ip.as_str()),
        ("testuser", "127.0.0.1")
    );
    assert!(log[0].detail.contains("to gainingrsp"));
    // No registrant email, no transfer job, no charge: nothing but the move.
    assert_eq!(s.count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 0);
    // It is no longer the caller's.
    assert_eq!(
        push(
            &s,
            "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item>",
            "DOMAIN"
        )
        .code(),
        Some(480)
    );
}

#[test]
fn python_client_push() {
    let s = setup(true);
    let r = s.send(&resign_capture(
        &fixture("clients/py-opensrs-0.1.4/rsp2rsp_push_transfer.http"),
        KEY,
    ));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(s.holder("push-one.com"), "gainingrsp/owner1");
}

#[test]
fn refusals() {
    let s = setup(false);
    let attrs = "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item>";
    // Feature off and no consent: the recorded real refusal, object echoed empty.
    let r = push(&s, attrs, "");
    assert_eq!(r.code(), Some(465));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Push transfer permission denied")
    );
    assert_eq!(r.item("object").as_deref(), Some(""));
    // Enabled on both, but gainingrsp has not allowed testuser.
    let g = s
        .app
        .store
        .reseller_by_name(GAINING)
        .expect("db")
        .expect("gaining");
    let l = s
        .app
        .store
        .reseller_by_name(USER)
        .expect("db")
        .expect("losing");
    s.app.store.set_push_enabled(g.id, true).expect("enable");
    s.app.store.set_push_enabled(l.id, true).expect("enable");
    assert_eq!(push(&s, attrs, "DOMAIN").code(), Some(465));
    // Allowed, but the losing side's switch is off again.
    s.app
        .store
        .set_push_allowed(g.id, l.id, true, 0)
        .expect("allow");
    s.app.store.set_push_enabled(l.id, false).expect("disable");
    assert_eq!(push(&s, attrs, "DOMAIN").code(), Some(465));
    s.app.store.set_push_enabled(l.id, true).expect("enable");

    let r = push(
        &s,
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">nobody</item>",
        "DOMAIN",
    );
    assert_eq!(r.code(), Some(465));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Push transfer permission denied")
    );
    let r = push(
        &s,
        "<item key=\"domain\">not-mine.com</item><item key=\"grsp\">gainingrsp</item>",
        "DOMAIN",
    );
    assert_eq!(
        (r.code(), r.item("response_text")),
        (
            Some(480),
            Some("Domain not found in your portfolio.".into())
        )
    );
    let r = push(&s, "<item key=\"domain\">push-one.com</item>", "DOMAIN");
    assert_eq!(r.code(), Some(460));
    let r = push(
        &s,
        "<item key=\"domain\">push-locked.com</item><item key=\"grsp\">gainingrsp</item>",
        "DOMAIN",
    );
    assert_eq!(
        (r.code(), r.item("response_text")),
        (Some(552), Some("Domain is locked.".into()))
    );
    let r = push(
        &s,
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">testuser</item>",
        "DOMAIN",
    );
    assert_eq!(r.code(), Some(465), "no push to oneself");
    assert_eq!(
        s.count("SELECT count(*) FROM audit_log"),
        0,
        "refusals move nothing"
    );
    assert_eq!(s.holder("push-one.com"), "testuser/owner1");

    // Now it goes through.
    assert_eq!(push(&s, attrs, "DOMAIN").code(), Some(200));
}

#[test]
fn locks_and_profiles() {
    let s = setup(true);
    let r = push(
        &s,
        "<item key=\"domain\">push-locked.com</item><item key=\"grsp\">gainingrsp</item><item key=\"apply_to_locked_domains\">1</item>",
        "DOMAIN",
    );
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.count("SELECT locked FROM domains WHERE name = 'push-locked.com'"),
        1,
        "relocked after the push"
    );
    // Into an existing profile of the gaining reseller: its password must match.
    let wrong = push(
        &s,
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item><item key=\"username\">theirs</item><item key=\"password\">nope</item>",
        "DOMAIN",
    );
    assert_eq!(wrong.code(), Some(415));
    let right = push(
        &s,
        "<item key=\"domain\">push-one.com</item><item key=\"grsp\">gainingrsp</item><item key=\"username\">theirs</item><item key=\"password\">theirpw</item>",
        "DOMAIN",
    );
    assert_eq!(right.code(), Some(200));
    assert_eq!(s.holder("push-one.com"), "gainingrsp/theirs");
    // Into a new profile made with the given credentials.
    let fresh = push(
        &s,
        "<item key=\"domain\">push-two.net</item><item key=\"grsp\">gainingrsp</item><item key=\"username\">newbie</item><item key=\"password\">n3w</item>",
        "",
    );
    assert_eq!(fresh.code(), Some(200));
    assert_eq!(s.holder("push-two.net"), "gainingrsp/newbie");
    let hash: String = opsd::store::peek(
        &s.db(),
        "SELECT password_hash FROM profiles WHERE username = 'newbie'",
    )
    .expect("query")
    .expect("hash");
    assert!(opsd::auth::verify_password("n3w", &hash));
}
