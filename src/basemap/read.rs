//! Reading what a basemap draws from an OpenStreetMap PBF extract (osmpbf crate).
//!
//! Two passes over the bytes, as `roads::osm` does: the first keeps the ways a map
//! shows (roads by class, water, land use, buildings) with their node references,
//! and the tagged place nodes; the second reads the positions of just the nodes those
//! ways use. Closed ways become polygons; multipolygon relations and
//! `natural=coastline` are not assembled (a city extract's water is mostly closed
//! ways; see README "Basemap").

use super::{BasemapError, RoadClass};
use geo::{Coord, LineString, Point, Polygon};
use osmpbf::{Element, ElementReader};
use std::collections::HashMap;

/// What a way is drawn as.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum WayKind {
    Road { class: RoadClass, name: String },
    Water { name: String },
    Landuse { class: String },
    Building,
}

/// What the extract holds for the basemap.
///
/// # Units
/// Geometries in WGS84 degrees (`x = lon`, `y = lat`).
#[derive(Debug, Default)]
pub(crate) struct Extract {
    pub(crate) roads: Vec<(RoadClass, String, LineString<f64>)>,
    pub(crate) water: Vec<(String, Polygon<f64>)>,
    pub(crate) landuse: Vec<(String, Polygon<f64>)>,
    pub(crate) buildings: Vec<Polygon<f64>>,
    /// `(kind, name, position)`: `place=*` nodes with a name.
    pub(crate) places: Vec<(String, String, Point<f64>)>,
}

/// The land-use classes kept, as `(tag, value, class)`.
const LANDUSE: [(&str, &str, &str); 12] = [
    ("landuse", "residential", "residential"),
    ("landuse", "farmland", "farmland"),
    ("landuse", "farmyard", "farmland"),
    ("landuse", "orchard", "farmland"),
    ("landuse", "meadow", "grass"),
    ("landuse", "grass", "grass"),
    ("landuse", "forest", "forest"),
    ("natural", "wood", "forest"),
    ("landuse", "industrial", "industrial"),
    ("landuse", "commercial", "commercial"),
    ("landuse", "cemetery", "cemetery"),
    ("leisure", "park", "park"),
];
/// The `place=*` kinds kept.
const PLACES: [&str; 7] = [
    "city",
    "town",
    "suburb",
    "village",
    "hamlet",
    "neighbourhood",
    "quarter",
];

/// The kind of a way from its tags, `None` when a basemap does not draw it.
pub(crate) fn way_kind(tags: &[(&str, &str)]) -> Option<WayKind> {
    let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|t| t.1);
    let name = tag("name").unwrap_or("").to_owned();
    if let Some(class) = tag("highway").and_then(RoadClass::from_highway)
        && tag("area") != Some("yes")
    {
        return Some(WayKind::Road { class, name });
    }
    if tag("natural") == Some("water")
        || tag("waterway") == Some("riverbank")
        || matches!(tag("landuse"), Some("reservoir" | "basin"))
    {
        return Some(WayKind::Water { name });
    }
    if let Some((_, _, class)) = LANDUSE.iter().find(|(k, v, _)| tag(k) == Some(v)) {
        return Some(WayKind::Landuse {
            class: (*class).to_owned(),
        });
    }
    if tag("building").is_some_and(|b| b != "no") {
        return Some(WayKind::Building);
    }
    None
}

/// Reads the basemap's features from the bytes of an `.osm.pbf` file.
pub(crate) fn read(pbf: &[u8]) -> Result<Extract, BasemapError> {
    let osm = |source: osmpbf::Error| BasemapError::Osm {
        reason: source.to_string(),
    };
    let mut ways: Vec<(WayKind, Vec<i64>)> = Vec::new();
    let mut extract = Extract::default();
    ElementReader::new(pbf)
        .for_each(|element| {
            let (tags, lonlat): (Vec<(&str, &str)>, [f64; 2]) = match &element {
                Element::Way(way) => {
                    let tags: Vec<(&str, &str)> = way.tags().collect();
                    if let Some(kind) = way_kind(&tags) {
                        ways.push((kind, way.refs().collect()));
                    }
                    return;
                }
                Element::Node(n) => (n.tags().collect(), [n.lon(), n.lat()]),
                Element::DenseNode(n) => (n.tags().collect(), [n.lon(), n.lat()]),
                Element::Relation(_) => return,
            };
            let tag = |key: &str| tags.iter().find(|(k, _)| *k == key).map(|t| t.1);
            if let (Some(kind), Some(name)) = (tag("place"), tag("name"))
                && PLACES.contains(&kind)
            {
                let point = Point::new(lonlat[0], lonlat[1]);
                extract
                    .places
                    .push((kind.to_owned(), name.to_owned(), point));
            }
        })
        .map_err(osm)?;

    let mut positions: HashMap<i64, Option<Coord<f64>>> = HashMap::new();
    for (_, refs) in &ways {
        for id in refs {
            positions.insert(*id, None);
        }
    }
    ElementReader::new(pbf)
        .for_each(|element| {
            let (id, c) = match element {
                Element::Node(n) => (
                    n.id(),
                    Coord {
                        x: n.lon(),
                        y: n.lat(),
                    },
                ),
                Element::DenseNode(n) => (
                    n.id(),
                    Coord {
                        x: n.lon(),
                        y: n.lat(),
                    },
                ),
                _ => return,
            };
            if let Some(slot) = positions.get_mut(&id) {
                *slot = Some(c);
            }
        })
        .map_err(osm)?;

    for (kind, refs) in ways {
        // A reference the extract does not resolve (a way cut at its edge) is skipped.
        let coords: Vec<Coord<f64>> = refs
            .iter()
            .filter_map(|id| positions.get(id).copied().flatten())
            .collect();
        if coords.len() < 2 {
            continue;
        }
        let closed = refs.len() >= 4 && refs.first() == refs.last();
        let ring = || Polygon::new(LineString::from(coords.clone()), vec![]);
        match kind {
            WayKind::Road { class, name } => {
                extract.roads.push((class, name, LineString::from(coords)));
            }
            WayKind::Water { name } if closed => extract.water.push((name, ring())),
            WayKind::Landuse { class } if closed => extract.landuse.push((class, ring())),
            WayKind::Building if closed => extract.buildings.push(ring()),
            _ => {}
        }
    }
    Ok(extract)
}
