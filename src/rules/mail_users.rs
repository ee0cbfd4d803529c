//! What a hosted email user may be: its address, its type, and the attributes
//! the Email API's `change_user` sets (name, title, phone, fax, password,
//! forwarding, aliases, workgroup), with the documented limits (2,000 aliases;
//! 1,000 forward recipients; a password of 1–54 characters) and opsd's own
//! (*chosen*: text attributes of at most 256 characters, workgroup names of
//! letters, digits, `.`, `_`, `-`). An unknown attribute is refused, as the
//! documentation's error 6 says.

use serde_json::{Map, Value, json};

use super::mail_attributes;
use crate::status::MailUserKind;

/// Documented: the most aliases a user has.
pub const MAX_ALIASES: usize = 2_000;
/// Documented: the most addresses a user forwards to.
pub const MAX_FORWARDS: usize = 1_000;
/// The longest text attribute (*chosen*).
pub const MAX_TEXT: usize = 256;
/// The workgroup a user is in unless told otherwise (*chosen*).
pub const DEFAULT_WORKGROUP: &str = "staff";
/// Documented: a deleted user can be restored for 30 days.
pub const RESTORE_DAYS: i64 = 30;

/// A workgroup name: 1–64 letters, digits, `.`, `_`, `-`, lower-cased
/// (*chosen*).
pub fn workgroup_name(raw: &str) -> Option<String> {
    let w = raw.trim().to_ascii_lowercase();
    ((1..=64).contains(&w.len())
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
    .then_some(w)
}

/// Whether `text` matches the documentation's wildcard `pattern` (`?` one
/// character, `*` any run), case-insensitively.
pub fn wildcard(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never
    // exponential on a hostile pattern.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The kinds of a user's login token (generate_token's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Good for Email API logins only.
    Oma,
    /// Good until it expires.
    Session,
    /// Good for one login.
    Sso,
}

impl TokenKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenKind::Oma => "oma",
            TokenKind::Session => "session",
            TokenKind::Sso => "sso",
        }
    }

    pub fn parse(s: &str) -> Option<TokenKind> {
        [TokenKind::Oma, TokenKind::Session, TokenKind::Sso]
            .into_iter()
            .find(|k| k.as_str() == s.trim().to_ascii_lowercase())
    }
}

/// Whether `token` may be a caller-chosen token: 16–128 letters, digits, `.`,
/// `_`, `-` (*chosen*).
pub fn token_ok(token: &str) -> bool {
    (16..=128).contains(&token.len())
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// The text attributes kept as they are sent.
const TEXT: &[&str] = &["name", "title", "phone", "fax"];

/// A refusal: the attribute and why.
pub type Refusal = (String, String);

/// A change of a user's attributes as sent; `None` leaves one as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub text: Vec<(&'static str, String)>,
    pub password: Option<String>,
    pub kind: Option<MailUserKind>,
    pub delivery_forward: Option<bool>,
    pub forward_recipients: Option<Vec<String>>,
    pub aliases: Option<Vec<String>>,
    pub workgroup: Option<String>,
    /// The settings of `rules::mail_attributes`' table: a value, or `None` to
    /// inherit again.
    pub settings: Vec<(String, Option<Value>)>,
}

/// `address` split into its local part and domain, lower-cased; `None` when it
/// is not an address.
pub fn split_address(address: &str) -> Option<(String, String)> {
    let a = address.trim().to_ascii_lowercase();
    let (local, domain) = a.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let domain = crate::domain::DomainName::parse(domain).ok()?;
    local_ok.then(|| (local.to_string(), domain.name.to_string()))
}

fn list_of_addresses(v: &Value, field: &str, max: usize) -> Result<Vec<String>, Refusal> {
    let Value::Array(items) = v else {
        return Err((field.into(), "must be a list of addresses".into()));
    };
    if items.len() > max {
        return Err((field.into(), format!("at most {max} addresses")));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (local, domain) = item
            .as_str()
            .and_then(split_address)
            .ok_or_else(|| (format!("{field}[{i}]"), "not an email address".into()))?;
        let a = format!("{local}@{domain}");
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

/// The attributes of a `change_user`, checked.
pub fn parse_user(attrs: &Map<String, Value>) -> Result<UserChange, Refusal> {
    let mut c = UserChange::default();
    for (key, v) in attrs {
        let field = key.as_str();
        match field {
            _ if TEXT.contains(&field) => {
                let name = TEXT.iter().copied().find(|t| *t == field).unwrap_or("name");
                let text = match v {
                    Value::Null => String::new(),
                    Value::String(s) if s.chars().count() <= MAX_TEXT => s.trim().to_string(),
                    Value::String(_) => {
                        return Err((field.into(), format!("at most {MAX_TEXT} characters")));
                    }
                    _ => return Err((field.into(), "must be text".into())),
                };
                c.text.push((name, text));
            }
            "password" => match v.as_str() {
                Some(p) if (1..=54).contains(&p.chars().count()) => {
                    c.password = Some(p.to_string());
                }
                _ => return Err((field.into(), "must be 1 to 54 characters".into())),
            },
            "type" => {
                c.kind = Some(
                    v.as_str()
                        .and_then(|t| t.parse::<MailUserKind>().ok())
                        .ok_or_else(|| {
                            (
                                field.to_string(),
                                "must be mailbox, forward or filter".to_string(),
                            )
                        })?,
                );
            }
            "delivery_forward" => {
                c.delivery_forward = Some(
                    v.as_bool()
                        .ok_or_else(|| (field.to_string(), "must be true or false".to_string()))?,
                );
            }
            "forward_recipients" => {
                c.forward_recipients = Some(list_of_addresses(v, field, MAX_FORWARDS)?);
            }
            "aliases" => c.aliases = Some(list_of_addresses(v, field, MAX_ALIASES)?),
            "workgroup" => {
                let w = v
                    .as_str()
                    .map(|w| w.trim().to_ascii_lowercase())
                    .filter(|w| {
                        (1..=64).contains(&w.len())
                            && w.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
                    })
                    .ok_or_else(|| (field.to_string(), "must be a workgroup name".to_string()))?;
                c.workgroup = Some(w);
            }
            _ if mail_attributes::holds(mail_attributes::USER, field) => {
                let kept = mail_attributes::check(mail_attributes::USER, field, v)
                    .map_err(|why| (field.to_string(), why))?;
                c.settings.push((field.to_string(), kept));
            }
            _ => return Err((field.into(), "not an attribute of a user".into())),
        }
    }
    Ok(c)
}

/// The stored attributes (JSON) after `change` over `before`.
pub fn apply(before: &str, change: &UserChange) -> String {
    let mut m: Map<String, Value> = serde_json::from_str(before).unwrap_or_default();
    for (k, v) in &change.text {
        m.insert((*k).into(), json!(v));
    }
    if let Some(d) = change.delivery_forward {
        m.insert("delivery_forward".into(), json!(d));
    }
    if let Some(f) = &change.forward_recipients {
        m.insert("forward_recipients".into(), json!(f));
    }
    mail_attributes::apply(&Value::Object(m).to_string(), &change.settings)
}

/// What a change sets, attribute by attribute (JSON values), for the user's
/// attribute history; never the password.
pub fn history(change: &UserChange, workgroup: Option<&str>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = change
        .text
        .iter()
        .map(|(k, v)| ((*k).to_string(), json!(v).to_string()))
        .collect();
    if let Some(k) = change.kind {
        out.push(("type".into(), json!(k.as_str()).to_string()));
    }
    if let Some(d) = change.delivery_forward {
        out.push(("delivery_forward".into(), json!(d).to_string()));
    }
    if let Some(f) = &change.forward_recipients {
        out.push(("forward_recipients".into(), json!(f).to_string()));
    }
    if let Some(a) = &change.aliases {
        out.push(("aliases".into(), json!(a).to_string()));
    }
    if let Some(w) = workgroup {
        out.push(("workgroup".into(), json!(w).to_string()));
    }
    for (k, v) in &change.settings {
        out.push((k.clone(), v.clone().unwrap_or(Value::Null).to_string()));
    }
    out
}

/// The attributes `get_user` answers: the stored ones with their defaults.
pub fn shown(
    stored: &str,
    account: &str,
    workgroup: &str,
    aliases: &[String],
) -> Map<String, Value> {
    let kept: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    let mut m = Map::new();
    m.insert("account".into(), json!(account));
    for t in TEXT {
        m.insert(
            (*t).into(),
            kept.get(*t).cloned().unwrap_or_else(|| json!("")),
        );
    }
    m.insert(
        "delivery_forward".into(),
        kept.get("delivery_forward")
            .cloned()
            .unwrap_or(json!(false)),
    );
    m.insert(
        "forward_recipients".into(),
        kept.get("forward_recipients")
            .cloned()
            .unwrap_or_else(|| json!([])),
    );
    m.insert("aliases".into(), json!(aliases));
    m.insert("workgroup".into(), json!(workgroup));
    m.extend(mail_attributes::own(mail_attributes::USER, stored));
    m
}

/// Every attribute a user may be given, as `get_user` lists them.
pub fn settable() -> Vec<&'static str> {
    let mut all: Vec<&str> = SETTABLE
        .iter()
        .copied()
        .chain(mail_attributes::names(mail_attributes::USER))
        .collect();
    all.sort_unstable();
    all
}

/// The attributes with rules of their own here.
const SETTABLE: &[&str] = &[
    "aliases",
    "delivery_forward",
    "fax",
    "forward_recipients",
    "name",
    "password",
    "phone",
    "title",
    "type",
    "workgroup",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_attributes() {
        assert_eq!(
            split_address(" Jane@Example.COM "),
            Some(("jane".into(), "example.com".into()))
        );
        assert_eq!(split_address("no-at-sign"), None);
        assert_eq!(split_address("a b@example.com"), None);
        let attrs = json!({"name": "Jane Doe", "type": "forward", "forward_recipients": ["A@x.org", "a@x.org"], "aliases": []});
        let c = parse_user(attrs.as_object().expect("object")).expect("parsed");
        assert_eq!(c.kind, Some(MailUserKind::Forward));
        assert_eq!(c.forward_recipients, Some(vec!["a@x.org".to_string()]));
        for bad in [
            json!({"colour": "red"}),
            json!({"type": "robot"}),
            json!({"password": ""}),
            json!({"forward_recipients": ["not an address"]}),
            json!({"name": "x".repeat(MAX_TEXT + 1)}),
        ] {
            assert!(
                parse_user(bad.as_object().expect("object")).is_err(),
                "{bad}"
            );
        }
        assert!(wildcard("a*c", "abbbc"));
        assert!(wildcard("*.example", "x.example"));
        assert!(wildcard("?", "a") && !wildcard("?", "ab"));
        assert!(!wildcard("a*c", "abd"));
        assert!(wildcard(&"*".repeat(50), &"a".repeat(1000)));
        let stored = apply("{}", &c);
        let shown = shown(&stored, "j@example.com", "staff", &[]);
        assert_eq!(shown["name"], json!("Jane Doe"));
        assert_eq!(shown["title"], json!(""));
    }
}
