//! Which village a point is in: an R-tree over village boundaries.
//!
//! Every child and household must be counted in exactly one village, or reported as
//! outside. The R-tree (rstar) narrows the candidates to the villages whose bounding
//! box holds the point; an exact point-in-polygon test (geo's `coordinate_position`)
//! decides. A point on a border shared by several villages belongs to the one with the
//! smallest Kemendagri code, so shared borders never count a point twice or lose it.

use super::boxes::BoxIndex;
use crate::model::{Household, Village};
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{Coord, Point, Rect};
use rayon::prelude::*;

/// An R-tree over the bounding boxes of village boundaries, answering exact
/// point-in-village queries.
///
/// Steps: index each village's bounding box; for a query point, collect the villages
/// whose box holds it; test the point against each boundary exactly; resolve border
/// points to the smallest code.
pub struct VillageIndex<'a> {
    villages: &'a [Village],
    boxes: BoxIndex,
}

impl<'a> VillageIndex<'a> {
    /// Builds the index. Villages with an empty boundary are never found.
    #[must_use]
    pub fn new(villages: &'a [Village]) -> Self {
        Self {
            villages,
            boxes: BoxIndex::new(villages.iter().map(|v| &v.boundary)),
        }
    }

    /// Indexes of the villages whose bounding box meets `r` (candidates only: test
    /// their boundaries for an exact answer).
    ///
    /// # Units
    /// `r` is WGS84 degrees.
    pub fn candidates(&self, r: Rect<f64>) -> impl Iterator<Item = usize> + '_ {
        self.boxes.intersecting(r)
    }

    /// The index (into the slice given to [`VillageIndex::new`]) of the one village
    /// that holds `p`, or `None` when `p` is outside every village.
    ///
    /// # Units
    /// `p` is WGS84 degrees (x = lon, y = lat).
    #[must_use]
    pub fn locate(&self, p: Point<f64>) -> Option<usize> {
        let c: Coord<f64> = p.into();
        let mut on_border: Option<usize> = None;
        let mut inside: Option<usize> = None;
        for i in self.boxes.intersecting(Rect::new(c, c)) {
            match self.villages[i].boundary.coordinate_position(&c) {
                CoordPos::Inside => inside = Some(self.smaller_code(inside, i)),
                CoordPos::OnBoundary => on_border = Some(self.smaller_code(on_border, i)),
                CoordPos::Outside => {}
            }
        }
        inside.or(on_border)
    }

    /// The village of each household ([`VillageIndex::locate`] of its point), found on
    /// every core: a snapshot locates them once and gives the result to both the
    /// analysis and the case records.
    ///
    /// # Units
    /// Household locations are WGS84 degrees (x = lon, y = lat).
    #[must_use]
    pub fn locate_households(&self, households: &[Household]) -> Vec<Option<usize>> {
        households
            .par_iter()
            .map(|h| self.locate(h.location))
            .collect()
    }

    fn smaller_code(&self, current: Option<usize>, candidate: usize) -> usize {
        match current {
            Some(c) if self.villages[c].code <= self.villages[candidate].code => c,
            _ => candidate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};

    fn square(code: &str, x0: f64, y0: f64, size: f64) -> Village {
        Village {
            code: code.into(),
            name: code.into(),
            district: "d".into(),
            boundary: MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size),
                (x: x0, y: y0 + size), (x: x0, y: y0)
            ]]),
        }
    }

    /// Deterministic xorshift so the test needs no RNG crate.
    fn rng(state: &mut u64) -> f64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        (*state >> 11) as f64 / (1u64 << 53) as f64
    }

    fn grid() -> Vec<Village> {
        let mut v = Vec::new();
        for i in 0..10 {
            for j in 0..10 {
                let code = format!("74710{i}{j}000");
                v.push(square(&code, f64::from(i) * 0.1, f64::from(j) * 0.1, 0.1));
            }
        }
        v
    }

    #[test]
    #[expect(clippy::many_single_char_names, reason = "short names in a test")]
    fn agrees_with_linear_scan() {
        let villages = grid();
        let index = VillageIndex::new(&villages);
        let mut s = 0x5eed_u64;
        for _ in 0..5_000 {
            // Snap half the points to the 0.05 grid so many fall on shared borders.
            let mut x = rng(&mut s) * 1.2 - 0.1;
            let mut y = rng(&mut s) * 1.2 - 0.1;
            if rng(&mut s) < 0.5 {
                x = (x * 20.0).round() / 20.0;
                y = (y * 20.0).round() / 20.0;
            }
            let p = Point::new(x, y);
            let c: Coord<f64> = p.into();
            let positions: Vec<(usize, CoordPos)> = villages
                .iter()
                .enumerate()
                .map(|(i, v)| (i, v.boundary.coordinate_position(&c)))
                .filter(|(_, pos)| *pos != CoordPos::Outside)
                .collect();
            let min_code = |want: CoordPos| {
                positions
                    .iter()
                    .filter(|(_, pos)| *pos == want)
                    .map(|(i, _)| *i)
                    .min_by(|a, b| villages[*a].code.cmp(&villages[*b].code))
            };
            let expected = min_code(CoordPos::Inside).or_else(|| min_code(CoordPos::OnBoundary));
            assert_eq!(index.locate(p), expected, "point {p:?}");
        }
    }

    #[test]
    fn shared_border_goes_to_smallest_code() {
        let villages = grid();
        let index = VillageIndex::new(&villages);
        // x = 0.1 is the border between column 0 and column 1; y = 0.15 inside row 1.
        let found = index.locate(Point::new(0.1, 0.15)).expect("on a border");
        assert_eq!(villages[found].code, "7471001000");
        // A corner shared by four villages.
        let corner = index.locate(Point::new(0.2, 0.2)).expect("corner");
        assert_eq!(villages[corner].code, "7471011000");
        assert_eq!(index.locate(Point::new(1.5, 0.5)), None);
    }
}
