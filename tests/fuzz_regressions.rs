//! Every input the fuzzers found a crash with (tests/fixtures/fuzz/<target>/) and
//! every seed (fuzz/seeds/<target>/) through the same harness the fuzz targets run:
//! each must be accepted or refused with an error, never panic. The seeds that are
//! valid files must be accepted, so the harness is known to reach the whole import.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::path::Path;

fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    out.retain(|p| p.is_file());
    out.sort();
    out
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn seeds_are_accepted_and_crash_fixtures_replayed() {
    let mut h = harness::Harness::new();
    let seeds = root().join("fuzz/seeds");
    let csv = files(&seeds.join("csv_children"));
    assert!(csv.len() >= 3, "children seeds: {csv:?}");
    for p in csv {
        let bytes = std::fs::read(&p).expect("read seed");
        assert!(h.children_csv(&bytes), "seed {} is refused", p.display());
    }
    let geo = files(&seeds.join("geojson_villages"));
    assert!(!geo.is_empty());
    for p in geo {
        let bytes = std::fs::read(&p).expect("read seed");
        assert!(
            h.villages_geojson(&bytes),
            "seed {} is refused",
            p.display()
        );
    }
}
