//! Tests of [`Snapshot::build_after`]: after a change to one period's children only
//! that period is analysed again, after a change to a shared layer every period is,
//! and either way the answers are those of a fresh [`Snapshot::build`].

use super::*;
use crate::model::{Child, Facility, FacilityKind, Household, Sex, TileCoord, Village};
use crate::store::Dataset;
use crate::tiles::source::TileSet;
use chrono::NaiveDate;
use geo::{MultiPolygon, Point, Rect};

/// A village's side in degrees (about 1.1 km).
const SIDE: f64 = 0.01;
/// The south-west corner of the 3 x 3 villages, in Kendari.
const ORIGIN: [f64; 2] = [122.49, -3.99];

/// splitmix64's next value in `[0, 1)`.
fn unit(state: &mut u64) -> f64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / u64::MAX as f64
}

fn period(year: u16, month: u8) -> Period {
    Period::new(year, month).expect("a valid period")
}

/// The periods of [`dataset`]'s children, in time order.
fn periods() -> [Period; 3] {
    [period(2025, 2), period(2025, 8), period(2026, 2)]
}

/// `n` children measured in `p` near the households, one in ten placed by its
/// village's code, with HAZ drawn from `seed`.
fn children(p: Period, n: usize, households: &[Household], seed: u64) -> Vec<Child> {
    let mut s = seed;
    (0..n)
        .map(|i| {
            let home = &households[(unit(&mut s) * households.len() as f64) as usize];
            let measure = NaiveDate::from_ymd_opt(i32::from(p.year()), u32::from(p.month()), 10)
                .expect("a date");
            Child {
                id: format!("child{i:04}"),
                location: Point::new(
                    home.location.x() + 2e-4 * (unit(&mut s) - 0.5),
                    home.location.y() + 2e-4 * (unit(&mut s) - 0.5),
                ),
                sex: if i % 2 == 0 { Sex::Male } else { Sex::Female },
                birth_date: measure - chrono::Days::new(200 + (i as u64 * 37) % 1500),
                measure_date: measure,
                height_cm: 60.0 + 40.0 * unit(&mut s),
                haz: -3.5 + 4.0 * unit(&mut s),
                placed_by_village: (i % 10 == 0).then(|| village_code(i % 9)),
                period: p,
            }
        })
        .collect()
}

fn village_code(k: usize) -> String {
    format!("74710110{k:02}")
}

/// Nine square villages, 400 households, two puskesmas and 120 children in each of
/// three periods.
fn dataset() -> Dataset {
    let villages = (0..9)
        .map(|k| {
            let (west, south) = (
                ORIGIN[0] + (k % 3) as f64 * SIDE,
                ORIGIN[1] + (k / 3) as f64 * SIDE,
            );
            Village {
                code: village_code(k),
                name: format!("Desa {k}"),
                district: format!("Kecamatan {}", k / 3),
                boundary: MultiPolygon::new(vec![
                    Rect::new((west, south), (west + SIDE, south + SIDE)).to_polygon(),
                ]),
            }
        })
        .collect();
    let mut s = 11;
    let households: Vec<Household> = (0..400)
        .map(|i| Household {
            id: format!("house{i:04}"),
            location: Point::new(
                ORIGIN[0] + 3.0 * SIDE * unit(&mut s),
                ORIGIN[1] + 3.0 * SIDE * unit(&mut s),
            ),
            has_latrine: unit(&mut s) > 0.3,
            safe_water: unit(&mut s) > 0.2,
            improved_sanitation: unit(&mut s) > 0.4,
            unfit_housing: Some(unit(&mut s) < 0.1),
            four_t: None,
            targets: None,
        })
        .collect();
    let children = periods()
        .iter()
        .zip(1..)
        .flat_map(|(&p, seed)| children(p, 120, &households, seed))
        .collect();
    let facilities = [(0.005, 0.005), (0.025, 0.02)]
        .iter()
        .enumerate()
        .map(|(i, (dx, dy))| Facility {
            id: format!("P{i}"),
            name: format!("Puskesmas {i}"),
            kind: FacilityKind::Puskesmas,
            location: Point::new(ORIGIN[0] + dx, ORIGIN[1] + dy),
        })
        .collect();
    Dataset {
        villages,
        children,
        households: Arc::new(households),
        facilities,
        ..Dataset::default()
    }
}

/// The XYZ tile holding a point at zoom `z`.
///
/// # Units
/// `lon`, `lat` in WGS84 degrees.
fn tile_xy(lon: f64, lat: f64, z: u8) -> (u32, u32) {
    let world = crate::tiles::mercator::lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << z);
    ((world.x * n) as u32, (world.y * n) as u32)
}

/// Everything a period's view answers, as text and tile bytes.
#[derive(PartialEq)]
struct Answers {
    /// The whole analysis (villages, cells, totals, bounds...).
    analysis: String,
    /// Every tile of every set over the city at zooms 11, 13 and 15.
    tiles: Vec<Vec<u8>>,
    /// The comparison with every period.
    changes: Vec<String>,
}

/// Each period's [`Answers`].
fn answers(s: &Snapshot) -> BTreeMap<Option<Period>, Answers> {
    let mut keys: Vec<Option<Period>> = s.periods().into_iter().map(Some).collect();
    if keys.is_empty() {
        keys.push(None);
    }
    keys.into_iter()
        .map(|key| {
            let (analysis, sources) = s.view(key);
            let mut tiles = Vec::new();
            for z in [11, 13, 15] {
                let (x0, y0) = tile_xy(ORIGIN[0], ORIGIN[1] + 3.0 * SIDE, z);
                let (x1, y1) = tile_xy(ORIGIN[0] + 3.0 * SIDE, ORIGIN[1], z);
                for (x, y) in (x0..=x1).flat_map(|x| (y0..=y1).map(move |y| (x, y))) {
                    let coord = TileCoord::new(z, x, y).expect("a tile");
                    tiles.extend(TileSet::ALL.map(|set| sources.render(set, coord)));
                }
            }
            // The cells' changes are a hash map: compared in cell order.
            let changes = s
                .periods()
                .iter()
                .map(|base| {
                    let change = s.change(key, &base.to_string()).expect("a period");
                    let cells: BTreeMap<_, _> = change.cells.iter().collect();
                    format!("{:?} {:?} {cells:?}", change.base, change.villages)
                })
                .collect();
            let analysis = format!("{analysis:?}");
            (
                key,
                Answers {
                    analysis,
                    tiles,
                    changes,
                },
            )
        })
        .collect()
}

/// Whether `a` and `b` share the analysis and tile sources of `key`.
fn shares_view(a: &Snapshot, b: &Snapshot, key: Option<Period>) -> bool {
    let view = |s: &Snapshot| match key.filter(|p| Some(*p) != s.default_period) {
        Some(p) => s.other_periods.get(&p).cloned(),
        None => (s.default_period == key).then(|| (s.analysis.clone(), s.sources.clone())),
    };
    match (view(a), view(b)) {
        (Some((aa, asrc)), Some((ba, bsrc))) => Arc::ptr_eq(&aa, &ba) && Arc::ptr_eq(&asrc, &bsrc),
        _ => false,
    }
}

/// Builds `changed` after `previous` and afresh, checks that both answer the same,
/// and returns the one built after.
fn after_equals_fresh(previous: &Snapshot, changed: &Dataset) -> Snapshot {
    let config = Config::default();
    let after = Snapshot::build_after(previous, 2, changed, &config);
    let fresh = Snapshot::build(2, changed, &config);
    let (got, want) = (answers(&after), answers(&fresh));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (key, want) in &want {
        let got = &got[key];
        assert!(
            got.analysis == want.analysis,
            "{key:?}: the analyses differ"
        );
        assert!(got.tiles == want.tiles, "{key:?}: the tiles differ");
        assert!(
            got.changes == want.changes,
            "{key:?}: the comparisons differ"
        );
    }
    assert_eq!(after.default_period, fresh.default_period);
    assert_eq!(
        format!("{:?}", after.measurement),
        format!("{:?}", fresh.measurement)
    );
    after
}

#[test]
fn a_change_to_one_periods_children_rebuilds_that_period_alone() {
    let data = dataset();
    let [first, middle, last] = periods();
    let previous = Snapshot::build(1, &data, &Config::default());
    assert_eq!(
        previous.rebuilt_periods(),
        [Some(first), Some(middle), Some(last)]
    );

    let unchanged = after_equals_fresh(&previous, &data);
    assert_eq!(unchanged.rebuilt_periods(), [], "nothing changed");
    assert!(
        periods()
            .iter()
            .all(|p| shares_view(&previous, &unchanged, Some(*p)))
    );

    let in_period = |p: Period| {
        let at = data.children.iter().position(|c| c.period == p);
        at.expect("children in the period") + 7
    };
    let mut modified = data.clone();
    modified.children[in_period(middle)].haz = -4.2;
    let mut removed = data.clone();
    removed.children.remove(in_period(first));
    let mut added = data.clone();
    let mut newcomer = data.children[in_period(last)].clone();
    newcomer.id = "child9999".into();
    newcomer.location = Point::new(ORIGIN[0] + 0.5 * SIDE, ORIGIN[1] + 0.5 * SIDE);
    added.children.push(newcomer);
    for (changed, period) in [(modified, middle), (removed, first), (added, last)] {
        let after = after_equals_fresh(&previous, &changed);
        assert_eq!(after.rebuilt_periods(), [Some(period)]);
        for p in periods() {
            assert_eq!(
                shares_view(&previous, &after, Some(p)),
                p != period,
                "{p}: reused when unchanged"
            );
        }
    }

    // A new latest round: the previous default period's view moves to the others.
    let next = period(2026, 8);
    let mut new_round = data.clone();
    new_round
        .children
        .extend(children(next, 50, &data.households, 99));
    let after = after_equals_fresh(&previous, &new_round);
    assert_eq!(after.rebuilt_periods(), [Some(next)]);
    assert_eq!(after.default_period, Some(next));
    assert!(
        periods()
            .iter()
            .all(|p| shares_view(&previous, &after, Some(*p)))
    );
}

#[test]
fn a_change_to_a_shared_layer_rebuilds_every_period() {
    let data = dataset();
    let config = Config::default();
    let previous = Snapshot::build(1, &data, &config);
    let all: Vec<Option<Period>> = periods().into_iter().map(Some).collect();

    let mut moved = data.clone();
    let mut households = (*data.households).clone();
    households[3].location = Point::new(ORIGIN[0] + 2.5 * SIDE, ORIGIN[1] + 2.5 * SIDE);
    moved.households = Arc::new(households);
    let mut renamed = data.clone();
    renamed.villages[4].name = "Desa Baru".into();
    let mut facility = data.clone();
    facility.facilities.pop();
    for changed in [moved, renamed, facility] {
        let after = after_equals_fresh(&previous, &changed);
        assert_eq!(after.rebuilt_periods(), all);
        assert!(all.iter().all(|p| !shares_view(&previous, &after, *p)));
    }

    // Another configuration is a shared input too.
    let mut other = config.clone();
    other.spatial.k += 1;
    let after = Snapshot::build_after(&previous, 2, &data, &other);
    assert_eq!(after.rebuilt_periods(), all);
    assert!(answers(&after) == answers(&Snapshot::build(2, &data, &other)));

    // A store without children has one view, reused like a period's.
    let empty = Dataset {
        children: Vec::new(),
        ..data
    };
    let previous = Snapshot::build(1, &empty, &config);
    let after = after_equals_fresh(&previous, &empty);
    assert_eq!(after.rebuilt_periods(), []);
    assert!(shares_view(&previous, &after, None));
}
