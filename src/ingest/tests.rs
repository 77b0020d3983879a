//! Import tests on small files generated here, against an in-memory (or temp) store.

use super::*;
use crate::model::{FacilityKind, Sex};
use crate::store::Store;
use geo::{MultiPolygon, polygon};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};

const HEADER: &str = "id,lat,lon,sex,birth_date,measure_date,height_cm,haz";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 1, 1).expect("date")
}

fn key() -> PseudonymKey {
    PseudonymKey::from_bytes([42; 32])
}

/// A unique temp file path (per process, per call).
fn temp(name: &str, ext: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "sigap-ingest-{name}-{}-{n}.{ext}",
        std::process::id()
    ))
}

fn write(name: &str, ext: &str, text: &str) -> PathBuf {
    let path = temp(name, ext);
    std::fs::write(&path, text).expect("write fixture");
    path
}

fn import(
    store: &mut Store,
    kind: LayerKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportSummary, IngestError> {
    import_at(store, kind, path, &key(), opts, today())
}

/// Mandonga as a Polygon (code with dots) and Korumba as a two-part MultiPolygon.
/// Extent lon 122.50..122.56, lat -4.00..-3.96.
const VILLAGES: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"code":"74.71.01.1005","name":"Mandonga","district":"Mandonga"},
  "geometry":{"type":"Polygon","coordinates":[[[122.50,-3.98],[122.52,-3.98],[122.52,-3.96],[122.50,-3.96],[122.50,-3.98]]]}},
 {"type":"Feature","properties":{"Code":7471011006,"NAME":"Korumba","district":"Mandonga","extra":1},
  "geometry":{"type":"MultiPolygon","coordinates":[
   [[[122.52,-3.98],[122.54,-3.98],[122.54,-3.96],[122.52,-3.98]],
    [[122.53,-3.975],[122.535,-3.975],[122.535,-3.97],[122.53,-3.975]]],
   [[[122.55,-4.00],[122.56,-4.00],[122.56,-3.99],[122.55,-4.00]]]]}}
]}"#;

fn store_with_villages() -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let path = write("villages", "geojson", VILLAGES);
    import(
        &mut store,
        LayerKind::Villages,
        &path,
        &ImportOptions::default(),
    )
    .expect("villages");
    let _ = std::fs::remove_file(path);
    store
}

fn child_row(i: usize) -> String {
    let lat = -3.97 + (i % 100) as f64 * 0.0001;
    let lon = 122.51 + (i % 70) as f64 * 0.0001;
    let sex = if i.is_multiple_of(2) { "M" } else { "p" };
    let haz = -3.5 + (i % 50) as f64 * 0.1;
    format!("74710{i:011},{lat:.5},{lon:.5},{sex},2022-01-15,15/08/2024,85.2,{haz:.1}")
}

/// 20,000 children; rows 1234, 9000 and 17000 (lines 1236, 9002, 17002) are bad.
fn twenty_thousand_with_three_bad() -> String {
    let mut text = String::from(HEADER);
    for i in 0..20_000 {
        let row = match i {
            1234 => format!("74710{i:011},-3.97,122.51,M,2022-13-45,2024-08-15,85.2,-1.0"),
            9000 => format!("74710{i:011},-3.97,122.51,F,2022-01-15,2024-08-15,85.2,-2..5"),
            17000 => format!("74710{i:011},122.51,-3.97,M,2022-01-15,2024-08-15,85.2,-1.0"),
            _ => child_row(i),
        };
        text.push('\n');
        text.push_str(&row);
    }
    text.push('\n');
    text
}

/// The supplied haz of [`twenty_thousand_with_three_bad`]'s good rows cycles through
/// -3.5..1.4 at one height, so most differ from the WHO z-score by more than 0.1:
/// 85.2 cm standing at 943 days, WHO lhfa day 943 (L = 1) boys M 92.6498 S 0.03732,
/// girls M 91.4291 S 0.03913.
fn haz_notes() -> Notes {
    let who = |m: f64, s: f64| (85.2 / m - 1.0) / s;
    let (boys, girls) = (who(92.6498, 0.03732), who(91.4291, 0.03913));
    let lines: Vec<u64> = (0..20_000_u64)
        .filter(|i| ![1234, 9000, 17000].contains(i))
        .filter(|&i| {
            let haz = format!("{:.1}", -3.5 + (i % 50) as f64 * 0.1);
            let haz: f64 = haz.parse().expect("number");
            let z = if i % 2 == 0 { boys } else { girls };
            (z - haz).abs() > 0.1
        })
        .map(|i| i + 2)
        .collect();
    assert!(lines.len() > 15_000 && lines.len() < 19_997);
    Notes {
        haz_disagreements: lines.len(),
        haz_disagreement_lines: lines[..validate::HAZ_LINES_SHOWN].to_vec(),
        // Every kept child was measured in August 2024 and no period was given.
        periods: [("2024-08".parse().expect("period"), 19_997)].into(),
        ..Notes::default()
    }
}

fn lines_and_fields(rejects: &[Reject]) -> Vec<(u64, &str)> {
    rejects.iter().map(|r| (r.line, r.field.as_str())).collect()
}

#[test]
fn three_bad_rows_in_twenty_thousand_are_exactly_three_rejects() {
    let mut store = store_with_villages();
    let path = write("kids20k", "csv", &twenty_thousand_with_three_bad());
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("bad rows");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(
        lines_and_fields(rejects),
        [(1236, "birth_date"), (9002, "haz"), (17002, "lat/lon")]
    );
    assert!(
        rejects[0].reason.contains("`2022-13-45`"),
        "{}",
        rejects[0].reason
    );
    assert!(
        rejects[1].reason.contains("is not a number"),
        "{}",
        rejects[1].reason
    );
    assert!(
        rejects[2]
            .reason
            .starts_with("latitude and longitude look swapped")
    );
    let text = err.to_string();
    assert!(text.starts_with("3 rows rejected in "), "{text}");
    assert!(text.contains("nothing was written"), "{text}");
    assert!(
        text.contains(&format!(
            "{}:9002: field `haz`: `-2..5` is not a number",
            path.display()
        )),
        "{text}"
    );
    // Nothing was written.
    assert_eq!(store.revision().expect("revision"), 1);
    assert!(store.load().expect("load").children.is_empty());
    let _ = std::fs::remove_file(path);
}

#[test]
fn skip_invalid_writes_good_rows_and_a_rejects_file() {
    let mut store = store_with_villages();
    let path = write("kids-skip", "csv", &twenty_thousand_with_three_bad());
    let opts = ImportOptions {
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &path, &opts).expect("import");
    let expected_rejects = rejects::default_path(&path);
    assert_eq!(
        summary,
        ImportSummary {
            kind: LayerKind::Children,
            path: path.clone(),
            read: 20_000,
            written: 19_997,
            rejected: 3,
            rejects_file: Some(expected_rejects.clone()),
            notes: haz_notes(),
            topology: None,
            columns: summary.columns.clone(),
            problems: Vec::new(),
        }
    );
    let columns = summary.columns.as_ref().expect("a mapping");
    assert_eq!(columns.mapped.len(), 8, "every column by its own name");
    assert!(columns.ignored.is_empty() && columns.ambiguous.is_empty());
    assert_eq!(store.revision().expect("revision"), 2);
    let children = store.load().expect("load").children;
    assert_eq!(children.len(), 19_997);
    assert_eq!(children[0].id, key().pseudonym("7471000000000000"));
    assert_eq!(children[1].sex, Sex::Female, "`p` is perempuan");
    assert_eq!(
        children[0].measure_date,
        NaiveDate::from_ymd_opt(2024, 8, 15).expect("date")
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(&expected_rejects).expect("rejects file");
        assert_eq!(
            meta.permissions().mode() & 0o777,
            0o600,
            "raw rows hold NIKs"
        );
    }
    let mut reader = ::csv::Reader::from_path(&expected_rejects).expect("rejects file");
    assert_eq!(
        reader.headers().expect("header").iter().collect::<Vec<_>>(),
        ["line", "field", "reason", "raw"]
    );
    let rows: Vec<::csv::StringRecord> = reader.records().collect::<Result<_, _>>().expect("rows");
    let got: Vec<(&str, &str, &str)> = rows.iter().map(|r| (&r[0], &r[1], &r[3])).collect();
    assert_eq!(
        got,
        [
            (
                "1236",
                "birth_date",
                "7471000000001234,-3.97,122.51,M,2022-13-45,2024-08-15,85.2,-1.0"
            ),
            (
                "9002",
                "haz",
                "7471000000009000,-3.97,122.51,F,2022-01-15,2024-08-15,85.2,-2..5"
            ),
            (
                "17002",
                "lat/lon",
                "7471000000017000,122.51,-3.97,M,2022-01-15,2024-08-15,85.2,-1.0"
            ),
        ]
    );
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(expected_rejects);
}

#[test]
fn duplicate_ids_in_the_file_and_in_the_store() {
    let mut store = store_with_villages();
    let text = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        child_row(1),
        child_row(2),
        child_row(1)
    );
    let path = write("dupes", "csv", &text);
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("duplicate");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(4, "id")]);
    assert_eq!(
        rejects[0].reason,
        "duplicate id in period 2024-08: already used on line 2"
    );

    let first = write("first", "csv", &format!("{HEADER}\n{}\n", child_row(1)));
    import(
        &mut store,
        LayerKind::Children,
        &first,
        &ImportOptions::default(),
    )
    .expect("first");
    let again = write(
        "again",
        "csv",
        &format!("{HEADER}\n{}\n{}\n", child_row(5), child_row(1)),
    );
    let err = import(
        &mut store,
        LayerKind::Children,
        &again,
        &ImportOptions::default(),
    )
    .expect_err("already stored");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(3, "id")]);
    assert!(
        rejects[0].reason.contains("already in the store"),
        "{}",
        rejects[0].reason
    );
    // --replace replaces the layer instead.
    let opts = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &again, &opts).expect("replace");
    assert_eq!(summary.written, 2);
    assert_eq!(store.counts().expect("counts")[1], (LayerKind::Children, 2));
    for p in [path, first, again] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn missing_column_is_a_format_error_naming_it() {
    let mut store = store_with_villages();
    let path = write(
        "noheight",
        "csv",
        "ID,Lat,Lon,Sex,Birth_Date,Measure_Date,notes,haz\nx,-3.97,122.51,M,2022-01-15,2024-08-15,hi,-1\n",
    );
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("no height");
    let IngestError::Format { reason, .. } = &err else {
        panic!("{err}")
    };
    assert!(
        reason.contains("missing required column `height_cm`"),
        "{reason}"
    );
    assert!(
        reason.contains(
            "columns found: ID, Lat, Lon, Sex, Birth_Date, Measure_Date, notes, haz; \
             if a column holds it, pass --map height_cm=COLUMN"
        ),
        "{reason}"
    );
    assert_eq!(store.revision().expect("revision"), 1);
    let _ = std::fs::remove_file(path);
}

#[test]
fn failed_import_leaves_the_store_unchanged() {
    let mut store = store_with_villages();
    let good = write(
        "good",
        "csv",
        &format!("{HEADER}\n{}\n{}\n", child_row(1), child_row(2)),
    );
    import(
        &mut store,
        LayerKind::Children,
        &good,
        &ImportOptions::default(),
    )
    .expect("good");
    let before = store.load().expect("load");
    let revision = store.revision().expect("revision");

    let bad = write(
        "bad",
        "csv",
        &format!("{HEADER}\n{}\n{}\n", child_row(3), "x,,,,,,,"),
    );
    for replace in [false, true] {
        let opts = ImportOptions {
            replace,
            ..ImportOptions::default()
        };
        let err = import(&mut store, LayerKind::Children, &bad, &opts).expect_err("bad row");
        assert!(matches!(err, IngestError::Rejected { .. }), "{err}");
        let after = store.load().expect("load");
        assert_eq!(after.children, before.children);
        assert_eq!(after.villages, before.villages);
        assert_eq!(store.revision().expect("revision"), revision);
    }
    for p in [good, bad] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn raw_ids_never_reach_the_store_file() {
    let db = temp("pseudo", "gpkg");
    let ids = ["7471015507190001", "7471015507190002", "7471015507190003"];
    {
        let mut store = Store::open(&db).expect("store");
        let villages = write("v", "geojson", VILLAGES);
        import(
            &mut store,
            LayerKind::Villages,
            &villages,
            &ImportOptions::default(),
        )
        .expect("villages");
        let mut text = format!("{HEADER}\n");
        for id in ids {
            writeln!(
                text,
                " {id} ,-3.97,122.51,L,2023-03-01,2024-08-15,80.1,-2.4"
            )
            .expect("write to a String");
        }
        let kids = write("kids", "csv", &text);
        let homes = write(
            "homes",
            "csv",
            &format!(
                "id,lat,lon,has_latrine,safe_water,improved_sanitation\n{},-3.97,122.51,ya,tidak,1\n",
                ids[0]
            ),
        );
        import(
            &mut store,
            LayerKind::Children,
            &kids,
            &ImportOptions::default(),
        )
        .expect("kids");
        import(
            &mut store,
            LayerKind::Households,
            &homes,
            &ImportOptions::default(),
        )
        .expect("homes");
        let data = store.load().expect("load");
        let stored: Vec<&str> = data.children.iter().map(|c| c.id.as_str()).collect();
        let expected: Vec<String> = ids.iter().map(|id| key().pseudonym(id)).collect();
        assert_eq!(stored, expected);
        assert!(data.households[0].has_latrine && !data.households[0].safe_water);
        for p in [villages, kids, homes] {
            let _ = std::fs::remove_file(p);
        }
    }
    let mut bytes = std::fs::read(&db).expect("store bytes");
    bytes.extend(std::fs::read(format!("{}-wal", db.display())).unwrap_or_default());
    assert!(bytes.len() > 4096);
    for id in ids {
        let needle = id.as_bytes();
        assert!(
            !bytes.windows(needle.len()).any(|w| w == needle),
            "{id} found in the store file"
        );
    }
    // The pseudonyms themselves are there: the search above could have found text.
    let pseudonym = key().pseudonym(ids[0]);
    assert!(bytes.windows(20).any(|w| w == pseudonym.as_bytes()));
    let _ = std::fs::remove_file(&db);
}

#[test]
fn geojson_villages_with_a_multipolygon_round_trip() {
    let store = store_with_villages();
    let villages = store.load().expect("load").villages;
    assert_eq!(villages.len(), 2);
    assert_eq!(villages[0].code, "7471011005", "dots stripped");
    assert_eq!(
        villages[1].code, "7471011006",
        "a numeric code reads as text"
    );
    assert_eq!(villages[1].name, "Korumba");
    let korumba = MultiPolygon(vec![
        polygon!(
            exterior: [(x: 122.52, y: -3.98), (x: 122.54, y: -3.98), (x: 122.54, y: -3.96), (x: 122.52, y: -3.98)],
            interiors: [[(x: 122.53, y: -3.975), (x: 122.535, y: -3.975), (x: 122.535, y: -3.97), (x: 122.53, y: -3.975)]],
        ),
        polygon![(x: 122.55, y: -4.00), (x: 122.56, y: -4.00), (x: 122.56, y: -3.99), (x: 122.55, y: -4.00)],
    ]);
    assert_eq!(villages[1].boundary, korumba);
}

#[test]
fn villages_replace_and_validation() {
    let mut store = store_with_villages();
    let bad = r#"{"type":"FeatureCollection","features":[
     {"type":"Feature","properties":{"code":"747101100","name":"A","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.6,-3.8],[122.5,-3.9]]]}},
     {"type":"Feature","properties":{"code":"7471011007","name":"B","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.6,-3.8],[122.5,-3.8]]]}},
     {"type":"Feature","properties":{"code":"7471011008","name":"C","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.5,-3.9]]]}},
     {"type":"Feature","properties":{"code":"7471011009","name":"","district":"D"},
      "geometry":{"type":"Point","coordinates":[122.5,-3.9]}},
     {"type":"Feature","properties":{"code":"7471011005","name":"E","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[222.6,-3.9],[122.6,-3.8],[122.5,-3.9]]]}},
     {"type":"Feature","properties":{"code":"7471011010","name":"F","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.6,-3.8],[122.5,-3.9]]]}},
     {"type":"Feature","properties":{"code":"74.71.01.1010","name":"G","district":"D"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.6,-3.8],[122.5,-3.9]]]}}
    ]}"#;
    let path = write("badvillages", "geojson", bad);
    let err = import(
        &mut store,
        LayerKind::Villages,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("bad villages");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    // Feature 2's open ring is closed, not rejected.
    assert_eq!(
        lines_and_fields(rejects),
        [
            (1, "code"),
            (3, "geometry"),
            (4, "name"),
            (4, "geometry"),
            (5, "code"),
            (5, "geometry"),
            (7, "code"),
        ]
    );
    assert!(
        rejects[1].reason.contains("has 3 points"),
        "{}",
        rejects[1].reason
    );
    assert!(
        rejects[4].reason.contains("already in the store"),
        "{}",
        rejects[4].reason
    );
    assert_eq!(
        rejects[6].reason,
        "duplicate code: already used on feature 6"
    );
    assert!(err.to_string().starts_with("5 features rejected"), "{err}");
    assert!(
        err.to_string()
            .contains(": feature 3: field `geometry`: village 7471011008: ring 1 has 3 points"),
        "{err}"
    );

    // --replace swaps the whole layer.
    let one = r#"{"type":"FeatureCollection","features":[
     {"type":"Feature","properties":{"code":"7471011005","name":"Mandonga Baru","district":"Mandonga"},
      "geometry":{"type":"Polygon","coordinates":[[[122.5,-3.9],[122.6,-3.9],[122.6,-3.8],[122.5,-3.9]]]}}]}"#;
    let path2 = write("onevillage", "json", one);
    let opts = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    import(&mut store, LayerKind::Villages, &path2, &opts).expect("replace");
    let villages = store.load().expect("load").villages;
    assert_eq!(villages.len(), 1);
    assert_eq!(villages[0].name, "Mandonga Baru");
    for p in [path, path2] {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn every_child_check_names_its_field() {
    let mut store = store_with_villages();
    let ok = child_row(0);
    let cases: [(&str, &str, &str); 14] = [
        (
            "x1,-3.97,122.51,M,2022-01-15,2026-08-15,85,-1",
            "measure_date",
            "in the future",
        ),
        (
            "x2,-3.97,122.51,M,2024-01-15,2023-08-15,85,-1",
            "measure_date",
            "before birth_date",
        ),
        (
            "x3,-3.97,122.51,M,2019-07-15,2024-08-15,85,-1",
            "birth_date",
            "61 months",
        ),
        (
            "x4,-3.97,122.51,X,2022-01-15,2024-08-15,85,-1",
            "sex",
            "`X` is not a sex",
        ),
        (
            "x5,-3.97,122.51,M,2022-01-15,2024-08-15,20,-1",
            "height_cm",
            "outside 38..130",
        ),
        (
            "x6,-3.97,122.51,M,2022-01-15,2024-08-15,85,--1",
            "haz",
            "`--1` is not a number",
        ),
        (
            "x7,95,122.51,M,2022-01-15,2024-08-15,85,-1",
            "lat",
            "latitude 95 is outside -90..90",
        ),
        (
            "x8,-3.97,190,M,2022-01-15,2024-08-15,85,-1",
            "lon",
            "longitude 190 is outside",
        ),
        (
            "x9,-6.2,106.8,M,2022-01-15,2024-08-15,85,-1",
            "lat/lon",
            "outside the villages' extent (lat -4.0100..-3.9500",
        ),
        (
            "x10,-3.97,122.51,M,2022-01-15,2024-08-15,\"85,5\",-1",
            "height_cm",
            "decimal separator",
        ),
        (
            "x11,-3.97,122.51,M,2022-01-15,2024-08-15,,-1",
            "height_cm",
            "empty",
        ),
        (",-3.97,122.51,M,2022-01-15,2024-08-15,85,-1", "id", "empty"),
        (
            "x13,abc,122.51,M,2022-01-15,2024-08-15,85,-1",
            "lat",
            "`abc` is not a number",
        ),
        (
            "x14,-3.97,122.51,M,31/02/2022,2024-08-15,85,-1",
            "birth_date",
            "`31/02/2022`",
        ),
    ];
    let mut text = format!("{HEADER}\n{ok}\n");
    for (row, _, _) in cases {
        text.push_str(row);
        text.push('\n');
    }
    let path = write("childchecks", "csv", &text);
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("bad rows");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(rejects.len(), cases.len(), "{rejects:#?}");
    for (i, ((_, field, reason), reject)) in cases.iter().zip(&rejects).enumerate() {
        assert_eq!(reject.line, i as u64 + 3);
        assert_eq!(reject.field, *field, "{reject}");
        assert!(reject.reason.contains(reason), "{reject}");
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn households_and_facilities() {
    let mut store = store_with_villages();
    let homes = write(
        "homes",
        "csv",
        "id;lat;lon;has_latrine;safe_water;improved_sanitation\nh1;-3.97;122.51;Y;no;maybe\n",
    );
    let err = import(
        &mut store,
        LayerKind::Households,
        &homes,
        &ImportOptions::default(),
    )
    .expect_err("maybe");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(2, "improved_sanitation")]);

    let csv_facilities = write(
        "fac",
        "csv",
        "id,name,kind,lat,lon\nPKM1,Puskesmas Mandonga,Puskesmas,-3.97,122.51\nX,Klinik,klinik,-3.97,122.51\n",
    );
    let opts = ImportOptions {
        skip_invalid: true,
        rejects_path: Some(temp("fac-rejects", "csv")),
        ..ImportOptions::default()
    };
    let summary =
        import(&mut store, LayerKind::Facilities, &csv_facilities, &opts).expect("facilities");
    assert_eq!((summary.written, summary.rejected), (1, 1));
    assert_eq!(summary.rejects_file, opts.rejects_path);
    let geojson = write(
        "fac",
        "geojson",
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"id":"PY7","name":"Posyandu Mawar","kind":"posyandu"},
           "geometry":{"type":"Point","coordinates":[122.515,-3.965]}},
          {"type":"Feature","properties":{"id":"PY8","name":"Posyandu Melati","kind":"posyandu"},
           "geometry":{"type":"Point","coordinates":[-3.965,122.515]}}]}"#,
    );
    let err = import(
        &mut store,
        LayerKind::Facilities,
        &geojson,
        &ImportOptions::default(),
    )
    .expect_err("swapped");
    let IngestError::Rejected { rejects, .. } = err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(&rejects), [(2, "geometry")]);
    assert!(
        rejects[0].reason.contains("swapped"),
        "{}",
        rejects[0].reason
    );
    let data = store.load().expect("load");
    assert_eq!(data.facilities.len(), 1);
    assert_eq!(
        data.facilities[0].id, "PKM1",
        "facility ids are public, stored as-is"
    );
    assert_eq!(data.facilities[0].kind, FacilityKind::Puskesmas);
    for p in [homes, csv_facilities, geojson] {
        let _ = std::fs::remove_file(p);
    }
    if let Some(p) = opts.rejects_path {
        let _ = std::fs::remove_file(p);
    }
}

#[test]
fn points_before_villages_and_unknown_formats_are_refused() {
    let mut store = Store::open_in_memory().expect("store");
    let path = write("early", "csv", &format!("{HEADER}\n{}\n", child_row(0)));
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("no villages");
    assert!(matches!(err, IngestError::NoVillages { .. }), "{err}");
    assert!(err.to_string().contains("import villages first"), "{err}");
    let xlsx = temp("sheet", "xlsx");
    let err = import(
        &mut store,
        LayerKind::Villages,
        &xlsx,
        &ImportOptions::default(),
    )
    .expect_err("xlsx");
    assert!(matches!(err, IngestError::Format { .. }), "{err}");
    let villages_csv = write("villages", "csv", "code,name,district\n");
    let err = import(
        &mut store,
        LayerKind::Villages,
        &villages_csv,
        &ImportOptions::default(),
    )
    .expect_err("csv villages");
    assert!(err.to_string().contains("GeoJSON"), "{err}");
    assert_eq!(store.revision().expect("revision"), 0);
    for p in [path, villages_csv] {
        let _ = std::fs::remove_file(p);
    }
}

mod boundaries;
mod columns;
mod families;
mod identities;
mod periods;
mod placed;
mod streaming;
