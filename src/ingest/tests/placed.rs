//! Children without coordinates, placed at their village by its code: accepted,
//! counted in their village, and in H3 cells only where the village is one cell.

use super::*;
use crate::analysis::Analysis;
use crate::config::Config;
use crate::index::hex::{RESOLUTIONS, cell_of};
use geo::{Contains, Point};
use h3o::{LatLng, Resolution};

const PLACED_HEADER: &str = "id,lat,lon,sex,birth_date,measure_date,height_cm,haz,village_code";
/// The tiny village's code.
const TINY: &str = "7471011099";

/// A 200 m square village centred on the centre of a res-5 H3 cell east of the test
/// villages. H3 cells at resolutions 6-9 centred on that point exist (each cell's
/// centre child shares its centre), and the square's corners, 141 m out, are inside
/// the res-9 cell (inner radius about 174 m) but outside the res-10 one (outer
/// radius about 76 m): the village is one cell at 5-9 and several at 10.
fn tiny_village() -> (String, Point<f64>) {
    let cell = LatLng::new(-4.2, 122.9)
        .expect("valid")
        .to_cell(Resolution::Five);
    let centre = LatLng::from(cell);
    let (x, y) = (centre.lng(), centre.lat());
    let (hx, hy) = (100.0 / 111_000.0, 100.0 / 110_574.0);
    let geojson = format!(
        r#"{{"type":"FeatureCollection","features":[{{"type":"Feature",
        "properties":{{"code":"{TINY}","name":"Kecil","district":"D"}},
        "geometry":{{"type":"Polygon","coordinates":[[[{},{}],[{},{}],[{},{}],[{},{}],[{},{}]]]}}}}]}}"#,
        x - hx,
        y - hy,
        x + hx,
        y - hy,
        x + hx,
        y + hy,
        x - hx,
        y + hy,
        x - hx,
        y - hy
    );
    (geojson, Point::new(x, y))
}

fn store_with_tiny_village() -> (Store, Point<f64>) {
    let mut store = store_with_villages();
    let (geojson, centre) = tiny_village();
    let path = write("tiny", "geojson", &geojson);
    import(
        &mut store,
        LayerKind::Villages,
        &path,
        &ImportOptions::default(),
    )
    .expect("tiny village");
    let _ = std::fs::remove_file(path);
    (store, centre)
}

fn import_children(store: &mut Store, rows: &[&str]) -> Result<ImportSummary, IngestError> {
    let mut text = String::from(PLACED_HEADER);
    for row in rows {
        text.push('\n');
        text.push_str(row);
    }
    text.push('\n');
    let path = write("placed", "csv", &text);
    let result = import(store, LayerKind::Children, &path, &ImportOptions::default());
    let _ = std::fs::remove_file(path);
    result
}

#[test]
fn children_with_only_a_village_code_count_in_their_village_and_whole_cells() {
    let (mut store, centre) = store_with_tiny_village();
    let summary = import_children(
        &mut store,
        &[
            "c1,,,M,2022-01-15,2024-08-15,85.2,-2.5,7471011099",
            "c2,,,F,2022-01-15,2024-08-15,85.2,-1.0,7471011099",
            "c3, , ,M,2022-01-15,2024-08-15,85.2,-3.5,74.71.01.1099",
            "c4,,,F,2022-01-15,2024-08-15,85.2,-2.2,74.71.01.1005",
            "c5,,,M,2022-01-15,2024-08-15,85.2,0.5,7471011005",
            // Measured, and the code agrees.
            "c6,-3.97,122.51,M,2022-01-15,2024-08-15,85.2,-1.0,7471011005",
            // Measured in Mandonga, but the code says Korumba: kept, counted.
            "c7,-3.97,122.51,F,2022-01-15,2024-08-15,85.2,-1.0,7471011006",
        ],
    )
    .expect("accepted");
    assert_eq!(summary.written, 7);
    assert_eq!(summary.notes.placed_by_village, 5);
    assert_eq!(summary.notes.village_mismatches, 1);

    let data = store.load().expect("load");
    let villages = data.villages.clone();
    let boundary = |code: &str| {
        &villages
            .iter()
            .find(|v| v.code == code)
            .expect("village")
            .boundary
    };
    for c in &data.children {
        match c.placed_by_village.as_deref() {
            Some(code) => assert!(boundary(code).contains(&c.location), "{c:?}"),
            None => assert_eq!(c.location, Point::new(122.51, -3.97)),
        }
    }
    let codes: Vec<Option<&str>> = data
        .children
        .iter()
        .map(|c| c.placed_by_village.as_deref())
        .collect();
    assert_eq!(
        codes,
        [
            Some(TINY),
            Some(TINY),
            Some(TINY),
            Some("7471011005"),
            Some("7471011005"),
            None,
            None
        ]
    );

    let analysis = Analysis::compute(&data, &Config::default());
    let village = |code: &str| {
        analysis
            .villages
            .iter()
            .find(|v| v.village.code == code)
            .expect("village stats")
            .stats
            .counts
    };
    let tiny = village(TINY);
    assert_eq!((tiny.children, tiny.stunted, tiny.severe), (3, 2, 1));
    let mandonga = village("7471011005");
    assert_eq!((mandonga.children, mandonga.stunted), (4, 1));
    assert_eq!(analysis.totals.children, 7);
    assert_eq!(analysis.outside.children, 0);

    // The tiny village is one cell at 5-9: its three children are in that cell. At
    // 10 it spans several, so they are left out; Mandonga (2.2 km across) spans
    // several cells from resolution 7 on.
    for (k, &res) in RESOLUTIONS.iter().enumerate() {
        let cell = cell_of(centre, res).expect("cell");
        let in_cell = analysis
            .hexes_at(res)
            .iter()
            .find(|h| h.cell == cell)
            .map_or(0, |h| h.stats.counts.children);
        let in_hexes: u32 = analysis
            .hexes_at(res)
            .iter()
            .map(|h| h.stats.counts.children)
            .sum();
        assert_eq!(in_hexes + analysis.unplaced_in_hexes[k], 7, "{res}");
        if res == Resolution::Ten {
            assert_eq!(in_cell, 0, "{res}");
        } else {
            assert_eq!(in_cell, 3, "{res}");
        }
    }
    let unplaced = analysis.unplaced_in_hexes;
    assert!(unplaced[0] == 0 || unplaced[0] == 2, "{unplaced:?}");
    assert!(unplaced[1] == 0 || unplaced[1] == 2, "{unplaced:?}");
    assert_eq!(unplaced[2..], [2, 2, 2, 5]);
}

#[test]
fn an_unknown_or_malformed_code_without_coordinates_is_rejected_on_its_line() {
    let (mut store, _) = store_with_tiny_village();
    let err = import_children(
        &mut store,
        &[
            "c1,,,M,2022-01-15,2024-08-15,85.2,-2.5,7471011099",
            "c2,,,F,2022-01-15,2024-08-15,85.2,-1.0,7471019999",
            "c3,,,F,2022-01-15,2024-08-15,85.2,-1.0,74.71.01",
            "c4,,,F,2022-01-15,2024-08-15,85.2,-1.0,",
        ],
    )
    .expect_err("unknown code");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        lines_and_fields(rejects),
        [
            (3, "village_code"),
            (4, "village_code"),
            (5, "lat"),
            (5, "lon")
        ]
    );
    assert!(
        rejects[0]
            .reason
            .contains("no stored village has code 7471019999"),
        "{}",
        rejects[0].reason
    );
    assert!(
        rejects[1].reason.contains("not a 10-digit"),
        "{}",
        rejects[1].reason
    );
    assert!(
        err.to_string().contains(":3: field `village_code`: "),
        "{err}"
    );
    assert!(store.load().expect("load").children.is_empty());
}

#[test]
fn geojson_children_without_geometry_are_placed_too() {
    let (mut store, _) = store_with_tiny_village();
    let path = write(
        "placed",
        "geojson",
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","geometry":null,"properties":{"id":"g1","sex":"P",
           "birth_date":"2022-01-15","measure_date":"2024-08-15","height_cm":80,"haz":-2.1,
           "village_code":"7471011006"}}]}"#,
    );
    let summary = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect("placed");
    let _ = std::fs::remove_file(path);
    assert_eq!(summary.notes.placed_by_village, 1);
    let child = &store.load().expect("load").children[0];
    assert_eq!(child.placed_by_village.as_deref(), Some("7471011006"));
}
