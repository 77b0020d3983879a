//! What every handler shares: the current snapshot of the analysis and its tile
//! sources, the cache of encoded tiles, and the store to watch for changes.

use crate::auth::{Accounts, Caller};
use crate::config::Config;
use crate::http::error::ApiError;
use crate::index::{Analysis, Change, Placements, change};
use crate::model::{Period, TileCoord};
use crate::store::Store;
use crate::tiles::source::{TileSet, TileSources};
use axum::body::Bytes;
use flate2::Compression;
use flate2::write::GzEncoder;
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

/// One consistent view of the data: handlers clone the `Arc` and never see a
/// half-updated analysis.
///
/// Children are analysed per measurement period; `analysis` and `sources` are the
/// default period's (the latest; a store without children has one empty default),
/// the others are in `other_periods`. Households, villages and facilities apply to
/// every period. Ask for a period with [`Snapshot::analysis_for`].
pub struct Snapshot {
    /// Store revision the snapshot was computed from.
    pub revision: u64,
    /// The default period's analysis.
    pub analysis: Analysis,
    pub sources: TileSources,
    /// The default period: the latest with children, `None` without children.
    pub default_period: Option<Period>,
    /// Every period but the default, with its analysis and tile sources.
    pub other_periods: BTreeMap<Period, (Analysis, TileSources)>,
    /// Every period's children located once, for comparisons.
    placements: BTreeMap<Period, Placements>,
    /// Children and households as case records, for those allowed to read them.
    pub cases: Arc<crate::index::cases::Cases>,
    /// The basemap: the stored OpenStreetMap extract and the village boundaries.
    pub basemap: Arc<crate::basemap::Basemap>,
    /// Each period's measurement coverage and the two numbers, computed with the
    /// analyses (none in a [`Snapshot::build_public`] snapshot).
    measurement: BTreeMap<Option<Period>, Arc<crate::risk::measurement::Measurement>>,
    /// The public figures of each period, built on first request (two periods'
    /// side by side: the map is locked only to find a period's cell).
    public: Mutex<BTreeMap<Option<Period>, Built<crate::public::PublicView>>>,
    /// The public tile layers of each period, built on first request.
    public_tiles: Mutex<BTreeMap<Option<Period>, Built<crate::public::tiles::PublicTiles>>>,
    /// The case records' H3 cells at the public resolutions, found once (on every
    /// core, with the snapshot) for every period's public figures.
    case_cells: crate::public::CaseCells,
    /// The convergence programmes (`[[programmes]]`) and the intervention ledger.
    programmes: Vec<crate::model::Programme>,
    deliveries: Vec<crate::model::Delivery>,
    /// The programmes' coverage of each period, built on first request.
    coverage: Mutex<BTreeMap<Option<Period>, Built<crate::risk::coverage::Coverage>>>,
    /// The same per H3 cell of a resolution, by (period, resolution).
    cell_coverage: CellCoverage,
}

/// Coverage per H3 cell, by (period, resolution), built on first request.
type CellCoverage = Mutex<BTreeMap<(Option<Period>, u8), Built<crate::risk::coverage::Coverage>>>;

/// A value built once, by the first caller that needs it; others wait for it.
type Built<T> = Arc<std::sync::OnceLock<Arc<T>>>;

/// The value of `key` in `cache`, built by `build` on first use; the cache is
/// locked only to find the key's cell, so different keys are built side by side.
fn built<K: Ord, T>(
    cache: &Mutex<BTreeMap<K, Built<T>>>,
    key: K,
    build: impl FnOnce() -> T,
) -> Arc<T> {
    let cell = Arc::clone(
        cache
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .entry(key)
            .or_default(),
    );
    Arc::clone(cell.get_or_init(|| Arc::new(build())))
}

/// The measurement coverage of `analysis` (the villages of `period`): each village's
/// children measured against its imported target for the round, else its
/// population, and the city's two numbers with `[survey]`.
fn measurement_of(
    analysis: &Analysis,
    data: &crate::model::Dataset,
    period: Option<Period>,
    config: &Config,
) -> crate::risk::measurement::Measurement {
    let imported = crate::model::measure_targets_of(&data.measure_targets, period);
    let villages: Vec<crate::risk::measurement::VillageIn<'_>> = analysis
        .villages
        .iter()
        .map(|v| crate::risk::measurement::VillageIn {
            code: &v.village.code,
            measured: v.stats.counts.children,
            stunted: v.stats.counts.stunted,
            population: v.stats.population,
            imported: imported.get(v.village.code.as_str()).copied(),
        })
        .collect();
    crate::risk::measurement::compute(&villages, &config.measurement, &config.survey)
}

/// The basemap of `data`; an unreadable extract is logged and left out (villages
/// still draw), so a bad file never stops the server.
fn basemap(data: &crate::model::Dataset) -> crate::basemap::Basemap {
    let pbf = data.osm_extract.as_deref().map(Vec::as_slice);
    crate::basemap::Basemap::build(pbf, &data.villages).unwrap_or_else(|e| {
        tracing::warn!(error = %e, "basemap without the OpenStreetMap extract");
        crate::basemap::Basemap::villages_only(&data.villages)
    })
}

/// The default period's village figures and the case records with their H3 cells,
/// for [`Snapshot::build_public`]: the households' villages are found once for both
/// (every period has the same households), while the access road graph is built.
fn public_figures(
    data: &crate::model::Dataset,
    config: &Config,
    default_period: Option<Period>,
    household_cells: Option<Vec<crate::public::PointCells>>,
    started: std::time::Instant,
) -> (
    Analysis,
    (crate::index::cases::Cases, crate::public::CaseCells),
) {
    let index = crate::index::VillageIndex::new(&data.villages);
    let (homes, roads) = rayon::join(
        || index.locate_households(&data.households),
        || crate::index::analysis::access_road_graph(data, config),
    );
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "households located"
    );
    rayon::join(
        || {
            let of_period = default_period.map(|p| data.of_period(p));
            let analysis = Analysis::compute_villages(
                of_period.as_ref().unwrap_or(data),
                config,
                roads,
                &homes,
            );
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "village figures");
            analysis
        },
        || {
            let cases = crate::index::cases::Cases::build_located(data, &index, &homes);
            let cells = match household_cells {
                Some(h) => crate::public::CaseCells::with_households(&cases, h),
                None => crate::public::CaseCells::new(&cases),
            };
            tracing::debug!(seconds = started.elapsed().as_secs_f64(), "case records");
            (cases, cells)
        },
    )
}

impl Snapshot {
    /// Computes the analysis and tile sources of every period for one store revision.
    #[must_use]
    pub fn build(revision: u64, data: &crate::model::Dataset, config: &Config) -> Self {
        let default_period = data.latest_period();
        // The road graphs do not depend on the period: built once, shared.
        let roads = crate::index::analysis::road_graphs(data, config);
        // Every period has the same households: located once, for each period's
        // analysis and the case records.
        let index = crate::index::VillageIndex::new(&data.villages);
        let homes = index.locate_households(&data.households);
        let build_view = |d: &crate::model::Dataset| {
            let analysis = Analysis::compute_with_roads(d, config, roads.clone(), &homes);
            let sources = TileSources::build(&analysis);
            (analysis, sources)
        };
        let mut other_periods = BTreeMap::new();
        let mut placements = BTreeMap::new();
        let mut default_view = None;
        // One filtered copy of the data per period feeds both its analysis and the
        // placements comparisons use.
        for p in data.periods().into_keys() {
            let of_period = data.of_period(p);
            placements.insert(p, Placements::new(&of_period.villages, &of_period.children));
            let view = build_view(&of_period);
            if Some(p) == default_period {
                default_view = Some(view);
            } else {
                other_periods.insert(p, view);
            }
        }
        let (analysis, sources) = default_view.unwrap_or_else(|| build_view(data));
        let measurement = std::iter::once((default_period, &analysis))
            .chain(other_periods.iter().map(|(p, (a, _))| (Some(*p), a)))
            .map(|(p, a)| (p, Arc::new(measurement_of(a, data, p, config))))
            .collect();
        let cases = crate::index::cases::Cases::build_located(data, &index, &homes);
        let snapshot = Self {
            revision,
            analysis,
            sources,
            default_period,
            other_periods,
            placements,
            measurement,
            case_cells: crate::public::CaseCells::new(&cases),
            cases: Arc::new(cases),
            basemap: Arc::new(basemap(data)),
            public: Mutex::new(BTreeMap::new()),
            public_tiles: Mutex::new(BTreeMap::new()),
            programmes: config.programmes(),
            deliveries: data.deliveries.clone(),
            coverage: Mutex::new(BTreeMap::new()),
            cell_coverage: Mutex::new(BTreeMap::new()),
        };
        let _ = snapshot.coverage(snapshot.default_period);
        // The public figures of the default period are built here, off the request
        // path: the first visitor of the city's website after an import does not
        // wait for the suppression (seconds on a large city).
        let _ = snapshot.public_tiles(
            snapshot.default_period,
            u64::from(config.public.k),
            u64::from(config.public.min_denominator),
        );
        snapshot
    }

    /// A snapshot for the public answers alone (`sigap publish`): the default
    /// period's village figures (their risk scores give the priority classes every
    /// period's public map uses), the case records the public counts come from, the
    /// basemap and the list of periods, built side by side on every core. The public
    /// answers from it are the same as from [`Snapshot::build`]'s; the staff ones are
    /// not: no H3 cells, no staff tile sources, no other period's analysis and no
    /// placements to compare periods with. Never serve it.
    ///
    /// `household_cells` are the households' H3 cells when already found
    /// ([`crate::public::CaseCells::of_households`] of `data.households`).
    #[must_use]
    pub fn build_public(
        revision: u64,
        data: &crate::model::Dataset,
        config: &Config,
        household_cells: Option<Vec<crate::public::PointCells>>,
    ) -> Self {
        let started = std::time::Instant::now();
        let default_period = data.latest_period();
        let ((analysis, (cases, case_cells)), basemap) = rayon::join(
            || public_figures(data, config, default_period, household_cells, started),
            || {
                let b = basemap(data);
                tracing::debug!(seconds = started.elapsed().as_secs_f64(), "basemap");
                b
            },
        );
        let sources = TileSources::build(&analysis);
        let placements = data
            .periods()
            .into_keys()
            .map(|p| (p, Placements::default()))
            .collect();
        let snapshot = Self {
            revision,
            analysis,
            sources,
            default_period,
            other_periods: BTreeMap::new(),
            placements,
            measurement: BTreeMap::new(),
            case_cells,
            cases: Arc::new(cases),
            basemap: Arc::new(basemap),
            public: Mutex::new(BTreeMap::new()),
            public_tiles: Mutex::new(BTreeMap::new()),
            programmes: config.programmes(),
            deliveries: data.deliveries.clone(),
            coverage: Mutex::new(BTreeMap::new()),
            cell_coverage: Mutex::new(BTreeMap::new()),
        };
        tracing::debug!(seconds = started.elapsed().as_secs_f64(), "public snapshot");
        snapshot
    }

    /// The measurement coverage of a resolved period, `None` in a public snapshot.
    #[must_use]
    pub fn measurement(
        &self,
        period: Option<Period>,
    ) -> Option<Arc<crate::risk::measurement::Measurement>> {
        self.measurement.get(&period).cloned()
    }

    /// The public tile layers of a resolved period, built once.
    pub fn public_tiles(
        &self,
        period: Option<Period>,
        k: u64,
        min_den: u64,
    ) -> Arc<crate::public::tiles::PublicTiles> {
        built(&self.public_tiles, period, || {
            let view = self.public_view(period, k);
            let villages = &self.analysis.villages;
            let classes = crate::public::priority_classes(villages);
            crate::public::tiles::PublicTiles::build(&view, villages, &classes, min_den)
        })
    }

    /// The public (suppressed) figures of a resolved period, built once.
    pub fn public_view(&self, period: Option<Period>, k: u64) -> Arc<crate::public::PublicView> {
        built(&self.public, period, || {
            let codes: Vec<String> = self
                .analysis
                .villages
                .iter()
                .map(|v| v.village.code.clone())
                .collect();
            crate::public::PublicView::build_with(&self.cases, &self.case_cells, &codes, period, k)
        })
    }

    /// The convergence programmes the coverage figures are of.
    #[must_use]
    pub fn programmes(&self) -> &[crate::model::Programme] {
        &self.programmes
    }

    /// Every delivery of the intervention ledger.
    #[must_use]
    pub fn deliveries(&self) -> &[crate::model::Delivery] {
        &self.deliveries
    }

    /// The programmes' coverage in a resolved period, built once.
    pub fn coverage(&self, period: Option<Period>) -> Arc<crate::risk::coverage::Coverage> {
        built(&self.coverage, period, || {
            let codes: Vec<&str> = self
                .analysis
                .villages
                .iter()
                .map(|v| v.village.code.as_str())
                .collect();
            crate::risk::coverage::of_cases(
                &self.programmes,
                &self.deliveries,
                &self.cases,
                period,
                &codes,
            )
        })
    }

    /// The programmes' coverage per H3 cell at `res` in a resolved period, built once
    /// (village programmes left out: a village is no cell's).
    pub fn cell_coverage(
        &self,
        period: Option<Period>,
        res: h3o::Resolution,
    ) -> Arc<crate::risk::coverage::Coverage> {
        built(&self.cell_coverage, (period, u8::from(res)), || {
            crate::risk::coverage::of_cases_in_cells(
                &self.programmes,
                &self.deliveries,
                &self.cases,
                period,
                res,
            )
        })
    }

    /// Every period with children, in time order.
    #[must_use]
    pub fn periods(&self) -> Vec<Period> {
        self.placements.keys().copied().collect()
    }

    /// The period a query names (`None`: the default), checked against the
    /// snapshot's; an unknown or malformed one is a 400 listing the available ones.
    pub fn resolve_period(&self, text: Option<&str>) -> Result<Option<Period>, ApiError> {
        let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
            return Ok(self.default_period);
        };
        let known = || {
            let list: Vec<String> = self.periods().iter().map(ToString::to_string).collect();
            if list.is_empty() {
                "none: no children are imported".to_owned()
            } else {
                list.join(", ")
            }
        };
        let period: Period = text
            .parse()
            .map_err(|e| ApiError::BadRequest(format!("{e}; available periods: {}", known())))?;
        if self.placements.contains_key(&period) {
            Ok(Some(period))
        } else {
            Err(ApiError::BadRequest(format!(
                "no children measured in period {period}; available periods: {}",
                known()
            )))
        }
    }

    /// The analysis of the period a query names (`?period=2026-02`; `None`: the
    /// default period's).
    pub fn analysis_for(&self, period: Option<&str>) -> Result<&Analysis, ApiError> {
        let p = self.resolve_period(period)?;
        Ok(self.view(p).0)
    }

    /// The analysis and tile sources of a resolved period.
    #[must_use]
    pub fn view(&self, period: Option<Period>) -> (&Analysis, &TileSources) {
        match period.and_then(|p| self.other_periods.get(&p)) {
            Some((a, s)) => (a, s),
            None => (&self.analysis, &self.sources),
        }
    }

    /// The change from the period `base` names to `current` (resolved) per village
    /// (in the analysis' village order) and cell.
    pub fn change(&self, current: Option<Period>, base: &str) -> Result<Change, ApiError> {
        let base = self
            .resolve_period(Some(base))?
            .ok_or_else(|| ApiError::BadRequest("compare needs a period".into()))?;
        let empty = Placements::default();
        let now = current
            .and_then(|p| self.placements.get(&p))
            .unwrap_or(&empty);
        let then = self.placements.get(&base).unwrap_or(&empty);
        Ok(change::compare(
            now,
            then,
            base,
            self.analysis.villages.len(),
        ))
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
    pub store: Option<Mutex<Store>>,
    /// A read-only connection to the store file for lookups (visits, the revision,
    /// reloading the snapshot): in WAL mode it never waits for a writer. `None`
    /// for an in-memory store, where `store` serves both.
    reader: Option<Mutex<Store>>,
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
    /// The store file, when the server has one on disk.
    store_file: Option<PathBuf>,
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
    /// The read-only store connection, when the store is a file.
    #[must_use]
    pub fn reader(&self) -> Option<&Mutex<Store>> {
        self.reader.as_ref()
    }
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
        store: Option<Store>,
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
            store_file: store
                .as_ref()
                .map(|s| s.path().to_path_buf())
                .filter(|p| p != std::path::Path::new(":memory:")),
            reader: store.as_ref().and_then(|s| {
                let path = s.path();
                (path != std::path::Path::new(":memory:"))
                    .then(|| Store::open_read_only(path))
                    .and_then(|r| {
                        r.map_err(|e| tracing::warn!(error = %e, "no read-only connection"))
                            .ok()
                    })
                    .map(Mutex::new)
            }),
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
        f: impl FnOnce(&Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let Some(store) = st.0.reader().or(st.0.store.as_ref()) else {
                return Ok(None);
            };
            let store = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            f(&store).map(Some)
        })
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(ApiError::from)
    }

    /// Runs `f` on the store's write connection on a blocking thread (`None`: the
    /// server has no store). A write that waits too long for an import is a 503.
    pub async fn write_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, crate::store::StoreError> + Send + 'static,
    ) -> Result<Option<T>, ApiError> {
        let st = self.clone();
        tokio::task::spawn_blocking(move || {
            let Some(store) = st.0.store.as_ref() else {
                return Ok(None);
            };
            let mut store = store
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
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

    /// The store file's path, when the server has one on disk.
    #[must_use]
    pub fn store_path(&self) -> Option<PathBuf> {
        self.0.store_file.clone()
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
        let snapshot = Snapshot::build(revision, &crate::model::Dataset::default(), &config);
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
            &crate::model::Dataset::default(),
            &config,
        ));
        assert!(st.cached_tile((7, None, kind, coord)).is_none());
    }
}
