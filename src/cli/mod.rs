//! The command line: what clap parses, and one module per command.
//!
//! `main.rs` sets up logging and calls [`run`]; each command's flags live beside its
//! code (`import.rs` has `ImportArgs`, `serve.rs` has `ServeArgs`), so a new flag or
//! command touches one file and the enum below.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

mod assign;
mod assignments;
mod campaign;
mod db;
mod identity;
mod import;
mod population;
mod publish;
mod roads;
mod route;
mod serve;
mod targets;
mod tools;
mod user;

pub use serve::demo_store;

/// Opens the store a command reads or changes: a GeoPackage file, which must exist
/// already (made by `sigap import`), or a PostgreSQL database made by `sigap db init`.
pub(crate) fn open_store(db: &sigap::store::Db) -> Result<sigap::store::AnyStore> {
    if let sigap::store::Db::File(path) = db
        && !path.exists()
    {
        anyhow::bail!("no store at {}", path.display());
    }
    Ok(sigap::store::AnyStore::open(db)?)
}

/// The config of `--config`, else `./sigap.toml` when present, else the defaults.
pub(crate) fn load_config(path: Option<&std::path::Path>) -> Result<sigap::config::Config> {
    use std::path::Path;
    Ok(match path {
        Some(p) => sigap::config::Config::from_file(p)?,
        None if Path::new("sigap.toml").exists() => {
            sigap::config::Config::from_file(Path::new("sigap.toml"))?
        }
        None => sigap::config::Config::default(),
    })
}

/// sigap: a spatial risk service for stunting reduction.
#[derive(Parser)]
#[command(version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the synthetic demo city (modelled on Kendari) as importable files.
    Demo {
        /// Folder to write villages.geojson, children.csv, households.csv, facilities.csv.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = sigap::demo::DEFAULT_SEED)]
        seed: u64,
    },
    /// Validate a layer and write it to the store, all or nothing.
    Import(import::ImportArgs),
    /// Record a campaign: one delivery of a programme to every recipient in a village.
    Campaign(campaign::CampaignArgs),
    /// List a GIS file's layers (or sheets): geometry type, feature count, CRS and fields.
    Layers { path: PathBuf },
    /// Serve the map, tiles and API (the demo city when no --db is given).
    Serve(serve::ServeArgs),
    /// Priority villages ranked by risk, with reasons and ±20% weight stability.
    Targets(targets::TargetsArgs),
    /// Add WHO 2006 z-scores (haz, waz, whz) and implausibility flags to a children CSV.
    Zscores {
        /// A children CSV (e-PPGBM export or sigap's columns).
        input: PathBuf,
        /// Where to write the result; stdout without it.
        #[arg(short, long)]
        out: Option<PathBuf>,
    },
    /// Print the H3 cell (and its boundary) of each `lat,lon` row read from stdin, as JSON lines.
    Cells {
        #[arg(long)]
        res: u8,
    },
    /// Smoothing and hot spots for given counts and neighbours (JSON in, JSON out), or
    /// with --villages-of a store's village adjacency.
    #[command(hide = true)]
    Stats {
        /// {events, bases, neighbours | cells (+k), values?, `min_base`?}
        #[arg(
            long,
            conflicts_with = "villages_of",
            required_unless_present = "villages_of"
        )]
        input: Option<PathBuf>,
        /// Print {codes, neighbours} for the villages of this store.
        #[arg(long)]
        villages_of: Option<PathBuf>,
    },
    /// Travel time and distance over the imported roads (motorbike, car or walking).
    TravelTime(roads::TravelTimeArgs),
    /// Share the stunted children among teams (OPDs or TPK): exact shares, compact areas.
    Assign(assign::AssignArgs),
    /// A team's visits for a day: most urgent first, ordered over the roads (table, JSON, GeoJSON, GPX).
    Route(route::RouteArgs),
    /// Order stops on a travel-time matrix read as JSON from stdin (for comparisons).
    #[command(hide = true)]
    Tour,
    /// Which team (OPD or TPK) visits which child: the field officers' scope.
    Assignments(assignments::AssignmentsArgs),
    /// Accounts: add, list, disable, enable, set a password.
    User {
        #[command(subcommand)]
        what: user::UserCommand,
    },
    /// Teams (OPDs or TPK teams) field officers belong to: add, list.
    Team {
        #[command(subcommand)]
        what: user::TeamCommand,
    },
    /// The identity key that seals names and addresses: rotate-key.
    Identity {
        #[command(subcommand)]
        what: identity::IdentityCommand,
    },
    /// API tokens for scripts: add, list, revoke.
    Token {
        #[command(subcommand)]
        what: user::TokenCommand,
    },
    /// The shared PostgreSQL store: make its schema (init) or check it (status).
    Db {
        #[command(subcommand)]
        what: db::DbCommand,
    },
    /// Write the public map as static files (PMTiles, the embed page) for any web server or CDN.
    Publish(publish::PublishArgs),
    /// Measure aggregation and tile encoding on deterministic data.
    Bench {
        #[command(subcommand)]
        what: crate::bench::BenchCommand,
    },
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Demo { out, seed } => demo(&out, seed),
        Command::Import(args) => import::run(args),
        Command::Campaign(args) => campaign::run(args),
        Command::Layers { path } => {
            for layer in sigap::ingest::gdal::layers(&path)? {
                println!("{layer}");
            }
            Ok(())
        }
        Command::Serve(args) => serve::run(args),
        Command::Targets(args) => targets::run(&args),
        Command::Zscores { input, out } => tools::zscores(&input, out.as_deref()),
        Command::Cells { res } => tools::cells(res),
        Command::Stats { input, villages_of } => {
            tools::stats(input.as_deref(), villages_of.as_deref())
        }
        Command::TravelTime(args) => roads::travel_time(&args),
        Command::Assign(args) => assign::run(&args),
        Command::Route(args) => route::route(&args),
        Command::Tour => route::tour_stdin(),
        Command::Assignments(args) => assignments::run(&args),
        Command::User { what } => user::run_user(what),
        Command::Token { what } => user::run_token(what),
        Command::Team { what } => user::run_team(what),
        Command::Identity { what } => identity::run(what),
        Command::Db { what } => db::run(&what),
        Command::Publish(args) => publish::run(&args),
        Command::Bench { what } => crate::bench::run(&what),
    }
}

fn demo(out: &std::path::Path, seed: u64) -> Result<()> {
    let s = sigap::demo::write_demo(out, seed)
        .with_context(|| format!("writing the demo city to {}", out.display()))?;
    println!(
        "demo city (synthetic) written to {}: {} kelurahan, {} children ({} stunted, {} severely), {} households, {} puskesmas, {} pustu, {} posyandu",
        out.display(),
        s.villages,
        s.children,
        s.stunted,
        s.severely_stunted,
        s.households,
        s.puskesmas,
        s.pustu,
        s.posyandu
    );
    Ok(())
}
