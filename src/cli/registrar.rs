//! `opsd registrar …`: the registrar accounts of the registry-style push
//! (`POST /srv/push_domain`, seed 002) — handles, passwords, opt-out, their domains
//! and invoices. `--test` works on the separate test database instead.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

use opsd::auth;
use opsd::store::{NewRegistryDomain, Store};

#[derive(Debug, Args)]
pub struct RegistrarArgs {
    /// Work on the test database (the one `test=1` calls use).
    #[arg(long, global = true)]
    test: bool,
    #[command(subcommand)]
    cmd: RegistrarCmd,
}

#[derive(Debug, Subcommand)]
enum RegistrarCmd {
    /// Add a registrar account; the password is read from standard input and stored
    /// as MD5-crypt, which is printed (clients may send it as the password).
    Add {
        handle: String,
        /// Where push notices to this registrar go.
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read from standard input).
    Passwd { handle: String },
    /// Refuse pushes into this account.
    OptOut { handle: String },
    /// Accept pushes again.
    OptIn { handle: String },
    /// Add a domain to a registrar's account; contact handles that do not exist yet
    /// are created, sponsored by this registrar.
    DomainAdd {
        handle: String,
        domain: String,
        #[arg(long, default_value = "Live")]
        status: String,
        /// The client (registrant) contact handle.
        #[arg(long)]
        registrant: Option<String>,
        /// The technical contact handle (may be the registrar's own handle).
        #[arg(long)]
        tech: Option<String>,
    },
    /// Record an outstanding invoice (e.g. 12.50) for a registrar's domain.
    InvoiceAdd {
        handle: String,
        domain: String,
        amount: String,
    },
}

pub fn run(db: &Path, args: RegistrarArgs, now: i64) -> anyhow::Result<()> {
    let path: PathBuf = if args.test {
        opsd::config::test_db_path(db)
    } else {
        db.to_path_buf()
    };
    let store = Store::open(&path).with_context(|| {
        format!(
            "opening database {}",
            opsd::store::describe_db(&path.to_string_lossy())
        )
    })?;
    let which = if args.test { " (test database)" } else { "" };
    match args.cmd {
        RegistrarCmd::Add { handle, email } => {
            check_handle(&handle)?;
            let crypt = auth::md5_crypt(&super::read_password()?)?;
            store.add_registrar(&handle, &crypt, email.trim(), now)?;
            println!("registrar {handle} added{which}\nencrypted password: {crypt}");
        }
        RegistrarCmd::Passwd { handle } => {
            let crypt = auth::md5_crypt(&super::read_password()?)?;
            store
                .set_registrar_password(&handle, &crypt)
                .with_context(|| no_such(&handle))?;
            println!("password of {handle} changed{which}\nencrypted password: {crypt}");
        }
        RegistrarCmd::OptOut { handle } => {
            store
                .set_registrar_opt_out(&handle, true)
                .with_context(|| no_such(&handle))?;
            println!("{handle} now refuses pushes{which}");
        }
        RegistrarCmd::OptIn { handle } => {
            store
                .set_registrar_opt_out(&handle, false)
                .with_context(|| no_such(&handle))?;
            println!("{handle} accepts pushes again{which}");
        }
        RegistrarCmd::DomainAdd {
            handle,
            domain,
            status,
            registrant,
            tech,
        } => {
            if store.registrar(&handle)?.is_none() {
                bail!("{}", no_such(&handle));
            }
            for h in [&registrant, &tech].into_iter().flatten() {
                check_handle(h)?;
            }
            let name = domain.trim().trim_end_matches('.').to_lowercase();
            store.add_registry_domain(
                &NewRegistryDomain {
                    name: name.clone(),
                    registrar: handle.clone(),
                    status,
                    registrant,
                    tech,
                },
                now,
            )?;
            println!("{name} added to {handle}{which}");
        }
        RegistrarCmd::InvoiceAdd {
            handle,
            domain,
            amount,
        } => {
            let cents = parse_amount(&amount)?;
            if store.registrar(&handle)?.is_none() {
                bail!("{}", no_such(&handle));
            }
            let id = store.add_invoice(&handle, &domain.trim().to_lowercase(), cents, now)?;
            println!("invoice #{id} of {amount} for {domain} issued to {handle}{which}");
        }
    }
    Ok(())
}

fn no_such(handle: &str) -> String {
    format!(
        "no registrar with handle '{handle}' (add it with `opsd registrar add {handle} --email ADDRESS`)"
    )
}

/// Handles are short words of letters, digits and dashes (e.g. H12345).
fn check_handle(h: &str) -> anyhow::Result<()> {
    if h.is_empty() || h.len() > 32 || !h.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        bail!("'{h}' is not a handle (letters, digits and dashes, at most 32)");
    }
    Ok(())
}

/// An amount like `12.50` → cents (see `opsd::money`).
fn parse_amount(s: &str) -> anyhow::Result<i64> {
    opsd::money::parse_cents(s).ok_or_else(|| anyhow::anyhow!("'{s}' is not an amount like 12.50"))
}
