//! What the public may see: aggregates of villages and of H3 cells at resolution 8 or
//! coarser, with counts 1..k-1 shown as "<k" and complementary suppression so none
//! can be worked back from the totals ([`suppress`]). No record, no point, no
//! identifier ever reaches this module's output: it holds counts only.
//!
//! [`PublicView::build`] counts the case records of one period per village (plus
//! the records outside every village, as one more area) and per cell at resolutions
//! 5-8, for seven fields, and suppresses each field over villages and all four
//! resolutions together (a village is published once, whatever the resolution).

pub mod coverage;
pub mod suppress;
pub mod tiles;

use crate::index::cases::Cases;
use crate::model::{Period, point_cells};
use h3o::CellIndex;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
pub use suppress::Shown;

/// The published count fields, in this order everywhere.
pub const FIELDS: [&str; 7] = [
    "children",
    "stunted",
    "severe",
    "households",
    "no_latrine",
    "no_safe_water",
    "no_sanitation",
];
/// Fields 0..3 count children, 3..7 households.
const CHILD_FIELDS: usize = 3;
/// The finest resolution the public sees.
pub const MAX_PUBLIC_RES: u8 = 8;
/// Resolutions published, and a point's cell at each.
pub use crate::model::{PUBLIC_RESOLUTIONS, PointCells};

/// One area's seven published fields.
pub type Row = [Shown; 7];

/// The public figures of one period.
#[derive(Debug, Clone)]
pub struct PublicView {
    pub k: u64,
    /// In the order of the village codes given to [`PublicView::build`].
    pub villages: Vec<Row>,
    /// Records outside every village.
    pub outside: Row,
    /// Per resolution (5..=8), every cell with a record, in cell order.
    pub cells: BTreeMap<u8, Vec<(CellIndex, Row)>>,
    /// City totals, with counts 1..k-1 shown as "<k" like any area's: a small
    /// round (a pilot, a new period) would otherwise publish its handful of
    /// children. A hidden total weakens the city equation the suppression uses,
    /// never helps a reader.
    pub totals: Row,
}

/// Counts of one resolution: per area, per field.
struct Layer {
    cells: Vec<CellIndex>,
    values: [Vec<u64>; 7],
    /// Per population (children, households): (village, cell) pairs with a record.
    edges: [Vec<(usize, usize)>; 2],
}

impl PublicView {
    /// Counts and suppresses the records of `period` (`None`: every period's
    /// children; households have no period) among `village_codes`.
    #[must_use]
    pub fn build(cases: &Cases, village_codes: &[String], period: Option<Period>, k: u64) -> Self {
        Self::build_with(cases, &CaseCells::new(cases), village_codes, period, k)
    }

    /// [`PublicView::build`] with the records' cells already found
    /// ([`CaseCells::new`] of the same `cases`, once for every period). Runs on the
    /// calling thread alone (no rayon): the server builds a view inside a `OnceLock`
    /// on a render thread, and a rayon wait there could run another render that
    /// asks for the same view.
    #[must_use]
    pub fn build_with(
        cases: &Cases,
        cells: &CaseCells,
        village_codes: &[String],
        period: Option<Period>,
        k: u64,
    ) -> Self {
        let nv = village_codes.len() + 1; // + outside
        let index: HashMap<&str, usize> = village_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let village_of = |v: &Option<String>| {
            v.as_deref()
                .and_then(|c| index.get(c).copied())
                .unwrap_or(nv - 1)
        };
        // Each record: village, its cells at the public resolutions, its
        // contribution to the seven fields, and its population (0 children, 1
        // households).
        let mut records: Vec<(usize, PointCells, [u64; 7], usize)> = Vec::new();
        for (c, at) in cases.children.iter().zip(&cells.children) {
            let ch = &c.child;
            if period.is_some_and(|p| ch.period != p) || ch.is_flagged() {
                continue;
            }
            let f = [
                1,
                u64::from(ch.is_stunted()),
                u64::from(ch.is_severely_stunted()),
                0,
                0,
                0,
                0,
            ];
            records.push((village_of(&c.village), *at, f, 0));
        }
        for (h, at) in cases.households.iter().zip(&cells.households) {
            let hh = &h.household;
            let f = [
                0,
                0,
                0,
                1,
                u64::from(!hh.has_latrine),
                u64::from(!hh.safe_water),
                u64::from(!hh.improved_sanitation),
            ];
            records.push((village_of(&h.village), *at, f, 1));
        }
        let mut vvalues: [Vec<u64>; 7] = std::array::from_fn(|_| vec![0; nv]);
        for (v, _, f, _) in &records {
            for (column, add) in vvalues.iter_mut().zip(f) {
                column[*v] += add;
            }
        }
        let layers: Vec<Layer> = (0..PUBLIC_RESOLUTIONS.len())
            .map(|r| layer(&records, r))
            .collect();
        let mut rows_v = vec![[Shown::Value(0); 7]; nv];
        let mut rows_c: Vec<Vec<Row>> = layers
            .iter()
            .map(|l| vec![[Shown::Value(0); 7]; l.cells.len()])
            .collect();
        for field in 0..7 {
            let pop = usize::from(field >= CHILD_FIELDS);
            let cells: Vec<Vec<u64>> = layers.iter().map(|l| l.values[field].clone()).collect();
            let edges: Vec<Vec<(usize, usize)>> =
                layers.iter().map(|l| l.edges[pop].clone()).collect();
            let (sv, sc) = suppress::suppress(&vvalues[field], &cells, &edges, k);
            for (i, s) in sv.into_iter().enumerate() {
                rows_v[i][field] = s;
            }
            for (r, layer) in sc.into_iter().enumerate() {
                for (i, s) in layer.into_iter().enumerate() {
                    rows_c[r][i][field] = s;
                }
            }
        }
        let totals = std::array::from_fn(|i| {
            let total: u64 = vvalues[i].iter().sum();
            if (1..k).contains(&total) {
                Shown::Small
            } else {
                Shown::Value(total)
            }
        });
        let outside = rows_v.pop().unwrap_or([Shown::Value(0); 7]);
        let cells = PUBLIC_RESOLUTIONS
            .iter()
            .zip(layers)
            .zip(rows_c)
            .map(|((res, l), rows)| (u8::from(*res), l.cells.into_iter().zip(rows).collect()))
            .collect();
        Self {
            k,
            villages: rows_v,
            outside,
            cells,
            totals,
        }
    }
}

/// The cells of every child and household of a [`Cases`] (in their order), found
/// once on every core for every period's [`PublicView::build_with`].
#[derive(Debug, Clone, Default)]
pub struct CaseCells {
    pub children: Vec<PointCells>,
    pub households: Vec<PointCells>,
}

impl CaseCells {
    /// Finds the cells of `cases`' records on every core. A child at a household's
    /// very point (most are: children are placed at their home;
    /// [`crate::index::cases::CaseChild::home`])
    /// takes that household's cells instead of finding them again.
    #[must_use]
    pub fn new(cases: &Cases) -> Self {
        let households: Vec<PointCells> = cases
            .households
            .par_iter()
            .map(|h| point_cells(h.household.location))
            .collect();
        Self::with_households(cases, households)
    }

    /// The cells of each household, in order: those the store keeps with it
    /// (`stored[i]`, found when it was imported) or, for a household without them
    /// (`None`, or `stored` shorter than `households`), found here on every core.
    /// The part of [`CaseCells::new`] that needs only the households (`sigap
    /// publish` runs it while the rest of the store loads).
    ///
    /// # Units
    /// Household locations are WGS84 degrees (x = lon, y = lat).
    #[must_use]
    pub fn of_households(
        households: &[crate::model::Household],
        stored: &[Option<PointCells>],
    ) -> Vec<PointCells> {
        households
            .par_iter()
            .enumerate()
            .map(|(i, h)| {
                stored
                    .get(i)
                    .copied()
                    .flatten()
                    .unwrap_or_else(|| point_cells(h.location))
            })
            .collect()
    }

    /// [`CaseCells::new`] with the households' cells already found
    /// ([`CaseCells::of_households`] of the households `cases` were built from).
    #[must_use]
    pub fn with_households(cases: &Cases, households: Vec<PointCells>) -> Self {
        debug_assert_eq!(households.len(), cases.households.len());
        let children = cases
            .children
            .par_iter()
            .map(|c| match c.home {
                Some(i) => households[i],
                None => point_cells(c.child.location),
            })
            .collect();
        Self {
            children,
            households,
        }
    }
}

/// The counts of every cell at the `r`-th public resolution and the (village, cell)
/// pairs with records.
fn layer(records: &[(usize, PointCells, [u64; 7], usize)], r: usize) -> Layer {
    let located: Vec<Option<CellIndex>> = records.iter().map(|rec| rec.1[r]).collect();
    let mut cells: Vec<CellIndex> = located.iter().flatten().copied().collect();
    cells.sort_unstable();
    cells.dedup();
    let at: HashMap<CellIndex, usize> = cells.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let mut values: [Vec<u64>; 7] = std::array::from_fn(|_| vec![0; cells.len()]);
    let mut edges: [Vec<(usize, usize)>; 2] = [Vec::new(), Vec::new()];
    for (r, cell) in records.iter().zip(&located) {
        let Some(ci) = cell.and_then(|c| at.get(&c).copied()) else {
            continue;
        };
        for (column, add) in values.iter_mut().zip(r.2) {
            column[ci] += add;
        }
        edges[r.3].push((r.0, ci));
    }
    for e in &mut edges {
        e.sort_unstable();
        e.dedup();
    }
    Layer {
        cells,
        values,
        edges,
    }
}

/// One published field of an area.
#[derive(Debug, Clone, PartialEq)]
pub enum Published {
    Count(u64),
    Text(String),
    Rate(f64),
    /// Hidden, or a rate not allowed.
    Null,
}

/// Every published field of an area, in order: each count `f` (the number or null)
/// and `f_text` ("123", "<k" or "*"), then the rates allowed (both counts published,
/// denominator at least `min_den`), as shares rounded to 0.001, and the prevalence
/// bound of a hidden stunted count ([`prevalence_max`]).
#[must_use]
pub fn row_fields(row: &Row, k: u64, min_den: u64) -> Vec<(String, Published)> {
    let mut out = Vec::with_capacity(18);
    for (i, name) in FIELDS.iter().enumerate() {
        let (v, text) = match row[i] {
            Shown::Value(v) => (Published::Count(v), v.to_string()),
            Shown::Small => (Published::Null, format!("<{k}")),
            Shown::Hidden => (Published::Null, "*".into()),
        };
        out.push(((*name).to_owned(), v));
        out.push((format!("{name}_text"), Published::Text(text)));
    }
    let rate = |num: usize, den: usize| match (row[num], row[den]) {
        (Shown::Value(n), Shown::Value(d)) if d >= min_den && d > 0 => {
            Published::Rate((n as f64 / d as f64 * 1000.0).round() / 1000.0)
        }
        _ => Published::Null,
    };
    out.push(("prevalence".into(), rate(1, 0)));
    out.push(("no_latrine_share".into(), rate(4, 3)));
    out.push(("no_safe_water_share".into(), rate(5, 3)));
    out.push(("no_sanitation_share".into(), rate(6, 3)));
    out.push(("prevalence_max".into(), prevalence_max(row, k, min_den)));
    out
}

/// Highest prevalence a WHO class "low" (below 10 %) area could have.
pub const LOW_PREVALENCE: f64 = 0.10;

/// The prevalence bound that the published counts imply where the stunted count is
/// hidden as "<k": at most `(k-1) / children`, rounded up to 0.001, published only
/// when that bound is below [`LOW_PREVALENCE`] (for k = 10, at least 91 children).
/// It lets the map colour an area that would otherwise be grey ("below 2.7 %"), and
/// it is computed from published numbers alone, so it tells a reader nothing the
/// counts did not: the attacks on the suppression are unchanged by it.
fn prevalence_max(row: &Row, k: u64, min_den: u64) -> Published {
    match (row[0], row[1]) {
        (Shown::Value(n), Shown::Small) if n >= min_den.max(1) => {
            let bound = ((k - 1) as f64 / n as f64 * 1000.0).ceil() / 1000.0;
            if bound < LOW_PREVALENCE {
                Published::Rate(bound)
            } else {
                Published::Null
            }
        }
        _ => Published::Null,
    }
}

/// Priority class of each village, 1 (the fifth with the highest risk score) to 5.
#[must_use]
pub fn priority_classes(villages: &[crate::index::VillageStats]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..villages.len()).collect();
    order.sort_by(|&a, &b| {
        villages[b]
            .stats
            .risk
            .score
            .total_cmp(&villages[a].stats.risk.score)
    });
    let n = order.len().max(1);
    let mut class = vec![0; order.len()];
    for (rank, &i) in order.iter().enumerate() {
        class[i] = rank * 5 / n + 1;
    }
    class
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(row: &Row, name: &str) -> Published {
        row_fields(row, 10, 30)
            .into_iter()
            .find(|(n, _)| n == name)
            .map_or(Published::Null, |(_, v)| v)
    }

    #[test]
    fn a_hidden_count_of_many_children_gives_its_prevalence_bound() {
        let mut row = [Shown::Value(0); 7];
        row[1] = Shown::Small;
        // 9 of 333 at most: 2.7027 % rounded up.
        row[0] = Shown::Value(333);
        assert_eq!(field(&row, "prevalence_max"), Published::Rate(0.028));
        assert_eq!(field(&row, "prevalence"), Published::Null);
        // 9 of 90 is 10 %: not "low", so no bound; 9 of 91 is.
        row[0] = Shown::Value(90);
        assert_eq!(field(&row, "prevalence_max"), Published::Null);
        row[0] = Shown::Value(91);
        assert_eq!(field(&row, "prevalence_max"), Published::Rate(0.099));
        // A published or "*" count, or hidden children: no bound.
        row[1] = Shown::Value(12);
        assert_eq!(field(&row, "prevalence_max"), Published::Null);
        row[1] = Shown::Hidden;
        assert_eq!(field(&row, "prevalence_max"), Published::Null);
        row[0] = Shown::Small;
        row[1] = Shown::Small;
        assert_eq!(field(&row, "prevalence_max"), Published::Null);
    }
}
