//! A domain's stored contact set (JSON, roles to `whois::Contact`): completed from
//! the roles it has, changed by laying roles over it, and its addresses — what the
//! actions, the rules and the workers read and write alike.

/// The set as stored.
pub fn to_json(set: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::Value::Object(set.clone()).to_string()
}

/// The stored set with `changes` laid over it (the roles they name replace the
/// stored ones), as JSON.
pub fn merge(stored: Option<&str>, changes: &serde_json::Map<String, serde_json::Value>) -> String {
    let mut set = complete(stored);
    for (role, c) in changes {
        set.insert(role.clone(), c.clone());
    }
    to_json(&set)
}

/// Every role of the stored set, filled from the others where it has none (WHOIS
/// gives registrant, admin and tech only).
pub fn complete(stored: Option<&str>) -> serde_json::Map<String, serde_json::Value> {
    let raw: serde_json::Map<String, serde_json::Value> = stored
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or_default();
    let pick = |names: &[&str]| names.iter().find_map(|n| raw.get(*n).cloned());
    let mut out = serde_json::Map::new();
    let fallbacks: [(&str, &[&str]); 4] = [
        ("owner", &["owner", "registrant", "admin"]),
        ("admin", &["admin", "owner", "registrant"]),
        ("billing", &["billing", "admin", "owner", "registrant"]),
        ("tech", &["tech", "admin", "owner", "registrant"]),
    ];
    for (role, names) in fallbacks {
        if let Some(c) = pick(names) {
            out.insert(role.to_string(), c);
        }
    }
    out
}

/// The address of one role of the stored set (admin for approvals, auth codes and
/// the `admin_email` replies carry), if it has one.
pub fn email_of(stored: Option<&str>, role: &str) -> Option<String> {
    complete(stored)
        .get(role)
        .and_then(|c| c.get("email"))
        .and_then(serde_json::Value::as_str)
        .map(|e| e.trim().to_string())
        .filter(|e| !e.is_empty())
}
