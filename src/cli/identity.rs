//! `sigap identity rotate-key`: every sealed name and address re-sealed under a new
//! identity key, in one transaction, the old key kept beside it (see
//! [`sigap::ingest::rotate`] for the order of the writes and what a kill leaves).
//!
//! On a GeoPackage file the keys default to the files beside it. On a PostgreSQL
//! database `--key` is required, as for imports and `serve`: the keys are never in
//! the database, and the ones rotated are those beside `--key` on the machine running
//! the command. Every server of that database must then get the new identity key file
//! and be restarted; the final message says so.

use anyhow::{Context, Result, bail};
use sigap::ingest::IdentityKey;
use sigap::store::Db;
use std::io::Write;
use std::path::PathBuf;

/// The identity key of a store.
#[derive(clap::Subcommand)]
pub enum IdentityCommand {
    /// Re-seal every name and address with a new identity key (all or nothing); the old
    /// key is kept as KEY.old-<UTC time>. Restart `sigap serve` afterwards (every
    /// server, with the new key file, on a PostgreSQL database).
    RotateKey {
        #[arg(long)]
        db: Db,
        /// Pseudonymisation key file the store was imported with (default for a store
        /// file: DB.key; required for a PostgreSQL database); the identity key is the
        /// file beside it (KEY's name with .identity.key).
        #[arg(long)]
        key: Option<PathBuf>,
    },
}

/// Runs `sigap identity ...`.
pub fn run(cmd: IdentityCommand) -> Result<()> {
    match cmd {
        IdentityCommand::RotateKey { db, key } => {
            let key = match (&db, key) {
                (Db::File(file), key) => super::import::key_path(file, key),
                (Db::Postgres(_), Some(key)) => key,
                (Db::Postgres(_), None) => bail!(
                    "the PostgreSQL database {db} needs --key FILE for identity rotate-key: \
                     the pseudonym key its records were imported with, on this machine; the \
                     identity key rotated is the file beside it (the keys are kept outside \
                     the database)"
                ),
            };
            let mut store =
                super::open_store(&db).with_context(|| format!("opening the store {db}"))?;
            let accounts = super::user::open(&db)?;
            let path = IdentityKey::path_beside(&key);
            let mut err = std::io::stderr().lock();
            let rotation = sigap::ingest::rotate::rotate_identity_key(
                &mut store,
                &path,
                &stamp(),
                |done, total| {
                    let _ = writeln!(err, "re-sealed {done} of {total} records");
                },
            )
            .with_context(|| format!("rotating the identity key {}", path.display()))?;
            accounts.audit(
                None,
                "(console)",
                "identity_rotate_key",
                &path.display().to_string(),
                rotation.records,
                None,
            )?;
            let mut out = std::io::stdout().lock();
            if rotation.finished_pending {
                writeln!(
                    out,
                    "finished the rotation a stopped run had committed: {} now holds its key",
                    path.display()
                )?;
            }
            let restart = match db {
                Db::File(_) => "restart `sigap serve`".to_owned(),
                Db::Postgres(_) => format!(
                    "copy {} to every server of this database (beside the --key it is \
                     started with) and restart each one: until then a server opens no name",
                    path.display()
                ),
            };
            writeln!(
                out,
                "{} records re-sealed with a new identity key in {}; the old key is kept in {} \
                 (it opens only older backups of the store: keep it with them or delete it); \
                 {restart}",
                rotation.records,
                path.display(),
                rotation
                    .old_key
                    .as_ref()
                    .map_or_else(|| "-".into(), |p| p.display().to_string()),
            )?;
        }
    }
    Ok(())
}

/// The UTC time now as `20261206T061500Z`.
fn stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    chrono::DateTime::from_timestamp(i64::try_from(secs).unwrap_or(0), 0).map_or_else(
        || secs.to_string(),
        |t| t.format("%Y%m%dT%H%M%SZ").to_string(),
    )
}
