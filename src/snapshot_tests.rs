//! Tests of [`Snapshot::build`]'s households' cells: those the store keeps are the
//! ones counted, and only the missing ones are found.

use super::*;
use crate::model::{Household, PointCells, Village, point_cells};
use crate::store::Dataset;
use geo::{MultiPolygon, Point, polygon};
use h3o::Resolution;

/// One square village over Kendari and three households in it, a few metres apart.
fn dataset() -> Dataset {
    let household = |i: u32| Household {
        id: format!("house{i:015}"),
        location: Point::new(122.51, -3.965 + f64::from(i) * 1e-5),
        has_latrine: i == 1,
        safe_water: true,
        improved_sanitation: true,
        unfit_housing: None,
        four_t: None,
        targets: None,
    };
    Dataset {
        villages: vec![Village {
            code: "7471011005".into(),
            name: "Mandonga".into(),
            district: "Mandonga".into(),
            boundary: MultiPolygon(vec![polygon![
                (x: 122.50, y: -3.98), (x: 122.52, y: -3.98),
                (x: 122.52, y: -3.96), (x: 122.50, y: -3.96),
                (x: 122.50, y: -3.98),
            ]]),
        }],
        households: Arc::new((0..3).map(household).collect()),
        ..Dataset::default()
    }
}

/// The households counted in each resolution-8 cell of the default period.
fn households_at_res_8(snapshot: &Snapshot) -> BTreeMap<h3o::CellIndex, u32> {
    snapshot
        .analysis
        .hexes_at(Resolution::Eight)
        .iter()
        .filter(|h| h.stats.counts.households > 0)
        .map(|h| (h.cell, h.stats.counts.households))
        .collect()
}

#[test]
fn build_counts_households_in_their_stored_cells_and_finds_only_the_missing() {
    let mut data = dataset();
    let found: Vec<PointCells> = data
        .households
        .iter()
        .map(|h| point_cells(h.location))
        .collect();
    let home = found[0][3].expect("a cell");
    assert!(found.iter().all(|c| c[3] == Some(home)), "one res-8 cell");
    // Stored cells that are not the households' own: a build that found them again
    // would count every household in `home`.
    let elsewhere = point_cells(Point::new(122.6, -3.9));
    assert_ne!(elsewhere[3], Some(home));
    data.household_cells = Arc::new(vec![Some(elsewhere), None, Some(elsewhere)]);
    let snapshot = Snapshot::build(1, &data, &Config::default());
    assert_eq!(
        snapshot.case_cells.households,
        vec![elsewhere, found[1], elsewhere],
        "stored where kept, found where not"
    );
    assert_eq!(
        households_at_res_8(&snapshot),
        BTreeMap::from([(elsewhere[3].expect("a cell"), 2), (home, 1)])
    );

    // Stored cells that do not match the households (none loaded, or a list of
    // another length) are not used: every household's cells are found.
    for stored in [vec![], vec![Some(elsewhere); 2]] {
        data.household_cells = Arc::new(stored);
        let snapshot = Snapshot::build(1, &data, &Config::default());
        assert_eq!(snapshot.case_cells.households, found);
        assert_eq!(households_at_res_8(&snapshot), BTreeMap::from([(home, 3)]));
    }
}
