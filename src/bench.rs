//! `sigap bench`: measurements on deterministic data, reported as JSON lines so the
//! scripts in `benches/` can put them beside the peers' figures.

use anyhow::{Context, Result};
use clap::Subcommand;
use sigap::config::Config;
use sigap::index::hex::count_points;
use sigap::model::TileCoord;
use sigap::tiles::source::TileSet;
use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::PathBuf;
use std::time::Instant;

mod basemap;
mod coverage;
mod national;
mod recompute;
mod synthetic;

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Count points per H3 cell: reads `lat,lon` rows from a file, prints timings and a
    /// checksum of the counts.
    Aggregate {
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 8)]
        res: u8,
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
    /// Encode every tile over the demo city at z10, z12, z13 and z14.
    Tiles {
        #[arg(long, default_value_t = 5)]
        repeat: usize,
        /// Folder for the hexagons the tiles hold (one GeoJSON file per resolution,
        /// polygons and centre points, with the tiles' properties) and the tiles
        /// timed (`tiles.json`), for `benches/postgis_mvt.py` to encode the same
        /// tiles with PostGIS `ST_AsMVT`.
        #[arg(long)]
        export: Option<std::path::PathBuf>,
    },
    /// Recompute every aggregate, smoothing and hot spot for rounds of synthetic
    /// children over the demo city; with --out, write what Gi* used for PySAL.
    Recompute {
        #[arg(long, default_value_t = 10)]
        periods: u32,
        /// Children measured per round.
        #[arg(long, default_value_t = 1_000_000)]
        children: usize,
        #[arg(long, default_value_t = synthetic::DEFAULT_SEED)]
        seed: u64,
        /// Folder for one JSON file per round and resolution (cells, counts,
        /// neighbour lists, values and Gi* z), read by benches/recompute.py.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Build the road graphs and the travel time to the nearest puskesmas from every
    /// resolution-9 cell (the demo city's, or the store's with --db).
    Roads {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
    /// Recompute the programmes' coverage of the latest round per village and per H3
    /// cell (the demo city's, or the store's with --db), with every child, household
    /// and delivery copied --scale times.
    Coverage {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 1)]
        scale: usize,
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
    /// A synthetic country (84,000 villages, 40 million households, 10 million
    /// children at --scale 1; deterministic) and the time and peak memory until its
    /// snapshot is ready to serve, with a checksum equal run to run.
    National {
        /// Fraction of the country, in (0, 1].
        #[arg(long, default_value_t = 0.01)]
        scale: f64,
        #[arg(long, default_value_t = synthetic::DEFAULT_SEED)]
        seed: u64,
        /// Measurement rounds, each with every child of the scale.
        #[arg(long, default_value_t = 1)]
        rounds: u32,
        /// Time the snapshot built after the last round is imported again with some
        /// children changed (reusing the other rounds' analyses) against a full one.
        #[arg(long)]
        incremental: bool,
        #[arg(long, default_value_t = 2)]
        repeat: usize,
    },
    /// Build the basemap from the stored OpenStreetMap extract (the demo city's, or
    /// the store's with --db) and encode every basemap tile over the city at z10-z16.
    Basemap {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long, default_value_t = 5)]
        repeat: usize,
    },
}

pub fn run(cmd: &BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Aggregate { input, res, repeat } => aggregate(input, *res, *repeat),
        BenchCommand::Tiles { repeat, export } => tiles(*repeat, export.as_deref()),
        BenchCommand::Recompute {
            periods,
            children,
            seed,
            out,
        } => recompute::run(*periods, *children, *seed, out.as_deref()),
        BenchCommand::Roads { db, repeat } => roads(db.as_deref(), *repeat),
        BenchCommand::Basemap { db, repeat } => basemap::run(db.as_deref(), *repeat),
        BenchCommand::National {
            scale,
            seed,
            rounds,
            incremental,
            repeat,
        } => national::run(*scale, *seed, *rounds, *incremental, *repeat),
        BenchCommand::Coverage { db, scale, repeat } => {
            coverage::run(db.as_deref(), *scale, *repeat)
        }
    }
}

fn roads(db: Option<&std::path::Path>, repeat: usize) -> Result<()> {
    let store = match db {
        Some(p) => sigap::store::Store::open(p)?,
        None => crate::cli::demo_store()?,
    };
    let mut data = store.load()?;
    if let Some(latest) = data.latest_period() {
        data = data.of_period(latest);
    }
    let network = data
        .roads
        .clone()
        .context("the store has no road network")?;
    let config = Config::default();
    let speeds = config.roads.speeds().map_err(anyhow::Error::msg)?;
    let mut build = Vec::new();
    let mut roads = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        roads = Some(sigap::roads::Roads::new((*network).clone(), speeds.clone()));
        build.push(t.elapsed().as_secs_f64());
    }
    let roads = roads.context("built")?;
    println!(
        "{}",
        serde_json::json!({
            "bench": "roads_graph",
            "nodes": network.nodes.len(),
            "segments": network.segments.len(),
            "median_s": median(build),
        })
    );
    let analysis = sigap::analysis::Analysis::compute(&data, &config);
    let res9 = h3o::Resolution::Nine;
    let cells: Vec<[f64; 2]> = analysis
        .hexes_at(res9)
        .iter()
        .map(|h| {
            let ll = h3o::LatLng::from(h.cell);
            [ll.lng(), ll.lat()]
        })
        .collect();
    let puskesmas: Vec<[f64; 2]> = data
        .facilities
        .iter()
        .filter(|f| f.kind == sigap::model::FacilityKind::Puskesmas)
        .map(|f| [f.location.x(), f.location.y()])
        .collect();
    let mut times = Vec::new();
    let mut reached = 0;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let c = roads.catchment(config.roads.access_mode, &puskesmas);
        reached = cells.iter().filter(|p| c.from(**p).is_some()).count();
        times.push(t.elapsed().as_secs_f64());
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "access_res9",
            "cells": cells.len(),
            "reached": reached,
            "puskesmas": puskesmas.len(),
            "median_s": median(times),
        })
    );
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn aggregate(input: &PathBuf, res: u8, repeat: usize) -> Result<()> {
    let res = h3o::Resolution::try_from(res).context("res must be 0..15")?;
    let file =
        std::fs::File::open(input).with_context(|| format!("opening {}", input.display()))?;
    let mut points = Vec::new();
    for line in std::io::BufReader::new(file).lines() {
        let line = line?;
        let mut it = line.split(',');
        if let (Some(a), Some(b)) = (it.next(), it.next())
            && let (Ok(lat), Ok(lon)) = (a.parse::<f64>(), b.parse::<f64>())
        {
            points.push(geo::Point::new(lon, lat));
        }
    }
    let mut times = Vec::new();
    let mut counts = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        counts = count_points(&points, res);
        times.push(t.elapsed().as_secs_f64());
    }
    let single = rayon::ThreadPoolBuilder::new().num_threads(1).build()?;
    let mut times1 = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let c = single.install(|| count_points(&points, res));
        times1.push(t.elapsed().as_secs_f64());
        assert_eq!(c.len(), counts.len());
    }
    // Order-independent checksum the Python side recomputes: sum of count * (cell mod 1e9+7).
    let checksum: u64 = counts
        .iter()
        .map(|(cell, n)| (u64::from(*cell) % 1_000_000_007) * u64::from(*n))
        .fold(0u64, u64::wrapping_add);
    let best = median(times);
    let best1 = median(times1);
    println!(
        "{}",
        serde_json::json!({
            "bench": "aggregate",
            "points": points.len(),
            "res": u8::from(res),
            "cells": counts.len(),
            "checksum": checksum,
            "threads": rayon::current_num_threads(),
            "median_s": best,
            "points_per_s": points.len() as f64 / best,
            "median_s_1thread": best1,
            "points_per_s_1thread": points.len() as f64 / best1,
        })
    );
    Ok(())
}

fn tiles(repeat: usize, export: Option<&std::path::Path>) -> Result<()> {
    let store = crate::cli::demo_store()?;
    let mut data = store.load()?;
    // The tiles a viewer gets by default: the latest measurement round.
    if let Some(latest) = data.latest_period() {
        data = data.of_period(latest);
    }
    let config = Config::default();
    let analysis = std::sync::Arc::new(sigap::analysis::Analysis::compute(&data, &config));
    let sources = sigap::tiles::source::TileSources::build(&analysis);
    let b = analysis.bounds.context("demo has no extent")?;
    // Per zoom, `[x, y, hexagons]` of every tile timed.
    let mut timed: BTreeMap<u8, Vec<[usize; 3]>> = BTreeMap::new();
    for z in [10u8, 12, 13, 14] {
        let (x0, y0) = tile_xy(b.min().x, b.max().y, z);
        let (x1, y1) = tile_xy(b.max().x, b.min().y, z);
        let mut per_tile = Vec::new();
        let mut features = 0usize;
        let mut bytes = 0usize;
        let mut total_time = 0.0;
        let mut gzip_times = Vec::new();
        for x in x0..=x1 {
            for y in y0..=y1 {
                let coord = TileCoord::new(z, x, y).context("tile in range")?;
                let n = sources.candidates(TileSet::Hexes, coord);
                if n == 0 {
                    continue;
                }
                let mut t = Vec::new();
                for _ in 0..repeat.max(1) {
                    let s = Instant::now();
                    let out = sources.render(TileSet::Hexes, coord);
                    t.push(s.elapsed().as_secs_f64());
                    bytes = bytes.max(out.len());
                    let s = Instant::now();
                    let _ = sigap::http::state::EncodedTile::new(out);
                    gzip_times.push(s.elapsed().as_secs_f64());
                }
                timed
                    .entry(z)
                    .or_default()
                    .push([x as usize, y as usize, n]);
                let m = median(t);
                total_time += m;
                features += n;
                per_tile.push(m);
            }
        }
        let tiles = per_tile.len();
        println!(
            "{}",
            serde_json::json!({
                "bench": "tile_encode",
                "zoom": z,
                "hex_res": u8::from(sigap::tiles::source::hex_resolution_for_zoom(z)),
                "tiles": tiles,
                "hexagons": features,
                "median_ms_per_tile": median(per_tile) * 1e3,
                "us_per_hexagon": total_time / features.max(1) as f64 * 1e6,
                "largest_tile_bytes": bytes,
                "median_ms_gzip_and_etag": median(gzip_times) * 1e3,
            })
        );
    }
    if let Some(dir) = export {
        export_hexes(dir, &analysis, &timed)?;
    }
    Ok(())
}

/// Writes `hexes_r<res>.geojson` and `centres_r<res>.geojson` (WGS84) for every
/// resolution of `analysis`, with the properties the tiles carry
/// ([`sigap::tiles::source::hex_properties`]), and `tiles.json`: per zoom, the
/// `[x, y, hexagons]` of every tile `sigap bench tiles` timed.
fn export_hexes(
    dir: &std::path::Path,
    analysis: &sigap::analysis::Analysis,
    timed: &BTreeMap<u8, Vec<[usize; 3]>>,
) -> Result<()> {
    use sigap::tiles::mvt::PropValue;
    std::fs::create_dir_all(dir)?;
    for (res, cells) in &analysis.hexes {
        let (mut polygons, mut centres) = (Vec::new(), Vec::new());
        for h in cells {
            let properties: serde_json::Map<String, serde_json::Value> =
                sigap::tiles::source::hex_properties(h.cell, &h.stats)
                    .iter()
                    .map(|(k, v)| {
                        let v = match v {
                            PropValue::String(s) => serde_json::json!(s),
                            PropValue::Int(i) => serde_json::json!(i),
                            PropValue::Double(f) => serde_json::json!(f),
                            PropValue::Float(f) => serde_json::json!(f),
                            PropValue::Bool(b) => serde_json::json!(b),
                        };
                        (k.to_string(), v)
                    })
                    .collect();
            let mut ring: Vec<[f64; 2]> = h
                .cell
                .boundary()
                .iter()
                .map(|ll| [ll.lng(), ll.lat()])
                .collect();
            ring.push(ring[0]);
            let centre = h3o::LatLng::from(h.cell);
            polygons.push(
                serde_json::json!({"type": "Feature", "properties": properties,
                "geometry": {"type": "Polygon", "coordinates": [ring]}}),
            );
            centres.push(
                serde_json::json!({"type": "Feature", "properties": properties,
                "geometry": {"type": "Point", "coordinates": [centre.lng(), centre.lat()]}}),
            );
        }
        for (name, features) in [("hexes", polygons), ("centres", centres)] {
            let path = dir.join(format!("{name}_r{}.geojson", u8::from(*res)));
            let collection = serde_json::json!({"type": "FeatureCollection", "features": features});
            std::fs::write(&path, serde_json::to_vec(&collection)?)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    std::fs::write(dir.join("tiles.json"), serde_json::to_vec(timed)?)?;
    Ok(())
}

/// # Units
/// In: WGS84 degrees. Out: XYZ tile column and row at zoom `z`.
fn tile_xy(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let n = f64::from(1u32 << z);
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - lat.to_radians().tan().asinh() / std::f64::consts::PI) / 2.0 * n;
    (x as u32, y as u32)
}
