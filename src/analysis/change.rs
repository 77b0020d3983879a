//! Change between two measurement periods, per village and per H3 cell: who was
//! followed (measured in both), who became stunted, who recovered.
//!
//! Steps: [`Placements::new`] locates every child of one period once (its village,
//! and its cell at each of [`RESOLUTIONS`], by the same rules as
//! [`super::Analysis`]: a child placed by village code counts in its village, and in
//! a cell only where the whole village lies in that cell); [`compare`] joins two
//! periods' placements by pseudonym.
//!
//! A child followed across periods is attributed to the area of its position in the
//! *current* period (a family that moved counts where it lives now). The base
//! period's own counts (children, stunted) are per area of the base positions, as
//! the base period's analysis counts them.

use super::areas::whole_village_cells;
use crate::index::hex::{RESOLUTIONS, cell_of};
use crate::index::villages::VillageIndex;
use crate::model::{Child, Period, Village};
use h3o::CellIndex;
use rayon::prelude::*;
use std::collections::HashMap;

/// Where one child of a period is counted.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Place {
    stunted: bool,
    /// Index into the villages the placements were made with.
    village: Option<usize>,
    /// Per resolution, in [`RESOLUTIONS`] order.
    cells: [Option<CellIndex>; RESOLUTIONS.len()],
}

/// Every child of one period with the village and cells it is counted in.
#[derive(Debug, Clone, Default)]
pub struct Placements {
    by_id: HashMap<String, Place>,
}

impl Placements {
    /// Locates `children` (all of one period) among `villages`; children with a
    /// flagged haz are left out.
    ///
    /// # Panics
    /// Never; a child appearing twice (impossible after import) keeps its last place.
    #[must_use]
    pub fn new(villages: &[Village], children: &[Child]) -> Self {
        let index = VillageIndex::new(villages);
        let by_code: HashMap<&str, usize> = villages
            .iter()
            .enumerate()
            .map(|(i, v)| (v.code.as_str(), i))
            .collect();
        let mut whole: HashMap<usize, [Option<CellIndex>; RESOLUTIONS.len()]> = HashMap::new();
        let located: Vec<Option<usize>> = children
            .par_iter()
            .map(|c| match &c.placed_by_village {
                Some(code) => by_code.get(code.as_str()).copied(),
                None => index.locate(c.location),
            })
            .collect();
        let by_id = children
            .iter()
            .zip(located)
            // A flagged haz (WHO: implausible) is no evidence of change either way.
            .filter(|(c, _)| !c.is_flagged())
            .map(|(c, village)| {
                let cells = if c.has_measured_location() {
                    RESOLUTIONS.map(|res| cell_of(c.location, res))
                } else {
                    village.map_or([None; RESOLUTIONS.len()], |i| {
                        *whole
                            .entry(i)
                            .or_insert_with(|| whole_village_cells(&villages[i].boundary))
                    })
                };
                let place = Place {
                    stunted: c.is_stunted(),
                    village,
                    cells,
                };
                (c.id.clone(), place)
            })
            .collect();
        Self { by_id }
    }

    /// Children placed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// How one area changed since the base period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AreaChange {
    /// Children measured in the base period in this area (base positions).
    pub base_children: u32,
    /// Of them, stunted (haz < -2) in the base period.
    pub base_stunted: u32,
    /// Children measured in both periods, in this area now.
    pub followed: u32,
    /// Followed children not stunted in the base period and stunted now.
    pub newly_stunted: u32,
    /// Followed children stunted in the base period and not stunted now.
    pub recovered: u32,
}

/// The change of every area from a base period to the current one.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub base: Period,
    /// Per village, in the order of the villages the placements were made with.
    pub villages: Vec<AreaChange>,
    /// Per cell, every resolution of [`RESOLUTIONS`] (a cell knows its own).
    pub cells: HashMap<CellIndex, AreaChange>,
}

impl Change {
    /// The change of the `i`-th village (zero when out of range).
    #[must_use]
    pub fn village(&self, i: usize) -> AreaChange {
        self.villages.get(i).copied().unwrap_or_default()
    }

    /// The change of a cell (zero where no child of either period was counted).
    #[must_use]
    pub fn cell(&self, cell: CellIndex) -> AreaChange {
        self.cells.get(&cell).copied().unwrap_or_default()
    }
}

/// Compares `current` with `base` (see the module doc for who is counted where).
/// `villages` is how many villages both placements were made with.
#[must_use]
pub fn compare(
    current: &Placements,
    base: &Placements,
    base_period: Period,
    villages: usize,
) -> Change {
    let mut out = Change {
        base: base_period,
        villages: vec![AreaChange::default(); villages],
        cells: HashMap::new(),
    };
    for p in base.by_id.values() {
        for_areas(&mut out, p, |a| {
            a.base_children += 1;
            a.base_stunted += u32::from(p.stunted);
        });
    }
    for (id, now) in &current.by_id {
        let Some(then) = base.by_id.get(id) else {
            continue;
        };
        let (newly, recovered) = (!then.stunted && now.stunted, then.stunted && !now.stunted);
        for_areas(&mut out, now, |a| {
            a.followed += 1;
            a.newly_stunted += u32::from(newly);
            a.recovered += u32::from(recovered);
        });
    }
    out
}

/// Applies `f` to the village and every cell `place` is counted in.
fn for_areas(out: &mut Change, place: &Place, mut f: impl FnMut(&mut AreaChange)) {
    if let Some(v) = place.village.and_then(|i| out.villages.get_mut(i)) {
        f(v);
    }
    for cell in place.cells.iter().flatten() {
        f(out.cells.entry(*cell).or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Sex;
    use geo::{MultiPolygon, Point, polygon};
    use h3o::Resolution;

    fn village(code: &str, x0: f64) -> Village {
        Village {
            code: code.into(),
            name: code.into(),
            district: "D".into(),
            boundary: MultiPolygon(vec![polygon![
                (x: x0, y: -4.0), (x: x0 + 0.01, y: -4.0), (x: x0 + 0.01, y: -3.99),
                (x: x0, y: -3.99), (x: x0, y: -4.0)
            ]]),
        }
    }

    fn child(id: &str, x: f64, haz: f64, period: &str) -> Child {
        let measure = chrono::NaiveDate::from_ymd_opt(2026, 8, 3).expect("date");
        Child {
            id: id.into(),
            location: Point::new(x, -3.995),
            sex: Sex::Male,
            birth_date: measure - chrono::Days::new(500),
            measure_date: measure,
            height_cm: 75.0,
            haz,
            placed_by_village: None,
            period: period.parse().expect("period"),
        }
    }

    #[test]
    fn followed_children_count_where_they_are_now() {
        let villages = [village("7471000001", 122.50), village("7471000002", 122.52)];
        let feb = [
            child("a", 122.505, -2.5, "2026-02"), // stunted, recovers
            child("b", 122.505, -1.0, "2026-02"), // becomes stunted after moving to village 2
            child("c", 122.505, -2.2, "2026-02"), // stays stunted
            child("d", 122.525, -0.5, "2026-02"), // not measured in August
        ];
        let aug = [
            child("a", 122.505, -1.5, "2026-08"),
            child("b", 122.525, -2.4, "2026-08"),
            child("c", 122.505, -2.1, "2026-08"),
            child("e", 122.505, -2.6, "2026-08"), // new in August: not followed
        ];
        let base = Placements::new(&villages, &feb);
        let now = Placements::new(&villages, &aug);
        let period: Period = "2026-02".parse().expect("period");
        let change = compare(&now, &base, period, villages.len());
        let v1 = AreaChange {
            base_children: 3,
            base_stunted: 2,
            followed: 2,
            newly_stunted: 0,
            recovered: 1,
        };
        let v2 = AreaChange {
            base_children: 1,
            base_stunted: 0,
            followed: 1,
            newly_stunted: 1,
            recovered: 0,
        };
        assert_eq!(change.villages, [v1, v2]);
        // At a coarse resolution both villages share one cell: the sums.
        let cell = cell_of(Point::new(122.505, -3.995), Resolution::Five).expect("cell");
        let same = cell_of(Point::new(122.525, -3.995), Resolution::Five).expect("cell");
        assert_eq!(cell, same);
        let c = change.cell(cell);
        assert_eq!(
            (
                c.base_children,
                c.base_stunted,
                c.followed,
                c.newly_stunted,
                c.recovered
            ),
            (4, 2, 3, 1, 1)
        );
    }
}
