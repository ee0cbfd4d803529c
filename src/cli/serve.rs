//! `opsd serve` and `opsd config check`: the layered settings, the sandbox clock,
//! the runtime and the listeners, and shutdown on SIGTERM or Ctrl-C.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};

use opsd::clock::{CLOCK_OFFSET, Clock, SandboxClock, SystemClock};
use opsd::config::RawConfig;
use opsd::sandbox::Scenario;
use opsd::store::Store;

use super::open;

#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Validate the settings `opsd serve` would run with and print them.
    Check(ServeArgs),
}

/// `opsd serve` and `opsd config check`: a config file and every setting as a flag
/// (each with its environment variable), all declared once in `opsd::config`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// A TOML config file; environment variables and flags override its keys.
    #[arg(long, env = "OPSD_CONFIG")]
    config: Option<PathBuf>,
    #[command(flatten)]
    pub(super) settings: RawConfig,
}

/// `opsd config check`: validates the settings `opsd serve` would run with and
/// prints them.
pub fn check(db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let config = effective_config(db, args)?;
    if let Some(p) = &config.scenario {
        Scenario::load(p)?;
    }
    opsd::mail::from_config(config.smtp_url.as_deref(), &config.mail_from)?;
    print!("{}", opsd::config::describe(&config));
    println!("# configuration is valid");
    Ok(())
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
pub(super) fn effective_config(
    db: Option<&Path>,
    args: &ServeArgs,
) -> anyhow::Result<opsd::config::Config> {
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

pub fn serve(db: Option<&Path>, args: &ServeArgs) -> anyhow::Result<()> {
    let mut config = effective_config(db, args)?;
    let scenario = match &config.scenario {
        Some(p) => Scenario::load(p)?,
        None => Scenario::default(),
    };
    let store = open(&config.db)?;
    // Production: the system's time, which does not move (no scenario was allowed
    // in); the sandbox: its saved offset, or the scenario's start.
    let clock: opsd::clock::SharedClock = if config.production {
        Arc::new(SystemClock)
    } else {
        Arc::new(sandbox_clock(&store, &scenario)?)
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
                match tokio::net::TcpListener::bind(t.listen).await {
                    Ok(l) => Some((l, acceptor)),
                    // A second sandbox on the machine finds the default HTTPS port
                    // taken by the first: it serves plain HTTP and says so. A port
                    // the operator chose is theirs to fix.
                    Err(e) if !config.tls_listen_set && e.kind() == std::io::ErrorKind::AddrInUse => {
                        tracing::warn!(
                            tls = %t.listen,
                            "the default HTTPS port is taken (another opsd?); HTTPS is off for this server. Set tls_listen (--tls-listen 127.0.0.1:0 for any free port) to have it"
                        );
                        None
                    }
                    Err(e) => {
                        return Err(anyhow::Error::new(e).context(format!("binding {} for TLS", t.listen)));
                    }
                }
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
        // DNS for hosted zones and the forwarding web server.
        let dns = bind_side(
            ("DNS", "dns_listen"),
            (config.dns_listen, config.dns_listen_set, config.production),
            opsd::dns::bind,
            |(udp, _)| opsd::dns::address(udp),
        )
        .await?;
        let dns_bound = dns
            .as_ref()
            .map_or_else(|| "off".to_string(), |(udp, _)| opsd::dns::address(udp));
        let forward = bind_side(
            ("forwarding", "forward_listen"),
            (config.forward_listen, config.forward_listen_set, config.production),
            tokio::net::TcpListener::bind,
            listener_address,
        )
        .await?;
        let forward_bound = forward
            .as_ref()
            .map_or_else(|| "off".to_string(), listener_address);

        let now = opsd::clock::format_timestamp(clock.now());
        let app = Arc::new(opsd::app::build(store, clock, config, &scenario)?);
        app.ensure_admin_token()?;
        // A sandbox database without resellers gets two, printed with the first
        // commands to try (a scenario's resellers, when it has some, are the ones).
        // On standard output: standard error is the log, which may be JSON and
        // never carries a key.
        if !app.config.production && scenario.resellers.is_empty()
            && let Some(f) = opsd::sandbox::first_run::ensure(&app.store, app.now())?
        {
            println!(
                "{}",
                opsd::sandbox::first_run::welcome(&f, &bound.to_string(), &opsd::store::describe_db(&app.config.db.to_string_lossy()))
            );
        }
        // Said once the app is whole and the first run done: scripts and tests wait
        // for this line before they use the database (the admin token, the first
        // resellers) or the port.
        let (stop_dns, dns_stopped) = tokio::sync::oneshot::channel::<()>();
        let dns_task = dns.map(|(udp, tcp)| {
            tokio::spawn(opsd::dns::serve(app.clone(), udp, tcp, async {
                let _ = dns_stopped.await;
            }))
        });
        let (stop_forward, forward_stopped) = tokio::sync::oneshot::channel::<()>();
        let forward_task = forward.map(|l| {
            tokio::spawn(opsd::forward::serve(app.clone(), l, async {
                let _ = forward_stopped.await;
            }))
        });
        tracing::info!(listen = %bound, tls = %tls_bound, dns = %dns_bound, forward = %forward_bound, db = %opsd::store::describe_db(&app.config.db.to_string_lossy()), %now, mode, "opsd serving");
        opsd::serve_with_tls(listener, tls, shutdown_signal(), app).await?;
        let _ = stop_dns.send(());
        let _ = stop_forward.send(());
        if let Some(t) = forward_task {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
        if let Some(t) = dns_task {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), t).await;
        }
        tracing::info!("stopped");
        Ok(())
    })
}

fn listener_address(l: &tokio::net::TcpListener) -> String {
    l.local_addr()
        .map_or_else(|_| "?".into(), |a| a.to_string())
}

/// Binds a server beside the API (DNS, forwarding) on `at`, if it is on:
/// production runs it only when its address was `set`; a taken default port
/// (a second sandbox on the machine) moves to a free one and says where; a port
/// the operator chose that cannot be bound stops the server.
async fn bind_side<T, F, Fut>(
    (what, setting): (&str, &str),
    (at, set, production): (Option<std::net::SocketAddr>, bool, bool),
    bind: F,
    address: fn(&T) -> String,
) -> anyhow::Result<Option<T>>
where
    F: Fn(std::net::SocketAddr) -> Fut,
    Fut: std::future::Future<Output = std::io::Result<T>>,
{
    let Some(at) = at.filter(|_| set || !production) else {
        return Ok(None);
    };
    match bind(at).await {
        Ok(bound) => Ok(Some(bound)),
        Err(e) if !set && e.kind() == std::io::ErrorKind::AddrInUse => {
            let any = std::net::SocketAddr::new(at.ip(), 0);
            let bound = bind(any)
                .await
                .with_context(|| format!("binding {any} for {what}"))?;
            tracing::warn!(
                default = %at,
                bound = %address(&bound),
                "the default {what} port is taken (another opsd?); {what} answers on another port. Set {setting} to choose one"
            );
            Ok(Some(bound))
        }
        Err(e) => Err(anyhow::Error::new(e).context(format!("binding {at} for {what}"))),
    }
}

/// SIGTERM or Ctrl-C.
pub(super) async fn shutdown_signal() {
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
