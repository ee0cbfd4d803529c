//! The hosted-email part of a scenario file (seed 001): `[[mail_company]]`,
//! `[[mail_admin]]`, `[[mail_brand]]` and `[[mail_domain]]`, and the mail and
//! address books of a new domain's mailboxes (`[[mail_message]]`,
//! `[[mail_contact]]`, by the user's address), and their seeding. Settings are
//! TOML tables, stored as JSON.

use serde::Deserialize;

use crate::store::{NewMailCompany, Store, StoreError};

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostedMail {
    pub companies: Vec<Company>,
    pub admins: Vec<Admin>,
    pub brands: Vec<Brand>,
    pub domains: Vec<Domain>,
    pub messages: Vec<Message>,
    pub contacts: Vec<Contact>,
}

/// A message in a seeded mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub user: String,
    #[serde(default = "inbox")]
    pub folder: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub seen: bool,
    /// Deleted (restorable) when the scenario starts.
    #[serde(default)]
    pub deleted: bool,
}

/// A contact in a seeded mailbox's address book (the documented fields,
/// checked by `convert`: serde cannot deny unknown fields beside a flatten).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Contact {
    pub user: String,
    #[serde(default)]
    pub deleted: bool,
    #[serde(flatten)]
    pub fields: std::collections::BTreeMap<String, String>,
}

fn inbox() -> String {
    "INBOX".into()
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
    (messages, contacts): (Vec<Message>, Vec<Contact>),
) -> Result<HostedMail, String> {
    if messages.len() > 100_000 || contacts.len() > 100_000 {
        return Err("too many mail_message or mail_contact entries".into());
    }
    for c in &contacts {
        if let Some(k) = c
            .fields
            .keys()
            .find(|k| !CONTACT_FIELDS.contains(&k.as_str()))
        {
            return Err(format!("mail_contact of {}: no field '{k}'", c.user));
        }
    }
    let mut out = HostedMail {
        admins,
        messages,
        contacts,
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

/// The fields a seeded contact may have, as documented.
const CONTACT_FIELDS: [&str; 12] = [
    "company",
    "email",
    "firstname",
    "home_addr",
    "home_phone",
    "lastname",
    "mobile_phone",
    "nickname",
    "notes",
    "title",
    "work_address",
    "work_phone",
];

/// Creates what does not exist yet; safe at every start (messages and
/// contacts go to the mailboxes of domains made by this run only).
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
    let mut made = Vec::new();
    for d in &m.domains {
        if store.mail_domain(&d.name)?.is_some() {
            continue;
        }
        made.push(d.name.clone());
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
    let mailbox = |user: &str| -> Result<Option<i64>, StoreError> {
        let user = user.trim().to_ascii_lowercase();
        let domain = user.rsplit_once('@').map(|(_, d)| d).unwrap_or_default();
        if !made.iter().any(|d| d == domain) {
            return Ok(None);
        }
        Ok(store.mail_user_login(&user)?.map(|(id, _)| id))
    };
    for msg in &m.messages {
        if let Some(id) = mailbox(&msg.user)? {
            let deleted = msg.deleted.then_some(now);
            store.add_mail_message(
                id,
                (&msg.folder, &msg.subject, &msg.from),
                msg.seen,
                deleted,
                now,
            )?;
        }
    }
    for c in &m.contacts {
        if let Some(id) = mailbox(&c.user)? {
            let data = serde_json::to_string(&c.fields).unwrap_or_else(|_| "{}".into());
            let contact = store.add_mail_contact(id, &data)?;
            if c.deleted {
                store.delete_seeded_mail_contact(contact, now)?;
            }
        }
    }
    Ok(())
}
