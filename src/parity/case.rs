//! One parity case on disk: `fixtures/parity/<id>/` with `case.toml` (where the
//! reply comes from and the world it assumes), `request.xml` and `reply.xml`
//! (kept exactly as the source holds them).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// A case's `case.toml`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// `owner/repo@commit:path`, or a documentation URL, or `recorded from HOST
    /// on DATE`.
    pub source: String,
    /// `capture`, `test-data` or `documentation`.
    pub kind: String,
    #[serde(default)]
    pub recorded: Option<String>,
    pub action: String,
    pub object: String,
    #[serde(default)]
    pub variant: String,
    #[serde(default)]
    pub request_from: String,
    #[serde(default)]
    pub state: String,
    /// Real names in request and reply, mapped to the names the sandbox uses.
    #[serde(default)]
    pub names: BTreeMap<String, String>,
    #[serde(default)]
    pub setup: Setup,
}

/// The world a case assumes, in the corpus's fixed vocabulary.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    /// In the caller's portfolio (under the case's profile).
    #[serde(default)]
    pub portfolio: Vec<String>,
    /// Of those, locked.
    #[serde(default)]
    pub locked: Vec<String>,
    /// Registered at another registrar.
    #[serde(default)]
    pub taken: Vec<String>,
    /// Registered through another reseller of the same server.
    #[serde(default)]
    pub other_reseller: Vec<String>,
    /// Registered nowhere.
    #[serde(default)]
    pub available: Vec<String>,
    /// The profile the request's `reg_username`/`reg_password` open.
    #[serde(default)]
    pub profile: Option<Profile>,
    /// The request carries a cookie from an earlier SET COOKIE.
    #[serde(default)]
    pub cookie: bool,
    /// A transfer in of these names is under way for the caller (an SW_REGISTER
    /// transfer order placed before the request).
    #[serde(default)]
    pub transfer_pending: Vec<String>,
    /// Where those transfers are: `pending_owner` (the default: waiting for the
    /// registrant), or `approved` (the registrant accepted; the registry has it).
    #[serde(default)]
    pub transfer_state: Option<String>,
    /// Child nameservers that exist under portfolio domains.
    #[serde(default)]
    pub hosts: Vec<Host>,
    /// Expiry dates of portfolio domains (`"example.com" = "2011-11-03 16:14:46"`).
    #[serde(default)]
    pub expires: BTreeMap<String, String>,
    /// Registered by the caller through SW_REGISTER before the request (their
    /// registration order is the `{order}` a case's names may map to).
    #[serde(default)]
    pub registered: Vec<String>,
    /// Registrations of these names the caller saved (`handle=save`) before the
    /// request, not carried out (their order is the `{order}` names may map to).
    #[serde(default)]
    pub saved: Vec<String>,
    /// Of the portfolio's domains, those another registrar asked for: a transfer
    /// away waits for their owner.
    #[serde(default)]
    pub away_pending: Vec<String>,
    /// Of the portfolio's domains, those the caller revoked before the request
    /// (deleted, in their redemption period).
    #[serde(default)]
    pub deleted: Vec<String>,
    /// Of the portfolio's domains, those whose registrant verification waits (the
    /// replay changes their owner's address first, which starts one).
    #[serde(default)]
    pub verifying: Vec<String>,
    /// The request is sent without X-Username (a transport-level refusal).
    #[serde(default)]
    pub omit_username: bool,
    /// What the replay cannot express yet.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A child nameserver of `hosts`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Host {
    pub name: String,
    pub ip: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    pub username: String,
    pub password: String,
}

/// A case read from its directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The directory's name.
    pub id: String,
    pub dir: PathBuf,
    pub meta: Meta,
    pub request: Vec<u8>,
    pub reply: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("{0}/case.toml: {1}")]
    Toml(String, toml::de::Error),
    #[error("{0}: {1}")]
    Invalid(String, String),
}

impl Case {
    /// Reads the case in `dir`.
    pub fn read(dir: &Path) -> Result<Case, CaseError> {
        let id = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let file = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| CaseError::Io(p.display().to_string(), e))
        };
        let text = String::from_utf8(file("case.toml")?)
            .map_err(|_| CaseError::Invalid(id.clone(), "case.toml is not UTF-8".into()))?;
        let meta: Meta = toml::from_str(&text).map_err(|e| CaseError::Toml(id.clone(), e))?;
        if meta.action.trim().is_empty() {
            return Err(CaseError::Invalid(id, "case.toml names no action".into()));
        }
        Ok(Case {
            request: file("request.xml")?,
            reply: file("reply.xml")?,
            dir: dir.to_path_buf(),
            id,
            meta,
        })
    }

    /// Every case under `corpus`, by id (entries whose name starts with `_` or a
    /// dot, and plain files, are not cases).
    pub fn all(corpus: &Path) -> Result<Vec<Case>, CaseError> {
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus)
            .map_err(|e| CaseError::Io(corpus.display().to_string(), e))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| !n.starts_with('_') && !n.starts_with('.'))
            })
            .collect();
        dirs.sort();
        dirs.iter().map(|d| Case::read(d)).collect()
    }

    /// The sandbox's name for a real one (itself when the case maps none).
    pub fn sandbox_name(&self, real: &str) -> String {
        self.meta
            .names
            .get(real)
            .cloned()
            .unwrap_or_else(|| real.to_string())
    }

    /// `ACTION OBJECT` (with the variant), as reports name it.
    pub fn label(&self) -> String {
        let mut l = format!(
            "{} {}",
            self.meta.action.to_ascii_uppercase(),
            self.meta.object.to_ascii_uppercase()
        );
        if !self.meta.variant.is_empty() {
            l.push_str(&format!(" {}", self.meta.variant));
        }
        l
    }
}
