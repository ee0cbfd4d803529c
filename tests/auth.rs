use crate::common::*;

#[test]
fn wrong_signature_is_401_with_the_literal_the_php_toolkit_looks_for() {
    let s = Server::start();
    let body = status_body("134");
    let mut raw = http10(&body, USER, "not-the-key");
    let r = s.send(&raw);
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    assert_golden("replies/auth_failed.reply.xml", &r.body);
    assert!(r.text().contains("<item key=\"response_code\">401</item>"));
    assert_eq!(r.item("is_success").as_deref(), Some("0"));
    assert!(!r.text().contains("attributes"));
    // One changed body byte breaks a good signature.
    raw = http10(&body, USER, KEY);
    let last = raw.len() - 1;
    raw[last] = b' ';
    assert_eq!(s.send(&raw).code(), Some(401));
}

#[test]
fn unknown_user_and_missing_headers_are_401() {
    let s = Server::start();
    let body = status_body("134");
    assert_eq!(s.send(&http10(&body, "nobody", KEY)).code(), Some(401));
    let n = body.len();
    let mut raw = format!("POST / HTTP/1.0\r\nX-Username: {USER}\r\nContent-Length: {n}\r\n\r\n")
        .into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(s.send(&raw).code(), Some(401));
    let mut raw = format!(
        "POST / HTTP/1.0\r\nX-Signature: {}\r\nContent-Length: {n}\r\n\r\n",
        sign(&body, KEY)
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(s.send(&raw).code(), Some(401));
}

#[test]
fn upper_case_signature_and_header_names_are_accepted() {
    let s = Server::start();
    let body = status_body("134");
    let n = body.len();
    let sig = sign(&body, KEY).to_uppercase();
    let mut raw = format!(
        "POST / HTTP/1.0\r\nX-USERNAME: {USER}\r\nx-signature: {sig}\r\nContent-Length: {n}\r\n\r\n"
    )
    .into_bytes();
    raw.extend_from_slice(&body);
    assert_eq!(s.send(&raw).code(), Some(480));
}

#[test]
fn ip_access_rules() {
    let s = Server::start();
    s.app
        .store
        .add_reseller("walled", "wkey", &["192.0.2.0/24".into()], 0)
        .expect("add");
    s.app
        .store
        .add_reseller("loopback", "lkey", &["127.0.0.0/8".into()], 0)
        .expect("add");
    let body = status_body("1");
    let r = s.send(&http10(&body, "walled", "wkey"));
    assert_eq!(r.code(), Some(400));
    assert_eq!(
        r.item("response_text").as_deref(),
        Some("Access denied: invalid IP address.")
    );
    assert_eq!(s.send(&http10(&body, "loopback", "lkey")).code(), Some(480));
    // A wrong signature is 401 whatever the address: the IP rule does not reveal users.
    assert_eq!(s.send(&http10(&body, "walled", "nope")).code(), Some(401));
}

#[test]
fn requests_over_the_reseller_rate_get_code_300() {
    let s = Server::start_with(|c| c.rate_limit = 5);
    let body = status_body("134");
    let replies: Vec<Response> = (0..14).map(|_| s.ops(&body)).collect();
    let codes: Vec<Option<u16>> = replies.iter().map(Response::code).collect();
    // A burst of twice the rate passes (480: no such job), then the limit answers.
    assert!(codes[..10].iter().all(|c| *c == Some(480)), "{codes:?}");
    let limited = replies[10..]
        .iter()
        .find(|r| r.code() == Some(300))
        .unwrap_or_else(|| panic!("no 300 in {codes:?}"));
    assert_eq!(
        limited.item("response_text").as_deref(),
        Some("Exceeded max command rate")
    );
    assert_eq!(limited.item("is_success").as_deref(), Some("0"));
    // Another reseller is not slowed by testuser's traffic.
    let other = s.send(&http10(&body, OTHER_USER, OTHER_KEY));
    assert_eq!(other.code(), Some(480));
    // The bucket refills with time.
    std::thread::sleep(std::time::Duration::from_millis(1200));
    assert_eq!(s.ops(&body).code(), Some(480));
}

/// Bodies past 256 KB are authenticated on a second thread while the first decodes
/// (`api::handle`): the answers must be those of the serial order.
#[test]
fn large_bodies_are_refused_on_a_bad_signature_whatever_they_hold() {
    let s = Server::start();
    let names: Vec<String> = (0..4_000).map(|i| format!("large-{i:05}.com")).collect();
    let list: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "code")).collect();
    let good = envelope("SIMPLE_TRANSFER", "DOMAIN", &domain_list(&list));
    assert!(good.len() > 256 * 1024, "{} bytes", good.len());
    let mut broken = good.clone();
    broken.truncate(good.len() / 2);
    broken.extend_from_slice(b"</dt_assoc>");
    for body in [&good, &broken] {
        let r = s.send(&http10(body, USER, "not-the-key"));
        assert_eq!(r.code(), Some(401), "{}", r.text());
        let r = s.send(&http10(body, "nobody", KEY));
        assert_eq!(r.code(), Some(401), "{}", r.text());
    }
    assert_eq!(s.count("SELECT count(*) FROM transfer_jobs"), 0);
    // Signed, the malformed body is a decoding error and the whole one is accepted.
    assert_eq!(s.send(&http10(&broken, USER, KEY)).code(), Some(400));
    let r = s.send(&http10(&good, USER, KEY));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(s.count("SELECT count(*) FROM transfer_domains"), 4_000);
}
