//! Cases recorded from a real OpenSRS by `opsd record` (issue 29): written in the
//! corpus's format with every secret masked on its decoded value, and checked
//! before `opsd parity import` adds them to a corpus.
//!
//! A recorded body is kept byte for byte when it holds no secret; one that does is
//! decoded, its secrets replaced by `***`, and written again (in opsd's layout: the
//! shape, which is what the comparison reads, is unchanged). A body opsd cannot
//! decode is not recorded at all: what cannot be read cannot be masked.

use std::path::{Path, PathBuf};

use super::case::Case;
use crate::ops::{Map, Value};

/// What masking leaves of a secret.
pub const MASK: &str = "***";

/// Whether `v` holds a secret that is not masked: a secret field (see
/// `journal::is_secret`) whose value is neither empty nor [`MASK`].
fn holds_secret(v: &Value) -> bool {
    match v {
        Value::Map(m) => m.iter().any(|(k, v)| {
            (crate::journal::is_secret(k)
                && !matches!(v, Value::Scalar(s) if s.trim().is_empty() || s.as_str() == MASK))
                || holds_secret(v)
        }),
        Value::List(l) => l.iter().any(holds_secret),
        Value::Scalar(_) => false,
    }
}

/// The body as it may be written: as it came when it holds no secret, masked and
/// written again when it does; `None` when it is not an OPS envelope.
pub fn masked(body: &[u8]) -> Option<Vec<u8>> {
    let limits = crate::ops::Limits {
        max_bytes: body.len().max(1),
        ..crate::ops::Limits::default()
    };
    let top = crate::ops::read(body, &limits).ok()?;
    if !holds_secret(&top) {
        return Some(body.to_vec());
    }
    crate::journal::mask_ops(body).map(String::into_bytes)
}

/// A TOML basic string.
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.replace('\u{7f}', "")).to_string()
}

fn scalar<'a>(m: &'a Map, key: &str) -> Option<&'a str> {
    m.get(key).and_then(Value::as_str).map(str::trim)
}

/// Every value of the request that looks like a domain name (a dot, letters,
/// digits and hyphens), for the case's `[names]`.
fn domains(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Scalar(s) => {
            let s = s.trim().to_ascii_lowercase();
            let looks = s.contains('.')
                && !s.starts_with('.')
                && s.len() <= 253
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && s.rsplit('.')
                    .next()
                    .is_some_and(|t| t.bytes().all(|b| b.is_ascii_alphabetic()));
            if looks && !out.contains(&s) {
                out.push(s);
            }
        }
        Value::Map(m) => m.values().for_each(|v| domains(v, out)),
        Value::List(l) => l.iter().for_each(|v| domains(v, out)),
    }
}

/// The case's `case.toml` for a recorded pair (both already masked).
fn meta(host: &str, date: &str, request: &[u8]) -> String {
    let top = crate::ops::read(request, &crate::ops::Limits::default())
        .ok()
        .and_then(|v| match v {
            Value::Map(m) => Some(m),
            _ => None,
        })
        .unwrap_or_default();
    let attrs = top
        .get("attributes")
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    let variant = ["type", "data", "reg_type", "change_type"]
        .iter()
        .find_map(|k| scalar(&attrs, k).map(|v| format!("{k}={}", v.to_ascii_lowercase())))
        .unwrap_or_default();
    let mut names = Vec::new();
    domains(&Value::Map(top.clone()), &mut names);
    let mut out = format!(
        "source = {}\nkind = \"capture\"\nrecorded = {}\naction = {}\nobject = {}\nvariant = {}\nrequest_from = \"as the integration sent it, recorded by opsd record (secrets masked)\"\nstate = \"(to fill in: what the account held when this was recorded; see the corpus README)\"\n\n[names]\n",
        quoted(&format!("recorded from {host} on {date}")),
        quoted(date),
        quoted(&scalar(&top, "action").unwrap_or("").to_ascii_uppercase()),
        quoted(&scalar(&top, "object").unwrap_or("").to_ascii_uppercase()),
        quoted(&variant),
    );
    for n in &names {
        out.push_str(&format!("{} = {}\n", quoted(n), quoted(n)));
    }
    out.push_str("\n[setup]\n");
    if let Some(user) = scalar(&attrs, "reg_username") {
        // The masked password is the sandbox profile's: the replay opens it so.
        out.push_str(&format!(
            "profile = {{ username = {}, password = {} }}\n",
            quoted(user),
            quoted(MASK)
        ));
    }
    out.push_str("# fill in: portfolio = [...], locked = [...], taken = [...], other_reseller = [...], hosts, expires, transfer_pending\n");
    out
}

/// Writes one recorded pair as a case under `dir`: `<stamp>-<seq>.<action>/` with
/// `request.xml`, `reply.xml` and `case.toml`; the case's directory, or `None`
/// when a body is not an OPS envelope (nothing is written then).
pub fn write_case(
    dir: &Path,
    host: &str,
    now: time::OffsetDateTime,
    seq: u64,
    request: &[u8],
    reply: &[u8],
) -> std::io::Result<Option<PathBuf>> {
    let (Some(request), Some(reply)) = (masked(request), masked(reply)) else {
        return Ok(None);
    };
    let date = crate::clock::format_timestamp(now);
    let day = date.get(..10).unwrap_or(&date).to_string();
    let meta = meta(host, &day, &request);
    let action = crate::ops::read(&request, &crate::ops::Limits::default())
        .ok()
        .and_then(|v| {
            v.as_map()
                .and_then(|m| scalar(m, "action"))
                .map(str::to_ascii_lowercase)
        })
        .filter(|a| a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') && a.len() <= 40)
        .unwrap_or_else(|| "request".into());
    let stamp: String = date.chars().filter(char::is_ascii_digit).collect();
    let case = dir.join(format!("{stamp}-{seq:04}.{action}"));
    crate::files::private_dir(dir)?;
    crate::files::private_dir(&case)?;
    crate::files::write_private(&case.join("request.xml"), &request)?;
    crate::files::write_private(&case.join("reply.xml"), &reply)?;
    crate::files::write_private(&case.join("case.toml"), meta.as_bytes())?;
    Ok(Some(case))
}

/// Why a recorded case cannot join a corpus.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}: its {1} is not an OPS envelope")]
    Unreadable(String, &'static str),
    #[error("{0}: its {1} holds a secret that is not masked")]
    Secret(String, &'static str),
    #[error("{0}: the corpus already has the same case ({1})")]
    Duplicate(String, String),
}

/// The checks before a case joins `corpus`: both bodies are OPS envelopes, no
/// secret is left in either, and no case of the corpus has the same request and
/// reply (as decoded: layout aside).
pub fn check(case: &Case, corpus: &[Case]) -> Result<(), Refusal> {
    let limits = crate::ops::Limits::default();
    let read = |b: &[u8], which: &'static str| {
        crate::ops::read(b, &limits).map_err(|_| Refusal::Unreadable(case.id.clone(), which))
    };
    let request = read(&case.request, "request")?;
    let reply = read(&case.reply, "reply")?;
    if holds_secret(&request) {
        return Err(Refusal::Secret(case.id.clone(), "request"));
    }
    if holds_secret(&reply) {
        return Err(Refusal::Secret(case.id.clone(), "reply"));
    }
    for other in corpus {
        let same = crate::ops::read(&other.request, &limits).ok() == Some(request.clone())
            && crate::ops::read(&other.reply, &limits).ok() == Some(reply.clone());
        if same {
            return Err(Refusal::Duplicate(case.id.clone(), other.id.clone()));
        }
    }
    Ok(())
}

/// Copies `case` into `corpus_dir` under `recorded.<action>.<n>` (the first free
/// n); the new directory.
pub fn import(case: &Case, corpus_dir: &Path) -> std::io::Result<PathBuf> {
    let action: String = case
        .meta
        .action
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    let mut n = 1;
    let target = loop {
        let t = corpus_dir.join(format!("recorded.{action}.{n}"));
        if !t.exists() {
            break t;
        }
        n += 1;
    };
    std::fs::create_dir_all(&target)?;
    for f in ["case.toml", "request.xml", "reply.xml"] {
        std::fs::copy(case.dir.join(f), target.join(f))?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(attrs: &str) -> Vec<u8> {
        format!("<OPS_envelope><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">set</item><item key=\"object\">cookie</item><item key=\"attributes\"><dt_assoc>{attrs}</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>").into_bytes()
    }

    #[test]
    fn bodies_without_secrets_are_kept_as_they_came() {
        let plain = envelope("<item key=\"domain\">a.com</item>");
        assert_eq!(masked(&plain).as_deref(), Some(plain.as_slice()));
        let secret = envelope("<item key=\"reg_password\"><![CDATA[pw-1]]></item>");
        let m = masked(&secret).unwrap_or_default();
        assert!(!String::from_utf8_lossy(&m).contains("pw-1"));
        assert!(!holds_secret(
            &crate::ops::read(&m, &crate::ops::Limits::default()).unwrap_or(Value::List(vec![]))
        ));
        assert_eq!(masked(b"not xml"), None);
    }

    #[test]
    fn a_recorded_case_reads_back_as_a_case() {
        let dir = std::env::temp_dir().join(format!("opsd-rec-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let req = envelope(
            "<item key=\"domain\">a.com</item><item key=\"reg_username\">u</item><item key=\"reg_password\">pw</item>",
        );
        let reply = envelope("<item key=\"cookie\">c00k1e</item>");
        let now = time::OffsetDateTime::from_unix_timestamp(1_700_000_000)
            .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
        let case_dir = write_case(&dir, "horizon.opensrs.net", now, 1, &req, &reply)
            .ok()
            .flatten()
            .unwrap_or_default();
        let case = Case::read(&case_dir).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(case.meta.action, "SET");
        assert_eq!(
            case.meta
                .setup
                .profile
                .as_ref()
                .map(|p| p.password.as_str()),
            Some(MASK)
        );
        assert!(case.meta.names.contains_key("a.com"));
        assert!(
            case.meta
                .source
                .starts_with("recorded from horizon.opensrs.net on 2023-11-14")
        );
        assert_eq!(check(&case, &[]), Ok(()));
        assert!(matches!(
            check(&case, std::slice::from_ref(&case)),
            Err(Refusal::Duplicate(..))
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
