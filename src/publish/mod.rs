//! The public map as files: what `sigap publish --out DIR` writes so that a city can
//! host its stunting map on any web server or CDN with no sigap running.
//!
//! Everything comes from the same place as the server's public answers, so the
//! files say exactly what `/public` would: the tiles are
//! [`crate::public::tiles::PublicTiles`] renders (suppression applied, H3 no finer
//! than resolution 8), the JSON is the body of `/public/api/summary`,
//! `/public/api/villages` and `/public/api/coverage`. This module sits after
//! [`crate::http`] in the pipeline: it reads the server's state and answers, never a
//! request.
//!
//! `sigap publish` hands it a [`crate::http::Snapshot::build_public`] snapshot (the
//! public figures alone); the files are the same as from the server's full one.
//!
//! The steps (1 for every period side by side with 2 and 3):
//! 1. **tiles**: for each period, both public layers (`villages`, `hexes`) in one
//!    tile per z/x/y (the two layers' MVT bytes one after the other, as protobuf
//!    allows), every zoom the public TileJSON announces, into a PMTiles v3 archive
//!    ([`crate::tiles::pmtiles`]);
//! 2. **basemap**: the basemap's tiles over the villages (grown by a margin) into
//!    `basemap.pmtiles`, its style pointing there, and the glyph ranges the labels use;
//! 3. **page**: the embed page (`index.html`) and the snippet page, MapLibre, the
//!    `pmtiles` protocol and the embed's scripts, and `snippet.html`'s iframe code;
//! 4. **swap**: all of it goes to a folder beside `DIR`, renamed to `DIR` at the end,
//!    so a failed run leaves the previous map in place.
//!
//! Periods: `DIR/sigap.pmtiles` and `DIR/data/` hold the default (latest) period;
//! each other period published has `DIR/periods/YYYY-MM/` with its own
//! `sigap.pmtiles`, `summary.json`, `villages.json` and `coverage.json`; the embed's
//! `?period=` picks one, and the summaries list only the periods published.

mod archive;
mod site;

pub use site::{Glyphs, glyphs};

use crate::http::AppState;
use crate::http::error::ApiError;
use crate::model::Period;
use crate::tiles::mercator::lonlat_to_world;
use crate::tiles::pmtiles::{ArchiveInfo, PmtilesError};
use geo::Rect;
use rayon::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The file name of the public archive (in `DIR` and in each period's folder).
pub const ARCHIVE: &str = "sigap.pmtiles";
/// The file name of the basemap archive.
pub const BASEMAP_ARCHIVE: &str = "basemap.pmtiles";
/// How far the basemap reaches beyond the villages, as a share of their extent.
const BASEMAP_MARGIN: f64 = 0.25;

/// Why the map could not be published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A file or folder could not be written or moved: a full disk, no permission
    /// on `DIR`'s parent, or `DIR` on another file system than its parent.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// `DIR` exists and is not an earlier `sigap publish` output: sigap does not
    /// replace a folder it did not write. Choose another `--out` or empty it.
    #[error(
        "{} exists and holds no {ARCHIVE}; sigap replaces only a folder it published before",
        .0.display()
    )]
    NotOurs(PathBuf),
    /// A period asked for has no children (the message lists those that do).
    #[error("{0}")]
    Period(String),
    /// The server's public answer could not be made (see the message).
    #[error("public data: {0}")]
    Public(String),
    /// An archive could not be written (see the cause; a full disk most often).
    #[error("{}: {source}", path.display())]
    Archive { path: PathBuf, source: PmtilesError },
}

impl PublishError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

impl From<crate::snapshot::PeriodError> for PublishError {
    fn from(e: crate::snapshot::PeriodError) -> Self {
        Self::Period(e.0)
    }
}

impl From<ApiError> for PublishError {
    fn from(e: ApiError) -> Self {
        match e {
            ApiError::BadRequest(m) => Self::Period(m),
            other => Self::Public(other.to_string()),
        }
    }
}

/// What to publish.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Periods besides the default one (empty: every period with children).
    pub periods: Vec<Period>,
    /// Where the city will host `DIR` (`https://.../peta/`), for the snippet; `None`:
    /// `[server] public_url`, else a placeholder to replace.
    pub url: Option<String>,
    /// The glyph ranges, made beforehand ([`glyphs`]); `None`: made while writing.
    pub glyphs: Option<Glyphs>,
}

/// What was written.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Tiles addressed in every archive (public layers and basemap).
    pub tiles: u64,
    /// Bytes of every file written.
    pub bytes: u64,
    /// Periods published, the default first.
    pub periods: Vec<String>,
}

/// Writes the public map of `state` to `out` (see the module doc), all or nothing.
pub fn publish(state: &AppState, out: &Path, options: &Options) -> Result<Summary, PublishError> {
    if out.exists() && !out.join(ARCHIVE).is_file() {
        let empty = std::fs::read_dir(out)
            .map_err(|e| PublishError::io(out, e))?
            .next()
            .is_none();
        if !empty {
            return Err(PublishError::NotOurs(out.to_path_buf()));
        }
    }
    let name = out
        .file_name()
        .map_or_else(|| "sigap-map".into(), |n| n.to_string_lossy().into_owned());
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let tmp = parent.join(format!(".{name}.publishing-{}", std::process::id()));
    let result = write_all(state, &tmp, options).and_then(|s| swap(&tmp, out).map(|()| s));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result
}

/// Puts `tmp` where `out` is: the old folder is moved aside first, removed after.
fn swap(tmp: &Path, out: &Path) -> Result<(), PublishError> {
    let old = tmp.with_extension("old");
    let had = out.exists();
    if had {
        std::fs::rename(out, &old).map_err(|e| PublishError::io(out, e))?;
    }
    if let Err(e) = std::fs::rename(tmp, out) {
        if had {
            let _ = std::fs::rename(&old, out);
        }
        return Err(PublishError::io(out, e));
    }
    if had {
        std::fs::remove_dir_all(&old).map_err(|e| PublishError::io(&old, e))?;
    }
    Ok(())
}

fn mkdir(path: &Path) -> Result<(), PublishError> {
    std::fs::create_dir_all(path).map_err(|e| PublishError::io(path, e))
}

fn write(path: &Path, bytes: &[u8]) -> Result<u64, PublishError> {
    if let Some(dir) = path.parent() {
        mkdir(dir)?;
    }
    std::fs::write(path, bytes).map_err(|e| PublishError::io(path, e))?;
    Ok(bytes.len() as u64)
}

fn write_json(path: &Path, value: &Value) -> Result<u64, PublishError> {
    write(path, &serde_json::to_vec(value).unwrap_or_default())
}

/// The periods to publish: the default first, then those asked for (or all).
fn periods(state: &AppState, options: &Options) -> Result<Vec<Option<Period>>, PublishError> {
    let snapshot = state.snapshot();
    let default = snapshot.default_period;
    let mut out = vec![default];
    let asked: Vec<Period> = if options.periods.is_empty() {
        snapshot.periods()
    } else {
        options.periods.clone()
    };
    for p in asked {
        let p = snapshot.resolve_period(Some(&p.to_string()))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
}

fn write_all(state: &AppState, dir: &Path, options: &Options) -> Result<Summary, PublishError> {
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(dir);
    mkdir(dir)?;
    let periods = periods(state, options)?;
    let listed: Vec<String> = periods.iter().flatten().map(ToString::to_string).collect();
    let mut summary = Summary {
        periods: listed.clone(),
        ..Summary::default()
    };
    // The periods, the basemap and the page are written side by side (each its own
    // files); the sums do not depend on the order.
    let (written, site) = rayon::join(
        || {
            periods
                .par_iter()
                .enumerate()
                .map(|(i, period)| write_period(state, dir, i, *period, &listed))
                .collect::<Result<Vec<(u64, u64)>, PublishError>>()
        },
        || -> Result<(u64, u64), PublishError> {
            let (tiles, bytes) = site::basemap(state, dir, options.glyphs.as_ref())?;
            Ok((tiles, bytes + site::page(state, dir, options)?))
        },
    );
    for (tiles, bytes) in written?.into_iter().chain([site?]) {
        summary.tiles += tiles;
        summary.bytes += bytes;
    }
    tracing::info!(
        seconds = started.elapsed().as_secs_f64(),
        "public map written"
    );
    Ok(summary)
}

/// Writes the `i`-th period's data and archive (the default's, `i == 0`, in `dir`
/// itself, the others' in `dir/periods/YYYY-MM/`); returns (tiles, bytes).
fn write_period(
    state: &AppState,
    dir: &Path,
    i: usize,
    period: Option<Period>,
    listed: &[String],
) -> Result<(u64, u64), PublishError> {
    let folder = if i == 0 {
        dir.to_path_buf()
    } else {
        dir.join("periods")
            .join(period.map(|p| p.to_string()).unwrap_or_default())
    };
    let data = if i == 0 {
        dir.join("data")
    } else {
        folder.clone()
    };
    let text = period.map(|p| p.to_string());
    let mut s = crate::http::routes::public::summary_json(state, text.as_deref())?;
    // The page offers the periods published here, not the store's.
    s["periods"] = json!(listed);
    let mut bytes = write_json(&data.join("summary.json"), &s)?;
    let v = crate::http::routes::public::villages_json(state, text.as_deref())?;
    bytes += write_json(&data.join("villages.json"), &v)?;
    // The programmes' reach, as `/public/api/coverage?period=` answers it: the
    // embed's "Cakupan intervensi" reads it.
    let c = crate::http::routes::public::coverage_json(state, text.as_deref())?;
    bytes += write_json(&data.join("coverage.json"), &c)?;
    mkdir(&folder)?;
    let stats = public_archive(state, period, &folder.join(ARCHIVE))?;
    Ok((stats.addressed, bytes + stats.bytes))
}

/// Header facts of an archive over `bounds`, opening at their centre at zoom 11.
///
/// # Units
/// `bounds` in WGS84 degrees.
fn info_for(bounds: [f64; 4], min_zoom: u8, max_zoom: u8, metadata: Value) -> ArchiveInfo {
    ArchiveInfo {
        min_zoom,
        max_zoom,
        bounds,
        center: (
            f64::midpoint(bounds[0], bounds[2]),
            f64::midpoint(bounds[1], bounds[3]),
            11,
        ),
        metadata,
    }
}

/// `vector_layers` fields of the public layers: `first`, then every field the API
/// publishes for an area, with its JSON type.
fn public_fields(first: &[(&str, &str)]) -> Value {
    use crate::public::{Published, Shown, row_fields};
    let mut fields = serde_json::Map::new();
    for (k, t) in first {
        fields.insert((*k).to_owned(), json!(t));
    }
    for (name, v) in row_fields(&[Shown::Value(100); 7], 10, 0) {
        let t = if matches!(v, Published::Text(_)) {
            "String"
        } else {
            "Number"
        };
        fields.insert(name, json!(t));
    }
    Value::Object(fields)
}

fn public_archive(
    state: &AppState,
    period: Option<Period>,
    path: &Path,
) -> Result<crate::tiles::pmtiles::ArchiveStats, PublishError> {
    let started = Instant::now();
    let snapshot = state.snapshot();
    let config = &state.0.config.public;
    let (k, min_den) = (u64::from(config.k), u64::from(config.min_denominator));
    tracing::info!(
        period = period.map(|p| p.to_string()),
        "building the public layers"
    );
    let tiles = snapshot.public_tiles(period, k, min_den);
    let bounds = snapshot
        .analysis
        .village_bounds_array()
        .unwrap_or(crate::http::routes::tiles::WORLD_BOUNDS);
    let attribution = if state.0.demo {
        "sigap · data demo sintetis (synthetic demo data)"
    } else {
        "sigap · data agregat (aggregate data)"
    };
    let metadata = json!({
        "name": "sigap public map",
        "description": format!("aggregates only; counts below {k} shown as <{k}; H3 resolution 8 at most"),
        "attribution": attribution,
        "version": "1",
        "type": "overlay",
        "period": period.map(|p| p.to_string()),
        "vector_layers": [
            {
                "id": "villages",
                "fields": public_fields(&[("code", "String"), ("name", "String"), ("priority", "Number")]),
                "minzoom": crate::public::tiles::MIN_ZOOM,
                "maxzoom": crate::public::tiles::MAX_ZOOM,
            },
            {
                "id": "hexes",
                "fields": public_fields(&[("h3", "String")]),
                "minzoom": crate::public::tiles::MIN_ZOOM,
                "maxzoom": crate::public::tiles::MAX_ZOOM,
            },
        ],
    });
    let info = info_for(
        bounds,
        crate::public::tiles::MIN_ZOOM,
        crate::public::tiles::MAX_ZOOM,
        metadata,
    );
    let stats = archive::write_tiles(path, tiles.extent(), &info, |c| {
        // Both layers in one tile: a protobuf message's repeated field may come in
        // pieces, so the two encodings one after the other are one valid tile.
        let mut bytes = tiles.render("villages", c).unwrap_or_default();
        bytes.extend(tiles.render("hexes", c).unwrap_or_default());
        bytes
    })?;
    tracing::info!(
        period = period.map(|p| p.to_string()),
        seconds = started.elapsed().as_secs_f64(),
        "public layers archived"
    );
    Ok(stats)
}

/// `bounds` grown by `share` of its size on each side.
///
/// # Units
/// WGS84 degrees in, world coordinates out.
fn grown_extent(bounds: [f64; 4], share: f64) -> Rect<f64> {
    let (dx, dy) = (
        (bounds[2] - bounds[0]) * share,
        (bounds[3] - bounds[1]) * share,
    );
    Rect::new(
        lonlat_to_world(bounds[0] - dx, bounds[1] - dy),
        lonlat_to_world(bounds[2] + dx, bounds[3] + dy),
    )
}
