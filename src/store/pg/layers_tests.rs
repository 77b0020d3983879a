//! The four layers on PostgreSQL against a real server, checked against the input,
//! against the GeoPackage store given the same rows, and against PostGIS itself.

use super::testing::{APP_ROLE, SUPERUSER};
use super::tests::{Db, PROMPT, QUIET, row};
use super::{Layers, REVISION_CHANNEL};
use crate::model::{Child, Facility, FacilityKind, Household, LayerKind, Period, point_cells};
use crate::store::tests::{child, facility, household, remove, temp_path, villages};
use crate::store::{LayerRows, Store, StoreError};
use chrono::NaiveDate;
use geo::Point;
use postgres::fallible_iterator::FallibleIterator;
use std::time::Instant;

/// Households written and loaded by [`households_per_second_into_postgres_and_sqlite`].
const N: usize = 200_000;
/// Rows per batch of a layer written in batches, as an import sends them.
const BATCH: usize = 10_000;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
}

/// Children of two periods, a placed one among them.
fn children() -> Vec<Child> {
    (0..12)
        .map(|i| {
            let mut c = child(i);
            if i % 4 == 1 {
                c.measure_date = date(2025, 2, 3);
                c.period = Period::of_date(c.measure_date);
            }
            if i == 5 {
                c.placed_by_village = Some("7471011006".into());
            }
            c
        })
        .collect()
}

fn households(range: std::ops::Range<usize>) -> Vec<Household> {
    range.map(household).collect()
}

fn facilities() -> Vec<Facility> {
    vec![
        facility(),
        Facility {
            id: "Y7471011005".into(),
            name: "Posyandu Melati".into(),
            kind: FacilityKind::Posyandu,
            location: Point::new(122.5, -3.97 - 1.0 / 3.0 * 1e-3),
        },
    ]
}

/// The four layers as fixtures, in the order they are written.
fn every_layer() -> [LayerRows; 4] {
    [
        LayerRows::Villages(villages()),
        LayerRows::Children(children()),
        LayerRows::Households(households(0..30)),
        LayerRows::Facilities(facilities()),
    ]
}

/// The layers the GeoPackage store holds, as `PgStore::load_layers` returns them.
fn gpkg_layers(store: &Store) -> Layers {
    let data = store.load().expect("load the GeoPackage store");
    let (households, household_cells) = store.households().expect("households");
    Layers {
        villages: data.villages,
        children: data.children,
        households,
        household_cells,
        facilities: data.facilities,
    }
}

fn layer_count(db: &Db, table: &str) -> i64 {
    db.client(SUPERUSER)
        .query_one(&format!("SELECT count(*) FROM {table}"), &[])
        .expect("count")
        .get(0)
}

#[test]
fn layers_load_back_as_written_and_as_the_geopackage_store_loads_them() {
    let Some(db) = Db::new("layers_round_trip") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    let mut gpkg = Store::open_in_memory().expect("in-memory store");
    for (n, rows) in (1..).zip(every_layer()) {
        assert_eq!(pg.write_layer(&rows, false).expect("write to pg"), n);
        gpkg.write_layer(&rows, false).expect("write to gpkg");
    }
    let (revision, loaded) = pg.load_layers().expect("load");
    assert_eq!(revision, 4);
    assert_eq!(loaded.villages, villages());
    assert_eq!(loaded.children, children());
    assert_eq!(loaded.households, households(0..30));
    assert_eq!(loaded.facilities, facilities());
    let cells: Vec<_> = households(0..30)
        .iter()
        .map(|h| Some(point_cells(h.location)))
        .collect();
    assert_eq!(loaded.household_cells, cells);
    assert_eq!(loaded, gpkg_layers(&gpkg));

    assert_eq!(pg.counts().expect("counts"), gpkg.counts().expect("counts"));
    for kind in [
        LayerKind::Villages,
        LayerKind::Children,
        LayerKind::Households,
        LayerKind::Facilities,
    ] {
        assert_eq!(pg.ids(kind).expect("ids"), gpkg.ids(kind).expect("ids"));
    }
    assert_eq!(pg.villages().expect("villages"), villages());
    let extent = pg.village_extent().expect("extent");
    assert!(extent.is_some());
    assert_eq!(extent, gpkg.village_extent().expect("extent"));

    // PostGIS reads the EWKB as the points and SRID that were written.
    let stored: Vec<(f64, f64, i32)> = db
        .client(SUPERUSER)
        .query(
            "SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM facilities ORDER BY fid",
            &[],
        )
        .expect("facilities")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let written: Vec<_> = facilities()
        .iter()
        .map(|f| (f.location.x(), f.location.y(), 4326))
        .collect();
    assert_eq!(stored, written);
    let (area, valid): (f64, bool) = {
        let r = db
            .client(SUPERUSER)
            .query_one(
                "SELECT ST_Area(geom), ST_IsValid(geom) FROM villages WHERE code = '7471011006'",
                &[],
            )
            .expect("village");
        (r.get(0), r.get(1))
    };
    assert!(valid);
    assert!((area - 0.5 * 0.01 * 0.02).abs() < 1e-12, "area {area}");
}

/// What an intervention file is checked against ([`StoreKeys::read`]) reads the
/// same from both stores: the households' target groups as written (unknown, none,
/// some), the children's pseudonyms and rounds, the village codes.
///
/// [`StoreKeys::read`]: crate::ingest::interventions::StoreKeys::read
#[test]
fn ledger_keys_read_the_same_from_both_stores() {
    use crate::ingest::interventions::StoreKeys;
    let Some(db) = Db::new("ledger_keys") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    let mut gpkg = Store::open_in_memory().expect("in-memory store");
    for rows in every_layer() {
        pg.write_layer(&rows, false).expect("write to pg");
        gpkg.write_layer(&rows, false).expect("write to gpkg");
    }
    let on_pg = StoreKeys::read(&mut crate::store::AnyStore::from(pg)).expect("pg keys");
    let on_file = StoreKeys::read(&mut gpkg).expect("gpkg keys");
    let written: std::collections::HashMap<_, _> = households(0..30)
        .into_iter()
        .map(|h| (h.id, h.targets))
        .collect();
    assert!(written.values().any(|t| t.is_some_and(|g| g.bits() != 0)));
    assert_eq!(on_pg.households, written);
    assert_eq!(on_file.households, written);
    assert_eq!(on_pg.children, on_file.children);
    assert_eq!(on_pg.children.len(), children().len());
    assert_eq!(on_pg.periods, on_file.periods);
    assert_eq!(on_pg.periods.len(), 2);
    assert_eq!(on_pg.villages, on_file.villages);
    assert_eq!(on_pg.villages.len(), villages().len());
}

#[test]
fn the_demo_city_loads_back_as_the_geopackage_store_loads_it() {
    let Some(db) = Db::new("layers_demo_city") else {
        return;
    };
    let gpkg = crate::demo::demo_store(crate::demo::DEFAULT_SEED).expect("demo city");
    let expected = gpkg_layers(&gpkg);
    let mut pg = db.store(APP_ROLE);
    pg.write_layer(&LayerRows::Villages(expected.villages.clone()), false)
        .expect("villages");
    pg.write_layer(&LayerRows::Children(expected.children.clone()), false)
        .expect("children");
    let mut writer = pg
        .layer_writer(LayerKind::Households, false)
        .expect("writer");
    for batch in expected.households.chunks(BATCH) {
        writer
            .write(&LayerRows::Households(batch.to_vec()))
            .expect("households");
    }
    writer.commit().expect("commit");
    pg.write_layer(&LayerRows::Facilities(expected.facilities.clone()), false)
        .expect("facilities");
    let (revision, loaded) = pg.load_layers().expect("load");
    assert_eq!(revision, 4);
    assert!(!loaded.households.is_empty() && !loaded.villages.is_empty());
    assert_eq!(loaded, expected);
    assert_eq!(
        pg.village_extent().expect("extent"),
        gpkg.village_extent().expect("extent")
    );
}

/// A row that does not decode is the same error from either store (table, fid and
/// the first bad column in the same order): both decode rows with the same
/// functions. Each step spoils one more value, one read earlier than the last.
#[test]
fn a_corrupt_row_is_the_same_error_from_both_stores() {
    let Some(db) = Db::new("layers_corrupt") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    let mut gpkg = Store::open_in_memory().expect("in-memory store");
    for rows in every_layer() {
        pg.write_layer(&rows, false).expect("write to pg");
        gpkg.write_layer(&rows, false).expect("write to gpkg");
    }
    let steps = [
        (
            "UPDATE facilities SET kind = 'klinik' WHERE fid = 2",
            ("facilities", 2, "kind `klinik` is not puskesmas"),
        ),
        (
            "UPDATE households SET target_groups = 300 WHERE fid = 3",
            ("households", 3, "target_groups 300 has bits beyond"),
        ),
        (
            "UPDATE households SET h3_8 = h3_7 WHERE fid = 2",
            ("households", 2, "h3_8: "),
        ),
        (
            "UPDATE households SET target_groups = 64 WHERE fid = 2",
            ("households", 2, "target_groups 64 has bits beyond"),
        ),
        (
            "UPDATE children SET sex = 'X' WHERE fid = 1",
            ("children", 1, "sex `X` is not M or F"),
        ),
    ];
    let corrupt = |e: StoreError| match e {
        StoreError::Corrupt {
            table, fid, reason, ..
        } => (table, fid, reason),
        other => panic!("not a corrupt row: {other}"),
    };
    let mut superuser = db.client(SUPERUSER);
    for (sql, (table, fid, starts)) in steps {
        superuser.execute(sql, &[]).expect("spoil in pg");
        gpkg.conn.execute(sql, []).expect("spoil in gpkg");
        let from_pg = corrupt(pg.load_layers().expect_err("corrupt in pg"));
        let from_gpkg = corrupt(gpkg.load().expect_err("corrupt in gpkg"));
        assert_eq!(from_pg, from_gpkg, "{sql}");
        assert_eq!((from_pg.0, from_pg.1), (table, fid), "{sql}");
        assert!(from_pg.2.starts_with(starts), "{sql}: {}", from_pg.2);
    }
}

#[test]
fn replace_swaps_a_layer_and_adding_keeps_it() {
    let Some(db) = Db::new("layers_replace") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    let mut writer = pg
        .layer_writer(LayerKind::Households, false)
        .expect("writer");
    writer
        .write(&LayerRows::Households(households(0..5)))
        .expect("first batch");
    writer
        .write(&LayerRows::Households(households(5..8)))
        .expect("second batch");
    assert_eq!(writer.written(), 8);
    writer
        .write_identities(&[("house000000000000001".into(), vec![1, 2, 3])])
        .expect("identities");
    assert_eq!(writer.commit().expect("commit"), 1);

    pg.write_layer(&LayerRows::Households(households(8..10)), false)
        .expect("add");
    assert_eq!(pg.households().expect("households").0, households(0..10));
    assert_eq!(layer_count(&db, "sigap_identities"), 1);

    assert_eq!(
        pg.write_layer(&LayerRows::Households(households(20..23)), true)
            .expect("replace"),
        3
    );
    let (revision, loaded) = pg.load_layers().expect("load");
    assert_eq!(revision, 3);
    assert_eq!(loaded.households, households(20..23));
    assert_eq!(
        layer_count(&db, "sigap_identities"),
        0,
        "a replaced household layer drops its identities"
    );
}

#[test]
fn a_duplicate_id_fails_and_changes_nothing() {
    let Some(db) = Db::new("layers_duplicate") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    pg.write_layer(&LayerRows::Households(households(0..3)), false)
        .expect("first import");
    let before = pg.load_layers().expect("load");

    // One already stored, then one twice in a replacing import.
    let again = pg.write_layer(&LayerRows::Households(households(2..4)), false);
    assert!(
        matches!(&again, Err(crate::store::StoreError::Postgres { source, .. })
            if source.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION)),
        "{again:?}"
    );
    let mut twice = households(10..12);
    twice.push(household(10));
    assert!(pg.write_layer(&LayerRows::Households(twice), true).is_err());
    assert_eq!(pg.load_layers().expect("load"), before);
    assert_eq!(before.0, 1);
    assert_eq!(before.1.households, households(0..3));
}

#[test]
fn a_dropped_writer_changes_nothing() {
    let Some(db) = Db::new("layers_dropped") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    pg.write_layer(&LayerRows::Villages(villages()), false)
        .expect("villages");
    let before = pg.load_layers().expect("load");
    {
        let mut writer = pg.layer_writer(LayerKind::Villages, true).expect("writer");
        writer
            .write(&LayerRows::Villages(villages()[..1].to_vec()))
            .expect("write");
    }
    assert_eq!(pg.load_layers().expect("load"), before);
    // The lock went with the transaction: the next import gets in.
    assert_eq!(
        pg.write_layer(&LayerRows::Facilities(facilities()), false)
            .expect("next import"),
        2
    );
}

#[test]
fn the_audit_row_commits_with_the_rows() {
    let Some(db) = Db::new("layers_audit") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    {
        let mut writer = pg.layer_writer(LayerKind::Children, false).expect("writer");
        writer
            .write(&LayerRows::Children(children()))
            .expect("write");
        // Dropped: neither the rows nor the record.
    }
    assert!(
        pg.audit_entries(10, None, None)
            .expect("entries")
            .is_empty()
    );
    let mut writer = pg.layer_writer(LayerKind::Children, false).expect("writer");
    writer
        .write(&LayerRows::Children(children()))
        .expect("write");
    assert_eq!(
        writer
            .commit_with_audit(Some(&row("import")))
            .expect("commit"),
        1
    );
    let entries = pg.audit_entries(10, None, None).expect("entries");
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].action, "import");
    assert_eq!(pg.load_layers().expect("load").1.children, children());
}

#[test]
fn delete_period_keeps_other_periods() {
    let Some(db) = Db::new("layers_periods") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    pg.write_layer(&LayerRows::Children(children()), false)
        .expect("children");
    let old = Period::of_date(date(2024, 8, 15));
    let kept = Period::of_date(date(2025, 2, 3));
    assert_ne!(old, kept);
    let mut newer: Vec<Child> = children().into_iter().filter(|c| c.period == old).collect();
    for c in &mut newer {
        c.haz += 1.0;
    }
    let mut writer = pg.layer_writer(LayerKind::Children, false).expect("writer");
    assert_eq!(writer.delete_period(old).expect("delete"), newer.len());
    writer
        .write(&LayerRows::Children(newer.clone()))
        .expect("write");
    writer.commit().expect("commit");

    let loaded = pg.load_layers().expect("load").1.children;
    let mut expected: Vec<Child> = children()
        .into_iter()
        .filter(|c| c.period == kept)
        .collect();
    expected.extend(newer);
    assert_eq!(loaded, expected);
}

#[test]
fn a_reader_sees_the_old_revision_while_a_writer_is_open() {
    let Some(db) = Db::new("layers_snapshot") else {
        return;
    };
    let mut writer_store = db.store(APP_ROLE);
    let mut reader = db.store(APP_ROLE);
    writer_store
        .write_layer(&LayerRows::Households(households(0..4)), false)
        .expect("first import");
    let before = reader.load_layers().expect("load");

    let mut writer = writer_store
        .layer_writer(LayerKind::Households, true)
        .expect("writer");
    writer
        .write(&LayerRows::Households(households(10..20)))
        .expect("write");
    assert_eq!(reader.load_layers().expect("load during the write"), before);
    writer.commit().expect("commit");

    let (revision, after) = reader.load_layers().expect("load after");
    assert_eq!(revision, 2);
    assert_eq!(after.households, households(10..20));
}

#[test]
fn a_load_is_one_snapshot_while_imports_commit() {
    let Some(db) = Db::new("layers_one_snapshot") else {
        return;
    };
    // Many children make each load long, so imports commit while it reads; each
    // import's one household names its revision, which the load must match.
    let many: Vec<Child> = (0..20_000).map(child).collect();
    let mut writer_store = db.store(APP_ROLE);
    writer_store
        .write_layer(&LayerRows::Children(many), false)
        .expect("children");
    let expected = |revision: u64| -> Vec<Household> {
        if revision < 2 {
            Vec::new()
        } else {
            vec![household(usize::try_from(revision).expect("small"))]
        }
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            for next in 2..60 {
                let rows = LayerRows::Households(expected(next));
                assert_eq!(writer_store.write_layer(&rows, true).expect("import"), next);
            }
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        let mut reader = db.store(APP_ROLE);
        let mut loads = 0;
        while !done.load(std::sync::atomic::Ordering::SeqCst) || loads == 0 {
            let (revision, layers) = reader.load_layers().expect("load");
            assert_eq!(layers.households, expected(revision), "revision {revision}");
            loads += 1;
        }
    });
}

#[test]
fn a_layer_is_announced_only_when_it_commits() {
    let Some(db) = Db::new("layers_notify") else {
        return;
    };
    let mut pg = db.store(APP_ROLE);
    let mut listener = db.client(APP_ROLE);
    listener
        .batch_execute(&format!("LISTEN {REVISION_CHANNEL}"))
        .expect("LISTEN");
    let mut heard = |wait| {
        listener
            .notifications()
            .timeout_iter(wait)
            .next()
            .expect("read notifications")
            .map(|n| n.payload().to_owned())
    };

    {
        let mut writer = pg
            .layer_writer(LayerKind::Facilities, false)
            .expect("writer");
        writer
            .write(&LayerRows::Facilities(facilities()))
            .expect("write");
    }
    assert_eq!(heard(QUIET), None, "notified of a dropped writer");

    let mut writer = pg
        .layer_writer(LayerKind::Facilities, false)
        .expect("writer");
    writer
        .write(&LayerRows::Facilities(facilities()))
        .expect("write");
    assert_eq!(heard(QUIET), None, "notified before COMMIT");
    writer.commit().expect("commit");
    assert_eq!(heard(PROMPT).as_deref(), Some("1"));
}

/// Writes and loads 200,000 households on both stores and prints the figures; no
/// assertion on time. `cargo test --lib store::pg::layers_tests -- --ignored
/// --nocapture`.
#[test]
#[ignore = "a measurement, run by hand"]
fn households_per_second_into_postgres_and_sqlite() {
    let Some(db) = Db::new("layers_timing") else {
        return;
    };
    let rows: Vec<Household> = (0..N).map(household).collect();
    let rate = |n: usize, t: std::time::Duration| n as f64 / t.as_secs_f64();

    let mut pg = db.store(APP_ROLE);
    let start = Instant::now();
    let mut writer = pg
        .layer_writer(LayerKind::Households, true)
        .expect("writer");
    for batch in rows.chunks(BATCH) {
        writer
            .write(&LayerRows::Households(batch.to_vec()))
            .expect("write");
    }
    writer.commit().expect("commit");
    let pg_write = start.elapsed();
    let start = Instant::now();
    let (_, loaded) = pg.load_layers().expect("load");
    let pg_load = start.elapsed();
    assert_eq!(loaded.households.len(), N);

    let path = temp_path("pg-timing");
    let mut gpkg = Store::open(&path).expect("store file");
    let start = Instant::now();
    let mut writer = gpkg
        .layer_writer(LayerKind::Households, true)
        .expect("writer");
    for batch in rows.chunks(BATCH) {
        writer
            .write(&LayerRows::Households(batch.to_vec()))
            .expect("write");
    }
    writer.commit().expect("commit");
    let gpkg_write = start.elapsed();
    let start = Instant::now();
    let (households, _) = gpkg.households().expect("load");
    let gpkg_load = start.elapsed();
    assert_eq!(households, loaded.households);
    drop(gpkg);
    remove(&path);

    println!(
        "{N} households: PostgreSQL write {pg_write:.2?} ({:.0}/s), load_layers {pg_load:.2?}; \
         SQLite file write {gpkg_write:.2?} ({:.0}/s), households {gpkg_load:.2?}",
        rate(N, pg_write),
        rate(N, gpkg_write),
    );
}

/// The demo city's files imported through `ingest::import_file`, as `sigap import`
/// does, into a GeoPackage store and into PostgreSQL with the same keys.
#[test]
fn files_imported_into_postgres_load_as_imported_into_a_geopackage() {
    use crate::demo::{DEFAULT_SEED, DEMO_FILES, write_demo};
    use crate::ingest::{IdentityKey, ImportOptions, PseudonymKey, import_file};
    let Some(db) = Db::new("layers_imported") else {
        return;
    };
    let dir = temp_path("imported").with_extension("d");
    std::fs::create_dir_all(&dir).expect("dir");
    write_demo(&dir, DEFAULT_SEED).expect("demo files");
    let key = PseudonymKey::from_bytes([7; 32]);
    let opts = ImportOptions {
        identity: Some(IdentityKey::from_bytes([9; 32])),
        ..ImportOptions::default()
    };
    let mut gpkg = Store::open_in_memory().expect("store");
    let mut pg = db.store(APP_ROLE);
    for (kind, file) in DEMO_FILES {
        let a = import_file(&mut gpkg, kind, &dir.join(file), &key, &opts).expect("into gpkg");
        let b = import_file(&mut pg, kind, &dir.join(file), &key, &opts).expect("into pg");
        assert_eq!((a.read, a.written), (b.read, b.written), "{file}");
    }
    let (revision, loaded) = pg.load_layers().expect("load");
    assert_eq!(revision, gpkg.revision().expect("revision"));
    assert!(!loaded.children.is_empty() && !loaded.households.is_empty());
    assert_eq!(loaded, gpkg_layers(&gpkg));
    for layer in ["children", "households"] {
        let n = pg.identity_count(layer).expect("identities");
        assert!(n > 0, "{layer}");
        assert_eq!(
            n,
            gpkg.identity_count(layer).expect("identities"),
            "{layer}"
        );
    }

    // A file with one bad row changes nothing, on PostgreSQL as on the file.
    let good = std::fs::read_to_string(dir.join("children.csv")).expect("children");
    let mut lines: Vec<&str> = good.lines().collect();
    let bad = lines[3].replacen(',', ",not-a-date-", 1);
    lines[3] = &bad;
    let bad_file = dir.join("children-bad.csv");
    std::fs::write(&bad_file, lines.join("\n")).expect("write");
    let replace = ImportOptions {
        replace: true,
        ..opts.clone()
    };
    for_both(
        &mut gpkg,
        &mut pg,
        |result| {
            assert!(
                matches!(result, Err(crate::ingest::IngestError::Rejected { .. })),
                "{result:?}"
            );
        },
        LayerKind::Children,
        &bad_file,
        &key,
        &replace,
    );
    assert_eq!(
        pg.load_layers().expect("load"),
        (revision, gpkg_layers(&gpkg))
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Runs one import into both stores and checks each result with `check`.
fn for_both(
    gpkg: &mut Store,
    pg: &mut super::PgStore,
    check: impl Fn(&Result<crate::ingest::ImportSummary, crate::ingest::IngestError>),
    kind: LayerKind,
    file: &std::path::Path,
    key: &crate::ingest::PseudonymKey,
    opts: &crate::ingest::ImportOptions,
) {
    check(&crate::ingest::import_file(gpkg, kind, file, key, opts));
    check(&crate::ingest::import_file(pg, kind, file, key, opts));
}

/// Everything a server loads (`load_revision`), for the demo city written to
/// PostgreSQL piece by piece, equals what the GeoPackage store loads.
#[test]
fn the_whole_demo_city_loads_from_postgres_as_from_a_geopackage() {
    let Some(db) = Db::new("dataset_demo_city") else {
        return;
    };
    let gpkg = crate::demo::demo_store(crate::demo::DEFAULT_SEED).expect("demo city");
    let (_, data) = gpkg.load_revision().expect("load");
    let mut pg = db.store(APP_ROLE);
    pg.write_layer(&LayerRows::Villages(data.villages.clone()), false)
        .expect("villages");
    pg.write_layer(&LayerRows::Children(data.children.clone()), false)
        .expect("children");
    let mut writer = pg
        .layer_writer(LayerKind::Households, false)
        .expect("writer");
    for batch in data.households.chunks(BATCH) {
        writer
            .write(&LayerRows::Households(batch.to_vec()))
            .expect("households");
    }
    writer.commit().expect("commit");
    pg.write_layer(&LayerRows::Facilities(data.facilities.clone()), false)
        .expect("facilities");
    let mut assigned: Vec<(String, String)> = data
        .assignments
        .iter()
        .map(|(a, b)| (a.clone(), b.clone()))
        .collect();
    assigned.sort();
    pg.write_assignments(&assigned, true).expect("assignments");
    pg.write_deliveries(&data.deliveries).expect("deliveries");
    let population = data.population.as_ref().expect("the demo has a population");
    let source = crate::store::PopulationSource {
        file: "population.tif".into(),
        band: 1,
        crs: "EPSG:4326".into(),
        villages_sha256: pg.villages_sha256().expect("fingerprint"),
    };
    pg.write_population(population, &source)
        .expect("population");
    let roads = gpkg.roads().expect("roads").expect("the demo has roads");
    pg.write_roads(&roads.network, &roads.source, &roads.report)
        .expect("roads");
    let pbf = gpkg
        .osm_extract()
        .expect("extract")
        .expect("the demo has an extract");
    pg.write_osm_extract("roads.osm.pbf", &pbf)
        .expect("extract");

    let (revision, loaded) = pg.load_revision().expect("load");
    assert!(revision >= 8, "{revision}");
    assert_eq!(loaded.villages, data.villages);
    assert_eq!(loaded.children, data.children);
    assert_eq!(loaded.households, data.households);
    // The cells stored at import, loaded with the households by both stores.
    let found: Vec<_> = data
        .households
        .iter()
        .map(|h| Some(point_cells(h.location)))
        .collect();
    // (`assert!`: the 90,000 cells of a failure would drown the message.)
    assert!(
        *data.household_cells == found,
        "the GeoPackage store's cells"
    );
    assert!(
        loaded.household_cells == data.household_cells,
        "PostgreSQL's cells: {} of {}",
        loaded.household_cells.len(),
        data.household_cells.len()
    );
    assert_eq!(loaded.facilities, data.facilities);
    assert_eq!(loaded.population, data.population);
    assert!(!loaded.assignments.is_empty());
    assert_eq!(loaded.assignments, data.assignments);
    assert!(!loaded.deliveries.is_empty());
    assert_eq!(loaded.deliveries, data.deliveries);
    assert_eq!(loaded.roads, data.roads);
    assert_eq!(loaded.osm_extract, data.osm_extract);
    assert_eq!(loaded.measure_targets, data.measure_targets);
}
