//! The real bytes of real clients: the PHP toolkit (HTTP/1.0, no Host) and the Python
//! `opensrs` package (HTTP/1.1, lower-case headers, gzip offered), re-signed with the
//! test reseller's key; and the envelopes of the seed documents.

use crate::common::*;

fn capture(client: &str, name: &str) -> Vec<u8> {
    resign_capture(&fixture(&format!("clients/{client}/{name}.http")), KEY)
}

#[test]
fn seed_004_request_gets_the_documented_reply() {
    let s = Server::start();
    let r = s.ops(&fixture_bytes("seed/simple_transfer.request.004.xml"));
    assert_golden("seed/simple_transfer.reply.xml", &r.body);
    // The raw `&` of `$^o&)@7q` is kept as a literal.
    let auth: String = s
        .count("SELECT count(*) FROM transfer_domains WHERE auth_info = '$^o&)@7q'")
        .to_string();
    assert_eq!(auth, "1");
    let auth2 = s.count("SELECT count(*) FROM transfer_domains WHERE auth_info = 'U$K\"y*9a'");
    assert_eq!(auth2, 1);
}

#[test]
fn seed_003_requests_are_accepted() {
    let s = Server::start();
    let r = s.ops(&fixture_bytes(
        "seed/simple_transfer.request.003-compact.xml",
    ));
    assert_golden("seed/simple_transfer.reply.xml", &r.body);
    let r = s.ops(&fixture_bytes(
        "seed/simple_transfer.request.003-nameservers.xml",
    ));
    assert_eq!(r.item("simple_transfer_job_id").as_deref(), Some("135"));
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_nameservers WHERE job_id = 135"),
        2
    );
}

#[test]
fn php_toolkit_simple_transfer_and_status() {
    let s = Server::start();
    let mut c = s.connect();
    let r = c.send(&capture("php-osrs-toolkit", "simple_transfer"));
    r.assert_php_parses();
    assert_golden("seed/simple_transfer.reply.xml", &r.body);
    assert!(c.is_closed_by_server());
    // Entities decoded once: `&amp;amp;` arrives as `&amp;`.
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE auth_info = 'P%40ss&amp;word;<x/>'"),
        1
    );
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE auth_info = 'a&b<c>d\"e''f%g'"),
        1
    );
    let r = s.send(&capture("php-osrs-toolkit", "simple_transfer_status"));
    r.assert_php_parses();
    assert_golden(
        "replies/simple_transfer_status.php.pending.reply.xml",
        &r.body,
    );
}

#[test]
fn php_toolkit_non_ascii() {
    let s = Server::start();
    let r = s.send(&capture("php-osrs-toolkit", "simple_transfer.non-ascii"));
    r.assert_php_parses();
    assert_eq!(r.code(), Some(200), "{}", r.text());
    // The toolkit encodes UTF-8 twice (`ä` arrives as `Ã¤`); opsd stores what was sent.
    assert_eq!(
        s.count("SELECT count(*) FROM transfer_domains WHERE name = 'ex\u{e3}\u{a4}mple.com' AND auth_info = 'p\u{c3}\u{a4}ss\u{c3}\u{a9}\u{e2}\u{82}\u{ac}&<>'"),
        1
    );
}

#[test]
fn php_toolkit_push_requests_get_a_reply_it_parses() {
    let s = Server::start();
    for name in [
        "rsp2rsp_push_transfer",
        "bulk_change.submit",
        "bulk_change.submit_bulk_change",
    ] {
        let r = s.send(&capture("php-osrs-toolkit", name));
        r.assert_php_parses();
        assert!(r.code().is_some(), "{name}: {}", r.text());
    }
}

#[test]
fn python_client_simple_transfer_and_status() {
    let s = Server::start();
    let mut c = s.connect();
    let r = c.send(&capture("py-opensrs-0.1.4", "simple_transfer"));
    assert_golden("seed/simple_transfer.reply.xml", &r.body);
    assert!(r.header("Connection").is_none(), "HTTP/1.1 stays open");
    let r = c.send(&capture("py-opensrs-0.1.4", "simple_transfer_status"));
    assert_golden(
        "replies/simple_transfer_status.php.pending.reply.xml",
        &r.body,
    );
    let r = c.send(&capture("py-opensrs-0.1.4", "simple_transfer.non-ascii"));
    assert_eq!(r.code(), Some(200), "{}", r.text());
    assert_eq!(
        s.count(
            "SELECT count(*) FROM transfer_domains WHERE auth_info = 'p\u{e4}ss\u{e9}\u{20ac}&<>'"
        ),
        1
    );
}
