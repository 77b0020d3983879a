//! One store revision, analysed: every period's per-area figures and tile sources,
//! the case records, the basemap, and the public figures and programme coverage
//! built on first request. Handlers share it behind an `Arc` and never see a
//! half-updated one; the server builds the next while the current one answers,
//! taking from it the periods an import did not touch ([`Snapshot::build_after`]).
//!
//! It knows no caller and no HTTP: what a request may read is decided above it.

use crate::analysis::{Analysis, Change, Placements, change};
use crate::config::Config;
use crate::model::Period;
use crate::tiles::source::TileSources;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

mod fingerprint;

use fingerprint::Fingerprints;

/// A period a request named that the snapshot has no children of, or that is not
/// a period; the message lists the periods there are.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PeriodError(pub String);

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
    /// The default period's analysis (shared with the next snapshot when its inputs
    /// do not change, see [`Snapshot::build_after`]).
    pub analysis: Arc<Analysis>,
    pub sources: Arc<TileSources>,
    /// The default period: the latest with children, `None` without children.
    pub default_period: Option<Period>,
    /// Every period but the default, with its analysis and tile sources.
    pub other_periods: BTreeMap<Period, (Arc<Analysis>, Arc<TileSources>)>,
    /// Every period's children located once, for comparisons.
    placements: BTreeMap<Period, Arc<Placements>>,
    /// What each period's view was computed from, for the next snapshot to tell
    /// which it can reuse (`None` in a [`Snapshot::build_public`] snapshot).
    fingerprints: Option<Fingerprints>,
    /// The views this snapshot computed rather than reused.
    rebuilt: Vec<Option<Period>>,
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
    data: &crate::store::Dataset,
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
fn basemap(data: &crate::store::Dataset) -> crate::basemap::Basemap {
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
    data: &crate::store::Dataset,
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
        || crate::analysis::access_road_graph(data, config),
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

/// Each of `data`'s households' cells at the public resolutions: as the store keeps
/// them (`data.household_cells`), or found on every core for a household without
/// them, and for all when the stored list does not match the households (a dataset
/// made in memory has none).
///
/// # Units
/// Household locations are WGS84 degrees (x = lon, y = lat).
fn stored_or_found_cells(data: &crate::store::Dataset) -> Vec<crate::model::PointCells> {
    if data.household_cells.len() == data.households.len() {
        crate::public::CaseCells::of_households(&data.households, &data.household_cells)
    } else {
        data.households
            .par_iter()
            .map(|h| crate::model::point_cells(h.location))
            .collect()
    }
}

/// A period's analysis and tile sources, shared between the snapshots whose inputs
/// for that period are the same.
type View = (Arc<Analysis>, Arc<TileSources>);

/// The views and placements of a previous snapshot that still hold for new data:
/// those of the periods whose own and shared fingerprints are unchanged.
struct Reusable<'a> {
    previous: &'a Snapshot,
    fingerprints: &'a Fingerprints,
}

impl<'a> Reusable<'a> {
    /// `previous` if its shared inputs are the same as those `fingerprints` are of,
    /// else `None` (every view is rebuilt).
    fn new(previous: Option<&'a Snapshot>, fingerprints: &'a Fingerprints) -> Option<Self> {
        let previous = previous?;
        let known = previous.fingerprints.as_ref()?;
        (known.shared == fingerprints.shared).then_some(Self {
            previous,
            fingerprints,
        })
    }

    /// The previous snapshot's view of `key` (a period, or `None` for a store
    /// without children), if it had one and its children are the same.
    fn view(&self, key: Option<Period>) -> Option<View> {
        let known = self.previous.fingerprints.as_ref()?;
        let same = known
            .views
            .get(&key)
            .is_some_and(|f| self.fingerprints.views.get(&key) == Some(f));
        if !same {
            return None;
        }
        let previous = self.previous;
        if previous.default_period == key {
            return Some((
                Arc::clone(&previous.analysis),
                Arc::clone(&previous.sources),
            ));
        }
        let (a, s) = previous.other_periods.get(&key?)?;
        Some((Arc::clone(a), Arc::clone(s)))
    }

    /// The previous snapshot's placements of `period`, with its view.
    fn placements(&self, period: Period) -> Option<Arc<Placements>> {
        self.view(Some(period))?;
        self.previous.placements.get(&period).cloned()
    }
}

impl Snapshot {
    /// Computes the analysis and tile sources of every period for one store revision.
    #[must_use]
    pub fn build(revision: u64, data: &crate::store::Dataset, config: &Config) -> Self {
        Self::build_reusing(None, revision, data, config)
    }

    /// [`Snapshot::build`] after an import, reusing `previous`'s work where it still
    /// holds: each period's analysis, tile sources and placements are taken from
    /// `previous` when that period's children and every shared input (villages,
    /// households and their cells, facilities, population, roads, configuration;
    /// `snapshot/fingerprint.rs` says why these) are the same as when `previous` was
    /// built (their fingerprints are equal), and computed
    /// again otherwise. Importing one round of children therefore analyses that round
    /// alone; a shared layer's import (households, villages...) or another
    /// configuration rebuilds every period.
    ///
    /// What depends on every period or on the case records is built again every
    /// time, as [`Snapshot::build`] builds it: the households located, the case
    /// records and their H3 cells, the measurement coverage, the basemap, the
    /// programmes' coverage and the default period's public figures. The answers are
    /// those of [`Snapshot::build`] on the same data.
    #[must_use]
    pub fn build_after(
        previous: &Snapshot,
        revision: u64,
        data: &crate::store::Dataset,
        config: &Config,
    ) -> Self {
        Self::build_reusing(Some(previous), revision, data, config)
    }

    /// The periods whose analysis and tile sources this snapshot computed (`None`: the
    /// one view of a store without children); the others' came from the previous
    /// snapshot ([`Snapshot::build_after`]).
    #[must_use]
    pub fn rebuilt_periods(&self) -> &[Option<Period>] {
        &self.rebuilt
    }

    /// Steps: fingerprint the inputs; locate the households (and find their cells)
    /// once; per period, take the view from `previous` or compute it (analysis, tile
    /// sources, placements; the road graphs built once, only if one is computed);
    /// then what depends on every period (measurement, case records and cells,
    /// basemap, coverage, public figures).
    #[expect(clippy::too_many_lines, reason = "one sequence of stages, each logged")]
    fn build_reusing(
        previous: Option<&Snapshot>,
        revision: u64,
        data: &crate::store::Dataset,
        config: &Config,
    ) -> Self {
        let started = std::time::Instant::now();
        let stage = |name: &'static str| {
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                stage = name,
                "snapshot"
            );
        };
        let default_period = data.latest_period();
        let fingerprints = Fingerprints::of(data, config);
        stage("fingerprints");
        let reusable = Reusable::new(previous, &fingerprints);
        // Every period has the same households: located once, for each period's
        // analysis and the case records.
        let index = crate::index::VillageIndex::new(&data.villages);
        let homes = index.locate_households(&data.households);
        // And the same cells at the public resolutions, for every period's analysis
        // and the case records' public cells: those the store keeps with the
        // households (found at import), found here only where it has none.
        let household_cells = stored_or_found_cells(data);
        stage("households located");
        let mut views: BTreeMap<Option<Period>, View> = BTreeMap::new();
        let mut placements = BTreeMap::new();
        let mut rebuilt = Vec::new();
        for &key in fingerprints.views.keys() {
            let kept = reusable.as_ref().and_then(|r| {
                let view = r.view(key)?;
                let placed = match key {
                    Some(p) => Some((p, r.placements(p)?)),
                    None => None,
                };
                Some((view, placed))
            });
            match kept {
                Some((view, placed)) => {
                    views.insert(key, view);
                    placements.extend(placed);
                }
                None => rebuilt.push(key),
            }
        }
        let named = |keys: &mut dyn Iterator<Item = &Option<Period>>| -> Vec<String> {
            keys.map(|k| k.map_or_else(|| "no children".to_owned(), |p| p.to_string()))
                .collect()
        };
        tracing::debug!(
            reused = ?named(&mut views.keys()),
            rebuilt = ?named(&mut rebuilt.iter()),
            "snapshot periods"
        );
        // The periods' views and the case records (with their children's cells)
        // need nothing of each other: built side by side.
        let (cases, child_cells) = rayon::join(
            || {
                if rebuilt.is_empty() {
                    return;
                }
                // The road graphs do not depend on the period: built once, shared.
                let roads = crate::analysis::road_graphs(data, config);
                stage("roads");
                for &key in &rebuilt {
                    // One filtered copy of the data per period feeds both its
                    // analysis and the placements comparisons use.
                    let of_period = key.map(|p| data.of_period(p));
                    let d = of_period.as_ref().unwrap_or(data);
                    if let Some(p) = key {
                        placements.insert(p, Arc::new(Placements::new(&d.villages, &d.children)));
                    }
                    let analysis = Analysis::compute_with_roads(
                        d,
                        config,
                        roads.clone(),
                        &homes,
                        Some(&household_cells),
                    );
                    stage("analysis");
                    let analysis = Arc::new(analysis);
                    let sources = TileSources::build(&analysis);
                    stage("tile sources");
                    views.insert(key, (analysis, Arc::new(sources)));
                }
            },
            || {
                let cases = crate::index::cases::Cases::build_located(data, &index, &homes);
                stage("case records");
                let cells = crate::public::CaseCells::of_children(&cases, &household_cells);
                stage("case cells");
                (cases, cells)
            },
        )
        .1;
        let (analysis, sources) = views
            .remove(&default_period)
            .expect("the default period (or None without children) has a view");
        let other_periods: BTreeMap<Period, View> = views
            .into_iter()
            .filter_map(|(p, view)| Some((p?, view)))
            .collect();
        let measurement = std::iter::once((default_period, &analysis))
            .chain(other_periods.iter().map(|(p, (a, _))| (Some(*p), a)))
            .map(|(p, a)| (p, Arc::new(measurement_of(a, data, p, config))))
            .collect();
        let case_cells = crate::public::CaseCells {
            children: child_cells,
            households: household_cells,
        };
        let basemap = basemap(data);
        stage("basemap");
        let snapshot = Self {
            revision,
            analysis,
            sources,
            default_period,
            other_periods,
            placements,
            fingerprints: Some(fingerprints),
            rebuilt,
            measurement,
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
        // The programmes' coverage and the public figures of the default period are
        // built here, side by side, off the request path: the first visitor of the
        // city's website after an import does not wait for the suppression
        // (seconds on a large city).
        rayon::join(
            || {
                let _ = snapshot.coverage(snapshot.default_period);
                stage("coverage");
            },
            || {
                let _ = snapshot.public_tiles(
                    snapshot.default_period,
                    u64::from(config.public.k),
                    u64::from(config.public.min_denominator),
                );
                stage("public figures");
            },
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
        data: &crate::store::Dataset,
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
        let analysis = Arc::new(analysis);
        let sources = TileSources::build(&analysis);
        let placements = data
            .periods()
            .into_keys()
            .map(|p| (p, Arc::default()))
            .collect();
        let snapshot = Self {
            revision,
            analysis,
            sources: Arc::new(sources),
            default_period,
            other_periods: BTreeMap::new(),
            placements,
            fingerprints: None,
            rebuilt: Vec::new(),
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
    /// snapshot's; an unknown or malformed one is an error listing the available ones.
    pub fn resolve_period(&self, text: Option<&str>) -> Result<Option<Period>, PeriodError> {
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
            .map_err(|e| PeriodError(format!("{e}; available periods: {}", known())))?;
        if self.placements.contains_key(&period) {
            Ok(Some(period))
        } else {
            Err(PeriodError(format!(
                "no children measured in period {period}; available periods: {}",
                known()
            )))
        }
    }

    /// The analysis of the period a query names (`?period=2026-02`; `None`: the
    /// default period's).
    pub fn analysis_for(&self, period: Option<&str>) -> Result<&Analysis, PeriodError> {
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
    pub fn change(&self, current: Option<Period>, base: &str) -> Result<Change, PeriodError> {
        let base = self
            .resolve_period(Some(base))?
            .ok_or_else(|| PeriodError("compare needs a period".into()))?;
        let empty = Placements::default();
        let now = current
            .and_then(|p| self.placements.get(&p))
            .map_or(&empty, |p| p);
        let then = self.placements.get(&base).map_or(&empty, |p| p);
        Ok(change::compare(
            now,
            then,
            base,
            self.analysis.villages.len(),
        ))
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;

#[cfg(test)]
mod after_tests;
