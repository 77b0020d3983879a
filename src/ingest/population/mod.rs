//! Population rasters: a gridded count (e.g. children under five per pixel) summed
//! into H3 cells and villages, so coverage and prevalence have a denominator.
//!
//! Planners get population as GeoTIFF rasters (WorldPop, the statistics office), in
//! degrees or in UTM. Cells and villages never line up with pixels, so each pixel is
//! split between the areas it covers in proportion to area ([`split`] states the
//! rule: n × n sub-pixels, each carrying value / n² to the area that holds its
//! centre). The split keeps every pixel's value whole: the villages plus "outside"
//! add up to the raster's total, and so do the cells of each resolution 5-10, except
//! pixels wholly beyond the villages' extent (grown by 0.01°, the margin points may
//! lie outside it), which count as outside and in no cell.
//!
//! The aggregation happens once, at import, with the same cell and village lookups
//! the analysis uses ([`crate::index::hex::cell_of`], [`crate::index::VillageIndex`]);
//! the store keeps the sums, not the raster.

mod error;
mod raster;
pub mod split;

pub use error::PopulationError;
pub use raster::Raster;

use super::shape;
use crate::index::hex::RESOLUTIONS;
use crate::model::{Population, PopulationTotals};
use crate::store::PopulationSource;
use geo::{BoundingRect, Rect};
use rayon::prelude::*;
use split::{Footprint, Splitter, Subdivision, Sums};
use std::path::{Path, PathBuf};
use tracing::{info, warn};

/// How a population raster is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PopulationOptions {
    /// Source CRS overriding what the raster declares, e.g. `EPSG:32751`.
    pub crs: Option<String>,
    /// The band holding the counts, from 1.
    pub band: usize,
    /// Dry run: read and sum everything, write nothing.
    pub check: bool,
}

impl Default for PopulationOptions {
    fn default() -> Self {
        Self {
            crs: None,
            band: 1,
            check: false,
        }
    }
}

/// What a population import found and did.
#[derive(Debug, Clone, PartialEq)]
pub struct PopulationSummary {
    pub path: PathBuf,
    /// The CRS the pixels were read in (`EPSG:NNNN` or WKT).
    pub crs: String,
    /// `(width, height)` in pixels.
    pub size: (usize, usize),
    /// Longest pixel edge in metres.
    pub pixel_edge_m: f64,
    pub subdivision: Subdivision,
    pub totals: PopulationTotals,
    /// Pixels counted, and skipped as nodata or as negative.
    pub valid: u64,
    pub nodata: u64,
    pub negative: u64,
    /// Cells with population, per entry of [`RESOLUTIONS`].
    pub cells: [usize; RESOLUTIONS.len()],
    /// The new store revision; `None` for a dry run.
    pub revision: Option<u64>,
}

/// Imports a population raster, replacing any earlier one, in one transaction.
///
/// Steps: load the villages (they must exist); open the raster and place its grid in
/// WGS84; refuse it if it does not reach the villages; choose the subdivision from
/// the pixel size; stream blocks of rows, splitting each pixel in parallel; write
/// cells, villages and totals (unless `check`), which bumps the store's revision.
///
/// # Example
/// ```no_run
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use sigap::ingest::population::{PopulationOptions, import_population};
/// let mut store = sigap::store::Store::open(std::path::Path::new("kendari.gpkg"))?;
/// let opts = PopulationOptions::default();
/// let s = import_population(&mut store, std::path::Path::new("balita.tif"), &opts)?;
/// println!("{} children under five, {} outside the villages", s.totals.total, s.totals.outside);
/// # Ok(()) }
/// ```
pub fn import_population(
    store: &mut impl crate::store::PopulationTarget,
    path: &Path,
    opts: &PopulationOptions,
) -> Result<PopulationSummary, PopulationError> {
    let (villages, fingerprint) = store.villages_fingerprinted()?;
    let extent = villages
        .iter()
        .filter_map(|v| v.boundary.bounding_rect())
        .reduce(union)
        .ok_or_else(|| PopulationError::NoVillages {
            path: path.to_path_buf(),
        })?;
    let mut raster = Raster::open(path, opts.band, opts.crs.as_deref())?;
    let grown = shape::grow(extent);
    let covered = raster.extent()?;
    if !split::overlaps(&covered, &grown) {
        return Err(PopulationError::Misplaced {
            path: path.to_path_buf(),
            reason: format!(
                "the raster (lon {:.4}..{:.4}, lat {:.4}..{:.4} in {}) does not reach the \
                 villages (lon {:.4}..{:.4}, lat {:.4}..{:.4}); check its CRS or pass --crs",
                covered.min().x,
                covered.max().x,
                covered.min().y,
                covered.max().y,
                raster::short(raster.crs()),
                extent.min().x,
                extent.max().x,
                extent.min().y,
                extent.max().y
            ),
        });
    }
    let pixel_edge_m = raster.pixel_edge_m()?;
    let subdivision = Subdivision::for_pixel_edge(pixel_edge_m);
    if subdivision.capped {
        warn!(
            pixel_edge_m,
            max = split::MAX_SUBDIVISION,
            "population: pixels are coarse; fine cells are split more coarsely than the rule asks"
        );
    }
    let (width, height) = raster.size();
    info!(path = %path.display(), crs = %raster::short(raster.crs()), width, height,
        pixel_edge_m, cells_n = ?subdivision.cells, villages_n = subdivision.villages,
        "population: import started");
    let splitter = Splitter::new(&villages, subdivision, grown);
    let sums = sum_pixels(&mut raster, &splitter, villages.len())?;
    let totals = PopulationTotals {
        total: sums.total,
        outside: sums.outside,
        beyond: sums.beyond,
    };
    let cells = sums.cells.each_ref().map(std::collections::HashMap::len);
    let population = Population {
        cells: sums.cells.into_iter().flatten().collect(),
        villages: villages
            .iter()
            .map(|v| v.code.clone())
            .zip(sums.villages)
            .collect(),
        totals,
    };
    let revision = if opts.check {
        None
    } else {
        let source = PopulationSource {
            file: path.display().to_string(),
            band: opts.band,
            crs: raster.crs().to_owned(),
            villages_sha256: fingerprint,
        };
        let revision = store.write_population(&population, &source)?;
        info!(revision, "store revision bumped");
        Some(revision)
    };
    info!(
        total = totals.total,
        outside = totals.outside,
        beyond = totals.beyond,
        valid = sums.valid,
        nodata = sums.nodata,
        negative = sums.negative,
        "population: import finished"
    );
    Ok(PopulationSummary {
        path: path.to_path_buf(),
        crs: raster.crs().to_owned(),
        size: (width, height),
        pixel_edge_m,
        subdivision,
        totals,
        valid: sums.valid,
        nodata: sums.nodata,
        negative: sums.negative,
        cells,
        revision,
    })
}

/// Rows of pixels one task sums before its sums are merged, in row order, with the
/// others': a constant, so that the totals do not depend on the number of cores.
const ROWS_PER_TASK: usize = 16;

/// Most people one pixel may hold: a 1 km pixel of the densest city blocks holds
/// about 100,000; beyond ten times that the value is not a count.
pub const MAX_PIXEL_VALUE: f64 = 1_000_000.0;

/// Streams the raster a block of rows at a time, splitting each row's pixels in
/// parallel; logs progress about every tenth of the rows.
fn sum_pixels(
    raster: &mut Raster,
    splitter: &Splitter<'_>,
    villages: usize,
) -> Result<Sums, PopulationError> {
    let (width, height) = raster.size();
    let chunk = raster.rows_per_chunk();
    let mut sums = Sums::new(villages);
    let mut top = raster.corner_line(0)?;
    let mut next_report = height / 10;
    for row0 in (0..height).step_by(chunk) {
        let rows = chunk.min(height - row0);
        let values = raster.read_rows(row0, rows)?;
        if let Some(i) = values
            .iter()
            .position(|v| v.is_some_and(|v| !v.is_finite() || v.abs() > MAX_PIXEL_VALUE))
        {
            return Err(PopulationError::Implausible {
                path: raster.path().to_path_buf(),
                row: row0 + i / width,
                col: i % width,
                value: values[i].unwrap_or_default(),
            });
        }
        let mut lines = Vec::with_capacity(rows + 1);
        lines.push(top);
        for r in 1..=rows {
            lines.push(raster.corner_line(row0 + r)?);
        }
        // Fixed groups of rows, summed side by side and merged in row order: the
        // same floating-point sums on any number of cores, run after run (rayon's
        // fold splits where its threads happen to steal, which changed the last
        // digits of the totals from one import of the same file to the next).
        let rows_of = |group: usize| {
            let mut s = Sums::new(villages);
            for r in group * ROWS_PER_TASK..rows.min((group + 1) * ROWS_PER_TASK) {
                let (upper, lower) = (&lines[r], &lines[r + 1]);
                for col in 0..width {
                    let pixel = Footprint {
                        corners: [upper[col], upper[col + 1], lower[col + 1], lower[col]],
                    };
                    splitter.add(&mut s, &pixel, values[r * width + col]);
                }
            }
            s
        };
        let parts: Vec<Sums> = (0..rows.div_ceil(ROWS_PER_TASK))
            .into_par_iter()
            .map(rows_of)
            .collect();
        for part in parts {
            sums.merge(part);
        }
        top = lines.pop().unwrap_or_default();
        let done = row0 + rows;
        if done >= next_report && done < height {
            info!(
                rows = done,
                of = height,
                total = sums.total,
                "population: summing pixels"
            );
            next_report = done + height / 10;
        }
    }
    Ok(sums)
}

fn union(a: Rect<f64>, b: Rect<f64>) -> Rect<f64> {
    Rect::new(
        (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
        (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
    )
}

#[cfg(test)]
mod tests;
