//! What every handler shares: the current snapshot of the analysis and its tile
//! sources, the cache of encoded tiles, and the store to watch for changes.

use crate::auth::{Accounts, Caller};
use crate::config::Config;
use crate::http::error::ApiError;
use crate::model::{Period, TileCoord};
use crate::snapshot::Snapshot;
use crate::store::{AnyStore, Db};
use crate::tiles::source::TileSet;
use axum::body::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

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

/// Most bytes (plain and gzipped) the tile cache holds before it is emptied.
const TILE_CACHE_BYTES: usize = 256 * 1024 * 1024;

/// Encoded tiles of the current snapshot, and their size.
#[derive(Default)]
struct TileCache {
    tiles: HashMap<TileKey, Arc<EncodedTile>>,
    bytes: usize,
}

/// Which tiles: a staff tile set with its finest H3 resolution (per role), or a
/// public layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TileKind {
    Staff {
        set: TileSet,
        finest: h3o::Resolution,
    },
    /// `hexes: false` is the villages layer.
    Public { hexes: bool },
    /// The basemap (public, the same for every period).
    Basemap,
}

/// Revision, period (`None`: no children), which tiles, tile.
pub type TileKey = (u64, Option<Period>, TileKind, TileCoord);

/// The shared state behind every handler.
pub struct Shared {
    pub config: Config,
    /// Whether the data are the built-in synthetic demo city.
    pub demo: bool,
    /// The viewer's files: embedded, or from disk (`serve --web-dir`).
    pub web: crate::assets::WebFiles,
    snapshot: RwLock<Arc<Snapshot>>,
    tiles: RwLock<TileCache>,
    /// The store, watched for new imports (`None` for a fixed dataset); changes
    /// (visits, assignments) go through it.
    pub store: Option<Mutex<AnyStore>>,
    /// Connections for lookups (visits, the revision, reloading the snapshot), one
    /// per core: read-only in WAL mode on a file, more sessions on PostgreSQL;
    /// either way they never wait for a writer, and a lookup waits for another
    /// only when all are busy (with one, every lookup on PostgreSQL waited a round
    /// trip for the one before it). Empty for an in-memory store, where `store`
    /// serves both.
    readers: Vec<Mutex<AnyStore>>,
    /// The reader a lookup waits for when all are busy, in turn.
    next_reader: std::sync::atomic::AtomicUsize,
    /// Held while a snapshot is rebuilt: one rebuild at a time (an import's own and
    /// the store watcher's would otherwise build the same revision twice, side by
    /// side, doubling the memory it takes).
    pub rebuilding: Mutex<()>,
    /// Tiles being encoded at once, at most one per core: 256 clients missing the
    /// cache together (after an import empties it) would otherwise get 256 blocking
    /// threads, each with its own heap, and the server grew by gigabytes.
    renders: tokio::sync::Semaphore,
    /// The threads tiles are encoded on, one per core and alive as long as the
    /// server: on the blocking pool's short-lived threads every tile left its memory
    /// in another thread's heap, and the server grew to gigabytes under load.
    render_pool: rayon::ThreadPool,
    /// Credential lookups in flight at once: each takes a blocking thread, and 256
    /// clients each holding one while they queue for the same connection made the
    /// blocking pool start hundreds of threads.
    lookups: tokio::sync::Semaphore,
    /// The store the server runs on (`None`: in memory), for imports, which open
    /// their own connection to it.
    db: Option<Db>,
    /// Users, sessions, tokens and the audit log.
    pub accounts: Arc<Accounts>,
    /// The pseudonym key imports over HTTP use (`None`: no store file to import into).
    import_key: Mutex<Option<PathBuf>>,
    /// The key that opens children's and households' sealed names and addresses
    /// (`None`: they stay sealed); loaded at start-up, never written to the store.
    identity_key: Mutex<Option<crate::ingest::IdentityKey>>,
    /// Public requests per client address.
    pub public_buckets: Mutex<HashMap<std::net::IpAddr, Bucket>>,
}

impl Shared {
    /// A connection for lookups: the first reader not in use, else the next in
    /// turn once it is free; the write connection when there are no readers (an
    /// in-memory store). `None` when the server has no store.
    pub fn reader(&self) -> Option<std::sync::MutexGuard<'_, AnyStore>> {
        fn lock(m: &Mutex<AnyStore>) -> std::sync::MutexGuard<'_, AnyStore> {
            m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
        }
        if self.readers.is_empty() {
            return self.store.as_ref().map(lock);
        }
        for r in &self.readers {
            match r.try_lock() {
                Ok(free) => return Some(free),
                Err(std::sync::TryLockError::Poisoned(p)) => return Some(p.into_inner()),
                Err(std::sync::TryLockError::WouldBlock) => {}
            }
        }
        let turn = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Some(lock(&self.readers[turn % self.readers.len()]))
    }
}

/// Up to `n` connections for lookups on `store` (none for an in-memory store); a
/// connection that cannot be opened is logged and left out.
fn readers(store: &AnyStore, n: usize) -> Vec<Mutex<AnyStore>> {
    (0..n.max(1))
        .map_while(|_| store.reader())
        .filter_map(|r| {
            r.map_err(|e| tracing::warn!(error = %e, "a connection for lookups not opened"))
                .ok()
                .map(Mutex::new)
        })
        .collect()
}

/// One client address's token bucket on the public routes.
#[derive(Debug, Clone, Copy)]
pub struct Bucket {
    /// Requests it may still make now.
    pub tokens: f64,
    /// When `tokens` was last refilled.
    pub refilled: std::time::Instant,
    /// When a refusal was last logged: one log line a minute per address, however
    /// many requests are refused.
    pub logged: Option<std::time::Instant>,
    /// Requests refused since that line.
    pub refused: u64,
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
        store: Option<AnyStore>,
        demo: bool,
        web: crate::assets::WebFiles,
        accounts: Arc<Accounts>,
    ) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self(Arc::new(Shared {
            accounts,
            public_buckets: Mutex::new(HashMap::new()),
            import_key: Mutex::new(None),
            identity_key: Mutex::new(None),
            config,
            demo,
            web,
            snapshot: RwLock::new(Arc::new(snapshot)),
            tiles: RwLock::new(TileCache::default()),
            db: store.as_ref().and_then(AnyStore::db),
            readers: store
                .as_ref()
                .map(|s| readers(s, cores))
                .unwrap_or_default(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
            store: store.map(Mutex::new),
            rebuilding: Mutex::new(()),
            renders: tokio::sync::Semaphore::new(cores),
            lookups: tokio::sync::Semaphore::new(2 * cores),
            render_pool: rayon::ThreadPoolBuilder::new()
                .num_threads(cores)
                .thread_name(|i| format!("sigap-render-{i}"))
                .build()
                .expect("render threads"),
        }))
    }

    /// Runs `f` on the store's read connection on a blocking thread (`None`: the
    /// server has no store).
    pub async fn read_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut AnyStore) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let Some(mut store) = st.0.reader() else {
                return Ok(None);
            };
            store.revive()?;
            f(&mut store).map(Some)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Runs `f` on the store's write connection on a blocking thread (`None`: the
    /// server has no store). A write that waits too long for an import is a 503.
    pub async fn write_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut AnyStore) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let Some(store) = st.0.store.as_ref() else {
                return Ok(None);
            };
            let mut store = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            store.revive()?;
            f(&mut store).map(Some)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Rebuilds the snapshot off the request after a write that moved the store's
    /// revision (a visit's deliveries, a campaign), so the writer is answered as soon
    /// as the rows are committed; the answer carries the revision and a page polls
    /// `/api/coverage` until its `revision` reaches it. `after` names the write in
    /// the log. The store watcher would rebuild within [`crate::http::STORE_POLL`]
    /// anyway; one rebuild runs at a time either way.
    pub fn rebuild_in_background(&self, after: &'static str) {
        let st = self.clone();
        tokio::task::spawn_blocking(move || match crate::http::refresh(&st) {
            Ok(Some(revision)) => tracing::info!(revision, after, "snapshot rebuilt"),
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, after, "snapshot not rebuilt"),
        });
    }

    /// Runs `f` on the accounts on a blocking thread, so a slow database call never
    /// holds up the async workers (and with them /health and the public map).
    pub async fn accounts<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Accounts) -> Result<T, crate::auth::AuthError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let accounts = Arc::clone(&self.0.accounts);
        tokio::task::spawn_blocking(move || f(&accounts))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(ApiError::from)
    }

    /// [`AppState::accounts`] for a credential lookup, at most two per core at once
    /// (a lookup reads, and reads share one connection: more threads only wait).
    pub async fn look_up<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Accounts) -> Result<T, crate::auth::AuthError> + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self
            .0
            .lookups
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        self.accounts(f).await
    }

    /// Runs the CPU-heavy `f` (encoding a tile) on a blocking thread once one of the
    /// per-core slots is free, so the work in flight stays bounded however many
    /// clients wait.
    pub async fn render<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let _slot = self
            .0
            .renders
            .acquire()
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.0.render_pool.spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
            let _ = tx.send(out); // the client may have gone: nothing to tell
        });
        match rx.await {
            Ok(Ok(t)) => Ok(t),
            Ok(Err(_)) => Err(ApiError::Internal("render task panicked".into())),
            Err(e) => Err(ApiError::Internal(format!("render task failed: {e}"))),
        }
    }

    /// The cached tile at `key`, else `build` run through [`AppState::render`],
    /// encoded, cached and returned.
    pub async fn tile(
        &self,
        key: TileKey,
        build: impl FnOnce() -> Vec<u8> + Send + 'static,
    ) -> Result<Arc<EncodedTile>, ApiError> {
        if let Some(t) = self.cached_tile(key) {
            return Ok(t);
        }
        let t = Arc::new(self.render(move || EncodedTile::new(build())).await?);
        self.cache_tile(key, Arc::clone(&t));
        Ok(t)
    }

    /// The place the maps and exports name: `[city] name`, or for the demo city
    /// "Kota Kendari (demo, data sintetis)".
    #[must_use]
    pub fn place(&self) -> Option<String> {
        self.0.config.city.name.clone().or_else(|| {
            self.0
                .demo
                .then(|| "Kota Kendari (demo, data sintetis)".to_owned())
        })
    }

    /// The store the server runs on, `None` when it lives in memory.
    #[must_use]
    pub fn db(&self) -> Option<Db> {
        self.0.db.clone()
    }

    /// Lets `POST /api/import` write to the attached store with the key at `path`.
    /// Gives the server the key that opens sealed identities (see
    /// [`crate::ingest::identity`]).
    pub fn set_identity_key(&self, key: crate::ingest::IdentityKey) {
        *self
            .0
            .identity_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(key);
    }

    /// The key that opens sealed identities, if the server has one.
    #[must_use]
    pub fn identity_key(&self) -> Option<crate::ingest::IdentityKey> {
        self.0
            .identity_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn set_import_key(&self, path: PathBuf) {
        *self
            .0
            .import_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(path);
    }

    /// The key file of imports over HTTP, when they are possible.
    #[must_use]
    pub fn import_key(&self) -> Option<PathBuf> {
        self.0
            .import_key
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Appends to the audit log what `caller` did (`action`: read, export, import,
    /// `user_add`, ...), to which data (`what`), and how many records. Call it
    /// before answering: when the row cannot be written (the store is locked by an
    /// import past the busy timeout) the request fails with 503 and nothing is
    /// served unrecorded.
    pub async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        what: &str,
        records: usize,
    ) -> Result<(), ApiError> {
        let (name, id, role) = (caller.username.clone(), caller.user_id, caller.role);
        let (act, wh, address) = (action.to_owned(), what.to_owned(), caller.address);
        let result = self
            .accounts(move |a| a.audit(Some((&name, id, role)), &name, &act, &wh, records, address))
            .await;
        if let Err(e) = &result {
            tracing::error!(error = %e, user = caller.user_id, action, "audit log not written; request refused");
        }
        result
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
        *self
            .0
            .tiles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = TileCache::default();
    }

    /// A cached tile, if any.
    #[must_use]
    pub fn cached_tile(&self, key: TileKey) -> Option<Arc<EncodedTile>> {
        self.0
            .tiles
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .tiles
            .get(&key)
            .cloned()
    }

    /// Caches a tile; empties the cache first when it is full.
    pub fn cache_tile(&self, key: TileKey, tile: Arc<EncodedTile>) {
        if self.0.config.server.tile_cache_entries == 0 {
            return; // cache off (for measuring tiles built on request)
        }
        // A tile of a snapshot already replaced (its render ended after an import)
        // is never asked for again: kept, tiles of every past revision piled up to
        // gigabytes under load.
        // Checked under the cache's lock, which replace_snapshot takes after it
        // swaps the snapshot: an old tile is refused here or emptied there.
        let mut cache = self
            .0
            .tiles
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if key.0 != self.snapshot().revision {
            return;
        }
        let size = tile.raw.len() + tile.gzip.len();
        if cache.tiles.len() >= self.0.config.server.tile_cache_entries
            || cache.bytes + size > TILE_CACHE_BYTES
        {
            *cache = TileCache::default();
        }
        cache.bytes += size;
        cache.tiles.insert(key, tile);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(revision: u64) -> AppState {
        let config = Config::default();
        let snapshot = Snapshot::build(revision, &crate::store::Dataset::default(), &config);
        let accounts = Accounts::open_in_memory().expect("accounts");
        AppState::new(
            config,
            snapshot,
            None,
            false,
            crate::assets::WebFiles::Embedded,
            Arc::new(accounts),
        )
    }

    #[test]
    fn tiles_of_a_replaced_snapshot_are_not_kept() {
        let st = state(7);
        let coord = TileCoord::new(12, 3441, 2093).expect("tile");
        let kind = TileKind::Public { hexes: true };
        let tile = Arc::new(EncodedTile::new(vec![1, 2, 3]));
        // A render of revision 6 that ends after revision 7 is served is dropped.
        st.cache_tile((6, None, kind, coord), Arc::clone(&tile));
        assert!(st.cached_tile((6, None, kind, coord)).is_none());
        st.cache_tile((7, None, kind, coord), Arc::clone(&tile));
        assert!(st.cached_tile((7, None, kind, coord)).is_some());
        let config = Config::default();
        st.replace_snapshot(Snapshot::build(
            8,
            &crate::store::Dataset::default(),
            &config,
        ));
        assert!(st.cached_tile((7, None, kind, coord)).is_none());
    }
}
