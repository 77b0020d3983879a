//! H3 cells: which cell a point is in, at each resolution sigap serves.
//!
//! A point's cell at resolution r is computed from the point at r (what every H3
//! tool does), never rolled up from a finer cell: a parent cell does not contain
//! exactly its children's areas, so roll-ups would disagree with other H3 tools at
//! cell edges. Work is spread over all cores with rayon.

use crate::model::Counts;
use geo::Point;
use h3o::{CellIndex, Resolution};
use rayon::prelude::*;
use std::collections::HashMap;

/// The resolutions sigap aggregates to, coarsest first.
pub const RESOLUTIONS: [Resolution; 6] = [
    Resolution::Five,
    Resolution::Six,
    Resolution::Seven,
    Resolution::Eight,
    Resolution::Nine,
    Resolution::Ten,
];

pub use crate::model::cell_of;

/// Counts items per cell at `res`: `locate` gives an item's position, `add` adds the
/// item to a cell's counts. Items with an invalid position are skipped.
///
/// # Units
/// `locate` returns WGS84 degrees (x = lon, y = lat).
pub fn aggregate<T, L, A>(
    items: &[T],
    res: Resolution,
    locate: L,
    add: A,
) -> HashMap<CellIndex, Counts>
where
    T: Sync,
    L: Fn(&T) -> Point<f64> + Sync,
    A: Fn(&mut Counts, &T) + Sync,
{
    aggregate_by(items, |_, item| cell_of(locate(item), res), add)
}

/// [`aggregate`] with each item's cell already found: `cell(i, item)` gives the
/// cell of the `i`-th item (`None`: skipped), e.g. looked up in cells computed once
/// for several uses, so a point is not located again at the same resolution.
pub fn aggregate_by<T, C, A>(items: &[T], cell: C, add: A) -> HashMap<CellIndex, Counts>
where
    T: Sync,
    C: Fn(usize, &T) -> Option<CellIndex> + Sync,
    A: Fn(&mut Counts, &T) + Sync,
{
    items
        .par_iter()
        .enumerate()
        .fold(
            HashMap::new,
            |mut acc: HashMap<CellIndex, Counts>, (i, item)| {
                if let Some(cell) = cell(i, item) {
                    add(acc.entry(cell).or_default(), item);
                }
                acc
            },
        )
        .reduce(HashMap::new, |mut a, b| {
            let (mut big, small) = if a.len() >= b.len() {
                (a, b)
            } else {
                (b, std::mem::take(&mut a))
            };
            for (cell, counts) in small {
                big.entry(cell).or_default().merge(&counts);
            }
            big
        })
}

/// Number of points per cell at `res`, sorted by cell id: the plain counting loop
/// that the aggregation benchmark compares with Uber's h3.
///
/// # Units
/// `points` are WGS84 degrees (x = lon, y = lat).
#[must_use]
pub fn count_points(points: &[Point<f64>], res: Resolution) -> Vec<(CellIndex, u32)> {
    let mut cells: Vec<u64> = points
        .par_iter()
        .filter_map(|p| cell_of(*p, res).map(u64::from))
        .collect();
    cells.par_sort_unstable();
    let mut out: Vec<(CellIndex, u32)> = Vec::new();
    for c in cells {
        match out.last_mut() {
            Some((last, n)) if u64::from(*last) == c => *n += 1,
            _ => {
                if let Ok(cell) = CellIndex::try_from(c) {
                    out.push((cell, 1));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn count_points_matches_aggregate() {
        let pts: Vec<Point<f64>> = (0..2000)
            .map(|i| {
                Point::new(
                    122.45 + f64::from(i % 50) * 0.003,
                    -4.05 + f64::from(i / 50) * 0.003,
                )
            })
            .collect();
        let counted = count_points(&pts, Resolution::Eight);
        let agg = aggregate(&pts, Resolution::Eight, |p| *p, |c, _| c.children += 1);
        assert_eq!(counted.len(), agg.len());
        for (cell, n) in &counted {
            assert_eq!(agg[cell].children, *n);
        }
        assert_eq!(counted.iter().map(|(_, n)| n).sum::<u32>(), 2000);
        // Resolution is the cell's own, not a roll-up.
        for (cell, _) in &counted {
            assert_eq!(cell.resolution(), Resolution::Eight);
        }
    }
}
