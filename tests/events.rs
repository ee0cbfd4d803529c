//! Events: POLL / ACK (object EVENT) over a transfer's status changes and a push's two
//! sides, and webhooks delivered to a real HTTP receiver — signed, retried with
//! backoff, logged, given up on after the last try.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac};
use opsd::ops::{Envelope, Limits, Map, Value};

use crate::common::*;

fn poll(s: &Server, user: &str, key: &str, attrs: &str) -> Response {
    s.send(&http10(&envelope("POLL", "EVENT", attrs), user, key))
}

fn ack(s: &Server, user: &str, key: &str, id: &str) -> Response {
    let attrs = format!("<item key=\"event_id\">{id}</item>");
    s.send(&http10(&envelope("ACK", "EVENT", &attrs), user, key))
}

/// `(attributes, events)` of a POLL reply.
fn events_of(r: &Response) -> (Map, Vec<Map>) {
    let env = Envelope::parse(&r.body, &Limits::default()).expect("reply parses");
    let attrs = env
        .attributes()
        .and_then(|a| a.as_map())
        .cloned()
        .unwrap_or_else(|| panic!("no attributes: {}", r.text()));
    let events = match attrs.get("events") {
        Some(Value::List(l)) => l.iter().filter_map(|v| v.as_map().cloned()).collect(),
        _ => panic!("no events list: {}", r.text()),
    };
    (attrs, events)
}

fn field(m: &Map, key: &str) -> String {
    m.get(key)
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string()
}

fn data(m: &Map, key: &str) -> String {
    m.get("object_data")
        .and_then(|v| v.as_map())
        .map(|d| field(d, key))
        .unwrap_or_default()
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn poll_and_ack_follow_a_transfer_from_submit_to_completion() {
    let s = Server::start();
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("ev-owner1.com", "a"), ("a-badauth.com", "x")]),
    ));
    let job: i64 = r
        .item("simple_transfer_job_id")
        .expect("job")
        .parse()
        .expect("id");

    let empty = poll(&s, USER, KEY, "");
    assert_eq!(empty.code(), Some(200), "{}", empty.text());
    assert_eq!(
        empty.item("response_text").as_deref(),
        Some("Command successful")
    );
    // The documented form (issue 28): `2014-06-19 11:31:44 27661 101`.
    let tid = empty.item("transaction_id").unwrap_or_default();
    let parts: Vec<&str> = tid.split(' ').collect();
    assert!(
        parts.len() == 4
            && parts[0] == "2014-07-03"
            && parts[2].len() == 5
            && parts[2].bytes().all(|b| b.is_ascii_digit())
            && parts[3] == "101",
        "{tid}"
    );
    let (attrs, events) = events_of(&empty);
    assert_eq!((field(&attrs, "total").as_str(), events.len()), ("0", 0));

    // Analysis: one domain processed, one failed — two events.
    s.run_due();
    let first = poll(&s, USER, KEY, "");
    let (attrs, events) = events_of(&first);
    assert_eq!(field(&attrs, "total"), "2");
    assert_eq!(events.len(), 1, "limit defaults to 1");
    let e = &events[0];
    assert!(is_hex32(&field(e, "event_id")));
    assert_eq!(field(e, "event"), "STATUS_CHANGE");
    assert_eq!(field(e, "object"), "TRANSFER");
    assert_eq!(field(e, "event_date"), "2014-07-03T18:34:34Z");
    assert_eq!(data(e, "domain_name"), "ev-owner1.com", "oldest first");
    assert_eq!(data(e, "transfer_status"), "processed");
    assert_eq!(data(e, "order_id"), job.to_string());
    assert_eq!(data(e, "transfer_id"), (job * 100_000).to_string());

    // The reply's layout, ids masked (they are random).
    let masked = mask_hex32(&first.body);
    assert_golden("events/poll.reply.xml", &masked);

    let (_, both) = events_of(&poll(&s, USER, KEY, "<item key=\"limit\">100</item>"));
    assert_eq!(
        both.iter()
            .map(|e| data(e, "domain_name"))
            .collect::<Vec<_>>(),
        ["ev-owner1.com", "a-badauth.com"]
    );
    assert_eq!(data(&both[1], "transfer_status"), "failed");
    assert_eq!(
        data(&both[1], "transfer_id"),
        (job * 100_000 + 1).to_string()
    );

    // Another reseller sees none of them and cannot settle them.
    let (theirs, none) = events_of(&poll(&s, OTHER_USER, OTHER_KEY, ""));
    assert_eq!((field(&theirs, "total").as_str(), none.len()), ("0", 0));
    let id = field(e, "event_id");
    let foreign = ack(&s, OTHER_USER, OTHER_KEY, &id);
    assert_eq!(foreign.code(), Some(480), "{}", foreign.text());
    assert_eq!(
        foreign.item("response_text").as_deref(),
        Some("Event not found.")
    );

    let acked = ack(&s, USER, KEY, &id.to_ascii_uppercase());
    assert_eq!(acked.code(), Some(200), "{}", acked.text());
    assert_eq!(
        acked.item("response_text").as_deref(),
        Some("Command successful")
    );
    assert_eq!(
        ack(&s, USER, KEY, &id).code(),
        Some(480),
        "an ACK settles once"
    );
    let (attrs, events) = events_of(&poll(&s, USER, KEY, ""));
    assert_eq!(field(&attrs, "total"), "1");
    assert_eq!(data(&events[0], "domain_name"), "a-badauth.com");

    // The registrant accepts; the registry completes 5 days later.
    let token = &s.approval_links()[0].1;
    let page = s.get(&format!("/approve/{token}")).text();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("csrf");
    s.post_form(
        &format!("/approve/{token}"),
        &format!("csrf={csrf}&decision=accept"),
    );
    s.advance("5d");
    let (_, all) = events_of(&poll(&s, USER, KEY, "<item key=\"limit\">100</item>"));
    let statuses: Vec<(String, String)> = all
        .iter()
        .map(|e| (data(e, "domain_name"), data(e, "transfer_status")))
        .collect();
    assert_eq!(
        statuses,
        [
            ("a-badauth.com".into(), "failed".into()),
            ("ev-owner1.com".into(), "pending_registry".into()),
            ("ev-owner1.com".into(), "completed".into()),
        ]
    );
    assert_eq!(field(&all[2], "event_date"), "2014-07-08T18:34:34Z");
}

#[test]
fn bad_poll_and_ack_requests_get_clear_errors() {
    let s = Server::start();
    for (attrs, code) in [
        ("<item key=\"limit\">0</item>", 465),
        ("<item key=\"limit\">101</item>", 465),
        ("<item key=\"limit\">ten</item>", 465),
        ("<item key=\"limit\"><dt_array/></item>", 200),
    ] {
        let r = poll(&s, USER, KEY, attrs);
        assert_eq!(r.code(), Some(code), "{attrs}: {}", r.text());
    }
    let r = s.ops(&envelope("ACK", "EVENT", ""));
    assert_eq!(r.code(), Some(460), "{}", r.text());
    for bad in [
        "xyz",
        "0123456789abcdef0123456789abcde",
        "g123456789abcdef0123456789abcdef",
    ] {
        assert_eq!(ack(&s, USER, KEY, bad).code(), Some(465), "{bad}");
    }
    assert_eq!(ack(&s, USER, KEY, &"ab".repeat(16)).code(), Some(480));
}

/// Replaces every run of exactly 32 hex digits with zeros.
fn mask_hex32(body: &[u8]) -> Vec<u8> {
    // The transaction id's request number is random too.
    let text = String::from_utf8_lossy(body).into_owned();
    let text = match text.split_once("<item key=\"transaction_id\">") {
        Some((head, rest)) => {
            let end = rest.find("</item>").unwrap_or(0);
            format!(
                "{head}<item key=\"transaction_id\">2014-07-03 18:34:34 00000 101{}",
                &rest[end..]
            )
        }
        None => text,
    };
    let mut out = text.into_bytes();
    let mut i = 0;
    while i < out.len() {
        let run = out[i..]
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if run == 32 {
            out[i..i + 32].fill(b'0');
        }
        i += run.max(1);
    }
    out
}

const GAINING: &str = "gainingrsp";
const GAINING_KEY: &str = "gainkey";
const SECRET: &str = "whsec-test";

fn scenario(webhook: &str) -> String {
    PushScenario {
        from: &[USER],
        gaining_extra: webhook,
        domains: &["push-one.com"],
        ..Default::default()
    }
    .toml()
}

#[test]
fn a_push_is_an_event_on_both_sides() {
    let s = Server::start_scenario(&scenario(""), |_| {});
    let attrs =
        format!("<item key=\"domain\">push-one.com</item><item key=\"grsp\">{GAINING}</item>");
    let r = s.ops(&envelope("RSP2RSP_PUSH_TRANSFER", "DOMAIN", &attrs));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    let (_, out) = events_of(&poll(&s, USER, KEY, ""));
    assert_eq!(field(&out[0], "event"), "PUSHED_OUT");
    assert_eq!(field(&out[0], "object"), "DOMAIN");
    assert_eq!(data(&out[0], "domain_name"), "push-one.com");
    assert_eq!(data(&out[0], "gaining_reseller"), GAINING);
    let (_, came) = events_of(&poll(&s, GAINING, GAINING_KEY, ""));
    assert_eq!(field(&came[0], "event"), "PUSHED_IN");
    assert_eq!(data(&came[0], "losing_reseller"), USER);
    assert_ne!(field(&out[0], "event_id"), field(&came[0], "event_id"));
}

/// One request as the receiver saw it.
#[derive(Debug, Clone)]
struct Delivery {
    headers: Vec<(String, String)>,
    body: String,
}

impl Delivery {
    fn header(&self, name: &str) -> String {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// A real HTTP server on a loopback port answering each request with the next status
/// of `statuses` (200 once they run out), recording what it got.
fn receiver(statuses: Vec<u16>) -> (u16, Arc<Mutex<Vec<Delivery>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    std::thread::spawn(move || {
        let mut statuses = statuses.into_iter();
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut headers = Vec::new();
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            loop {
                line.clear();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some((k, v)) = line.trim_end().split_once(':') {
                    headers.push((k.trim().to_string(), v.trim().to_string()));
                }
            }
            let len: usize = headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.parse().ok())
                .unwrap_or(0);
            let mut body = vec![0; len];
            let _ = reader.read_exact(&mut body);
            seen.lock().expect("lock").push(Delivery {
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
            });
            let status = statuses.next().unwrap_or(200);
            let _ = write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, got)
}

#[test]
fn webhooks_are_signed_retried_with_backoff_and_logged() {
    let (port, got) = receiver(vec![500]);
    let hook = format!(
        "webhook_url = \"http://127.0.0.1:{port}/opsd-events\"\nwebhook_secret = \"{SECRET}\""
    );
    let s = Server::start_scenario(&scenario(&hook), |_| {});
    let attrs =
        format!("<item key=\"domain\">push-one.com</item><item key=\"grsp\">{GAINING}</item>");
    let r = s.ops(&envelope("RSP2RSP_PUSH_TRANSFER", "DOMAIN", &attrs));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    // Only the gaining reseller has a webhook: one delivery, answered 500.
    s.run_due();
    assert_eq!(got.lock().expect("lock").len(), 1);
    let log = s.app.store.webhook_log(None, 10).expect("log");
    assert_eq!(
        (log[0].outcome.as_str(), log[0].http_status, log[0].attempt),
        ("retry", Some(500), 1)
    );
    // Not before the backoff is over; then again, and delivered.
    s.run_due();
    assert_eq!(got.lock().expect("lock").len(), 1);
    s.advance("1m");
    let deliveries = got.lock().expect("lock").clone();
    assert_eq!(deliveries.len(), 2);
    let log = s.app.store.webhook_log(None, 10).expect("log");
    assert_eq!((log[0].outcome.as_str(), log[0].attempt), ("delivered", 2));

    // What arrived: the event as POLL shows it, signed over "<t>.<body>".
    let d = &deliveries[1];
    assert_eq!(d.body, deliveries[0].body, "a retry sends the same event");
    assert_eq!(d.header("content-type"), "application/json");
    let v: serde_json::Value = serde_json::from_str(&d.body).expect("JSON body");
    assert_eq!(v["event"], "PUSHED_IN");
    assert_eq!(v["object_data"]["domain_name"], "push-one.com");
    assert_eq!(v["object_data"]["losing_reseller"], USER);
    assert_eq!(
        d.header("x-opsd-event-id"),
        v["event_id"].as_str().unwrap_or("-")
    );
    let (_, polled) = events_of(&poll(&s, GAINING, GAINING_KEY, ""));
    assert_eq!(
        v["event_id"].as_str(),
        Some(field(&polled[0], "event_id").as_str())
    );
    let sig = d.header("x-opsd-signature");
    let (t, mac) = sig
        .strip_prefix("t=")
        .and_then(|r| r.split_once(",v1="))
        .unwrap_or_else(|| panic!("signature header {sig}"));
    let mut want = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    want.update(format!("{t}.{}", d.body).as_bytes());
    let want: String = want
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(mac, want);
    let metrics = s.get("/metrics").text();
    assert!(
        metrics.contains("opsd_webhook_attempts_total{outcome=\"delivered\"} 1"),
        "{metrics}"
    );
}

#[test]
fn an_unreachable_webhook_is_given_up_after_eight_tries_and_the_event_stays_pollable() {
    let port = free_port();
    let hook = format!("webhook_url = \"http://127.0.0.1:{port}/\"\nwebhook_secret = \"s\"");
    let s = Server::start_scenario(&scenario(&hook), |_| {});
    let attrs =
        format!("<item key=\"domain\">push-one.com</item><item key=\"grsp\">{GAINING}</item>");
    assert_eq!(
        s.ops(&envelope("RSP2RSP_PUSH_TRANSFER", "DOMAIN", &attrs))
            .code(),
        Some(200)
    );
    s.run_due();
    // Backoff 1, 2, 4 … 64 minutes: each advance of 2 hours makes one more try.
    for _ in 0..9 {
        s.advance("2h");
    }
    let log = s.app.store.webhook_log(None, 20).expect("log");
    assert_eq!(log.len(), 8, "{log:?}");
    assert_eq!((log[0].outcome.as_str(), log[0].attempt), ("gave_up", 8));
    assert!(
        log[1..]
            .iter()
            .all(|a| a.outcome == opsd::status::WebhookOutcome::Retry && a.http_status.is_none())
    );
    assert!(log[0].error.as_deref().unwrap_or("").len() > 3);
    let (attrs, _) = events_of(&poll(&s, GAINING, GAINING_KEY, ""));
    assert_eq!(field(&attrs, "total"), "1");
}

#[test]
fn webhook_commands() {
    let dir = TestDb::new();
    let db = dir.db();
    opsd_ok(&db, &["reseller", "add", "hooked", "--key", "k"], "");
    let bad = opsd_cli(&db, &["webhook", "set", "hooked", "--url", "ftp://x"], "");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("http://"));
    let set = opsd_ok(
        &db,
        &[
            "webhook",
            "set",
            "hooked",
            "--url",
            "https://hooks.example.net/x",
        ],
        "",
    );
    let secret = set.split("secret: ").nth(1).map(str::trim).unwrap_or("");
    assert_eq!(secret.len(), 64, "{set}");
    assert!(opsd_ok(&db, &["webhook", "log"], "").is_empty());
    opsd_ok(&db, &["webhook", "remove", "hooked"], "");
    assert!(
        !opsd_cli(&db, &["webhook", "remove", "hooked"], "")
            .status
            .success()
    );
    assert!(
        !opsd_cli(&db, &["webhook", "set", "nobody", "--url", "http://x"], "")
            .status
            .success()
    );
}
