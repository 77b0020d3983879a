//! Roads: a routable network from OpenStreetMap, travel times over it.
//!
//! Access to care is travel time, not straight distance, and a field team's day is a
//! route over real streets. This module turns an OSM PBF extract into a
//! [`RoadNetwork`] (nodes and segments with their road class and who may pass in
//! which direction; stored in the GeoPackage as one blob), and a network plus a speed
//! table into [`Roads`]: one graph per travel [`Mode`], each cut to its largest
//! strongly connected component so that every snapped point can reach every other.
//!
//! Steps and where they live:
//! - `profile`: modes, road classes, speeds (`[roads]` in `sigap.toml`), access and
//!   one-way rules;
//! - `osm`: the PBF reader; `osm_write`: a small PBF writer (the demo city's roads);
//! - `graph`: per-mode adjacency and the largest component;
//! - `search`: snapping a point to the nearest open segment, Dijkstra from one point
//!   or from many (every puskesmas at once).
//!
//! # Units
//! Positions are WGS84 degrees `[lon, lat]`; lengths are metres along the great
//! circle (haversine, mean Earth radius 6,371,008.8 m); times are seconds.

mod codec;
mod graph;
pub mod osm;
pub mod osm_write;
pub mod profile;
mod search;
#[cfg(test)]
mod tests;

pub use graph::{ComponentReport, ModeGraph};
pub use profile::{Mode, RoadSettings, Speeds};
pub use search::{Catchment, Reach, Snap, Trip};

use std::path::PathBuf;

/// Mean Earth radius (metres) of the haversine lengths.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two `[lon, lat]` points.
#[must_use]
pub fn haversine_m(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (la1, la2) = (a[1].to_radians(), b[1].to_radians());
    let dlat = la2 - la1;
    let dlon = (b[0] - a[0]).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + la1.cos() * la2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// `LAT,LON` (WGS84 degrees, as people and phones write them) to `[lon, lat]`.
pub fn parse_latlon(s: &str) -> Result<[f64; 2], String> {
    let bad = || format!("expected LAT,LON in degrees, e.g. -3.99,122.52, not `{s}`");
    let (lat, lon) = s.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!(
            "{s}: latitude must be within ±90 and longitude ±180 (LAT first, then LON)"
        ));
    }
    Ok([lon, lat])
}

/// One straight piece of road between two consecutive nodes of an OSM way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// Node indices, in the way's order.
    pub a: u32,
    pub b: u32,
    /// Index in [`profile::CLASSES`].
    pub class: u8,
    /// For mode index `m`: bit `m` open from `a` to `b`, bit `3 + m` from `b` to `a`
    /// (access and one-way tags; the speed table may still close the class).
    pub flags: u8,
}

impl Segment {
    /// Whether the tags let `mode` pass `(a to b, b to a)`.
    #[must_use]
    pub fn open(&self, mode: Mode) -> (bool, bool) {
        let m = mode.index();
        (self.flags >> m & 1 == 1, self.flags >> (3 + m) & 1 == 1)
    }
}

/// The roads as imported, independent of speeds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadNetwork {
    /// `[lon, lat]` of each node.
    pub nodes: Vec<[f64; 2]>,
    /// The OSM id of each node (for reports and comparisons with other tools).
    pub osm_ids: Vec<i64>,
    pub segments: Vec<Segment>,
}

impl RoadNetwork {
    /// The bytes stored in the GeoPackage (see `codec`).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        codec::encode(self)
    }

    /// Reads bytes written by [`RoadNetwork::to_bytes`], checking their checksum.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, String> {
        codec::decode(bytes)
    }

    /// Keeps only the segments for which `keep` is true and the nodes they use
    /// (renumbered in their old order).
    #[must_use]
    pub fn retain(&self, keep: &[bool]) -> RoadNetwork {
        let mut new_index = vec![u32::MAX; self.nodes.len()];
        for (s, _) in self.segments.iter().zip(keep).filter(|(_, k)| **k) {
            new_index[s.a as usize] = 0;
            new_index[s.b as usize] = 0;
        }
        let mut out = RoadNetwork::default();
        for (i, slot) in new_index.iter_mut().enumerate() {
            if *slot == 0 {
                *slot = out.nodes.len() as u32;
                out.nodes.push(self.nodes[i]);
                out.osm_ids.push(self.osm_ids[i]);
            }
        }
        out.segments = self
            .segments
            .iter()
            .zip(keep)
            .filter(|(_, k)| **k)
            .map(|(s, _)| Segment {
                a: new_index[s.a as usize],
                b: new_index[s.b as usize],
                ..*s
            })
            .collect();
        out
    }
}

/// A network with a speed table: one graph per mode.
#[derive(Debug)]
pub struct Roads {
    pub network: RoadNetwork,
    pub speeds: Speeds,
    /// Metres of each segment.
    lengths: Vec<f64>,
    /// By [`Mode::index`]; each built once, when first asked for ([`Roads::new`]
    /// builds all three at once).
    graphs: [std::sync::OnceLock<ModeGraph>; 3],
}

impl Roads {
    /// Builds the three mode graphs (each cut to its largest strongly connected
    /// component).
    #[must_use]
    pub fn new(network: RoadNetwork, speeds: Speeds) -> Roads {
        let roads = Self::unbuilt(network, speeds);
        for mode in Mode::ALL {
            let _ = roads.graph(mode);
        }
        roads
    }

    /// [`Roads::new`] with only `mode`'s graph built now; another mode's is built
    /// the first time it is asked for (the same graph, later). For a run that needs
    /// one mode alone (`sigap publish`: the travel time to care).
    #[must_use]
    pub fn for_mode(network: RoadNetwork, speeds: Speeds, mode: Mode) -> Roads {
        let roads = Self::unbuilt(network, speeds);
        let _ = roads.graph(mode);
        roads
    }

    fn unbuilt(network: RoadNetwork, speeds: Speeds) -> Roads {
        let lengths: Vec<f64> = network
            .segments
            .iter()
            .map(|s| haversine_m(network.nodes[s.a as usize], network.nodes[s.b as usize]))
            .collect();
        Roads {
            network,
            speeds,
            lengths,
            graphs: Default::default(),
        }
    }

    /// The graph of `mode` (built here if it is not yet).
    #[must_use]
    pub fn graph(&self, mode: Mode) -> &ModeGraph {
        self.graphs[mode.index()]
            .get_or_init(|| ModeGraph::build(&self.network, &self.lengths, &self.speeds, mode))
    }

    /// Metres of segment `i`.
    #[must_use]
    pub fn length(&self, segment: usize) -> f64 {
        self.lengths[segment]
    }

    /// The segments in some mode's largest component, as a mask over
    /// `network.segments` (what an import keeps).
    #[must_use]
    pub fn kept_segments(&self) -> Vec<bool> {
        let graphs = Mode::ALL.map(|mode| self.graph(mode));
        (0..self.network.segments.len())
            .map(|i| graphs.iter().any(|g| g.segment_open(i) != (false, false)))
            .collect()
    }
}

/// Why roads could not be read, stored or searched.
#[derive(Debug, thiserror::Error)]
pub enum RoadsError {
    /// The file is not an OSM PBF file or is damaged: re-download the extract.
    #[error("cannot read OpenStreetMap PBF {}: {reason}", path.display())]
    Osm { path: PathBuf, reason: String },
    /// The extract has no way with a routable `highway=*` tag: it is probably not the
    /// area you meant, or it was filtered without roads.
    #[error("{} holds no routable road (highway=*)", path.display())]
    NoRoads { path: PathBuf },
    /// The store holds no road network: run `sigap import roads FILE.osm.pbf`.
    #[error(
        "the store has no road network; run `sigap import roads --db STORE FILE.osm.pbf` first"
    )]
    NotImported,
    /// A point is farther from every road open to the mode than the limit.
    #[error(
        "{what} ({lat:.6}, {lon:.6}) is {metres:.0} m from the nearest road open to {mode}: check the coordinates (LAT first, then LON) lie in the imported roads' area"
    )]
    FarFromRoads {
        what: &'static str,
        lat: f64,
        lon: f64,
        metres: f64,
        mode: Mode,
    },
}

/// What `sigap import roads` read, kept and cut.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub file: String,
    pub read: osm::ReadCounts,
    /// Nodes and segments of the routable ways.
    pub nodes: usize,
    pub segments: usize,
    /// What is stored: the segments in some mode's largest component.
    pub kept_nodes: usize,
    pub kept_segments: usize,
    /// Kilometres of road stored.
    pub kept_km: f64,
    pub modes: Vec<ComponentReport>,
}

/// Reads an OSM PBF extract and keeps the segments in some mode's largest component.
pub fn import_pbf(
    path: &std::path::Path,
    speeds: &Speeds,
) -> Result<(RoadNetwork, ImportReport), RoadsError> {
    let started = std::time::Instant::now();
    let (network, read) = osm::read(path)?;
    tracing::info!(
        file = %path.display(),
        ways = read.ways,
        nodes = network.nodes.len(),
        segments = network.segments.len(),
        secs = started.elapsed().as_secs_f64(),
        "roads: ways read"
    );
    let (nodes, segments) = (network.nodes.len(), network.segments.len());
    let roads = Roads::new(network, speeds.clone());
    let modes: Vec<ComponentReport> = Mode::ALL.iter().map(|m| roads.graph(*m).report).collect();
    let keep = roads.kept_segments();
    let kept_km = keep
        .iter()
        .enumerate()
        .filter(|(_, k)| **k)
        .map(|(i, _)| roads.length(i))
        .sum::<f64>()
        / 1000.0;
    let kept = roads.network.retain(&keep);
    for m in &modes {
        tracing::info!(
            mode = %m.mode,
            kept_nodes = m.kept_nodes,
            cut_nodes = m.nodes - m.kept_nodes,
            other_components = m.other_components,
            "roads: largest connected component"
        );
    }
    let report = ImportReport {
        file: path
            .file_name()
            .map_or_else(String::new, |f| f.to_string_lossy().into_owned()),
        read,
        nodes,
        segments,
        kept_nodes: kept.nodes.len(),
        kept_segments: kept.segments.len(),
        kept_km,
        modes,
    };
    Ok((kept, report))
}
