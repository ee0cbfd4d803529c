//! Domain forwarding, as OpenSRS's service takes it (SET_DOMAIN_FORWARDING
//! `forwarding`): a list of names of the domain — the bare domain (an empty
//! `subdomain`), one subdomain, or `*` for every subdomain — each sent on to a
//! web address, plainly (a redirect) or masked (a page framing it, with a title,
//! description and keywords). What an entry may be is checked here, with the
//! documented limits; the refusal names the entry and field
//! (`forwarding[1].destination_url`).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::dns::text;

/// The most forwarded names a domain may have (*chosen*).
pub const MAX_ENTRIES: usize = 100;

/// One forwarded name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forward {
    /// Relative to the domain: `""` the bare domain, `*` every subdomain.
    pub subdomain: String,
    pub destination_url: String,
    pub enabled: bool,
    pub masked: bool,
    pub title: String,
    pub description: String,
    pub keywords: String,
}

/// A refusal: the field and why.
pub type Refusal = (String, String);

/// The entries of `forwarding` (JSON), checked, in the order sent.
pub fn parse(forwarding: &Value) -> Result<Vec<Forward>, Refusal> {
    let entries: Vec<&Value> = match (super::dns::numbered(forwarding), forwarding) {
        (Some(entries), _) => entries,
        (None, Value::Object(m)) if m.is_empty() => Vec::new(),
        (None, Value::String(s)) if s.trim().is_empty() => Vec::new(),
        _ => {
            return Err((
                "forwarding".into(),
                "expected a list of forwarded names".into(),
            ));
        }
    };
    if entries.len() > MAX_ENTRIES {
        return Err((
            "forwarding".into(),
            format!("a domain forwards at most {MAX_ENTRIES} names"),
        ));
    }
    let mut out: Vec<Forward> = Vec::with_capacity(entries.len());
    for (i, e) in entries.into_iter().enumerate() {
        let field = |f: &str| format!("forwarding[{i}].{f}");
        let Value::Object(e) = e else {
            return Err((
                format!("forwarding[{i}]"),
                "expected a forwarded name".into(),
            ));
        };
        let f = entry(e, &field)?;
        if out.iter().any(|o| o.subdomain == f.subdomain) {
            return Err((
                field("subdomain"),
                format!("'{}' is forwarded twice", f.subdomain),
            ));
        }
        out.push(f);
    }
    Ok(out)
}

fn limited(
    e: &Map<String, Value>,
    key: &str,
    max: usize,
    field: &dyn Fn(&str) -> String,
) -> Result<String, Refusal> {
    let v = text(e, key);
    if v.chars().count() > max {
        return Err((field(key), format!("longer than {max} characters")));
    }
    if v.chars().any(char::is_control) {
        return Err((field(key), "control characters are not allowed".into()));
    }
    Ok(v.to_string())
}

fn flag(
    e: &Map<String, Value>,
    key: &str,
    default: bool,
    field: &dyn Fn(&str) -> String,
) -> Result<bool, Refusal> {
    match text(e, key) {
        "" => Ok(default),
        "1" => Ok(true),
        "0" => Ok(false),
        other => Err((field(key), format!("'{other}' is not 0 or 1"))),
    }
}

fn entry(e: &Map<String, Value>, field: &dyn Fn(&str) -> String) -> Result<Forward, Refusal> {
    let subdomain = limited(e, "subdomain", 128, field)?.to_ascii_lowercase();
    let ok = subdomain.is_empty()
        || subdomain.split('.').enumerate().all(|(i, l)| {
            (l == "*" && i == 0)
                || (!l.is_empty()
                    && l.len() <= 63
                    && l.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        });
    if !ok {
        return Err((
            field("subdomain"),
            format!("'{subdomain}' is not a name of the domain"),
        ));
    }
    let destination_url = limited(e, "destination_url", 200, field)?;
    match url::Url::parse(&destination_url) {
        Ok(u)
            if matches!(u.scheme(), "http" | "https")
                && u.host_str().is_some_and(|h| !h.is_empty()) => {}
        _ => {
            return Err((
                field("destination_url"),
                format!("'{destination_url}' is not an http or https address"),
            ));
        }
    }
    Ok(Forward {
        subdomain,
        destination_url,
        enabled: flag(e, "enabled", true, field)?,
        masked: flag(e, "masked", false, field)?,
        title: limited(e, "title", 255, field)?,
        description: limited(e, "description", 255, field)?,
        keywords: limited(e, "keywords", 255, field)?,
    })
}

/// The entries in the shape GET_DOMAIN_FORWARDING answers them.
pub fn to_ops(entries: &[Forward]) -> Value {
    Value::Array(
        entries
            .iter()
            .map(|f| {
                json!({
                    "subdomain": f.subdomain,
                    "destination_url": f.destination_url,
                    "enabled": if f.enabled { "1" } else { "0" },
                    "masked": if f.masked { "1" } else { "0" },
                    "title": f.title,
                    "description": f.description,
                    "keywords": f.keywords,
                })
            })
            .collect(),
    )
}

/// The entries as the store keeps them (JSON).
pub fn to_json(entries: &[Forward]) -> String {
    serde_json::to_string(entries).unwrap_or_else(|_| "[]".into())
}

/// The entries the store keeps; none for a value that does not read.
pub fn from_json(stored: &str) -> Vec<Forward> {
    serde_json::from_str(stored).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_and_bad_ones_are_named() {
        let ok = parse(&json!([
            {"subdomain": "", "destination_url": "https://example.org/page?a=1", "masked": "1", "title": "Home"},
            {"subdomain": "*", "destination_url": "http://192.0.2.1/"},
        ]))
        .unwrap_or_default();
        assert_eq!(ok.len(), 2);
        assert!(ok[0].masked && ok[0].enabled);
        assert_eq!(from_json(&to_json(&ok)), ok);
        let field = |v: Value| parse(&v).err().map(|(f, _)| f).unwrap_or_default();
        assert_eq!(
            field(json!([{"destination_url": "ftp://x.org"}])),
            "forwarding[0].destination_url"
        );
        assert_eq!(
            field(json!([{"destination_url": "https://x.org", "masked": "yes"}])),
            "forwarding[0].masked"
        );
        assert_eq!(
            field(json!([{"destination_url": format!("https://x.org/{}", "a".repeat(200))}])),
            "forwarding[0].destination_url"
        );
        assert_eq!(
            field(
                json!([{"subdomain": "www", "destination_url": "https://x.org"}, {"subdomain": "WWW", "destination_url": "https://y.org"}])
            ),
            "forwarding[1].subdomain"
        );
        assert_eq!(
            field(json!([{"subdomain": "a b", "destination_url": "https://x.org"}])),
            "forwarding[0].subdomain"
        );
    }
}
