//! An email-domain push of a domain with 1,000 mailboxes and 100,000 stored messages
//! through the Email JSON API: `cargo bench --bench mail_push`. Prints the push time
//! against the run's baseline (a bare insert of the same mailbox and message rows)
//! and the peak memory.

#[path = "support.rs"]
mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Instant;

use opsd::store::{NewMailCompany, Store};

const MAILBOXES: usize = 1_000;
const PER_MAILBOX: usize = 100;

fn company(store: &Store, id: i64) {
    store
        .add_mail_company(
            &NewMailCompany {
                id: Some(id),
                name: format!("Company {id}"),
                cluster: "a".into(),
                billing_cycle: "monthly".into(),
                billing_day: 1,
                settings: "{}".into(),
            },
            0,
        )
        .expect("company");
}

fn main() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("mail.db");
    let store = Store::open(&db).expect("store");
    company(&store, 1);
    company(&store, 2);
    store
        .set_mail_push_settings(2, Some(&[1]), Some(Some("n@two.example")))
        .expect("allow");
    let hash = opsd::auth::hash_password("bench-password").expect("hash");
    store.add_mail_admin(1, "admin1", &hash, 0).expect("admin");
    store
        .add_mail_domain("big.example.com", 1, None, "{}", 0)
        .expect("domain");
    let locals: Vec<String> = (0..MAILBOXES).map(|i| format!("user{i:04}")).collect();
    // The baseline: the same 1,000 mailbox and 100,000 message rows inserted in one
    // transaction.
    let t = Instant::now();
    store
        .add_mailboxes("big.example.com", &locals, PER_MAILBOX, 4096, 0)
        .expect("mailboxes");
    let baseline = t.elapsed().as_secs_f64() * 1e3;
    println!("baseline, insert 1,000 mailboxes + 100,000 messages: {baseline:>8.1} ms");
    let (addr, app) = support::start_server(store, db);

    let body = r#"{"credentials": {"user": "admin1", "password": "bench-password"}, "domain": "big.example.com", "new_company": 2}"#;
    let t = Instant::now();
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "POST /api/push_domain HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write");
    let mut reply = String::new();
    s.read_to_string(&mut reply).expect("read");
    let push = t.elapsed().as_secs_f64() * 1e3;
    assert!(reply.ends_with(r#"{"success":true}"#), "{reply}");
    println!(
        "push over HTTP (incl. the Argon2 login):          {push:>8.1} ms ({:.2}x the baseline)",
        push / baseline
    );
    let d = app
        .store
        .mail_domain("big.example.com")
        .expect("store")
        .expect("domain");
    assert_eq!(d.company_id, 2);
    assert_eq!(d.mailboxes, MAILBOXES as i64);
    assert_eq!(d.messages, (MAILBOXES * PER_MAILBOX) as i64);
    println!(
        "after: company {}, {} mailboxes, {} messages, {} bytes",
        d.company_id, d.mailboxes, d.messages, d.bytes
    );
    if let Some(kb) = support::peak_rss_kib() {
        println!(
            "peak RSS (server and client in one process): {} MiB",
            kb / 1024
        );
    }
}
