//! `opsd clock advance`: moves a running sandbox server's clock through its admin
//! endpoint.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Subcommand;

use opsd::clock::parse_duration;
use opsd::config::DEFAULT_LISTEN;

use super::open;

#[derive(Debug, Subcommand)]
pub enum ClockCmd {
    /// Move the running server's clock forward (e.g. 7d, 36h) and wait until every
    /// task that fell due has run.
    Advance {
        duration: String,
        /// The running server (default: OPSD_LISTEN).
        #[arg(long, env = "OPSD_LISTEN", default_value = DEFAULT_LISTEN)]
        server: String,
    },
}

pub fn run(db: &Path, cmd: ClockCmd) -> anyhow::Result<()> {
    match cmd {
        ClockCmd::Advance { duration, server } => {
            if parse_duration(&duration).is_none() {
                bail!("'{duration}' is not a duration like 7d, 36h or 90m");
            }
            let token = admin_token(db)?;
            let (status, body) = post(&server, "/admin/clock/advance", &token, &duration)?;
            print!("{body}");
            if status != 200 {
                bail!("the server answered {status}; see its log");
            }
            Ok(())
        }
    }
}

/// The admin token the running server on `db` checks.
pub(super) fn admin_token(db: &Path) -> anyhow::Result<String> {
    open(db)?
        .setting(opsd::app::ADMIN_TOKEN)?
        .context("this database has no admin token yet: start `opsd serve` on it first")
}

/// A minimal HTTP/1.1 POST with a bearer token, for the admin commands; returns the
/// status code and body.
pub(super) fn post(
    server: &str,
    path: &str,
    token: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    request("POST", server, path, token, body)
}

/// One admin request (`method` GET or POST) to the running server.
pub(super) fn request(
    method: &str,
    server: &str,
    path: &str,
    token: &str,
    body: &str,
) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(server).with_context(|| {
        format!("connecting to {server}: is `opsd serve` running there? (--server or OPSD_LISTEN)")
    })?;
    s.set_read_timeout(Some(std::time::Duration::from_secs(300)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    s.read_to_string(&mut reply)?;
    let status = reply
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .context("no HTTP status in the reply")?;
    let body = reply
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((status, body))
}
