//! The sandbox world: domains held at other registrars, their WHOIS records and their
//! registries' behaviour, from a scenario file and from magic names.
//!
//! A domain listed in the scenario behaves as listed. Any other domain follows its
//! name: each marker below, anywhere in the name, turns on one outcome, so that a
//! client can try every path without a file.
//!
//! | marker | outcome |
//! |---|---|
//! | `-badauth` | the auth code is wrong |
//! | `-locked` | clientTransferProhibited |
//! | `-young` | registered 10 days ago (inside the 60-day window) |
//! | `-nobypass` | the TLD does not allow F_BYPASS_CONFIRM |
//! | `-regmail` | the registry sends its own confirmation emails |
//! | `-nowhois` | WHOIS not retrievable |
//! | `-badwhois` | WHOIS not parseable |
//! | `-badcontact` | the registrant's phone fails validation |
//! | `-regdown` | the registry is down (abnormal failure at analysis) |
//! | `-rejects` | the registry rejects the transfer after the registrant accepts |
//! | `-ownerN` | the registrant is `ownerN@example.net` (domains sharing N share one registrant) |
//! | `-noservice` | the TLD is not offered: transfers refused, LOOKUP and SW_REGISTER say so |
//!
//! Otherwise a domain transfers: any auth code is right, its registrant is
//! `registrant@<domain>`, and the registry completes 5 days after acceptance.
//!
//! For registration (LOOKUP, NAME_SUGGEST, SW_REGISTER reg_type=new) a name is taken
//! when a portfolio holds it or the scenario lists it (it is held elsewhere), and
//! free otherwise, unless a marker says more:
//!
//! | marker | LOOKUP answers |
//! |---|---|
//! | `-premium` | available, registry premium (priced at 25 times the TLD's price) |
//! | `-claim` | available, `has_claim=1` (a trademark claim exists) |
//! | `-municipal` | a .ca name: available, 247 (kept for a municipal government) |
//! | `-reserved` | taken, `reason` "Reserved Name" |
//! | `-waiting` | 221: a registration at an asynchronous registry is under way |
//! | `-regdown` | the registry is down (the call fails) |

pub mod faults;
pub mod first_run;
pub mod hosted_mail;
mod scenario;

pub use scenario::{Scenario, ScenarioDomain, ScenarioError};

/// The dashboard's paths that play the outside world or move the sandbox: the
/// clock, transfers away started by hand, fault rules. With every path of the
/// operator API (`/admin/…`: the other side of transfers, reset, snapshots, the
/// clock, faults, transfers away) they are the sandbox's tools, and production mode
/// serves none of them: [`sandbox_only`] is the one switch the routes ask.
const SANDBOX_PAGES: &[(bool, &str)] = &[
    (true, "/dashboard/clock"),
    (true, "/dashboard/orders/away"),
    (false, "/dashboard/faults"),
    (true, "/dashboard/faults"),
];

/// Whether a request (`post`, `path`) reaches one of the sandbox's tools, which
/// production mode turns off (the `SANDBOX_PAGES` list below).
pub fn sandbox_only(post: bool, path: &str) -> bool {
    let path = path.trim_end_matches('/');
    path == "/admin"
        || path.starts_with("/admin/")
        || path.starts_with("/dashboard/faults/")
        || SANDBOX_PAGES
            .iter()
            .any(|(p, at)| *p == post && path == *at)
}

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use crate::registry::{Availability, Holding, Registry, RegistryError, TransferOutcome};
use crate::whois::{Whois, WhoisError};

/// Days the sandbox registry takes when nothing says otherwise (the usual 5-day
/// auto-acknowledge of gTLD transfers).
pub const DEFAULT_PENDING_DAYS: i64 = 5;

/// The simulated outside world. Dates are relative to the clock, so the world needs
/// the current time when asked.
#[derive(Debug, Clone, Default)]
pub struct World {
    /// Shared by every clone (the app's registry and WHOIS are one world), and
    /// replaced whole by a reset to another scenario.
    domains: Arc<RwLock<HashMap<String, ScenarioDomain>>>,
    /// Registries that are down by a fault rule: TLDs (`.com`) and domains.
    outages: Arc<RwLock<Vec<String>>>,
    clock: Option<crate::clock::SharedClock>,
    /// Production mode: the markers mean nothing, every domain behaves plainly.
    plain: bool,
}

impl World {
    pub fn new(scenario: &Scenario, clock: crate::clock::SharedClock) -> World {
        World {
            domains: Arc::new(RwLock::new(listed(scenario))),
            outages: Arc::default(),
            clock: Some(clock),
            plain: false,
        }
    }

    /// Makes the world the one `scenario` describes (a sandbox reset).
    pub fn load(&self, scenario: &Scenario) {
        *self.domains.write().unwrap_or_else(PoisonError::into_inner) = listed(scenario);
    }

    /// The registries a fault rule takes down (see `sandbox::faults`).
    pub fn set_outages(&self, targets: Vec<String>) {
        *self.outages.write().unwrap_or_else(PoisonError::into_inner) = targets;
    }

    /// Whether a fault rule has the registry of `name` down.
    fn down(&self, name: &str) -> bool {
        let name = name.to_ascii_lowercase();
        self.outages
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|t| *t == name || (t.starts_with('.') && name.ends_with(t.as_str())))
    }

    fn listed_domain(&self, name: &str) -> Option<ScenarioDomain> {
        self.domains
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(name)
            .cloned()
    }

    /// The world of production mode: no scenario and no magic names.
    pub fn production(clock: crate::clock::SharedClock) -> World {
        World {
            domains: Arc::default(),
            outages: Arc::default(),
            clock: Some(clock),
            plain: true,
        }
    }

    fn now(&self) -> i64 {
        self.clock.as_ref().map_or(0, |c| c.now().unix_timestamp())
    }

    /// The domain as the world knows it: from the scenario, or made up from its name.
    pub fn domain(&self, name: &str) -> ScenarioDomain {
        let name = name.to_ascii_lowercase();
        if let Some(d) = self.listed_domain(&name) {
            return d;
        }
        let has = |m: &str| !self.plain && name.contains(m);
        let label = name.split('.').next().unwrap_or(&name).to_string();
        let email = if self.plain {
            format!("registrant@{name}")
        } else {
            registrant_email(&name)
        };
        ScenarioDomain {
            name: name.clone(),
            auth_code: has("-badauth").then(|| "the-right-code".to_string()),
            locked: has("-locked"),
            registered: has("-young").then(|| self.now() - 10 * 86_400),
            transferred: None,
            bypass_allowed: !has("-nobypass"),
            registry_confirms: has("-regmail"),
            whois: if has("-nowhois") {
                scenario::WhoisSpec::Unreachable
            } else if has("-badwhois") {
                scenario::WhoisSpec::Unparseable
            } else {
                scenario::WhoisSpec::Contact {
                    name: format!("Registrant of {label}"),
                    email,
                    phone: if has("-badcontact") {
                        "555-0100".into()
                    } else {
                        "+1.4165550100".into()
                    },
                }
            },
            registry: if has("-regdown") {
                scenario::RegistrySpec::Down
            } else if has("-rejects") {
                scenario::RegistrySpec::Rejects
            } else {
                scenario::RegistrySpec::Completes
            },
            pending_days: DEFAULT_PENDING_DAYS,
        }
    }
}

/// The scenario's domains by lower-cased name.
fn listed(scenario: &Scenario) -> HashMap<String, ScenarioDomain> {
    scenario
        .domains
        .iter()
        .map(|d| (d.name.to_ascii_lowercase(), d.clone()))
        .collect()
}

/// The sandbox registry's expiry of a domain held elsewhere: the next anniversary of
/// its registration after `now`, or 200 days from `now` when that is unknown.
fn sandbox_expiry(registered: Option<i64>, now: i64) -> i64 {
    use crate::clock::add_years;
    match registered {
        // Calendar years: a domain registered on 1 March expires on 1 March,
        // leap days or not.
        Some(r) => {
            let mut years = (crate::clock::year_of(now) - crate::clock::year_of(r)).max(0);
            while add_years(r, i64::from(years)) <= now.max(r) {
                years += 1;
            }
            add_years(r, i64::from(years.max(1)))
        }
        None => now + 200 * 86_400,
    }
}

/// Creates the scenario's resellers and profiles (those that do not exist yet) and,
/// the first time, sets the ids to start from. Safe to run at every start.
pub fn seed_store(
    store: &crate::store::Store,
    scenario: &Scenario,
    now: i64,
) -> Result<(), crate::store::StoreError> {
    use crate::store::{Sequence, StoreError};
    for r in &scenario.resellers {
        match store.add_reseller(&r.username, &r.key, &r.allow_ip, now) {
            Ok(id) => {
                if let Some(pw) = &r.password {
                    let hash = crate::auth::hash_password(pw)
                        .map_err(|e| StoreError::Conflict(e.to_string()))?;
                    store.set_reseller_password(id, Some(&hash))?;
                }
                // Checked when the scenario was read.
                if let Some(cents) = r.balance.as_deref().and_then(crate::money::parse_cents) {
                    store.set_balance(id, cents)?;
                }
            }
            Err(StoreError::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for p in &scenario.profiles {
        let Some(reseller) = store.reseller_by_name(&p.reseller)? else {
            continue;
        };
        if store
            .profile_by_username(reseller.id, &p.username)?
            .is_some()
        {
            continue;
        }
        let hash = crate::auth::hash_password(&p.password)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        let id = store.add_profile(reseller.id, &p.username, &hash, now)?;
        let domains = p.domains.iter().map(|d| (d, false));
        for (d, locked) in domains.chain(p.locked_domains.iter().map(|d| (d, true))) {
            let name = d.to_ascii_lowercase();
            match store.add_domain(
                reseller.id,
                id,
                &name,
                locked,
                now,
                crate::clock::add_years(now, 1),
            ) {
                Ok(domain_id) => {
                    let expires = p
                        .expires
                        .get(d)
                        .and_then(|t| crate::clock::parse_timestamp(t))
                        .map(|t| t.unix_timestamp());
                    store.set_domain_details(
                        domain_id,
                        &default_contacts(&name),
                        &default_nameservers(),
                        expires,
                    )?;
                    // A registered domain has the note its registration left.
                    store.add_notes(&[crate::store::NewNote {
                        reseller_id: reseller.id,
                        domain: name.clone(),
                        scope: crate::status::NoteScope::Domain,
                        ref_id: None,
                        note: crate::codes::NOTE_REGISTERED.into(),
                        at: now,
                    }])?;
                }
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
    }
    for r in &scenario.resellers {
        let Some(gaining) = store.reseller_by_name(&r.username)? else {
            continue;
        };
        store.set_push_enabled(gaining.id, r.push_enabled)?;
        if let Some(url) = &r.webhook_url {
            let hook = crate::store::Webhook {
                url: url.clone(),
                secret: r.webhook_secret.clone().unwrap_or_default(),
            };
            store.set_webhook(gaining.id, &hook, now)?;
        }
        for losing in &r.accepts_pushes_from {
            if let Some(l) = store.reseller_by_name(losing)? {
                store.set_push_allowed(gaining.id, l.id, true, now)?;
            }
        }
    }
    hosted_mail::seed(store, &scenario.hosted_mail, now)?;
    for (tld, kind, cents) in &scenario.prices {
        store.set_price(tld, kind, Some(*cents))?;
    }
    // Started by the workers (rules::away words the owner's email), once per domain.
    for (domain, to) in &scenario.transfers_away {
        store.request_transfer_away(domain, to, now)?;
    }
    if store.setting("scenario_ids_set")?.is_none() {
        if let Some(n) = scenario.next_transfer_job {
            store.set_next_id(Sequence::TransferJobs, n)?;
        }
        if let Some(n) = scenario.next_registrant {
            store.set_next_id(Sequence::TransferRegistrants, n)?;
        }
        store.set_setting("scenario_ids_set", "1")?;
    }
    Ok(())
}

/// The nameservers a domain put straight into a portfolio delegates to: OpenSRS's
/// own DNS service's (the hosts its default zone points at).
pub fn default_nameservers() -> Vec<String> {
    [
        "ns1.systemdns.com",
        "ns2.systemdns.com",
        "ns3.systemdns.com",
    ]
    .iter()
    .map(|s| (*s).to_string())
    .collect()
}

/// The contact set (stored JSON) of a domain put straight into a portfolio (by a
/// scenario or `opsd domain add`): one plausible contact for every role, at the
/// domain's own addresses, valid as OpenSRS checks contacts.
pub fn default_contacts(domain: &str) -> String {
    let contact = |role: &str, name: &str| crate::whois::Contact {
        name: name.to_string(),
        organization: "Sandbox Holdings".into(),
        street: vec!["96 Mowat Avenue".into()],
        city: "Toronto".into(),
        state: "ON".into(),
        postal_code: "M6K 3M1".into(),
        country: "CA".into(),
        phone: "+1.4165350123".into(),
        phone_ext: String::new(),
        fax: String::new(),
        fax_ext: String::new(),
        // The owner is the registrant the sandbox world knows (its `-ownerN`
        // marker included), the other roles the domain's own addresses.
        email: if role == "owner" {
            registrant_email(domain)
        } else {
            format!("{role}@{domain}")
        },
    };
    let set: serde_json::Map<String, serde_json::Value> = [
        ("owner", "Owen Owner"),
        ("admin", "Adam Admin"),
        ("billing", "Bill Billing"),
        ("tech", "Tess Tech"),
    ]
    .iter()
    .map(|(role, name)| {
        (
            (*role).to_string(),
            serde_json::to_value(contact(role, name)).unwrap_or_default(),
        )
    })
    .collect();
    serde_json::Value::Object(set).to_string()
}

/// The registrant's address the sandbox gives a domain: `ownerN@example.net` for a
/// name with the marker `-ownerN` (domains sharing N share one registrant), else
/// `registrant@<domain>`.
pub fn registrant_email(name: &str) -> String {
    owner_marker(name)
        .map(|n| format!("owner{n}@example.net"))
        .unwrap_or_else(|| format!("registrant@{name}"))
}

fn owner_marker(name: &str) -> Option<u32> {
    let at = name.find("-owner")? + "-owner".len();
    let digits: String = name[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

impl Registry for World {
    fn availability(&self, domain: &str) -> Result<Availability, RegistryError> {
        let name = domain.to_ascii_lowercase();
        let has = |m: &str| !self.plain && name.contains(m);
        if has("-regdown") || self.down(&name) {
            return Err(RegistryError::Unavailable);
        }
        if has("-noservice") {
            return Err(RegistryError::NoService);
        }
        if self.listed_domain(&name).is_some() {
            return Ok(Availability::Taken { reason: None });
        }
        if has("-reserved") {
            return Ok(Availability::Taken {
                reason: Some("Reserved Name".into()),
            });
        }
        if has("-waiting") {
            return Ok(Availability::Waiting);
        }
        Ok(Availability::Available {
            premium: has("-premium"),
            claim: has("-claim"),
            municipal: has("-municipal") && name.ends_with(".ca"),
        })
    }

    fn check(&self, domain: &str, auth_info: &str) -> Result<Holding, RegistryError> {
        let d = self.domain(domain);
        if matches!(d.registry, scenario::RegistrySpec::Down) || self.down(domain) {
            return Err(RegistryError::Unavailable);
        }
        if !self.plain && d.name.contains("-noservice") {
            return Err(RegistryError::NoService);
        }
        Ok(Holding {
            auth_ok: d.auth_code.as_deref().is_none_or(|c| c == auth_info),
            locked: d.locked,
            registered_at: d.registered,
            transferred_at: d.transferred,
            bypass_allowed: d.bypass_allowed,
            registry_confirms: d.registry_confirms,
            pending_days: d.pending_days,
            expires_at: Some(sandbox_expiry(d.registered, self.now())),
        })
    }

    fn transfer(&self, domain: &str, _auth_info: &str) -> Result<TransferOutcome, RegistryError> {
        if self.down(domain) {
            return Err(RegistryError::Unavailable);
        }
        match self.domain(domain).registry {
            scenario::RegistrySpec::Completes => Ok(TransferOutcome::Completed),
            scenario::RegistrySpec::Rejects => Ok(TransferOutcome::Rejected(
                "The registry rejected the transfer.".into(),
            )),
            scenario::RegistrySpec::Down => Err(RegistryError::Unavailable),
        }
    }
}

impl Whois for World {
    fn lookup(&self, domain: &str) -> Result<String, WhoisError> {
        let d = self.domain(domain);
        match d.whois {
            scenario::WhoisSpec::Unreachable => Err(WhoisError::Unreachable(format!(
                "sandbox: no WHOIS server answers for {}",
                d.name
            ))),
            scenario::WhoisSpec::Unparseable => Ok(format!(
                "Registrant:\n   {0} Holdings\n   Domain name: (see below)\n\n   {0}\n",
                d.name
            )),
            scenario::WhoisSpec::Raw(text) => Ok(text),
            scenario::WhoisSpec::Contact { name, email, phone } => {
                Ok(rra_record(&d.name, &name, &email, &phone))
            }
        }
    }
}

/// A registrar WHOIS answer in the 2013 RRA layout, so the real parser reads it.
fn rra_record(domain: &str, name: &str, email: &str, phone: &str) -> String {
    let mut out = format!(
        "Domain Name: {}\nRegistrar WHOIS Server: whois.sandbox.invalid\nRegistrar: SANDBOX REGISTRAR\nDomain Status: ok\n",
        domain.to_ascii_uppercase()
    );
    for role in ["Registrant", "Admin", "Tech"] {
        out.push_str(&format!(
            "{role} Name: {name}\n{role} Organization: \n{role} Street: 1 Sandbox Way\n{role} City: Toronto\n{role} State/Province: ON\n{role} Postal Code: M6K 3M1\n{role} Country: CA\n{role} Phone: {phone}\n{role} Email: {email}\n"
        ));
    }
    out.push_str("Name Server: ns1.sandbox.invalid\nName Server: ns2.sandbox.invalid\n>>> Last update of WHOIS database: sandbox <<<\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::whois::{parse_full, validate_contact};

    #[test]
    fn magic_names() {
        let w = World::default();
        let check = |d: &str| w.check(d, "x");
        assert!(check("plain.com").is_ok_and(|h| h.auth_ok && !h.locked && h.bypass_allowed));
        assert!(check("a-badauth.com").is_ok_and(|h| !h.auth_ok));
        assert!(check("a-locked.com").is_ok_and(|h| h.locked));
        assert!(check("a-nobypass.com").is_ok_and(|h| !h.bypass_allowed));
        assert!(check("a-regmail.com").is_ok_and(|h| h.registry_confirms));
        assert_eq!(check("a-regdown.com"), Err(RegistryError::Unavailable));
        assert!(w.lookup("a-nowhois.com").is_err());
        assert!(
            w.lookup("a-badwhois.com")
                .is_ok_and(|t| parse_full(&t).is_err())
        );
        let rec = w
            .lookup("a-badcontact.com")
            .ok()
            .and_then(|t| parse_full(&t).ok());
        assert!(rec.is_some_and(|r| validate_contact(&r.registrant).is_err()));
        let rec = w
            .lookup("x-owner17.com")
            .ok()
            .and_then(|t| parse_full(&t).ok());
        assert_eq!(
            rec.map(|r| r.registrant.email),
            Some("owner17@example.net".into())
        );
        assert_eq!(
            w.transfer("a-rejects.com", "x").ok(),
            Some(TransferOutcome::Rejected(
                "The registry rejected the transfer.".into()
            ))
        );
    }

    /// Issue 15.13: production mode has no magic names.
    #[test]
    fn production_world_ignores_markers() {
        let w = World::production(std::sync::Arc::new(crate::clock::SystemClock));
        assert!(
            w.check("a-badauth-locked.com", "x")
                .is_ok_and(|h| h.auth_ok && !h.locked)
        );
        assert_eq!(w.check("a-regdown.com", "x").map(|h| h.auth_ok), Ok(true));
        assert!(w.lookup("a-nowhois.com").is_ok());
    }

    #[test]
    fn generated_records_pass_validation() {
        let w = World::default();
        let rec = w.lookup("plain.com").ok().and_then(|t| parse_full(&t).ok());
        assert!(rec.is_some_and(|r| validate_contact(&r.registrant).is_ok()));
    }
}
