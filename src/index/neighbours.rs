//! Who is next to whom: neighbour lists for smoothing and hot spots.
//!
//! Spatial Empirical Bayes and Gi* (see [`crate::risk::smoothing`] and
//! [`crate::risk::hotspot`]) need, for each area, the list of areas around it. Two kinds:
//!
//! * **H3 cells**: the cells within `k` grid steps (h3o's `grid_disk`), restricted to the
//!   cells of the list (a cell with no children is simply absent).
//! * **Villages**: those whose boundaries touch or overlap ("queen" contiguity: a shared
//!   corner is enough). An R-tree over bounding boxes finds the candidates, geo's
//!   `Intersects` on the boundaries decides.
//!
//! Each list is sorted and never holds the area itself.

use super::villages::VillageIndex;
use crate::model::Village;
use geo::{BoundingRect, Intersects};
use h3o::CellIndex;
use rayon::prelude::*;
use std::collections::HashMap;

/// For each cell, the positions (in `cells`) of the other cells within `k` grid steps.
///
/// Cells of different resolutions are never neighbours; a repeated cell neighbours the
/// copies of itself.
#[must_use]
pub fn cell_neighbours(cells: &[CellIndex], k: u32) -> Vec<Vec<usize>> {
    let mut position: HashMap<CellIndex, Vec<usize>> = HashMap::with_capacity(cells.len());
    for (i, c) in cells.iter().enumerate() {
        position.entry(*c).or_default().push(i);
    }
    // Each cell's list on its own, on every core (the order is kept).
    cells
        .par_iter()
        .enumerate()
        .map(|(i, c)| {
            let mut hood: Vec<usize> = c
                .grid_disk::<Vec<_>>(k)
                .into_iter()
                .filter_map(|d| position.get(&d))
                .flatten()
                .copied()
                .filter(|&j| j != i)
                .collect();
            hood.sort_unstable();
            hood.dedup();
            hood
        })
        .collect()
}

/// For each village, the positions (in `villages`) of the villages whose boundary
/// touches or overlaps its own.
///
/// # Units
/// Boundaries in any one coordinate space (WGS84 degrees in the store); only their
/// topology matters.
#[must_use]
pub fn village_neighbours(villages: &[Village]) -> Vec<Vec<usize>> {
    let index = VillageIndex::new(villages);
    villages
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let Some(r) = v.boundary.bounding_rect() else {
                return Vec::new();
            };
            let mut hood: Vec<usize> = index
                .candidates(r)
                .filter(|&j| j != i && v.boundary.intersects(&villages[j].boundary))
                .collect();
            hood.sort_unstable();
            hood
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{MultiPolygon, polygon};
    use h3o::{LatLng, Resolution};

    fn square(x0: f64, y0: f64) -> Village {
        Village {
            code: format!("{x0}{y0}"),
            name: String::new(),
            district: String::new(),
            boundary: MultiPolygon(vec![polygon![
                (x: x0, y: y0), (x: x0 + 1.0, y: y0), (x: x0 + 1.0, y: y0 + 1.0),
                (x: x0, y: y0 + 1.0), (x: x0, y: y0)
            ]]),
        }
    }

    #[test]
    fn queen_contiguity_on_a_grid() {
        // 3 x 3 unit squares plus one far away.
        let mut v: Vec<Village> = (0..9)
            .map(|i| square(f64::from(i % 3), f64::from(i / 3)))
            .collect();
        v.push(square(10.0, 10.0));
        let n = village_neighbours(&v);
        assert_eq!(n[4], vec![0, 1, 2, 3, 5, 6, 7, 8], "the centre touches all");
        assert_eq!(
            n[0],
            vec![1, 3, 4],
            "a corner square: two edges and one corner"
        );
        assert!(n[9].is_empty());
    }

    #[test]
    fn rings_of_cells() {
        let centre = LatLng::new(-3.99, 122.51)
            .expect("valid")
            .to_cell(Resolution::Eight);
        let mut cells: Vec<CellIndex> = centre.grid_disk(2);
        cells.sort_unstable();
        let i = cells.iter().position(|c| *c == centre).expect("centre");
        let k1 = cell_neighbours(&cells, 1);
        let k2 = cell_neighbours(&cells, 2);
        assert_eq!(k1[i].len(), 6);
        assert_eq!(k2[i].len(), 18);
        assert!(!k2[i].contains(&i));
        // Symmetric.
        for (a, hood) in k1.iter().enumerate() {
            for &b in hood {
                assert!(k1[b].contains(&a));
            }
        }
    }
}
