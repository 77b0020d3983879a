//! `sigap serve`: the map, tiles and API over a store or the demo city.

use anyhow::{Context, Result, bail};
use sigap::assets::WebFiles;
use sigap::auth::{Accounts, NewUser, Role};
use sigap::http::{AppState, Snapshot};
use sigap::ingest::IdentityKey;
use sigap::store::{AnyStore, Db, Store};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Serve the map, tiles and API (the demo city when no --db is given).
#[derive(clap::Args)]
pub struct ServeArgs {
    /// The store: a GeoPackage file, or a postgres:// database made by `sigap db
    /// init`, which any number of servers may share.
    #[arg(long)]
    db: Option<Db>,
    /// Pseudonymisation key for imports over HTTP (default: DB.key beside a store
    /// file; required with a postgres:// store, where every server must use the same).
    #[arg(long, requires = "db")]
    key: Option<PathBuf>,
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Risk weights and server settings (default: ./sigap.toml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Serve the viewer from this directory (a checkout's `web/`) instead of the copy
    /// compiled into the binary: edits show on reload, without a rebuild.
    #[arg(long)]
    web_dir: Option<PathBuf>,
    /// With --web-dir: where npm installed maplibre-gl (`node_modules`; default: beside
    /// the web directory).
    #[arg(long, requires = "web_dir")]
    vendor_dir: Option<PathBuf>,
}

/// Runs `sigap serve`.
pub fn run(args: ServeArgs) -> Result<()> {
    let key = args
        .db
        .as_ref()
        .map(|db| super::import::layer_key_path(db, args.key.clone()))
        .transpose()?;
    serve(
        args.db.as_ref(),
        key,
        args.addr,
        args.config.as_deref(),
        args.web_dir,
        args.vendor_dir,
    )
}

/// The account `sigap serve` creates when the store has no admin.
pub const FIRST_ADMIN: &str = "admin";

/// Creates the first admin with a one-time password when there is no admin yet
/// (always for the in-memory demo city); returns the password to print.
fn first_admin(accounts: &Accounts) -> Result<Option<String>> {
    if accounts.has_admin()? {
        return Ok(None);
    }
    let user = NewUser {
        username: FIRST_ADMIN.into(),
        role: Role::Admin,
        team: None,
        villages: Vec::new(),
    };
    let password = match accounts.add_user(&user, None) {
        Ok(pw) => pw,
        // Another server on the same database made it a moment ago: it printed the
        // password, and a new one here would make that one fail.
        Err(sigap::auth::AuthError::UserExists(_)) if accounts.has_admin()? => return Ok(None),
        // A disabled "admin" exists: give it a new one-time password and enable it.
        Err(sigap::auth::AuthError::UserExists(_)) => {
            accounts.set_disabled(FIRST_ADMIN, false)?;
            accounts.set_password(FIRST_ADMIN, None)?
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        user = FIRST_ADMIN,
        "first admin created with a one-time password"
    );
    Ok(Some(password))
}

/// Builds the demo city the way a user would: write its files, import them.
pub fn demo_store() -> Result<Store> {
    Ok(sigap::demo::default_demo_store()?)
}

/// The viewer's files: compiled in, or `web_dir` on disk with MapLibre from
/// `vendor_dir` (default: `node_modules` beside `web_dir`).
fn web_files(web_dir: Option<PathBuf>, vendor_dir: Option<PathBuf>) -> Result<WebFiles> {
    let Some(web) = web_dir else {
        return Ok(WebFiles::Embedded);
    };
    if !web.join("index.html").is_file() {
        bail!("--web-dir {}: no index.html there", web.display());
    }
    let vendor = vendor_dir.unwrap_or_else(|| {
        web.parent()
            .unwrap_or_else(|| Path::new("."))
            .join("node_modules")
    });
    tracing::info!(web = %web.display(), vendor = %vendor.display(), "viewer served from disk");
    Ok(WebFiles::Disk { web, vendor })
}

fn serve(
    db: Option<&Db>,
    key: Option<PathBuf>,
    addr: SocketAddr,
    config: Option<&Path>,
    web_dir: Option<PathBuf>,
    vendor_dir: Option<PathBuf>,
) -> Result<()> {
    let config = super::load_config(config)?;
    let web = web_files(web_dir, vendor_dir)?;
    let demo = db.is_none();
    let (mut store, identity) = if let Some(db) = db {
        if let Db::File(p) = db
            && !p.exists()
        {
            bail!(
                "no store at {}; create one with `sigap import --db {} villages FILE`",
                p.display(),
                p.display()
            );
        }
        // The key that opens names and addresses, beside the pseudonym key: loaded
        // now so a missing or broken file fails at start-up, not on a field visit.
        let identity = key
            .as_ref()
            .map(|k| IdentityKey::load_or_create(&IdentityKey::path_beside(k)))
            .transpose()?;
        (AnyStore::open(db)?, identity)
    } else {
        tracing::info!("building the synthetic demo city in memory");
        let (store, identity) = sigap::demo::demo_store_with_identity(sigap::demo::DEFAULT_SEED)?;
        (AnyStore::File(store), Some(identity))
    };
    if let AnyStore::Postgres(pg) = &mut store {
        // The service's role must not be able to rewrite the audit log.
        pg.check_service_role()?;
    }
    let (revision, data) = store.load_revision()?;
    let snapshot = Snapshot::build(revision, &data, &config);
    tracing::info!(
        villages = data.villages.len(),
        children = data.children.len(),
        households = data.households.len(),
        facilities = data.facilities.len(),
        "data loaded"
    );
    let accounts = match db {
        Some(Db::File(p)) => Accounts::open(p)?,
        Some(Db::Postgres(url)) => Accounts::open_postgres(url)?,
        None => Accounts::open_in_memory()?,
    };
    let first_admin = first_admin(&accounts)?;
    let state = AppState::new(
        config,
        snapshot,
        // The demo city's store lives in memory: visits recorded there last until exit.
        Some(store),
        demo,
        web,
        Arc::new(accounts),
    );
    if let Some(db) = db {
        let removed = sigap::http::routes::import::remove_stale_uploads(db, key.as_deref());
        if removed > 0 {
            tracing::info!(removed, "uploads left by a stopped server removed");
        }
    }
    if let Some(k) = key {
        state.set_import_key(k);
    }
    if let Some(k) = identity {
        state.set_identity_key(k);
    }
    // This runtime accepts connections, watches the store and waits for signals;
    // requests are answered on the HTTP runtimes (`sigap::http::cores`), one per core.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
        if let Some(pw) = &first_admin {
            println!("first admin: {FIRST_ADMIN}, one-time password: {pw}");
            println!(
                "  (log in at http://{local}/ and choose a new password; shown only this once)"
            );
        }
        println!(
            "sigap listening on http://{local}/  (open it in a browser{})",
            if demo {
                "; demo city, synthetic data"
            } else {
                ""
            }
        );
        std::io::stdout().flush()?;
        sigap::http::serve(listener, state).await?;
        Ok(())
    })
}
