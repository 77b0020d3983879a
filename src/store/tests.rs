//! Store tests: GeoPackage layout, exact round trips, atomic writes (also under kill).

use super::*;
use crate::model::{Child, Facility, FacilityKind, Household, Sex, TargetGroups, Village};
use chrono::NaiveDate;
use geo::{MultiPolygon, Point, polygon};
use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::time::Instant;

/// A fresh path under the temp dir, unique per test and process.
pub(super) fn temp_path(name: &str) -> PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    std::env::temp_dir().join(format!(
        "sigap-store-{name}-{}-{nanos}.gpkg",
        std::process::id()
    ))
}

pub(super) fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// Two villages, one a two-part multipolygon with a hole, with awkward floats.
pub(super) fn villages() -> Vec<Village> {
    vec![
        Village {
            code: "7471011005".into(),
            name: "Mandonga".into(),
            district: "Mandonga".into(),
            boundary: MultiPolygon(vec![
                polygon!(
                    exterior: [
                        (x: 122.5, y: -3.98), (x: 122.52, y: -3.98),
                        (x: 122.52, y: -3.96), (x: 0.1 + 122.4, y: -3.96),
                        (x: 122.5, y: -3.98),
                    ],
                    interiors: [[
                        (x: 122.505, y: -3.975), (x: 122.51, y: -3.975),
                        (x: 122.51, y: -3.97), (x: 122.505, y: -3.975),
                    ]],
                ),
                polygon![
                    (x: 122.53, y: -3.99), (x: 122.54, y: -3.99),
                    (x: 122.54, y: -3.985), (x: 122.53, y: -3.99),
                ],
            ]),
        },
        Village {
            code: "7471011006".into(),
            name: "Korumba".into(),
            district: "Mandonga".into(),
            boundary: MultiPolygon(vec![polygon![
                (x: 122.52, y: -3.98), (x: 122.53, y: -3.98),
                (x: 122.53, y: -3.96), (x: 122.52, y: -3.98),
            ]]),
        },
    ]
}

pub(super) fn child(i: usize) -> Child {
    Child {
        id: format!("pseudo{i:014}"),
        location: Point::new(122.5 + i as f64 * 1e-7, -3.97 - 1.0 / 3.0 * 1e-3),
        sex: if i.is_multiple_of(2) {
            Sex::Male
        } else {
            Sex::Female
        },
        birth_date: date(2022, 2, 28),
        measure_date: date(2024, 8, 15),
        height_cm: 80.0 + (i % 10) as f64 / 7.0,
        haz: -2.0 - (i % 7) as f64 / 3.0,
        placed_by_village: None,
        period: crate::model::Period::of_date(date(2024, 8, 15)),
    }
}

pub(super) fn household(i: usize) -> Household {
    Household {
        id: format!("house{i:015}"),
        location: Point::new(122.51, -3.965 + i as f64 * 1e-6),
        has_latrine: i.is_multiple_of(2),
        safe_water: i.is_multiple_of(3),
        improved_sanitation: true,
        // Every form a family field takes: unknown, no, yes; groups as bits.
        unfit_housing: [None, Some(false), Some(true)][i % 3],
        four_t: [Some(true), None, Some(false)][i % 3],
        targets: [
            None,
            TargetGroups::from_bits(0),
            TargetGroups::from_bits(2 | 16),
        ][i % 3],
    }
}

pub(super) fn facility() -> Facility {
    Facility {
        id: "P7471011".into(),
        name: "Puskesmas Mandonga".into(),
        kind: FacilityKind::Puskesmas,
        location: Point::new(122.513_645_003_369_86, -3.967_296_429_352_231_3),
    }
}

fn fill(store: &mut Store) {
    store
        .write_layer(&LayerRows::Villages(villages()), false)
        .expect("villages");
    store
        .write_layer(&LayerRows::Children((0..5).map(child).collect()), false)
        .expect("children");
    store
        .write_layer(
            &LayerRows::Households((0..3).map(household).collect()),
            false,
        )
        .expect("households");
    store
        .write_layer(&LayerRows::Facilities(vec![facility()]), false)
        .expect("facilities");
}

#[test]
fn new_file_is_a_geopackage_1_3() {
    let path = temp_path("layout");
    let store = Store::open(&path).expect("create");
    let c = &store.conn;
    let app: i32 = c
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .expect("pragma");
    let version: i32 = c
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .expect("pragma");
    assert_eq!(app.to_be_bytes(), *b"GPKG");
    assert_eq!(version, 10300);
    let srs: Vec<i64> = c
        .prepare("SELECT srs_id FROM gpkg_spatial_ref_sys ORDER BY srs_id")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("srs");
    assert_eq!(srs, [-1, 0, 4326]);
    let contents: Vec<(String, String)> = c
        .prepare("SELECT table_name, data_type FROM gpkg_contents ORDER BY table_name")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("contents");
    let expected = [
        ("children", "features"),
        ("facilities", "features"),
        ("households", "features"),
        ("sigap_meta", "attributes"),
        ("villages", "features"),
    ];
    assert_eq!(
        contents,
        expected.map(|(a, b)| (a.to_string(), b.to_string()))
    );
    let geometry: Vec<(String, String)> = c
        .prepare("SELECT table_name, geometry_type_name FROM gpkg_geometry_columns ORDER BY 1")
        .and_then(|mut s| s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect())
        .expect("geometry columns");
    assert_eq!(geometry[3], ("villages".into(), "MULTIPOLYGON".into()));
    assert_eq!(geometry[0], ("children".into(), "POINT".into()));
    assert_eq!(store.revision().expect("revision"), 0);
    drop(store);
    remove(&path);
}

#[test]
fn reopened_file_round_trips_every_layer_exactly() {
    let path = temp_path("roundtrip");
    let mut store = Store::open(&path).expect("create");
    fill(&mut store);
    drop(store);

    let store = Store::open(&path).expect("reopen");
    let data = store.load().expect("load");
    assert_eq!(data.villages, villages());
    assert_eq!(data.children, (0..5).map(child).collect::<Vec<_>>());
    assert_eq!(*data.households, (0..3).map(household).collect::<Vec<_>>());
    assert_eq!(data.facilities, vec![facility()]);
    assert_eq!(store.revision().expect("revision"), 4);
    let counts = store.counts().expect("counts");
    assert_eq!(
        counts,
        [
            (LayerKind::Villages, 2),
            (LayerKind::Children, 5),
            (LayerKind::Households, 3),
            (LayerKind::Facilities, 1)
        ]
    );
    let extent = store.village_extent().expect("extent").expect("some");
    assert_eq!((extent.min().x, extent.max().x), (122.5, 122.54));
    assert_eq!((extent.min().y, extent.max().y), (-3.99, -3.96));
    // gpkg_contents bounds follow the data.
    let bounds: (f64, f64, f64, f64) = store
        .conn
        .query_row(
            "SELECT min_x, min_y, max_x, max_y FROM gpkg_contents WHERE table_name='villages'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .expect("bounds");
    assert_eq!(bounds, (122.5, -3.99, 122.54, -3.96));
    drop(store);
    remove(&path);
}

#[test]
fn failed_write_changes_nothing() {
    let mut store = Store::open_in_memory().expect("store");
    fill(&mut store);
    let before = store.load().expect("load");
    let revision = store.revision().expect("revision");

    // The second row repeats a code: the insert fails after the first row (and, with
    // replace, after the old rows were deleted). Both must roll back.
    let mut bad = villages();
    bad[1].code = bad[0].code.clone();
    for replace in [true, false] {
        let err = store
            .write_layer(&LayerRows::Villages(bad.clone()), replace)
            .expect_err("duplicate code must fail");
        assert!(matches!(err, StoreError::Sqlite { .. }), "{err:?}");
        let after = store.load().expect("load");
        assert_eq!(after.villages, before.villages);
        assert_eq!(after.children, before.children);
        assert_eq!(store.revision().expect("revision"), revision);
    }
    // Appending an id that is already stored fails the whole write too.
    let err = store.write_layer(&LayerRows::Children(vec![child(99), child(0)]), false);
    assert!(err.is_err());
    assert_eq!(store.load().expect("load").children, before.children);
    assert_eq!(store.revision().expect("revision"), revision);
}

#[test]
fn an_import_and_its_audit_row_commit_together_or_not_at_all() {
    let path = temp_path("audit");
    let mut store = Store::open(&path).expect("store");
    // The audit log's table is the accounts' (the server opens both on one file).
    let accounts = crate::auth::Accounts::open(&path).expect("accounts");
    let row = crate::model::AuditRow {
        user_id: Some(7),
        username: "ani".into(),
        role: "admin",
        action: "import".into(),
        what: "villages".into(),
        records: 2,
        address: None,
    };
    let rows = LayerRows::Villages(villages());

    // Dropped before the commit (a rejected file, a cancel): no rows and no record.
    let mut writer = store
        .layer_writer(LayerKind::Villages, false)
        .expect("writer");
    writer.write(&rows).expect("write");
    drop(writer);
    assert!(store.load().expect("load").villages.is_empty());
    assert!(
        accounts
            .audit_entries(10, None, None)
            .expect("audit")
            .is_empty()
    );

    let mut writer = store
        .layer_writer(LayerKind::Villages, false)
        .expect("writer");
    writer.write(&rows).expect("write");
    let revision = writer.commit_with_audit(Some(&row)).expect("commit");
    assert_eq!(revision, store.revision().expect("revision"));
    assert_eq!(store.load().expect("load").villages.len(), 2);
    let entries = accounts.audit_entries(10, None, None).expect("audit");
    assert_eq!(entries.len(), 1, "{entries:?}");
    let e = &entries[0];
    assert_eq!(
        (e.username.as_str(), e.role.as_str(), e.action.as_str()),
        ("ani", "admin", "import")
    );
    assert_eq!((e.what.as_str(), e.records), ("villages", 2));
    drop((store, accounts));
    remove(&path);
}

#[test]
fn replace_swaps_the_layer_and_bumps_the_revision() {
    let mut store = Store::open_in_memory().expect("store");
    fill(&mut store);
    let rev = store
        .write_layer(&LayerRows::Children(vec![child(42)]), true)
        .expect("replace");
    assert_eq!(rev, 5);
    assert_eq!(store.load().expect("load").children, vec![child(42)]);
    assert_eq!(
        store.ids(LayerKind::Children).expect("ids"),
        HashSet::from([child(42).id])
    );
}

#[test]
fn foreign_files_are_refused() {
    let text = temp_path("text");
    std::fs::write(&text, "this is not a database, it is a note\n".repeat(40)).expect("write");
    assert!(matches!(Store::open(&text), Err(StoreError::Open { .. })));
    remove(&text);

    let other = temp_path("other");
    Connection::open(&other)
        .and_then(|c| c.execute_batch("CREATE TABLE notes (body TEXT);"))
        .expect("other db");
    let err = Store::open(&other).expect_err("not ours");
    assert!(matches!(err, StoreError::NotSigapStore { .. }), "{err:?}");
    assert!(err.to_string().contains("application_id"), "{err}");
    remove(&other);
}

/// Children written per import by the crash child; each import is one transaction.
const CRASH_BATCH: usize = 2_000;

#[test]
fn killed_writer_leaves_only_whole_imports() {
    let path = temp_path("crash");
    drop(Store::open(&path).expect("create"));
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "store::tests::crash_writer_child", "--ignored"])
        .args(["--test-threads=1", "--nocapture"])
        .env("SIGAP_CRASH_DB", &path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn writer");
    let start = Instant::now();
    loop {
        std::thread::sleep(Duration::from_millis(15));
        let rev = Store::open(&path).and_then(|s| s.revision()).unwrap_or(0);
        if rev >= 3 || start.elapsed() > Duration::from_mins(1) {
            break;
        }
    }
    // Kill at an odd moment within the next write.
    std::thread::sleep(Duration::from_millis(u64::from(
        start.elapsed().subsec_millis() % 23,
    )));
    child.kill().expect("kill");
    child.wait().expect("wait");

    let store = Store::open(&path).expect("reopen after kill");
    let check: String = store
        .conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity");
    assert_eq!(check, "ok");
    let revision = store.revision().expect("revision");
    assert!(
        revision >= 3,
        "the writer made too little progress: {revision}"
    );
    let children = store.load().expect("load").children;
    assert_eq!(children.len() as u64, revision * CRASH_BATCH as u64);
    drop(store);
    remove(&path);
}

#[test]
#[ignore = "the writer half of killed_writer_leaves_only_whole_imports, run in a child process"]
fn crash_writer_child() {
    let Some(path) = std::env::var_os("SIGAP_CRASH_DB") else {
        return;
    };
    let mut store = Store::open(Path::new(&path)).expect("open");
    for round in 0..10_000 {
        let rows = (0..CRASH_BATCH).map(|i| child(round * CRASH_BATCH + i));
        store
            .write_layer(&LayerRows::Children(rows.collect()), false)
            .expect("write");
    }
}

#[test]
#[ignore = "needs GDAL: apt-get install gdal-bin python3-gdal"]
fn gdal_reads_the_store() {
    let path = temp_path("gdal");
    let mut store = Store::open(&path).expect("create");
    fill(&mut store);
    drop(store);
    let out = Command::new("ogrinfo")
        .args(["-ro", "-al", "-so"])
        .arg(&path)
        .output()
        .expect("run ogrinfo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("Layer name: villages"), "{text}");
    assert!(text.contains("Geometry: Multi Polygon"), "{text}");
    assert!(text.contains("Feature Count: 5"), "{text}");
    assert!(text.contains("birth_date: Date"), "{text}");
    let out = Command::new("ogrinfo")
        .args(["-ro", "-q", "-where", "id = 'P7471011'"])
        .arg(&path)
        .arg("facilities")
        .output()
        .expect("run ogrinfo");
    let text = String::from_utf8_lossy(&out.stdout);
    eprintln!("{text}");
    assert!(
        text.contains("POINT (122.51364500337 -3.96729642935223)"),
        "{text}"
    );
    // GDAL's own GeoPackage conformance checker.
    let out = Command::new("/usr/bin/python3")
        .args(["-m", "osgeo_utils.samples.validate_gpkg"])
        .arg(&path)
        .output()
        .expect("run validate_gpkg");
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && report.is_empty(), "{report}");
    if let Some(keep) = std::env::var_os("SIGAP_KEEP_GPKG") {
        std::fs::copy(&path, keep).expect("keep a copy");
    }
    remove(&path);
}

#[test]
fn a_store_from_before_placed_children_gains_the_column() {
    let path = temp_path("migrate");
    {
        let mut store = Store::open(&path).expect("create");
        fill(&mut store);
        // The children table as schema version 1 created it.
        store
            .conn
            .execute_batch("ALTER TABLE children DROP COLUMN placed_by_village")
            .expect("drop column");
    }
    let mut store = Store::open(&path).expect("reopen adds the column");
    assert_eq!(
        store.load().expect("load").children,
        (0..5).map(child).collect::<Vec<_>>()
    );
    let placed = Child {
        placed_by_village: Some("7471011006".into()),
        ..child(9)
    };
    store
        .write_layer(&LayerRows::Children(vec![placed.clone()]), false)
        .expect("placed child");
    drop(store);
    let children = Store::open(&path)
        .expect("reopen")
        .load()
        .expect("load")
        .children;
    assert_eq!(children.last(), Some(&placed));
    assert_eq!(children[0].placed_by_village, None);
    remove(&path);
}

#[test]
fn a_store_from_before_family_fields_reads_them_as_unknown() {
    let path = temp_path("migrate-families");
    {
        let mut store = Store::open(&path).expect("create");
        fill(&mut store);
        // The households table before keluarga berisiko stunting.
        store
            .conn
            .execute_batch(
                "ALTER TABLE households DROP COLUMN unfit_housing; \
                 ALTER TABLE households DROP COLUMN four_t; \
                 ALTER TABLE households DROP COLUMN target_groups",
            )
            .expect("drop columns");
    }
    let mut store = Store::open(&path).expect("reopen adds the columns");
    let old = store.load().expect("load").households;
    assert_eq!(old.len(), 3);
    for (i, h) in old.iter().enumerate() {
        assert_eq!((h.unfit_housing, h.four_t, h.targets), (None, None, None));
        assert_eq!(h.has_latrine, household(i).has_latrine);
    }
    store
        .write_layer(
            &LayerRows::Households((0..3).map(household).collect()),
            true,
        )
        .expect("replace households");
    drop(store);
    let again = Store::open(&path).expect("reopen").load().expect("load");
    assert_eq!(*again.households, (0..3).map(household).collect::<Vec<_>>());
    remove(&path);
}

#[test]
fn households_keep_their_h3_cells_and_an_older_store_gets_them_on_open() {
    let path = temp_path("household-cells");
    let want: Vec<Option<crate::model::PointCells>> = (0..3)
        .map(|i| Some(crate::model::point_cells(household(i).location)))
        .collect();
    {
        let mut store = Store::open(&path).expect("create");
        fill(&mut store);
        let (households, cells) = store.households().expect("households");
        assert_eq!(households.len(), 3);
        assert_eq!(cells, want, "cells stored at import");
        // As a sigap from before the cells were kept left it.
        store
            .conn
            .execute_batch(
                "ALTER TABLE households DROP COLUMN h3_5; ALTER TABLE households DROP COLUMN h3_6; \
                 ALTER TABLE households DROP COLUMN h3_7; ALTER TABLE households DROP COLUMN h3_8",
            )
            .expect("drop columns");
    }
    let store = Store::open(&path).expect("reopen adds and fills the columns");
    assert_eq!(store.households().expect("households").1, want);
    assert_eq!(*store.load().expect("load").household_cells, want);
    // What is loaded is what is stored, not found again: a res-8 cell stored
    // elsewhere (in the village next door) is loaded as stored.
    let elsewhere = crate::model::point_cells(Point::new(122.525, -3.97))[3];
    let mut moved = want[2].expect("cells");
    assert_ne!(moved[3], elsewhere);
    moved[3] = elsewhere;
    store
        .conn
        .execute(
            "UPDATE households SET h3_8 = ?1 WHERE fid = 3",
            [elsewhere.map(|c| u64::from(c).cast_signed())],
        )
        .expect("move");
    let (_, data) = store.load_revision().expect("load");
    assert_eq!(
        *data.household_cells,
        [want[0], want[1], Some(moved)],
        "as stored"
    );
    // A household written by such a sigap into a new store: no cells, found
    // again by whoever needs them.
    store
        .conn
        .execute("UPDATE households SET h3_5 = NULL, h3_6 = NULL, h3_7 = NULL, h3_8 = NULL WHERE fid = 1", [])
        .expect("clear");
    let (_, cells) = store.households().expect("households");
    assert_eq!(cells[0], None);
    assert_eq!(cells[1], want[1]);
    assert_eq!(*store.load().expect("load").household_cells, cells);
    // A res-7 cell where the res-8 one belongs is corrupt, not silently wrong.
    store
        .conn
        .execute("UPDATE households SET h3_8 = h3_7 WHERE fid = 2", [])
        .expect("swap");
    let err = store.households().expect_err("corrupt");
    assert!(
        matches!(&err, StoreError::Corrupt { table: "households", fid: 2, reason, .. } if reason.starts_with("h3_8")),
        "{err}"
    );
    drop(store);
    remove(&path);
}

#[test]
fn a_store_from_before_the_measurement_checks_gets_their_columns_and_teams() {
    let path = temp_path("old-visits");
    {
        let mut store = Store::open(&path).expect("new store");
        store
            .write_assignments(&[("p1".into(), "DP2KB".into())], true)
            .expect("assignments");
        // As an earlier sigap left it: no checks, no confirm_reason, no teams table.
        store
            .conn
            .execute_batch(
                "DROP TABLE sigap_visits; DROP TABLE sigap_teams;
                 CREATE TABLE sigap_visits (id TEXT PRIMARY KEY, pseudonym TEXT NOT NULL,
                 team TEXT NOT NULL, username TEXT NOT NULL, visited_on TEXT NOT NULL,
                 outcome TEXT NOT NULL, given TEXT NOT NULL DEFAULT '', height_cm REAL,
                 weight_kg REAL, haz REAL, note TEXT NOT NULL DEFAULT '',
                 received_at TEXT NOT NULL DEFAULT '2026-01-01T00:00:00Z');
                 INSERT INTO sigap_visits (id, pseudonym, team, username, visited_on, outcome)
                 VALUES ('old-visit-0000000001', 'p1', 'DP2KB', 'fo', '2026-08-01', 'visited')",
            )
            .expect("old schema");
    }
    let mut store = Store::open(&path).expect("reopened");
    let old = store.visits().expect("visits");
    assert_eq!(old.len(), 1);
    assert!(old[0].checks.is_empty() && old[0].trusted());
    let confirmed = Visit {
        id: "new-visit-000000001".into(),
        checks: vec!["haz_jump".into()],
        confirm_reason: "diukur ulang".into(),
        ..old[0].clone()
    };
    let (stored, new) = store.record_visit(&confirmed).expect("recorded");
    assert!(new && !stored.trusted());
    assert_eq!(
        (stored.checks, stored.confirm_reason),
        (vec!["haz_jump".to_owned()], "diukur ulang".to_owned())
    );
    // Teams named by assignments are known; added ones too, once.
    assert_eq!(store.teams().expect("teams"), ["DP2KB"]);
    assert!(store.add_team("TPK Mandonga").expect("added"));
    assert!(!store.add_team("TPK Mandonga").expect("known"));
    assert_eq!(store.teams().expect("teams"), ["DP2KB", "TPK Mandonga"]);
    drop(store);
    remove(&path);
}

#[test]
fn resealing_identities_is_all_or_nothing() {
    let path = temp_path("reseal");
    let store = Store::open(&path).expect("create");
    store
        .conn
        .execute_batch(
            "INSERT INTO sigap_identities VALUES ('children', 'a', x'01'), \
             ('children', 'b', x'02'), ('households', 'c', x'03')",
        )
        .expect("rows");
    let all = |s: &Store| {
        let mut rows = s
            .sealed_identities("children", &["a".into(), "b".into()])
            .expect("read");
        rows.extend(
            s.sealed_identities("households", &["c".into()])
                .expect("read"),
        );
        rows.sort();
        rows
    };
    let before = all(&store);
    // The last record fails after the first two were re-sealed: none of it stays.
    let failed = store.reseal_identities(
        |_, pseudonym, sealed| {
            if pseudonym == "c" {
                Err(StoreError::NotSigapStore {
                    path: PathBuf::from("-"),
                    reason: "stop here".into(),
                })
            } else {
                Ok(vec![sealed[0] + 10])
            }
        },
        |_, _| {},
    );
    assert!(failed.is_err());
    assert_eq!(all(&store), before);
    let mut seen = Vec::new();
    let n = store
        .reseal_identities::<StoreError>(
            |_, _, sealed| Ok(vec![sealed[0] + 10]),
            |done, total| seen.push((done, total)),
        )
        .expect("reseal");
    assert_eq!(n, 3);
    assert_eq!(seen, [(3, 3)]);
    let after: Vec<u8> = all(&store).into_iter().map(|(_, s)| s[0]).collect();
    assert_eq!(after, [11, 12, 13]);
    assert!(
        store
            .first_sealed_identity()
            .expect("first")
            .is_some_and(|r| r.1 == "a")
    );
    drop(store);
    remove(&path);
}

#[test]
fn a_visit_and_what_it_gave_are_written_once_and_only_a_delivery_bumps_the_revision() {
    let mut store = Store::open_in_memory().expect("store");
    let visit = Visit {
        id: "visit-0000000000001".into(),
        pseudonym: "p1".into(),
        team: "DP2KB".into(),
        username: "fo".into(),
        visited_on: "2026-09-02".into(),
        outcome: "visited".into(),
        given: vec!["eggs".into()],
        height_cm: None,
        weight_kg: None,
        haz: None,
        note: String::new(),
        checks: Vec::new(),
        confirm_reason: String::new(),
        received_at: String::new(),
    };
    let eggs = crate::ledger::of_visit(
        &visit.id,
        "p1",
        date(2026, 9, 2),
        "DP2KB",
        &visit.given,
        &crate::model::default_programmes(),
        &["2026-08".parse().expect("period")],
    );
    let r0 = store.revision().expect("revision");
    let (_, new, added) = store.record_visit_with(&visit, &eggs).expect("recorded");
    assert!(new && added == 1);
    let r1 = store.revision().expect("revision");
    assert!(r1 > r0);
    // Resent: nothing more, the revision stays.
    let (_, new, added) = store.record_visit_with(&visit, &eggs).expect("resent");
    assert!(!new && added == 0);
    assert_eq!(store.revision().expect("revision"), r1);
    // A visit that gave nothing leaves the revision too.
    let plain = Visit {
        id: "visit-0000000000002".into(),
        given: vec!["referral".into()],
        ..visit
    };
    let (_, new, added) = store.record_visit_with(&plain, &[]).expect("recorded");
    assert!(new && added == 0);
    assert_eq!(store.revision().expect("revision"), r1);
    // The same rows again through the campaign's write: nothing added, no bump.
    let again = store.add_deliveries(&eggs).expect("again");
    assert_eq!((again.added, again.present, again.revision), (0, 1, r1));
    let ledger = store.deliveries(None).expect("ledger");
    assert_eq!(ledger.len(), 1);
    assert_eq!(
        (ledger[0].programme.as_str(), ledger[0].source.as_str()),
        ("telur", "visit:visit-0000000000001")
    );
}

#[test]
fn households_read_in_halves_side_by_side_equal_one_read() {
    let path = temp_path("side-by-side");
    let mut store = Store::open(&path).expect("create");
    // No households: two empty halves.
    let (revision, data, seen) = store
        .load_side_by_side_with(|h, c| (h.len(), c.len()))
        .expect("load");
    assert_eq!((revision, data.households.len(), seen), (0, 0, (0, 0)));
    fill(&mut store);
    store
        .write_layer(
            &LayerRows::Households((3..10).map(household).collect()),
            false,
        )
        .expect("more households");
    // A gap in the fids, as a deleted row leaves: the halves are split by fid.
    store
        .conn
        .execute("DELETE FROM households WHERE fid = 4", [])
        .expect("delete");
    let (want_revision, want) = store.load_revision().expect("one read");
    let (revision, data, (households, cells)) = store
        .load_side_by_side_with(|h, c| (h.to_vec(), c.to_vec()))
        .expect("side by side");
    assert_eq!(revision, want_revision);
    assert_eq!(data.households.len(), 9);
    assert_eq!(data.households, want.households);
    assert_eq!(data.villages, want.villages);
    assert_eq!(data.children, want.children);
    assert_eq!(data.facilities, want.facilities);
    assert_eq!(households, *want.households);
    assert_eq!(cells, store.households().expect("households").1);
    assert_eq!(*data.household_cells, cells);
    assert_eq!(data.household_cells, want.household_cells);
    drop(store);
    remove(&path);
}

#[test]
fn a_store_changing_while_read_side_by_side_is_read_at_one_revision() {
    let path = temp_path("side-by-side-changing");
    let mut store = Store::open(&path).expect("create");
    fill(&mut store);
    let before = store.revision().expect("revision");
    let added = std::sync::atomic::AtomicUsize::new(0);
    // Each time the households are in, another connection imports one more: the
    // layers read meanwhile may be of either revision, never of both.
    let (revision, data, passed) = store
        .load_side_by_side_with(|h, _| {
            let i = 100 + added.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Store::open(&path)
                .expect("second writer")
                .write_layer(&LayerRows::Households(vec![household(i)]), false)
                .expect("import meanwhile");
            h.to_vec()
        })
        .expect("load");
    let imports = added.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        (1..=layers::SIDE_BY_SIDE_TRIES + 1).contains(&imports),
        "{imports}"
    );
    let at = usize::try_from(revision - before).expect("revision grew");
    assert!(
        at < imports,
        "read before the last import: {at} of {imports}"
    );
    assert_eq!(data.households.len(), 3 + at);
    assert_eq!(passed, *data.households);
    assert_eq!(data.children.len(), 5);
    drop(store);
    remove(&path);
}
