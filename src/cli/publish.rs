//! `sigap publish --out DIR`: the public map as static files (see [`sigap::publish`]).

use anyhow::{Result, bail};
use sigap::auth::Accounts;
use sigap::http::{AppState, Snapshot};
use sigap::model::Period;
use sigap::store::{Db, Store};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

/// Write the public map (tiles as PMTiles, the embed page, its data) for any web server.
#[derive(clap::Args)]
pub struct PublishArgs {
    /// The folder to write; replaced as a whole at the end (only if sigap wrote it).
    #[arg(long)]
    out: PathBuf,
    /// The store (default: the synthetic demo city, as `sigap serve` without --db).
    #[arg(long)]
    db: Option<Db>,
    /// A period YYYY-MM to publish besides the latest (repeatable; default: every
    /// period with children).
    #[arg(long = "period", value_name = "YYYY-MM")]
    periods: Vec<Period>,
    /// Where the city will host the folder (e.g. `https://kota.go.id/peta/`), for the
    /// snippet to paste (default: `[server] public_url`).
    #[arg(long)]
    url: Option<String>,
    /// Settings (`[public] k`, `[city] name`; default: ./sigap.toml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Compute the server's whole analysis first (every period, H3 cells, hot spots,
    /// staff layers), as `sigap serve` does, instead of the public figures alone; the
    /// files written are the same, only slower (for checking that they are).
    #[arg(long, hide = true)]
    full_analysis: bool,
}

pub fn run(args: &PublishArgs) -> Result<()> {
    let started = Instant::now();
    no_huge_pages();
    // The glyph ranges depend on nothing loaded: made on the other core meanwhile.
    let glyphs = std::thread::spawn(sigap::publish::glyphs);
    let config = super::load_config(args.config.as_deref())?;
    let full = args.full_analysis;
    let (revision, data, household_cells) = if let Some(db @ Db::Postgres(_)) = &args.db {
        // One snapshot of the database, the households' stored cells with it.
        let (revision, data) = super::open_store(db)?.load_revision()?;
        let cells = (!full).then(|| {
            sigap::public::CaseCells::of_households(&data.households, &data.household_cells)
        });
        (revision, data, cells)
    } else {
        let store = match &args.db {
            Some(Db::File(p)) if !p.exists() => bail!("no store at {}", p.display()),
            Some(Db::File(p)) => Store::open(p)?,
            _ => {
                tracing::info!("building the synthetic demo city in memory");
                super::demo_store()?
            }
        };
        // The households' H3 cells, stored with them (or found, for a store from
        // before they were), while the rest loads; the revision is the one every
        // layer was read at.
        store.load_side_by_side_with(|households, stored| {
            (!full).then(|| sigap::public::CaseCells::of_households(households, stored))
        })?
    };
    tracing::info!(
        villages = data.villages.len(),
        seconds = started.elapsed().as_secs_f64(),
        "store loaded; computing the public figures"
    );
    let snapshot = if args.full_analysis {
        Snapshot::build(revision, &data, &config)
    } else {
        Snapshot::build_public(revision, &data, &config, household_cells)
    };
    // Not freed: the process ends soon (see the end of this function), and
    // dropping every record here took 3-4 ms on the demo city.
    std::mem::forget(data);
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "public figures computed"
    );
    let state = AppState::new(
        config,
        snapshot,
        None,
        args.db.is_none(),
        sigap::assets::WebFiles::Embedded,
        Arc::new(Accounts::open_in_memory()?),
    );
    let options = sigap::publish::Options {
        periods: args.periods.clone(),
        url: args.url.clone(),
        glyphs: Some(
            glyphs
                .join()
                .map_err(|_| anyhow::anyhow!("encoding the glyph ranges failed"))??,
        ),
    };
    let s = sigap::publish::publish(&state, &args.out, &options)?;
    println!(
        "published {} ({} period{}: {}): {} tiles, {} bytes, {:.1} s",
        args.out.display(),
        s.periods.len(),
        if s.periods.len() == 1 { "" } else { "s" },
        s.periods.join(", "),
        s.tiles,
        s.bytes,
        started.elapsed().as_secs_f64()
    );
    // The process ends here: the system takes its memory back at once, where
    // dropping the snapshot (every record, tile source and view, in hundreds of
    // thousands of allocations) took 10-20 ms more on the demo city.
    std::mem::forget(state);
    Ok(())
}

/// Turns transparent huge pages off for this process. The allocator asks for them
/// (`madvise`), and this run is short: each first touch of a 2 MB page zeroed it
/// whole, about a third of the command's time on the demo city (measured: 0.3-0.4 s
/// of system time, 0.1 s without). `sigap serve`, long-lived, keeps them.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    if let Err(e) = rustix::thread::disable_transparent_huge_pages(true) {
        tracing::debug!(error = %e, "transparent huge pages left as they are");
    }
}
