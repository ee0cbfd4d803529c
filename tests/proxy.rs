//! Real client addresses behind a load balancer (issue 34, point 5): from a
//! trusted address, a PROXY protocol header (v1 and v2, real bytes) or
//! `X-Forwarded-For` gives the client's address, which IP Access Rules then see;
//! from any other address neither is taken. Over plain HTTP and over TLS.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use crate::common::*;

/// A reseller whose IP Access Rules allow only 203.0.113.0/24.
fn walled(s: &Server) {
    s.app
        .store
        .add_reseller("walled", "wkey", &["203.0.113.0/24".into()], 0)
        .expect("add");
}

/// Sends `prefix` then `raw` on one connection; the reply.
fn send_after(addr: std::net::SocketAddr, prefix: &[u8], raw: &[u8]) -> Vec<u8> {
    let mut c = TcpStream::connect(addr).expect("connect");
    c.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    c.write_all(prefix).expect("write header");
    c.write_all(raw).expect("write request");
    let mut reply = Vec::new();
    let _ = c.read_to_end(&mut reply);
    reply
}

/// The OPS response code of a raw reply.
fn code(reply: &[u8]) -> Option<u16> {
    let text = String::from_utf8_lossy(reply);
    let at = text.find(r#"<item key="response_code">"#)? + r#"<item key="response_code">"#.len();
    text[at..].split('<').next()?.trim().parse().ok()
}

fn v2_header(client: &str) -> Vec<u8> {
    let client: std::net::SocketAddr = client.parse().expect("address");
    let server: std::net::SocketAddr = "127.0.0.1:80".parse().expect("address");
    ppp::v2::Builder::with_addresses(
        ppp::v2::Version::Two | ppp::v2::Command::Proxy,
        ppp::v2::Protocol::Stream,
        (client, server),
    )
    .build()
    .expect("v2 header")
}

/// A request with an `X-Forwarded-For` header.
fn forwarded(raw: &[u8], xff: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(raw).to_string();
    text.replacen("\r\n", &format!("\r\nX-Forwarded-For: {xff}\r\n"), 1)
        .into_bytes()
}

#[test]
fn trusted_balancers_name_the_client_by_proxy_header_or_forwarded_for() {
    let s = Server::start_with(|c| c.trusted_proxies = vec!["127.0.0.1/32".parse().expect("cidr")]);
    walled(&s);
    let req = http10(&status_body("1"), "walled", "wkey");
    // The balancer's own address is not allowed.
    assert_eq!(code(&send_after(s.addr, b"", &req)), Some(400));
    // PROXY v1 and v2 name an allowed client: the rules let it through (480: no
    // such job, past the rules).
    let v1 = b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\n";
    assert_eq!(code(&send_after(s.addr, v1, &req)), Some(480));
    assert_eq!(
        code(&send_after(s.addr, &v2_header("203.0.113.8:40001"), &req)),
        Some(480)
    );
    // ... and one outside them is refused as itself.
    let outside = b"PROXY TCP4 198.51.100.1 127.0.0.1 40000 80\r\n";
    assert_eq!(code(&send_after(s.addr, outside, &req)), Some(400));
    // X-Forwarded-For from the balancer names the client; a trusted hop is skipped.
    assert_eq!(
        code(&send_after(s.addr, b"", &forwarded(&req, "203.0.113.9"))),
        Some(480)
    );
    assert_eq!(
        code(&send_after(
            s.addr,
            b"",
            &forwarded(&req, "203.0.113.9, 127.0.0.1")
        )),
        Some(480)
    );
    assert_eq!(
        code(&send_after(s.addr, b"", &forwarded(&req, "198.51.100.2"))),
        Some(400)
    );
    // A malformed header closes the connection without a reply.
    assert!(send_after(s.addr, b"PROXY TCP4 nonsense\r\n", &req).is_empty());
}

#[test]
fn untrusted_addresses_get_neither() {
    let s = Server::start();
    walled(&s);
    let req = http10(&status_body("1"), "walled", "wkey");
    let v1 = b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 80\r\n";
    let reply = send_after(s.addr, v1, &req);
    assert!(
        reply.starts_with(b"HTTP/1.1 400") || reply.is_empty(),
        "{}",
        String::from_utf8_lossy(&reply)
    );
    assert_eq!(code(&reply), None, "never an OPS answer");
    assert_eq!(
        code(&send_after(s.addr, b"", &forwarded(&req, "203.0.113.9"))),
        Some(400)
    );
}

#[test]
fn a_proxy_header_before_the_tls_handshake() {
    // The certificate sits beside a database file (on either backend's run).
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opsd.db");
    opsd_ok(
        &db,
        &[
            "reseller",
            "add",
            "walled",
            "--key",
            "wkey",
            "--allow-ip",
            "203.0.113.0/24",
        ],
        "",
    );
    opsd_ok(&db, &["cert", "init"], "");
    let ca = std::fs::read(dir.path().join("opsd-tls").join("ca.pem")).expect("ca");
    let server = Proc::start_env(&db, &[("OPSD_TRUSTED_PROXIES", "127.0.0.1")]);
    let tls = server.tls.expect("HTTPS is on");
    let mut roots = rustls::RootCertStore::empty();
    use rustls_pki_types::pem::PemObject;
    for cert in rustls_pki_types::CertificateDer::pem_slice_iter(&ca) {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let ask = |header: &[u8]| {
        let mut tcp = TcpStream::connect(tls).expect("connect");
        tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        tcp.write_all(header).expect("header");
        let name = rustls_pki_types::ServerName::try_from("localhost").expect("name");
        let conn = rustls::ClientConnection::new(Arc::new(config.clone()), name).expect("client");
        let mut stream = rustls::StreamOwned::new(conn, tcp);
        stream
            .write_all(&http10(&status_body("1"), "walled", "wkey"))
            .expect("request");
        let mut reply = Vec::new();
        let _ = stream.read_to_end(&mut reply);
        code(&reply)
    };
    assert_eq!(
        ask(b"PROXY TCP4 203.0.113.7 127.0.0.1 40000 443\r\n"),
        Some(480)
    );
    assert_eq!(ask(&v2_header("203.0.113.8:40001")), Some(480));
    assert_eq!(
        ask(b""),
        Some(400),
        "the balancer's own address is not allowed"
    );
    server.terminate();
}
