//! Regression tests of issue 15, the attack review: each performs the attack the
//! review reproduced and shows it does no harm now. Named after the finding.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;

/// Peak resident memory (VmHWM) of a process, in KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// 15.1: sparse array keys no longer allocate their gaps: a signed 1 KB body of
/// arrays that each name a far key is refused, and a body whose signature fails is
/// never decoded at all.
#[test]
fn issue15_1_sparse_keys_and_unsigned_bodies() {
    let s = Server::start();
    let arrays: String = (0..20)
        .map(|i| format!("<item key=\"a{i}\"><dt_array><item key=\"30000\"/></dt_array></item>"))
        .collect();
    let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &arrays);
    assert!(body.len() < 2048);
    let r = s.ops(&body);
    assert_eq!(r.code(), Some(400), "{}", r.text());
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .contains("leaves more empty places than the array has items"),
        "{}",
        r.text()
    );
    // A poll body is kept decoded after a good signature; after a bad one it was
    // never decoded, so there is nothing to keep.
    let poll = status_body("134");
    let bad = http10(&poll, USER, "not-the-key");
    assert_eq!(s.send(&bad).code(), Some(401));
    assert!(s.app.decoded.peek(&poll).is_none(), "decoded without a signature");
    assert_eq!(s.ops(&poll).code(), Some(480));
    assert!(s.app.decoded.peek(&poll).is_some());
}

/// 15.5: the body of a caller nobody knows is hashed as it arrives and never kept:
/// sixteen 8 MiB bodies at once from an unknown user leave the server's memory as it
/// was (the review saw 858 MiB for fifty 16 MiB ones).
#[test]
fn issue15_5_unknown_callers_bodies_are_not_kept() {
    let dir = tempfile::tempdir().expect("dir");
    let p = Proc::start(&dir.path().join("opsd.db"));
    let pid = p.child.id();
    let r = Conn::open(p.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.text(), "ok\n");
    let before = peak_rss_kib(pid);
    let body = vec![b' '; 8 << 20];
    std::thread::scope(|scope| {
        for _ in 0..16 {
            scope.spawn(|| {
                let mut c = Conn::open(p.addr);
                let head = format!(
                    "POST / HTTP/1.1\r\nHost: x\r\nX-Username: nobody\r\nX-Signature: 00000000000000000000000000000000\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                c.write(head.as_bytes());
                c.write(&body);
                assert_eq!(c.read_response().code(), Some(401));
            });
        }
    });
    let grown_mib = peak_rss_kib(pid).saturating_sub(before) / 1024;
    assert!(grown_mib < 64, "peak memory grew by {grown_mib} MiB");
}

/// 15.5: the item limit follows the 10,000-domain rule, so an envelope of far more
/// domains is refused by the reader instead of being parsed whole first.
#[test]
fn issue15_5_item_limit_follows_the_domain_limit() {
    assert!(opsd::ops::DEFAULT_MAX_ITEMS >= 3 * 10_000 + 100);
    assert!(opsd::ops::DEFAULT_MAX_ITEMS < 3 * 15_000);
    let s = Server::start();
    let names: Vec<String> = (0..15_000).map(|i| format!("d{i}.com")).collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "x")).collect();
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list)));
    assert_eq!(r.code(), Some(465));
    assert!(
        r.item("response_text")
            .unwrap_or_default()
            .starts_with("Request exceeds a limit: envelope has more than the limit of"),
        "{}",
        r.text()
    );
}

/// 15.9: while another process holds the database's write lock, requests that must
/// write wait for it on the blocking pool, and /healthz still answers at once.
#[test]
fn issue15_9_a_locked_store_does_not_hold_up_the_async_threads() {
    let s = Server::start();
    let db = s.dir.path().join("opsd.db");
    let lock = rusqlite::Connection::open(&db).expect("open");
    lock.execute_batch("BEGIN IMMEDIATE").expect("write lock");
    let addr = s.addr;
    let writers: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let attrs = domain_list(&[(&format!("locked-{i}.com"), "x")]);
                let body = envelope("SIMPLE_TRANSFER", "DOMAIN", &attrs);
                let mut c = Conn::open(addr);
                c.send(&http10(&body, USER, KEY)).code()
            })
        })
        .collect();
    // Give the writers time to reach the store and wait on its lock.
    std::thread::sleep(Duration::from_millis(300));
    let mut health = TcpStream::connect(addr).expect("connect");
    health
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    health
        .write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .expect("write");
    let mut reply = String::new();
    let read = health.read_to_string(&mut reply);
    lock.execute_batch("ROLLBACK").expect("release");
    assert!(read.is_ok(), "/healthz did not answer while the store was locked");
    assert!(reply.ends_with("ok\n"), "{reply}");
    for w in writers {
        assert_eq!(w.join().expect("writer"), Some(200));
    }
}
