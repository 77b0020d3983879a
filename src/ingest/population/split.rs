//! Splitting one pixel's count between H3 cells and villages, by area.
//!
//! A pixel's count belongs to the ground it covers, so a pixel that straddles two
//! cells must give each the share of its area that lies in it. The share is sampled:
//! the pixel is cut into n × n sub-pixels of equal area on the raster's own grid, and
//! each carries `value / n²` to the cell (or village) that holds its centre. A pixel's
//! sub-pixels are counted per cell first and the cell gets `value · k / n²` for its
//! `k` sub-pixels, so the shares of a pixel add up to its value (`Σk = n²`).
//!
//! # The rule for n
//! At H3 resolution r, a sub-pixel's edge is at most 1/[`SUBPIXELS_PER_HEX_EDGE`] (a
//! quarter) of the average hexagon edge at r (`h3o::Resolution::edge_length_m`:
//! 75.9 m at resolution 10, so at most 19 m, a sub-pixel 1/40 of a cell's area):
//! `n_r = ceil(pixel_edge_m · 4 / edge_r_m)`, at least 1, at most [`MAX_SUBDIVISION`].
//! `pixel_edge_m` is the longest pixel edge in metres of the raster (see
//! [`super::raster::Raster::pixel_edge_m`]). Villages use the resolution-10 n. A
//! 100 m pixel is split 6 × 6 for resolution 10, 2 × 2 for 9, and not at all for 8
//! and coarser. Compared with exact polygon intersection, a cell's sampled share of
//! a pixel is off by well under a quarter of a sub-pixel row (see the tests); the
//! split keeps each pixel's value whole either way.
//!
//! Sub-pixel centres are placed by bilinear interpolation between the pixel's four
//! corners in WGS84 (each corner reprojected by PROJ): across one pixel a map
//! projection is affine to well under a millimetre, so this equals reprojecting
//! every centre.
//!
//! Villages take a shortcut that gives the same answer as sampling: a pixel whose
//! bounding box meets no village's bounding box is outside all of them, and a pixel
//! whose only candidate village contains it whole goes to that village whole.
//! Otherwise each sub-pixel centre is placed with [`VillageIndex::locate`], the
//! same rule (borders to the smallest code) that places children and households.

use crate::index::VillageIndex;
use crate::index::hex::{RESOLUTIONS, cell_of};
use crate::model::Village;
use geo::{Contains, Coord, LineString, Point, Polygon, Rect};
use h3o::{CellIndex, Resolution};
use std::collections::HashMap;

/// How many sub-pixel edges fit in one average hexagon edge of a resolution.
pub const SUBPIXELS_PER_HEX_EDGE: f64 = 4.0;
/// The most sub-pixels along a pixel edge (a 4.9 km pixel reaches it at resolution
/// 10); coarser rasters are split more coarsely than the rule asks, with a warning.
pub const MAX_SUBDIVISION: u32 = 256;
/// Mean Earth radius in metres (IUGG), for pixel sizes.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// A pixel's footprint: its corners, top-left, top-right, bottom-right, bottom-left
/// (in the raster's column and row order).
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Footprint {
    pub corners: [Coord<f64>; 4],
}

impl Footprint {
    /// The centre of sub-pixel `(col, row)` of `n × n`, counted from the top-left
    /// corner.
    ///
    /// # Units
    /// WGS84 degrees, `x = lon`, `y = lat`.
    #[must_use]
    pub fn sample(&self, n: u32, col: u32, row: u32) -> Point<f64> {
        let across = (f64::from(col) + 0.5) / f64::from(n);
        let down = (f64::from(row) + 0.5) / f64::from(n);
        let [tl, tr, br, bl] = self.corners;
        let top = tl + (tr - tl) * across;
        let bottom = bl + (br - bl) * across;
        Point(top + (bottom - top) * down)
    }

    /// The bounding box of the four corners.
    #[must_use]
    pub fn bbox(&self) -> Rect<f64> {
        let [a, b, c, d] = self.corners;
        let (min_x, max_x) = (
            a.x.min(b.x).min(c.x).min(d.x),
            a.x.max(b.x).max(c.x).max(d.x),
        );
        let (min_y, max_y) = (
            a.y.min(b.y).min(c.y).min(d.y),
            a.y.max(b.y).max(c.y).max(d.y),
        );
        Rect::new((min_x, min_y), (max_x, max_y))
    }

    fn polygon(&self) -> Polygon<f64> {
        let [a, b, c, d] = self.corners;
        Polygon::new(LineString::from(vec![a, b, c, d, a]), vec![])
    }

    /// The longest of the four edges in metres (equirectangular at each edge's mean
    /// latitude, exact enough for pixels up to tens of kilometres).
    #[must_use]
    pub fn longest_edge_m(&self) -> f64 {
        let [a, b, c, d] = self.corners;
        [(a, b), (b, c), (c, d), (d, a)]
            .iter()
            .map(|(p, q)| {
                let lat = f64::midpoint(p.y, q.y).to_radians();
                let dx = (q.x - p.x).to_radians() * lat.cos();
                let dy = (q.y - p.y).to_radians();
                dx.hypot(dy) * EARTH_RADIUS_M
            })
            .fold(0.0, f64::max)
    }
}

/// Sub-pixels per pixel edge, per resolution and for villages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subdivision {
    /// One n per entry of [`RESOLUTIONS`].
    pub cells: [u32; RESOLUTIONS.len()],
    pub villages: u32,
    /// Whether [`MAX_SUBDIVISION`] cut an n short.
    pub capped: bool,
}

impl Subdivision {
    /// The rule of the module doc for pixels whose longest edge is `pixel_edge_m`.
    ///
    /// # Units
    /// `pixel_edge_m` is metres.
    #[must_use]
    pub fn for_pixel_edge(pixel_edge_m: f64) -> Self {
        let wanted = |res: Resolution| {
            let n = (pixel_edge_m * SUBPIXELS_PER_HEX_EDGE / res.edge_length_m()).ceil();
            // `as` saturates (NaN and negatives to 0, huge values to u32::MAX).
            (n as u32).max(1)
        };
        let uncapped = RESOLUTIONS.map(wanted);
        let cells = uncapped.map(|n| n.min(MAX_SUBDIVISION));
        Self {
            cells,
            villages: cells[RESOLUTIONS.len() - 1],
            capped: uncapped != cells,
        }
    }

    /// The same n for every resolution and for villages (for tests).
    #[must_use]
    pub fn uniform(n: u32) -> Self {
        Self {
            cells: [n; RESOLUTIONS.len()],
            villages: n,
            capped: false,
        }
    }
}

/// What a stream of pixels added up to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sums {
    /// Per cell, one map per entry of [`RESOLUTIONS`].
    pub cells: [HashMap<CellIndex, f64>; RESOLUTIONS.len()],
    /// Per village, indexed like the villages given to the [`Splitter`].
    pub villages: Vec<f64>,
    /// Every valid pixel value.
    pub total: f64,
    /// The part of `total` in no village.
    pub outside: f64,
    /// The part of `outside` in no cell: pixels wholly beyond the villages' extent.
    pub beyond: f64,
    /// Pixels counted (value ≥ 0).
    pub valid: u64,
    /// Pixels skipped as nodata (the band's nodata value, or not a number).
    pub nodata: u64,
    /// Pixels skipped because their value is negative.
    pub negative: u64,
}

impl Sums {
    #[must_use]
    pub fn new(villages: usize) -> Self {
        Self {
            villages: vec![0.0; villages],
            ..Self::default()
        }
    }

    /// Adds another partial sum into this one.
    pub fn merge(&mut self, other: Sums) {
        for (mine, theirs) in self.cells.iter_mut().zip(other.cells) {
            for (cell, v) in theirs {
                *mine.entry(cell).or_default() += v;
            }
        }
        for (mine, theirs) in self.villages.iter_mut().zip(other.villages) {
            *mine += theirs;
        }
        self.total += other.total;
        self.outside += other.outside;
        self.beyond += other.beyond;
        self.valid += other.valid;
        self.nodata += other.nodata;
        self.negative += other.negative;
    }
}

/// Splits pixels between cells and villages (see the module doc for the rule).
pub struct Splitter<'a> {
    subdivision: Subdivision,
    villages: &'a [Village],
    index: VillageIndex<'a>,
    extent: Rect<f64>,
}

impl<'a> Splitter<'a> {
    /// A splitter over `villages`; pixels wholly outside `extent` go to no cell.
    ///
    /// # Units
    /// `extent` is WGS84 degrees.
    #[must_use]
    pub fn new(villages: &'a [Village], subdivision: Subdivision, extent: Rect<f64>) -> Self {
        Self {
            subdivision,
            villages,
            index: VillageIndex::new(villages),
            extent,
        }
    }

    /// Adds one pixel: `None` (nodata) and negative values are counted and skipped,
    /// anything else is split.
    pub fn add(&self, sums: &mut Sums, pixel: &Footprint, value: Option<f64>) {
        match value {
            None => sums.nodata += 1,
            Some(v) if v < 0.0 => sums.negative += 1,
            Some(v) => {
                sums.valid += 1;
                self.split(sums, pixel, v);
            }
        }
    }

    /// Splits a valid pixel value between cells and villages.
    pub fn split(&self, sums: &mut Sums, pixel: &Footprint, value: f64) {
        sums.total += value;
        let bbox = pixel.bbox();
        if !overlaps(&bbox, &self.extent) {
            sums.outside += value;
            sums.beyond += value;
            return;
        }
        let mut tally: Vec<(CellIndex, u32)> = Vec::new();
        for ((res, n), cells) in RESOLUTIONS
            .iter()
            .zip(self.subdivision.cells)
            .zip(sums.cells.iter_mut())
        {
            tally.clear();
            for_each_sample(pixel, n, |p| {
                if let Some(cell) = cell_of(p, *res) {
                    count(&mut tally, cell);
                }
            });
            for (cell, k) in &tally {
                *cells.entry(*cell).or_default() += share(value, *k, n);
            }
        }
        self.split_villages(sums, pixel, &bbox, value);
    }

    fn split_villages(&self, sums: &mut Sums, pixel: &Footprint, bbox: &Rect<f64>, value: f64) {
        let mut candidates = self.index.candidates(*bbox);
        match (candidates.next(), candidates.next()) {
            (None, _) => {
                sums.outside += value;
                return;
            }
            (Some(only), None) if self.villages[only].boundary.contains(&pixel.polygon()) => {
                sums.villages[only] += value;
                return;
            }
            _ => {}
        }
        let n = self.subdivision.villages;
        let mut tally: Vec<(Option<usize>, u32)> = Vec::new();
        for_each_sample(pixel, n, |p| count(&mut tally, self.index.locate(p)));
        for (village, k) in tally {
            match village {
                Some(i) => sums.villages[i] += share(value, k, n),
                None => sums.outside += share(value, k, n),
            }
        }
    }
}

/// `value · k / n²`: the share of `k` sub-pixels out of `n × n`.
fn share(value: f64, k: u32, n: u32) -> f64 {
    value * f64::from(k) / (f64::from(n) * f64::from(n))
}

fn for_each_sample(pixel: &Footprint, n: u32, mut f: impl FnMut(Point<f64>)) {
    for j in 0..n {
        for i in 0..n {
            f(pixel.sample(n, i, j));
        }
    }
}

/// Adds one to `key`'s count (a pixel meets only a few cells, so a scan is fastest).
fn count<K: PartialEq>(tally: &mut Vec<(K, u32)>, key: K) {
    match tally.iter_mut().find(|(k, _)| *k == key) {
        Some((_, n)) => *n += 1,
        None => tally.push((key, 1)),
    }
}

/// Whether two boxes share any point (touching counts).
#[must_use]
pub fn overlaps(a: &Rect<f64>, b: &Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}
