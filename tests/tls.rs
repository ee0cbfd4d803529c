//! HTTPS: `opsd cert init`, then real TLS clients that verify the peer — PHP's
//! `ssl://` socket as the OpenSRS toolkit opens it, and curl — against `opsd serve`.

use std::io::{Read, Write};
use std::path::Path;

use crate::common::*;

/// The toolkit's transport: `fsockopen("ssl://host", port)`, write the request,
/// read to EOF. Verification is PHP's default (on).
const PHP_CLIENT: &str = r#"
$req = file_get_contents($argv[1]);
$fh = @fsockopen("ssl://localhost", (int)$argv[2], $errno, $errstr, 10);
if (!$fh) { fwrite(STDERR, "connect failed: $errstr\n"); exit(3); }
fputs($fh, $req);
$reply = '';
while (!feof($fh)) { $reply .= fgets($fh, 4000); }
fclose($fh);
echo $reply;
"#;

fn php(args: &[&str]) -> std::process::Output {
    std::process::Command::new("php")
        .args(args)
        .output()
        .expect("php-cli is installed (.ci/run installs it)")
}

#[test]
fn php_toolkit_socket_and_curl_verify_the_sandbox_certificate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opsd.db");
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
    let out = opsd_ok(&db, &["cert", "init"], "");
    let ca = dir.path().join("opsd-tls").join("ca.pem");
    assert!(
        out.contains("New CA certificate") && out.contains("openssl.cafile="),
        "{out}"
    );
    assert!(out.contains(&ca.display().to_string()), "{out}");

    // Defaults: the certificate beside the database switches HTTPS on.
    let server = Proc::start(&db);
    let tls = server.tls.expect("HTTPS is on once the certificate exists");

    let request = dir.path().join("request.http");
    std::fs::write(
        &request,
        resign_capture(
            &fixture("clients/php-osrs-toolkit/simple_transfer.http"),
            KEY,
        ),
    )
    .expect("write request");
    let script = dir.path().join("client.php");
    std::fs::write(&script, format!("<?php\n{PHP_CLIENT}")).expect("write script");
    let port = tls.port().to_string();
    let (script, request) = (script.display().to_string(), request.display().to_string());

    // Without the CA, verification refuses the server: it really is on.
    let refused = php(&[&script, &request, &port]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");

    let cafile = format!("openssl.cafile={}", ca.display());
    let ok = php(&["-d", &cafile, &script, &request, &port]);
    assert!(ok.status.success(), "{ok:?}");
    let reply = ok.stdout;
    let body = find(&reply, b"\r\n\r\n")
        .map(|i| &reply[i + 4..])
        .expect("reply head");
    assert!(reply.starts_with(b"HTTP/1.0 200") || reply.starts_with(b"HTTP/1.1 200"));
    // A fresh database numbers its first job 1; the golden reply is job 134.
    let body =
        String::from_utf8_lossy(body).replace(r#"job_id">1</item>"#, r#"job_id">134</item>"#);
    assert_golden("seed/simple_transfer.reply.xml", body.as_bytes());

    let curl = |extra: &[&str]| {
        std::process::Command::new("curl")
            .args(["-sS", "--max-time", "10"])
            .args(extra)
            .arg(format!("https://localhost:{port}/healthz"))
            .output()
            .expect("curl")
    };
    let no_ca = curl(&[]);
    assert_eq!(
        no_ca.status.code(),
        Some(60),
        "curl without the CA: {no_ca:?}"
    );
    let with_ca = curl(&["--cacert", &ca.display().to_string()]);
    assert!(with_ca.status.success(), "{with_ca:?}");

    // Plain HTTP on the TLS port gets no reply; the server carries on.
    let mut raw = std::net::TcpStream::connect(tls).expect("connect");
    raw.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    raw.write_all(b"GET /healthz HTTP/1.0\r\n\r\n")
        .expect("write");
    let mut buf = Vec::new();
    let _ = raw.read_to_end(&mut buf);
    assert!(
        !buf.starts_with(b"HTTP/"),
        "{}",
        String::from_utf8_lossy(&buf)
    );
    assert!(
        curl(&["--cacert", &ca.display().to_string()])
            .status
            .success()
    );
    // The plain port still answers as before.
    assert!(
        Conn::open(server.addr)
            .send(b"GET /healthz HTTP/1.0\r\n\r\n")
            .status_line
            .contains("200")
    );

    // A second init keeps the CA (clients that trust it keep working).
    let again = opsd_ok(&db, &["cert", "init", "--name", "opsd.example"], "");
    assert!(
        again.contains("Existing CA certificate") && again.contains("opsd.example"),
        "{again}"
    );
    server.terminate();
}

#[test]
fn configured_certificate_files_must_exist_and_off_turns_tls_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opsd.db");
    let missing = dir.path().join("nope.pem");
    let run = |env: &[(&str, &str)]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_opsd"))
            .args(["config", "check"])
            .env("OPSD_DB", &db)
            .envs(env.iter().copied())
            .output()
            .expect("opsd")
    };
    let checked = run(&[("OPSD_TLS_LISTEN", "off")]);
    assert!(String::from_utf8_lossy(&checked.stdout).contains("tls_listen = \"off\""));
    let checked = run(&[]);
    let text = String::from_utf8_lossy(&checked.stdout).into_owned();
    assert!(text.contains("tls_listen = \"127.0.0.1:55443\""), "{text}");
    assert!(
        text.contains(
            &Path::new("opsd-tls")
                .join("server.pem")
                .display()
                .to_string()
        )
    );

    let serve = std::process::Command::new(env!("CARGO_BIN_EXE_opsd"))
        .arg("serve")
        .env("OPSD_DB", &db)
        .env("OPSD_LISTEN", "127.0.0.1:0")
        .env("OPSD_TLS_LISTEN", "127.0.0.1:0")
        .env("OPSD_TLS_CERT", &missing)
        .env("OPSD_TLS_KEY", &missing)
        .output()
        .expect("opsd serve");
    assert!(!serve.status.success());
    assert!(
        String::from_utf8_lossy(&serve.stderr).contains("nope.pem"),
        "{serve:?}"
    );

    let off = Proc::start_env(&db, &[("OPSD_TLS_LISTEN", "off")]);
    assert_eq!(off.tls, None);
    off.terminate();
}

/// Issue 16's bug, fixed with the connection slots of issue 15.3: every cookie the
/// page areas set over HTTPS carries `Secure` (the login form's token, the session,
/// and the session's end), and none over plain HTTP does.
#[test]
fn page_cookies_over_tls_are_secure() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opsd.db");
    opsd_ok(&db, &["reseller", "add", USER, "--key", KEY], "");
    opsd_ok(&db, &["reseller", "passwd", USER], "panel-password-1\n");
    opsd_ok(&db, &["operator", "add", "ops"], "operator-pw-1\n");
    opsd_ok(
        &db,
        &["email", "company-add", "1001", "--name", "Mail Co"],
        "",
    );
    opsd_ok(
        &db,
        &["email", "admin-add", "1001", "mail-admin"],
        "mail-admin-pw-1\n",
    );
    opsd_ok(&db, &["cert", "init"], "");
    let ca = dir.path().join("opsd-tls").join("ca.pem");
    let server = Proc::start(&db);
    let tls = server.tls.expect("HTTPS is on");
    let curl = |args: &[&str]| -> String {
        let out = std::process::Command::new("curl")
            .args(["-s", "-i", "--cacert"])
            .arg(&ca)
            .args(args)
            .output()
            .expect("curl is installed (.ci/run installs it)");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let set_cookies = |reply: &str| -> Vec<String> {
        reply
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
            .map(str::to_string)
            .collect()
    };
    for (area, user, password) in [
        ("panel", USER, "panel-password-1"),
        ("dashboard", "ops", "operator-pw-1"),
        ("mac", "mail-admin", "mail-admin-pw-1"),
    ] {
        let base = format!("https://localhost:{}/{area}", tls.port());
        let page = curl(&[&format!("{base}/login")]);
        let mut cookies = set_cookies(&page);
        let token = page
            .split("name=\"login_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("login token")
            .to_string();
        let login = curl(&[
            "-b",
            &format!("opsd_{area}_login={token}"),
            "-d",
            &format!("login_token={token}&username={user}&password={password}"),
            &format!("{base}/login"),
        ]);
        assert!(login.contains(" 303 "), "{area}: {login}");
        let session = set_cookies(&login);
        let value = session
            .iter()
            .find_map(|c| c.split(&format!("opsd_{area}=")).nth(1))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_string();
        let page = curl(&["-b", &format!("opsd_{area}={value}"), &format!("{base}/")]);
        let csrf = curl(&[
            "-b",
            &format!("opsd_{area}={value}"),
            &format!(
                "{base}/{}",
                match area {
                    "panel" => "domains",
                    "dashboard" => "transfers",
                    _ => "company",
                }
            ),
        ]);
        let csrf = csrf
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("csrf")
            .to_string();
        let logout = curl(&[
            "-b",
            &format!("opsd_{area}={value}"),
            "-d",
            &format!("csrf={csrf}"),
            &format!("{base}/logout"),
        ]);
        cookies.extend(session);
        cookies.extend(set_cookies(&logout));
        assert!(page.contains(" 303 "), "{area}: {page}");
        assert!(cookies.len() >= 4, "{area}: {cookies:?}");
        for c in &cookies {
            assert!(
                c.ends_with("; Secure") || c.contains("; Secure;"),
                "{area}: {c}"
            );
        }
    }
    // Plain HTTP: no Secure (a browser would drop the cookie).
    let plain = Conn::open(server.addr).send(b"GET /panel/login HTTP/1.1\r\nHost: x\r\n\r\n");
    let c = plain.header("Set-Cookie").expect("login cookie");
    assert!(!c.contains("Secure"), "{c}");
    assert!(
        !curl(&[&format!("https://localhost:{}/healthz", tls.port())])
            .contains("Strict-Transport-Security")
    );
    assert!(server.terminate().success());
    // Issue 15.13: production mode sends HSTS over HTTPS, and only there.
    let prod = Proc::start_env(
        &db,
        &[
            ("OPSD_MODE", "production"),
            ("OPSD_PUBLIC_URL", "https://localhost"),
        ],
    );
    let tls = prod.tls.expect("HTTPS is on");
    let reply = curl(&[&format!("https://localhost:{}/healthz", tls.port())]);
    assert!(
        reply.contains("strict-transport-security: max-age=31536000")
            || reply.contains("Strict-Transport-Security: max-age=31536000"),
        "{reply}"
    );
    let plain = Conn::open(prod.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(plain.header("Strict-Transport-Security").is_none());
    assert!(prod.terminate().success());
}

/// Issue 15.3: TLS handshakes that never start hold no slot a client with a request
/// needs: with every slot taken by silent sockets on the HTTPS port, curl is served.
#[test]
fn silent_tls_handshakes_give_way() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("opsd.db");
    opsd_ok(&db, &["cert", "init"], "");
    let ca = dir.path().join("opsd-tls").join("ca.pem");
    let server = Proc::start_env(
        &db,
        &[
            ("OPSD_MAX_CONNECTIONS", "4"),
            ("OPSD_MAX_CONNECTIONS_PER_IP", "8"),
        ],
    );
    let tls = server.tls.expect("HTTPS is on");
    let _silent: Vec<std::net::TcpStream> = (0..6)
        .map(|_| std::net::TcpStream::connect(tls).expect("connect"))
        .collect();
    let out = std::process::Command::new("curl")
        .args(["-s", "--max-time", "5", "--cacert"])
        .arg(&ca)
        .arg(format!("https://localhost:{}/healthz", tls.port()))
        .output()
        .expect("curl is installed (.ci/run installs it)");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n", "{out:?}");
    drop(_silent);
    assert!(server.terminate().success());
}

/// A second sandbox on the machine finds the default HTTPS port taken: it serves
/// plain HTTP and says so, instead of stopping; a TLS address the operator chose
/// stays an error.
#[test]
fn a_second_sandbox_finds_the_default_https_port_taken() {
    // Held here for the test (or by something else already: taken either way).
    let _taken = std::net::TcpListener::bind(opsd::config::DEFAULT_TLS_LISTEN);
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("second.db");
    opsd_ok(&db, &["cert", "init"], "");
    let config = dir.path().join("opsd.toml");
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\ndb = \"{}\"\n", db.display()),
    )
    .expect("config");
    let p = Proc::start_with_config(&config);
    assert_eq!(p.tls, None, "HTTPS off, not a crash");
    let r = Conn::open(p.addr).send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(r.status_line, "HTTP/1.1 200 OK");
    drop(p);
    let chosen = dir.path().join("chosen.toml");
    std::fs::write(
        &chosen,
        format!(
            "listen = \"127.0.0.1:0\"\ndb = \"{}\"\ntls_listen = \"{}\"\n",
            db.display(),
            opsd::config::DEFAULT_TLS_LISTEN
        ),
    )
    .expect("config");
    let out = std::process::Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_opsd"))
        .args(["serve", "--config"])
        .arg(&chosen)
        .output()
        .expect("run opsd");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("for TLS"), "{err}");
}
