//! `opsd db`: the database itself. `migrate` brings its schema up to date without
//! serving (for a deploy that migrates before it starts instances); `instances`
//! lists the instances serving on it and the task leases they hold; `copy` moves
//! a whole database into another, a SQLite file into PostgreSQL above all.

use std::path::Path;

use clap::Subcommand;

use super::open;

#[derive(Debug, Subcommand)]
pub enum DbCmd {
    /// Apply the schema migrations the database lacks, and print its version.
    Migrate,
    /// The instances that beat on this database, and the task leases held.
    Instances,
    /// Copy a whole database into an empty one, checked table by table: a SQLite
    /// sandbox or small production into PostgreSQL (or back into a file). Stop
    /// the instances on the source first.
    #[command(
        after_help = "Example: opsd db copy --from opsd.db --to postgres://opsd:pw@db.internal/opsd"
    )]
    Copy {
        /// The database to copy: a SQLite file, or a PostgreSQL URL.
        #[arg(long)]
        from: String,
        /// The empty database to fill: a PostgreSQL URL, or a SQLite file.
        #[arg(long)]
        to: String,
    },
}

pub fn run(db: &Path, cmd: &DbCmd) -> anyhow::Result<()> {
    if let DbCmd::Copy { from, to } = cmd {
        return copy(from, to);
    }
    let store = open(db)?;
    match cmd {
        DbCmd::Migrate => {
            println!(
                "{}: schema version {}",
                store.describe(),
                store.schema_version()?
            );
        }
        DbCmd::Copy { .. } => {}
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

/// `opsd db copy`: the source must exist (a file is not made by copying from it),
/// the target is made and migrated if need be, and must hold no rows.
fn copy(from: &str, to: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    if !opsd::store::is_postgres_url(from) && !Path::new(from).is_file() {
        anyhow::bail!("{from}: no such database file");
    }
    let source = open(Path::new(from))?;
    let target = open(Path::new(to))?;
    let counts = target
        .copy_from(&source)
        .with_context(|| format!("copying into {}", target.describe()))?;
    let mut total = 0;
    for (table, n) in &counts {
        println!("{table:<24} {n:>9}");
        total += n;
    }
    println!(
        "copied {} tables, {total} rows, from {} to {}; the counts match",
        counts.len(),
        source.describe(),
        target.describe()
    );
    Ok(())
}
