//! Settings. The binary's flags and `OPSD_*` environment variables fill a raw form
//! (defaults in code below); `Config` is the validated result the server runs on.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::ops::Limits;

/// Plain-HTTP address when none is configured (OpenSRS's own plain port is 55000).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:55000";
pub const DEFAULT_DB: &str = "opsd.db";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub listen: SocketAddr,
    pub db: PathBuf,
    /// Body size, nesting depth and item count limits of the OPS reader.
    pub limits: Limits,
    /// How long a client may take to send a request's head (and the first line).
    pub header_timeout: Duration,
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
}

impl Config {
    /// Defaults for everything but where to listen and which file to use.
    pub fn new(listen: SocketAddr, db: PathBuf) -> Config {
        Config {
            listen,
            db,
            limits: Limits::default(),
            header_timeout: Duration::from_secs(30),
            shutdown_grace: Duration::from_secs(30),
            approval_window: Duration::from_secs(7 * 86_400),
            public_url: format!("http://{listen}"),
            workers: true,
            smtp_url: None,
            mail_from: crate::mail::DEFAULT_FROM.to_string(),
        }
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

/// Settings as given, before validation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawConfig {
    pub listen: Option<String>,
    pub db: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub max_depth: Option<usize>,
    pub max_items: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("listen address '{0}' is not HOST:PORT")]
    Listen(String),
    #[error("{0} must be greater than zero")]
    Zero(&'static str),
}

impl RawConfig {
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
        Ok(c)
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
}
