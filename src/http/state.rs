//! What every handler shares: the current snapshot of the analysis and its tile
//! sources, the cache of encoded tiles, and the store to watch for changes.

use crate::config::Config;
use crate::index::Analysis;
use crate::model::TileCoord;
use crate::store::Store;
use crate::tiles::source::{TileSet, TileSources};
use axum::body::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// One consistent view of the data: handlers clone the `Arc` and never see a
/// half-updated analysis.
pub struct Snapshot {
    /// Store revision the snapshot was computed from.
    pub revision: u64,
    pub analysis: Analysis,
    pub sources: TileSources,
}

impl Snapshot {
    /// Computes the analysis and tile sources for one store revision.
    #[must_use]
    pub fn build(revision: u64, data: &crate::model::Dataset, config: &Config) -> Self {
        let analysis = Analysis::compute(data, config);
        let sources = TileSources::build(&analysis);
        Self {
            revision,
            analysis,
            sources,
        }
    }
}

/// An encoded tile, kept both plain and gzipped so either is served without work.
pub struct EncodedTile {
    pub raw: Bytes,
    pub gzip: Bytes,
    /// Quoted strong `ETag` derived from the content.
    pub etag: String,
}

impl EncodedTile {
    /// Compresses and fingerprints freshly encoded bytes.
    #[must_use]
    pub fn new(raw: Vec<u8>) -> Self {
        let mut gz = GzEncoder::new(Vec::with_capacity(raw.len() / 2 + 64), Compression::fast());
        // Writing to a Vec cannot fail.
        let gzip = gz
            .write_all(&raw)
            .and_then(|()| gz.finish())
            .unwrap_or_default();
        let etag = format!("\"{:08x}-{}\"", crc32fast::hash(&raw), raw.len());
        Self {
            raw: Bytes::from(raw),
            gzip: Bytes::from(gzip),
            etag,
        }
    }
}

type TileKey = (u64, TileSet, TileCoord);

/// The shared state behind every handler.
pub struct Shared {
    pub config: Config,
    /// Whether the data are the built-in synthetic demo city.
    pub demo: bool,
    pub web_dir: PathBuf,
    pub vendor_dir: PathBuf,
    snapshot: RwLock<Arc<Snapshot>>,
    tiles: RwLock<HashMap<TileKey, Arc<EncodedTile>>>,
    /// The store, watched for new imports (`None` for a fixed dataset).
    pub store: Option<Mutex<Store>>,
}

/// Cheap to clone: handlers get an `Arc`.
#[derive(Clone)]
pub struct AppState(pub Arc<Shared>);

impl AppState {
    /// State serving `snapshot`; `store`, when given, is polled for newer revisions.
    #[must_use]
    pub fn new(
        config: Config,
        snapshot: Snapshot,
        store: Option<Store>,
        demo: bool,
        web_dir: PathBuf,
        vendor_dir: PathBuf,
    ) -> Self {
        Self(Arc::new(Shared {
            config,
            demo,
            web_dir,
            vendor_dir,
            snapshot: RwLock::new(Arc::new(snapshot)),
            tiles: RwLock::new(HashMap::new()),
            store: store.map(Mutex::new),
        }))
    }

    /// The current snapshot.
    #[must_use]
    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(
            &self
                .0
                .snapshot
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Replaces the snapshot and drops every cached tile.
    pub fn replace_snapshot(&self, snapshot: Snapshot) {
        *self
            .0
            .snapshot
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(snapshot);
        self.0
            .tiles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }

    /// A cached tile of the snapshot at `revision`, if any.
    #[must_use]
    pub fn cached_tile(
        &self,
        revision: u64,
        set: TileSet,
        coord: TileCoord,
    ) -> Option<Arc<EncodedTile>> {
        self.0
            .tiles
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&(revision, set, coord))
            .cloned()
    }

    /// Caches a tile; empties the cache first when it is full.
    pub fn cache_tile(
        &self,
        revision: u64,
        set: TileSet,
        coord: TileCoord,
        tile: Arc<EncodedTile>,
    ) {
        if self.0.config.server.tile_cache_entries == 0 {
            return; // cache off (for measuring tiles built on request)
        }
        let mut cache = self
            .0
            .tiles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if cache.len() >= self.0.config.server.tile_cache_entries {
            cache.clear();
        }
        cache.insert((revision, set, coord), tile);
    }
}
