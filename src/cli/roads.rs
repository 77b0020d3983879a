//! `sigap import roads` and `sigap travel-time`.

use anyhow::{Context, Result, bail};
use sigap::roads::{Mode, Roads, RoadsError, Trip};
use sigap::store::{AnyStore, Db};
use std::path::{Path, PathBuf};

/// A point farther than this from every road (metres) is refused by `travel-time`:
/// almost always swapped or mistyped coordinates.
const MAX_OFFROAD_M: f64 = 5_000.0;

/// Reads an OSM PBF extract and stores its routable roads.
pub fn import_roads(db: &Db, path: &Path, config: Option<&Path>, check: bool) -> Result<()> {
    let config = super::load_config(config)?;
    let speeds = config.roads.speeds().map_err(anyhow::Error::msg)?;
    let (network, report) = sigap::roads::import_pbf(path, &speeds)?;
    for m in &report.modes {
        println!(
            "{:<9} {:>7} nodes kept, {:>6} cut off in {} smaller component(s)",
            m.mode.as_str(),
            m.kept_nodes,
            m.nodes - m.kept_nodes,
            m.other_components
        );
    }
    let summary = format!(
        "{} ways read ({} other highway ways skipped, {} missing node references): {} nodes, {} segments, {:.1} km kept of {} nodes, {} segments",
        report.read.ways,
        report.read.ways_skipped,
        report.read.missing_nodes,
        report.kept_nodes,
        report.kept_segments,
        report.kept_km,
        report.nodes,
        report.segments
    );
    if check {
        println!(
            "checked {}: {summary}; nothing written (--check)",
            path.display()
        );
        return Ok(());
    }
    let mut store = AnyStore::open(db)?;
    let json = serde_json::to_string(&report)?;
    let pbf = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    store.write_osm_extract(&report.file, &pbf)?;
    let revision = store.write_roads(&network, &report.file, &json)?;
    println!(
        "imported roads from {}: {summary} (store revision {revision})",
        path.display()
    );
    Ok(())
}

/// Travel time and distance over the roads.
#[derive(clap::Args)]
pub struct TravelTimeArgs {
    /// The store holding the road network.
    #[arg(long)]
    db: Db,
    /// Origin as LAT,LON (WGS84 degrees).
    #[arg(long, value_parser = sigap::roads::parse_latlon, required_unless_present_any = ["pairs", "matrix"], allow_hyphen_values = true)]
    from: Option<[f64; 2]>,
    /// Destination as LAT,LON.
    #[arg(long, value_parser = sigap::roads::parse_latlon, required_unless_present_any = ["pairs", "matrix"], allow_hyphen_values = true)]
    to: Option<[f64; 2]>,
    #[arg(long, value_enum, default_value_t = Mode::Motorbike)]
    mode: Mode,
    /// A CSV of `from_lat,from_lon,to_lat,to_lon` rows: prints one CSV row per pair
    /// (`secs,metres,offroad_m`), for scripts.
    #[arg(long, conflicts_with_all = ["from", "to"])]
    pairs: Option<PathBuf>,
    /// A CSV of `lat,lon` points: prints the travel-time matrix between them as JSON
    /// (`{"secs": [[...]]}`, one search per row).
    #[arg(long, conflicts_with_all = ["from", "to", "pairs"])]
    matrix: Option<PathBuf>,
    /// Print JSON (with the route's points) instead of a sentence.
    #[arg(long)]
    json: bool,
    /// Config file with `[roads]` speeds (default: ./sigap.toml when present).
    #[arg(long)]
    config: Option<PathBuf>,
}

/// The stored network with the configured speeds.
pub(crate) fn load_roads(db: &Db, config: Option<&Path>) -> Result<Roads> {
    let config = super::load_config(config)?;
    let speeds = config.roads.speeds().map_err(anyhow::Error::msg)?;
    let mut store = super::open_store(db)?;
    let stored = store.roads()?.ok_or(RoadsError::NotImported)?;
    Ok(Roads::new(stored.network, speeds))
}

fn check_near(roads: &Roads, mode: Mode, what: &'static str, p: [f64; 2]) -> Result<()> {
    let snap = roads
        .snap(mode, p)
        .with_context(|| format!("the road network has no road open to {mode}"))?;
    if snap.offroad_m > MAX_OFFROAD_M {
        return Err(RoadsError::FarFromRoads {
            what,
            lat: p[1],
            lon: p[0],
            metres: snap.offroad_m,
            mode,
        }
        .into());
    }
    Ok(())
}

/// Minutes and seconds, e.g. `12 min 05 s`.
fn clock(secs: f64) -> String {
    let s = secs.round() as u64;
    if s >= 3600 {
        format!("{} h {:02} min {:02} s", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

pub fn travel_time(args: &TravelTimeArgs) -> Result<()> {
    let roads = load_roads(&args.db, args.config.as_deref())?;
    let mode = args.mode;
    if let Some(pairs) = &args.pairs {
        return travel_pairs(&roads, mode, pairs);
    }
    if let Some(points) = &args.matrix {
        return travel_matrix(&roads, mode, points);
    }
    let (Some(from), Some(to)) = (args.from, args.to) else {
        bail!("give --from and --to, or --pairs");
    };
    check_near(&roads, mode, "origin", from)?;
    check_near(&roads, mode, "destination", to)?;
    let trip: Trip = roads
        .trip(mode, from, to)
        .context("no route between the two points")?;
    if args.json {
        println!("{}", serde_json::to_string(&trip)?);
    } else {
        println!(
            "{} by {}: {:.2} km ({:.0} m of it on foot to and from the road), straight line {:.2} km",
            clock(trip.secs),
            mode,
            trip.metres / 1000.0,
            trip.offroad_m,
            sigap::roads::haversine_m(from, to) / 1000.0
        );
    }
    Ok(())
}

/// The numeric fields `names` (in that order, by position) of every row of a CSV
/// with a header; a bad field names file, line and field.
fn numeric_rows(path: &Path, names: &[&str]) -> Result<Vec<Vec<f64>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .with_context(|| format!("reading {}", path.display()))?;
    let mut out = Vec::new();
    for (i, row) in reader.records().enumerate() {
        let line = i + 2;
        let row = row.with_context(|| format!("{}:{line}", path.display()))?;
        let values = names
            .iter()
            .enumerate()
            .map(|(k, name)| {
                row.get(k)
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .with_context(|| {
                        format!("{}:{line}: field {name}: not a number", path.display())
                    })
            })
            .collect::<Result<Vec<f64>>>()?;
        out.push(values);
    }
    Ok(out)
}

fn travel_pairs(roads: &Roads, mode: Mode, path: &Path) -> Result<()> {
    let rows = numeric_rows(path, &["from_lat", "from_lon", "to_lat", "to_lon"])?;
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(["secs", "metres", "offroad_m"])?;
    for r in rows {
        match roads.trip(mode, [r[1], r[0]], [r[3], r[2]]) {
            Some(t) => out.write_record([
                t.secs.to_string(),
                format!("{:.3}", t.metres),
                format!("{:.3}", t.offroad_m),
            ])?,
            None => out.write_record(["", "", ""])?,
        }
    }
    out.flush()?;
    Ok(())
}

fn travel_matrix(roads: &Roads, mode: Mode, path: &Path) -> Result<()> {
    let points: Vec<[f64; 2]> = numeric_rows(path, &["lat", "lon"])?
        .into_iter()
        .map(|r| [r[1], r[0]])
        .collect();
    let started = std::time::Instant::now();
    let secs = roads.matrix(mode, &points);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let rows: Vec<Vec<Option<f64>>> = secs
        .iter()
        .map(|r| r.iter().map(|x| x.is_finite().then_some(*x)).collect())
        .collect();
    println!(
        "{}",
        serde_json::json!({ "secs": rows, "mode": mode, "matrix_ms": ms })
    );
    Ok(())
}
