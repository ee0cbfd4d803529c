//! The recording proxy and the parity report (issue 29): `opsd record` in front of
//! an upstream played by a second opsd over TLS with its own keys, driven by the
//! PHP toolkit's captured requests; upstreams that time out or send garbage;
//! `opsd parity compare` on what was recorded, before and after a reply is
//! altered; `opsd parity import`.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::common::*;

/// The upstream: `opsd serve` over TLS with the toolkit's reseller, its profile and
/// the profile's domain; its CA file.
fn upstream() -> (TestDb, Proc, PathBuf) {
    let dir = TestDb::new();
    let db = dir.db();
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    opsd_ok(
        &db,
        &[
            "profile",
            "add",
            USER,
            PROFILE_USER,
            "--password",
            PROFILE_PASS,
        ],
        "",
    );
    opsd_ok(
        &db,
        &[
            "domain",
            "add",
            USER,
            PROFILE_DOMAIN,
            "--profile",
            &format!("{PROFILE_USER}:{PROFILE_PASS}"),
        ],
        "",
    );
    let tls = dir.path().join("tls");
    opsd_ok(
        &db,
        &["cert", "init", "--dir", tls.to_str().expect("path")],
        "",
    );
    let p = Proc::start_env(
        &db,
        &[
            (
                "OPSD_TLS_CERT",
                tls.join("server.pem").to_str().expect("path"),
            ),
            (
                "OPSD_TLS_KEY",
                tls.join("server.key").to_str().expect("path"),
            ),
        ],
    );
    (dir, p, tls.join("ca.pem"))
}

/// `opsd record` in front of `upstream`, recording into `out`.
fn recorder(upstream: &str, ca: &Path, out: &Path, timeout: &str) -> Proc {
    Proc::start_args(&[
        "record",
        "--upstream",
        upstream,
        "--upstream-ca",
        ca.to_str().expect("path"),
        "--out",
        out.to_str().expect("path"),
        "--listen",
        "127.0.0.1:0",
        "--record-timeout",
        timeout,
    ])
}

/// A captured toolkit request, signed again with the test key.
fn captured(name: &str) -> Vec<u8> {
    resign_capture(
        &fixture(&format!("clients/php-osrs-toolkit/{name}.http")),
        KEY,
    )
}

/// Every byte of every file under `dir`.
fn everything_under(dir: &Path) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            all.push_str(&everything_under(&p));
        } else {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(&p).expect("read")));
        }
    }
    all
}

fn cases_in(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn recording_through_the_proxy_then_compare_and_import() {
    let (_up_dir, up, ca) = upstream();
    let up_tls = up.tls.expect("upstream HTTPS");
    let work = tempfile::tempdir().expect("tempdir");
    let out = work.path().join("recorded");
    let rec = recorder(
        &format!("https://localhost:{}", up_tls.port()),
        &ca,
        &out,
        "10s",
    );
    // The integration's requests, as the toolkit sends them, to the proxy.
    let mut replies = Vec::new();
    for name in [
        "lookup",
        "get_price",
        "get_balance",
        "name_suggest",
        "set_cookie",
        "get.domain_auth_info",
    ] {
        let r = Conn::open(rec.addr).send(&captured(name));
        assert!(r.status_line.contains(" 200 "), "{name}: {}", r.status_line);
        replies.push((name, r));
    }
    // A password in every form the reader accepts.
    for form in crate::hardening2::password_forms() {
        let body = envelope(
            "SET",
            "COOKIE",
            &format!(
                "<item key=\"domain\">{PROFILE_DOMAIN}</item><item key=\"reg_username\">{PROFILE_USER}</item>{form}"
            ),
        );
        let r = Conn::open(rec.addr).send(&http11(&body, USER, KEY));
        assert_eq!(r.code(), Some(415), "{form}: {}", r.text());
    }
    // The client gets the upstream's reply unchanged (LOOKUP asked directly).
    let direct = {
        let mut c = std::net::TcpStream::connect(up.addr).expect("connect");
        c.write_all(&captured("lookup")).expect("write");
        let mut all = Vec::new();
        let _ = c.read_to_end(&mut all);
        let at = find(&all, b"\r\n\r\n").expect("head") + 4;
        all[at..].to_vec()
    };
    assert_eq!(
        replies[0].1.body, direct,
        "the proxied reply is the upstream's"
    );
    assert_eq!(replies[4].1.code(), Some(200), "{}", replies[4].1.text());
    let cookie = replies[4].1.item("cookie").expect("a cookie came back");
    let auth_code = replies[5]
        .1
        .item("domain_auth_info")
        .expect("an auth code came back");
    // Every pair recorded, none holding a secret in any form.
    let forms = crate::hardening2::password_forms().len();
    let cases = cases_in(&out);
    assert_eq!(cases.len(), 6 + forms, "{cases:?}");
    let all = everything_under(&out);
    for secret in [
        crate::hardening2::SECRET,
        PROFILE_PASS,
        "p&amp;ss&lt;wd&gt;",
        cookie.as_str(),
        auth_code.as_str(),
        KEY,
    ] {
        assert!(!all.contains(secret), "{secret} reached the recording");
    }
    assert!(all.contains("recorded from localhost on "), "{all}");
    // Owner-only, like every file that may hold what a client sent.
    assert_eq!(opsd::files::mode_of(&out).ok(), Some(0o700));
    // The state the SET COOKIE implies, as the user fills it in.
    let set_cookie = cases
        .iter()
        .find(|c| c.to_string_lossy().ends_with(".set"))
        .expect("the SET COOKIE case");
    let mut toml = std::fs::read_to_string(set_cookie.join("case.toml")).expect("case.toml");
    toml.push_str(&format!("portfolio = [\"{PROFILE_DOMAIN}\"]\n"));
    std::fs::write(set_cookie.join("case.toml"), toml).expect("write");
    let auth = cases
        .iter()
        .find(|c| c.to_string_lossy().ends_with(".get"))
        .expect("the GET case");
    let mut toml = std::fs::read_to_string(auth.join("case.toml")).expect("case.toml");
    toml.push_str(&format!(
        "portfolio = [\"{PROFILE_DOMAIN}\"]\nprofile = {{ username = \"{PROFILE_USER}\", password = \"x\" }}\n"
    ));
    std::fs::write(auth.join("case.toml"), toml).expect("write");

    // The upstream is an opsd: the sandbox answers the same in every shape.
    let compare = |dir: &Path, json: bool| {
        let mut args = vec![
            "parity",
            "compare",
            dir.to_str().expect("path"),
            "--corpus",
            dir.to_str().expect("path"),
        ];
        if json {
            args.push("--json");
        }
        opsd_cli(Path::new("unused.db"), &args, "")
    };
    let same = compare(&out, false);
    assert!(
        same.status.success(),
        "{}{}",
        String::from_utf8_lossy(&same.stdout),
        String::from_utf8_lossy(&same.stderr)
    );
    assert!(String::from_utf8_lossy(&same.stdout).contains("LOOKUP"));
    // An altered reply: the real one lacks a key opsd sends.
    let lookup = cases
        .iter()
        .find(|c| c.to_string_lossy().ends_with(".lookup"))
        .expect("the LOOKUP case");
    let reply = std::fs::read_to_string(lookup.join("reply.xml")).expect("reply");
    let cut = reply
        .lines()
        .filter(|l| !l.contains("key=\"price_status\""))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(cut, reply);
    std::fs::write(lookup.join("reply.xml"), cut).expect("write");
    let differs = compare(&out, true);
    assert_eq!(differs.status.code(), Some(1));
    let report: serde_json::Value =
        serde_json::from_slice(&differs.stdout).expect("the JSON report");
    let flagged: Vec<String> = report["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .flat_map(|c| c["differences"].as_array().cloned().unwrap_or_default())
        .map(|d| format!("{} {}", d["kind"], d["path"]))
        .collect();
    assert_eq!(
        flagged,
        ["\"extra\" \"attributes.price_status\""],
        "{report}"
    );

    // Import: into an empty corpus all come in; a second time none (duplicates);
    // a case with a secret left in it never.
    let corpus = work.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("corpus");
    let first = opsd_cli(
        Path::new("unused.db"),
        &[
            "parity",
            "import",
            out.to_str().expect("path"),
            "--into",
            corpus.to_str().expect("path"),
        ],
        "",
    );
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    // The seven SET COOKIEs with a wrong password are one case once masked.
    assert_eq!(cases_in(&corpus).len(), 7);
    let again = opsd_cli(
        Path::new("unused.db"),
        &[
            "parity",
            "import",
            out.to_str().expect("path"),
            "--into",
            corpus.to_str().expect("path"),
        ],
        "",
    );
    assert!(again.status.success());
    let said = String::from_utf8_lossy(&again.stdout);
    assert!(!said.contains("added"), "{said}");
    assert!(said.contains("already has the same case"), "{said}");
    assert_eq!(cases_in(&corpus).len(), 7);
    let planted = work.path().join("planted");
    let case = planted.join("x.set");
    std::fs::create_dir_all(&case).expect("dir");
    std::fs::copy(set_cookie.join("case.toml"), case.join("case.toml")).expect("copy");
    std::fs::copy(set_cookie.join("reply.xml"), case.join("reply.xml")).expect("copy");
    std::fs::write(
        case.join("request.xml"),
        std::fs::read_to_string(set_cookie.join("request.xml"))
            .expect("request")
            .replace("***", "Leaked-1"),
    )
    .expect("write");
    let refused = opsd_cli(
        Path::new("unused.db"),
        &[
            "parity",
            "import",
            planted.to_str().expect("path"),
            "--into",
            corpus.to_str().expect("path"),
        ],
        "",
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stdout).contains("holds a secret that is not masked"));
    assert!(rec.terminate().success());
    assert!(up.terminate().success());
}

/// An upstream that never answers, and one that answers garbage: the client gets
/// OpenSRS's outage answer (705) and nothing is recorded.
#[test]
fn failing_upstreams_record_nothing() {
    let work = tempfile::tempdir().expect("tempdir");
    let ca = work.path().join("ca.pem");
    let out = opsd_ok(
        &work.path().join("x.db"),
        &["cert", "init", "--dir", work.path().to_str().expect("path")],
        "",
    );
    assert!(ca.exists(), "{out}");
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_port = silent.local_addr().expect("addr").port();
    let garbage = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let garbage_port = garbage.local_addr().expect("addr").port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for s in silent.incoming().flatten() {
            held.push(s);
        }
    });
    std::thread::spawn(move || {
        for mut s in garbage.incoming().flatten() {
            let _ = s.write_all(b"\x16\x03\x01garbage, not TLS and not HTTP\r\n\r\n");
        }
    });
    for port in [silent_port, garbage_port] {
        let dir = work.path().join(format!("out-{port}"));
        let rec = recorder(&format!("https://localhost:{port}"), &ca, &dir, "2s");
        let r = Conn::open(rec.addr).send(&captured("lookup"));
        assert_eq!(r.code(), Some(705), "{}", r.text());
        assert_eq!(
            r.item("response_text").as_deref(),
            Some("Timed out, resubmit request.")
        );
        assert!(cases_in(&dir).is_empty(), "something was recorded");
        assert!(rec.terminate().success());
    }
    // Not an https upstream, or production mode: it does not start.
    let plain = opsd_cli(
        Path::new("x.db"),
        &["record", "--upstream", "http://localhost:1", "--out", "x"],
        "",
    );
    assert!(!plain.status.success());
    assert!(String::from_utf8_lossy(&plain.stderr).contains("https://"));
    let prod = opsd_cli(
        Path::new("x.db"),
        &[
            "record",
            "--mode",
            "production",
            "--public-url",
            "https://opsd.example",
            "--upstream",
            "https://localhost:1",
            "--out",
            "x",
        ],
        "",
    );
    assert!(!prod.status.success());
    assert!(
        String::from_utf8_lossy(&prod.stderr).contains("does not run in production mode"),
        "{}",
        String::from_utf8_lossy(&prod.stderr)
    );
}
