//! `sigap bench basemap`: building the basemap from the stored OpenStreetMap extract,
//! then encoding every basemap tile over the city at z10 to the basemap's deepest zoom
//! ([`sigap::basemap::MAX_ZOOM`]), one thread, no cache.

use anyhow::{Context, Result};
use geo::BoundingRect;
use sigap::basemap::Basemap;
use sigap::model::TileCoord;
use std::time::Instant;

/// The tile at zoom `z` holding WGS84 `lon, lat`.
fn tile_of(z: u8, lon: f64, lat: f64) -> (u32, u32) {
    let w = sigap::tiles::lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << z);
    (
        (w.x * n).clamp(0.0, n - 1.0) as u32,
        (w.y * n).clamp(0.0, n - 1.0) as u32,
    )
}

pub fn run(db: Option<&std::path::Path>, repeat: usize) -> Result<()> {
    let store = match db {
        Some(p) => sigap::store::Store::open(p)?,
        None => crate::cli::demo_store()?,
    };
    let data = store.load()?;
    let pbf = data
        .osm_extract
        .clone()
        .context("the store has no OpenStreetMap extract; run `sigap import roads` first")?;
    let mut builds = Vec::new();
    let mut basemap = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        basemap = Some(Basemap::build(Some(&pbf), &data.villages)?);
        builds.push(t.elapsed().as_secs_f64());
    }
    let basemap = basemap.context("built")?;
    println!(
        "{}",
        serde_json::json!({
            "bench": "basemap_build",
            "extract_bytes": pbf.len(),
            "villages": data.villages.len(),
            "median_s": super::median(builds),
        })
    );
    let bounds = data
        .villages
        .iter()
        .filter_map(|v| v.boundary.bounding_rect())
        .reduce(|a, b| {
            geo::Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
        .context("no villages")?;
    let (mut all_tiles, mut all_time) = (0usize, 0.0f64);
    for z in 10..=sigap::basemap::MAX_ZOOM {
        let (x0, y0) = tile_of(z, bounds.min().x, bounds.max().y);
        let (x1, y1) = tile_of(z, bounds.max().x, bounds.min().y);
        let coords: Vec<TileCoord> = (x0..=x1)
            .flat_map(|x| (y0..=y1).filter_map(move |y| TileCoord::new(z, x, y)))
            .collect();
        let (mut bytes, mut largest) = (0usize, 0usize);
        let mut times = Vec::new();
        for _ in 0..repeat.max(1) {
            let t = Instant::now();
            for c in &coords {
                let tile = basemap.render(*c);
                bytes += tile.len();
                largest = largest.max(tile.len());
            }
            times.push(t.elapsed().as_secs_f64());
        }
        let median = super::median(times);
        all_tiles += coords.len();
        all_time += median;
        println!(
            "{}",
            serde_json::json!({
                "bench": "basemap_tiles",
                "zoom": z,
                "tiles": coords.len(),
                "median_s": median,
                "tiles_per_s": coords.len() as f64 / median,
                "mean_bytes": bytes / (coords.len() * repeat.max(1)).max(1),
                "largest_bytes": largest,
            })
        );
    }
    println!(
        "{}",
        serde_json::json!({
            "bench": "basemap_tiles_all",
            "tiles": all_tiles,
            "median_s": all_time,
            "tiles_per_s": all_tiles as f64 / all_time,
        })
    );
    Ok(())
}
