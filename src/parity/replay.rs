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
    if let Some(when) = case.meta.recorded.as_deref().and_then(clock_start) {
        out = format!("[clock]\nstart = {}\n\n{out}", quoted(&when));
    }
    // The locked ones are in the portfolio too.
    let unlocked: Vec<String> = s
        .portfolio
        .iter()
        .filter(|d| !s.locked.contains(d))
        .cloned()
        .collect();
    let expires: Vec<String> = s
        .expires
        .iter()
        .map(|(d, t)| format!("{} = {}", quoted(&case.sandbox_name(d)), quoted(t)))
        .collect();
    out.push_str(&format!(
        "[[profile]]\nreseller = {}\nusername = {}\npassword = {}\ndomains = {}\nlocked_domains = {}\nexpires = {{ {} }}\n\n",
        quoted(USER),
        quoted(&user),
        quoted(&password),
        list(&names(&unlocked)),
        list(&names(&s.locked)),
        expires.join(", "),
    ));
    if !s.other_reseller.is_empty() {
        out.push_str(&format!(
            "[[profile]]\nreseller = {}\nusername = \"parity-other-profile\"\npassword = \"parity-other-pass-1\"\ndomains = {}\n\n",
            quoted(OTHER),
            list(&names(&s.other_reseller)),
        ));
    }
    // A transfer in comes from another registrar.
    for d in names(&s.taken).iter().chain(&names(&s.transfer_pending)) {
        out.push_str(&format!("[[domain]]\nname = {}\n\n", quoted(d)));
    }
    out
}

/// The scenario clock's start from a case's `recorded` (a date, or a date and
/// time): the world as it was then.
fn clock_start(recorded: &str) -> Option<String> {
    let r = recorded.trim();
    let date = r.get(..10)?;
    crate::clock::parse_timestamp(&format!("{date} 12:00:00"))?;
    Some(format!("{date} 12:00:00"))
}

/// The sandbox name that stands for the id of the transfer order the setup
/// placed (the captured request names the real order's).
pub const ORDER: &str = "{order}";

/// The request with every real name the case maps replaced by the sandbox's (the
/// order placed in setup for [`ORDER`]), and `cookie` in place of the captured one.
pub fn request(case: &Case, cookie: Option<&str>, order: Option<&str>) -> Vec<u8> {
    let mut text = String::from_utf8_lossy(&case.request).into_owned();
    let mut names: Vec<(&String, String)> = case
        .meta
        .names
        .iter()
        .filter(|(real, sandbox)| real != sandbox)
        .map(|(real, sandbox)| match (sandbox.as_str(), order) {
            (ORDER, Some(id)) => (real, id.to_string()),
            _ => (real, sandbox.clone()),
        })
        .collect();
    // Longer names first: `shop.example.com` before `example.com`.
    names.sort_by_key(|(real, _)| std::cmp::Reverse(real.len()));
    for (real, sandbox) in names {
        text = text.replace(real.as_str(), &sandbox);
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
    Some(envelope("SET", "COOKIE", attrs))
}

/// The cookie a SET COOKIE reply hands out.
pub fn cookie_of(reply: &[u8]) -> Option<String> {
    attribute_of(reply, "cookie")
}

/// The sandbox a case is replayed on: it already holds the case's [`scenario`].
pub trait Sandbox {
    /// Sends an OPS body signed as [`USER`] (without X-Username when `anonymous`)
    /// and returns the reply's body.
    fn ops(&mut self, body: &[u8], anonymous: bool) -> Result<Vec<u8>, String>;
    /// One call of the operator API (`/admin/<path>`); the answer's body.
    fn operator(&mut self, method: &str, path: &str, body: &str) -> Result<String, String>;
}

fn envelope(action: &str, object: &str, attrs: Map) -> Vec<u8> {
    let mut top = Map::new();
    top.insert("protocol".into(), Value::from("XCP"));
    top.insert("action".into(), Value::from(action));
    top.insert("object".into(), Value::from(object));
    top.insert("attributes".into(), Value::Map(attrs));
    crate::ops::write_envelope(&top)
}

/// A step before the request, which must succeed.
fn step(sandbox: &mut dyn Sandbox, what: &str, body: &[u8]) -> Result<Vec<u8>, String> {
    let reply = sandbox.ops(body, false)?;
    let top =
        crate::ops::read(&reply, &crate::ops::Limits::default()).map_err(|e| e.to_string())?;
    if super::shape::outcome(&top).1 != "1" {
        return Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&reply)
        ));
    }
    Ok(reply)
}

/// One contact of the sandbox's default set, as a request sends it.
fn contact(email: &str) -> Value {
    let mut c = Map::new();
    for (k, v) in [
        ("first_name", "Owen"),
        ("last_name", "Owner"),
        ("org_name", "Sandbox Holdings"),
        ("address1", "96 Mowat Avenue"),
        ("city", "Toronto"),
        ("state", "ON"),
        ("country", "CA"),
        ("postal_code", "M6K 3M1"),
        ("phone", "+1.4165350123"),
        ("email", email),
    ] {
        c.insert(k.into(), Value::from(v));
    }
    Value::Map(c)
}

/// An SW_REGISTER of `domain` with the attributes `pairs` (in order) and the
/// sandbox's default contact set for every role.
fn sw_register(domain: &str, pairs: &[(&str, &str)]) -> Vec<u8> {
    let mut set = Map::new();
    for role in ["owner", "admin", "billing", "tech"] {
        set.insert(role.into(), contact(&format!("{role}@{domain}")));
    }
    let mut attrs = Map::new();
    for (k, v) in pairs {
        attrs.insert((*k).into(), Value::from(*v));
    }
    attrs.insert("contact_set".into(), Value::Map(set));
    envelope("SW_REGISTER", "DOMAIN", attrs)
}

/// Replays the case on `sandbox`: the world's moving parts first (hosts, transfers
/// under way, a cookie when the request carries one), then the request; opsd's
/// reply to it.
pub fn run(case: &Case, sandbox: &mut dyn Sandbox) -> Result<Vec<u8>, String> {
    let setup = &case.meta.setup;
    let (user, password) = profile(case);
    for host in &setup.hosts {
        let name = case.sandbox_name(&host.name);
        let parent = setup
            .portfolio
            .iter()
            .map(|d| case.sandbox_name(d))
            .filter(|d| name.ends_with(&format!(".{d}")))
            .max_by_key(String::len)
            .ok_or_else(|| format!("host {name} is under no portfolio domain"))?;
        let mut attrs = Map::new();
        attrs.insert("domain".into(), Value::from(parent));
        attrs.insert("name".into(), Value::from(name));
        attrs.insert("ipaddress".into(), Value::from(host.ip.as_str()));
        step(
            sandbox,
            "NAMESERVER CREATE",
            &envelope("CREATE", "NAMESERVER", attrs),
        )?;
    }
    let mut order = None;
    for d in &setup.transfer_pending {
        let d = case.sandbox_name(d);
        let request = sw_register(
            &d,
            &[
                ("domain", d.as_str()),
                ("reg_type", "transfer"),
                ("auth_info", "parity-auth-code"),
                ("reg_username", user.as_str()),
                ("reg_password", password.as_str()),
                ("handle", "process"),
                ("period", "1"),
                ("custom_tech_contact", "0"),
            ],
        );
        let reply = step(sandbox, "SW_REGISTER transfer", &request)?;
        if order.is_none() {
            order = attribute_of(&reply, "id");
        }
        if setup.transfer_state.as_deref() == Some("approved") {
            // The analysis first (moving the clock runs what is due), then the
            // registrant's answer.
            sandbox.operator("POST", "clock/advance", "1m")?;
            sandbox.operator("POST", "approvals", &format!("decision=accept&domain={d}"))?;
        }
    }
    for (d, handle) in setup
        .registered
        .iter()
        .map(|d| (d, "process"))
        .chain(setup.saved.iter().map(|d| (d, "save")))
    {
        let d = case.sandbox_name(d);
        let request = sw_register(
            &d,
            &[
                ("domain", d.as_str()),
                ("reg_type", "new"),
                ("reg_username", user.as_str()),
                ("reg_password", password.as_str()),
                ("handle", handle),
                ("period", "1"),
            ],
        );
        let reply = step(sandbox, "SW_REGISTER new", &request)?;
        if order.is_none() {
            order = attribute_of(&reply, "id");
        }
    }
    for d in &setup.away_pending {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("domain", &case.sandbox_name(d))
            .append_pair("to", "Parity Other Registrar")
            .finish();
        sandbox.operator("POST", "transfers-away", &body)?;
    }
    for d in &setup.deleted {
        let mut attrs = Map::new();
        attrs.insert("domain".into(), Value::from(case.sandbox_name(d)));
        step(sandbox, "REVOKE", &envelope("REVOKE", "DOMAIN", attrs))?;
    }
    for d in &setup.verifying {
        let d = case.sandbox_name(d);
        let mut roles = Map::new();
        roles.insert("owner".into(), contact(&format!("new-registrant@{d}")));
        let mut attrs = Map::new();
        attrs.insert("domain".into(), Value::from(d.as_str()));
        attrs.insert("data".into(), Value::from("contact_info"));
        attrs.insert("affect_domains".into(), Value::from("0"));
        attrs.insert("contact_set".into(), Value::Map(roles));
        step(
            sandbox,
            "MODIFY contact_info",
            &envelope("MODIFY", "DOMAIN", attrs),
        )?;
    }
    let cookie = match cookie_request(case) {
        Some(set) => {
            let reply = step(sandbox, "SET COOKIE", &set)?;
            Some(cookie_of(&reply).ok_or("SET COOKIE handed out no cookie")?)
        }
        None => None,
    };
    sandbox.ops(
        &request(case, cookie.as_deref(), order.as_deref()),
        setup.omit_username,
    )
}

/// A scalar of a reply's attributes.
fn attribute_of(reply: &[u8], key: &str) -> Option<String> {
    let top = crate::ops::read(reply, &crate::ops::Limits::default()).ok()?;
    top.as_map()?
        .get("attributes")?
        .as_map()?
        .get(key)?
        .as_str()
        .map(str::to_string)
}
