//! The request journal (issue 20): every OPS, Email API and `/srv` request with its
//! reply, kept so that an integrator can see what their client sent, what opsd
//! answered and, for an error, why. Requests are recorded into a bounded buffer on
//! the request path (no store write there); the server's flusher writes the buffer
//! in one transaction every [`FLUSH_EVERY`], and readers flush first.
//!
//! Secrets never reach it: passwords, keys, auth codes, cookies and tokens are
//! masked in requests and replies, headers included; a request whose signature did
//! not pass is kept without its body (it was never decoded).

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::{JournalEntry, Store, StoreError};

/// How often the server writes the buffer.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Entries waiting past this are dropped (and counted): memory and the flush's
/// work stay bounded — at most this many requests are journaled per
/// [`FLUSH_EVERY`] (10,000 a second), far above what an integration's test suite
/// sends. Measured with every request distinct (the load bench with its repeats
/// not coalesced): with 10,000 here the bench's RSS reached 762 MiB and
/// 8-connection polls ran at 0.46 of the bare baseline; with 2,000, 215 MiB and
/// 0.64.
const BUFFER_MAX: usize = 2_000;

/// The most of a request or reply kept (a 10,000-domain job is megabytes).
pub const KEPT_BYTES: usize = 64 * 1024;

/// Rows and age the journal keeps.
pub const MAX_ROWS: i64 = 10_000;
pub const MAX_AGE: i64 = 7 * 86_400;

/// Item keys (OPS), JSON keys (Email API) and form fields (`/srv`) whose values are
/// secrets.
const SECRET_KEYS: &[&str] = &[
    "reg_password",
    "password",
    "new_password",
    "confirm_password",
    "old_password",
    "auth_info",
    "domain_auth_info",
    "auth_code",
    "cookie",
    "token",
    "api_key",
    "key",
    "private_key",
    "secret",
    "webhook_secret",
];

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &["x-signature", "authorization", "cookie", "set-cookie"];

const MASK: &str = "***";

/// One request as the request path hands it over: raw and unmasked (masking and
/// formatting happen at the flush, off the request path), cut to what is kept.
#[derive(Debug, Clone)]
pub struct Pending {
    pub at: i64,
    pub reseller_id: Option<i64>,
    pub username: String,
    pub surface: &'static str,
    pub action: String,
    pub code: i64,
    pub success: bool,
    /// The request line and headers, secrets already masked (see [`head`]).
    pub head: String,
    pub request: bytes::Bytes,
    pub request_kind: Body,
    pub reply: bytes::Bytes,
    pub reply_kind: Body,
    pub explanation: Option<String>,
    pub fault: Option<String>,
    /// The same request answered the same way, again and again (a poll): kept once.
    pub repeats: i64,
}

/// What makes two requests the same for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a> {
    pub reseller_id: Option<i64>,
    pub action: &'a str,
    pub code: i64,
    pub request: &'a [u8],
    pub reply: &'a [u8],
}

/// At most this much of a body is handed over (the rest is never kept).
fn cut(b: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(&b[..b.len().min(KEPT_BYTES + 1)])
}

/// The buffer between the request path and the store.
#[derive(Debug, Default)]
pub struct Journal {
    buf: Mutex<Vec<Pending>>,
    dropped: AtomicU64,
    /// Held while a flush writes what it took, and by a reset: a flush that took
    /// entries before a reset must not write them after it.
    flushing: Mutex<()>,
}

impl Journal {
    /// Counts a request as one more repeat of the newest buffered entry when it is
    /// the same request with the same answer (clients poll byte for byte); true
    /// then, and nothing else needs recording.
    pub fn repeat(&self, k: &Key<'_>) -> bool {
        let mut buf = self
            .buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match buf.last_mut() {
            Some(last)
                if last.reseller_id == k.reseller_id
                    && last.action == k.action
                    && last.code == k.code
                    && last.request.as_ref()
                        == &k.request[..k.request.len().min(KEPT_BYTES + 1)]
                    && last.reply.as_ref() == &k.reply[..k.reply.len().min(KEPT_BYTES + 1)] =>
            {
                last.repeats += 1;
                true
            }
            _ => false,
        }
    }

    /// Keeps one request until the next flush; `request` and `reply` are cut here.
    pub fn record(&self, mut p: Pending) {
        p.request = cut(&p.request);
        p.reply = cut(&p.reply);
        let mut buf = self
            .buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buf.len() >= BUFFER_MAX {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        buf.push(p);
    }

    /// Keeps flushes out until the guard is dropped (a reset holds it while it
    /// empties the tables and [`Journal::discard`]s the buffer).
    pub fn hold(&self) -> std::sync::MutexGuard<'_, ()> {
        self.flushing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Forgets what is buffered (a reset: those requests belong to the sandbox
    /// that is gone, and their reseller ids to nobody).
    pub fn discard(&self) {
        self.buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// Entries dropped for a full buffer since the start.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Masks and writes what is buffered (blocking: it uses the store).
    pub fn flush(&self, store: &Store, now: i64) -> Result<usize, StoreError> {
        let _one = self
            .flushing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let taken = std::mem::take(
            &mut *self
                .buf
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if taken.is_empty() {
            return Ok(0);
        }
        let entries: Vec<JournalEntry> = taken
            .into_iter()
            .map(|p| JournalEntry {
                id: 0,
                at: p.at,
                reseller_id: p.reseller_id,
                username: p.username,
                surface: p.surface.into(),
                action: p.action,
                code: p.code,
                success: p.success,
                request: kept(&p.head, &p.request, p.request_kind),
                reply: kept("", &p.reply, p.reply_kind),
                explanation: p.explanation,
                fault: p.fault,
                repeats: p.repeats,
            })
            .collect();
        store.journal_append(&entries, MAX_ROWS, MAX_AGE, now)?;
        Ok(entries.len())
    }
}

/// `text` cut to [`KEPT_BYTES`] at a character boundary, with a note when cut.
fn bounded(text: &str) -> String {
    if text.len() <= KEPT_BYTES {
        return text.to_string();
    }
    let mut end = KEPT_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more bytes not kept]",
        &text[..end],
        text.len() - end
    )
}

fn is_secret(key: &str) -> bool {
    SECRET_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
}

/// OPS XML with the text of every secret item replaced (`<item key="reg_password">
/// ***</item>`); everything else as sent.
pub fn mask_ops(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find("key=") {
        let (before, after) = rest.split_at(at + 4);
        out.push_str(before);
        let quote = match after.as_bytes().first() {
            Some(b'"') => '"',
            Some(b'\'') => '\'',
            // Not a quoted key (or the text ends here): go on after it.
            _ => {
                rest = after;
                continue;
            }
        };
        let Some(close) = after[1..].find(quote) else {
            rest = after;
            break;
        };
        let key = &after[1..=close];
        let tail = &after[close + 2..];
        out.push(quote);
        out.push_str(key);
        out.push(quote);
        match (is_secret(key), tail.find('>')) {
            (true, Some(gt)) if !tail[..gt].ends_with('/') => {
                out.push_str(&tail[..=gt]);
                let value = &tail[gt + 1..];
                let end = value.find('<').unwrap_or(value.len());
                if end > 0 {
                    out.push_str(MASK);
                }
                rest = &value[end..];
            }
            _ => rest = tail,
        }
    }
    out.push_str(rest);
    out
}

/// A JSON body with the values of secret keys replaced, at any depth; text that is
/// not JSON is kept as is.
pub fn mask_json(text: &str) -> String {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m.iter_mut() {
                    if is_secret(k) {
                        *v = serde_json::Value::String(MASK.into());
                    } else {
                        walk(v);
                    }
                }
            }
            serde_json::Value::Array(l) => l.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut v) => {
            walk(&mut v);
            v.to_string()
        }
        Err(_) => text.to_string(),
    }
}

/// A form body (`a=1&password=x`) with secret fields' values replaced.
pub fn mask_form(text: &str) -> String {
    text.split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if is_secret(&k.replace('+', " ")) => format!("{k}={MASK}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The head of a request as the journal keeps it: the request line, then each
/// header, secret ones masked.
pub fn head<'a>(request_line: &str, headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut out = format!("{request_line}\r\n");
    for (name, value) in headers {
        let value = if SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            MASK.to_string()
        } else {
            String::from_utf8_lossy(value).into_owned()
        };
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out
}

/// How a body is masked, by the surface it came in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    Ops,
    Json,
    Form,
    /// Not kept: the caller's signature did not pass.
    Withheld,
}

/// A whole request or reply as kept: masked, then bounded.
pub fn kept(head: &str, body: &[u8], kind: Body) -> String {
    // Cut before masking, so that a huge body costs no more than what is kept (a
    // secret cut in two is masked to the end all the same).
    let cut = &body[..body.len().min(KEPT_BYTES + 1)];
    let text = String::from_utf8_lossy(cut);
    let masked = match kind {
        Body::Ops => mask_ops(&text),
        Body::Json => mask_json(&text),
        Body::Form => mask_form(&text),
        Body::Withheld => "[body not kept: the signature did not pass]".to_string(),
    };
    let mut all = bounded(&format!("{head}{masked}"));
    if body.len() > cut.len() && !all.ends_with("not kept]") {
        all.push_str(&format!(
            "\n[… {} more bytes not kept]",
            body.len() - cut.len()
        ));
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_secrets_are_masked_and_the_rest_kept() {
        let xml = r#"<item key="domain">a.com</item><item key="reg_password">p&amp;w</item><item key='auth_info'>x</item><item key="cookie"/><item key="key">k1</item>"#;
        let m = mask_ops(xml);
        assert_eq!(
            m,
            r#"<item key="domain">a.com</item><item key="reg_password">***</item><item key='auth_info'>***</item><item key="cookie"/><item key="key">***</item>"#
        );
    }

    #[test]
    fn cut_and_odd_text_never_panics() {
        for text in [
            "key=",
            "key=\"",
            "key=\"reg_password\">abc",
            "key='a",
            "ä key=é",
            "key=\"x\"",
        ] {
            let _ = mask_ops(text);
        }
        assert_eq!(
            mask_ops("<item key=\"reg_password\">abc"),
            "<item key=\"reg_password\">***"
        );
    }

    proptest::proptest! {
        /// Whatever the text, masking returns (no panic) and never grows a secret.
        #[test]
        fn masking_any_text_returns(text in "(key=|\"|'|>|<|reg_password|[a-zé ])*") {
            let _ = mask_ops(&text);
        }
    }

    #[test]
    fn json_and_form_secrets_are_masked() {
        let j = mask_json(
            r#"{"credentials":{"user":"a","password":"s"},"token":"t","n":[{"key":"k"}]}"#,
        );
        assert!(
            !j.contains("\"s\"") && !j.contains("\"t\"") && !j.contains("\"k\""),
            "{j}"
        );
        assert!(j.contains("\"user\":\"a\""));
        assert_eq!(
            mask_form("domain=a.com&password=x&z=1"),
            "domain=a.com&password=***&z=1"
        );
    }

    #[test]
    fn heads_mask_signatures_and_bodies_are_bounded() {
        let h = head(
            "POST / HTTP/1.0",
            [("X-Signature", &b"abc"[..]), ("X-Username", &b"u"[..])].into_iter(),
        );
        assert!(h.contains("X-Signature: ***") && h.contains("X-Username: u"));
        let big = "é".repeat(KEPT_BYTES);
        let k = kept("", big.as_bytes(), Body::Form);
        assert!(k.len() < KEPT_BYTES + 100 && k.ends_with("more bytes not kept]"));
    }
}
