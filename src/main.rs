//! The `opsd` binary: parses the command line and runs the server or an admin
//! command. All behaviour lives in the library; errors end here as one message and
//! exit code 1.

mod cli;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};

use opsd::clock::{CLOCK_OFFSET, Clock, SandboxClock, SystemClock, parse_duration};
use opsd::config::{DEFAULT_DB, DEFAULT_LISTEN, RawConfig};
use opsd::sandbox::{Scenario, World};
use opsd::store::Store;
use opsd::{App, auth};

#[derive(Debug, Parser)]
#[command(name = "opsd", version, about = "An OpenSRS-compatible API server")]
struct Cli {
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
    Serve(ServeArgs),
    /// Check the configuration (file, environment, flags) and print what it comes to.
    #[command(subcommand)]
    Config(ConfigCmd),
    /// Manage resellers.
    #[command(subcommand)]
    Reseller(ResellerCmd),
    /// Manage profiles (end-user accounts) inside a reseller.
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Manage a reseller's DNS templates.
    #[command(subcommand, name = "dns-template")]
    DnsTemplate(DnsTemplateCmd),
    /// Manage resellers' portfolios.
    #[command(subcommand)]
    Domain(DomainCmd),
    /// The sandbox clock of a running server.
    #[command(subcommand)]
    Clock(ClockCmd),
    /// The outbox: every email opsd has sent.
    #[command(subcommand)]
    Mail(MailCmd),
    /// Hosted email: companies, administrators, brands, email domains.
    #[command(subcommand)]
    Email(cli::hosted_mail::EmailCmd),
    /// Registrar accounts of the registry-style push (POST /srv/push_domain).
    Registrar(cli::registrar::RegistrarArgs),
    /// Operator accounts of the dashboard (/dashboard).
    #[command(subcommand)]
    Operator(OperatorCmd),
    /// A reseller's webhook (events pushed to a URL, signed) and its delivery log.
    #[command(subcommand)]
    Webhook(cli::webhook::WebhookCmd),
    /// TLS certificates for the sandbox.
    #[command(subcommand)]
    Cert(CertCmd),
}

#[derive(Debug, Subcommand)]
enum ConfigCmd {
    /// Validate the settings `opsd serve` would run with and print them.
    Check(ServeArgs),
}

#[derive(Debug, Subcommand)]
enum ClockCmd {
    /// Move the running server's clock forward (e.g. 7d, 36h) and wait until every
    /// task that fell due has run.
    Advance {
        duration: String,
        /// The running server (default: OPSD_LISTEN).
        #[arg(long, env = "OPSD_LISTEN", default_value = DEFAULT_LISTEN)]
        server: String,
    },
}

#[derive(Debug, Subcommand)]
enum MailCmd {
    /// Print the outbox: to, subject, body (with its links).
    List {
        #[arg(long)]
        json: bool,
    },
}

/// `opsd serve` and `opsd config check`: a config file and every setting as a flag
/// (each with its environment variable), all declared once in `opsd::config`.
#[derive(Debug, Args)]
struct ServeArgs {
    /// A TOML config file; environment variables and flags override its keys.
    #[arg(long, env = "OPSD_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    settings: RawConfig,
}

#[derive(Debug, Subcommand)]
enum OperatorCmd {
    /// Add an operator; the password (at least 8 characters) is read from the first
    /// line of standard input.
    Add { name: String },
    /// Set an operator's password (from standard input).
    Passwd { name: String },
}

#[derive(Debug, Subcommand)]
enum CertCmd {
    /// Make a local CA (kept if there is one) and a server certificate signed by it
    /// for localhost, 127.0.0.1, ::1 and any --name, and print how to trust the CA.
    Init {
        /// Where to write ca.pem, ca.key, server.pem, server.key [default:
        /// opsd-tls beside the database].
        #[arg(long)]
        dir: Option<PathBuf>,
        /// A further DNS name or address the certificate covers; repeat for more.
        #[arg(long = "name", value_name = "NAME")]
        names: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
enum ResellerCmd {
    /// Add a reseller with its private key and optional IP Access Rules.
    Add {
        name: String,
        /// The private key clients sign with.
        #[arg(long)]
        key: String,
        /// An allowed client network (CIDR or address); repeat for more. None = any.
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Replace a reseller's private key (a running server uses the new one within
    /// 2 seconds).
    SetKey {
        name: String,
        #[arg(long)]
        key: String,
    },
    /// Replace a reseller's IP Access Rules; with no --allow-ip, any address may call.
    SetIps {
        name: String,
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Set the control-panel password, read from the first line of standard input
    /// (`echo 'secret' | opsd reseller passwd NAME`); `--clear` turns the login off.
    Passwd {
        name: String,
        #[arg(long)]
        clear: bool,
    },
    /// Turn the domain push feature on for a reseller (off by default).
    EnablePush { name: String },
    /// Turn the domain push feature off.
    DisablePush { name: String },
    /// Let GAINING accept pushes from the losing reseller LOSING.
    AllowPush {
        gaining: String,
        #[arg(long = "from", value_name = "LOSING")]
        from: String,
    },
    /// Take LOSING off GAINING's list.
    DisallowPush {
        gaining: String,
        #[arg(long = "from", value_name = "LOSING")]
        from: String,
    },
}

#[derive(Debug, Subcommand)]
enum DomainCmd {
    /// Add a domain to a reseller's portfolio, in a profile (made if missing).
    Add {
        reseller: String,
        domain: String,
        /// USER:PASSWORD of the profile.
        #[arg(long)]
        profile: String,
        #[arg(long)]
        locked: bool,
    },
}

#[derive(Debug, Subcommand)]
enum ProfileCmd {
    /// Add a profile (reg_username / reg_password) to a reseller.
    Add {
        reseller: String,
        username: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
enum DnsTemplateCmd {
    /// Add a DNS template name to a reseller.
    Add { reseller: String, name: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("opsd=info")),
        )
        .with_writer(std::io::stderr);
    // OPSD_LOG_FORMAT=json: one JSON object per line, for log shippers.
    if std::env::var("OPSD_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json")) {
        logs.json().flatten_event(true).init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("opsd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let given_db = cli.db.clone();
    let db = cli.db();
    match cli.cmd {
        Cmd::Serve(args) => serve(given_db.as_deref(), &args),
        Cmd::Cert(CertCmd::Init { dir, names }) => {
            let dir = dir.unwrap_or_else(|| opsd::config::default_tls_dir(&db));
            let issued = opsd::tls::cert_init(&dir, &names, SystemClock.now())?;
            print!("{}", cli::cert_instructions(&issued));
            Ok(())
        }
        Cmd::Config(ConfigCmd::Check(args)) => {
            let config = effective_config(given_db.as_deref(), &args)?;
            if let Some(p) = &config.scenario {
                Scenario::load(p)?;
            }
            opsd::mail::from_config(config.smtp_url.as_deref(), &config.mail_from)?;
            print!("{}", opsd::config::describe(&config));
            println!("# configuration is valid");
            Ok(())
        }
        Cmd::Reseller(ResellerCmd::Add {
            name,
            key,
            allow_ip,
        }) => {
            check_cidrs(&allow_ip)?;
            let store = open(&db)?;
            let id = store.add_reseller(&name, &key, &allow_ip, now())?;
            println!("reseller {name} added (id {id})");
            Ok(())
        }
        Cmd::Reseller(ResellerCmd::SetKey { name, key }) => {
            if key.trim().is_empty() {
                bail!("the key must not be empty");
            }
            let store = open(&db)?;
            store.set_private_key(reseller_id(&store, &name)?, &key)?;
            println!("private key of {name} replaced");
            Ok(())
        }
        Cmd::Reseller(ResellerCmd::SetIps { name, allow_ip }) => {
            check_cidrs(&allow_ip)?;
            let store = open(&db)?;
            store.set_allowed_ips(reseller_id(&store, &name)?, &allow_ip)?;
            if allow_ip.is_empty() {
                println!("{name} may call from any address");
            } else {
                println!("{name} may call from {}", allow_ip.join(", "));
            }
            Ok(())
        }
        Cmd::Reseller(ResellerCmd::Passwd { name, clear }) => reseller_passwd(&db, &name, clear),
        Cmd::Reseller(ResellerCmd::EnablePush { name }) => set_push(&db, &name, true),
        Cmd::Reseller(ResellerCmd::DisablePush { name }) => set_push(&db, &name, false),
        Cmd::Reseller(ResellerCmd::AllowPush { gaining, from }) => {
            allow_push(&db, &gaining, &from, true)
        }
        Cmd::Reseller(ResellerCmd::DisallowPush { gaining, from }) => {
            allow_push(&db, &gaining, &from, false)
        }
        Cmd::Domain(DomainCmd::Add {
            reseller,
            domain,
            profile,
            locked,
        }) => {
            let Some((user, password)) = profile.split_once(':') else {
                bail!("--profile must be USER:PASSWORD");
            };
            let name = opsd::domain::DomainName::parse(&domain)
                .map_err(|e| anyhow::anyhow!("'{domain}' {e}"))?
                .name;
            let store = open(&db)?;
            let r = reseller_id(&store, &reseller)?;
            let profile_id = match store.profile_by_username(r, user)? {
                Some(p) if auth::verify_password(password, &p.password_hash) => p.id,
                Some(_) => bail!("profile {user} of {reseller} has another password"),
                None => store.add_profile(r, user, &auth::hash_password(password)?, now())?,
            };
            store.add_domain(r, profile_id, &name, locked, now())?;
            println!(
                "{name} added to {reseller} (profile {user}{})",
                if locked { ", locked" } else { "" }
            );
            Ok(())
        }
        Cmd::Profile(ProfileCmd::Add {
            reseller,
            username,
            password,
        }) => {
            let store = open(&db)?;
            let r = reseller_id(&store, &reseller)?;
            let hash = auth::hash_password(&password)?;
            store.add_profile(r, &username, &hash, now())?;
            println!("profile {username} added to {reseller}");
            Ok(())
        }
        Cmd::Clock(ClockCmd::Advance { duration, server }) => {
            if parse_duration(&duration).is_none() {
                bail!("'{duration}' is not a duration like 7d, 36h or 90m");
            }
            let store = open(&db)?;
            let token = store
                .setting(opsd::app::ADMIN_TOKEN)?
                .context("this database has no admin token yet: start `opsd serve` on it first")?;
            let (status, body) = post(&server, "/admin/clock/advance", &token, &duration)?;
            print!("{body}");
            if status != 200 {
                bail!("server answered {status}");
            }
            Ok(())
        }
        Cmd::Mail(MailCmd::List { json }) => {
            let store = open(&db)?;
            let mails = store.outbox()?;
            if json {
                let list: Vec<serde_json::Value> = mails
                    .iter()
                    .map(|(id, m, sent)| {
                        serde_json::json!({"id": id, "to": m.to, "subject": m.subject, "body": m.body, "sent_at": sent})
                    })
                    .collect();
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                for (id, m, sent) in &mails {
                    let state = if sent.is_some() { "sent" } else { "queued" };
                    println!(
                        "#{id} [{state}] To: {}\nSubject: {}\n\n{}\n",
                        m.to, m.subject, m.body
                    );
                }
                if mails.is_empty() {
                    println!("(outbox is empty)");
                }
            }
            Ok(())
        }
        Cmd::Registrar(args) => cli::registrar::run(&db, args, now()),
        Cmd::Webhook(cmd) => cli::webhook::run(&db, cmd, now()),
        Cmd::Operator(OperatorCmd::Add { name }) => {
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!("the operator needs a name");
            }
            let hash = auth::hash_password(&cli::read_password()?)?;
            let store = open(&db)?;
            store.add_operator(&name, &hash, now())?;
            println!("operator {name} added: log in at /dashboard/login");
            Ok(())
        }
        Cmd::Operator(OperatorCmd::Passwd { name }) => {
            let hash = auth::hash_password(&cli::read_password()?)?;
            let store = open(&db)?;
            store
                .set_operator_password(&name, &hash)
                .with_context(|| format!("no operator named {name}"))?;
            println!("password of operator {name} changed");
            Ok(())
        }
        Cmd::Email(cmd) => cli::hosted_mail::run(&db, cmd, now()),
        Cmd::DnsTemplate(DnsTemplateCmd::Add { reseller, name }) => {
            let store = open(&db)?;
            let r = reseller_id(&store, &reseller)?;
            store.add_dns_template(r, &name)?;
            println!("DNS template {name} added to {reseller}");
            Ok(())
        }
    }
}

fn open(db: &Path) -> anyhow::Result<Store> {
    Store::open(db).with_context(|| format!("opening database {}", db.display()))
}

fn now() -> i64 {
    SystemClock.now().unix_timestamp()
}

fn set_push(db: &Path, name: &str, on: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let id = reseller_id(&store, name)?;
    store.set_push_enabled(id, on)?;
    println!(
        "domain push {} for {name}",
        if on { "enabled" } else { "disabled" }
    );
    Ok(())
}

fn reseller_passwd(db: &Path, name: &str, clear: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let id = reseller_id(&store, name)?;
    if clear {
        store.set_reseller_password(id, None)?;
        println!("control-panel login turned off for {name}");
        return Ok(());
    }
    let hash = auth::hash_password(&cli::read_password()?)?;
    store.set_reseller_password(id, Some(&hash))?;
    println!("control-panel password set for {name}");
    Ok(())
}

fn allow_push(db: &Path, gaining: &str, losing: &str, allow: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let g = reseller_id(&store, gaining)?;
    let l = reseller_id(&store, losing)?;
    store.set_push_allowed(g, l, allow, now())?;
    println!(
        "{gaining} {} pushes from {losing}",
        if allow {
            "now accepts"
        } else {
            "no longer accepts"
        }
    );
    Ok(())
}

fn check_cidrs(cidrs: &[String]) -> anyhow::Result<()> {
    for cidr in cidrs {
        if auth::parse_cidr(cidr).is_none() {
            bail!("'{cidr}' is not a CIDR or IP address");
        }
    }
    Ok(())
}

fn reseller_id(store: &Store, name: &str) -> anyhow::Result<i64> {
    match store.reseller_by_name(name)? {
        Some(r) => Ok(r.id),
        None => bail!("no reseller named '{name}'"),
    }
}

/// The sandbox clock: its saved offset, else the scenario's start, else real time.
fn sandbox_clock(store: &Store, scenario: &Scenario) -> anyhow::Result<SandboxClock> {
    if let Some(saved) = store.setting(CLOCK_OFFSET)? {
        let offset: i64 = saved
            .parse()
            .context("saved clock offset is not a number")?;
        return Ok(SandboxClock::with_offset(offset));
    }
    let offset = scenario
        .clock_start
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .map_or(0, SandboxClock::offset_for);
    // Saved as the clock took it (an offset past the latest date is cut back).
    let clock = SandboxClock::with_offset(offset);
    store.set_setting(CLOCK_OFFSET, &clock.offset().unwrap_or(0).to_string())?;
    Ok(clock)
}

/// The settings `opsd serve` runs with: flags and environment over the config file
/// over the defaults.
fn effective_config(db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<opsd::config::Config> {
    let file = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading config file {}", p.display()))?;
            RawConfig::from_toml(&text).with_context(|| format!("in {}", p.display()))?
        }
        None => RawConfig::default(),
    };
    let mut given = args.settings.clone();
    given.db = db.map(|d| d.display().to_string());
    Ok(given.over(file).validate()?)
}

fn serve(db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let mut config = effective_config(db, args)?;
    let mailer = opsd::mail::from_config(config.smtp_url.as_deref(), &config.mail_from)?;
    let port43 = config.whois_port43;
    let scenario = match &config.scenario {
        Some(p) => Scenario::load(p)?,
        None => Scenario::default(),
    };
    let store = open(&config.db)?;
    // Production: the system's time, and a world without magic names (a real
    // registry connector replaces it); no scenario was allowed in.
    let (clock, world): (opsd::clock::SharedClock, World) = if config.production {
        let clock: opsd::clock::SharedClock = Arc::new(SystemClock);
        (clock.clone(), World::production(clock))
    } else {
        let clock: opsd::clock::SharedClock = Arc::new(sandbox_clock(&store, &scenario)?);
        opsd::sandbox::seed_store(&store, &scenario, clock.now().unix_timestamp())?;
        (clock.clone(), World::new(&scenario, clock))
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .with_context(|| format!("binding {}", config.listen))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        if !config.public_url_set {
            config.public_url = format!("http://{bound}");
        }
        let tls = match &config.tls {
            Some(t) if t.required || t.cert.exists() => {
                let acceptor = opsd::tls::acceptor(&t.cert, &t.key)?;
                let l = tokio::net::TcpListener::bind(t.listen)
                    .await
                    .with_context(|| format!("binding {} for TLS", t.listen))?;
                Some((l, acceptor))
            }
            Some(t) => {
                tracing::info!(cert = %t.cert.display(), "no TLS certificate; HTTPS is off until `opsd cert init` makes one");
                None
            }
            None => None,
        };
        let tls_bound = match &tls {
            Some((l, _)) => l.local_addr().context("reading the TLS address")?.to_string(),
            None => "off".to_string(),
        };
        let mode = if config.production { "production" } else { "sandbox" };
        tracing::info!(listen = %bound, tls = %tls_bound, db = %config.db.display(), now = %opsd::clock::format_timestamp(clock.now()), mode, "opsd serving");
        let mut app = App::new(store, clock, config).with_world(world).with_mailer(mailer);
        if port43 {
            app.whois = Arc::new(opsd::whois::Port43::default());
        }
        let app = Arc::new(app);
        app.ensure_admin_token()?;
        opsd::serve_with_tls(listener, tls, shutdown_signal(), app).await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// A minimal HTTP/1.1 POST with a bearer token, for the admin commands; returns the
/// status code and body.
fn post(server: &str, path: &str, token: &str, body: &str) -> anyhow::Result<(u16, String)> {
    use std::io::{Read, Write};
    let mut s =
        std::net::TcpStream::connect(server).with_context(|| format!("connecting to {server}"))?;
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {token}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
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

/// SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}
