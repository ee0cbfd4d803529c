//! `opsd price`: the price list orders are charged from (per TLD and order type;
//! `*` for every TLD), as `GET_BALANCE`'s holds and charges use it.

use std::path::Path;

use anyhow::bail;
use clap::Subcommand;

use opsd::money::{format_cents, parse_cents};
use opsd::rules::price::{DEFAULT_CENTS, KINDS};

use super::open;

#[derive(Debug, Subcommand)]
pub enum PriceCmd {
    /// Set the price of one year of KIND (transfer) for TLD (com, or * for every TLD).
    Set {
        tld: String,
        kind: String,
        /// e.g. 8.99
        amount: String,
    },
    /// Take a price off the list (the sandbox default applies again).
    Unset { tld: String, kind: String },
    /// Print the list.
    List,
}

pub fn run(db: &Path, cmd: PriceCmd) -> anyhow::Result<()> {
    let store = open(db)?;
    let check = |tld: &str, kind: &str| -> anyhow::Result<String> {
        if !KINDS.contains(&kind) {
            bail!(
                "'{kind}' is not an order type; use one of: {}",
                KINDS.join(", ")
            );
        }
        let tld = tld.trim().trim_start_matches('.').to_ascii_lowercase();
        if tld != "*"
            && (tld.is_empty() || !tld.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            bail!("'{tld}' is not a TLD (com, co.uk's uk, or * for every TLD)");
        }
        Ok(tld)
    };
    match cmd {
        PriceCmd::Set { tld, kind, amount } => {
            let tld = check(&tld, &kind)?;
            let Some(cents) = parse_cents(&amount) else {
                bail!("'{amount}' is not an amount like 8.99");
            };
            store.set_price(&tld, &kind, Some(cents))?;
            println!("{kind} .{tld}: {}", format_cents(cents));
        }
        PriceCmd::Unset { tld, kind } => {
            let tld = check(&tld, &kind)?;
            store.set_price(&tld, &kind, None)?;
            println!("{kind} .{tld}: the default {}", format_cents(DEFAULT_CENTS));
        }
        PriceCmd::List => {
            for (tld, kind, cents) in store.prices()? {
                println!("{kind} .{tld}: {}", format_cents(cents));
            }
            println!("anything else: {}", format_cents(DEFAULT_CENTS));
        }
    }
    Ok(())
}
