//! Fault injection (issue 20): rules that make the sandbox misbehave on purpose,
//! so that an integration's error handling can be tried —
//!
//! | kind | what happens |
//! |---|---|
//! | `reply` | the next `count` calls (or a `fraction` of calls) of `action` by `reseller` answer `code` and `text` |
//! | `latency` | those calls are answered `latency_ms` later |
//! | `close` | those calls get no reply: the connection is closed |
//! | `registry_down` | the registry of `target` (a TLD such as `.com`, or one domain) is down |
//! | `smtp_refuse` | the mail relay refuses every message (they are retried) |
//! | `webhook_timeout` | webhook deliveries time out (they are retried) |
//!
//! Each may end after `for` (a duration) and is listed and removable. The rules
//! live in the store; an instance reads them only while it knows some exist (a
//! flag it refreshes whenever it changes them), so a sandbox without faults pays
//! nothing per request. The journal marks every request a fault answered.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::store::{Fault, Store, StoreError};

use super::World;

/// The fault rules as one instance sees them: the store that holds them, the flag
/// that says whether any exist (so a sandbox without faults pays one atomic load
/// per request), the world whose registries a rule takes down, and the time.
#[derive(Debug, Clone, Copy)]
pub struct Faults<'a> {
    pub store: &'a Store,
    pub on: &'a AtomicBool,
    pub world: Option<&'a World>,
    pub now: i64,
}

pub const KINDS: &[&str] = &[
    "reply",
    "latency",
    "close",
    "registry_down",
    "smtp_refuse",
    "webhook_timeout",
];

/// The longest latency a rule may add.
pub const MAX_LATENCY_MS: i64 = 60_000;

/// What a fault does to one OPS call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Reply { code: u16, text: String },
    Latency(std::time::Duration),
    Close,
}

/// A fault that took a call: its effect and how the journal names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub effect: Effect,
    pub label: String,
}

/// How a rule reads in lists and the journal.
pub fn describe(f: &Fault) -> String {
    let mut s = format!("fault #{} {}", f.id, f.kind);
    if let Some(a) = &f.action {
        s.push_str(&format!(" on {a}"));
    }
    if let Some(t) = &f.target {
        s.push_str(&format!(" for {t}"));
    }
    if let (Some(c), Some(t)) = (f.code, &f.text) {
        s.push_str(&format!(": {c} {t}"));
    }
    if let Some(ms) = f.latency_ms {
        s.push_str(&format!(": +{ms} ms"));
    }
    s
}

/// Checks a new rule; the reason it is refused otherwise.
pub fn check(f: &Fault) -> Result<(), String> {
    if !KINDS.contains(&f.kind.as_str()) {
        return Err(format!("kind must be one of {}", KINDS.join(", ")));
    }
    match f.kind.as_str() {
        "reply" if f.code.is_none() => return Err("a reply fault needs code (and text)".into()),
        "latency"
            if !f
                .latency_ms
                .is_some_and(|ms| (1..=MAX_LATENCY_MS).contains(&ms)) =>
        {
            return Err(format!(
                "a latency fault needs latency_ms from 1 to {MAX_LATENCY_MS}"
            ));
        }
        "registry_down" if f.target.as_deref().is_none_or(str::is_empty) => {
            return Err(
                "a registry_down fault needs target (a TLD such as .com, or a domain)".into(),
            );
        }
        _ => {}
    }
    if f.fraction.is_some_and(|x| !(x > 0.0 && x <= 1.0)) {
        return Err("fraction must be above 0 and at most 1".into());
    }
    if f.remaining.is_some_and(|n| n < 1) {
        return Err("count must be at least 1".into());
    }
    Ok(())
}

/// The settings key that records the scenario's rules were added (once: a restart
/// does not add them again; a reset does, having emptied the settings).
const SEEDED: &str = "scenario_faults_set";

impl Faults<'_> {
    /// A rule from `name = value` pairs — the operator API's form, the CLI's flags and
    /// the scenario's `[[fault]]` tables all say it so: `kind`, and as it needs
    /// `reseller` (a user name), `action`, `target`, `count`, `fraction`, `code`,
    /// `text`, `latency_ms`, `for` (a duration such as 10m). The outer error is the
    /// store's, the inner the reason the pairs are refused.
    pub fn from_pairs(
        self,
        pairs: &[(String, String)],
    ) -> Result<Result<Fault, String>, StoreError> {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let reseller_id = match get("reseller") {
            None => None,
            Some(name) => match self.store.reseller_by_name(&name)? {
                Some(r) => Some(r.id),
                None => return Ok(Err(format!("no reseller named {name}"))),
            },
        };
        let number = |k: &str| {
            get(k)
                .map(|v| {
                    v.parse::<i64>()
                        .map_err(|_| format!("{k} must be a whole number"))
                })
                .transpose()
        };
        let parsed = (|| -> Result<Fault, String> {
            let until_at = match get("for") {
                None => None,
                Some(d) => Some(
                    self.now
                        + crate::clock::parse_duration(&d)
                            .ok_or_else(|| format!("for '{d}' is not a duration like 10m or 2h"))?
                            .whole_seconds(),
                ),
            };
            Ok(Fault {
                id: 0,
                kind: get("kind").unwrap_or_default(),
                reseller_id,
                action: get("action"),
                target: get("target"),
                remaining: number("count")?,
                fraction: get("fraction")
                    .map(|v| {
                        v.parse::<f64>()
                            .map_err(|_| "fraction must be a number such as 0.5".to_string())
                    })
                    .transpose()?,
                code: number("code")?,
                text: get("text"),
                latency_ms: number("latency_ms")?,
                until_at,
                created_at: self.now,
            })
        })();
        Ok(parsed)
    }

    /// Checks a scenario's `[[fault]]` rules before anything is changed (a reset
    /// checks them before it empties the tables): each must be a valid rule, naming
    /// only resellers the scenario makes.
    pub fn precheck(self, scenario: &super::Scenario) -> Result<(), String> {
        for (i, pairs) in scenario.faults.iter().enumerate() {
            let named = pairs
                .iter()
                .find(|(k, _)| k == "reseller")
                .map(|(_, v)| v.trim());
            if let Some(name) = named.filter(|n| !n.is_empty())
                && !scenario.resellers.iter().any(|r| r.username == name)
            {
                return Err(format!(
                    "[[fault]] {}: no reseller named {name} in the scenario",
                    i + 1
                ));
            }
            let without_reseller: Vec<(String, String)> = pairs
                .iter()
                .filter(|(k, _)| k != "reseller")
                .cloned()
                .collect();
            let rule = self
                .from_pairs(&without_reseller)
                .map_err(|e| e.to_string())?
                .map_err(|why| format!("[[fault]] {}: {why}", i + 1))?;
            check(&rule).map_err(|why| format!("[[fault]] {}: {why}", i + 1))?;
        }
        Ok(())
    }

    /// Adds the scenario's `[[fault]]` rules, the first time.
    pub fn seed(self, scenario: &super::Scenario) -> Result<(), String> {
        let store_err = |e: StoreError| e.to_string();
        if self.store.setting(SEEDED).map_err(store_err)?.is_some() {
            return Ok(());
        }
        for (i, pairs) in scenario.faults.iter().enumerate() {
            let rule = self
                .from_pairs(pairs)
                .map_err(store_err)?
                .map_err(|why| format!("[[fault]] {}: {why}", i + 1))?;
            self.add_rule(&rule)
                .map_err(store_err)?
                .map_err(|why| format!("[[fault]] {}: {why}", i + 1))?;
        }
        self.store.set_setting(SEEDED, "1").map_err(store_err)?;
        Ok(())
    }

    /// Adds a rule (checked) and refreshes this instance's view; its id.
    pub fn add_rule(self, f: &Fault) -> Result<Result<i64, String>, StoreError> {
        if let Err(why) = check(f) {
            return Ok(Err(why));
        }
        let id = self.store.add_fault(f)?;
        self.refresh()?;
        Ok(Ok(id))
    }

    /// Removes one rule or all, and refreshes.
    pub fn remove(self, id: Option<i64>) -> Result<usize, StoreError> {
        let n = self.store.remove_faults(id)?;
        self.refresh()?;
        Ok(n)
    }

    /// Reads the rules again: whether any exist, and the registry outages the world
    /// applies.
    pub fn refresh(self) -> Result<Vec<Fault>, StoreError> {
        let rules = self.store.faults(self.now)?;
        self.on.store(!rules.is_empty(), Ordering::SeqCst);
        if let Some(world) = self.world {
            world.set_outages(
                rules
                    .iter()
                    .filter(|f| f.kind == "registry_down")
                    .filter_map(|f| f.target.clone())
                    .collect(),
            );
        }
        Ok(rules)
    }

    /// Brings the registry outages up to the rules in force now, when any rule
    /// was: a background step, which makes no OPS call, then sees an outage end
    /// on the clock as OPS calls do.
    pub fn settle(self) -> Result<(), StoreError> {
        if self.on.load(Ordering::Relaxed) {
            self.refresh()?;
        }
        Ok(())
    }

    /// Whether a rule takes this call: its share of calls, then one of its count.
    fn takes(self, f: &Fault) -> Result<bool, StoreError> {
        if let Some(share) = f.fraction {
            let mut b = [0u8; 4];
            let roll = if getrandom::fill(&mut b).is_ok() {
                f64::from(u32::from_le_bytes(b)) / f64::from(u32::MAX)
            } else {
                0.0
            };
            if roll >= share {
                return Ok(false);
            }
        }
        if f.remaining.is_some() {
            let took = self.store.take_fault(f.id)?;
            if took && f.remaining == Some(1) {
                // The last call of its count: the rule is spent.
                self.refresh()?;
            }
            return Ok(took);
        }
        Ok(true)
    }

    /// The fault, if one takes this OPS call of `reseller_id` to `action`.
    pub fn for_ops(self, reseller_id: i64, action: &str) -> Result<Option<Injected>, StoreError> {
        if !self.on.load(Ordering::Relaxed) {
            return Ok(None);
        }
        for f in self.refresh()? {
            let applies = matches!(f.kind.as_str(), "reply" | "latency" | "close")
                && f.reseller_id.is_none_or(|r| r == reseller_id)
                && f.action
                    .as_deref()
                    .is_none_or(|a| a.eq_ignore_ascii_case(action));
            if !applies || !self.takes(&f)? {
                continue;
            }
            let effect = match f.kind.as_str() {
                "reply" => Effect::Reply {
                    code: f.code.and_then(|c| u16::try_from(c).ok()).unwrap_or(400),
                    text: f.text.clone().unwrap_or_else(|| "Injected fault".into()),
                },
                "latency" => Effect::Latency(std::time::Duration::from_millis(
                    f.latency_ms.unwrap_or(0).clamp(0, MAX_LATENCY_MS) as u64,
                )),
                _ => Effect::Close,
            };
            return Ok(Some(Injected {
                effect,
                label: describe(&f),
            }));
        }
        Ok(None)
    }

    /// Whether a rule of `kind` (`smtp_refuse`, `webhook_timeout`) is in force now,
    /// taking one of its count.
    pub fn active(self, kind: &str) -> bool {
        if !self.on.load(Ordering::Relaxed) {
            return false;
        }
        let Ok(rules) = self.refresh() else {
            return false;
        };
        rules
            .iter()
            .filter(|f| f.kind == kind)
            .any(|f| self.takes(f).unwrap_or(false))
    }
}
