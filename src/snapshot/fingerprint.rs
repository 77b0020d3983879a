//! Fingerprints of what a snapshot's per-period views are computed from, so that
//! [`super::Snapshot::build_after`] can tell which views of the previous snapshot
//! still hold after an import.
//!
//! A period's view (its [`crate::analysis::Analysis`], tile sources and placements)
//! reads that period's children and layers every period shares: the villages, the
//! households and their stored H3 cells, the facilities, the population raster's
//! sums, the road network and the configuration (scoring, smoothing, road speeds).
//! The shared inputs get one fingerprint and each period's children one; a view is
//! reused only when both are equal to the previous snapshot's. The deliveries, the
//! measure targets, the team assignments and the OpenStreetMap extract are read by
//! no view, only by what the snapshot rebuilds every time, and are left out.
//!
//! A fingerprint is a 64-bit foldhash (fixed seed) of every field, in order: equal
//! data gives equal fingerprints within one build of the program, and a change is
//! missed only by a hash collision (about 2^-64). Every [`Feed`] implementation
//! destructures its type without `..`, so a field added to a model type does not
//! compile until it is fed here too. Large lists are hashed in fixed-size chunks on
//! every core, then the chunks' hashes in order, so the result does not depend on
//! the number of threads.

use crate::config::Config;
use crate::model::{Child, Facility, Household, Period, PointCells, Population, Village};
use crate::roads::{RoadNetwork, Segment};
use crate::store::Dataset;
use geo::{MultiPolygon, Point};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::hash::{BuildHasher, Hash, Hasher};

/// The seed of every fingerprint (any fixed value).
const SEED: u64 = 0x5349_4741_5046_5052;
/// Items per chunk hashed on one core.
const CHUNK: usize = 1 << 14;

/// The shared inputs' fingerprint and each period's children's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fingerprints {
    /// The layers every period reads, and the configuration.
    pub shared: u64,
    /// Each view's own inputs: a period's children, or `None` for the one view of a
    /// store without children.
    pub views: BTreeMap<Option<Period>, u64>,
}

impl Fingerprints {
    /// The fingerprints of `data` analysed with `config`: the shared inputs' and one
    /// per period with children (only `None` when there are none).
    #[must_use]
    pub fn of(data: &Dataset, config: &Config) -> Self {
        let (shared, views) = rayon::join(|| shared(data, config), || views(&data.children));
        Self { shared, views }
    }
}

/// A hasher with the fixed seed.
fn hasher() -> impl Hasher {
    foldhash::quality::FixedState::with_seed(SEED).build_hasher()
}

/// The fingerprint of the layers every period reads, and of `config`.
fn shared(data: &Dataset, config: &Config) -> u64 {
    let Dataset {
        villages,
        children: _,
        households,
        household_cells,
        facilities,
        population,
        assignments: _,
        roads,
        osm_extract: _,
        deliveries: _,
        measure_targets: _,
    } = data;
    let parts = [
        list(villages),
        list(households.as_slice()),
        list(household_cells.as_slice()),
        list(facilities),
        one(population),
        one(&roads.as_deref()),
        // The configuration is small and every field is serialisable: its JSON
        // (its debug text should that ever fail, never a constant).
        one(&serde_json::to_vec(config).unwrap_or_else(|_| format!("{config:?}").into_bytes())),
    ];
    let mut h = hasher();
    parts.hash(&mut h);
    h.finish()
}

/// One fingerprint per period of `children` (in their order), or only `None` when
/// there are none.
fn views(children: &[Child]) -> BTreeMap<Option<Period>, u64> {
    let mut hashers: BTreeMap<Option<Period>, _> = BTreeMap::new();
    for c in children {
        c.feed(hashers.entry(Some(c.period)).or_insert_with(hasher));
    }
    if hashers.is_empty() {
        hashers.insert(None, hasher());
    }
    hashers.into_iter().map(|(p, h)| (p, h.finish())).collect()
}

/// The fingerprint of one value.
fn one<T: Feed + ?Sized>(value: &T) -> u64 {
    let mut h = hasher();
    value.feed(&mut h);
    h.finish()
}

/// The fingerprint of a list: its length and its chunks' fingerprints in order.
fn list<T: Feed + Sync>(items: &[T]) -> u64 {
    let chunks: Vec<u64> = items
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut h = hasher();
            for item in chunk {
                item.feed(&mut h);
            }
            h.finish()
        })
        .collect();
    let mut h = hasher();
    items.len().hash(&mut h);
    chunks.hash(&mut h);
    h.finish()
}

/// Writes every field of a value into a hasher, floats by their bits.
trait Feed {
    fn feed<H: Hasher>(&self, h: &mut H);
}

impl Feed for f64 {
    fn feed<H: Hasher>(&self, h: &mut H) {
        h.write_u64(self.to_bits());
    }
}

impl Feed for Point<f64> {
    fn feed<H: Hasher>(&self, h: &mut H) {
        self.x().feed(h);
        self.y().feed(h);
    }
}

impl Feed for MultiPolygon<f64> {
    fn feed<H: Hasher>(&self, h: &mut H) {
        h.write_usize(self.0.len());
        for polygon in &self.0 {
            h.write_usize(polygon.interiors().len());
            for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
                h.write_usize(ring.0.len());
                for c in &ring.0 {
                    c.x.feed(h);
                    c.y.feed(h);
                }
            }
        }
    }
}

impl<T: Feed> Feed for Option<T> {
    fn feed<H: Hasher>(&self, h: &mut H) {
        match self {
            None => h.write_u8(0),
            Some(v) => {
                h.write_u8(1);
                v.feed(h);
            }
        }
    }
}

impl<T: Feed + ?Sized> Feed for &T {
    fn feed<H: Hasher>(&self, h: &mut H) {
        (**self).feed(h);
    }
}

impl Feed for Vec<u8> {
    fn feed<H: Hasher>(&self, h: &mut H) {
        self.hash(h);
    }
}

impl Feed for PointCells {
    fn feed<H: Hasher>(&self, h: &mut H) {
        self.hash(h);
    }
}

impl Feed for Village {
    fn feed<H: Hasher>(&self, h: &mut H) {
        let Village {
            code,
            name,
            district,
            boundary,
        } = self;
        (code, name, district).hash(h);
        boundary.feed(h);
    }
}

impl Feed for Household {
    fn feed<H: Hasher>(&self, h: &mut H) {
        let Household {
            id,
            location,
            has_latrine,
            safe_water,
            improved_sanitation,
            unfit_housing,
            four_t,
            targets,
        } = self;
        id.hash(h);
        location.feed(h);
        (
            has_latrine,
            safe_water,
            improved_sanitation,
            unfit_housing,
            four_t,
            targets,
        )
            .hash(h);
    }
}

impl Feed for Child {
    fn feed<H: Hasher>(&self, h: &mut H) {
        let Child {
            id,
            location,
            sex,
            birth_date,
            measure_date,
            height_cm,
            haz,
            placed_by_village,
            period,
        } = self;
        id.hash(h);
        location.feed(h);
        (sex, birth_date, measure_date).hash(h);
        height_cm.feed(h);
        haz.feed(h);
        (placed_by_village, period).hash(h);
    }
}

impl Feed for Facility {
    fn feed<H: Hasher>(&self, h: &mut H) {
        let Facility {
            id,
            name,
            kind,
            location,
        } = self;
        (id, name, kind).hash(h);
        location.feed(h);
    }
}

impl Feed for Population {
    /// The maps' entries are fed in key order (a `HashMap` iterates in no fixed
    /// order).
    fn feed<H: Hasher>(&self, h: &mut H) {
        let Population {
            cells,
            villages,
            totals,
        } = self;
        let mut cells: Vec<_> = cells.iter().collect();
        cells.sort_unstable_by_key(|(c, _)| **c);
        h.write_usize(cells.len());
        for (cell, value) in cells {
            cell.hash(h);
            value.feed(h);
        }
        let mut villages: Vec<_> = villages.iter().collect();
        villages.sort_unstable_by(|a, b| a.0.cmp(b.0));
        h.write_usize(villages.len());
        for (code, value) in villages {
            code.hash(h);
            value.feed(h);
        }
        let crate::model::PopulationTotals {
            total,
            outside,
            beyond,
        } = totals;
        for v in [total, outside, beyond] {
            v.feed(h);
        }
    }
}

impl Feed for RoadNetwork {
    fn feed<H: Hasher>(&self, h: &mut H) {
        let RoadNetwork {
            nodes,
            osm_ids,
            segments,
        } = self;
        h.write_usize(nodes.len());
        for [x, y] in nodes {
            x.feed(h);
            y.feed(h);
        }
        osm_ids.hash(h);
        h.write_usize(segments.len());
        for Segment { a, b, class, flags } in segments {
            (a, b, class, flags).hash(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn every_shared_field_and_each_periods_children_change_their_fingerprint() {
        let village = Village {
            code: "7471011005".into(),
            name: "Mandonga".into(),
            district: "Mandonga".into(),
            boundary: MultiPolygon(vec![polygon![
                (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0),
            ]]),
        };
        let data = Dataset {
            villages: vec![village],
            ..Dataset::default()
        };
        let config = Config::default();
        let base = Fingerprints::of(&data, &config);
        assert_eq!(
            base,
            Fingerprints::of(&data.clone(), &config),
            "deterministic"
        );
        assert_eq!(base.views.keys().collect::<Vec<_>>(), [&None]);

        let mut renamed = data.clone();
        renamed.villages[0].name = "Mandonga Baru".into();
        assert_ne!(Fingerprints::of(&renamed, &config).shared, base.shared);

        let mut moved = data.clone();
        moved.villages[0].boundary.0[0].exterior_mut(|r| r.0[1].x = 1.5);
        assert_ne!(Fingerprints::of(&moved, &config).shared, base.shared);

        let mut other = config.clone();
        other.spatial.k += 1;
        assert_ne!(Fingerprints::of(&data, &other).shared, base.shared);

        // A child changes its own period's fingerprint alone.
        let child = |period: &str, haz: f64| Child {
            id: "c1".into(),
            location: Point::new(0.5, 0.5),
            sex: crate::model::Sex::Female,
            birth_date: chrono::NaiveDate::from_ymd_opt(2024, 1, 1).expect("a date"),
            measure_date: chrono::NaiveDate::from_ymd_opt(2025, 2, 1).expect("a date"),
            height_cm: 80.0,
            haz,
            placed_by_village: None,
            period: period.parse().expect("a period"),
        };
        let mut measured = data.clone();
        measured.children = vec![child("2025-02", -1.0), child("2025-08", -1.0)];
        let before = Fingerprints::of(&measured, &config);
        assert_eq!(before.shared, base.shared, "children are no shared input");
        measured.children[1].haz = -2.5;
        let after = Fingerprints::of(&measured, &config);
        let keys: Vec<_> = before.views.keys().copied().collect();
        assert_eq!(keys, after.views.keys().copied().collect::<Vec<_>>());
        assert_eq!(after.views[&keys[0]], before.views[&keys[0]]);
        assert_ne!(after.views[&keys[1]], before.views[&keys[1]]);

        // The measure targets are read by no period's view.
        let mut delivered = data.clone();
        delivered.measure_targets.push(crate::model::MeasureTarget {
            code: "7471011005".into(),
            period: None,
            target: 10.0,
        });
        assert_eq!(Fingerprints::of(&delivered, &config), base);
    }
}
