//! The request journal (issue 20): every OPS, Email API and `/srv` request with its
//! reply, kept so that an integrator can see what their client sent, what opsd
//! answered and, for an error, why. Requests are recorded into a bounded buffer on
//! the request path (no store write there); the server's flusher writes the buffer
//! in one transaction every [`FLUSH_EVERY`], and readers flush first.
//!
//! Bounded by construction (issue 26): every field has a size cap; each account
//! (a reseller, an Email API administrator, a `/srv` registrar) has its own window
//! in the buffer and in the table, so that no tenant can evict another's entries;
//! callers that did not authenticate share one small window, and their requests
//! are coalesced and counted rather than kept one by one.
//!
//! Secrets never reach it: a request is kept as opsd understood it — decoded by
//! the same reader the API uses, every secret field (by its decoded name, however
//! it was spelt) replaced, then written again — and a body that cannot be decoded
//! is not kept at all. Replies are masked the same way; headers by name. A request
//! whose signature did not pass is kept without its body (it was never decoded).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::store::{JournalEntry, Store, StoreError};

/// How often the server writes the buffer.
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// The most of a request or reply body kept (a 10,000-domain job is megabytes).
pub const KEPT_BYTES: usize = 64 * 1024;
/// The most of a request's line and headers kept, and of one header's value.
pub const HEAD_BYTES: usize = 8 * 1024;
const HEADER_VALUE_BYTES: usize = 1024;
/// The most of an action name, an object, a user name kept.
pub const NAME_CHARS: usize = 64;
/// The most of an explanation kept (as JSON text), of each of its strings, and of
/// each of its lists.
pub const EXPLANATION_BYTES: usize = 4 * 1024;
const EXPLANATION_TEXT: usize = 512;
const EXPLANATION_LIST: usize = 50;

/// What one account may have buffered between two flushes, and all of them
/// together: entries past either are dropped and counted. Measured with every
/// request distinct (the load bench with its repeats not coalesced), a buffer of
/// 10,000 entries per flush took the bench's RSS to 762 MiB; 2,000 kept it at
/// 215 MiB. Bytes bound it whatever the entries' sizes.
const TENANT_BUFFER_ENTRIES: usize = 2_000;
const TENANT_BUFFER_BYTES: usize = 8 * 1024 * 1024;
const BUFFER_BYTES: usize = 64 * 1024 * 1024;
/// Distinct refusals of callers that did not authenticate kept per flush; the
/// rest are counted on one entry.
const ANONYMOUS_KEYS: usize = 64;

/// The window each account keeps in the table: its newest entries, at most this
/// many rows and bytes, none older than [`MAX_AGE`].
pub const TENANT_ROWS: i64 = 2_000;
pub const TENANT_BYTES: i64 = 32 * 1024 * 1024;
/// The window of callers that did not authenticate, all together.
pub const ANONYMOUS_ROWS: i64 = 500;
pub const ANONYMOUS_BYTES: i64 = 2 * 1024 * 1024;
pub const MAX_AGE: i64 = 7 * 86_400;

/// The tenant of requests whose caller did not authenticate.
pub const ANONYMOUS: &str = "-";

/// The coverage key of OPS calls that named no action opsd knows (their names are
/// the caller's, so they are not keys of their own).
pub const UNKNOWN_ACTION: &str = "(unknown)";

/// Headers whose values are secrets.
const SECRET_HEADERS: &[&str] = &[
    "x-signature",
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
];

const MASK: &str = "***";

/// The account a request counts against: its journal window and its share of the
/// buffer.
pub fn tenant_of_reseller(id: i64) -> String {
    format!("reseller:{id}")
}

/// See [`tenant_of_reseller`]: an account of another surface (`email`, `srv`).
pub fn tenant_of(surface: &str, account: &str) -> String {
    format!("{surface}:{}", capped(account, NAME_CHARS))
}

/// One request as the request path hands it over: raw and unmasked (masking and
/// formatting happen at the flush, off the request path), its bodies cut to what
/// is kept.
#[derive(Debug, Clone)]
pub struct Pending {
    pub at: i64,
    pub reseller_id: Option<i64>,
    /// Whose window it counts against ([`tenant_of_reseller`], [`tenant_of`],
    /// [`ANONYMOUS`]).
    pub tenant: String,
    pub username: String,
    pub surface: &'static str,
    pub action: String,
    /// The coverage report's key for an OPS call of a known reseller: the
    /// handler's name, or [`UNKNOWN_ACTION`]; `None` counts nowhere.
    pub coverage: Option<&'static str>,
    /// An Email API call's company and outcome (200, or its error number):
    /// with `coverage`, the company's coverage count.
    pub mail_company: Option<(i64, i64)>,
    pub code: i64,
    pub success: bool,
    /// The request line and headers, secrets already masked (see [`head`]).
    pub head: String,
    pub request: bytes::Bytes,
    pub request_kind: Body,
    pub reply: bytes::Bytes,
    pub reply_kind: Body,
    pub explanation: Option<serde_json::Value>,
    pub fault: Option<String>,
    /// The same request answered the same way, again and again (a poll): kept once.
    pub repeats: i64,
}

impl Pending {
    /// What the entry holds in memory, roughly.
    fn weight(&self) -> usize {
        self.head.len() + self.request.len() + self.reply.len() + self.action.len() + 256
    }
}

/// What makes two requests the same for the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key<'a> {
    pub tenant: &'a str,
    pub action: &'a str,
    pub code: i64,
    pub request: &'a [u8],
    pub reply: &'a [u8],
}

/// At most this much of a body is handed over (the rest is never kept).
fn cut(b: &[u8]) -> bytes::Bytes {
    bytes::Bytes::copy_from_slice(&b[..b.len().min(KEPT_BYTES + 1)])
}

/// `text` cut to `max` characters (a note says so), control characters replaced:
/// names come from the caller.
pub fn capped(text: &str, max: usize) -> String {
    let mut out: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if text.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

#[derive(Debug, Default)]
struct Buffer {
    /// Entries of callers that authenticated, in order.
    entries: Vec<Pending>,
    /// Per tenant: its entries' count and weight, and the index of its newest.
    tenants: HashMap<String, (usize, usize, usize)>,
    bytes: usize,
    /// Refusals of callers that did not authenticate, one per kind.
    anonymous: Vec<Pending>,
}

/// The buffer between the request path and the store.
#[derive(Debug, Default)]
pub struct Journal {
    buf: Mutex<Buffer>,
    dropped: AtomicU64,
    /// Held while a flush writes what it took, and by a reset: a flush that took
    /// entries before a reset must not write them after it.
    flushing: Mutex<()>,
}

impl Journal {
    fn buffer(&self) -> std::sync::MutexGuard<'_, Buffer> {
        self.buf
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Counts a request as one more repeat of its tenant's newest buffered entry
    /// when it is the same request with the same answer (clients poll byte for
    /// byte); true then, and nothing else needs recording.
    pub fn repeat(&self, k: &Key<'_>) -> bool {
        let mut buf = self.buffer();
        let Some(&(_, _, newest)) = buf.tenants.get(k.tenant) else {
            return false;
        };
        match buf.entries.get_mut(newest) {
            Some(last)
                if last.action == k.action
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

    /// Keeps one request until the next flush; names are capped and bodies cut
    /// here. A caller that did not authenticate ([`ANONYMOUS`]) is coalesced with
    /// the same refusal before it; past its tenant's or the buffer's share, an
    /// entry is dropped and counted.
    pub fn record(&self, mut p: Pending) {
        p.request = cut(&p.request);
        p.reply = cut(&p.reply);
        p.action = capped(&p.action, NAME_CHARS);
        p.username = capped(&p.username, NAME_CHARS);
        if p.head.len() > HEAD_BYTES {
            p.head = bounded(&p.head, HEAD_BYTES);
        }
        if let Some(e) = p.explanation.as_mut() {
            cap_explanation(e);
        }
        let mut buf = self.buffer();
        if p.tenant == ANONYMOUS {
            // Nothing of a stranger's body is kept, so a refusal is its kind: the
            // surface, the name given, the action and the answer.
            let same = |q: &Pending| {
                q.surface == p.surface
                    && q.username == p.username
                    && q.action == p.action
                    && q.code == p.code
            };
            if let Some(q) = buf.anonymous.iter_mut().find(|q| same(q)) {
                q.repeats += 1;
            } else if buf.anonymous.len() < ANONYMOUS_KEYS {
                buf.anonymous.push(p);
            } else if let Some(q) = buf.anonymous.last_mut() {
                // The last kind stands for every other kind of this flush.
                q.username = "(various)".into();
                q.action = "-".into();
                q.repeats += 1;
            }
            return;
        }
        let weight = p.weight();
        let (count, bytes) = buf
            .tenants
            .get(&p.tenant)
            .map_or((0, 0), |&(c, b, _)| (c, b));
        if count >= TENANT_BUFFER_ENTRIES
            || bytes + weight > TENANT_BUFFER_BYTES
            || buf.bytes + weight > BUFFER_BYTES
        {
            self.dropped.fetch_add(1, Ordering::Relaxed);
            return;
        }
        let index = buf.entries.len();
        buf.tenants
            .insert(p.tenant.clone(), (count + 1, bytes + weight, index));
        buf.bytes += weight;
        buf.entries.push(p);
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
        *self.buffer() = Buffer::default();
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
        let taken = std::mem::take(&mut *self.buffer());
        if taken.entries.is_empty() && taken.anonymous.is_empty() {
            return Ok(0);
        }
        // The coverage counts: the OPS calls of known resellers by action and
        // code, summed over the batch (one upsert per kind of call, not per call).
        let mut coverage: HashMap<(i64, &'static str, i64), (i64, i64)> = HashMap::new();
        for p in &taken.entries {
            if let (Some(r), Some(action)) = (p.reseller_id, p.coverage) {
                let s = coverage.entry((r, action, p.code)).or_insert((0, p.at));
                s.0 += p.repeats;
                s.1 = s.1.max(p.at);
            }
        }
        let mut mail: HashMap<(i64, &'static str, i64), (i64, i64)> = HashMap::new();
        for p in &taken.entries {
            if let (Some((company, outcome)), Some(method)) = (p.mail_company, p.coverage) {
                let s = mail.entry((company, method, outcome)).or_insert((0, p.at));
                s.0 += p.repeats;
                s.1 = s.1.max(p.at);
            }
        }
        let mail: Vec<crate::store::CoverageCount> = mail
            .into_iter()
            .map(
                |((company, action, code), (calls, last_at))| crate::store::CoverageCount {
                    reseller_id: company,
                    action,
                    code,
                    calls,
                    last_at,
                },
            )
            .collect();
        let coverage: Vec<crate::store::CoverageCount> = coverage
            .into_iter()
            .map(
                |((reseller_id, action, code), (calls, last_at))| crate::store::CoverageCount {
                    reseller_id,
                    action,
                    code,
                    calls,
                    last_at,
                },
            )
            .collect();
        let entries: Vec<JournalEntry> = taken
            .entries
            .into_iter()
            .chain(taken.anonymous)
            .map(|p| {
                let request = kept(&p.head, &p.request, p.request_kind);
                let reply = kept("", &p.reply, p.reply_kind);
                JournalEntry {
                    id: 0,
                    at: p.at,
                    reseller_id: p.reseller_id,
                    tenant: p.tenant,
                    username: p.username,
                    surface: p.surface.into(),
                    action: p.action,
                    code: p.code,
                    success: p.success,
                    size: (request.len() + reply.len()) as i64,
                    request,
                    reply,
                    explanation: p.explanation.map(explanation_text),
                    fault: p.fault,
                    repeats: p.repeats,
                }
            })
            .collect();
        let windows = crate::store::JournalWindows {
            tenant_rows: TENANT_ROWS,
            tenant_bytes: TENANT_BYTES,
            anonymous: ANONYMOUS,
            anonymous_rows: ANONYMOUS_ROWS,
            anonymous_bytes: ANONYMOUS_BYTES,
            oldest: now - MAX_AGE,
        };
        store.journal_append(&entries, (&coverage, &mail), &windows)?;
        Ok(entries.len())
    }
}

/// `text` cut to `max` bytes at a character boundary, with a note when cut.
fn bounded(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!(
        "{}\n[… {} more bytes not kept]",
        &text[..end],
        text.len() - end
    )
}

/// An explanation with every string and list capped (on the request path: the
/// strings may be the caller's, megabytes of them).
fn cap_explanation(v: &mut serde_json::Value) {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) if s.len() > EXPLANATION_TEXT => {
                *s = capped(s, EXPLANATION_TEXT);
            }
            serde_json::Value::Array(l) => {
                let more = l.len().saturating_sub(EXPLANATION_LIST);
                l.truncate(EXPLANATION_LIST);
                l.iter_mut().for_each(walk);
                if more > 0 {
                    l.push(serde_json::Value::String(format!("… {more} more")));
                }
            }
            serde_json::Value::Object(m) => m.values_mut().for_each(walk),
            _ => {}
        }
    }
    walk(v);
}

/// An explanation as kept: capped (see [`cap_explanation`]), the whole bounded.
fn explanation_text(mut v: serde_json::Value) -> String {
    cap_explanation(&mut v);
    let text = v.to_string();
    if text.len() <= EXPLANATION_BYTES {
        return text;
    }
    serde_json::json!({ "rule": capped(&text, EXPLANATION_TEXT), "cut": true }).to_string()
}

/// Whether a field of this name holds a secret: its decoded name, lower-cased and
/// without separators, names a password, key, auth code, cookie, token, secret or
/// signature (`reg_password`, `Reg-Password`, `new_password`, `auth_info`,
/// `domain_auth_info`, `session_token`, `api_key`, `private_key`, …).
pub fn is_secret(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    const WITHIN: &[&str] = &[
        "password",
        "passwd",
        "passphrase",
        "secret",
        "token",
        "cookie",
        "authinfo",
        "authcode",
        "signature",
        "privatekey",
        "apikey",
        "sessionid",
    ];
    const WHOLE: &[&str] = &["key", "pass", "pw", "pwd", "pin"];
    // What describes a secret is not one (`session_token_duration`, `token_type`).
    const ABOUT: &[&str] = &["duration", "type", "expires", "reason"];
    (WITHIN.iter().any(|w| k.contains(w)) && !ABOUT.iter().any(|a| k.ends_with(a)))
        || WHOLE.contains(&k.as_str())
}

/// A value with every secret field's value (whatever it holds) replaced.
fn mask_value(v: &mut crate::ops::Value) {
    match v {
        crate::ops::Value::Map(m) => {
            for (k, v) in m.iter_mut() {
                if is_secret(k) {
                    *v = crate::ops::Value::from(MASK);
                } else {
                    mask_value(v);
                }
            }
        }
        crate::ops::Value::List(l) => l.iter_mut().for_each(mask_value),
        crate::ops::Value::Scalar(_) => {}
    }
}

/// An OPS envelope as opsd reads it, secrets replaced, written again; `None` when
/// it cannot be read (then nothing of it is kept: what the reader does not
/// understand cannot be masked safely).
pub fn mask_ops(body: &[u8]) -> Option<String> {
    let limits = crate::ops::Limits {
        max_bytes: KEPT_BYTES + 1,
        ..crate::ops::Limits::default()
    };
    let mut top = crate::ops::read(body, &limits).ok()?;
    mask_value(&mut top);
    let crate::ops::Value::Map(top) = top else {
        return None;
    };
    Some(String::from_utf8_lossy(&crate::ops::write_envelope(&top)).into_owned())
}

/// A JSON body with the values of secret keys replaced, at any depth; `None` when
/// it is not JSON.
pub fn mask_json(body: &[u8]) -> Option<String> {
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
    let mut v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    walk(&mut v);
    Some(v.to_string())
}

/// A form body decoded (`pass%77ord` is `password`), secret fields' values
/// replaced, and encoded again.
pub fn mask_form(body: &[u8]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in form_urlencoded::parse(body) {
        out.append_pair(&k, if is_secret(&k) { MASK } else { &v });
    }
    out.finish()
}

/// The head of a request as the journal keeps it: the request line, then each
/// header, secret ones masked, each value and the whole bounded.
pub fn head<'a>(request_line: &str, headers: impl Iterator<Item = (&'a str, &'a [u8])>) -> String {
    let mut out = format!("{}\r\n", capped(request_line, HEADER_VALUE_BYTES));
    let mut left_out = 0usize;
    for (name, value) in headers {
        if out.len() > HEAD_BYTES {
            left_out += 1;
            continue;
        }
        let value = if SECRET_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(name)) {
            MASK.to_string()
        } else {
            capped(&String::from_utf8_lossy(value), HEADER_VALUE_BYTES)
        };
        out.push_str(&format!("{}: {value}\r\n", capped(name, NAME_CHARS)));
    }
    if left_out > 0 {
        out.push_str(&format!("[… {left_out} more headers not kept]\r\n"));
    }
    out.push_str("\r\n");
    out
}

/// How a body is read, so that its secrets can be found, by the surface it came
/// in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// An OPS request: decoded, masked and written again, or not kept.
    OpsRequest,
    /// An OPS reply opsd wrote: decoded and masked like a request; past what is
    /// kept it cannot be decoded, and then its text is masked (opsd's own writer
    /// made it, in the one layout the scan knows).
    OpsReply,
    Json,
    Form,
    /// Not kept: the caller's signature did not pass.
    Withheld,
}

/// A whole request or reply as kept: masked on its decoded value, then bounded.
pub fn kept(head: &str, body: &[u8], kind: Body) -> String {
    let whole = body.len() <= KEPT_BYTES;
    let not_read = |what: &str| {
        format!(
            "[body of {} bytes not kept: {what}, so its secrets could not be masked]",
            body.len()
        )
    };
    let masked = match kind {
        Body::Withheld => "[body not kept: the signature did not pass]".to_string(),
        _ if body.is_empty() => String::new(),
        Body::OpsRequest if !whole => {
            not_read("it is larger than the journal keeps (64 KiB) and was not read whole")
        }
        Body::OpsRequest => mask_ops(body).unwrap_or_else(|| not_read("it is not OPS XML")),
        Body::OpsReply if whole => {
            mask_ops(body).unwrap_or_else(|| mask_own_ops_text(&String::from_utf8_lossy(body)))
        }
        Body::OpsReply => mask_own_ops_text(&String::from_utf8_lossy(&body[..KEPT_BYTES])),
        Body::Json if !whole => not_read("it is larger than the journal keeps (64 KiB)"),
        Body::Json => mask_json(body).unwrap_or_else(|| not_read("it is not JSON")),
        Body::Form if !whole => not_read("it is larger than the journal keeps (64 KiB)"),
        Body::Form => mask_form(body),
    };
    let mut all = bounded(&format!("{head}{masked}"), KEPT_BYTES + HEAD_BYTES);
    if kind == Body::OpsReply && !whole {
        all.push_str(&format!(
            "\n[… {} more bytes not kept]",
            body.len() - KEPT_BYTES
        ));
    }
    all
}

/// The text of a reply opsd's own writer made, with the value of every secret
/// item replaced. Only for that writer's layout (`<item key="k">text</item>`, no
/// comments or CDATA, keys never escaped): requests are masked on their decoded
/// value instead.
fn mask_own_ops_text(xml: &str) -> String {
    let mut out = String::with_capacity(xml.len());
    let mut rest = xml;
    while let Some(at) = rest.find("<item key=\"") {
        let (before, after) = rest.split_at(at + "<item key=\"".len());
        out.push_str(before);
        let Some(close) = after.find("\">") else {
            rest = after;
            break;
        };
        let key = &after[..close];
        out.push_str(key);
        out.push_str("\">");
        let value = &after[close + 2..];
        if is_secret(key) && !value.starts_with('<') {
            let end = value.find('<').unwrap_or(value.len());
            out.push_str(MASK);
            rest = &value[end..];
        } else {
            rest = value;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "Zq9wXk7Lm2Pv";

    fn envelope(attrs: &str) -> String {
        format!(
            "<?xml version='1.0' encoding='UTF-8' standalone='no' ?><OPS_envelope><header><version>0.9</version></header><body><data_block><dt_assoc><item key=\"protocol\">XCP</item><item key=\"action\">SW_REGISTER</item><item key=\"object\">DOMAIN</item><item key=\"attributes\"><dt_assoc><item key=\"domain\">a.com</item>{attrs}</dt_assoc></item></dt_assoc></data_block></body></OPS_envelope>"
        )
    }

    /// Every way the reader accepts a secret item: what it reads is what is masked.
    fn secret_forms(secret: &str) -> Vec<String> {
        let refs: String = secret.chars().map(|c| format!("&#{};", c as u32)).collect();
        let (a, b) = secret.split_at(secret.len() / 2);
        vec![
            format!("<item key=\"reg_password\">{secret}</item>"),
            format!("<item key=\"reg_password\"><![CDATA[{secret}]]></item>"),
            format!("<item key=\"reg_password\"><!-- note -->{secret}</item>"),
            format!("<item key=\"reg_password\"><dt_scalar>{secret}</dt_scalar></item>"),
            format!("<item key = \"reg_password\">{secret}</item>"),
            format!("<item key='reg_password'>{secret}</item>"),
            format!("<item key=\"reg&#95;password\">{secret}</item>"),
            format!("<item key=\"reg&#x5F;password\">{secret}</item>"),
            format!("<item key=\"Reg_Password\">{secret}</item>"),
            format!("<item key=\"reg_password\">{refs}</item>"),
            format!("<item key=\"reg_password\">{a}<![CDATA[{b}]]></item>"),
            format!("<item key=\"reg_password\">{a}<!-- x -->{b}</item>"),
            format!(
                "<item key=\"contact_set\"><dt_assoc><item key=\"owner\"><dt_assoc><item key=\"password\">{secret}</item></dt_assoc></item></dt_assoc></item>"
            ),
            format!(
                "<item key=\"domain_list\"><dt_array><item key=\"0\"><dt_assoc><item key=\"auth_info\">{secret}</item></dt_assoc></item></dt_array></item>"
            ),
            format!("<item key=\"cookie\">{secret}</item>"),
            format!(
                "<item key=\"auth_info\"><dt_assoc><item key=\"x\">{secret}</item></dt_assoc></item>"
            ),
        ]
    }

    #[test]
    fn ops_secrets_are_masked_in_every_form_the_reader_accepts() {
        for form in secret_forms(SECRET) {
            let body = envelope(&form);
            assert!(
                crate::ops::read(body.as_bytes(), &crate::ops::Limits::default()).is_ok(),
                "the reader accepts {form}"
            );
            let k = kept("", body.as_bytes(), Body::OpsRequest);
            assert!(!k.contains(SECRET), "{form} kept as {k}");
            assert!(k.contains("a.com"), "the rest is kept: {k}");
        }
    }

    proptest::proptest! {
        /// Whatever the secret and whichever form it takes, it never reaches what
        /// the journal keeps of a request; neither does a body that cannot be read.
        #[test]
        fn secrets_never_reach_the_journal(secret in "[A-Za-z0-9!#$%*+,./:;=?@^_~-]{6,24}", which in 0usize..16, noise in "[ <>&\"'a-z]{0,8}") {
            let forms = secret_forms(&secret);
            let body = envelope(&forms[which % forms.len()]);
            let k = kept("", body.as_bytes(), Body::OpsRequest);
            proptest::prop_assert!(!k.contains(&secret), "kept {}", k);
            // Broken envelopes are not kept at all.
            let broken = format!("{body}{noise}<");
            let k = kept("", broken.as_bytes(), Body::OpsRequest);
            proptest::prop_assert!(!k.contains(&secret));
        }
    }

    #[test]
    fn json_and_form_secrets_are_masked_on_decoded_names() {
        let j = kept(
            "",
            br#"{"credentials":{"user":"a","password":"s3cr"},"token":"t0k","n":[{"session_token":"st"}]}"#,
            Body::Json,
        );
        assert!(
            !j.contains("s3cr") && !j.contains("t0k") && !j.contains("\"st\""),
            "{j}"
        );
        assert!(j.contains("\"user\":\"a\""));
        assert_eq!(
            kept("", b"domain=a.com&pass%77ord=x&z=1", Body::Form),
            "domain=a.com&password=***&z=1"
        );
        let broken = kept("", br#"{"credentials":{"password":"s3cr""#, Body::Json);
        assert!(
            !broken.contains("s3cr") && broken.contains("not JSON"),
            "{broken}"
        );
    }

    #[test]
    fn replies_are_masked_and_cut_ones_by_their_own_layout() {
        let mut m = crate::ops::Map::new();
        m.insert("response_code".into(), "200".into());
        let mut attrs = crate::ops::Map::new();
        attrs.insert("cookie".into(), SECRET.into());
        attrs.insert("pad".into(), "x".repeat(KEPT_BYTES).into());
        m.insert("attributes".into(), crate::ops::Value::Map(attrs));
        let reply = crate::ops::write_envelope(&m);
        let k = kept("", &reply, Body::OpsReply);
        assert!(!k.contains(SECRET), "cut reply masked by text");
        assert!(k.ends_with("more bytes not kept]"));
    }

    #[test]
    fn heads_mask_signatures_and_every_field_is_bounded() {
        let h = head(
            "POST / HTTP/1.0",
            [("X-Signature", &b"abc"[..]), ("X-Username", &b"u"[..])].into_iter(),
        );
        assert!(h.contains("X-Signature: ***") && h.contains("X-Username: u"));
        let big = vec![b'v'; 100_000];
        let many: Vec<(String, Vec<u8>)> =
            (0..400).map(|i| (format!("x-h{i}"), big.clone())).collect();
        let h = head(
            "POST / HTTP/1.0",
            many.iter().map(|(k, v)| (k.as_str(), v.as_slice())),
        );
        assert!(h.len() < HEAD_BYTES + 2 * HEADER_VALUE_BYTES, "{}", h.len());
        assert!(h.contains("more headers not kept"));
        assert_eq!(
            capped(&"A".repeat(2_000_000), NAME_CHARS).chars().count(),
            NAME_CHARS + 1
        );
        let e = explanation_text(serde_json::json!({
            "rule": "r".repeat(1_000_000),
            "envelope": { "attributes": (0..10_000).map(|i| format!("k{i}")).collect::<Vec<_>>() },
        }));
        assert!(e.len() <= EXPLANATION_BYTES, "{}", e.len());
    }

    fn pending(tenant: &str, n: usize) -> Pending {
        Pending {
            at: 0,
            reseller_id: None,
            tenant: tenant.into(),
            username: format!("user{n}"),
            surface: "ops",
            action: format!("ACTION{n}"),
            coverage: None,
            mail_company: None,
            code: 400,
            success: false,
            head: String::new(),
            request: bytes::Bytes::from(vec![b'x'; 60_000]),
            request_kind: Body::Withheld,
            reply: bytes::Bytes::new(),
            reply_kind: Body::OpsReply,
            explanation: None,
            fault: None,
            repeats: 1,
        }
    }

    #[test]
    fn strangers_are_coalesced_and_one_tenant_cannot_crowd_out_another() {
        let j = Journal::default();
        for n in 0..10_000 {
            j.record(pending(ANONYMOUS, n % 100));
        }
        assert_eq!(j.buffer().anonymous.len(), ANONYMOUS_KEYS);
        let counted: i64 = j.buffer().anonymous.iter().map(|p| p.repeats).sum();
        assert_eq!(counted, 10_000, "every refusal counted");
        for n in 0..5_000 {
            j.record(pending("reseller:1", n));
        }
        j.record(pending("reseller:2", 0));
        let buf = j.buffer();
        assert!(buf.bytes <= BUFFER_BYTES);
        assert!(buf.tenants["reseller:1"].1 <= TENANT_BUFFER_BYTES);
        assert_eq!(
            buf.tenants["reseller:2"].0, 1,
            "the other tenant still has room"
        );
    }
}
