//! The demo city in a store, imported through the same path as a user's files.
//!
//! `sigap serve` without `--db`, the benchmarks and the in-process HTTP tests all need
//! the demo city as data, not files; going through [`write_demo`] and
//! [`crate::ingest::import_file`] means the demo exercises the real validation.

use super::{DEFAULT_SEED, DemoError, write_demo};
use crate::ingest::population::{PopulationError, PopulationOptions, import_population};
use crate::ingest::{IdentityKey, ImportOptions, IngestError, PseudonymKey, import_file};
use crate::model::LayerKind;
use crate::store::{Store, StoreError};
use std::path::{Path, PathBuf};

/// The demo's files in import order: villages first (the others are checked against
/// their extent).
pub const DEMO_FILES: [(LayerKind, &str); 5] = [
    (LayerKind::Villages, "villages.geojson"),
    (LayerKind::Facilities, "facilities.csv"),
    (LayerKind::Households, "households.csv"),
    (LayerKind::Children, super::FEBRUARY_FILE),
    (LayerKind::Children, "children.csv"),
];

/// Why the demo store could not be built (each is a bug or a full disk, not bad input).
#[derive(Debug, thiserror::Error)]
pub enum DemoStoreError {
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Population(#[from] PopulationError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Roads(#[from] crate::roads::RoadsError),
    /// No randomness for the throwaway key: `/dev/urandom` unreadable.
    #[error("cannot read {path} for the demo's key: {source}")]
    Random {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The demo's population raster, imported after the layers.
pub const DEMO_POPULATION: &str = "population.tif";

/// Imports the demo files found in `dir` into `store`: the four layers (names and
/// addresses sealed with `identity`, dropped without one), then the population raster.
pub fn import_demo(
    store: &mut Store,
    dir: &Path,
    key: &PseudonymKey,
    identity: Option<&IdentityKey>,
) -> Result<(), DemoStoreError> {
    let opts = ImportOptions {
        identity: identity.cloned(),
        ..ImportOptions::default()
    };
    for (kind, file) in DEMO_FILES {
        import_file(store, kind, &dir.join(file), key, &opts)?;
    }
    let keys = crate::ingest::interventions::StoreKeys::read(store)?;
    let rows =
        crate::ingest::read_assignments(&dir.join(super::ASSIGNMENTS_FILE), key, &keys.children)?;
    store.write_assignments(&rows, true)?;
    let programmes = crate::model::default_programmes();
    let ledger = crate::ingest::interventions::read_interventions(
        &dir.join(super::INTERVENTIONS_FILE),
        key,
        &keys.known(&programmes, crate::ingest::today()),
    )?;
    store.write_deliveries(&ledger)?;
    import_population(
        store,
        &dir.join(DEMO_POPULATION),
        &PopulationOptions::default(),
    )?;
    let roads = dir.join(super::ROADS_FILE);
    let (network, report) = crate::roads::import_pbf(&roads, &crate::roads::Speeds::default())?;
    let report = serde_json::to_string(&report).unwrap_or_default();
    let pbf = std::fs::read(&roads).map_err(|source| super::DemoError::Io {
        path: roads.clone(),
        source,
    })?;
    store.write_osm_extract(super::ROADS_FILE, &pbf)?;
    store.write_roads(&network, super::ROADS_FILE, &report)?;
    Ok(())
}

/// Writes the demo city with `seed` to a temporary folder, imports it into a new
/// in-memory store with a throwaway pseudonymisation key, and removes the folder.
pub fn demo_store(seed: u64) -> Result<Store, DemoStoreError> {
    demo_store_with_identity(seed).map(|(store, _)| store)
}

/// [`demo_store`] and the throwaway identity key its names were sealed with (held
/// in memory only), so a server can show them to field officers.
pub fn demo_store_with_identity(seed: u64) -> Result<(Store, IdentityKey), DemoStoreError> {
    let dir = std::env::temp_dir().join(format!(
        "sigap-demo-{}-{}-{seed}",
        std::process::id(),
        unique()
    ));
    write_demo(&dir, seed)?;
    let mut bytes = [0u8; 32];
    let urandom = Path::new("/dev/urandom");
    std::fs::File::open(urandom)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
        .map_err(|source| DemoStoreError::Random {
            path: urandom.to_owned(),
            source,
        })?;
    let identity = IdentityKey::random()?;
    let mut store = Store::open_in_memory()?;
    let result = import_demo(
        &mut store,
        &dir,
        &PseudonymKey::from_bytes(bytes),
        Some(&identity),
    );
    let _ = std::fs::remove_dir_all(&dir);
    result.map(|()| (store, identity))
}

/// The demo store with the default seed.
pub fn default_demo_store() -> Result<Store, DemoStoreError> {
    demo_store(DEFAULT_SEED)
}

fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    N.fetch_add(1, Ordering::Relaxed)
}
