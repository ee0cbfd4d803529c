use crate::common::*;

#[test]
fn http10_gets_an_http11_status_line_and_a_close() {
    let s = Server::start();
    let mut c = s.connect();
    let r = c.send(&http10(
        &fixture_bytes("seed/simple_transfer.request.004.xml"),
        USER,
        KEY,
    ));
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.header("Connection"), Some("close"));
    assert_eq!(r.header("Content-Type"), Some("text/xml"));
    assert_eq!(
        r.header("Content-Length"),
        Some(r.body.len().to_string().as_str())
    );
    assert!(r.header("Transfer-Encoding").is_none());
    r.assert_php_parses();
    assert!(
        c.is_closed_by_server(),
        "HTTP/1.0 reply must be followed by a close"
    );
}

#[test]
fn header_lines_are_name_colon_value() {
    let s = Server::start();
    let r = s.ops(&status_body("134"));
    let head = String::from_utf8(r.head.clone()).expect("ascii");
    for line in head.split("\r\n").skip(1).filter(|l| !l.is_empty()) {
        let (name, _) = line.split_once(": ").expect("Name: value");
        assert!(
            name.chars().next().is_some_and(|c| c.is_ascii_uppercase()),
            "{line}"
        );
    }
}

#[test]
fn http11_keep_alive_carries_several_requests() {
    let s = Server::start();
    let mut c = s.connect();
    let first = c.send(&http11(
        &fixture_bytes("seed/simple_transfer.request.003-compact.xml"),
        USER,
        KEY,
    ));
    let second = c.send(&http11(
        &fixture_bytes("seed/simple_transfer.request.003-nameservers.xml"),
        USER,
        KEY,
    ));
    assert_eq!(first.status_line, "HTTP/1.1 200 OK");
    assert_eq!(first.item("simple_transfer_job_id").as_deref(), Some("134"));
    assert_eq!(
        second.item("simple_transfer_job_id").as_deref(),
        Some("135")
    );
    assert!(second.header("Connection").is_none());
    let third = c.send(&http11(&status_body("135"), USER, KEY));
    assert_eq!(third.code(), Some(200));
}

#[test]
fn any_request_target_is_the_ops_api() {
    let s = Server::start();
    let body = status_body("1");
    for target in ["/", "/resellers/", "/some/where?x=1", "horizon.opensrs.net"] {
        let mut raw = http10(&body, USER, KEY);
        let rest = raw.split_off("POST / HTTP/1.0".len());
        let mut req = format!("POST {target} HTTP/1.0").into_bytes();
        req.extend_from_slice(&rest);
        let r = s.send(&req);
        assert_eq!(r.status_line, "HTTP/1.1 200 OK", "target {target}");
        assert_eq!(r.code(), Some(480), "target {target}: {}", r.text());
    }
}

#[test]
fn expect_continue_duplicate_length_and_no_content_type() {
    let s = Server::start();
    let body = status_body("1");
    let sig = sign(&body, KEY);
    let n = body.len();
    let mut c = s.connect();
    c.write(format!("POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\nContent-Length: {n}\r\nExpect: 100-continue\r\n\r\n").as_bytes());
    let interim = c.read_response();
    assert_eq!(interim.status_line, "HTTP/1.1 100 Continue");
    c.write(&body);
    assert_eq!(c.read_response().code(), Some(480));

    let mut raw = format!("POST / HTTP/1.0\r\nContent-Length: {n}\r\nContent-Length: {n}\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\n\r\n").into_bytes();
    raw.extend_from_slice(&body);
    let r = s.send(&raw);
    assert_eq!(r.code(), Some(480), "{}", r.text());

    let mut raw = format!("POST / HTTP/1.0\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: {n}\r\nX-Username: {USER}\r\nX-Signature: {sig}\r\n\r\n").into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(s.send(&raw).code(), Some(480));
}

#[test]
fn never_compressed_even_when_asked() {
    let s = Server::start();
    let body = status_body("1");
    let mut raw = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, deflate\r\nx-username: {USER}\r\nx-signature: {}\r\ncontent-length: {}\r\n\r\n",
        sign(&body, KEY),
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    let r = s.send(&raw);
    assert!(r.header("Content-Encoding").is_none());
    assert!(r.text().starts_with("<?xml version='1.0'"));
}

#[test]
fn healthz_and_other_methods() {
    let s = Server::start();
    let r = s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_eq!(r.body, b"ok\n");
    let r = s.send(b"GET /healthz HTTP/1.0\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    let r = s.send(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 405 Method Not Allowed");
    assert_eq!(r.header("Allow"), Some("POST"));
}

#[test]
fn unknown_action_names_it() {
    let s = Server::start();
    // No action of the OpenSRS API: named back as sent.
    let r = s.ops(&envelope(
        "LAUNCH_ROCKET",
        "DOMAIN",
        "<item key=\"domain\">example.com</item>",
    ));
    assert_golden("replies/invalid_command.reply.xml", &r.body);
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Invalid Command: LAUNCH_ROCKET.")
    );
    let r = s.ops(&envelope("SIMPLE_TRANSFER", "COOKIE", ""));
    assert_eq!(r.code(), Some(400));
}

#[test]
fn action_and_object_are_case_insensitive() {
    let s = Server::start();
    let r = s.ops(&envelope(
        "simple_transfer_status",
        "domain",
        "<item key=\"simple_transfer_job_id\">9</item>",
    ));
    assert_eq!(r.code(), Some(480));
    assert_eq!(r.item("object").as_deref(), Some("DOMAIN"));
}

#[test]
fn graceful_shutdown_finishes_the_request_in_flight() {
    let mut s = Server::start();
    let body = status_body("1");
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nX-Username: {USER}\r\nX-Signature: {}\r\nContent-Length: {}\r\nExpect: 100-continue\r\n\r\n",
        sign(&body, KEY),
        body.len()
    );
    let mut c = s.connect();
    c.write(head.as_bytes());
    // 100 Continue comes once the handler is waiting for the body: the request is in
    // flight when shutdown begins.
    assert_eq!(c.read_response().status_line, "HTTP/1.1 100 Continue");
    s.begin_stop();
    c.write(&body);
    let r = c.read_response();
    assert_eq!(
        r.code(),
        Some(480),
        "the request in flight is answered in full"
    );
    assert!(c.is_closed_by_server());
    s.stop();
    assert!(
        std::net::TcpStream::connect(s.addr).is_err(),
        "no new connections after shutdown"
    );
}

#[test]
fn metrics_count_requests_by_action_and_code() {
    let s = Server::start();
    for _ in 0..3 {
        assert_eq!(s.ops(&status_body("134")).code(), Some(480));
    }
    let bad = s.send(&http10(&status_body("134"), USER, "wrongkey"));
    assert_eq!(bad.code(), Some(401));
    let r = s.get("/metrics");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    let text = r.text();
    for line in [
        "opsd_ops_requests_total{action=\"SIMPLE_TRANSFER_STATUS\",code=\"480\"} 3",
        "opsd_ops_requests_total{action=\"-\",code=\"401\"} 1",
        "opsd_ops_request_duration_seconds_count 4",
        "opsd_task_queue_depth 0",
        "opsd_task_lag_seconds 0",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
    // A submitted job queues its analysis: the queue depth shows it.
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("metrics-one.com", "a")]),
    ));
    assert_eq!(r.code(), Some(200));
    assert!(s.get("/metrics").text().contains("opsd_task_queue_depth 1"));
}
