//! `opsd db`: the database itself. `migrate` brings its schema up to date without
//! serving (for a deploy that migrates before it starts instances); `instances`
//! lists the instances serving on it and the task leases they hold.

use std::path::Path;

use clap::Subcommand;

use super::open;

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Apply the schema migrations the database lacks, and print its version.
    Migrate,
    /// The instances that beat on this database, and the task leases held.
    Instances,
}

pub fn run(db: &Path, cmd: &DbCmd) -> anyhow::Result<()> {
    let store = open(db)?;
    match cmd {
        DbCmd::Migrate => {
            println!(
                "{}: schema version {}",
                store.describe(),
                store.schema_version()?
            );
        }
        DbCmd::Instances => {
            let instances = store.instances()?;
            if instances.is_empty() {
                println!("no instance is serving on this database");
            }
            for (name, beat) in instances {
                println!("{name}  beat {beat}");
            }
            for holder in store.lease_holders()? {
                println!("leases held by {holder}");
            }
        }
    }
    Ok(())
}
