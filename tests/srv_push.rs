//! `POST /srv/push_domain` (seed 002) over real sockets: password forms, every
//! condition and error text byte for byte, tech contact and handle sponsorship,
//! invoices, the notice email, test=1 on the separate database, and the CLI.

use opsd::store::{NewRegistryDomain, Store};

use std::path::PathBuf;

use crate::common::*;

const LOSING_PW: &str = "losing-pass-1";
const DONE: &str = "Status: 0\nMessage: domain has been transferred.\n";

/// Adds the registrars; returns H1's password as its clients send it.
fn registrars(store: &Store) -> String {
    let crypt = opsd::auth::md5_crypt(LOSING_PW).expect("crypt");
    store
        .add_registrar("H1", &crypt, "losing@registrar.example", 1)
        .expect("H1");
    for (h, mail) in [
        ("H12345", "gaining@registrar.example"),
        ("H3", "optout@registrar.example"),
        ("H4", "third@registrar.example"),
    ] {
        let c = opsd::auth::md5_crypt("other-pass-1").expect("crypt");
        store.add_registrar(h, &c, mail, 1).expect("registrar");
    }
    store.set_registrar_opt_out("H3", true).expect("opt out");
    format!("plain:{LOSING_PW}")
}

fn domain(store: &Store, name: &str, registrar: &str, status: &str, c: &str, t: &str) {
    store
        .add_registry_domain(
            &NewRegistryDomain {
                name: name.into(),
                registrar: registrar.into(),
                status: status.into(),
                registrant: Some(c.into()),
                tech: Some(t.into()),
            },
            1,
        )
        .expect("domain");
}

/// H1 holds example.uk.com (client C-ONLY, tech H1), two domains sharing C-KEPT,
/// shared-tech.uk.com whose tech T-SHARED is also used at H4, and a domain that is
/// not Live; H4 holds theirs.uk.com.
fn setup() -> (Server, String) {
    let s = Server::start();
    let crypt = registrars(&s.app.store);
    let st = &s.app.store;
    domain(st, "example.uk.com", "H1", "Live", "C-ONLY", "H1");
    domain(st, "kept-a.uk.com", "H1", "Live", "C-KEPT", "H1");
    domain(st, "kept-b.uk.com", "H1", "Live", "C-KEPT", "H1");
    domain(st, "shared-tech.uk.com", "H1", "Live", "C-ST", "T-SHARED");
    domain(st, "held.uk.com", "H1", "Pending Delete", "C-HELD", "H1");
    domain(st, "theirs.uk.com", "H4", "Live", "C-4", "T-SHARED");
    st.add_invoice("H1", "example.uk.com", 1250, 1)
        .expect("invoice");
    st.add_invoice("H1", "example.uk.com", 800, 1)
        .expect("invoice");
    (s, crypt)
}

fn push(s: &Server, pairs: &[(&str, &str)]) -> Response {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    s.post_form("/srv/push_domain", &body)
}

fn fields<'a>(
    user: &'a str,
    password: &'a str,
    domain: &'a str,
    handle: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("user", user),
        ("password", password),
        ("domain", domain),
        ("handle", handle),
    ]
}

/// Asserts an error reply: a 32-hex Transaction-ID line, then status 1 and `message`.
fn assert_error(r: &Response, message: &str) -> String {
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    let text = r.text();
    let (first, rest) = text.split_once('\n').expect("lines");
    let id = first
        .strip_prefix("Transaction-ID: ")
        .unwrap_or_else(|| panic!("no Transaction-ID line: {text:?}"));
    assert!(
        id.len() == 32 && id.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')),
        "{id}"
    );
    assert_eq!(rest, format!("Status: 1\nMessage: {message}\n"));
    id.to_string()
}

fn holder(store: &Store, name: &str) -> Option<String> {
    opsd::store::peek(
        store.path(),
        &format!(
            "SELECT registrar || '/' || coalesce(tech, '') FROM registry_domains WHERE name = '{}'",
            name.replace('\'', "''")
        ),
    )
    .ok()
    .flatten()
}

#[test]
fn password_pushes_at_once_with_every_effect() {
    let (s, crypt) = setup();
    let r = push(&s, &fields("H1", &crypt, "example.uk.com", "H12345"));
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert_eq!(r.text(), DONE);
    // Removed from the caller's account at once; H1 was the technical contact, so
    // the gaining registrar is now.
    assert_eq!(
        holder(&s.app.store, "example.uk.com").as_deref(),
        Some("H12345/H12345")
    );
    // C-ONLY was used by no other domain: its sponsorship moved.
    assert_eq!(
        s.count(
            "SELECT count(*) FROM contact_handles WHERE handle = 'C-ONLY' AND sponsor = 'H12345'"
        ),
        1
    );
    // Both outstanding invoices credited to H1 and re-issued to the gaining account.
    assert_eq!(
        s.count("SELECT count(*) FROM invoices WHERE registrar = 'H1' AND status = 'credited'"),
        2
    );
    assert_eq!(
        s.count("SELECT sum(amount_cents) FROM invoices WHERE registrar = 'H12345' AND status = 'outstanding' AND reissued_from IS NOT NULL"),
        2050
    );
    // One notice to the gaining registrar, sent by the workers.
    let mails = s.app.store.outbox().expect("outbox");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].1.to, "gaining@registrar.example");
    assert_eq!(
        mails[0].1.subject,
        "Domain pushed to your account: example.uk.com"
    );
    s.run_due();
    assert!(s.app.store.outbox().expect("outbox")[0].2.is_some());
    let audit = s
        .app
        .store
        .audit_log(Some("example.uk.com"), 5)
        .expect("audit");
    assert_eq!(audit[0].action, "srv_push_domain");
    assert_eq!(
        (audit[0].actor.as_str(), audit[0].client_ip.as_str()),
        ("H1", "127.0.0.1")
    );
    // Pushing it again: it is no longer on H1's account.
    assert_error(
        &push(&s, &fields("H1", &crypt, "example.uk.com", "H12345")),
        "Domain not found.",
    );
}

#[test]
fn plain_and_bare_passwords_work_too() {
    let (s, _) = setup();
    let plain = format!("plain:{LOSING_PW}");
    assert_eq!(
        push(&s, &fields("H1", &plain, "kept-a.uk.com", "H12345")).text(),
        DONE
    );
    assert_eq!(
        push(&s, &fields("H1", LOSING_PW, "KEPT-B.uk.com.", "H12345")).text(),
        DONE
    );
    // test=0 is the live database, like no test field.
    let mut f = fields("H1", LOSING_PW, "shared-tech.uk.com", "H12345");
    f.push(("test", "0"));
    assert_eq!(push(&s, &f).text(), DONE);
}

#[test]
fn handles_used_elsewhere_stay_or_become_unsponsored() {
    let (s, crypt) = setup();
    assert_eq!(
        push(&s, &fields("H1", &crypt, "kept-a.uk.com", "H12345")).text(),
        DONE
    );
    // C-KEPT is still on kept-b.uk.com at H1: it stays H1's.
    assert_eq!(
        s.count("SELECT count(*) FROM contact_handles WHERE handle = 'C-KEPT' AND sponsor = 'H1'"),
        1
    );
    assert_eq!(
        push(&s, &fields("H1", &crypt, "shared-tech.uk.com", "H12345")).text(),
        DONE
    );
    // T-SHARED is also used by H4's domain: now on two other accounts → unsponsored.
    assert_eq!(
        s.count(
            "SELECT count(*) FROM contact_handles WHERE handle = 'T-SHARED' AND sponsor IS NULL"
        ),
        1
    );
    // A technical contact that is not the losing registrar stays as it was.
    assert_eq!(
        holder(&s.app.store, "shared-tech.uk.com").as_deref(),
        Some("H12345/T-SHARED")
    );
    assert_eq!(
        s.count(
            "SELECT count(*) FROM contact_handles WHERE handle = 'C-ST' AND sponsor = 'H12345'"
        ),
        1
    );
}

#[test]
fn every_refusal_has_its_text_and_changes_nothing() {
    let (s, crypt) = setup();
    let other_salt = opsd::auth::md5_crypt(LOSING_PW).expect("crypt");
    let cases: Vec<(Vec<(&str, &str)>, String)> = vec![
        (
            vec![
                ("password", &crypt),
                ("domain", "example.uk.com"),
                ("handle", "H12345"),
            ],
            "Missing parameter: user.".into(),
        ),
        (
            vec![
                ("user", "H1"),
                ("domain", "example.uk.com"),
                ("handle", "H12345"),
            ],
            "Missing parameter: password.".into(),
        ),
        (
            vec![("user", "H1"), ("password", &crypt), ("handle", "H12345")],
            "Missing parameter: domain.".into(),
        ),
        (
            vec![
                ("user", "H1"),
                ("password", &crypt),
                ("domain", "example.uk.com"),
                ("handle", " "),
            ],
            "Missing parameter: handle.".into(),
        ),
        (
            fields("H1", "plain:wrong-password", "example.uk.com", "H12345"),
            "Authentication failed.".into(),
        ),
        (
            fields("H1", &other_salt, "example.uk.com", "H12345"),
            "Authentication failed.".into(),
        ),
        (
            fields("H999", LOSING_PW, "example.uk.com", "H12345"),
            "Authentication failed.".into(),
        ),
        (
            fields("H1", &crypt, "nowhere.uk.com", "H12345"),
            "Domain not found.".into(),
        ),
        (
            fields("H1", &crypt, "theirs.uk.com", "H12345"),
            "Domain not found.".into(),
        ),
        (
            fields("H1", &crypt, "held.uk.com", "H12345"),
            "Domain is not Live.".into(),
        ),
        (
            fields("H1", &crypt, "example.uk.com", "H3"),
            "Gaining handle 'H3' is refusing transfers.".into(),
        ),
        (
            fields("H1", &crypt, "example.uk.com", "H77777"),
            "Gaining handle 'H77777' does not exist.".into(),
        ),
        (
            fields("H1", &crypt, "example.uk.com", "H1"),
            "Gaining handle 'H1' is your own account.".into(),
        ),
    ];
    let mut ids = std::collections::HashSet::new();
    for (pairs, message) in &cases {
        let id = assert_error(&push(&s, pairs), message);
        assert!(ids.insert(id), "Transaction-IDs are fresh");
    }
    let mut bad_test = fields("H1", &crypt, "example.uk.com", "H12345");
    bad_test.push(("test", "yes"));
    assert_error(&push(&s, &bad_test), "Invalid parameter: test.");
    assert_eq!(
        holder(&s.app.store, "example.uk.com").as_deref(),
        Some("H1/H1")
    );
    assert_eq!(
        s.count("SELECT count(*) FROM invoices WHERE status = 'credited'"),
        0
    );
    assert!(s.app.store.outbox().expect("outbox").is_empty());
}

#[test]
fn test_mode_runs_on_the_separate_database_without_email() {
    let (s, _) = setup();
    let test_db = s.app.test_store().expect("test database");
    let beside = if s.dir.is_postgres() {
        // On PostgreSQL: the schema opsd_test of the same database.
        PathBuf::from(format!(
            "{}?options=-csearch_path%3Dopsd_test",
            s.db().display()
        ))
    } else {
        s.dir.path().join("opsd-test.db")
    };
    assert_eq!(test_db.path(), beside, "beside the live database");
    assert_ne!(
        test_db.reseller_by_name(USER).ok().flatten().map(|r| r.id),
        s.app
            .store
            .reseller_by_name(USER)
            .ok()
            .flatten()
            .map(|r| r.id),
        "the test database holds none of the live resellers"
    );
    let crypt = registrars(test_db);
    domain(test_db, "example.uk.com", "H1", "Live", "C-ONLY", "H1");
    domain(test_db, "only-in-test.uk.com", "H1", "Live", "C-T", "H1");
    let mut f = fields("H1", &crypt, "only-in-test.uk.com", "H12345");
    f.push(("test", "1"));
    assert_eq!(push(&s, &f).text(), DONE);
    assert_eq!(
        holder(test_db, "only-in-test.uk.com").as_deref(),
        Some("H12345/H12345")
    );
    let mut f = fields("H1", &crypt, "example.uk.com", "H12345");
    f.push(("test", "1"));
    assert_eq!(push(&s, &f).text(), DONE);
    // The live database is untouched and no email went anywhere.
    assert_eq!(
        holder(&s.app.store, "example.uk.com").as_deref(),
        Some("H1/H1")
    );
    assert!(s.app.store.outbox().expect("outbox").is_empty());
    assert!(test_db.outbox().expect("outbox").is_empty());
    // The same rules apply there.
    let mut f = fields("H1", &crypt, "example.uk.com", "H3");
    f.push(("test", "1"));
    assert_error(&push(&s, &f), "Domain not found.");
}

#[test]
fn an_ops_envelope_posted_to_the_same_path_is_still_the_ops_api() {
    let (s, _) = setup();
    let body = status_body("134");
    let sig = sign(&body, KEY);
    let mut raw = format!(
        "POST /srv/push_domain HTTP/1.0\r\nContent-Type: text/xml\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    let r = s.send(&raw);
    assert_eq!(r.code(), Some(480), "{}", r.text());
}

#[test]
fn registrar_cli_manages_handles_domains_invoices_and_opt_out() {
    let s = Server::start();
    let db = s.db();
    let run = |args: &[&str], input: &str| opsd_ok(&db, args, input);
    let added = run(
        &["registrar", "add", "H1", "--email", "one@registrar.example"],
        "losing-pass-1\n",
    );
    assert!(
        added
            .lines()
            .any(|l| l.starts_with("encrypted password: $1$")),
        "{added}"
    );
    let crypt = "plain:losing-pass-1".to_string();
    run(
        &["registrar", "add", "H2", "--email", "two@registrar.example"],
        "gaining-pass\n",
    );
    run(
        &[
            "registrar",
            "domain-add",
            "H1",
            "cli.uk.com",
            "--registrant",
            "C-CLI",
            "--tech",
            "H1",
        ],
        "",
    );
    run(
        &["registrar", "invoice-add", "H1", "cli.uk.com", "12.50"],
        "",
    );
    run(&["registrar", "opt-out", "H2"], "");
    assert_error(
        &push(&s, &fields("H1", &crypt, "cli.uk.com", "H2")),
        "Gaining handle 'H2' is refusing transfers.",
    );
    run(&["registrar", "opt-in", "H2"], "");
    assert_eq!(
        push(&s, &fields("H1", &crypt, "cli.uk.com", "H2")).text(),
        DONE
    );
    assert_eq!(
        s.count(
            "SELECT amount_cents FROM invoices WHERE registrar = 'H2' AND status = 'outstanding'"
        ),
        1250
    );
    // --test works on the test database only.
    run(
        &[
            "registrar",
            "add",
            "H1",
            "--email",
            "t@registrar.example",
            "--test",
        ],
        "test-pass-12\n",
    );
    assert_eq!(s.count("SELECT count(*) FROM registrars"), 2);
    let test_db = opsd::config::test_db_path(&s.db());
    assert_eq!(db_count(&test_db, "SELECT count(*) FROM registrars"), 1);
}
