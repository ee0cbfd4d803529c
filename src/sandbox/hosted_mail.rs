//! The hosted-email part of a scenario file (seed 001): `[[mail_company]]`,
//! `[[mail_admin]]`, `[[mail_brand]]` and `[[mail_domain]]`, and their seeding.
//! Settings are TOML tables, stored as JSON.

use serde::Deserialize;

use crate::store::{NewMailCompany, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostedMail {
    pub companies: Vec<Company>,
    pub admins: Vec<Admin>,
    pub brands: Vec<Brand>,
    pub domains: Vec<Domain>,
}

/// A company (its `id` always set) with its push permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Company {
    pub company: NewMailCompany,
    pub allowed_companies: Vec<i64>,
    pub notify: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Admin {
    pub company: i64,
    pub username: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub company: i64,
    pub name: String,
    pub settings: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Domain {
    pub name: String,
    pub company: i64,
    pub brand: Option<String>,
    pub settings: String,
    pub mailboxes: usize,
    pub messages_per_mailbox: usize,
    pub message_size: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompany {
    id: i64,
    name: String,
    #[serde(default = "default_cluster")]
    cluster: String,
    #[serde(default = "default_cycle")]
    billing_cycle: String,
    #[serde(default = "one")]
    billing_day: u8,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    allowed_companies: Vec<i64>,
    notify: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBrand {
    company: i64,
    name: String,
    #[serde(default)]
    settings: toml::Table,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDomain {
    name: String,
    company: i64,
    brand: Option<String>,
    #[serde(default)]
    settings: toml::Table,
    #[serde(default)]
    mailboxes: usize,
    #[serde(default)]
    messages_per_mailbox: usize,
    #[serde(default = "default_size")]
    message_size: i64,
}

fn default_cluster() -> String {
    "a".into()
}
fn default_cycle() -> String {
    "monthly".into()
}
fn one() -> u8 {
    1
}
fn default_size() -> i64 {
    4096
}

fn json(t: &toml::Table) -> String {
    serde_json::to_string(t).unwrap_or_else(|_| "{}".into())
}

/// Validates and converts the raw sections.
pub(super) fn convert(
    companies: Vec<RawCompany>,
    admins: Vec<Admin>,
    brands: Vec<RawBrand>,
    domains: Vec<RawDomain>,
) -> Result<HostedMail, String> {
    let mut out = HostedMail {
        admins,
        ..HostedMail::default()
    };
    for c in companies {
        if c.billing_cycle != "monthly" && c.billing_cycle != "yearly" {
            return Err(format!(
                "mail_company {}: billing_cycle must be monthly or yearly",
                c.id
            ));
        }
        if !(1..=28).contains(&c.billing_day) {
            return Err(format!(
                "mail_company {}: billing_day must be 1 to 28",
                c.id
            ));
        }
        out.companies.push(Company {
            company: NewMailCompany {
                id: Some(c.id),
                name: c.name,
                cluster: c.cluster,
                billing_cycle: c.billing_cycle,
                billing_day: c.billing_day,
                settings: json(&c.settings),
            },
            allowed_companies: c.allowed_companies,
            notify: c.notify,
        });
    }
    out.brands = brands
        .into_iter()
        .map(|b| Brand {
            settings: json(&b.settings),
            company: b.company,
            name: b.name,
        })
        .collect();
    for d in domains {
        if d.mailboxes > 100_000 || d.messages_per_mailbox > 100_000 {
            return Err(format!(
                "mail_domain {}: too many mailboxes or messages",
                d.name
            ));
        }
        out.domains.push(Domain {
            settings: json(&d.settings),
            name: d.name.to_ascii_lowercase(),
            company: d.company,
            brand: d.brand,
            mailboxes: d.mailboxes,
            messages_per_mailbox: d.messages_per_mailbox,
            message_size: d.message_size,
        });
    }
    Ok(out)
}

/// Creates what does not exist yet; safe at every start.
pub fn seed(store: &Store, m: &HostedMail, now: i64) -> Result<(), StoreError> {
    let ignore_conflict = |r: Result<_, StoreError>| match r {
        Ok(_) | Err(StoreError::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    };
    for c in &m.companies {
        if let Some(id) = c.company.id
            && store.mail_company(id)?.is_some()
        {
            continue;
        }
        let id = store.add_mail_company(&c.company, now)?;
        store.set_mail_push_settings(id, Some(&c.allowed_companies), Some(c.notify.as_deref()))?;
    }
    for a in &m.admins {
        if store.mail_admin(&a.username)?.is_some() {
            continue;
        }
        let hash = crate::auth::hash_password(&a.password)
            .map_err(|e| StoreError::Conflict(e.to_string()))?;
        ignore_conflict(store.add_mail_admin(a.company, &a.username, &hash, now))?;
    }
    for b in &m.brands {
        if store.mail_brand_id(b.company, &b.name)?.is_none() {
            store.add_mail_brand(b.company, &b.name, &b.settings)?;
        }
    }
    for d in &m.domains {
        if store.mail_domain(&d.name)?.is_some() {
            continue;
        }
        let brand = match &d.brand {
            Some(name) => Some(store.mail_brand_id(d.company, name)?.ok_or_else(|| {
                StoreError::Conflict(format!("brand {name} of company {}", d.company))
            })?),
            None => None,
        };
        store.add_mail_domain(&d.name, d.company, brand, &d.settings, now)?;
        let locals: Vec<String> = (1..=d.mailboxes).map(|i| format!("user{i}")).collect();
        store.add_mailboxes(
            &d.name,
            &locals,
            d.messages_per_mailbox,
            d.message_size,
            now,
        )?;
    }
    Ok(())
}
