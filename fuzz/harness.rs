//! What the fuzz targets and `tests/fuzz_regressions.rs` both run: a file's bytes
//! through the real import, as a user's file goes (format sniffing, column mapping,
//! number and date parsing, reprojection, validation, boundary repair), as a dry run
//! (`--check`) so nothing accumulates in the store between inputs.
//!
//! Children are checked against a store holding the three villages of
//! `tests/fixtures/fuzz/villages.geojson`, so valid rows can pass and the
//! placement-by-village-code path runs too.

use sigap::ingest::{ImportOptions, PseudonymKey, import_file};
use sigap::model::LayerKind;
use sigap::store::Store;
use std::path::PathBuf;

/// The fixture city the children are checked against.
const VILLAGES: &str = include_str!("../tests/fixtures/fuzz/villages.geojson");

/// A store with the fixture villages and a scratch folder for the input files.
// Each fuzz target uses one of the two checks; the regression test uses both.
#[allow(dead_code)]
pub struct Harness {
    city: Store,
    empty: Store,
    key: PseudonymKey,
    dir: PathBuf,
}

#[allow(dead_code)]
impl Harness {
    /// # Panics
    /// When the fixture villages do not import: the harness itself is broken.
    #[must_use]
    pub fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("sigap-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch folder");
        let key = PseudonymKey::from_bytes([7; 32]);
        let mut city = Store::open_in_memory().expect("in-memory store");
        let villages = dir.join("villages.geojson");
        std::fs::write(&villages, VILLAGES).expect("write fixture villages");
        import_file(
            &mut city,
            LayerKind::Villages,
            &villages,
            &key,
            &ImportOptions::default(),
        )
        .expect("the fixture villages import");
        let empty = Store::open_in_memory().expect("in-memory store");
        Self {
            city,
            empty,
            key,
            dir,
        }
    }

    /// `bytes` as a children CSV checked against the fixture city; `true` if accepted.
    pub fn children_csv(&mut self, bytes: &[u8]) -> bool {
        let path = self.dir.join("children.csv");
        std::fs::write(&path, bytes).expect("write input");
        let opts = ImportOptions {
            check: true,
            ..ImportOptions::default()
        };
        import_file(&mut self.city, LayerKind::Children, &path, &self.key, &opts).is_ok()
    }

    /// `bytes` as a villages GeoJSON checked into an empty store; `true` if accepted.
    pub fn villages_geojson(&mut self, bytes: &[u8]) -> bool {
        let path = self.dir.join("villages.geojson");
        std::fs::write(&path, bytes).expect("write input");
        let opts = ImportOptions {
            check: true,
            ..ImportOptions::default()
        };
        import_file(
            &mut self.empty,
            LayerKind::Villages,
            &path,
            &self.key,
            &opts,
        )
        .is_ok()
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}
