//! The documented settings of a hosted email company, domain and user beyond
//! the ones with rules of their own (names, passwords, aliases, forwarding,
//! workgroups, pushes): one table with each setting's kind, limits and the
//! levels that take it, checked in one place; and the inheritance the
//! documentation describes: ten settings, when a user or a domain has none of
//! its own, are the domain's or the company's (`metadata.inherit`).
//! `null` takes an object's own value away, so it inherits again.

use serde_json::{Map, Value, json};

/// The levels a setting is kept at.
pub const COMPANY: u8 = 1;
pub const DOMAIN: u8 = 2;
pub const USER: u8 = 4;

/// What a setting's value is.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text(usize),
    Flag,
    Number(i64, i64),
    OneOf(&'static [&'static str]),
    Address,
    /// Sender patterns (`*` and `?` wildcards), at most this many.
    Patterns(usize),
    /// A host with an optional port.
    Host,
    /// `{'email', 'name', 'notes', 'phone', 'type'}` company contacts.
    Contacts,
}

const SERVICE: Kind = Kind::OneOf(&["enabled", "disabled", "suspended"]);
const SPAM_LEVELS: Kind = Kind::OneOf(&["Normal", "High", "Very High"]);
const ENCODINGS: Kind = Kind::OneOf(&[
    "MD5", "BCRYPT", "CRYPT", "DES", "SHA", "SHA1", "SHA224", "SHA256", "SHA384", "SHA512", "SSHA",
    "SSHA1", "SSHA224", "SSHA256", "SSHA384", "SSHA512",
]);
const STRENGTH: Kind = Kind::OneOf(&["weak", "medium", "good", "strong"]);
const ALL: u8 = COMPANY | DOMAIN | USER;

/// (name, kind, levels, inherited live from the level above).
const TABLE: &[(&str, Kind, u8, bool)] = &[
    ("allow", Kind::Patterns(1_000), ALL, false),
    ("block", Kind::Patterns(1_000), ALL, false),
    ("brand", Kind::Text(128), COMPANY | USER, true),
    ("contacts", Kind::Contacts, COMPANY, false),
    (
        "default_password_encoding",
        ENCODINGS,
        COMPANY | DOMAIN,
        true,
    ),
    (
        "filterdelivery",
        Kind::OneOf(&["quarantine", "passthrough"]),
        ALL,
        true,
    ),
    ("password_strength", STRENGTH, COMPANY | DOMAIN, true),
    ("regen_passwords", Kind::Flag, COMPANY | DOMAIN, true),
    ("smtp_sent_limit", Kind::Number(0, 10_000), ALL, true),
    ("spamfolder", Kind::Text(128), ALL, true),
    ("spamheader", Kind::Text(512), ALL, true),
    ("spamlevel", SPAM_LEVELS, ALL, true),
    ("spamtag", Kind::Text(30), ALL, true),
    ("language", Kind::Text(32), ALL, false),
    ("timezone", Kind::Text(64), ALL, false),
    ("notes_external", Kind::Text(4_096), ALL, false),
    (
        "limit_aliases",
        Kind::Number(0, i64::MAX),
        COMPANY | DOMAIN,
        false,
    ),
    (
        "limit_users",
        Kind::Number(0, i64::MAX),
        COMPANY | DOMAIN,
        false,
    ),
    ("quota", Kind::Number(0, i64::MAX), ALL, false),
    (
        "quota_maximum",
        Kind::Number(0, i64::MAX),
        COMPANY | DOMAIN,
        false,
    ),
    ("service_imap4", SERVICE, ALL, false),
    ("service_pop3", SERVICE, ALL, false),
    ("service_smtpin", SERVICE, ALL, false),
    ("service_smtprelay", SERVICE, ALL, false),
    ("service_smtprelay_webmail", SERVICE, ALL, false),
    ("service_webmail", SERVICE, ALL, false),
    ("stats_mailout", Kind::Patterns(100), COMPANY, false),
    ("wm_domainalias", Kind::Flag, COMPANY | DOMAIN, false),
    ("catchall", Kind::Address, DOMAIN, false),
    ("filtermx", Kind::Host, DOMAIN, false),
    ("workgroup", Kind::Text(64), DOMAIN, false),
    ("autoresponder", Kind::Text(4_000), USER, false),
    (
        "autoresponder_option_enddate",
        Kind::Number(0, i64::MAX),
        USER,
        false,
    ),
    (
        "autoresponder_option_interval",
        Kind::Number(0, 1_094),
        USER,
        false,
    ),
    ("delivery_autoresponder", Kind::Flag, USER, false),
    ("delivery_filter", Kind::Flag, USER, false),
    ("delivery_local", Kind::Flag, USER, false),
    ("forward_option_restricted", Kind::Flag, USER, false),
    (
        "forward_option_subject_prefix",
        Kind::Text(128),
        USER,
        false,
    ),
    ("forward_option_reply_to", Kind::Address, USER, false),
    ("macsettings", Kind::Text(2_048), USER, false),
    ("max_pab_entries", Kind::Number(0, i64::MAX), USER, false),
    ("reject_spam", Kind::Flag, USER, false),
    ("sieve", Kind::Text(65_536), USER, false),
];

/// The settings `level` takes, by name.
pub fn names(level: u8) -> impl Iterator<Item = &'static str> {
    TABLE.iter().filter(move |a| a.2 & level != 0).map(|a| a.0)
}

/// Whether `name` is a setting of `level` this table holds.
pub fn holds(level: u8, name: &str) -> bool {
    TABLE.iter().any(|a| a.0 == name && a.2 & level != 0)
}

/// The value to keep for `name` at `level`: checked and tidied; `Ok(None)` for
/// `null` (the object's own value taken away). `Err` says why not.
pub fn check(level: u8, name: &str, v: &Value) -> Result<Option<Value>, String> {
    let Some(&(_, kind, _, _)) = TABLE.iter().find(|a| a.0 == name && a.2 & level != 0) else {
        return Err("not an attribute of this object".into());
    };
    if v.is_null() {
        return Ok(None);
    }
    let text = || v.as_str().map(str::trim);
    let kept = match kind {
        Kind::Text(max) => match text() {
            Some(s) if s.chars().count() <= max && !s.contains('\0') => json!(s),
            _ => return Err(format!("must be text of at most {max} characters")),
        },
        Kind::Flag => match v {
            Value::Bool(b) => json!(b),
            Value::Number(n) if n.as_i64().is_some_and(|n| n == 0 || n == 1) => {
                json!(n.as_i64() == Some(1))
            }
            _ => return Err("must be true or false".into()),
        },
        Kind::Number(lo, hi) => {
            let n = match v {
                Value::Number(n) => n.as_i64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            };
            match n {
                Some(n) if (lo..=hi).contains(&n) => json!(n),
                _ => return Err(format!("must be a whole number from {lo} to {hi}")),
            }
        }
        Kind::OneOf(values) => {
            match text().and_then(|s| values.iter().find(|x| x.eq_ignore_ascii_case(s))) {
                Some(x) => json!(x),
                None => return Err(format!("must be one of {}", values.join(", "))),
            }
        }
        Kind::Address => match text() {
            Some(s) if crate::mail::plausible_address(s) => json!(s.to_ascii_lowercase()),
            _ => return Err("must be an email address".into()),
        },
        Kind::Host => match text() {
            Some(s) if host_ok(s) => json!(s.to_ascii_lowercase()),
            _ => return Err("must be a host name, optionally with :port".into()),
        },
        Kind::Patterns(max) => {
            let items = v.as_array().ok_or("must be a list")?;
            if items.len() > max {
                return Err(format!("at most {max} entries"));
            }
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                match i.as_str().map(str::trim) {
                    Some(s) if (1..=256).contains(&s.len()) && !s.contains(char::is_whitespace) => {
                        out.push(json!(s.to_ascii_lowercase()));
                    }
                    _ => return Err("entries must be addresses or patterns".into()),
                }
            }
            Value::Array(out)
        }
        Kind::Contacts => {
            let items = v.as_array().ok_or("must be a list")?;
            if items.len() > 100 {
                return Err("at most 100 contacts".into());
            }
            for c in items {
                let c = c.as_object().ok_or("each contact must be an object")?;
                for (k, max) in [
                    ("email", 256),
                    ("name", 128),
                    ("notes", 1_024),
                    ("phone", 64),
                    ("type", 16),
                ] {
                    if let Some(x) = c.get(k)
                        && x.as_str().is_none_or(|s| s.chars().count() > max)
                    {
                        return Err(format!(
                            "a contact's {k} must be text of at most {max} characters"
                        ));
                    }
                }
                if let Some(t) = c.get("type").and_then(Value::as_str)
                    && !["business", "technical", "emergency", "abuse", "billing"].contains(&t)
                {
                    return Err(
                        "a contact's type must be business, technical, emergency, abuse or billing"
                            .into(),
                    );
                }
                if c.keys()
                    .any(|k| !["email", "name", "notes", "phone", "type"].contains(&k.as_str()))
                {
                    return Err("a contact has email, name, notes, phone and type".into());
                }
            }
            v.clone()
        }
    };
    Ok(Some(kept))
}

fn host_ok(s: &str) -> bool {
    let (host, port) = match s.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    };
    crate::domain::DomainName::parse(host).is_ok()
        && port.is_none_or(|p| p.parse::<u16>().is_ok_and(|p| p > 0))
}

/// `stored` (an object's kept settings, JSON) with `changes` applied: a value
/// replaces, `None` removes.
pub fn apply(stored: &str, changes: &[(String, Option<Value>)]) -> String {
    let mut m: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    for (k, v) in changes {
        match v {
            Some(v) => {
                m.insert(k.clone(), v.clone());
            }
            None => {
                m.remove(k);
            }
        }
    }
    Value::Object(m).to_string()
}

/// The settings of `level` that `stored` holds (JSON), for `attributes`.
pub fn own(level: u8, stored: &str) -> Map<String, Value> {
    let kept: Map<String, Value> = serde_json::from_str(stored).unwrap_or_default();
    kept.into_iter().filter(|(k, _)| holds(level, k)).collect()
}

/// What an object of `level` inherits, `parents` nearest first (a user's
/// domain then company): for each inherited setting the nearest parent's own
/// value, or `null`.
pub fn inherit(level: u8, parents: &[&str]) -> Map<String, Value> {
    let parsed: Vec<Map<String, Value>> = parents
        .iter()
        .map(|p| serde_json::from_str(p).unwrap_or_default())
        .collect();
    TABLE
        .iter()
        .filter(|a| a.3 && a.2 & level != 0)
        .map(|a| {
            let v = parsed
                .iter()
                .find_map(|p| p.get(a.0).filter(|v| !v.is_null()).cloned())
                .unwrap_or(Value::Null);
            (a.0.to_string(), v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_by_kind_and_level() {
        assert_eq!(
            check(USER, "spamlevel", &json!("very high")),
            Ok(Some(json!("Very High")))
        );
        assert!(check(USER, "spamlevel", &json!("extreme")).is_err());
        assert!(
            check(USER, "catchall", &json!("a@b.test")).is_err(),
            "a domain setting"
        );
        assert_eq!(
            check(DOMAIN, "catchall", &json!("A@b.test")),
            Ok(Some(json!("a@b.test")))
        );
        assert_eq!(
            check(DOMAIN, "smtp_sent_limit", &json!("500")),
            Ok(Some(json!(500)))
        );
        assert!(check(DOMAIN, "smtp_sent_limit", &json!(10_001)).is_err());
        assert!(check(USER, "autoresponder_option_interval", &json!(1_095)).is_err());
        assert_eq!(
            check(DOMAIN, "filtermx", &json!("mx.b.test:2525")),
            Ok(Some(json!("mx.b.test:2525")))
        );
        assert!(check(DOMAIN, "filtermx", &json!("mx.b.test:0")).is_err());
        assert_eq!(check(USER, "spamtag", &Value::Null), Ok(None));
        assert!(
            check(
                COMPANY,
                "contacts",
                &json!([{"email": "a@b.test", "type": "abuse"}])
            )
            .is_ok()
        );
        assert!(check(COMPANY, "contacts", &json!([{"type": "friend"}])).is_err());
        assert!(
            check(
                USER,
                "allow",
                &Value::Array(vec![json!("*@ok.test"); 1_001])
            )
            .is_err()
        );
    }

    #[test]
    fn the_nearest_own_value_is_inherited() {
        let company = r#"{"spamtag":"[SPAM]","spamlevel":"High"}"#;
        let domain = r#"{"spamtag":"[D]","catchall":"x@y.test"}"#;
        let got = inherit(USER, &[domain, company]);
        assert_eq!(got["spamtag"], json!("[D]"));
        assert_eq!(got["spamlevel"], json!("High"));
        assert_eq!(got["filterdelivery"], Value::Null);
        assert!(!got.contains_key("catchall"), "not inherited");
        assert!(
            !inherit(USER, &[]).contains_key("password_strength"),
            "not a user's"
        );
        let after = apply(
            domain,
            &[
                ("spamtag".into(), None),
                ("spamlevel".into(), Some(json!("Normal"))),
            ],
        );
        assert_eq!(own(DOMAIN, &after).len(), 2);
    }
}
