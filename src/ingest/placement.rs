//! Children known only by their village: e-PPGBM exports often have the village
//! code but no coordinates for a child whose posyandu never recorded them.
//!
//! Such a child still counts in its village's figures, so it is kept and placed at
//! a point guaranteed inside its village (geo's `InteriorPoint`), flagged with the
//! village code. The analysis counts it by that code, never by the point, and in an
//! H3 cell only where the whole village lies in that cell. A child with coordinates
//! keeps them; a village code given with them is only checked for consistency.

use crate::model::Village;
use geo::coordinate_position::{CoordPos, CoordinatePosition};
use geo::{InteriorPoint, MultiPolygon, Point};
use std::collections::HashMap;

/// The stored villages by code: where to place a child, and whether a point is in
/// the village a code names.
#[derive(Debug, Clone, Default)]
pub struct VillagePlaces {
    by_code: HashMap<String, (Point<f64>, MultiPolygon<f64>)>,
}

impl VillagePlaces {
    /// Indexes `villages` by code; a village without an interior point (an empty
    /// boundary, never stored by the importer) is left out.
    #[must_use]
    pub fn new(villages: Vec<Village>) -> Self {
        let by_code = villages
            .into_iter()
            .filter_map(|v| Some((v.code, (v.boundary.interior_point()?, v.boundary))))
            .collect();
        Self { by_code }
    }

    /// Where a child of village `code` is placed: a point inside the village.
    ///
    /// # Units
    /// WGS84 degrees (`x = lon`, `y = lat`).
    #[must_use]
    pub fn place(&self, code: &str) -> Option<Point<f64>> {
        self.by_code.get(code).map(|(p, _)| *p)
    }

    /// Whether `p` lies in village `code` (borders included); `None` for an unknown
    /// code.
    ///
    /// # Units
    /// `p` is WGS84 degrees (`x = lon`, `y = lat`).
    #[must_use]
    pub fn holds(&self, code: &str, p: Point<f64>) -> Option<bool> {
        let (_, boundary) = self.by_code.get(code)?;
        Some(boundary.coordinate_position(&p.0) != CoordPos::Outside)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Contains, polygon};

    #[test]
    fn a_concave_village_places_inside_itself() {
        // A C-shape whose centroid lies in its notch.
        let boundary = MultiPolygon(vec![polygon![
            (x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 3.0, y: 1.0), (x: 1.0, y: 1.0),
            (x: 1.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0), (x: 0.0, y: 3.0),
            (x: 0.0, y: 0.0)
        ]]);
        let places = VillagePlaces::new(vec![Village {
            code: "7471011005".into(),
            name: "C".into(),
            district: "d".into(),
            boundary: boundary.clone(),
        }]);
        let p = places.place("7471011005").expect("placed");
        assert!(boundary.contains(&p), "{p:?}");
        assert_eq!(places.place("7471011006"), None);
        assert_eq!(
            places.holds("7471011005", Point::new(2.0, 1.5)),
            Some(false)
        );
        assert_eq!(places.holds("7471011005", Point::new(0.5, 1.5)), Some(true));
        assert_eq!(places.holds("7471011006", Point::new(0.5, 1.5)), None);
    }
}
