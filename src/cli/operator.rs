//! `opsd operator`: the dashboard's operator accounts.

use std::path::Path;

use anyhow::{Context, bail};
use clap::Subcommand;

use opsd::auth;

use super::{now, open, read_password};

#[derive(Debug, Subcommand)]
pub enum OperatorCmd {
    /// Add an operator; the password (at least 8 characters) is read from the first
    /// line of standard input.
    Add { name: String },
    /// Set an operator's password (from standard input).
    Passwd { name: String },
}

pub fn run(db: &Path, cmd: OperatorCmd) -> anyhow::Result<()> {
    match cmd {
        OperatorCmd::Add { name } => {
            let name = name.trim().to_string();
            if name.is_empty() {
                bail!("the operator needs a name");
            }
            let hash = auth::hash_password(&read_password()?)?;
            let store = open(db)?;
            store.add_operator(&name, &hash, now())?;
            println!("operator {name} added: log in at /dashboard/login");
            Ok(())
        }
        OperatorCmd::Passwd { name } => {
            let hash = auth::hash_password(&read_password()?)?;
            let store = open(db)?;
            store
                .set_operator_password(&name, &hash)
                .with_context(|| format!("no operator named {name}"))?;
            println!("password of operator {name} changed");
            Ok(())
        }
    }
}
