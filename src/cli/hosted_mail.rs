//! `opsd email …`: seeding hosted email (seed 001) — companies, their administrators,
//! brands, and email domains with mailboxes and stored messages. (The scenario file's
//! `[[mail_*]]` sections do the same at start.)

use std::path::Path;

use anyhow::{Context, bail};
use clap::Subcommand;

use opsd::auth;
use opsd::store::{NewMailCompany, Store};

#[derive(Debug, Subcommand)]
pub enum EmailCmd {
    /// Add a company with its company_id.
    #[command(name = "company-add")]
    Company {
        id: i64,
        #[arg(long)]
        name: String,
        /// Pushes only go between companies of one cluster.
        #[arg(long, default_value = "a")]
        cluster: String,
        /// monthly or yearly.
        #[arg(long, default_value = "monthly")]
        billing_cycle: String,
        /// The day billing cycles start (1 to 28).
        #[arg(long, default_value_t = 1)]
        billing_day: u8,
        /// Default settings for unbranded domains, a JSON object.
        #[arg(long, default_value = "{}")]
        settings: String,
    },
    /// Add an administrator to a company; the password is read from standard input.
    #[command(name = "admin-add")]
    Admin { company: i64, username: String },
    /// Set an administrator's password (from standard input); ends its console
    /// sessions and revokes its API tokens.
    #[command(name = "admin-passwd")]
    AdminPasswd { username: String },
    /// Revoke every API token of an administrator.
    #[command(name = "token-revoke")]
    TokenRevoke { username: String },
    /// Add a brand to a company.
    #[command(name = "brand-add")]
    Brand {
        company: i64,
        name: String,
        /// The brand's settings, a JSON object.
        #[arg(long, default_value = "{}")]
        settings: String,
    },
    /// Add an email domain with `--mailboxes` users holding `--messages` messages each.
    #[command(name = "domain-add")]
    Domain {
        domain: String,
        #[arg(long)]
        company: i64,
        /// A brand of the company, by name.
        #[arg(long)]
        brand: Option<String>,
        #[arg(long, default_value_t = 0)]
        mailboxes: usize,
        #[arg(long, default_value_t = 0)]
        messages: usize,
    },
}

fn json_object(s: &str) -> anyhow::Result<String> {
    match serde_json::from_str::<serde_json::Value>(s) {
        Ok(v) if v.is_object() => Ok(v.to_string()),
        _ => bail!("settings must be a JSON object, like {{\"theme\": \"blue\"}}"),
    }
}

pub fn run(db: &Path, cmd: EmailCmd, now: i64) -> anyhow::Result<()> {
    let store = Store::open(db).with_context(|| {
        format!(
            "opening database {}",
            opsd::store::describe_db(&db.to_string_lossy())
        )
    })?;
    match cmd {
        EmailCmd::Company {
            id,
            name,
            cluster,
            billing_cycle,
            billing_day,
            settings,
        } => {
            if billing_cycle != "monthly" && billing_cycle != "yearly" {
                bail!("--billing-cycle must be monthly or yearly");
            }
            if !(1..=28).contains(&billing_day) {
                bail!("--billing-day must be 1 to 28");
            }
            let settings = json_object(&settings)?;
            store.add_mail_company(
                &NewMailCompany {
                    id: Some(id),
                    name: name.clone(),
                    cluster,
                    billing_cycle,
                    billing_day,
                    settings,
                },
                now,
            )?;
            println!("company {id} ({name}) added");
        }
        EmailCmd::Admin { company, username } => {
            if store.mail_company(company)?.is_none() {
                bail!("no company {company} (add it with `opsd email company-add`)");
            }
            let hash = auth::hash_password(&super::read_password()?)?;
            store.add_mail_admin(company, &username, &hash, now)?;
            println!("administrator {username} added to company {company}");
        }
        EmailCmd::AdminPasswd { username } => {
            let hash = auth::hash_password(&super::read_password()?)?;
            store
                .set_mail_admin_password(&username, &hash)
                .with_context(|| format!("no administrator named {username}"))?;
            println!("password of {username} changed; its sessions and API tokens ended");
        }
        EmailCmd::TokenRevoke { username } => {
            let n = store.revoke_mail_tokens(&username)?;
            println!("{n} API token(s) of {username} revoked");
        }
        EmailCmd::Brand {
            company,
            name,
            settings,
        } => {
            if store.mail_company(company)?.is_none() {
                bail!("no company {company} (add it with `opsd email company-add`)");
            }
            store.add_mail_brand(company, &name, &json_object(&settings)?)?;
            println!("brand {name} added to company {company}");
        }
        EmailCmd::Domain {
            domain,
            company,
            brand,
            mailboxes,
            messages,
        } => {
            if mailboxes > 100_000 || messages > 100_000 {
                bail!("at most 100,000 mailboxes and 100,000 messages per mailbox");
            }
            if store.mail_company(company)?.is_none() {
                bail!("no company {company} (add it with `opsd email company-add`)");
            }
            let brand_id = match &brand {
                Some(b) => Some(
                    store
                        .mail_brand_id(company, b)?
                        .with_context(|| format!("company {company} has no brand {b}"))?,
                ),
                None => None,
            };
            let name = domain.trim().trim_end_matches('.').to_lowercase();
            store.add_mail_domain(&name, company, brand_id, "{}", now)?;
            let locals: Vec<String> = (1..=mailboxes).map(|i| format!("user{i}")).collect();
            store.add_mailboxes(&name, &locals, messages, 4096, now)?;
            println!("{name} added to company {company} with {mailboxes} mailboxes");
        }
    }
    Ok(())
}
