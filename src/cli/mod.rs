//! The commands of the `opsd` binary, one file per area (part of the binary, not the
//! library): the command line's shape, and `run`, which hands each command to its
//! area.

pub mod cert;
pub mod clock;
pub mod db;
pub mod hosted_mail;
pub mod mail;
pub mod operator;
pub mod price;
pub mod record;
pub mod registrar;
pub mod reseller;
pub mod sandbox;
pub mod serve;
pub mod webhook;

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use opsd::clock::{Clock, SystemClock};
use opsd::config::DEFAULT_DB;
use opsd::store::Store;

#[derive(Debug, Parser)]
#[command(
    name = "opsd",
    version,
    about = "An OpenSRS-compatible API server",
    after_help = "Start with `opsd serve`: a new sandbox database gets two resellers, printed with their keys and a first request to paste. `opsd sandbox --help` lists the tools for a running sandbox (the other side of transfers, reset, snapshots, the journal, faults, coverage); docs/ has the rest."
)]
pub struct Cli {
    /// SQLite database file [default: opsd.db, or `db` of the config file].
    #[arg(long, env = "OPSD_DB", global = true)]
    db: Option<PathBuf>,
    #[command(subcommand)]
    cmd: Cmd,
}

impl Cli {
    /// The database the admin commands work on.
    fn db(&self) -> PathBuf {
        self.db.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_DB))
    }
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// Check the configuration (file, environment, flags) and print what it comes to.
    #[command(subcommand)]
    Config(serve::ConfigCmd),
    /// Manage resellers.
    #[command(subcommand)]
    Reseller(reseller::ResellerCmd),
    /// Manage profiles (end-user accounts) inside a reseller.
    #[command(subcommand)]
    Profile(reseller::ProfileCmd),
    /// Manage a reseller's DNS templates.
    #[command(subcommand, name = "dns-template")]
    DnsTemplate(reseller::DnsTemplateCmd),
    /// Manage resellers' portfolios.
    #[command(subcommand)]
    Domain(reseller::DomainCmd),
    /// The sandbox clock of a running server.
    #[command(subcommand)]
    Clock(clock::ClockCmd),
    /// The outbox: every email opsd has sent.
    #[command(subcommand)]
    Mail(mail::MailCmd),
    /// Hosted email: companies, administrators, brands, email domains.
    #[command(subcommand)]
    Email(hosted_mail::EmailCmd),
    /// Registrar accounts of the registry-style push (POST /srv/push_domain).
    Registrar(registrar::RegistrarArgs),
    /// Operator accounts of the dashboard (/dashboard).
    #[command(subcommand)]
    Operator(operator::OperatorCmd),
    /// A reseller's webhook (events pushed to a URL, signed) and its delivery log.
    #[command(subcommand)]
    Webhook(webhook::WebhookCmd),
    /// TLS certificates for the sandbox.
    #[command(subcommand)]
    Cert(cert::CertCmd),
    /// The database: migrations, the instances serving on it.
    #[command(subcommand)]
    Db(db::DbCmd),
    /// The price list orders are charged from.
    #[command(subcommand)]
    Price(price::PriceCmd),
    /// A running sandbox: play the other side of transfers, reset, snapshots, the
    /// outbox and webhook log as JSON.
    Sandbox(sandbox::SandboxArgs),
    /// Record your integration's traffic with the real OpenSRS (a proxy in front of
    /// it), as parity cases.
    Record(record::RecordArgs),
    /// Compare recorded (or shipped) parity cases with a fresh sandbox; add them
    /// to a corpus.
    #[command(subcommand)]
    Parity(record::ParityCmd),
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let given_db = cli.db.clone();
    let db = cli.db();
    match cli.cmd {
        Cmd::Serve(args) => serve::serve(given_db.as_deref(), &args),
        Cmd::Config(serve::ConfigCmd::Check(args)) => serve::check(given_db.as_deref(), &args),
        Cmd::Cert(cmd) => cert::run(&db, cmd),
        Cmd::Db(cmd) => db::run(&db, &cmd),
        Cmd::Price(cmd) => price::run(&db, cmd),
        Cmd::Reseller(cmd) => reseller::run(&db, cmd),
        Cmd::Profile(cmd) => reseller::profile(&db, cmd),
        Cmd::DnsTemplate(cmd) => reseller::dns_template(&db, cmd),
        Cmd::Domain(cmd) => reseller::domain(&db, cmd),
        Cmd::Clock(cmd) => clock::run(&db, cmd),
        Cmd::Mail(cmd) => mail::run(&db, &cmd),
        Cmd::Registrar(args) => registrar::run(&db, args, now()),
        Cmd::Webhook(cmd) => webhook::run(&db, cmd, now()),
        Cmd::Operator(cmd) => operator::run(&db, cmd),
        Cmd::Email(cmd) => hosted_mail::run(&db, cmd, now()),
        Cmd::Sandbox(args) => sandbox::run(&db, &args),
        Cmd::Record(args) => record::record(given_db.as_deref(), args),
        Cmd::Parity(cmd) => record::parity(cmd),
    }
}

pub fn open(db: &Path) -> anyhow::Result<Store> {
    Store::open(db).with_context(|| {
        format!(
            "opening database {}",
            opsd::store::describe_db(&db.to_string_lossy())
        )
    })
}

pub fn now() -> i64 {
    SystemClock.now().unix_timestamp()
}

pub fn reseller_id(store: &Store, name: &str) -> anyhow::Result<i64> {
    match store.reseller_by_name(name)? {
        Some(r) => Ok(r.id),
        None => {
            bail!("no reseller named '{name}' (add one with `opsd reseller add {name} --key KEY`)")
        }
    }
}

/// A new password from the first line of standard input (typed, or piped by a
/// script), at least 8 characters.
pub fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.chars().count() < 8 {
        bail!("the password must have at least 8 characters");
    }
    Ok(password)
}
