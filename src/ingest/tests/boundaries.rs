//! Village boundary imports: open rings closed, twists repaired or refused by code,
//! overlaps and gaps reported with their area.

use super::*;
use crate::ingest::topology::{MIN_GAP_M2, MIN_OVERLAP_M2};
use geo::{Area, GeodesicArea, LineString, Polygon, Validation};

/// A GeoJSON village feature from one ring of `[lon, lat]` written as given.
fn feature(code: &str, ring: &[[f64; 2]]) -> String {
    let coords: Vec<String> = ring.iter().map(|[x, y]| format!("[{x},{y}]")).collect();
    format!(
        r#"{{"type":"Feature","properties":{{"code":"{code}","name":"V{code}","district":"D"}},
        "geometry":{{"type":"Polygon","coordinates":[[{}]]}}}}"#,
        coords.join(",")
    )
}

fn collection(features: &[String]) -> String {
    format!(
        r#"{{"type":"FeatureCollection","features":[{}]}}"#,
        features.join(",\n")
    )
}

/// A closed rectangle ring, WGS84 degrees.
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Vec<[f64; 2]> {
    vec![[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
}

/// The ellipsoidal area (geographiclib) of a rectangle, square metres.
fn geodesic_rect(x0: f64, y0: f64, x1: f64, y1: f64) -> f64 {
    let ring: Vec<(f64, f64)> = rect(x0, y0, x1, y1).iter().map(|&[x, y]| (x, y)).collect();
    Polygon::new(LineString::from(ring), vec![]).geodesic_area_unsigned()
}

fn import_villages(
    store: &mut Store,
    text: &str,
    replace: bool,
) -> Result<ImportSummary, IngestError> {
    let path = write("boundaries", "geojson", text);
    let opts = ImportOptions {
        replace,
        ..ImportOptions::default()
    };
    let result = import(store, LayerKind::Villages, &path, &opts);
    let _ = std::fs::remove_file(path);
    result
}

/// A bow-tie around (x, y): a 0.01° lobe on the left and a lobe `k` times as wide on
/// the right, crossing at (x + 0.01, y).
fn bow_tie(x: f64, y: f64, k: f64) -> Vec<[f64; 2]> {
    let s = 0.01;
    vec![
        [x, y - s],
        [x + s + k * s, y + k * s],
        [x + s + k * s, y - k * s],
        [x, y + s],
        [x, y - s],
    ]
}

#[test]
fn open_rings_are_closed_and_twists_repaired_or_refused_by_code() {
    let mut store = Store::open_in_memory().expect("store");
    let open = rect(122.50, -3.98, 122.52, -3.96)[..4].to_vec();
    let features = [
        feature("7471011001", &open),
        feature("7471011002", &bow_tie(122.53, -3.97, 0.05)),
        feature("7471011003", &bow_tie(122.56, -3.97, 1.0)),
    ];
    let err = import_villages(&mut store, &collection(&features), false).expect_err("refused");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(rejects), [(3, "geometry")]);
    let reason = &rejects[0].reason;
    assert!(reason.starts_with("village 7471011003: "), "{reason}");
    assert!(reason.contains("self-intersection"), "{reason}");
    assert!(reason.contains("would change the area"), "{reason}");
    assert_eq!(store.revision().expect("revision"), 0, "nothing written");

    let summary =
        import_villages(&mut store, &collection(&features[..2]), false).expect("repaired");
    assert_eq!(summary.written, 2);
    let repairs = &summary.notes.repairs;
    assert_eq!(repairs.len(), 2, "{repairs:?}");
    assert_eq!(repairs[0], ("7471011001".into(), "closed ring 1".into()));
    assert_eq!(repairs[1].0, "7471011002");
    assert!(
        repairs[1].1.contains("repaired into 2 polygon(s)"),
        "{repairs:?}"
    );
    let villages = store.load().expect("load").villages;
    for v in &villages {
        assert!(v.boundary.is_valid(), "{}: {:?}", v.code, v.boundary);
    }
    assert_eq!(villages[0].boundary.0[0].exterior().0.len(), 5);
    // The twist's two lobes keep their area: 0.01² + 0.0005² square degrees.
    let lobes = 0.01 * 0.01 + 0.0005 * 0.0005;
    let area = villages[1].boundary.unsigned_area();
    assert!((area - lobes).abs() < 1e-6 * lobes, "{area} vs {lobes}");
}

#[test]
fn overlaps_with_stored_villages_are_reported_with_their_area() {
    // Mandonga (stored) covers lon 122.50..122.52; the new village starts at 122.515.
    let mut store = store_with_villages();
    let new = feature("7471011007", &rect(122.515, -3.98, 122.53, -3.97));
    let summary = import_villages(&mut store, &collection(&[new]), false).expect("imported");
    let topology = summary.topology.expect("villages are surveyed");
    // Korumba's hole is now enclosed by villages on every side: a gap.
    assert_eq!(topology.gaps.len(), 1, "{topology:?}");
    let near = topology.gaps[0].near;
    assert!((122.53..122.535).contains(&near.x()) && (-3.975..-3.97).contains(&near.y()));
    // Korumba (stored, the triangle east of 122.52) overlaps the new village too.
    let codes: Vec<(&str, &str)> = topology
        .overlaps
        .iter()
        .map(|o| (o.a.as_str(), o.b.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("7471011005", "7471011007"), ("7471011006", "7471011007")]
    );
    let expected = geodesic_rect(122.515, -3.98, 122.52, -3.97);
    let got = topology.overlaps[0].area_m2;
    assert!(
        (got - expected).abs() < 0.01 * expected,
        "{got} vs {expected}"
    );
    assert!(got > MIN_OVERLAP_M2);
    // Replacing the layer surveys the new villages alone.
    let again = feature("7471011007", &rect(122.515, -3.98, 122.53, -3.97));
    let summary = import_villages(&mut store, &collection(&[again]), true).expect("replaced");
    assert!(summary.topology.expect("surveyed").is_clean());
}

#[test]
fn a_gap_between_three_villages_is_reported_where_it_is() {
    let mut store = Store::open_in_memory().expect("store");
    let (x, y, d) = (122.50, -4.00, 0.01);
    let l_shape = vec![
        [x + d, y],
        [x + 3.0 * d, y],
        [x + 3.0 * d, y + 2.0 * d],
        [x + 2.0 * d, y + 2.0 * d],
        [x + 2.0 * d, y + d],
        [x + d, y + d],
        [x + d, y],
    ];
    let features = [
        feature("7471011001", &rect(x, y, x + d, y + 3.0 * d)),
        feature(
            "7471011002",
            &rect(x + d, y + 2.0 * d, x + 3.0 * d, y + 3.0 * d),
        ),
        feature("7471011003", &l_shape),
    ];
    let summary = import_villages(&mut store, &collection(&features), false).expect("imported");
    let topology = summary.topology.expect("surveyed");
    assert!(topology.overlaps.is_empty(), "{topology:?}");
    assert_eq!(topology.gaps.len(), 1, "{topology:?}");
    let gap = &topology.gaps[0];
    let expected = geodesic_rect(x + d, y + d, x + 2.0 * d, y + 2.0 * d);
    assert!((gap.area_m2 - expected).abs() < 0.01 * expected, "{gap}");
    assert!(gap.area_m2 > MIN_GAP_M2);
    let (lon, lat) = (gap.near.x(), gap.near.y());
    assert!((x + d..x + 2.0 * d).contains(&lon), "{gap}");
    assert!((y + d..y + 2.0 * d).contains(&lat), "{gap}");
}

#[test]
fn the_demo_city_has_no_overlap_and_no_gap() {
    let dir = std::env::temp_dir().join(format!("sigap-ingest-demo-{}", std::process::id()));
    crate::demo::write_demo(&dir, crate::demo::DEFAULT_SEED).expect("demo");
    let mut store = Store::open_in_memory().expect("store");
    let summary = import(
        &mut store,
        LayerKind::Villages,
        &dir.join("villages.geojson"),
        &ImportOptions::default(),
    )
    .expect("villages");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(summary.written > 60, "{summary:?}");
    assert_eq!(summary.notes.repairs, []);
    let topology = summary.topology.expect("surveyed");
    assert!(topology.is_clean(), "{topology:?}");
}
