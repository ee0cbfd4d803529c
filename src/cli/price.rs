//! `opsd price`: the price list orders are charged from (per TLD and order type;
//! `*` for every TLD), as `GET_BALANCE`'s holds and charges use it; with
//! `--reseller`, that reseller's own list, which comes first for it (a
//! sub-reseller's prices).

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
        /// The reseller whose own list this is (else the sandbox's list).
        #[arg(long)]
        reseller: Option<String>,
    },
    /// Take a price off the list (the sandbox default applies again).
    Unset {
        tld: String,
        kind: String,
        #[arg(long)]
        reseller: Option<String>,
    },
    /// Print the list.
    List {
        #[arg(long)]
        reseller: Option<String>,
    },
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
    let owner = |name: &Option<String>| -> anyhow::Result<Option<i64>> {
        name.as_deref()
            .map(|n| super::reseller_id(&store, n))
            .transpose()
    };
    match cmd {
        PriceCmd::Set {
            tld,
            kind,
            amount,
            reseller,
        } => {
            let tld = check(&tld, &kind)?;
            let Some(cents) = parse_cents(&amount) else {
                bail!("'{amount}' is not an amount like 8.99");
            };
            match owner(&reseller)? {
                Some(id) => store.set_reseller_price(id, (&tld, &kind), Some(cents))?,
                None => store.set_price(&tld, &kind, Some(cents))?,
            }
            println!("{kind} .{tld}: {}", format_cents(cents));
        }
        PriceCmd::Unset {
            tld,
            kind,
            reseller,
        } => {
            let tld = check(&tld, &kind)?;
            match owner(&reseller)? {
                Some(id) => {
                    store.set_reseller_price(id, (&tld, &kind), None)?;
                    println!("{kind} .{tld}: the sandbox list's again");
                }
                None => {
                    store.set_price(&tld, &kind, None)?;
                    println!("{kind} .{tld}: the default {}", format_cents(DEFAULT_CENTS));
                }
            }
        }
        PriceCmd::List { reseller } => match owner(&reseller)? {
            Some(id) => {
                for (tld, kind, cents) in store.reseller_prices(id)? {
                    println!("{kind} .{tld}: {}", format_cents(cents));
                }
                println!("anything else: the sandbox list's");
            }
            None => {
                for (tld, kind, cents) in store.prices()? {
                    println!("{kind} .{tld}: {}", format_cents(cents));
                }
                println!("anything else: {}", format_cents(DEFAULT_CENTS));
            }
        },
    }
    Ok(())
}
