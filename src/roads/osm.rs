//! Reading roads from an OpenStreetMap PBF extract (osmpbf crate).
//!
//! Two passes over the file: the first keeps the ways whose `highway=*` is one of
//! [`CLASSES`](super::profile::CLASSES) (not `area=yes`) with their node references,
//! access and one-way tags; the second reads the positions of just those nodes.
//! Each pair of consecutive nodes of a way becomes one [`Segment`]; a reference to a
//! node the extract does not hold (a way cut at the extract's edge) splits the way
//! there and is counted.

use super::profile::{self, CLASSES, Mode};
use super::{RoadNetwork, RoadsError, Segment};
use osmpbf::{Element, ElementReader};
use std::collections::HashMap;
use std::path::Path;

/// A way kept by the first pass.
struct Way {
    class: u8,
    /// Bit `m` forward, bit `3 + m` backward, for mode index `m`.
    flags: u8,
    refs: Vec<i64>,
}

/// What the reader saw, for the import report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadCounts {
    /// Ways with a routable `highway=*`.
    pub ways: usize,
    /// Other `highway=*` ways (areas, construction, proposed, platforms ...).
    pub ways_skipped: usize,
    /// Node references the file does not resolve.
    pub missing_nodes: usize,
}

/// Direction bits of a way for every mode.
pub(crate) fn way_flags(tags: &[(&str, &str)], class: &str) -> u8 {
    let (fwd, back) = profile::directions(tags, class);
    let mut flags = 0u8;
    for mode in Mode::ALL {
        if profile::access(tags, mode) == Some(false) {
            continue;
        }
        let (f, b) = if mode == Mode::Walk {
            (true, true)
        } else {
            (fwd, back)
        };
        let m = mode.index();
        flags |= u8::from(f) << m | u8::from(b) << (3 + m);
    }
    flags
}

/// Reads the routable roads of `path`.
pub fn read(path: &Path) -> Result<(RoadNetwork, ReadCounts), RoadsError> {
    let osm = |source: osmpbf::Error| RoadsError::Osm {
        path: path.to_owned(),
        reason: source.to_string(),
    };
    let mut ways = Vec::new();
    let mut counts = ReadCounts::default();
    ElementReader::from_path(path)
        .map_err(osm)?
        .for_each(|element| {
            let Element::Way(way) = element else { return };
            let tags: Vec<(&str, &str)> = way.tags().collect();
            let Some(highway) = tags.iter().find(|(k, _)| *k == "highway").map(|t| t.1) else {
                return;
            };
            let area = tags.iter().any(|(k, v)| *k == "area" && *v == "yes");
            match profile::class_index(highway) {
                Some(class) if !area => {
                    counts.ways += 1;
                    ways.push(Way {
                        class: class as u8,
                        flags: way_flags(&tags, CLASSES[class]),
                        refs: way.refs().collect(),
                    });
                }
                _ => counts.ways_skipped += 1,
            }
        })
        .map_err(osm)?;

    let mut wanted: HashMap<i64, Option<[f64; 2]>> = HashMap::new();
    for way in &ways {
        for id in &way.refs {
            wanted.insert(*id, None);
        }
    }
    ElementReader::from_path(path)
        .map_err(osm)?
        .for_each(|element| {
            let (id, lonlat) = match element {
                Element::Node(n) => (n.id(), [n.lon(), n.lat()]),
                Element::DenseNode(n) => (n.id(), [n.lon(), n.lat()]),
                _ => return,
            };
            if let Some(slot) = wanted.get_mut(&id) {
                *slot = Some(lonlat);
            }
        })
        .map_err(osm)?;

    let mut network = RoadNetwork::default();
    let mut index: HashMap<i64, u32> = HashMap::new();
    for way in &ways {
        let mut prev: Option<u32> = None;
        for id in &way.refs {
            let Some(lonlat) = wanted.get(id).copied().flatten() else {
                counts.missing_nodes += 1;
                prev = None;
                continue;
            };
            let node = *index.entry(*id).or_insert_with(|| {
                network.nodes.push(lonlat);
                network.osm_ids.push(*id);
                (network.nodes.len() - 1) as u32
            });
            if let Some(p) = prev
                && p != node
            {
                network.segments.push(Segment {
                    a: p,
                    b: node,
                    class: way.class,
                    flags: way.flags,
                });
            }
            prev = Some(node);
        }
    }
    if network.segments.is_empty() {
        return Err(RoadsError::NoRoads {
            path: path.to_owned(),
        });
    }
    Ok((network, counts))
}
