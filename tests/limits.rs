//! Bad input of every kind gets a clear OPS error reply: never a panic, a hang, a
//! dropped connection or an HTTP error.

use crate::common::*;

/// `bad_request!(name, body => code, start of response_text)`: one line per case.
macro_rules! bad_request {
    ($name:ident, $body:expr => $code:expr, $text:expr) => {
        #[test]
        fn $name() {
            let s = Server::start_with(|c| {
                c.limits.max_depth = 16;
                c.limits.max_items = 1000;
            });
            let body: Vec<u8> = $body.into();
            let r = s.ops(&body);
            assert_eq!(r.status_line, "HTTP/1.1 200 OK");
            assert_eq!(r.code(), Some($code), "{}", r.text());
            let text = r.item("response_text").unwrap_or_default();
            assert!(
                text.starts_with($text),
                "response_text {text:?} should start with {:?}",
                $text
            );
            assert_eq!(r.item("is_success").as_deref(), Some("0"));
        }
    };
}

bad_request!(empty_body, "" => 400, "OPS Decode Error: no data_block in the envelope at byte 0.");
bad_request!(not_xml, "hello" => 400, "OPS Decode Error: no data_block");
bad_request!(not_utf8, b"<OPS_envelope><body><data_block>\xff</data_block></body></OPS_envelope>".to_vec() => 400, "OPS Decode Error: body is not valid UTF-8 at byte 32.");
bad_request!(mismatched_tags, "<OPS_envelope><body><data_block><dt_assoc><item key=\"a\">b</x></dt_assoc>" => 400, "OPS Decode Error: malformed XML");
bad_request!(truncated, "<OPS_envelope><body><data_block><dt_assoc><item key=\"action\">SIMPLE" => 400, "OPS Decode Error:");
bad_request!(array_at_top, "<OPS_envelope><body><data_block><dt_array><item key=\"0\">a</item></dt_array></data_block></body></OPS_envelope>" => 400, "OPS Decode Error: data_block holds a dt_array");
bad_request!(item_without_key, "<OPS_envelope><body><data_block><dt_assoc><item>a</item></dt_assoc></data_block></body></OPS_envelope>" => 400, "OPS Decode Error: dt_assoc item without a key at byte 42.");
bad_request!(no_action, "<OPS_envelope><body><data_block><dt_assoc><item key=\"protocol\">XCP</item></dt_assoc></data_block></body></OPS_envelope>" => 400, "Invalid Command: .");
bad_request!(attributes_not_a_map, "<OPS_envelope><body><data_block><dt_assoc><item key=\"action\">SIMPLE_TRANSFER</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_array/></item></dt_assoc></data_block></body></OPS_envelope>" => 465, "Invalid value for 'attributes'");
bad_request!(too_deep, format!("<OPS_envelope><body><data_block>{}</data_block></body></OPS_envelope>", "<dt_assoc><item key=\"a\">".repeat(40)) => 465, "Request exceeds a limit: nesting is deeper than the limit of 16 levels.");
bad_request!(too_many_items, envelope("SIMPLE_TRANSFER", "DOMAIN", &"<item key=\"x\">1</item>".repeat(1001)) => 465, "Request exceeds a limit: envelope has more than the limit of 1000 items.");
bad_request!(huge_array_key, envelope("SIMPLE_TRANSFER", "DOMAIN", "<item key=\"domain_list\"><dt_array><item key=\"4000000000\">a</item></dt_array></item>") => 465, "Request exceeds a limit");
bad_request!(entity_bomb, "<!DOCTYPE x [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><OPS_envelope><body><data_block><dt_assoc><item key=\"action\">&b;</item></dt_assoc></data_block></body></OPS_envelope>" => 400, "Invalid Command: &b;.");

#[test]
fn unclosed_envelope_is_read() {
    let s = Server::start();
    let mut body = status_body("1");
    let cut = find(&body, b"</data_block>").expect("tag") + "</data_block>".len();
    body.truncate(cut);
    assert_eq!(s.ops(&body).code(), Some(480));
}

#[test]
fn declared_body_over_the_limit_is_refused_unread() {
    let s = Server::start_with(|c| c.limits.max_bytes = 64 * 1024);
    let mut c = s.connect();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: x\r\nContent-Length: 100000000\r\n\r\n"
    );
    let r = c.send(head.as_bytes());
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.code(), Some(465));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Request exceeds a limit: body is larger than the limit of 65536 bytes.")
    );
    assert_eq!(r.header("Connection"), Some("close"));
}

#[test]
fn chunked_body_over_the_limit_is_refused() {
    let s = Server::start_with(|c| c.limits.max_bytes = 1024);
    let mut c = s.connect();
    let mut raw = format!("POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: x\r\nTransfer-Encoding: chunked\r\n\r\n").into_bytes();
    for _ in 0..4 {
        raw.extend_from_slice(b"200\r\n");
        raw.extend_from_slice(&[b'a'; 0x200]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let r = c.send(&raw);
    assert_eq!(r.code(), Some(465), "{}", r.text());
}

/// Random byte mutations of real envelopes, each signed so that it reaches the
/// decoder: every one is answered with an OPS reply and the server stays up.
#[test]
fn mutated_envelopes_get_ops_replies() {
    use proptest::prelude::*;
    use proptest::sample::Index;
    use proptest::test_runner::{Config, TestRunner};
    let s = Server::start();
    let seeds = [
        fixture_bytes("seed/simple_transfer.request.004.xml"),
        fixture_bytes("seed/simple_transfer.request.003-nameservers.xml"),
        status_body("134"),
    ];
    let conn = std::cell::RefCell::new(s.connect());
    let mut runner = TestRunner::new(Config {
        cases: 10_000,
        failure_persistence: None,
        ..Config::default()
    });
    let mutation = (any::<Index>(), any::<u8>(), 0..4u8);
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation, 1..8));
    let result = runner.run(&strategy, |(which, muts)| {
        let mut body = seeds[which].clone();
        for (at, byte, op) in muts {
            let i = at.index(body.len().max(1));
            match op {
                0 if !body.is_empty() => body[i] = byte,
                1 => body.insert(i.min(body.len()), byte),
                2 if !body.is_empty() => {
                    body.remove(i);
                }
                _ => body.truncate(i),
            }
        }
        let r = conn.borrow_mut().send(&http11(&body, USER, KEY));
        prop_assert_eq!(r.status_line.as_str(), "HTTP/1.1 200 OK");
        prop_assert!(r.code().is_some(), "no response_code in {}", r.text());
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert_eq!(
        s.ops(&status_body("1")).code(),
        Some(480),
        "server still answers"
    );
}

#[test]
fn idle_keep_alive_connections_are_closed() {
    let s = Server::start_with(|c| c.idle_timeout = std::time::Duration::from_millis(400));
    let mut c = s.connect();
    // Busy: requests closer together than the idle time keep it open.
    for _ in 0..3 {
        let r = c.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(r.text(), "ok\n");
        std::thread::sleep(std::time::Duration::from_millis(150));
    }
    std::thread::sleep(std::time::Duration::from_millis(900));
    assert!(c.is_closed_by_server(), "an idle connection is closed");
}

#[test]
fn a_client_that_never_sends_its_body_is_answered_and_dropped() {
    let s = Server::start_with(|c| c.body_timeout = std::time::Duration::from_millis(300));
    let mut c = s.connect();
    let started = std::time::Instant::now();
    c.write(b"POST / HTTP/1.1\r\nHost: x\r\nX-Username: testuser\r\nX-Signature: 00\r\nContent-Length: 100\r\n\r\n<OPS_envelope>");
    let r = c.read_response();
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(r.code(), Some(400), "{}", r.text());
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("OPS Decode Error: malformed XML: request body not received in time at byte 0.")
    );
    assert_eq!(r.header("Connection"), Some("close"));
    assert!(c.is_closed_by_server());
    // The server is still there for others.
    assert_eq!(s.get("/healthz").text(), "ok\n");
}

/// Issue 15.3 changed this: a connection past the limit no longer waits in the
/// listen queue behind idle keep-alive sockets; the idlest one gives way to it.
#[test]
fn connections_beyond_the_limit_take_the_place_of_idle_ones() {
    let s = Server::start_with(|c| c.max_connections = 2);
    let mut first = s.connect();
    let mut second = s.connect();
    assert_eq!(
        first
            .send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .text(),
        "ok\n"
    );
    assert_eq!(
        second
            .send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .text(),
        "ok\n"
    );
    let mut third = s.connect();
    third.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(third.read_response().text(), "ok\n");
    // The one idle the longest was closed to make room; the limit holds.
    assert!(first.is_closed_by_server());
    assert_eq!(
        second
            .send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            .text(),
        "ok\n"
    );
}
