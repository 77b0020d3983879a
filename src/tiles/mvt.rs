//! Mapbox Vector Tile 2.1 encoding: the bytes a map client draws hexagons and points from.
//!
//! Clients such as `MapLibre` style vector tiles themselves, so one tile serves every
//! colour ramp and language; the server's job is only to ship the right shapes and
//! properties, small. [`encode_tile`] takes features already projected to world
//! coordinates (see [`super::mercator`]) and, layer by layer, writes each feature's
//! geometry ([`super::shape`]: scale, clip, quantise, simplify, wind, command-encode)
//! and tags ([`super::table`]: shared key/value dictionary), then the layer's tables,
//! extent and version. The protobuf is written by hand ([`super::pbf`]); the output is
//! uncompressed, and compression is the caller's choice.

use super::pbf::{
    len_field_size, varint_len, write_bytes_field, write_key, write_varint, write_varint_field,
};
use super::shape::GeometryWriter;
use super::table::{FastMap, LayerTables};
use crate::model::TileCoord;

/// Tile units along each side of a tile (the MVT default).
pub const EXTENT: u32 = 4096;
/// Tile units of margin kept around the tile after clipping, so strokes meet at seams.
pub const BUFFER: u32 = 64;
/// The MVT specification version written.
pub const VERSION: u32 = 2;

/// `Tile.layers`.
const TILE_LAYERS: u32 = 3;
/// `Layer` fields.
const LAYER_NAME: u32 = 1;
const LAYER_FEATURES: u32 = 2;
const LAYER_EXTENT: u32 = 5;
const LAYER_VERSION: u32 = 15;
/// `Feature` fields.
const FEATURE_ID: u32 = 1;
const FEATURE_TAGS: u32 = 2;
const FEATURE_TYPE: u32 = 3;
const FEATURE_GEOMETRY: u32 = 4;

/// A property value as MVT stores it.
///
/// `Int` is written as `uint_value` when non-negative and `sint_value` otherwise;
/// `Double` as `double_value`.
#[derive(Debug, Clone, PartialEq)]
pub enum PropValue {
    String(String),
    Int(i64),
    Double(f64),
    /// A 32-bit `float_value`: half the bytes of a double, for figures whose
    /// precision is a few digits anyway (hexagon tiles).
    Float(f32),
    Bool(bool),
}

/// A property's name: mostly a constant (`Cow::Borrowed`), so a million hexagons
/// do not each own a copy of `"children"`.
pub type PropKey = std::borrow::Cow<'static, str>;

/// A feature's properties, in the order they are written. Shared, not copied: a
/// hexagon and its centre point carry the same ones.
pub type Properties = std::sync::Arc<[(PropKey, PropValue)]>;

/// Properties from owned names and values, in order.
#[must_use]
pub fn owned_properties(properties: Vec<(String, PropValue)>) -> Properties {
    properties
        .into_iter()
        .map(|(k, v)| (PropKey::Owned(k), v))
        .collect()
}

/// One thing to draw: a geometry and its properties.
#[derive(Debug, Clone)]
pub struct TileFeature {
    pub id: Option<u64>,
    /// # Units
    /// World coordinates (normalised Web Mercator, y down); see
    /// [`super::mercator::geometry_to_world`].
    pub geometry: geo::Geometry<f64>,
    pub properties: Properties,
}

/// A feature as the encoder reads it, borrowed: a layer's features may be kept in
/// tile sources or made for one tile (the finest hexagons' property lists, in one
/// list for the whole tile), without copying either into a [`TileFeature`].
#[derive(Debug, Clone, Copy)]
pub struct FeatureRef<'a> {
    pub id: Option<u64>,
    /// # Units
    /// World coordinates, as [`TileFeature::geometry`].
    pub geometry: &'a geo::Geometry<f64>,
    pub properties: &'a [(PropKey, PropValue)],
}

impl<'a> From<&'a TileFeature> for FeatureRef<'a> {
    fn from(f: &'a TileFeature) -> Self {
        Self {
            id: f.id,
            geometry: &f.geometry,
            properties: &f.properties,
        }
    }
}

/// A named group of features styled together (e.g. `hexagons`, `facilities`).
#[derive(Debug, Clone)]
pub struct TileLayer<'a> {
    pub name: &'a str,
    pub features: Vec<FeatureRef<'a>>,
}

/// Encodes one tile (uncompressed protobuf bytes). Layers with no surviving feature are
/// omitted; a tile with no layer left returns an empty Vec.
///
/// Steps per feature: scale world coordinates to tile units, clip to the tile grown by
/// [`BUFFER`], round to integers, drop repeated vertices, simplify (Douglas–Peucker,
/// 1 unit below zoom 14, 0.5 from 14), orient rings (exteriors clockwise on screen),
/// write commands, then dedupe properties into the layer's key/value tables.
///
/// # Units
/// Feature geometries in world coordinates; the tile holds [`EXTENT`] units per side.
///
/// # Example
/// ```
/// use sigap::model::TileCoord;
/// use sigap::tiles::mvt::{encode_tile, PropValue, TileFeature, TileLayer};
/// let tile = TileCoord::new(0, 0, 0).expect("valid tile");
/// let feature = TileFeature {
///     id: Some(1),
///     geometry: geo::Geometry::Point(geo::Point::new(0.5, 0.5)),
///     properties: [("name".into(), PropValue::String("centre".into()))].into(),
/// };
/// let layer = TileLayer { name: "points", features: vec![(&feature).into()] };
/// let bytes = encode_tile(tile, &[layer]);
/// assert!(!bytes.is_empty());
/// ```
#[must_use]
pub fn encode_tile(coord: TileCoord, layers: &[TileLayer<'_>]) -> Vec<u8> {
    encode(coord, layers, false)
}

/// [`encode_tile`] for layers whose features share their property lists (a hexagon
/// and its centre point hold the same [`Properties`]): the layers get one key and
/// value dictionary between them, each layer writing it whole (values a layer does
/// not use are allowed by MVT and ignored by readers), and a list already tagged in
/// an earlier layer has its tags copied instead of each value being looked up again.
/// Decoded, the tile is the same as [`encode_tile`]'s; only its tables differ.
///
/// Why: the heatmap's centre points repeat every hexagon's 20-odd figures, and
/// looking them up twice was half of a z10-z12 tile's encoding time.
#[must_use]
pub fn encode_tile_shared(coord: TileCoord, layers: &[TileLayer<'_>]) -> Vec<u8> {
    encode(coord, layers, true)
}

fn encode(coord: TileCoord, layers: &[TileLayer<'_>], shared: bool) -> Vec<u8> {
    let mut encoder = TileEncoder::new(coord, shared);
    let mut tile = Vec::new();
    for layer in layers {
        encoder.layer(layer, &mut tile);
    }
    tile
}

/// Per-tile state and scratch buffers, reused across layers and features.
struct TileEncoder<'a> {
    geometry: GeometryWriter,
    tables: LayerTables<'a>,
    layer: Vec<u8>,
    commands: Vec<u8>,
    tags: Vec<u8>,
    /// With one dictionary for every layer: the property lists tagged so far.
    shared: Option<TaggedLists>,
}

/// Each property list's tags, `(start, end)` in the bytes beside, keyed by the
/// list's address (the lists live as long as the tile's borrow, so no address is
/// reused meanwhile).
type TaggedLists = (FastMap<usize, (usize, usize)>, Vec<u8>);

impl<'a> TileEncoder<'a> {
    fn new(coord: TileCoord, shared: bool) -> Self {
        Self {
            geometry: GeometryWriter::new(coord),
            tables: LayerTables::default(),
            layer: Vec::new(),
            commands: Vec::new(),
            tags: Vec::new(),
            shared: shared.then(Default::default),
        }
    }

    /// Appends `layer` as a `Tile.layers` field to `tile`, unless no feature survives.
    fn layer(&mut self, layer: &TileLayer<'a>, tile: &mut Vec<u8>) {
        // An encoder serves one tile and starts with empty tables: with one
        // dictionary for every layer, they are never cleared.
        if self.shared.is_none() {
            self.tables.clear();
        }
        // About one distinct value per property of every feature (hexagons' figures
        // rarely repeat): reserved at once rather than found by rehashing.
        let per_feature = layer.features.first().map_or(0, |f| f.properties.len());
        self.tables.reserve(layer.features.len() * per_feature);
        self.layer.clear();
        write_bytes_field(&mut self.layer, LAYER_NAME, layer.name.as_bytes());
        let mut written = 0usize;
        for feature in &layer.features {
            written += usize::from(self.feature(*feature));
        }
        if written == 0 {
            return;
        }
        self.tables.write(&mut self.layer);
        write_varint_field(&mut self.layer, LAYER_EXTENT, u64::from(EXTENT));
        write_varint_field(&mut self.layer, LAYER_VERSION, u64::from(VERSION));
        write_bytes_field(tile, TILE_LAYERS, &self.layer);
    }

    /// Appends one `Layer.features` field; `false` if the geometry vanished.
    fn feature(&mut self, feature: FeatureRef<'a>) -> bool {
        self.commands.clear();
        let Some(kind) = self.geometry.write(feature.geometry, &mut self.commands) else {
            return false;
        };
        self.tags.clear();
        match &mut self.shared {
            None => self.tables.write_tags(feature.properties, &mut self.tags),
            Some((seen, tagged)) => {
                let list = feature.properties.as_ptr() as usize;
                if let Some(&(start, end)) = seen.get(&list) {
                    self.tags.extend_from_slice(&tagged[start..end]);
                } else {
                    self.tables.write_tags(feature.properties, &mut self.tags);
                    let start = tagged.len();
                    tagged.extend_from_slice(&self.tags);
                    seen.insert(list, (start, tagged.len()));
                }
            }
        }

        let id_size = feature.id.map_or(0, |id| 1 + varint_len(id));
        let tags_size = if self.tags.is_empty() {
            0
        } else {
            len_field_size(self.tags.len())
        };
        let size = id_size + tags_size + 2 + len_field_size(self.commands.len());

        let out = &mut self.layer;
        write_key(out, LAYER_FEATURES, super::pbf::LEN);
        write_varint(out, size as u64);
        if let Some(id) = feature.id {
            write_varint_field(out, FEATURE_ID, id);
        }
        if !self.tags.is_empty() {
            write_bytes_field(out, FEATURE_TAGS, &self.tags);
        }
        write_varint_field(out, FEATURE_TYPE, kind as u64);
        write_bytes_field(out, FEATURE_GEOMETRY, &self.commands);
        true
    }
}

#[cfg(test)]
#[path = "mvt_tests.rs"]
mod tests;
