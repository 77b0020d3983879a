//! The basemap: streets, water, land use, buildings, places and village boundaries as
//! vector tiles, drawn from the OpenStreetMap extract the roads came from, so the
//! viewer shows where things are with no internet.
//!
//! [`Basemap::build`] goes through these steps:
//! 1. **read** the extract's bytes (`read`): roads with an OpenMapTiles-like class
//!    and their `name`, water and land-use polygons, buildings, `place=*` nodes;
//! 2. **join streets**: pieces of one street (same class and name, end to end) are
//!    chained (`merge`), so a street name has room to be drawn;
//! 3. **add the villages** from the store: boundary lines and one label point
//!    inside each (the centroid when inside, else an interior point);
//! 4. **project** every geometry to world coordinates once;
//! 5. **band by zoom**: each feature has a minimum zoom ([`RoadClass::min_zoom`]:
//!    major roads from z0, residential from z13, paths from z15; buildings from
//!    z14), and each layer keeps one R-tree per distinct minimum zoom;
//! 6. **render** a tile ([`Basemap::render`]): per layer, the band of its zoom, the
//!    features meeting the tile, clipped, simplified and encoded by [`crate::tiles`].
//!
//! The style that draws these layers is [`style::style`]. Nothing here knows about
//! children or households: the basemap is public.

mod merge;
mod read;
pub mod style;
#[cfg(test)]
mod tests;

use crate::model::{TileCoord, Village};
use crate::tiles::mvt::{PropValue, TileFeature, encode_tile};
use crate::tiles::source::IndexedLayer;
use geo::{Centroid, Contains, Geometry, InteriorPoint, LineString, MultiLineString};

/// The basemap's layer names, in drawing order.
pub const LAYERS: [&str; 7] = [
    "water",
    "landuse",
    "roads",
    "buildings",
    "places",
    "villages",
    "village_labels",
];
/// Buildings are drawn from this zoom.
pub const BUILDINGS_MIN_ZOOM: u8 = 14;
/// The deepest zoom tiles are made and announced for; MapLibre draws deeper zooms
/// from these tiles (overzoom), as it does from the z14 tiles of `OpenMapTiles` and
/// the z15 tiles of Protomaps. A z16 level would be 70% of the tiles (1,511 of the
/// demo city's 2,133) for streets, water and buildings that z15 already holds at 8
/// units per pixel.
pub const MAX_ZOOM: u8 = 15;

/// Why a basemap could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BasemapError {
    /// The stored extract is not a readable OpenStreetMap PBF file. Likely cause: a
    /// truncated or non-PBF file was imported as roads; import the `.osm.pbf` again
    /// with `sigap import roads`.
    #[error("cannot read the OpenStreetMap extract for the basemap: {reason}")]
    Osm { reason: String },
}

/// A road's class as the style knows it (OpenMapTiles-like, simplified).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RoadClass {
    Motorway,
    Primary,
    Secondary,
    Tertiary,
    Residential,
    Track,
    Path,
}

impl RoadClass {
    /// The class of an OpenStreetMap `highway=*` value, `None` for what a map does not
    /// draw as a road (construction, proposed, platforms ...).
    #[must_use]
    pub fn from_highway(value: &str) -> Option<Self> {
        Some(match value {
            "motorway" | "motorway_link" => Self::Motorway,
            "trunk" | "trunk_link" | "primary" | "primary_link" => Self::Primary,
            "secondary" | "secondary_link" => Self::Secondary,
            "tertiary" | "tertiary_link" => Self::Tertiary,
            "residential" | "unclassified" | "living_street" | "service" | "road" => {
                Self::Residential
            }
            "track" => Self::Track,
            "path" | "footway" | "cycleway" | "steps" | "pedestrian" | "bridleway" => Self::Path,
            _ => return None,
        })
    }

    /// The `class` property in the tiles.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Motorway => "motorway",
            Self::Primary => "primary",
            Self::Secondary => "secondary",
            Self::Tertiary => "tertiary",
            Self::Residential => "residential",
            Self::Track => "track",
            Self::Path => "path",
        }
    }

    /// The first zoom a road of this class is in the tiles.
    #[must_use]
    pub fn min_zoom(self) -> u8 {
        match self {
            Self::Motorway | Self::Primary => 0,
            Self::Secondary => 9,
            Self::Tertiary => 11,
            Self::Residential | Self::Track => 13,
            Self::Path => 15,
        }
    }
}

/// Features with their minimum zoom; geometries in world coordinates.
type Zoomed = Vec<(u8, TileFeature)>;

/// One layer as R-trees by minimum zoom: band `i` holds every feature whose minimum
/// zoom is at most `bands[i].0`.
struct Banded {
    bands: Vec<(u8, IndexedLayer)>,
}

impl Banded {
    /// `features` are `(min_zoom, feature)` with geometries in world coordinates.
    fn new(name: &'static str, features: &[(u8, TileFeature)]) -> Self {
        let mut zooms: Vec<u8> = features.iter().map(|(z, _)| *z).collect();
        zooms.sort_unstable();
        zooms.dedup();
        let bands = zooms
            .into_iter()
            .map(|band| {
                let kept = features
                    .iter()
                    .filter(|(z, _)| *z <= band)
                    .map(|(_, f)| f.clone())
                    .collect();
                (band, IndexedLayer::new(name, kept))
            })
            .collect();
        Self { bands }
    }

    /// The band drawn at zoom `z`, if any feature is in by then.
    fn at(&self, z: u8) -> Option<&IndexedLayer> {
        self.bands
            .iter()
            .rev()
            .find(|(b, _)| *b <= z)
            .map(|(_, l)| l)
    }
}

/// Every basemap layer, ready to render any tile.
pub struct Basemap {
    layers: Vec<Banded>,
}

fn string(key: &str, value: &str) -> (String, PropValue) {
    (key.to_owned(), PropValue::String(value.to_owned()))
}

/// A feature from a WGS84 geometry (projected here).
fn feature(
    geometry: impl Into<Geometry<f64>>,
    properties: Vec<(String, PropValue)>,
) -> TileFeature {
    TileFeature {
        id: None,
        geometry: crate::tiles::geometry_to_world(&geometry.into()),
        properties: crate::tiles::mvt::owned_properties(properties),
    }
}

impl Basemap {
    /// Builds the basemap from an `.osm.pbf` extract's bytes (none: villages only)
    /// and the villages.
    ///
    /// # Units
    /// The extract and the village boundaries in WGS84 degrees.
    pub fn build(pbf: Option<&[u8]>, villages: &[Village]) -> Result<Self, BasemapError> {
        let extract = match pbf {
            Some(bytes) => read::read(bytes)?,
            None => read::Extract::default(),
        };
        Ok(Self::from_extract(extract, villages))
    }

    /// The village boundaries and names alone (no extract, or an unreadable one).
    ///
    /// # Units
    /// Village boundaries in WGS84 degrees.
    #[must_use]
    pub fn villages_only(villages: &[Village]) -> Self {
        Self::from_extract(read::Extract::default(), villages)
    }

    fn from_extract(extract: read::Extract, villages: &[Village]) -> Self {
        let water: Zoomed = extract
            .water
            .into_iter()
            .map(|(name, p)| (0, feature(p, vec![string("name", &name)])))
            .collect();
        let landuse: Zoomed = extract
            .landuse
            .into_iter()
            .map(|(class, p)| (0, feature(p, vec![string("class", &class)])))
            .collect();
        let roads: Zoomed = merge::merge_streets(extract.roads)
            .into_iter()
            .map(|(class, name, line)| {
                let mut props = vec![string("class", class.as_str())];
                if !name.is_empty() {
                    props.push(string("name", &name));
                }
                (class.min_zoom(), feature(line, props))
            })
            .collect();
        let buildings: Zoomed = extract
            .buildings
            .into_iter()
            .map(|p| (BUILDINGS_MIN_ZOOM, feature(p, Vec::new())))
            .collect();
        let places: Zoomed = extract
            .places
            .into_iter()
            .map(|(kind, name, point)| {
                let zoom = match kind.as_str() {
                    "city" | "town" => 0,
                    "suburb" | "village" | "quarter" => 11,
                    _ => 13,
                };
                let props = vec![string("kind", &kind), string("name", &name)];
                (zoom, feature(point, props))
            })
            .collect();
        let (lines, labels) = village_features(villages);
        Self {
            layers: vec![
                Banded::new("water", &water),
                Banded::new("landuse", &landuse),
                Banded::new("roads", &roads),
                Banded::new("buildings", &buildings),
                Banded::new("places", &places),
                Banded::new("villages", &lines),
                Banded::new("village_labels", &labels),
            ],
        }
    }

    /// Encodes one basemap tile (uncompressed MVT; empty when nothing is there).
    #[must_use]
    pub fn render(&self, coord: TileCoord) -> Vec<u8> {
        let layers: Vec<_> = self
            .layers
            .iter()
            .filter_map(|l| l.at(coord.z))
            .map(|l| l.select(coord))
            .collect();
        encode_tile(coord, &layers)
    }
}

/// Village boundaries as lines and one label point inside each, with code and name.
fn village_features(villages: &[Village]) -> (Zoomed, Zoomed) {
    let mut lines = Vec::with_capacity(villages.len());
    let mut labels = Vec::with_capacity(villages.len());
    for v in villages {
        let props = vec![string("code", &v.code), string("name", &v.name)];
        let rings: Vec<LineString<f64>> = v
            .boundary
            .iter()
            .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
            .cloned()
            .collect();
        lines.push((0, feature(MultiLineString::new(rings), props.clone())));
        let inside = v
            .boundary
            .centroid()
            .filter(|c| v.boundary.contains(c))
            .or_else(|| v.boundary.interior_point());
        if let Some(point) = inside {
            labels.push((0, feature(point, props)));
        }
    }
    (lines, labels)
}
