//! Replaying a case: the sandbox world its `[setup]` describes, as a scenario
//! file, and the request as opsd is sent it — real names mapped onto the
//! sandbox's, and a cookie the sandbox really handed out (by a SET COOKIE first)
//! where the captured request carries one.

use super::case::Case;
use crate::ops::{Map, Value};

/// The reseller that sends every case's request, and its key.
pub const USER: &str = "parity";
pub const KEY: &str = "parity-key-0001";
/// The other reseller of the same server (`other_reseller`).
pub const OTHER: &str = "parity-other";
const OTHER_KEY: &str = "parity-key-0002";
/// The profile when the case names none.
const PROFILE: (&str, &str) = ("parity-profile", "parity-pass-1");

/// A TOML basic string (JSON's string escapes are TOML's; DEL, which JSON leaves,
/// never occurs in a name).
fn quoted(s: &str) -> String {
    serde_json::Value::String(s.replace('\u{7f}', "")).to_string()
}

fn list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| quoted(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The profile the case's requests use.
pub fn profile(case: &Case) -> (String, String) {
    match &case.meta.setup.profile {
        Some(p) => (p.username.clone(), p.password.clone()),
        None => (PROFILE.0.into(), PROFILE.1.into()),
    }
}

/// The scenario file of the world the case assumes.
pub fn scenario(case: &Case) -> String {
    let s = &case.meta.setup;
    let names = |l: &[String]| -> Vec<String> { l.iter().map(|n| case.sandbox_name(n)).collect() };
    let (user, password) = profile(case);
    let mut out = format!(
        "[[reseller]]\nusername = {}\nkey = {}\n\n[[reseller]]\nusername = {}\nkey = {}\n\n",
        quoted(USER),
        quoted(KEY),
        quoted(OTHER),
        quoted(OTHER_KEY)
    );
    out.push_str(&format!(
        "[[profile]]\nreseller = {}\nusername = {}\npassword = {}\ndomains = {}\nlocked_domains = {}\n\n",
        quoted(USER),
        quoted(&user),
        quoted(&password),
        list(&names(&s.portfolio)),
        list(&names(&s.locked)),
    ));
    if !s.other_reseller.is_empty() {
        out.push_str(&format!(
            "[[profile]]\nreseller = {}\nusername = \"parity-other-profile\"\npassword = \"parity-other-pass-1\"\ndomains = {}\n\n",
            quoted(OTHER),
            list(&names(&s.other_reseller)),
        ));
    }
    for d in names(&s.taken) {
        out.push_str(&format!("[[domain]]\nname = {}\n\n", quoted(&d)));
    }
    out
}

/// The request with every real name the case maps replaced by the sandbox's, and
/// `cookie` in place of the captured one.
pub fn request(case: &Case, cookie: Option<&str>) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(&case.request).into_owned();
    let mut names: Vec<(&String, &String)> = case
        .meta
        .names
        .iter()
        .filter(|(real, sandbox)| real != sandbox)
        .collect();
    // Longer names first: `shop.example.com` before `example.com`.
    names.sort_by_key(|(real, _)| std::cmp::Reverse(real.len()));
    for (real, sandbox) in names {
        text = text.replace(real.as_str(), sandbox);
    }
    if let (Some(new), Some(old)) = (cookie, captured_cookie(&case.request)) {
        text = text.replace(&old, new);
    }
    text.into_bytes()
}

/// The cookie a captured request carries (top-level or in its attributes).
pub fn captured_cookie(request: &[u8]) -> Option<String> {
    let top = crate::ops::read(request, &crate::ops::Limits::default()).ok()?;
    let top = top.as_map()?;
    let in_attributes = top
        .get("attributes")
        .and_then(Value::as_map)
        .and_then(|a| a.get("cookie"));
    top.get("cookie")
        .or(in_attributes)
        .and_then(Value::as_str)
        .map(str::to_string)
        .filter(|c| !c.trim().is_empty())
}

/// The SET COOKIE that opens the case's first portfolio domain, when the case's
/// request carries a cookie.
pub fn cookie_request(case: &Case) -> Option<Vec<u8>> {
    captured_cookie(&case.request)?;
    let domain = case
        .meta
        .setup
        .portfolio
        .first()
        .map(|d| case.sandbox_name(d))?;
    let (user, password) = profile(case);
    let mut attrs = Map::new();
    attrs.insert("domain".into(), Value::from(domain));
    attrs.insert("reg_username".into(), Value::from(user));
    attrs.insert("reg_password".into(), Value::from(password));
    let mut top = Map::new();
    top.insert("protocol".into(), Value::from("XCP"));
    top.insert("action".into(), Value::from("SET"));
    top.insert("object".into(), Value::from("COOKIE"));
    top.insert("attributes".into(), Value::Map(attrs));
    Some(crate::ops::write_envelope(&top))
}

/// The cookie a SET COOKIE reply hands out.
pub fn cookie_of(reply: &[u8]) -> Option<String> {
    let top = crate::ops::read(reply, &crate::ops::Limits::default()).ok()?;
    top.as_map()?
        .get("attributes")?
        .as_map()?
        .get("cookie")?
        .as_str()
        .map(str::to_string)
}

/// Replays the case through `send` (the request's body in, the reply's body out,
/// signed as [`USER`]): a SET COOKIE first when the request carries a cookie, then
/// the request. The sandbox must already hold the case's [`scenario`].
pub fn run(
    case: &Case,
    send: &mut dyn FnMut(&[u8]) -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    let cookie = match cookie_request(case) {
        Some(set) => {
            let reply = send(&set)?;
            Some(cookie_of(&reply).ok_or_else(|| {
                format!(
                    "SET COOKIE for the case's portfolio failed: {}",
                    String::from_utf8_lossy(&reply)
                )
            })?)
        }
        None => None,
    };
    send(&request(case, cookie.as_deref()))
}
