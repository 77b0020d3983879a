//! Tests of [`super::case_tile`]: tiles decoded with the independent test decoder,
//! geometry compared as text in tile units.

use super::*;
use crate::model::{Child, Household, Sex};
use crate::tiles::decode::{Value as Decoded, decode};
use crate::tiles::mercator::world_to_lonlat;
use chrono::NaiveDate;
use geo::{Coord, Point};

/// A zoom-14 tile over Kendari.
fn tile() -> TileCoord {
    TileCoord::new(14, 13765, 8373).expect("valid tile")
}

/// The WGS84 point at `(tx, ty)` in `tile()`'s units (may lie outside the tile).
fn at(tx: f64, ty: f64) -> Point<f64> {
    let t = tile();
    let n = f64::from(1u32 << t.z);
    Point(world_to_lonlat(Coord {
        x: (f64::from(t.x) + tx / 4096.0) / n,
        y: (f64::from(t.y) + ty / 4096.0) / n,
    }))
}

fn august() -> Period {
    Period::new(2024, 8).expect("valid period")
}

fn child(id: &str, location: Point<f64>, village: &str, team: &str, period: Period) -> CaseChild {
    CaseChild {
        child: Child {
            id: id.to_owned(),
            location,
            sex: Sex::Female,
            birth_date: NaiveDate::from_ymd_opt(2022, 5, 17).expect("date"),
            measure_date: NaiveDate::from_ymd_opt(2024, 8, 12).expect("date"),
            height_cm: 81.5,
            haz: -2.4,
            placed_by_village: None,
            period,
        },
        village: Some(village.to_owned()),
        team: Some(team.to_owned()),
        home: None,
    }
}

fn household(id: &str, location: Point<f64>, village: Option<&str>) -> CaseHousehold {
    CaseHousehold {
        household: Household {
            id: id.to_owned(),
            location,
            has_latrine: false,
            safe_water: true,
            improved_sanitation: false,
            unfit_housing: None,
            four_t: Some(true),
            targets: None,
        },
        village: village.map(str::to_owned),
    }
}

/// Team A in villages V1 and V2, team B in V1; one record of each kind just east of
/// the tile, one child of an earlier period.
fn cases() -> Cases {
    let february = Period::new(2024, 2).expect("valid period");
    Cases {
        children: vec![
            child("a-v1", at(1024.0, 2048.0), "V1", "A", august()),
            child("b-v1", at(3000.0, 100.0), "V1", "B", august()),
            child("a-v2", at(2048.0, 4000.0), "V2", "A", august()),
            child("a-v1-east", at(4100.0, 2048.0), "V1", "A", august()),
            child("a-v1-feb", at(10.0, 10.0), "V1", "A", february),
        ],
        households: vec![
            household("h-v1", at(512.0, 512.0), Some("V1")),
            household("h-v2", at(3584.0, 3584.0), Some("V2")),
            household("h-v1-east", at(4100.0, 512.0), Some("V1")),
            household("h-nowhere", at(2048.0, 2048.0), None),
        ],
    }
}

fn team_a_in_v1() -> Scope {
    Scope::Team {
        team: "A".to_owned(),
        villages: vec!["V1".to_owned()],
    }
}

/// The pseudonyms in a decoded one-layer tile named `name`, sorted.
fn pseudonyms(bytes: &[u8], name: &str) -> Vec<String> {
    let t = decode(bytes);
    assert_eq!(t.layers.len(), 1, "one layer");
    let layer = &t.layers[0];
    assert_eq!(layer.name, name);
    let mut ids: Vec<String> = layer
        .features
        .iter()
        .map(|f| {
            let props = f.properties(layer);
            match props.iter().find(|(k, _)| k == "pseudonym") {
                Some((_, Decoded::String(s))) => s.clone(),
                other => panic!("pseudonym missing or not text: {other:?}"),
            }
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn below_the_min_zoom_the_tile_is_empty() {
    let cases = cases();
    // The ancestors of `tile()`: the same records lie in each of them.
    let ancestor = |z: u8| {
        let d = tile().z - z;
        TileCoord::new(z, tile().x >> d, tile().y >> d).expect("valid tile")
    };
    for layer in CaseLayer::ALL {
        let (bytes, n) = case_tile(
            &cases,
            &Scope::All,
            None,
            layer,
            ancestor(MIN_CASE_ZOOM - 1),
        );
        assert!(bytes.is_empty(), "{layer:?}");
        assert_eq!(n, 0, "{layer:?}");
        let (bytes, n) = case_tile(&cases, &Scope::All, None, layer, ancestor(MIN_CASE_ZOOM));
        assert!(!bytes.is_empty(), "{layer:?}");
        assert!(n > 0, "{layer:?}");
    }
}

#[test]
fn nothing_sees_no_record() {
    let cases = cases();
    for layer in CaseLayer::ALL {
        for period in [None, Some(august())] {
            let (bytes, n) = case_tile(&cases, &Scope::Nothing, period, layer, tile());
            assert!(bytes.is_empty(), "{layer:?} {period:?}");
            assert_eq!(n, 0, "{layer:?} {period:?}");
        }
    }
}

#[test]
fn a_team_sees_its_children_in_its_villages() {
    let cases = cases();
    let (bytes, n) = case_tile(
        &cases,
        &team_a_in_v1(),
        Some(august()),
        CaseLayer::Children,
        tile(),
    );
    assert_eq!(n, 1);
    assert_eq!(pseudonyms(&bytes, "children"), ["a-v1"]);
    // Every period.
    let (bytes, n) = case_tile(&cases, &team_a_in_v1(), None, CaseLayer::Children, tile());
    assert_eq!(n, 2);
    assert_eq!(pseudonyms(&bytes, "children"), ["a-v1", "a-v1-feb"]);
    // A team naming no village sees its children in every village.
    let anywhere = Scope::Team {
        team: "A".to_owned(),
        villages: Vec::new(),
    };
    let (bytes, n) = case_tile(
        &cases,
        &anywhere,
        Some(august()),
        CaseLayer::Children,
        tile(),
    );
    assert_eq!(n, 2);
    assert_eq!(pseudonyms(&bytes, "children"), ["a-v1", "a-v2"]);
}

#[test]
fn a_point_outside_the_tile_is_not_counted() {
    let cases = cases();
    let (bytes, n) = case_tile(
        &cases,
        &Scope::All,
        Some(august()),
        CaseLayer::Children,
        tile(),
    );
    assert_eq!(n, 3);
    assert_eq!(pseudonyms(&bytes, "children"), ["a-v1", "a-v2", "b-v1"]);
    // The eastern neighbour holds it.
    let east = TileCoord::new(14, tile().x + 1, tile().y).expect("valid tile");
    let (bytes, n) = case_tile(
        &cases,
        &Scope::All,
        Some(august()),
        CaseLayer::Children,
        east,
    );
    assert_eq!(n, 1);
    assert_eq!(pseudonyms(&bytes, "children"), ["a-v1-east"]);
}

#[test]
fn households_of_the_scopes_villages() {
    let cases = cases();
    let (bytes, n) = case_tile(&cases, &team_a_in_v1(), None, CaseLayer::Households, tile());
    assert_eq!(n, 1);
    assert_eq!(pseudonyms(&bytes, "households"), ["h-v1"]);
    // The period does not apply to households.
    let (_, n) = case_tile(
        &cases,
        &team_a_in_v1(),
        Some(august()),
        CaseLayer::Households,
        tile(),
    );
    assert_eq!(n, 1);
    let (bytes, n) = case_tile(&cases, &Scope::All, None, CaseLayer::Households, tile());
    assert_eq!(n, 3);
    assert_eq!(
        pseudonyms(&bytes, "households"),
        ["h-nowhere", "h-v1", "h-v2"]
    );
}

#[test]
fn a_child_is_a_point_with_its_properties() {
    let cases = cases();
    let (bytes, _) = case_tile(
        &cases,
        &team_a_in_v1(),
        Some(august()),
        CaseLayer::Children,
        tile(),
    );
    let t = decode(&bytes);
    let layer = &t.layers[0];
    assert_eq!(layer.features.len(), 1);
    let f = &layer.features[0];
    assert_eq!(f.text(), "POINT(1024 2048)");
    let props = f.properties(layer);
    let get = |k: &str| {
        props
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(get("status"), Some(Decoded::String("stunted".to_owned())));
    assert_eq!(get("sex"), Some(Decoded::String("F".to_owned())));
    assert_eq!(get("village"), Some(Decoded::String("V1".to_owned())));
    assert_eq!(get("team"), Some(Decoded::String("A".to_owned())));
    assert_eq!(get("period"), Some(Decoded::String("2024-08".to_owned())));
    assert_eq!(get("height_cm"), Some(Decoded::Double(81.5)));
    assert_eq!(get("approximate"), Some(Decoded::Bool(false)));
}

#[test]
fn a_household_leaves_out_nulls_and_lists() {
    let mut cases = cases();
    cases.households[0].household.targets = Some(crate::model::TargetGroups::default());
    let (bytes, _) = case_tile(&cases, &team_a_in_v1(), None, CaseLayer::Households, tile());
    let t = decode(&bytes);
    let layer = &t.layers[0];
    let f = &layer.features[0];
    assert_eq!(f.text(), "POINT(512 512)");
    let mut keys: Vec<String> = f.properties(layer).into_iter().map(|(k, _)| k).collect();
    keys.sort();
    // unfit_housing (null) and target_groups (a list) are left out.
    assert_eq!(
        keys,
        [
            "four_t",
            "has_latrine",
            "improved_sanitation",
            "pseudonym",
            "safe_water",
            "village"
        ]
    );
}

#[test]
fn case_layers_parse_by_name() {
    for layer in CaseLayer::ALL {
        assert_eq!(layer.name().parse::<CaseLayer>().ok(), Some(layer));
    }
    let e = "roads".parse::<CaseLayer>().expect_err("no such layer");
    assert_eq!(
        e.to_string(),
        "no case layer roads; try children or households"
    );
}
