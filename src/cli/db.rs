//! `sigap db init|status`: make and check the schema of a shared PostgreSQL store.

use anyhow::{Result, bail};
use sigap::store::Db;
use sigap::store::pg::{OWNER_ROLE, PgStore, SCHEMA_VERSION};

/// The shared PostgreSQL store.
#[derive(clap::Subcommand)]
pub enum DbCommand {
    /// Make (or complete) sigap's schema in a PostgreSQL database and grant the
    /// service role what it needs, in one transaction; running it again is harmless.
    /// Connect as a superuser or a member of `sigap_owner`; both roles must exist.
    Init {
        /// The database, as its owner: `postgres://OWNER@HOST/DATABASE`.
        #[arg(long)]
        db: Db,
        /// The role `sigap serve` and the other commands log in as.
        #[arg(long, default_value = "sigap_app")]
        app_role: String,
    },
    /// The schema version and revision of a store, and whether the role connecting
    /// may serve (it must not be able to rewrite the audit log).
    Status {
        #[arg(long)]
        db: Db,
    },
}

/// Runs `sigap db ...`.
pub fn run(cmd: &DbCommand) -> Result<()> {
    match cmd {
        DbCommand::Init { db, app_role } => {
            let url = postgres_url(db, "db init")?;
            if !app_role
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                bail!("--app-role {app_role}: use a-z, 0-9 and '_' only");
            }
            PgStore::init(url, app_role)?;
            let mut store = PgStore::open(url)?;
            println!(
                "schema sigap version {SCHEMA_VERSION} in {}, owned by {OWNER_ROLE}; \
                 {app_role} may read and write it and append to the audit log",
                store.db()
            );
            println!("revision {}", store.revision()?);
        }
        DbCommand::Status { db } => {
            let url = postgres_url(db, "db status")?;
            let mut store = PgStore::open(url)?;
            println!("database  {}", store.db());
            println!("schema    {}", store.schema_version()?);
            println!("revision  {}", store.revision()?);
            let counts: Vec<String> = store
                .counts()?
                .iter()
                .map(|(kind, n)| format!("{n} {kind}"))
                .collect();
            println!("layers    {}", counts.join(", "));
            match store.check_service_role() {
                Ok(()) => println!("role      may serve (cannot change the audit log)"),
                Err(e) => println!("role      must not serve: {e}"),
            }
        }
    }
    Ok(())
}

/// The URL of a PostgreSQL `--db`; a store file needs no `db` command.
fn postgres_url<'a>(db: &'a Db, command: &str) -> Result<&'a str> {
    match db {
        Db::Postgres(url) => Ok(url),
        Db::File(path) => bail!(
            "`sigap {command}` is for a PostgreSQL store (--db postgres://...); the store \
             file {} is made by its first `sigap import`",
            path.display()
        ),
    }
}
