//! Files with Indonesian headers and spreadsheet values, `--map`, and `--check`.

use super::*;
use crate::model::Child;

/// The e-PPGBM-like header: Indonesian names, a `/` in the z-score's.
const EPPGBM_HEADER: &str = "NIK;Nama Anak;JK;Tgl Lahir;Tgl Ukur;TB;BB;ZS TB/U;Lintang;Bujur";

/// A "today" after the demo's August 2026 weighing round.
fn after_the_demo() -> NaiveDate {
    NaiveDate::from_ymd_opt(2030, 1, 1).expect("date")
}

/// Day 0 of spreadsheet date numbers (Excel's 1900 system).
fn spreadsheet_serial(d: NaiveDate) -> i64 {
    (d - NaiveDate::from_ymd_opt(1899, 12, 30).expect("date")).num_days()
}

/// The demo's canonical `children.csv` rewritten the way an e-PPGBM export through a
/// spreadsheet set to Indonesian writes it: `;` between columns, decimal commas,
/// day-first dates (every 7th birth date a spreadsheet date number, some measurement
/// dates with `-` or `.`), L/P, a name and a weight the import does not store.
fn eppgbm_from(canonical: &Path) -> String {
    let mut reader = ::csv::Reader::from_path(canonical).expect("children.csv");
    let comma = |s: &str| s.replace('.', ",");
    let mut out = format!("{EPPGBM_HEADER}\r\n");
    for (i, row) in reader.records().enumerate() {
        let row = row.expect("row");
        let (id, lat, lon, sex) = (&row[0], &row[1], &row[2], &row[3]);
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("ISO date");
        let (birth, measure) = (day(&row[4]), day(&row[5]));
        let birth = if i % 7 == 0 {
            spreadsheet_serial(birth).to_string()
        } else {
            birth.format("%d/%m/%Y").to_string()
        };
        let measure = match i % 5 {
            0 => measure.format("%d-%m-%Y"),
            1 => measure.format("%d.%m.%Y"),
            _ => measure.format("%d/%m/%Y"),
        };
        let jk = if sex == "M" { "L" } else { "P" };
        let height: f64 = row[6].parse().expect("height");
        let weight = comma(&format!("{:.1}", height * 0.13));
        writeln!(
            out,
            "{id};Anak {i};{jk};{birth};{measure};{};{weight};{};{};{}\r",
            comma(&row[6]),
            comma(&row[7]),
            comma(lat),
            comma(lon)
        )
        .expect("write to a String");
    }
    out
}

fn demo_children(dir: &Path, file: &Path) -> (Vec<Child>, ImportSummary) {
    let mut store = Store::open_in_memory().expect("store");
    let opts = ImportOptions::default();
    let villages = dir.join("villages.geojson");
    import_at(
        &mut store,
        LayerKind::Villages,
        &villages,
        &key(),
        &opts,
        today(),
    )
    .expect("villages");
    let summary = import_at(
        &mut store,
        LayerKind::Children,
        file,
        &key(),
        &opts,
        after_the_demo(),
    )
    .expect("children");
    (store.load().expect("load").children, summary)
}

#[test]
fn an_e_ppgbm_export_imports_like_the_canonical_file() {
    let dir = temp("demo", "d");
    crate::demo::write_demo(&dir, crate::demo::DEFAULT_SEED).expect("demo");
    let canonical = dir.join("children.csv");
    let export = dir.join("eppgbm.csv");
    let text = eppgbm_from(&canonical);
    assert!(
        text.lines().nth(1).expect("a row").contains(",9"),
        "decimal commas"
    );
    std::fs::write(&export, text).expect("write export");

    let (want, _) = demo_children(&dir, &canonical);
    let (got, summary) = demo_children(&dir, &export);
    assert!(want.len() > 20_000, "{}", want.len());
    assert_eq!((summary.read, summary.written), (want.len(), want.len()));
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g, w);
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// Three good children under Indonesian headers, the height under `Ukur TB`, a name
/// sigap does not know.
fn ukur_tb_file() -> PathBuf {
    let mut text = String::from("NIK,Lintang,Bujur,JK,Tgl Lahir,Tgl Ukur,Ukur TB,ZS TB/U\n");
    for i in 0..3 {
        text.push_str(&child_row(i));
        text.push('\n');
    }
    write("ukurtb", "csv", &text)
}

#[test]
fn an_unknown_header_is_named_and_map_fixes_it() {
    let mut store = store_with_villages();
    let path = ukur_tb_file();
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
        reason.starts_with("missing required column `height_cm` (recognised names: height_cm,"),
        "{reason}"
    );
    assert!(
        reason.contains(
            "columns found: NIK, Lintang, Bujur, JK, Tgl Lahir, Tgl Ukur, Ukur TB, ZS TB/U; \
             if a column holds it, pass --map height_cm=COLUMN"
        ),
        "{reason}"
    );
    assert_eq!(store.revision().expect("revision"), 1);

    let wrong = ImportOptions {
        map: vec![("height_cm".into(), "ZSCORE".into())],
        ..ImportOptions::default()
    };
    let err = import(&mut store, LayerKind::Children, &path, &wrong).expect_err("no ZSCORE");
    assert!(
        err.to_string()
            .ends_with("--map height_cm=ZSCORE: there is no column `ZSCORE`; columns found: NIK, Lintang, Bujur, JK, Tgl Lahir, Tgl Ukur, Ukur TB, ZS TB/U"),
        "{err}"
    );

    let mapped = ImportOptions {
        map: vec![("height_cm".into(), "ukur tb".into())],
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &path, &mapped).expect("mapped");
    assert_eq!(summary.written, 3);
    let children = store.load().expect("load").children;
    assert_eq!(children[0].id, key().pseudonym("7471000000000000"));
    assert!((children[1].haz - -3.4).abs() < 1e-9, "{}", children[1].haz);
    assert!((children[1].height_cm - 85.2).abs() < 1e-9);

    // A header-only file is checked too: a --replace with the wrong headers must not
    // empty the layer.
    let empty = write(
        "ukurtb-empty",
        "csv",
        "NIK,Lintang,Bujur,JK,Tgl Lahir,Tgl Ukur,Ukur TB,ZS TB/U\n",
    );
    let replace = ImportOptions {
        replace: true,
        ..ImportOptions::default()
    };
    let err = import(&mut store, LayerKind::Children, &empty, &replace).expect_err("header");
    assert!(
        err.to_string()
            .contains("missing required column `height_cm`"),
        "{err}"
    );
    assert_eq!(store.load().expect("load").children.len(), 3);
    for p in [path, empty] {
        let _ = std::fs::remove_file(p);
    }
}

/// A file whose z-score sits under a name sigap does not know: the import computes
/// haz from the measurements and names the ignored column, so `--map` can use it.
#[test]
fn without_a_haz_column_haz_is_computed_and_the_unknown_column_named() {
    let mut store = store_with_villages();
    let mut text = String::from("NIK,Lintang,Bujur,JK,Tgl Lahir,Tgl Ukur,TB,Skor Z\n");
    for i in 0..3 {
        text.push_str(&child_row(i));
        text.push('\n');
    }
    let path = write("skorz", "csv", &text);
    let summary = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect("computed");
    assert_eq!((summary.written, summary.notes.haz_computed), (3, 3));
    let report = summary.columns.as_ref().expect("a mapping");
    assert_eq!(report.ignored, ["Skor Z"]);
    let children = store.load().expect("load").children;
    for c in &children {
        let want = crate::ingest::haz::computed(&crate::ingest::haz::HazInputs {
            sex: Some(c.sex),
            birth: Some(c.birth_date),
            measured_on: Some(c.measure_date),
            height_cm: Some(c.height_cm),
            position: None,
        })
        .expect("computable");
        assert!((c.haz - want).abs() < 1e-12, "{} vs {want}", c.haz);
        // 85.2 cm at 31 months is about -2.3 SD, far from the file's -3.5..-3.3.
        assert!(c.haz > -3.0 && c.haz < -1.5, "{}", c.haz);
    }
    let mapped = ImportOptions {
        map: vec![("haz".into(), "skor z".into())],
        replace: true,
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &path, &mapped).expect("mapped");
    assert_eq!(summary.notes.haz_computed, 0);
    let children = store.load().expect("load").children;
    assert!((children[1].haz - -3.4).abs() < 1e-9, "{}", children[1].haz);
    let _ = std::fs::remove_file(path);
}

#[test]
fn check_reports_the_mapping_and_every_problem_and_writes_nothing() {
    let mut store = store_with_villages();
    let revision = store.revision().expect("revision");
    let text = format!(
        "{EPPGBM_HEADER};Alamat\n\
         7471000000000001;A;L;15/01/2022;15-08-2024;85,2;11,0;-1,5;-3,97;122,51;Jl. A\n\
         7471000000000002;B;P;44576;15.08.2024;85,2;11,0;7,5;-3,97;122,51;Jl. B\n\
         7471000000000003;C;X;15/01/2022;31/02/2024;85,2;11,0;-1,5;-3,97;122,51;Jl. C\n"
    );
    let path = write("check", "csv", &text);
    let opts = ImportOptions {
        check: true,
        skip_invalid: true,
        ..ImportOptions::default()
    };
    let summary = import(&mut store, LayerKind::Children, &path, &opts).expect("check");
    assert_eq!((summary.read, summary.written, summary.rejected), (3, 0, 1));
    assert_eq!(summary.rejects_file, None);
    assert!(!rejects::default_path(&path).exists(), "no rejects file");
    assert_eq!(store.revision().expect("revision"), revision);
    assert!(store.load().expect("load").children.is_empty());
    let problems: Vec<(u64, &str)> = lines_and_fields(&summary.problems);
    assert_eq!(problems, [(4, "sex"), (4, "measure_date")]);
    // Line 3's haz of 7.5 is implausible (WHO flag): kept, listed, in no rate.
    assert_eq!(summary.notes.haz_flagged, 1);
    assert_eq!(summary.notes.haz_flagged_lines, [3]);
    let report = summary.columns.as_ref().expect("a mapping");
    assert!(
        report
            .mapped
            .iter()
            .any(|m| m.field == "haz" && m.column == "ZS TB/U")
    );
    // Alamat is the child's address: read (and sealed on import), not ignored.
    assert!(report.ignored.is_empty());
    assert!(
        report
            .mapped
            .iter()
            .any(|m| m.field == "address" && m.column == "Alamat")
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn text_that_is_not_utf8_fails_only_the_fields_that_are_read() {
    let mut store = store_with_villages();
    let mut bytes = format!("{EPPGBM_HEADER}\n").into_bytes();
    bytes.extend_from_slice(
        b"7471000000000001;Sit\xEE;L;15/01/2022;15/08/2024;85,2;11;-1,5;-3,97;122,51\n\
          7471000000000002;B;\xD0;15/01/2022;15/08/2024;85,2;11;-1,5;-3,97;122,51\n",
    );
    let path = temp("latin1", "csv");
    std::fs::write(&path, bytes).expect("write fixture");
    let err = import(
        &mut store,
        LayerKind::Children,
        &path,
        &ImportOptions::default(),
    )
    .expect_err("bad sex");
    let IngestError::Rejected { rejects, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(lines_and_fields(rejects), [(3, "sex")]);
    assert_eq!(
        rejects[0].reason,
        "column `JK` is not UTF-8 text; save the file as UTF-8"
    );
    let _ = std::fs::remove_file(path);
}
