//! `opsd reseller`, `profile`, `dns-template` and `domain`: resellers with their keys,
//! IP rules, panel password and push permissions, their profiles, DNS templates
//! and portfolio domains.

use std::path::Path;

use anyhow::bail;
use clap::Subcommand;

use opsd::auth;

use super::{now, open, read_password, reseller_id};

#[derive(Debug, Subcommand)]
pub enum ResellerCmd {
    /// Add a reseller with its private key and optional IP Access Rules.
    Add {
        name: String,
        /// The private key clients sign with.
        #[arg(long)]
        key: String,
        /// An allowed client network (CIDR or address); repeat for more. None = any.
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Replace a reseller's private key (a running server uses the new one within
    /// 2 seconds).
    SetKey {
        name: String,
        #[arg(long)]
        key: String,
    },
    /// Replace a reseller's IP Access Rules; with no --allow-ip, any address may call.
    SetIps {
        name: String,
        #[arg(long = "allow-ip", value_name = "CIDR")]
        allow_ip: Vec<String>,
    },
    /// Set the control-panel password, read from the first line of standard input
    /// (`echo 'secret' | opsd reseller passwd NAME`); `--clear` turns the login off.
    Passwd {
        name: String,
        #[arg(long)]
        clear: bool,
    },
    /// Turn the domain push feature on for a reseller (off by default).
    EnablePush { name: String },
    /// Turn the domain push feature off.
    DisablePush { name: String },
    /// Let GAINING accept pushes from the losing reseller LOSING.
    AllowPush {
        gaining: String,
        #[arg(long = "from", value_name = "LOSING")]
        from: String,
    },
    /// Take LOSING off GAINING's list.
    DisallowPush {
        gaining: String,
        #[arg(long = "from", value_name = "LOSING")]
        from: String,
    },
    /// Print every reseller with its sub-resellers below it, and their balances.
    Tree,
    /// Print a reseller's balance and hold (what GET_BALANCE answers); `--set`
    /// changes the balance first.
    Balance {
        name: String,
        /// The new balance, e.g. 500 or 1234.50.
        #[arg(long, value_name = "AMOUNT")]
        set: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DomainCmd {
    /// Add a domain to a reseller's portfolio, in a profile (made if missing).
    Add {
        reseller: String,
        domain: String,
        /// USER:PASSWORD of the profile.
        #[arg(long)]
        profile: String,
        #[arg(long)]
        locked: bool,
    },
    /// Have another registrar ask for a portfolio domain (sandbox): its owner gets
    /// the approval email; with no answer within the window the domain leaves.
    TransferAway {
        domain: String,
        /// The gaining registrar's name.
        #[arg(long = "to", value_name = "REGISTRAR")]
        to: String,
        /// The running server (default: OPSD_LISTEN).
        #[arg(long, env = "OPSD_LISTEN", default_value = opsd::config::DEFAULT_LISTEN)]
        server: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProfileCmd {
    /// Add a profile (reg_username / reg_password) to a reseller.
    Add {
        reseller: String,
        username: String,
        #[arg(long)]
        password: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum DnsTemplateCmd {
    /// Add a DNS template name to a reseller.
    Add { reseller: String, name: String },
    /// Set a template's records: `RECORDS` is JSON in the shape of
    /// SET_DNS_ZONE's `records`, e.g. '{"A":[{"subdomain":"","ip_address":"192.0.2.1"}]}'.
    Records {
        reseller: String,
        name: String,
        records: String,
    },
}

pub fn run(db: &Path, cmd: ResellerCmd) -> anyhow::Result<()> {
    match cmd {
        ResellerCmd::Add {
            name,
            key,
            allow_ip,
        } => {
            check_cidrs(&allow_ip)?;
            let store = open(db)?;
            let id = store.add_reseller(&name, &key, &allow_ip, now())?;
            println!("reseller {name} added (id {id})");
            Ok(())
        }
        ResellerCmd::SetKey { name, key } => {
            if key.trim().is_empty() {
                bail!("the key must not be empty");
            }
            let store = open(db)?;
            store.set_private_key(reseller_id(&store, &name)?, &key)?;
            println!("private key of {name} replaced");
            Ok(())
        }
        ResellerCmd::SetIps { name, allow_ip } => {
            check_cidrs(&allow_ip)?;
            let store = open(db)?;
            store.set_allowed_ips(reseller_id(&store, &name)?, &allow_ip)?;
            if allow_ip.is_empty() {
                println!("{name} may call from any address");
            } else {
                println!("{name} may call from {}", allow_ip.join(", "));
            }
            Ok(())
        }
        ResellerCmd::Passwd { name, clear } => reseller_passwd(db, &name, clear),
        ResellerCmd::EnablePush { name } => set_push(db, &name, true),
        ResellerCmd::DisablePush { name } => set_push(db, &name, false),
        ResellerCmd::AllowPush { gaining, from } => allow_push(db, &gaining, &from, true),
        ResellerCmd::DisallowPush { gaining, from } => allow_push(db, &gaining, &from, false),
        ResellerCmd::Tree => {
            let store = open(db)?;
            print!("{}", tree(&store)?);
            Ok(())
        }
        ResellerCmd::Balance { name, set } => {
            let store = open(db)?;
            let id = reseller_id(&store, &name)?;
            if let Some(amount) = set {
                let Some(cents) = opsd::money::parse_cents(&amount) else {
                    bail!("'{amount}' is not an amount like 1234.50");
                };
                store.set_balance(id, cents)?;
            }
            let b = store.balance(id)?;
            println!(
                "{name}: balance {}, held {}",
                opsd::money::format_cents(b.balance),
                opsd::money::format_cents(b.held)
            );
            Ok(())
        }
    }
}

/// The resellers as a tree: each under its parent, two spaces deeper, with its
/// balance.
fn tree(store: &opsd::store::Store) -> anyhow::Result<String> {
    let all = store.reseller_tree()?;
    let mut out = String::new();
    // A parent missing from the list cannot happen (a sub-reseller goes with
    // its parent); depth is bounded by the list's length all the same.
    fn walk(
        store: &opsd::store::Store,
        all: &[(i64, String, Option<i64>)],
        (parent, depth): (Option<i64>, usize),
        out: &mut String,
    ) -> anyhow::Result<()> {
        for (id, name, _) in all.iter().filter(|(_, _, p)| *p == parent) {
            if depth > all.len() {
                break;
            }
            let b = store.balance(*id)?;
            out.push_str(&format!(
                "{}{name}  balance {}\n",
                "  ".repeat(depth),
                opsd::money::format_cents(b.balance)
            ));
            walk(store, all, (Some(*id), depth + 1), out)?;
        }
        Ok(())
    }
    walk(store, &all, (None, 0), &mut out)?;
    Ok(out)
}

pub fn domain(db: &Path, cmd: DomainCmd) -> anyhow::Result<()> {
    match cmd {
        DomainCmd::TransferAway { domain, to, server } => {
            let store = open(db)?;
            let token = store.setting(opsd::app::ADMIN_TOKEN)?.ok_or_else(|| {
                anyhow::anyhow!(
                    "this database has no admin token yet: start `opsd serve` on it first"
                )
            })?;
            let body: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("domain", &domain)
                .append_pair("to", &to)
                .finish();
            let (status, reply) =
                super::clock::post(&server, "/admin/transfers-away", &token, &body)?;
            print!("{reply}");
            if status != 200 {
                bail!("the server answered {status}; see its log");
            }
            Ok(())
        }
        DomainCmd::Add {
            reseller,
            domain,
            profile,
            locked,
        } => {
            let Some((user, password)) = profile.split_once(':') else {
                bail!("--profile must be USER:PASSWORD");
            };
            let name = opsd::domain::DomainName::parse(&domain)
                .map_err(|e| anyhow::anyhow!("'{domain}' {e}"))?
                .name;
            let store = open(db)?;
            let r = reseller_id(&store, &reseller)?;
            let profile_id = match store.profile_by_username(r, user)? {
                Some(p) if auth::verify_password(password, &p.password_hash) => p.id,
                Some(_) => bail!("profile {user} of {reseller} has another password"),
                None => store.add_profile(r, user, &auth::hash_password(password)?, now())?,
            };
            let id = store.add_domain(
                r,
                profile_id,
                &name,
                locked,
                now(),
                opsd::clock::add_years(now(), 1),
            )?;
            store.set_domain_details(
                id,
                &opsd::sandbox::default_contacts(&name),
                &opsd::sandbox::default_nameservers(),
                None,
            )?;
            println!(
                "{name} added to {reseller} (profile {user}{})",
                if locked { ", locked" } else { "" }
            );
            Ok(())
        }
    }
}

pub fn profile(db: &Path, cmd: ProfileCmd) -> anyhow::Result<()> {
    match cmd {
        ProfileCmd::Add {
            reseller,
            username,
            password,
        } => {
            let store = open(db)?;
            let r = reseller_id(&store, &reseller)?;
            let hash = auth::hash_password(&password)?;
            store.add_profile(r, &username, &hash, now())?;
            println!("profile {username} added to {reseller}");
            Ok(())
        }
    }
}

pub fn dns_template(db: &Path, cmd: DnsTemplateCmd) -> anyhow::Result<()> {
    match cmd {
        DnsTemplateCmd::Add { reseller, name } => {
            let store = open(db)?;
            let r = reseller_id(&store, &reseller)?;
            store.add_dns_template(r, &name)?;
            println!("DNS template {name} added to {reseller}");
            Ok(())
        }
        DnsTemplateCmd::Records {
            reseller,
            name,
            records,
        } => {
            let json: serde_json::Value = serde_json::from_str(&records)
                .map_err(|e| anyhow::anyhow!("the records are not JSON: {e}"))?;
            // Names in a template are relative: checked against a stand-in zone.
            let checked = opsd::rules::dns::parse("template.invalid", &json)
                .map_err(|(field, why)| anyhow::anyhow!("{field}: {why}"))?;
            let store = open(db)?;
            let r = reseller_id(&store, &reseller)?;
            if !store.set_dns_template_records(r, &name, &opsd::rules::dns::to_json(&checked))? {
                anyhow::bail!("{reseller} has no DNS template named {name}");
            }
            println!(
                "DNS template {name} of {reseller}: {} record(s)",
                checked.len()
            );
            Ok(())
        }
    }
}

fn set_push(db: &Path, name: &str, on: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let id = reseller_id(&store, name)?;
    store.set_push_enabled(id, on)?;
    println!(
        "domain push {} for {name}",
        if on { "enabled" } else { "disabled" }
    );
    Ok(())
}

fn reseller_passwd(db: &Path, name: &str, clear: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let id = reseller_id(&store, name)?;
    if clear {
        store.set_reseller_password(id, None)?;
        println!("control-panel login turned off for {name}");
        return Ok(());
    }
    let hash = auth::hash_password(&read_password()?)?;
    store.set_reseller_password(id, Some(&hash))?;
    println!("control-panel password set for {name}");
    Ok(())
}

fn allow_push(db: &Path, gaining: &str, losing: &str, allow: bool) -> anyhow::Result<()> {
    let store = open(db)?;
    let g = reseller_id(&store, gaining)?;
    let l = reseller_id(&store, losing)?;
    store.set_push_allowed(g, l, allow, now())?;
    println!(
        "{gaining} {} pushes from {losing}",
        if allow {
            "now accepts"
        } else {
            "no longer accepts"
        }
    );
    Ok(())
}

fn check_cidrs(cidrs: &[String]) -> anyhow::Result<()> {
    for cidr in cidrs {
        if auth::parse_cidr(cidr).is_none() {
            bail!("'{cidr}' is not a CIDR or IP address");
        }
    }
    Ok(())
}
