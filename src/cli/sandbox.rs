//! `opsd sandbox`: the operator API of a running sandbox server from the command
//! line — the other side of a transfer, reset, snapshots, the outbox and the
//! webhook log as JSON. Each command is one `/admin/` call (see
//! `opsd::operator`) with the database's admin token.

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
    /// The request journal as JSON, newest first; with `--export ID DIR` one
    /// entry's request and reply written as fixture files.
    Journal {
        #[arg(long)]
        reseller: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        code: Option<String>,
        /// Only entries at or after this time (YYYY-MM-DD HH:MM:SS).
        #[arg(long)]
        since: Option<String>,
        /// Failed requests only.
        #[arg(long)]
        errors: bool,
        /// Write entry ID's request and reply into DIR (ID.request, ID.reply).
        #[arg(long, num_args = 2, value_names = ["ID", "DIR"])]
        export: Option<Vec<String>>,
    },
    /// What a reseller's integration has tried: actions, outcomes, lifecycle paths.
    Coverage {
        #[arg(long)]
        reseller: String,
    },
    /// Fault injection: rules that make the sandbox misbehave on purpose.
    #[command(subcommand)]
    Fault(FaultCmd),
    /// The webhook delivery log as JSON.
    Webhooks {
        #[arg(long)]
        reseller: Option<String>,
        #[arg(long)]
        event: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FaultCmd {
    /// Add a rule (see docs/getting-started.md, "Fault injection").
    Add {
        /// reply, latency, close, registry_down, smtp_refuse or webhook_timeout.
        #[arg(long)]
        kind: String,
        /// Only this reseller's calls.
        #[arg(long)]
        reseller: Option<String>,
        /// Only calls of this OPS action (e.g. LOOKUP).
        #[arg(long)]
        action: Option<String>,
        /// registry_down: a TLD such as .com, or one domain.
        #[arg(long)]
        target: Option<String>,
        /// The next N calls only.
        #[arg(long)]
        count: Option<i64>,
        /// This share of calls (0 to 1).
        #[arg(long)]
        fraction: Option<f64>,
        /// reply: the response code and text.
        #[arg(long)]
        code: Option<u16>,
        #[arg(long)]
        text: Option<String>,
        /// latency: milliseconds added.
        #[arg(long)]
        latency_ms: Option<u64>,
        /// How long the rule lasts (10m, 2h); until removed otherwise.
        #[arg(long = "for")]
        lasts: Option<String>,
    },
    /// The rules in force.
    List,
    /// Remove a rule by id, or all of them.
    Remove {
        id: Option<i64>,
        #[arg(long, conflicts_with = "id")]
        all: bool,
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
        SandboxCmd::Journal {
            export: Some(to), ..
        } => {
            let [id, dir] = to.as_slice() else {
                bail!("--export takes an entry id and a directory");
            };
            // The entries are masked, but they still name accounts and show
            // traffic: owner-only, as the database is.
            opsd::files::private_dir(Path::new(dir)).with_context(|| format!("creating {dir}"))?;
            for part in ["request", "reply"] {
                let (status, text) = request(
                    "GET",
                    &args.server,
                    &format!("/admin/journal/{id}/{part}"),
                    &token,
                    "",
                )?;
                if status != 200 {
                    bail!("the server answered {status}: {text}");
                }
                let path = Path::new(dir).join(format!("{id}.{part}"));
                opsd::files::write_private(&path, text.as_bytes())
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("{}", path.display());
            }
            Ok(())
        }
        SandboxCmd::Journal {
            reseller,
            action,
            code,
            since,
            errors,
            export: None,
        } => {
            let mut q = Vec::new();
            for (k, v) in [
                ("reseller", reseller),
                ("action", action),
                ("code", code),
                ("since", since),
            ] {
                if let Some(v) = v {
                    q.push((k, v.clone()));
                }
            }
            if *errors {
                q.push(("errors", "1".into()));
            }
            call(
                "GET",
                &format!("/admin/journal?{}", encode(&q)),
                String::new(),
            )
        }
        SandboxCmd::Coverage { reseller } => call(
            "GET",
            &format!(
                "/admin/coverage?{}",
                encode(&[("reseller", reseller.clone())])
            ),
            String::new(),
        ),
        SandboxCmd::Fault(FaultCmd::List) => call("GET", "/admin/faults", String::new()),
        SandboxCmd::Fault(FaultCmd::Remove { id, all }) => {
            let form = match (id, all) {
                (Some(id), _) => vec![("id", id.to_string())],
                (None, true) => vec![("all", "1".to_string())],
                (None, false) => bail!("give a rule's id, or --all"),
            };
            call("POST", "/admin/faults/remove", encode(&form))
        }
        SandboxCmd::Fault(FaultCmd::Add {
            kind,
            reseller,
            action,
            target,
            count,
            fraction,
            code,
            text,
            latency_ms,
            lasts,
        }) => {
            let mut form = vec![("kind", kind.clone())];
            let optional = [
                ("reseller", reseller.clone()),
                ("action", action.clone()),
                ("target", target.clone()),
                ("count", count.map(|n| n.to_string())),
                ("fraction", fraction.map(|f| f.to_string())),
                ("code", code.map(|c| c.to_string())),
                ("text", text.clone()),
                ("latency_ms", latency_ms.map(|m| m.to_string())),
                ("for", lasts.clone()),
            ];
            form.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))));
            call("POST", "/admin/faults", encode(&form))
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
