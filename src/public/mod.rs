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
        let index: FastMap<&str, u32> = village_codes
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), u32::try_from(i).unwrap_or(u32::MAX)))
            .collect();
        let outside = u32::try_from(nv - 1).unwrap_or(u32::MAX);
        let village_of = |v: &Option<String>| {
            v.as_deref()
                .and_then(|c| index.get(c).copied())
                .unwrap_or(outside)
        };
        // Each record: its village, its contribution to the seven fields (bit f set:
        // one to field f), its population (0 children, 1 households) and its cells at
        // the public resolutions (borrowed from `cells`).
        let mut records: Vec<Record<'_>> =
            Vec::with_capacity(cases.children.len() + cases.households.len());
        for (c, at) in cases.children.iter().zip(&cells.children) {
            let ch = &c.child;
            if period.is_some_and(|p| ch.period != p) || ch.is_flagged() {
                continue;
            }
            let fields =
                1 | u8::from(ch.is_stunted()) << 1 | u8::from(ch.is_severely_stunted()) << 2;
            records.push(Record {
                village: village_of(&c.village),
                fields,
                population: 0,
                cells: at,
            });
        }
        for (h, at) in cases.households.iter().zip(&cells.households) {
            let hh = &h.household;
            let fields = 1 << 3
                | u8::from(!hh.has_latrine) << 4
                | u8::from(!hh.safe_water) << 5
                | u8::from(!hh.improved_sanitation) << 6;
            records.push(Record {
                village: village_of(&h.village),
                fields,
                population: 1,
                cells: at,
            });
        }
        let mut vvalues: [Vec<u64>; 7] = std::array::from_fn(|_| vec![0; nv]);
        for r in &records {
            for (f, column) in vvalues.iter_mut().enumerate() {
                column[r.village as usize] += u64::from(r.fields >> f & 1);
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
    /// (`stored[i]`, found when it was imported, as [`crate::store::Store`] reads
    /// them beside the households) or, for a household without them (`None`), found
    /// here on every core. The part of [`CaseCells::new`] that needs only the
    /// households (`sigap publish` runs it while the rest of the store loads).
    ///
    /// # Units
    /// Household locations are WGS84 degrees (x = lon, y = lat).
    #[must_use]
    pub fn of_households(
        households: &[crate::model::Household],
        stored: &[Option<PointCells>],
    ) -> Vec<PointCells> {
        debug_assert_eq!(households.len(), stored.len());
        households
            .par_iter()
            .zip(stored)
            .map(|(h, cells)| cells.unwrap_or_else(|| point_cells(h.location)))
            .collect()
    }

    /// [`CaseCells::new`] with the households' cells already found
    /// ([`CaseCells::of_households`] of the households `cases` were built from).
    #[must_use]
    pub fn with_households(cases: &Cases, households: Vec<PointCells>) -> Self {
        Self {
            children: Self::of_children(cases, &households),
            households,
        }
    }

    /// The cells of `cases`' children, on every core: a child at home takes its
    /// household's (`households`, in the order of `cases.households`), the others'
    /// are found. The part of [`CaseCells::with_households`] that only reads the
    /// households' cells, so it can run while they are used elsewhere.
    #[must_use]
    pub fn of_children(cases: &Cases, households: &[PointCells]) -> Vec<PointCells> {
        debug_assert_eq!(households.len(), cases.households.len());
        cases
            .children
            .par_iter()
            .map(|c| match c.home {
                Some(i) => households[i],
                None => point_cells(c.child.location),
            })
            .collect()
    }
}

/// A hash map for the public counts' integer and short-string keys: foldhash (the
/// hasher hashbrown itself uses) is several times faster than the standard `SipHash`
/// here, and no key comes from a request (nothing to flood).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;

/// One child or household counted in a [`PublicView`] (see its `build_with`).
struct Record<'c> {
    /// Index into the villages, or one past the last for outside every village.
    village: u32,
    /// Bit `f` set: one to field `f`.
    fields: u8,
    /// 0 children, 1 households.
    population: usize,
    cells: &'c PointCells,
}

/// The counts of every cell at the `r`-th public resolution and the (village, cell)
/// pairs with records.
fn layer(records: &[Record<'_>], r: usize) -> Layer {
    // Cells numbered as first met, then renumbered in cell order.
    let mut at: FastMap<CellIndex, u32> = FastMap::default();
    let mut met: Vec<CellIndex> = Vec::new();
    let mut of_record: Vec<u32> = Vec::with_capacity(records.len());
    for rec in records {
        let id = rec.cells[r].map_or(u32::MAX, |c| {
            *at.entry(c).or_insert_with(|| {
                met.push(c);
                u32::try_from(met.len() - 1).unwrap_or(u32::MAX)
            })
        });
        of_record.push(id);
    }
    let mut order: Vec<u32> = (0..u32::try_from(met.len()).unwrap_or(u32::MAX)).collect();
    order.sort_unstable_by_key(|&i| met[i as usize]);
    let mut rank = vec![0u32; met.len()];
    for (position, &i) in order.iter().enumerate() {
        rank[i as usize] = u32::try_from(position).unwrap_or(u32::MAX);
    }
    let cells: Vec<CellIndex> = order.iter().map(|&i| met[i as usize]).collect();
    let mut values: [Vec<u64>; 7] = std::array::from_fn(|_| vec![0; cells.len()]);
    let mut pairs: [std::collections::HashSet<(u32, u32), foldhash::fast::FixedState>; 2] =
        Default::default();
    for (rec, &id) in records.iter().zip(&of_record) {
        if id == u32::MAX {
            continue;
        }
        let ci = rank[id as usize];
        for (f, column) in values.iter_mut().enumerate() {
            column[ci as usize] += u64::from(rec.fields >> f & 1);
        }
        pairs[rec.population].insert((rec.village, ci));
    }
    let edges = pairs.map(|set| {
        let mut e: Vec<(usize, usize)> = set
            .into_iter()
            .map(|(v, c)| (v as usize, c as usize))
            .collect();
        e.sort_unstable();
        e
    });
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
pub fn priority_classes(villages: &[crate::analysis::VillageStats]) -> Vec<usize> {
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
