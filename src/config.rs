//! Settings, in layers: defaults in code, then an optional TOML file
//! (`opsd serve --config FILE`), then `OPSD_*` environment variables, then flags.
//! Each layer is a [`RawConfig`]; the merged one is validated into the [`Config`]
//! the server runs on.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ops::Limits;

/// Plain-HTTP address when none is configured (OpenSRS's own plain port is 55000).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:55000";

/// The loopback address the recording proxy (`opsd record`) listens on by default.
pub const RECORD_LISTEN: &str = "127.0.0.1:55080";
pub const DEFAULT_DB: &str = "opsd.db";
/// TLS address when none is configured (OpenSRS's production port).
pub const DEFAULT_TLS_LISTEN: &str = "127.0.0.1:55443";

/// The sandbox's DNS server for hosted zones, UDP and TCP (*chosen*).
pub const DEFAULT_DNS_LISTEN: &str = "127.0.0.1:55053";

/// The sandbox's forwarding web server (*chosen*).
pub const DEFAULT_FORWARD_LISTEN: &str = "127.0.0.1:55088";
/// Where `opsd cert init` writes and the server looks by default: beside the database.
pub const DEFAULT_TLS_DIR: &str = "opsd-tls";

/// HTTPS alongside plain HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsConfig {
    pub listen: SocketAddr,
    pub cert: PathBuf,
    pub key: PathBuf,
    /// The files were configured, so missing ones are an error; by default they are
    /// looked for beside the database and TLS stays off without them.
    pub required: bool,
}

/// The per-reseller request rate production mode uses when none is configured.
pub const PRODUCTION_RATE_LIMIT: u32 = 20;

impl Config {
    /// HTTPS as the three TLS settings make it: the files default to `opsd-tls/`
    /// beside the database, and are required once either is configured.
    pub fn tls(&self) -> Option<TlsConfig> {
        let listen = self.tls_listen?;
        let dir = default_tls_dir(&self.db);
        Some(TlsConfig {
            listen,
            cert: self
                .tls_cert
                .clone()
                .unwrap_or_else(|| dir.join(crate::tls::SERVER_CERT)),
            key: self
                .tls_key
                .clone()
                .unwrap_or_else(|| dir.join(crate::tls::SERVER_KEY)),
            required: self.tls_cert.is_some() || self.tls_key.is_some(),
        })
    }

    /// What production mode needs, refused with a sentence that says what to set;
    /// and what it turns on by default.
    fn check_production(&mut self) -> Result<(), ConfigError> {
        if !self.public_url_set || !self.public_url.starts_with("https://") {
            return Err(ConfigError::Production(
                "production mode needs public_url = \"https://…\": approval links in emails go out over HTTPS".into(),
            ));
        }
        if self.scenario.is_some() {
            return Err(ConfigError::Production(
                "production mode takes no scenario file (scenarios seed the sandbox)".into(),
            ));
        }
        if !self.rate_limit_set {
            self.rate_limit = PRODUCTION_RATE_LIMIT;
        }
        Ok(())
    }
}

/// The directory of TLS files beside a database: `dir/opsd.db` → `dir/opsd-tls`.
pub fn default_tls_dir(db: &std::path::Path) -> PathBuf {
    if db.to_str().is_some_and(crate::store::is_postgres_url) {
        // A database URL has no directory: the files are in the working one.
        return PathBuf::from(DEFAULT_TLS_DIR);
    }
    match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(DEFAULT_TLS_DIR),
        _ => PathBuf::from(DEFAULT_TLS_DIR),
    }
}

/// The separate database `test=1` registry calls run against (seed 002): next to
/// the main one, `opsd.db` → `opsd-test.db`.
pub fn test_db_path(db: &std::path::Path) -> PathBuf {
    if let Some(url) = db.to_str().filter(|d| crate::store::is_postgres_url(d)) {
        // On PostgreSQL: the schema opsd_test of the same database.
        let sep = if url.contains('?') { '&' } else { '?' };
        return PathBuf::from(format!("{url}{sep}options=-csearch_path%3Dopsd_test"));
    }
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("opsd");
    let name = match db.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-test.{ext}"),
        None => format!("{stem}-test"),
    };
    db.with_file_name(name)
}

/// Declares every setting once: its name (the file key; the flag is the same in
/// kebab case), its environment variable and help text (the `#[arg]` and doc lines),
/// the raw type one layer gives, its field in [`Config`] with the default (`=> type =
/// default`; a setting without one lands in a field of the `config` block), how a
/// given value lands in [`Config`] (`apply`), and its line in `opsd config check`
/// (`show`). The `config` block lists the fields no single setting owns, with
/// their defaults.
macro_rules! settings {
    (
        config($listen:ident, $db:ident) {
            $( $(#[doc = $edoc:literal])* $ename:ident: $ety:ty = $edef:expr, )*
        }
        $(
            $(#[doc = $doc:literal])*
            #[arg($($arg:tt)*)]
            $name:ident: $raw:ty $(=> $fty:ty = $fdef:expr)?,
            apply = |$c:ident, $v:ident| $apply:expr,
            show = |$sc:ident| $show:expr;
        )*
    ) => {
        /// What the server runs on: the defaults with every layer applied, validated.
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct Config {
            $( $(
                #[doc = concat!("The `", stringify!($name), "` setting.")]
                pub $name: $fty,
            )? )*
            $( $(#[doc = $edoc])* pub $ename: $ety, )*
        }

        impl Config {
            /// Defaults for everything but where to listen and which file to use.
            pub fn new($listen: SocketAddr, $db: PathBuf) -> Config {
                Config {
                    $( $( $name: $fdef, )? )*
                    $( $ename: $edef, )*
                }
            }
        }

        /// Settings as one layer gives them, before validation: the config file has
        /// these keys, `opsd serve` these flags and environment variables.
        #[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, clap::Args)]
        #[serde(deny_unknown_fields)]
        pub struct RawConfig {
            $( $(#[doc = $doc])* #[arg($($arg)*)] pub $name: Option<$raw>, )*
        }

        impl RawConfig {
            /// This layer over `base`: every key this layer sets wins.
            pub fn over(self, base: RawConfig) -> RawConfig {
                RawConfig { $( $name: self.$name.or(base.$name), )* }
            }

            /// Lands every given value in `c`, in table order.
            fn apply_to(self, c: &mut Config) -> Result<(), ConfigError> {
                $(
                    if let Some($v) = self.$name {
                        let $c: &mut Config = c;
                        $apply;
                    }
                )*
                Ok(())
            }
        }

        /// Every key with its value, one `key = value` line each, secrets masked: what
        /// `opsd config check` prints.
        pub fn describe(c: &Config) -> String {
            let mut out = String::new();
            $(
                {
                    let $sc: &Config = c;
                    let shown: Option<String> = $show;
                    if let Some(line) = shown {
                        out.push_str(&line);
                        out.push('\n');
                    }
                }
            )*
            out
        }
    };
}

/// A positive number, or the error naming the setting.
fn positive<T: PartialEq + Default>(name: &'static str, v: T) -> Result<T, ConfigError> {
    if v == T::default() {
        return Err(ConfigError::Zero(name));
    }
    Ok(v)
}

/// A duration such as `7d`, `36h`, `90m` or `30s`.
fn duration(name: &'static str, v: &str) -> Result<Duration, ConfigError> {
    crate::clock::parse_duration(v)
        .filter(|d| d.is_positive())
        .map(|d| Duration::from_secs(d.whole_seconds().unsigned_abs()))
        .ok_or_else(|| ConfigError::Duration(name, v.to_string()))
}

fn address(v: &str) -> Result<SocketAddr, ConfigError> {
    v.parse::<SocketAddr>()
        .map_err(|_| ConfigError::Listen(v.to_string()))
}

fn quoted(name: &str, v: impl std::fmt::Display) -> Option<String> {
    Some(format!("{name} = \"{v}\""))
}

fn seconds(name: &str, d: Duration) -> Option<String> {
    quoted(name, format_args!("{}s", d.as_secs()))
}

settings! {
    config(listen, db) {
        listen: SocketAddr = listen,
        db: PathBuf = db,
        /// Body size, nesting depth and item count limits of the OPS reader
        /// (`max_body_bytes`, `max_depth`, `max_items`).
        limits: Limits = Limits::default(),
        /// When failed logins lock an account or an address (`login_failures`,
        /// `login_failures_per_ip`, `login_lockout`; see `auth::throttle`).
        login_policy: crate::auth::throttle::Policy = crate::auth::throttle::Policy::default(),
        /// How long shutdown waits for requests in flight.
        shutdown_grace: Duration = Duration::from_secs(30),
        /// Run the background workers (tests of the request path alone turn them off).
        workers: bool = true,
        /// Ask real WHOIS servers on port 43 instead of the sandbox world (`whois`).
        whois_port43: bool = false,
        /// `public_url` was configured (else it follows the bound address).
        public_url_set: bool = false,
        /// HTTPS, unless turned off with `tls_listen = "off"` (made by `validate` from
        /// `tls_listen`, `tls_cert` and `tls_key`).
        tls: Option<TlsConfig> = None,
        /// `rate_limit` was configured (else production mode sets its own).
        rate_limit_set: bool = false,
        /// `tls_listen` was configured (else a taken default port turns HTTPS off
        /// with a warning instead of stopping the server).
        tls_listen_set: bool = false,
        /// `dns_listen` was configured (else a taken default port moves DNS to a
        /// free one with a warning, and production mode serves no DNS).
        dns_listen_set: bool = false,
        /// `forward_listen` was configured (as `dns_listen_set`, for forwarding).
        forward_listen_set: bool = false,
        /// Production mode (`mode`): no movable clock, no magic names or scenario, rate
        /// limits on, HTTPS links, /metrics behind its token, HSTS (docs/security.md).
        production: bool = false,
    }

    /// Address and port for plain HTTP [default: 127.0.0.1:55000].
    #[arg(long, env = "OPSD_LISTEN")]
    listen: String,
    apply = |c, v| c.listen = address(&v)?,
    show = |c| quoted("listen", c.listen);

    /// The database: a SQLite file [default: opsd.db], or a PostgreSQL URL
    /// (`postgres://user:password@host:port/name`) for several instances on one
    /// database; `--db` and `OPSD_DB` are the global flag of every command.
    #[arg(skip)]
    db: String,
    apply = |c, v| c.db = PathBuf::from(v),
    show = |c| quoted("db", crate::store::describe_db(&c.db.to_string_lossy()));

    /// Largest request body in bytes [default: 16777216].
    #[arg(long, env = "OPSD_MAX_BODY_BYTES")]
    max_body_bytes: usize,
    apply = |c, v| c.limits.max_bytes = positive("max body bytes", v)?,
    show = |c| Some(format!("max_body_bytes = {}", c.limits.max_bytes));

    /// Deepest dt_assoc/dt_array nesting [default: 32].
    #[arg(long, env = "OPSD_MAX_DEPTH")]
    max_depth: usize,
    apply = |c, v| c.limits.max_depth = positive("max depth", v)?,
    show = |c| Some(format!("max_depth = {}", c.limits.max_depth));

    /// Most items in one envelope [default: 41000, ten thousand domains' worth].
    #[arg(long, env = "OPSD_MAX_ITEMS")]
    max_items: usize,
    apply = |c, v| c.limits.max_items = positive("max items", v)?,
    show = |c| Some(format!("max_items = {}", c.limits.max_items));

    /// Base URL of links in emails [default: http://LISTEN].
    #[arg(long, env = "OPSD_PUBLIC_URL")]
    public_url: String => String = format!("http://{listen}"),
    apply = |c, v| {
        c.public_url = v.trim_end_matches('/').to_string();
        c.public_url_set = true;
    },
    show = |c| quoted(
        "public_url",
        if c.public_url_set { c.public_url.as_str() } else { "(http://<bound address>)" },
    );

    /// SMTP relay for outgoing mail, e.g. smtp://127.0.0.1:25 [default: keep mail in
    /// the outbox only, see `opsd mail list`].
    #[arg(long, env = "OPSD_SMTP_URL")]
    smtp_url: String => Option<String> = None,
    apply = |c, v| {
        if !v.starts_with("smtp://") {
            return Err(ConfigError::Smtp(v));
        }
        c.smtp_url = Some(v);
    },
    show = |c| quoted(
        "smtp_url",
        c.smtp_url.as_deref().map(mask_userinfo).as_deref().unwrap_or("(none: outbox only)"),
    );

    /// The From of outgoing mail (default: "opsd <noreply@opsd.invalid>").
    #[arg(long, env = "OPSD_MAIL_FROM")]
    mail_from: String => String = crate::mail::DEFAULT_FROM.to_string(),
    apply = |c, v| c.mail_from = v,
    show = |c| quoted("mail_from", &c.mail_from);

    /// WHOIS source: `sandbox` (the scenario world) or `port43` (real servers)
    /// [default: sandbox].
    #[arg(long, env = "OPSD_WHOIS")]
    whois: String,
    apply = |c, v| c.whois_port43 = match v.as_str() {
        "sandbox" => false,
        "port43" => true,
        _ => return Err(ConfigError::Whois(v)),
    },
    show = |c| quoted("whois", if c.whois_port43 { "port43" } else { "sandbox" });

    /// Where the sandbox keeps named snapshots (give instances on PostgreSQL one
    /// shared directory) [default: DB.snapshots/ beside a SQLite file,
    /// opsd-snapshots/NAME/ in the working directory for a URL].
    #[arg(long, env = "OPSD_SNAPSHOT_DIR")]
    snapshot_dir: String => Option<PathBuf> = None,
    apply = |c, v| c.snapshot_dir = Some(PathBuf::from(v)),
    show = |c| c.snapshot_dir.as_ref().and_then(|d| quoted("snapshot_dir", d.display()));

    /// Keep the request journal (`on` or `off`; production mode keeps none)
    /// [default: on].
    #[arg(long, env = "OPSD_JOURNAL")]
    journal: String => bool = true,
    apply = |c, v| c.journal = match v.as_str() {
        "on" => true,
        "off" => false,
        _ => return Err(ConfigError::Journal(v)),
    },
    show = |c| quoted("journal", if c.journal { "on" } else { "off" });

    /// How long registrants have to approve a transfer (e.g. 7d, 36h) [default: 7d].
    #[arg(long, env = "OPSD_APPROVAL_WINDOW")]
    approval_window: String => Duration = Duration::from_secs(7 * 86_400),
    apply = |c, v| c.approval_window = duration("approval_window", &v)?,
    show = |c| seconds("approval_window", c.approval_window);

    /// How long the approver of a single transfer order (SW_REGISTER) has to approve
    /// it (e.g. 5d) [default: 5d].
    #[arg(long, env = "OPSD_TRANSFER_APPROVAL_WINDOW")]
    transfer_approval_window: String => Duration = Duration::from_secs(5 * 86_400),
    apply = |c, v| c.transfer_approval_window = duration("transfer_approval_window", &v)?,
    show = |c| seconds("transfer_approval_window", c.transfer_approval_window);

    /// Most client connections served at once; past it the idlest gives way
    /// [default: 1024].
    #[arg(long, env = "OPSD_MAX_CONNECTIONS")]
    max_connections: usize => usize = 1024,
    apply = |c, v| c.max_connections = positive("max connections", v)?,
    show = |c| Some(format!("max_connections = {}", c.max_connections));

    /// OPS requests per second per reseller, bursts of twice that; 0 = no limit
    /// [default: 0 in the sandbox, 20 in production].
    #[arg(long, env = "OPSD_RATE_LIMIT")]
    rate_limit: u32 => u32 = 0,
    apply = |c, v| {
        c.rate_limit = v;
        c.rate_limit_set = true;
    },
    show = |c| Some(format!("rate_limit = {}", c.rate_limit));

    /// Close keep-alive connections idle this long [default: 60s].
    #[arg(long, env = "OPSD_IDLE_TIMEOUT")]
    idle_timeout: String => Duration = Duration::from_secs(60),
    apply = |c, v| c.idle_timeout = duration("idle_timeout", &v)?,
    show = |c| seconds("idle_timeout", c.idle_timeout);

    /// Longest wait for a request body once the head is in [default: 30s].
    #[arg(long, env = "OPSD_BODY_TIMEOUT")]
    body_timeout: String => Duration = Duration::from_secs(30),
    apply = |c, v| c.body_timeout = duration("body_timeout", &v)?,
    show = |c| seconds("body_timeout", c.body_timeout);

    /// Sandbox scenario file (TOML): clock start, ids, resellers, foreign domains.
    #[arg(long, env = "OPSD_SCENARIO")]
    scenario: String => Option<PathBuf> = None,
    apply = |c, v| c.scenario = Some(PathBuf::from(v)),
    show = |c| quoted(
        "scenario",
        c.scenario.as_ref().map(|p| p.display().to_string()).as_deref().unwrap_or("(none)"),
    );

    /// `sandbox` (movable clock, magic names, scenarios) or `production` [default:
    /// sandbox].
    #[arg(long, env = "OPSD_MODE")]
    mode: String,
    apply = |c, v| c.production = match v.as_str() {
        "sandbox" => false,
        "production" => true,
        _ => return Err(ConfigError::Mode(v)),
    },
    show = |c| quoted("mode", if c.production { "production" } else { "sandbox" });

    /// Addresses of the load balancers in front of opsd (CIDRs, comma-separated):
    /// a connection from one may begin with a PROXY protocol header (v1 or v2)
    /// and its requests may carry `X-Forwarded-For`, which then give the client's
    /// address; from any other address neither is taken [default: none].
    #[arg(long, env = "OPSD_TRUSTED_PROXIES")]
    trusted_proxies: String => Vec<ipnet::IpNet> = Vec::new(),
    apply = |c, v| c.trusted_proxies = cidrs(&v)?,
    show = |c| quoted(
        "trusted_proxies",
        c.trusted_proxies.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "),
    );

    /// Most connections open at once from one client address [default: 128].
    #[arg(long, env = "OPSD_MAX_CONNECTIONS_PER_IP")]
    max_connections_per_ip: usize => usize = 128,
    apply = |c, v| c.max_connections_per_ip = positive("max connections per ip", v)?,
    show = |c| Some(format!("max_connections_per_ip = {}", c.max_connections_per_ip));

    /// Most OPS requests of one reseller worked on at once; more wait their turn,
    /// so that one tenant's load or faults never take the threads every other
    /// tenant's requests need [default: 16].
    #[arg(long, env = "OPSD_RESELLER_CONCURRENCY")]
    reseller_concurrency: usize => usize = 16,
    apply = |c, v| c.reseller_concurrency = positive("reseller concurrency", v)?,
    show = |c| Some(format!("reseller_concurrency = {}", c.reseller_concurrency));

    /// Bytes of request bodies held at once, across every request (a known
    /// caller's body is held while its signature is checked); past it a new body
    /// waits a moment, then is answered "Server busy" [default: 134217728].
    #[arg(long, env = "OPSD_BODY_BUDGET_BYTES")]
    body_budget_bytes: usize => usize = 128 * 1024 * 1024,
    apply = |c, v| c.body_budget_bytes = positive("body budget bytes", v)?,
    show = |c| Some(format!("body_budget_bytes = {}", c.body_budget_bytes));

    /// Longest a client may take to send a request's head [default: 10s].
    #[arg(long, env = "OPSD_HEADER_TIMEOUT")]
    header_timeout: String => Duration = Duration::from_secs(10),
    apply = |c, v| c.header_timeout = duration("header_timeout", &v)?,
    show = |c| seconds("header_timeout", c.header_timeout);

    /// Longest a TLS client may take to finish its handshake [default: 10s].
    #[arg(long, env = "OPSD_HANDSHAKE_TIMEOUT")]
    handshake_timeout: String => Duration = Duration::from_secs(10),
    apply = |c, v| c.handshake_timeout = duration("handshake_timeout", &v)?,
    show = |c| seconds("handshake_timeout", c.handshake_timeout);

    /// Failed logins that lock an account for the lockout time [default: 10].
    #[arg(long, env = "OPSD_LOGIN_FAILURES")]
    login_failures: u32,
    apply = |c, v| c.login_policy.per_account = positive("login failures", v)?,
    show = |c| Some(format!("login_failures = {}", c.login_policy.per_account));

    /// Failed logins that lock a client address for the lockout time [default: 50].
    #[arg(long, env = "OPSD_LOGIN_FAILURES_PER_IP")]
    login_failures_per_ip: u32,
    apply = |c, v| c.login_policy.per_address = positive("login failures per ip", v)?,
    show = |c| Some(format!("login_failures_per_ip = {}", c.login_policy.per_address));

    /// The window failed logins are counted in, and how long a lock lasts [default:
    /// 15m].
    #[arg(long, env = "OPSD_LOGIN_LOCKOUT")]
    login_lockout: String,
    apply = |c, v| c.login_policy.window = duration("login_lockout", &v)?,
    show = |c| seconds("login_lockout", c.login_policy.window);

    /// Bearer token `GET /metrics` needs; in production without one, /metrics is off
    /// [default: none (open in the sandbox)].
    #[arg(long, env = "OPSD_METRICS_TOKEN")]
    metrics_token: String => Option<String> = None,
    apply = |c, v| c.metrics_token = Some(v),
    show = |c| quoted(
        "metrics_token",
        if c.metrics_token.is_some() { "***" } else { "(none)" },
    );

    /// How long sent mail, settled events, finished tasks, webhook attempts and
    /// expired sessions and tokens are kept [default: 90d].
    #[arg(long, env = "OPSD_RETENTION")]
    retention: String => Duration = Duration::from_secs(90 * 86_400),
    apply = |c, v| c.retention = duration("retention", &v)?,
    show = |c| seconds("retention", c.retention);

    /// How long audit log rows are kept [default: 365d].
    #[arg(long, env = "OPSD_AUDIT_RETENTION")]
    audit_retention: String => Duration = Duration::from_secs(365 * 86_400),
    apply = |c, v| c.audit_retention = duration("audit_retention", &v)?,
    show = |c| seconds("audit_retention", c.audit_retention);

    /// Address and port for HTTPS, or `off` [default: 127.0.0.1:55443].
    #[arg(long, env = "OPSD_TLS_LISTEN")]
    tls_listen: String => Option<SocketAddr> = DEFAULT_TLS_LISTEN.parse().ok(),
    apply = |c, v| {
        c.tls_listen = if v == "off" { None } else { Some(address(&v)?) };
        c.tls_listen_set = true;
    },
    show = |c| match &c.tls() {
        None => quoted("tls_listen", "off"),
        Some(t) => Some(format!(
            "tls_listen = \"{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"{}",
            t.listen,
            t.cert.display(),
            t.key.display(),
            if t.required {
                ""
            } else {
                "\n# TLS starts only if those files exist (opsd cert init makes them)"
            }
        )),
    };

    /// Address and port of the DNS server for hosted zones (UDP and TCP), or
    /// `off` [default: 127.0.0.1:55053 in the sandbox; production serves DNS only
    /// when this is set].
    #[arg(long, env = "OPSD_DNS_LISTEN")]
    dns_listen: String => Option<SocketAddr> = DEFAULT_DNS_LISTEN.parse().ok(),
    apply = |c, v| {
        c.dns_listen = if v == "off" { None } else { Some(address(&v)?) };
        c.dns_listen_set = true;
    },
    show = |c| match c.dns_listen {
        None => quoted("dns_listen", "off"),
        Some(a) => quoted("dns_listen", a),
    };

    /// Address and port of the forwarding web server (domain forwarding), or
    /// `off` [default: 127.0.0.1:55088 in the sandbox; production serves it only
    /// when this is set].
    #[arg(long, env = "OPSD_FORWARD_LISTEN")]
    forward_listen: String => Option<SocketAddr> = DEFAULT_FORWARD_LISTEN.parse().ok(),
    apply = |c, v| {
        c.forward_listen = if v == "off" { None } else { Some(address(&v)?) };
        c.forward_listen_set = true;
    },
    show = |c| match c.forward_listen {
        None => quoted("forward_listen", "off"),
        Some(a) => quoted("forward_listen", a),
    };

    /// Server certificate chain (PEM) [default: opsd-tls/server.pem beside the
    /// database; TLS starts only if it exists].
    #[arg(long, env = "OPSD_TLS_CERT")]
    tls_cert: String => Option<PathBuf> = None,
    apply = |c, v| c.tls_cert = Some(PathBuf::from(v)),
    show = |_c| None;

    /// Its private key (PEM) [default: opsd-tls/server.key beside the database].
    #[arg(long, env = "OPSD_TLS_KEY")]
    tls_key: String => Option<PathBuf> = None,
    apply = |c, v| c.tls_key = Some(PathBuf::from(v)),
    show = |_c| None;

    /// `opsd record`: the real OpenSRS to record against, an https:// URL (e.g.
    /// `https://horizon.opensrs.net:55443`) [default: none].
    #[arg(long, env = "OPSD_RECORD_UPSTREAM")]
    record_upstream: String => Option<String> = None,
    apply = |c, v| c.record_upstream = Some(v),
    show = |c| c.record_upstream.as_ref().and_then(|u| quoted("record_upstream", u));

    /// `opsd record`: the directory the recorded cases go to [default: none].
    #[arg(long, env = "OPSD_RECORD_OUT")]
    record_out: String => Option<PathBuf> = None,
    apply = |c, v| c.record_out = Some(PathBuf::from(v)),
    show = |c| c.record_out.as_ref().and_then(|d| quoted("record_out", d.display()));

    /// `opsd record`: where the proxy listens [default: 127.0.0.1:55080].
    #[arg(long, env = "OPSD_RECORD_LISTEN")]
    record_listen: String => SocketAddr = RECORD_LISTEN
        .parse()
        .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 55080))),
    apply = |c, v| c.record_listen = address(&v)?,
    show = |c| quoted("record_listen", c.record_listen);

    /// `opsd record`: PEM certificates to trust for the upstream instead of the
    /// public roots (a test server's own CA) [default: the public roots].
    #[arg(long, env = "OPSD_RECORD_UPSTREAM_CA")]
    record_upstream_ca: String => Option<PathBuf> = None,
    apply = |c, v| c.record_upstream_ca = Some(PathBuf::from(v)),
    show = |c| c.record_upstream_ca.as_ref().and_then(|d| quoted("record_upstream_ca", d.display()));

    /// `opsd record`: the longest a request may take at the upstream [default:
    /// 30s].
    #[arg(long, env = "OPSD_RECORD_TIMEOUT")]
    record_timeout: String => Duration = Duration::from_secs(30),
    apply = |c, v| c.record_timeout = duration("record_timeout", &v)?,
    show = |c| seconds("record_timeout", c.record_timeout);

    /// The price list, in the config file only: `[[price]]` tables with `tld`
    /// (`com`, or `*` for every TLD) and `transfer` (`"8.99"`); written to the
    /// database's list when the server starts.
    #[arg(skip)]
    price: Vec<crate::money::PriceTable> => Vec<(String, String, i64)> = Vec::new(),
    apply = |c, v| c.price = prices(v)?,
    show = |c| (!c.price.is_empty()).then(|| {
        c.price
            .iter()
            .map(|(tld, kind, cents)| {
                format!(
                    "[[price]]\ntld = \"{tld}\"\n{kind} = \"{}\"",
                    crate::money::format_cents(*cents)
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
}

/// The config file's price tables as `(tld, kind, cents)`.
fn prices(
    entries: Vec<crate::money::PriceTable>,
) -> Result<Vec<(String, String, i64)>, ConfigError> {
    let mut out = Vec::new();
    for e in entries {
        out.extend(e.rows().map_err(|b| ConfigError::Price(b.tld, b.amount))?);
    }
    Ok(out)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "listen address '{0}' is not HOST:PORT (or off, for tls_listen, dns_listen and forward_listen)"
    )]
    Listen(String),
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("{0} '{1}' is not a duration like 7d, 36h, 90m or 30s")]
    Duration(&'static str, String),
    #[error("whois '{0}': use sandbox or port43")]
    Whois(String),
    #[error("mode '{0}': use sandbox or production")]
    Mode(String),
    #[error("journal '{0}': use on or off")]
    Journal(String),
    #[error("smtp_url '{0}' must start with smtp://")]
    Smtp(String),
    #[error("config file: {0}")]
    File(String),
    #[error("{0}")]
    Production(String),
    #[error("price of .{0}: '{1}' is not an amount like 8.99")]
    Price(String, String),
    #[error("trusted_proxies: '{0}' is not an address or a CIDR like 10.0.0.0/8")]
    Cidr(String),
}

/// A comma-separated list of CIDRs; a bare address is its own /32 or /128.
fn cidrs(v: &str) -> Result<Vec<ipnet::IpNet>, ConfigError> {
    v.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.parse::<ipnet::IpNet>()
                .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map(|n| n.trunc())
                .map_err(|_| ConfigError::Cidr(p.to_string()))
        })
        .collect()
}

impl RawConfig {
    /// Reads a config file's text.
    pub fn from_toml(text: &str) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::File(e.to_string()))
    }

    /// The merged layers over the defaults, checked.
    pub fn validate(self) -> Result<Config, ConfigError> {
        let mut c = Config::new(address(DEFAULT_LISTEN)?, PathBuf::from(DEFAULT_DB));
        self.apply_to(&mut c)?;
        if !c.public_url_set {
            c.public_url = format!("http://{}", c.listen);
        }
        c.tls = c.tls();
        if c.production {
            c.check_production()?;
        }
        Ok(c)
    }
}

/// `smtp://user:secret@host` → `smtp://user:***@host`.
fn mask_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let user_info = &url[scheme + 3..at];
            let user = user_info.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let c = RawConfig::default().validate();
        assert_eq!(c.as_ref().map(|c| c.listen.port()).ok(), Some(55000));
        assert_eq!(c.map(|c| c.db).ok(), Some(PathBuf::from("opsd.db")));
        let bad = RawConfig {
            listen: Some("nowhere".into()),
            ..RawConfig::default()
        };
        assert!(matches!(bad.validate(), Err(ConfigError::Listen(_))));
        let zero = RawConfig {
            max_items: Some(0),
            ..RawConfig::default()
        };
        assert!(matches!(zero.validate(), Err(ConfigError::Zero(_))));
    }

    #[test]
    fn layers_and_file() {
        let file = RawConfig::from_toml(
            "listen = \"127.0.0.1:6000\"\ndb = \"file.db\"\napproval_window = \"3d\"\nwhois = \"port43\"\n",
        )
        .unwrap_or_default();
        let env = RawConfig {
            db: Some("env.db".into()),
            ..RawConfig::default()
        };
        let c = env.over(file).validate();
        let c = c.as_ref().ok();
        assert_eq!(c.map(|c| c.listen.port()), Some(6000));
        assert_eq!(c.map(|c| c.db.clone()), Some(PathBuf::from("env.db")));
        assert_eq!(c.map(|c| c.approval_window.as_secs()), Some(3 * 86_400));
        assert_eq!(c.map(|c| c.whois_port43), Some(true));
        assert!(matches!(
            RawConfig::from_toml("listn = \"x\""),
            Err(ConfigError::File(_))
        ));
        for (raw, want) in [
            (
                RawConfig {
                    approval_window: Some("soon".into()),
                    ..RawConfig::default()
                },
                "approval_window",
            ),
            (
                RawConfig {
                    whois: Some("dns".into()),
                    ..RawConfig::default()
                },
                "whois",
            ),
            (
                RawConfig {
                    smtp_url: Some("mail.example".into()),
                    ..RawConfig::default()
                },
                "smtp_url",
            ),
        ] {
            let e = raw
                .validate()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(e.contains(want), "{e}");
        }
    }

    #[test]
    fn prices_from_the_config_file() {
        let c = RawConfig::from_toml("[[price]]\ntld = \".COM\"\ntransfer = \"8.99\"\n")
            .and_then(RawConfig::validate);
        let c = c.ok();
        assert_eq!(
            c.as_ref().map(|c| c.price.clone()),
            Some(vec![("com".to_string(), "transfer".to_string(), 899)])
        );
        assert!(
            c.map(|c| describe(&c))
                .unwrap_or_default()
                .contains("tld = \"com\"\ntransfer = \"8.99\"")
        );
        let bad = RawConfig::from_toml("[[price]]\ntld = \"com\"\ntransfer = \"cheap\"\n")
            .and_then(RawConfig::validate);
        assert!(matches!(bad, Err(ConfigError::Price(_, _))));
    }

    #[test]
    fn secrets_are_masked() {
        assert_eq!(mask_userinfo("smtp://u:pw@h:25"), "smtp://u:***@h:25");
        assert_eq!(mask_userinfo("smtp://h:25"), "smtp://h:25");
    }
}
