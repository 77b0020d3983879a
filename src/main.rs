//! The `sigap` command line: parse, set up logging, run one subcommand.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use sigap::config::Config;
use sigap::http::{AppState, Snapshot};
use sigap::ingest::population::PopulationOptions;
use sigap::ingest::{ImportOptions, PseudonymKey};
use sigap::model::LayerKind;
use sigap::store::Store;
use std::io::{BufRead, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

mod bench;

/// sigap: a spatial risk service for stunting reduction.
#[derive(Parser)]
#[command(version, about)]
struct Cli {
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
    Import {
        /// The store (a GeoPackage file; created if missing).
        #[arg(long)]
        db: PathBuf,
        /// Pseudonymisation key file (default: DB.key beside the store; created if missing).
        #[arg(long)]
        key: Option<PathBuf>,
        /// Write the valid rows and put the rejected ones in a rejects file.
        #[arg(long)]
        skip_invalid: bool,
        /// Where to write rejected rows (default: INPUT.rejects.csv).
        #[arg(long)]
        rejects: Option<PathBuf>,
        /// Replace the layer instead of adding to it.
        #[arg(long)]
        replace: bool,
        /// Source CRS when the file has none or a wrong one, e.g. EPSG:32751.
        #[arg(long)]
        crs: Option<String>,
        /// Layer (or sheet) to read from a file that has several.
        #[arg(long)]
        layer: Option<String>,
        /// Map a field to a column the importer does not recognise: FIELD=COLUMN (repeatable).
        #[arg(long = "map", value_parser = parse_mapping)]
        map: Vec<(String, String)>,
        /// Dry run: report the column mapping and every problem, write nothing.
        #[arg(long)]
        check: bool,
        /// The raster band holding the counts (population only; default 1).
        #[arg(long)]
        band: Option<usize>,
        kind: ImportKind,
        path: PathBuf,
    },
    /// List a GIS file's layers (or sheets): geometry type, feature count, CRS and fields.
    Layers { path: PathBuf },
    /// Serve the map, tiles and API (the demo city when no --db is given).
    Serve {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
        /// Risk weights and server settings (default: ./sigap.toml if present).
        #[arg(long)]
        config: Option<PathBuf>,
        /// The viewer's static files.
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// Where npm installed maplibre-gl (`node_modules`).
        #[arg(long)]
        vendor_dir: Option<PathBuf>,
    },
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
    /// Measure aggregation and tile encoding on deterministic data.
    Bench {
        #[command(subcommand)]
        what: bench::BenchCommand,
    },
}

fn main() -> Result<()> {
    init_tracing();
    let cli = Cli::parse();
    match cli.command {
        Command::Demo { out, seed } => {
            let s = sigap::demo::write_demo(&out, seed)
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
        Command::Import {
            db,
            key,
            skip_invalid,
            rejects,
            replace,
            crs,
            layer,
            map,
            check,
            band,
            kind,
            path,
        } => match kind {
            ImportKind::Layer(kind) => {
                if band.is_some() {
                    bail!("--band is for population rasters only");
                }
                import(
                    &db,
                    key,
                    kind,
                    &path,
                    &ImportOptions {
                        skip_invalid,
                        rejects_path: rejects,
                        replace,
                        crs,
                        layer,
                        map,
                        check,
                    },
                )
            }
            ImportKind::Population => {
                let unused = [
                    ("--key", key.is_some()),
                    ("--skip-invalid", skip_invalid),
                    ("--rejects", rejects.is_some()),
                    ("--layer", layer.is_some()),
                    ("--map", !map.is_empty()),
                ];
                let opts = PopulationOptions {
                    crs,
                    band: band.unwrap_or(1),
                    check,
                };
                import_population(&db, &path, &unused, &opts)
            }
        },
        Command::Layers { path } => {
            for layer in sigap::ingest::gdal::layers(&path)? {
                println!("{layer}");
            }
            Ok(())
        }
        Command::Serve {
            db,
            addr,
            config,
            web_dir,
            vendor_dir,
        } => serve(db.as_ref(), addr, config, web_dir, vendor_dir),
        Command::Zscores { input, out } => zscores(&input, out.as_deref()),
        Command::Cells { res } => cells(res),
        Command::Stats { input, villages_of } => stats(input.as_deref(), villages_of.as_deref()),
        Command::Bench { what } => bench::run(&what),
    }
}

/// What `sigap import` reads: one of the vector layers, or a population raster.
#[derive(Clone, Copy)]
enum ImportKind {
    Layer(LayerKind),
    Population,
}

impl clap::ValueEnum for ImportKind {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<ImportKind>> = LazyLock::new(|| {
            LayerKind::value_variants()
                .iter()
                .map(|k| ImportKind::Layer(*k))
                .chain([ImportKind::Population])
                .collect()
        });
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            Self::Layer(kind) => kind.to_possible_value(),
            Self::Population => Some(
                clap::builder::PossibleValue::new("population")
                    .help("a raster of counts per pixel (GeoTIFF), summed into cells and villages"),
            ),
        }
    }
}

/// Parses `FIELD=COLUMN` for `--map`.
fn parse_mapping(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((f, c)) if !f.trim().is_empty() && !c.trim().is_empty() => {
            Ok((f.trim().to_ascii_lowercase(), c.trim().to_owned()))
        }
        _ => Err(format!("expected FIELD=COLUMN, e.g. lat=LINTANG, not {s}")),
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("SIGAP_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("SIGAP_LOG_FORMAT").is_ok_and(|v| v == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

fn key_path(db: &Path, key: Option<PathBuf>) -> PathBuf {
    key.unwrap_or_else(|| {
        let mut p = db.as_os_str().to_owned();
        p.push(".key");
        PathBuf::from(p)
    })
}

fn import(
    db: &Path,
    key: Option<PathBuf>,
    kind: LayerKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<()> {
    if opts.check {
        return check(db, key, kind, path, opts);
    }
    let key = PseudonymKey::load_or_create(&key_path(db, key))?;
    let mut store = Store::open(db)?;
    match sigap::ingest::import_file(&mut store, kind, path, &key, opts) {
        Ok(s) => {
            println!(
                "imported {} {} from {}: {} written, {} rejected{}",
                s.read,
                s.kind,
                s.path.display(),
                s.written,
                s.rejected,
                s.rejects_file
                    .as_ref()
                    .map(|f| format!(" (see {})", f.display()))
                    .unwrap_or_default()
            );
            print_notes(&s);
            Ok(())
        }
        Err(e) => {
            eprintln!("{e}");
            bail!(
                "import of {} failed; the store is unchanged",
                path.display()
            )
        }
    }
}

/// `import --check`: validates like an import, prints the column mapping and every
/// problem, and fails if any record would be rejected. Creates neither the store nor
/// the key: a missing store is read as empty, a missing key replaced by a throwaway
/// one (no stored pseudonym could match it anyway).
fn check(
    db: &Path,
    key: Option<PathBuf>,
    kind: LayerKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<()> {
    let key_file = key_path(db, key);
    let key = if key_file.exists() {
        PseudonymKey::load_or_create(&key_file)?
    } else {
        PseudonymKey::from_bytes([0; 32])
    };
    let mut store = if db.exists() {
        Store::open(db)?
    } else {
        Store::open_in_memory()?
    };
    let s = match sigap::ingest::import_file(&mut store, kind, path, &key, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            bail!("check of {} failed; nothing was written", path.display())
        }
    };
    println!(
        "check of {} from {}: {} read, {} valid, {} rejected; nothing written",
        s.kind,
        s.path.display(),
        s.read,
        s.read - s.rejected,
        s.rejected
    );
    if let Some(columns) = &s.columns {
        print!("{columns}");
    }
    for problem in &s.problems {
        println!("{problem}");
    }
    print_notes(&s);
    if s.rejected > 0 {
        bail!("{} records would be rejected", s.rejected);
    }
    Ok(())
}

/// Prints what the import changed or noticed beyond the counts: children placed by
/// village, boundaries repaired, overlaps and gaps between villages.
fn print_notes(s: &sigap::ingest::ImportSummary) {
    let n = &s.notes;
    if n.placed_by_village > 0 {
        println!(
            "{} children had no coordinates and were placed at their village",
            n.placed_by_village
        );
    }
    if n.village_mismatches > 0 {
        println!(
            "{} children have coordinates outside the village their village_code names \
             (kept where measured)",
            n.village_mismatches
        );
    }
    if n.haz_disagreements > 0 {
        let lines: Vec<String> = n
            .haz_disagreement_lines
            .iter()
            .map(u64::to_string)
            .collect();
        println!(
            "{} children have a haz that differs by more than {} from the WHO z-score \
             computed from sex, dates and height (kept as supplied; first: {})",
            n.haz_disagreements,
            sigap::ingest::zscores::HAZ_TOLERANCE,
            lines.join(", ")
        );
    }
    if !n.repairs.is_empty() {
        println!("{} village boundaries repaired:", n.repairs.len());
        for (code, what) in &n.repairs {
            println!("  {code}: {what}");
        }
    }
    if let Some(t) = &s.topology {
        for overlap in &t.overlaps {
            println!("{overlap}");
        }
        for gap in &t.gaps {
            println!("{gap}");
        }
        if t.is_clean() {
            println!("villages: no overlaps or gaps between them");
        }
    }
}

/// `sigap import population`: sums a raster into cells and villages, replacing the
/// previous one. `unused` lists the vector-import options and whether each was given.
fn import_population(
    db: &Path,
    path: &Path,
    unused: &[(&str, bool)],
    opts: &PopulationOptions,
) -> Result<()> {
    if let Some((flag, _)) = unused.iter().find(|(_, given)| *given) {
        bail!("{flag} does not apply to population rasters");
    }
    let mut store = Store::open(db)?;
    let s = match sigap::ingest::population::import_population(&mut store, path, opts) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            bail!(
                "import of {} failed; the store is unchanged",
                path.display()
            );
        }
    };
    let t = &s.totals;
    let n = &s.subdivision;
    println!(
        "{} population from {} ({}x{} pixels of {:.1} m, {}): total {:.1}, in villages {:.1}, \
         outside villages {:.1} (beyond the villages' extent, in no cell: {:.1})",
        if s.revision.is_some() {
            "imported"
        } else {
            "checked (nothing written)"
        },
        s.path.display(),
        s.size.0,
        s.size.1,
        s.pixel_edge_m,
        s.crs,
        t.total,
        t.total - t.outside,
        t.outside,
        t.beyond
    );
    println!(
        "pixels: {} counted, {} nodata skipped, {} negative skipped",
        s.valid, s.nodata, s.negative
    );
    let per_res: Vec<String> = sigap::index::hex::RESOLUTIONS
        .iter()
        .zip(n.cells.iter().zip(s.cells))
        .map(|(r, (n, cells))| format!("res {}: {n}x{n}, {cells} cells", u8::from(*r)))
        .collect();
    println!(
        "sub-pixels per pixel: {}; villages: {}x{}",
        per_res.join("; "),
        n.villages,
        n.villages
    );
    Ok(())
}

/// Builds the demo city the way a user would: write its files, import them.
pub(crate) fn demo_store() -> Result<Store> {
    Ok(sigap::demo::default_demo_store()?)
}

/// `dir` if given, else `name` in the working directory, else beside the sources.
fn resolve_dir(dir: Option<PathBuf>, name: &str) -> PathBuf {
    dir.unwrap_or_else(|| {
        let here = PathBuf::from(name);
        if here.exists() {
            here
        } else {
            Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
        }
    })
}

fn serve(
    db: Option<&PathBuf>,
    addr: SocketAddr,
    config: Option<PathBuf>,
    web_dir: Option<PathBuf>,
    vendor_dir: Option<PathBuf>,
) -> Result<()> {
    let config = match config {
        Some(p) => Config::from_file(&p)?,
        None if Path::new("sigap.toml").exists() => Config::from_file(Path::new("sigap.toml"))?,
        None => Config::default(),
    };
    let demo = db.is_none();
    let store = if let Some(p) = db {
        if !p.exists() {
            bail!(
                "no store at {}; create one with `sigap import --db {} villages FILE`",
                p.display(),
                p.display()
            );
        }
        Store::open(p)?
    } else {
        tracing::info!("building the synthetic demo city in memory");
        demo_store()?
    };
    let revision = store.revision()?;
    let data = store.load()?;
    let snapshot = Snapshot::build(revision, &data, &config);
    tracing::info!(
        villages = data.villages.len(),
        children = data.children.len(),
        households = data.households.len(),
        facilities = data.facilities.len(),
        "data loaded"
    );
    let state = AppState::new(
        config,
        snapshot,
        db.is_some().then_some(store),
        demo,
        resolve_dir(web_dir, "web"),
        resolve_dir(vendor_dir, "node_modules"),
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("cannot listen on {addr}"))?;
        let local = listener.local_addr()?;
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

fn cells(res: u8) -> Result<()> {
    let res = h3o::Resolution::try_from(res).context("res must be 0..15")?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, line) in stdin.lock().lines().enumerate() {
        let line = line?;
        let mut parts = line.split(',');
        let (Some(a), Some(b)) = (parts.next(), parts.next()) else {
            continue;
        };
        let (Ok(lat), Ok(lon)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) else {
            if i == 0 {
                continue; // header
            }
            bail!("stdin line {}: expected lat,lon, got {line}", i + 1);
        };
        let cell = sigap::index::hex::cell_of(geo::Point::new(lon, lat), res)
            .with_context(|| format!("stdin line {}: not a valid coordinate", i + 1))?;
        let boundary: Vec<[f64; 2]> = cell
            .boundary()
            .iter()
            .map(|ll| [ll.lat(), ll.lng()])
            .collect();
        writeln!(
            out,
            "{}",
            serde_json::json!({ "h3": cell.to_string(), "boundary": boundary })
        )?;
    }
    Ok(())
}

fn stats(input: Option<&Path>, villages_of: Option<&Path>) -> Result<()> {
    let json = if let Some(db) = villages_of {
        let villages = Store::open(db)?.villages()?;
        serde_json::json!({
            "codes": villages.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(),
            "neighbours": sigap::index::neighbours::village_neighbours(&villages),
        })
    } else {
        let path = input.context("give --input or --villages-of")?;
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed: sigap::index::spatial_stats::StatsInput =
            serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))?;
        serde_json::to_value(sigap::index::spatial_stats::compute(&parsed)?)?
    };
    println!("{json}");
    Ok(())
}

fn zscores(input: &Path, out: Option<&Path>) -> Result<()> {
    use sigap::ingest::zscores::add_zscores;
    let summary = match out {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?;
            add_zscores(input, std::io::BufWriter::new(file))?
        }
        None => add_zscores(input, std::io::stdout().lock())?,
    };
    eprint!("{summary}");
    Ok(())
}
