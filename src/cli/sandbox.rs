//! `opsd sandbox`: the operator API of a running sandbox server from the command
//! line — the other side of a transfer, reset, snapshots, the outbox and the
//! webhook log as JSON. Each command is one `/admin/` call (see
//! `opsd::sandbox::operator`) with the database's admin token.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use opsd::config::DEFAULT_LISTEN;

use super::clock::{admin_token, request};

#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// The running server (default: OPSD_LISTEN).
    #[arg(long, env = "OPSD_LISTEN", default_value = DEFAULT_LISTEN, global = true)]
    server: String,
    #[command(subcommand)]
    cmd: SandboxCmd,
}

/// Which transfers a command is about: exactly one.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct Which {
    /// A SIMPLE_TRANSFER or bulk job id.
    #[arg(long)]
    job: Option<i64>,
    /// A registrant's email address.
    #[arg(long)]
    registrant: Option<String>,
    /// A domain name.
    #[arg(long)]
    domain: Option<String>,
    /// A SW_REGISTER transfer order id.
    #[arg(long)]
    order: Option<i64>,
}

impl Which {
    fn form(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if let Some(j) = self.job {
            f.push(("job", j.to_string()));
        }
        if let Some(r) = &self.registrant {
            f.push(("registrant", r.clone()));
        }
        if let Some(d) = &self.domain {
            f.push(("domain", d.clone()));
        }
        if let Some(o) = self.order {
            f.push(("order", o.to_string()));
        }
        f
    }
}

#[derive(Debug, Subcommand)]
pub enum SandboxCmd {
    /// The registrants of the transfers accept, as on the approval page.
    Approve(Which),
    /// The registrants of the transfers decline.
    Decline(Which),
    /// The registrants' approval window ends now, unanswered.
    Timeout(Which),
    /// The registry completes the accepted transfers now.
    Complete(Which),
    /// The registry rejects the accepted transfers now.
    Reject {
        #[command(flatten)]
        which: Which,
        /// The reason the transfers show.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Back to a scenario in one step, without a restart: every table, the clock,
    /// the caches and the queued work (the server's own scenario unless given).
    Reset {
        #[arg(long)]
        scenario: Option<PathBuf>,
    },
    /// Snapshots of the whole sandbox, kept beside the database.
    #[command(subcommand)]
    Snapshot(SnapshotCmd),
    /// The outbox as JSON (links extracted), or cleared.
    Outbox {
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        /// Only messages made at or after this time (YYYY-MM-DD HH:MM:SS).
        #[arg(long)]
        since: Option<String>,
        /// Empty the outbox instead.
        #[arg(long)]
        clear: bool,
    },
    /// The webhook delivery log as JSON.
    Webhooks {
        #[arg(long)]
        reseller: Option<String>,
        #[arg(long)]
        event: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SnapshotCmd {
    Save { name: String },
    Load { name: String },
    List,
}

fn encode(pairs: &[(&str, String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs.iter().map(|(k, v)| (*k, v.as_str())))
        .finish()
}

pub fn run(db: &Path, args: &SandboxArgs) -> anyhow::Result<()> {
    let token = admin_token(db)?;
    let call = |method: &str, path: &str, body: String| -> anyhow::Result<()> {
        let (status, reply) = request(method, &args.server, path, &token, &body)?;
        print!("{reply}");
        if status != 200 {
            bail!("the server answered {status}");
        }
        Ok(())
    };
    let decide = |which: &Which, decision: &str| {
        let mut form = which.form();
        form.push(("decision", decision.to_string()));
        call("POST", "/admin/approvals", encode(&form))
    };
    match &args.cmd {
        SandboxCmd::Approve(w) => decide(w, "accept"),
        SandboxCmd::Decline(w) => decide(w, "decline"),
        SandboxCmd::Timeout(w) => decide(w, "timeout"),
        SandboxCmd::Complete(w) => {
            let mut form = w.form();
            form.push(("outcome", "complete".into()));
            call("POST", "/admin/registry", encode(&form))
        }
        SandboxCmd::Reject { which, reason } => {
            let mut form = which.form();
            form.push(("outcome", "reject".into()));
            if let Some(r) = reason {
                form.push(("reason", r.clone()));
            }
            call("POST", "/admin/registry", encode(&form))
        }
        SandboxCmd::Reset { scenario } => {
            let body = match scenario {
                Some(path) => std::fs::read_to_string(path)
                    .with_context(|| format!("reading {}", path.display()))?,
                None => String::new(),
            };
            call("POST", "/admin/reset", body)
        }
        SandboxCmd::Snapshot(SnapshotCmd::Save { name }) => call(
            "POST",
            "/admin/snapshots/save",
            encode(&[("name", name.clone())]),
        ),
        SandboxCmd::Snapshot(SnapshotCmd::Load { name }) => call(
            "POST",
            "/admin/snapshots/load",
            encode(&[("name", name.clone())]),
        ),
        SandboxCmd::Snapshot(SnapshotCmd::List) => call("GET", "/admin/snapshots", String::new()),
        SandboxCmd::Outbox { clear: true, .. } => {
            call("POST", "/admin/outbox/clear", String::new())
        }
        SandboxCmd::Outbox {
            to, kind, since, ..
        } => {
            let mut q = Vec::new();
            for (k, v) in [("to", to), ("kind", kind), ("since", since)] {
                if let Some(v) = v {
                    q.push((k, v.clone()));
                }
            }
            call(
                "GET",
                &format!("/admin/outbox?{}", encode(&q)),
                String::new(),
            )
        }
        SandboxCmd::Webhooks { reseller, event } => {
            let mut q = Vec::new();
            for (k, v) in [("reseller", reseller), ("event", event)] {
                if let Some(v) = v {
                    q.push((k, v.clone()));
                }
            }
            call(
                "GET",
                &format!("/admin/webhooks?{}", encode(&q)),
                String::new(),
            )
        }
    }
}
