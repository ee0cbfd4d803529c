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
