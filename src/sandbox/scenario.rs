//! The scenario file (TOML): the clock's start, the ids to start from, resellers and
//! profiles to create, and domains held at other registrars. See
//! `fixtures/scenarios/` for examples and the README's "Sandbox" section.

use serde::Deserialize;

use crate::clock::parse_timestamp;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scenario {
    /// Unix seconds the sandbox clock starts at.
    pub clock_start: Option<i64>,
    pub next_transfer_job: Option<i64>,
    pub next_registrant: Option<i64>,
    pub resellers: Vec<ScenarioReseller>,
    pub profiles: Vec<ScenarioProfile>,
    pub domains: Vec<ScenarioDomain>,
    /// Companies, admins, brands and email domains of hosted email (seed 001).
    pub hosted_mail: super::hosted_mail::HostedMail,
    /// The price list: `(tld or *, order type, cents)`.
    pub prices: Vec<(String, String, i64)>,
    /// Transfers away another registrar asks for: `(domain, gaining registrar)`.
    pub transfers_away: Vec<(String, String)>,
    /// Fault rules, each as `name = value` pairs (see `sandbox::faults`).
    pub faults: Vec<Vec<(String, String)>>,
}

/// One `[[transfer_away]]`: `domain = "…"`, `to = "…"` (the gaining registrar).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAway {
    domain: String,
    to: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioReseller {
    pub username: String,
    pub key: String,
    #[serde(default)]
    pub allow_ip: Vec<String>,
    /// The operator's switch for domain pushes.
    #[serde(default)]
    pub push_enabled: bool,
    /// Losing resellers this one accepts pushes from.
    #[serde(default)]
    pub accepts_pushes_from: Vec<String>,
    /// The control-panel password (set when the reseller is created).
    #[serde(default)]
    pub password: Option<String>,
    /// The account balance, e.g. "500.00" (set when the reseller is created; the
    /// default is the sandbox's 100,000.00).
    #[serde(default)]
    pub balance: Option<String>,
    /// Where its events are sent (see `opsd webhook set`), with the signing secret.
    #[serde(default)]
    pub webhook_url: Option<String>,
    #[serde(default)]
    pub webhook_secret: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioProfile {
    pub reseller: String,
    pub username: String,
    pub password: String,
    /// Domains of the profile, in the reseller's portfolio (reg_domain).
    #[serde(default)]
    pub domains: Vec<String>,
    /// Domains of the profile that carry a transfer lock.
    #[serde(default)]
    pub locked_domains: Vec<String>,
    /// Expiry dates of some of its domains (`"example.com" = "2012-04-07
    /// 20:45:46"`); the others expire a year after they are seeded.
    #[serde(default)]
    pub expires: std::collections::BTreeMap<String, String>,
}

/// A domain at another registrar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioDomain {
    pub name: String,
    /// The right auth code; `None` accepts any.
    pub auth_code: Option<String>,
    pub locked: bool,
    pub registered: Option<i64>,
    pub transferred: Option<i64>,
    pub bypass_allowed: bool,
    pub registry_confirms: bool,
    pub whois: WhoisSpec,
    pub registry: RegistrySpec,
    pub pending_days: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WhoisSpec {
    Unreachable,
    Unparseable,
    /// A registrant; the record is generated in the 2013 RRA layout.
    Contact {
        name: String,
        email: String,
        phone: String,
    },
    /// A whole WHOIS answer, served as written.
    Raw(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrySpec {
    Completes,
    Rejects,
    Down,
}

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("reading {0}: {1}")]
    Io(String, std::io::Error),
    #[error("scenario is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    #[serde(default)]
    clock: RawClock,
    #[serde(default)]
    ids: RawIds,
    #[serde(default)]
    reseller: Vec<ScenarioReseller>,
    #[serde(default)]
    price: Vec<crate::money::PriceTable>,
    #[serde(default)]
    transfer_away: Vec<RawAway>,
    #[serde(default)]
    fault: Vec<toml::Table>,
    #[serde(default)]
    profile: Vec<ScenarioProfile>,
    #[serde(default)]
    domain: Vec<RawDomain>,
    #[serde(default)]
    mail_company: Vec<super::hosted_mail::RawCompany>,
    #[serde(default)]
    mail_admin: Vec<super::hosted_mail::Admin>,
    #[serde(default)]
    mail_brand: Vec<super::hosted_mail::RawBrand>,
    #[serde(default)]
    mail_domain: Vec<super::hosted_mail::RawDomain>,
    #[serde(default)]
    mail_message: Vec<super::hosted_mail::Message>,
    #[serde(default)]
    mail_contact: Vec<super::hosted_mail::Contact>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawClock {
    start: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawIds {
    next_transfer_job: Option<i64>,
    next_registrant: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDomain {
    name: String,
    auth_code: Option<String>,
    #[serde(default)]
    locked: bool,
    registered: Option<String>,
    transferred: Option<String>,
    bypass_allowed: Option<bool>,
    #[serde(default)]
    registry_confirms: bool,
    whois: Option<RawWhois>,
    registry: Option<RegistrySpec>,
    pending_days: Option<i64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawWhois {
    /// "unreachable" or "unparseable"
    Word(String),
    Raw {
        text: String,
    },
    Contact {
        name: String,
        email: String,
        phone: Option<String>,
    },
}

impl Scenario {
    pub fn load(path: &std::path::Path) -> Result<Scenario, ScenarioError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ScenarioError::Io(path.display().to_string(), e))?;
        Scenario::parse(&text)
    }

    pub fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        let raw: Raw = toml::from_str(text)?;
        let time = |what: &str, s: &str| {
            parse_timestamp(s)
                .map(|t| t.unix_timestamp())
                .ok_or_else(|| {
                    ScenarioError::Invalid(format!("{what}: '{s}' is not YYYY-MM-DD HH:MM:SS"))
                })
        };
        let clock_start = raw
            .clock
            .start
            .as_deref()
            .map(|s| time("clock.start", s))
            .transpose()?;
        for r in &raw.reseller {
            if let Some(b) = &r.balance
                && crate::money::parse_cents(b).is_none()
            {
                return Err(ScenarioError::Invalid(format!(
                    "reseller {}: balance '{b}' is not an amount like 500.00",
                    r.username
                )));
            }
            if let Some(url) = &r.webhook_url {
                crate::net::check_url(url)
                    .map_err(|e| ScenarioError::Invalid(format!("reseller {}: {e}", r.username)))?;
            }
        }
        for p in &raw.profile {
            for (d, when) in &p.expires {
                time(&format!("profile {} expires {d}", p.username), when)?;
            }
        }
        let mut domains = Vec::with_capacity(raw.domain.len());
        for d in raw.domain {
            let whois = match d.whois {
                None => WhoisSpec::Contact {
                    name: format!("Registrant of {}", d.name),
                    email: format!("registrant@{}", d.name),
                    phone: "+1.4165550100".into(),
                },
                Some(RawWhois::Word(w)) => match w.as_str() {
                    "unreachable" => WhoisSpec::Unreachable,
                    "unparseable" => WhoisSpec::Unparseable,
                    other => {
                        return Err(ScenarioError::Invalid(format!(
                            "domain {}: whois '{other}' is not unreachable, unparseable, {{text}} or {{name, email}}",
                            d.name
                        )));
                    }
                },
                Some(RawWhois::Raw { text }) => WhoisSpec::Raw(text),
                Some(RawWhois::Contact { name, email, phone }) => WhoisSpec::Contact {
                    name,
                    email,
                    phone: phone.unwrap_or_else(|| "+1.4165550100".into()),
                },
            };
            domains.push(ScenarioDomain {
                auth_code: d.auth_code,
                locked: d.locked,
                registered: d
                    .registered
                    .as_deref()
                    .map(|s| time("registered", s))
                    .transpose()?,
                transferred: d
                    .transferred
                    .as_deref()
                    .map(|s| time("transferred", s))
                    .transpose()?,
                bypass_allowed: d.bypass_allowed.unwrap_or(true),
                registry_confirms: d.registry_confirms,
                whois,
                registry: d.registry.unwrap_or(RegistrySpec::Completes),
                pending_days: d.pending_days.unwrap_or(super::DEFAULT_PENDING_DAYS),
                name: d.name.to_ascii_lowercase(),
            });
        }
        let hosted_mail = super::hosted_mail::convert(
            raw.mail_company,
            raw.mail_admin,
            raw.mail_brand,
            raw.mail_domain,
            (raw.mail_message, raw.mail_contact),
        )
        .map_err(ScenarioError::Invalid)?;
        let mut prices = Vec::new();
        for p in &raw.price {
            prices.extend(p.rows().map_err(|b| {
                ScenarioError::Invalid(format!(
                    "price {}: {} '{}' is not an amount like 8.99",
                    b.tld, b.kind, b.amount
                ))
            })?);
        }
        let transfers_away = raw
            .transfer_away
            .iter()
            .map(|a| {
                (
                    a.domain.trim().to_ascii_lowercase(),
                    a.to.trim().to_string(),
                )
            })
            .collect();
        let faults = raw
            .fault
            .iter()
            .map(|t| {
                t.iter()
                    .map(|(k, v)| {
                        let text = match v {
                            toml::Value::String(s) => s.clone(),
                            toml::Value::Integer(i) => i.to_string(),
                            toml::Value::Float(f) => f.to_string(),
                            toml::Value::Boolean(b) => b.to_string(),
                            // Dates, arrays, tables: no fault field takes them; the
                            // rule's check refuses what it cannot use.
                            _ => String::new(),
                        };
                        (k.clone(), text)
                    })
                    .collect()
            })
            .collect();
        Ok(Scenario {
            faults,
            transfers_away,
            prices,
            hosted_mail,
            clock_start,
            next_transfer_job: raw.ids.next_transfer_job,
            next_registrant: raw.ids.next_registrant,
            resellers: raw.reseller,
            profiles: raw.profile,
            domains,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scenario() {
        let s = Scenario::parse(
            r#"
            [clock]
            start = "2014-07-03 18:34:34"
            [ids]
            next_transfer_job = 134
            next_registrant = 96
            [[reseller]]
            username = "testuser"
            key = "testkey"
            [[domain]]
            name = "newtransfer477.com"
            whois = { name = "jeff crawford", email = "jcrawford@tucows.com" }
            [[domain]]
            name = "newtransfer478.com"
            whois = "unparseable"
            registry = "rejects"
            "#,
        );
        let s = match s {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(s.clock_start, Some(1_404_412_474));
        assert_eq!(s.next_registrant, Some(96));
        assert_eq!(s.domains[1].whois, WhoisSpec::Unparseable);
        assert_eq!(s.domains[1].registry, RegistrySpec::Rejects);
        assert!(
            matches!(&s.domains[0].whois, WhoisSpec::Contact { email, .. } if email == "jcrawford@tucows.com")
        );
    }

    #[test]
    fn mistakes_are_reported() {
        assert!(Scenario::parse("[[domain]]\nname = \"a.com\"\nwhois = \"sometimes\"").is_err());
        assert!(Scenario::parse("[clock]\nstart = \"yesterday\"").is_err());
        assert!(Scenario::parse("[clok]\nstart = \"2014-07-03 18:34:34\"").is_err());
    }
}
