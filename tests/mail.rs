//! Mail really leaves: approval emails delivered over SMTP (lettre) to a real SMTP
//! server process (aiosmtpd, installed by .ci/run) that writes a Maildir.

use std::process::{Child, Command, Stdio};

use crate::common::*;

/// An aiosmtpd process writing every message it receives to a Maildir.
struct SmtpSink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl SmtpSink {
    fn start() -> SmtpSink {
        let dir = tempfile::tempdir().expect("dir");
        let port = free_port();
        let mut child = Command::new("/usr/bin/python3")
            .args([
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                &format!("127.0.0.1:{port}"),
                "-c",
                "aiosmtpd.handlers.Mailbox",
            ])
            .arg(dir.path().join("Maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("aiosmtpd must be installed (python3-aiosmtpd); .ci/run installs it");
        if port_opens(port) {
            return SmtpSink { child, port, dir };
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not start on port {port}");
    }

    fn messages(&self) -> Vec<String> {
        let new = self.dir.path().join("Maildir").join("new");
        let mut out: Vec<String> = std::fs::read_dir(&new)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                    .collect()
            })
            .unwrap_or_default();
        out.sort();
        out
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines()
        .find(|l| {
            l.len() > name.len()
                && l[..name.len()].eq_ignore_ascii_case(name)
                && l[name.len()..].starts_with(':')
        })
        .map(|l| l[name.len() + 1..].trim())
}

#[test]
fn approval_emails_are_delivered_once_over_smtp() {
    let sink = SmtpSink::start();
    let port = sink.port;
    let s = Server::start_with(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    let r = s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[
            ("m1-owner5.com", "a"),
            ("m2-owner6.com", "b"),
            ("m3-owner5.net", "c"),
        ]),
    ));
    assert_eq!(r.code(), Some(200));
    s.run_due();
    s.run_due();
    let msgs = sink.messages();
    assert_eq!(msgs.len(), 2, "one email per registrant, sent once");
    let to: Vec<&str> = msgs.iter().filter_map(|m| header(m, "To")).collect();
    assert!(
        to.contains(&"owner5@example.net") && to.contains(&"owner6@example.net"),
        "{to:?}"
    );
    let owner5 = msgs
        .iter()
        .find(|m| header(m, "To") == Some("owner5@example.net"))
        .expect("owner5");
    assert!(owner5.contains("m1-owner5.com") && owner5.contains("m3-owner5.net"));
    assert!(owner5.contains(&format!("{}/approve/", s.app.config.public_url)));
    assert!(header(owner5, "Message-ID").is_some_and(|id| id.starts_with("<transfer-")));
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NOT NULL"),
        2
    );
}

#[test]
fn an_unreachable_relay_is_retried_later() {
    let port = free_port();
    let s = Server::start_with(move |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}")));
    s.ops(&envelope(
        "SIMPLE_TRANSFER",
        "DOMAIN",
        &domain_list(&[("r-owner1.com", "a")]),
    ));
    s.run_due();
    assert_eq!(
        s.count("SELECT count(*) FROM outbox WHERE sent_at IS NULL"),
        1
    );
    assert_eq!(s.count("SELECT count(*) FROM tasks WHERE kind = 'send_mail' AND done_at IS NULL AND attempts = 1 AND last_error IS NOT NULL"), 1);
}
