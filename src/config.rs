//! Settings, in layers: defaults in code, then an optional TOML file
//! (`opsd serve --config FILE`), then `OPSD_*` environment variables, then flags.
//! Each layer is a [`RawConfig`]; the merged one is validated into the [`Config`]
//! the server runs on.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ops::Limits;

/// Plain-HTTP address when none is configured (OpenSRS's own plain port is 55000).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:55000";
pub const DEFAULT_DB: &str = "opsd.db";
/// TLS address when none is configured (OpenSRS's production port).
pub const DEFAULT_TLS_LISTEN: &str = "127.0.0.1:55443";
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

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub db: PathBuf,
    /// Body size, nesting depth and item count limits of the OPS reader.
    pub limits: Limits,
    /// How long a client may take to send a request's head (and the first line).
    pub header_timeout: Duration,
    /// How long a client may take to send a request body once its head is in.
    pub body_timeout: Duration,
    /// A keep-alive connection with no request for this long is closed.
    pub idle_timeout: Duration,
    /// Most client connections served at once; past it the idlest gives way.
    pub max_connections: usize,
    /// Most connections open at once from one client address.
    pub max_connections_per_ip: usize,
    /// How long a TLS client may take to finish its handshake.
    pub handshake_timeout: Duration,
    /// OPS requests per second per reseller (bursts of twice that); 0 = no limit.
    pub rate_limit: u32,
    /// When failed logins lock an account or an address (see `auth::throttle`).
    pub login_policy: crate::auth::throttle::Policy,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// How long a registrant has to answer an approval email (seed 003: 7 days).
    pub approval_window: Duration,
    /// The base of links in emails (`http://host:port`), without a trailing slash.
    pub public_url: String,
    /// Run the background workers (tests of the request path alone turn them off).
    pub workers: bool,
    /// SMTP relay for outgoing mail (`smtp://host:port`); none = outbox only.
    pub smtp_url: Option<String>,
    /// The From of outgoing mail.
    pub mail_from: String,
    /// The sandbox scenario file, if any.
    pub scenario: Option<PathBuf>,
    /// Ask real WHOIS servers on port 43 instead of the sandbox world.
    pub whois_port43: bool,
    /// `public_url` was configured (else it follows the bound address).
    pub public_url_set: bool,
    /// HTTPS, unless turned off with `tls_listen = "off"`.
    pub tls: Option<TlsConfig>,
}

impl Config {
    /// Defaults for everything but where to listen and which file to use.
    pub fn new(listen: SocketAddr, db: PathBuf) -> Config {
        Config {
            listen,
            db,
            limits: Limits::default(),
            header_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
            max_connections_per_ip: 128,
            rate_limit: 0,
            login_policy: crate::auth::throttle::Policy::default(),
            approval_window: Duration::from_secs(7 * 86_400),
            public_url: format!("http://{listen}"),
            workers: true,
            smtp_url: None,
            mail_from: crate::mail::DEFAULT_FROM.to_string(),
            scenario: None,
            whois_port43: false,
            public_url_set: false,
            tls: None,
        }
    }
}

/// The directory of TLS files beside a database: `dir/opsd.db` → `dir/opsd-tls`.
pub fn default_tls_dir(db: &std::path::Path) -> PathBuf {
    match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.join(DEFAULT_TLS_DIR),
        _ => PathBuf::from(DEFAULT_TLS_DIR),
    }
}

/// The separate database `test=1` registry calls run against (seed 002): next to
/// the main one, `opsd.db` → `opsd-test.db`.
pub fn test_db_path(db: &std::path::Path) -> PathBuf {
    let stem = db.file_stem().and_then(|s| s.to_str()).unwrap_or("opsd");
    let name = match db.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-test.{ext}"),
        None => format!("{stem}-test"),
    };
    db.with_file_name(name)
}

/// Settings as one layer gives them, before validation. The config file has the
/// same keys.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub db: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_items: Option<usize>,
    pub public_url: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub whois: Option<String>,
    pub approval_window: Option<String>,
    pub scenario: Option<String>,
    pub max_connections: Option<usize>,
    pub rate_limit: Option<u32>,
    pub idle_timeout: Option<String>,
    pub body_timeout: Option<String>,
    pub tls_listen: Option<String>,
    pub tls_cert: Option<String>,
    pub tls_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("listen address '{0}' is not HOST:PORT (or off, for tls_listen)")]
    Listen(String),
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
    #[error("{0} '{1}' is not a duration like 7d, 36h, 90m or 30s")]
    Duration(&'static str, String),
    #[error("whois '{0}': use sandbox or port43")]
    Whois(String),
    #[error("smtp_url '{0}' must start with smtp://")]
    Smtp(String),
    #[error("config file: {0}")]
    File(String),
}

impl RawConfig {
    /// Reads a config file's text.
    pub fn from_toml(text: &str) -> Result<RawConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::File(e.to_string()))
    }

    /// This layer over `base`: every key this layer sets wins.
    pub fn over(self, base: RawConfig) -> RawConfig {
        RawConfig {
            listen: self.listen.or(base.listen),
            db: self.db.or(base.db),
            max_body_bytes: self.max_body_bytes.or(base.max_body_bytes),
            max_depth: self.max_depth.or(base.max_depth),
            max_items: self.max_items.or(base.max_items),
            public_url: self.public_url.or(base.public_url),
            smtp_url: self.smtp_url.or(base.smtp_url),
            mail_from: self.mail_from.or(base.mail_from),
            whois: self.whois.or(base.whois),
            approval_window: self.approval_window.or(base.approval_window),
            scenario: self.scenario.or(base.scenario),
            max_connections: self.max_connections.or(base.max_connections),
            rate_limit: self.rate_limit.or(base.rate_limit),
            idle_timeout: self.idle_timeout.or(base.idle_timeout),
            body_timeout: self.body_timeout.or(base.body_timeout),
            tls_listen: self.tls_listen.or(base.tls_listen),
            tls_cert: self.tls_cert.or(base.tls_cert),
            tls_key: self.tls_key.or(base.tls_key),
        }
    }

    pub fn validate(self) -> Result<Config, ConfigError> {
        let listen_raw = self.listen.unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_raw
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Listen(listen_raw.clone()))?;
        let mut c = Config::new(
            listen,
            PathBuf::from(self.db.unwrap_or_else(|| DEFAULT_DB.to_string())),
        );
        let positive = |v: Option<usize>, name, default| match v {
            Some(0) => Err(ConfigError::Zero(name)),
            Some(n) => Ok(n),
            None => Ok(default),
        };
        c.limits = Limits {
            max_bytes: positive(self.max_body_bytes, "max body bytes", c.limits.max_bytes)?,
            max_depth: positive(self.max_depth, "max depth", c.limits.max_depth)?,
            max_items: positive(self.max_items, "max items", c.limits.max_items)?,
        };
        let duration = |name: &'static str, v: Option<String>, default: Duration| match v {
            None => Ok(default),
            Some(w) => crate::clock::parse_duration(&w)
                .filter(|d| d.is_positive())
                .map(|d| Duration::from_secs(d.whole_seconds().unsigned_abs()))
                .ok_or(ConfigError::Duration(name, w)),
        };
        c.approval_window = duration("approval_window", self.approval_window, c.approval_window)?;
        c.idle_timeout = duration("idle_timeout", self.idle_timeout, c.idle_timeout)?;
        c.body_timeout = duration("body_timeout", self.body_timeout, c.body_timeout)?;
        c.max_connections = positive(self.max_connections, "max connections", c.max_connections)?;
        c.rate_limit = self.rate_limit.unwrap_or(c.rate_limit);
        c.whois_port43 = match self.whois.as_deref() {
            None | Some("sandbox") => false,
            Some("port43") => true,
            Some(other) => return Err(ConfigError::Whois(other.to_string())),
        };
        if let Some(u) = &self.smtp_url
            && !u.starts_with("smtp://")
        {
            return Err(ConfigError::Smtp(u.clone()));
        }
        c.smtp_url = self.smtp_url;
        if let Some(from) = self.mail_from {
            c.mail_from = from;
        }
        if let Some(url) = self.public_url {
            c.public_url = url.trim_end_matches('/').to_string();
            c.public_url_set = true;
        }
        c.scenario = self.scenario.map(PathBuf::from);
        let tls_raw = self
            .tls_listen
            .unwrap_or_else(|| DEFAULT_TLS_LISTEN.to_string());
        c.tls = if tls_raw == "off" {
            None
        } else {
            let listen = tls_raw
                .parse::<SocketAddr>()
                .map_err(|_| ConfigError::Listen(tls_raw.clone()))?;
            let dir = default_tls_dir(&c.db);
            let required = self.tls_cert.is_some() || self.tls_key.is_some();
            Some(TlsConfig {
                listen,
                cert: self
                    .tls_cert
                    .map_or_else(|| dir.join(crate::tls::SERVER_CERT), PathBuf::from),
                key: self
                    .tls_key
                    .map_or_else(|| dir.join(crate::tls::SERVER_KEY), PathBuf::from),
                required,
            })
        };
        Ok(c)
    }
}

/// Every key with its value, one `key = value` line each, secrets masked: what
/// `opsd config check` prints.
pub fn describe(c: &Config) -> String {
    let smtp = c.smtp_url.as_deref().map(mask_userinfo);
    let lines = [
        format!("listen = \"{}\"", c.listen),
        format!("db = \"{}\"", c.db.display()),
        format!("max_body_bytes = {}", c.limits.max_bytes),
        format!("max_depth = {}", c.limits.max_depth),
        format!("max_items = {}", c.limits.max_items),
        format!(
            "public_url = \"{}\"",
            if c.public_url_set {
                c.public_url.as_str()
            } else {
                "(http://<bound address>)"
            }
        ),
        format!(
            "smtp_url = \"{}\"",
            smtp.as_deref().unwrap_or("(none: outbox only)")
        ),
        format!("mail_from = \"{}\"", c.mail_from),
        format!(
            "whois = \"{}\"",
            if c.whois_port43 { "port43" } else { "sandbox" }
        ),
        format!("approval_window = \"{}s\"", c.approval_window.as_secs()),
        format!("max_connections = {}", c.max_connections),
        format!("rate_limit = {}", c.rate_limit),
        format!("idle_timeout = \"{}s\"", c.idle_timeout.as_secs()),
        format!("body_timeout = \"{}s\"", c.body_timeout.as_secs()),
        format!(
            "scenario = \"{}\"",
            c.scenario
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| "(none)".into())
        ),
    ];
    let mut out = lines.join("\n");
    match &c.tls {
        None => out.push_str("\ntls_listen = \"off\""),
        Some(t) => {
            let _ = write!(
                out,
                "\ntls_listen = \"{}\"\ntls_cert = \"{}\"\ntls_key = \"{}\"{}",
                t.listen,
                t.cert.display(),
                t.key.display(),
                if t.required {
                    ""
                } else {
                    "\n# TLS starts only if those files exist (opsd cert init makes them)"
                }
            );
        }
    }
    out.push('\n');
    out
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
    fn secrets_are_masked() {
        assert_eq!(mask_userinfo("smtp://u:pw@h:25"), "smtp://u:***@h:25");
        assert_eq!(mask_userinfo("smtp://h:25"), "smtp://h:25");
    }
}
