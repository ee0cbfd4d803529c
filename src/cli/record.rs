//! `opsd record` (the recording proxy in front of the real OpenSRS) and `opsd
//! parity compare|import` (recorded cases replayed against a fresh sandbox, and
//! added to a corpus): the recipe is in docs/parity.md.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use opsd::parity::{self, Allowed, Case, KnownKeys};

use super::serve::{ServeArgs, effective_config, shutdown_signal};

/// `opsd record`: every setting as a flag, with its environment variable
/// (`record_upstream`, `record_out`, `record_listen`, `record_upstream_ca`,
/// `record_timeout`, `max_body_bytes`, `mode` …).
#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The real server: an https:// URL (also `record_upstream`).
    #[arg(long)]
    upstream: Option<String>,
    /// The directory the cases go to (also `record_out`).
    #[arg(long)]
    out: Option<PathBuf>,
    /// PEM certificates to trust for the upstream (also `record_upstream_ca`).
    #[arg(long)]
    upstream_ca: Option<PathBuf>,
    #[command(flatten)]
    serve: ServeArgs,
}

pub fn record(db: Option<&Path>, args: RecordArgs) -> anyhow::Result<()> {
    let config = effective_config(db, &args.serve)?;
    if config.production {
        bail!(
            "opsd record is a tool for a developer's machine: it does not run in production mode"
        );
    }
    let upstream = args
        .upstream
        .or(config.record_upstream.clone())
        .context("give the real server: --upstream https://horizon.opensrs.net:55443")?;
    let out = args
        .out
        .or(config.record_out.clone())
        .context("give the directory the cases go to: --out DIR")?;
    let recorder = Arc::new(opsd::record::Recorder::new(opsd::record::Settings {
        upstream: upstream.clone(),
        out: out.clone(),
        upstream_ca: args.upstream_ca.or(config.record_upstream_ca.clone()),
        timeout: config.record_timeout,
        max_body_bytes: config.limits.max_bytes,
        concurrency: 16,
    })?);
    // `--listen` (or `listen`) names the proxy's address here, as `record_listen`.
    let listen = if args.serve.settings.listen.is_some() {
        config.listen
    } else {
        config.record_listen
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let bound = listener.local_addr()?;
        if !bound.ip().is_loopback() {
            tracing::warn!(listen = %bound, "the recording proxy is reachable from other machines");
        }
        tracing::info!(listen = %bound, upstream = %upstream, out = %out.display(), "opsd recording");
        opsd::record::serve(listener, shutdown_signal(), recorder).await?;
        Ok(())
    })
}

#[derive(Debug, Subcommand)]
pub enum ParityCmd {
    /// Replay every case of DIR against a fresh sandbox and print where opsd's
    /// replies differ in shape; exits 1 on a difference not listed as deliberate.
    Compare {
        dir: PathBuf,
        /// A scenario file under every case's own world (your resellers, prices).
        #[arg(long)]
        scenario: Option<PathBuf>,
        /// The corpus whose deliberate differences (DIFFERENCES.md) and real keys
        /// also count [default: fixtures/parity when it exists].
        #[arg(long)]
        corpus: Option<PathBuf>,
        /// The report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Check the recorded cases of DIR (no secret left, well-formed, not already
    /// there) and add them to a corpus.
    Import {
        dir: PathBuf,
        /// The corpus [default: fixtures/parity].
        #[arg(long, default_value = "fixtures/parity")]
        into: PathBuf,
    },
}

pub fn parity(cmd: ParityCmd) -> anyhow::Result<()> {
    match cmd {
        ParityCmd::Compare {
            dir,
            scenario,
            corpus,
            json,
        } => {
            let cases = Case::all(&dir)?;
            if cases.is_empty() {
                bail!("no cases in {}", dir.display());
            }
            let corpus = corpus.or_else(|| {
                let d = PathBuf::from("fixtures/parity");
                d.is_dir().then_some(d)
            });
            let mut allowed_text = String::new();
            let mut known_cases = cases.clone();
            for d in [Some(&dir), corpus.as_ref()].into_iter().flatten() {
                if let Ok(t) = std::fs::read_to_string(d.join("DIFFERENCES.md")) {
                    allowed_text.push_str(&t);
                    allowed_text.push('\n');
                }
            }
            if let Some(c) = &corpus
                && c != &dir
            {
                known_cases.extend(Case::all(c)?);
            }
            let allowed = Allowed::parse(&allowed_text);
            let known = KnownKeys::of(&known_cases);
            let base = scenario
                .map(|p| {
                    std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))
                })
                .transpose()?;
            let outcomes = parity::compare_all(&cases, &allowed, &known, base.as_deref());
            if json {
                println!("{}", parity::report_json(&outcomes));
            } else {
                print!("{}", parity::report(&outcomes));
            }
            if parity::any_unexpected(&outcomes) {
                std::process::exit(1);
            }
            Ok(())
        }
        ParityCmd::Import { dir, into } => {
            let recorded = Case::all(&dir)?;
            let mut corpus = if into.is_dir() {
                Case::all(&into)?
            } else {
                Vec::new()
            };
            let mut refused = 0;
            for case in &recorded {
                match parity::recorded::check(case, &corpus) {
                    Ok(()) => {
                        let to = parity::recorded::import(case, &into)?;
                        println!("added {}", to.display());
                        corpus.push(case.clone());
                    }
                    // A call a test suite makes twice is one case: passed over.
                    Err(why @ parity::recorded::Refusal::Duplicate(..)) => {
                        println!("skipped {why}");
                    }
                    Err(why) => {
                        refused += 1;
                        println!("refused {why}");
                    }
                }
            }
            if refused > 0 {
                bail!("{refused} of {} cases refused", recorded.len());
            }
            Ok(())
        }
    }
}
