//! `sigap assignments --db F FILE.csv`: which team visits which child (the field
//! officers' scope), all or nothing.

use anyhow::Result;
use sigap::ingest::{PseudonymKey, read_assignments};
use sigap::store::Db;
use std::collections::HashSet;
use std::path::PathBuf;

/// Import team assignments (`id,team`): which OPD or TPK team visits which child.
#[derive(clap::Args)]
pub struct AssignmentsArgs {
    /// The store: a GeoPackage file or a postgres:// database.
    #[arg(long)]
    db: Db,
    /// Pseudonymisation key file (default: DB.key beside a store file; required with
    /// a postgres:// store).
    #[arg(long)]
    key: Option<PathBuf>,
    /// Replace every earlier assignment instead of adding to them.
    #[arg(long)]
    replace: bool,
    /// CSV with a child id column (id, nik, `id_anak`) and a team column (team, tim, opd).
    file: PathBuf,
}

/// Runs `sigap assignments`.
pub fn run(args: &AssignmentsArgs) -> Result<()> {
    let mut store = super::open_store(&args.db)?;
    let key =
        PseudonymKey::load_or_create(&super::import::layer_key_path(&args.db, args.key.clone())?)?;
    let known: HashSet<String> = store.child_keys()?.into_iter().map(|(p, _)| p).collect();
    let rows = read_assignments(&args.file, &key, &known)?;
    let revision = store.write_assignments(&rows, args.replace)?;
    let teams: HashSet<&str> = rows.iter().map(|(_, t)| t.as_str()).collect();
    println!(
        "{} children assigned to {} teams from {} (store revision {revision})",
        rows.len(),
        teams.len(),
        args.file.display()
    );
    Ok(())
}
