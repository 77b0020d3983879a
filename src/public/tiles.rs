//! The public map as vector tiles: `villages` (polygons) and `hexes` (H3 cells, at
//! most resolution 8 at any zoom), with exactly the fields of the public API
//! ([`super::row_fields`]); hidden counts are left out of a feature's properties and
//! only their `_text` ("<k", "*") is there.

use super::{MAX_PUBLIC_RES, PublicView, Published, row_fields};
use crate::analysis::VillageStats;
use crate::model::TileCoord;
use crate::tiles::mercator::{geometry_to_world, lonlat_to_world};
use crate::tiles::mvt::{PropValue, TileFeature, encode_tile, owned_properties};
use crate::tiles::source::{IndexedLayer, hex_resolution_for_zoom};
use geo::{BoundingRect, Geometry, LineString, Polygon, Rect};

/// The zoom range the public TileJSON announces and `sigap publish` writes.
pub const MIN_ZOOM: u8 = 0;
pub const MAX_ZOOM: u8 = 16;

/// The public layers of one period, indexed for tiles.
pub struct PublicTiles {
    villages: IndexedLayer,
    /// Per resolution 5..=8.
    hexes: Vec<(u8, IndexedLayer)>,
    /// The extent of every feature (world units); `None` without features.
    extent: Option<Rect<f64>>,
}

/// The box around `a` and `b`.
fn union(a: Option<Rect<f64>>, b: Option<Rect<f64>>) -> Option<Rect<f64>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(Rect::new(
            (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
            (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
        )),
        (a, b) => a.or(b),
    }
}

fn props(fields: Vec<(String, Published)>) -> Vec<(String, PropValue)> {
    fields
        .into_iter()
        .filter_map(|(k, v)| match v {
            Published::Count(n) => Some((k, PropValue::Int(n as i64))),
            Published::Text(t) => Some((k, PropValue::String(t))),
            Published::Rate(r) => Some((k, PropValue::Double(r))),
            Published::Null => None,
        })
        .collect()
}

impl PublicTiles {
    /// Projects the public figures of `view` onto `villages` (the analysis' villages,
    /// in the order the view was built with) and their cells.
    #[must_use]
    pub fn build(
        view: &PublicView,
        villages: &[VillageStats],
        classes: &[usize],
        min_den: u64,
    ) -> Self {
        let mut extent = None;
        let vfeatures: Vec<TileFeature> = villages
            .iter()
            .zip(&view.villages)
            .zip(classes)
            .map(|((v, row), class)| {
                let mut p = vec![
                    ("code".to_owned(), PropValue::String(v.village.code.clone())),
                    ("name".to_owned(), PropValue::String(v.village.name.clone())),
                    ("priority".to_owned(), PropValue::Int(*class as i64)),
                ];
                p.extend(props(row_fields(row, view.k, min_den)));
                TileFeature {
                    id: v.village.code.parse().ok(),
                    geometry: geometry_to_world(&Geometry::MultiPolygon(
                        v.village.boundary.clone(),
                    )),
                    properties: owned_properties(p),
                }
            })
            .collect();
        for f in &vfeatures {
            extent = union(extent, f.geometry.bounding_rect());
        }
        let hexes = view
            .cells
            .iter()
            .map(|(res, cells)| {
                let features = cells
                    .iter()
                    .map(|(cell, row)| {
                        let ring: LineString<f64> = cell
                            .boundary()
                            .iter()
                            .map(|ll| lonlat_to_world(ll.lng(), ll.lat()))
                            .collect();
                        extent = union(extent, ring.bounding_rect());
                        let mut p = vec![("h3".to_owned(), PropValue::String(cell.to_string()))];
                        p.extend(props(row_fields(row, view.k, min_den)));
                        TileFeature {
                            id: Some(u64::from(*cell)),
                            geometry: Geometry::Polygon(Polygon::new(ring, vec![])),
                            properties: owned_properties(p),
                        }
                    })
                    .collect();
                (*res, IndexedLayer::new("hexes", features))
            })
            .collect();
        Self {
            villages: IndexedLayer::new("villages", vfeatures),
            hexes,
            extent,
        }
    }

    /// The box around every feature of both layers; no tile outside it (grown by
    /// one tile) has content.
    ///
    /// # Units
    /// World coordinates (Web Mercator scaled to `0..=1`, `y` southwards).
    #[must_use]
    pub fn extent(&self) -> Option<Rect<f64>> {
        self.extent
    }

    /// One tile of `layer` (`villages` or `hexes`); `None` for another name.
    #[must_use]
    pub fn render(&self, layer: &str, coord: TileCoord) -> Option<Vec<u8>> {
        match layer {
            "villages" => Some(encode_tile(coord, &[self.villages.select(coord)])),
            "hexes" => {
                let res = u8::from(hex_resolution_for_zoom(coord.z)).min(MAX_PUBLIC_RES);
                Some(
                    self.hexes
                        .iter()
                        .find(|(r, _)| *r == res)
                        .map(|(_, l)| encode_tile(coord, &[l.select(coord)]))
                        .unwrap_or_default(),
                )
            }
            _ => None,
        }
    }
}
