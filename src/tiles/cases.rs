//! Case-level point tiles: the children or households a reader may see, as points.
//!
//! Field officers and planners look at single homes once they zoom into the streets,
//! so these tiles carry one point per record with what the case lists carry
//! ([`child_props`], [`household_props`], shared with the GeoJSON and CSV answers).
//! Which records are in is decided by a [`Scope`] ([`Cases::children_for`],
//! [`Cases::households_for`]); who holds which scope is decided in `auth`, and the
//! audit of the read is the caller's business: this module only makes the bytes and
//! says how many records they carry.

use super::mercator::{lonlat_to_world, tile_world_bounds};
use super::mvt::{PropValue, TileFeature, TileLayer, encode_tile};
use crate::index::cases::{CaseChild, CaseHousehold, Cases};
use crate::model::{Period, Scope, TileCoord};
use serde_json::{Value, json};

/// Case points are served from this zoom (streets): below it a point tile would
/// carry a whole district.
pub const MIN_CASE_ZOOM: u8 = 12;

/// Which records a case tile draws; its name is the URL segment and the MVT layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseLayer {
    /// Children (of one period, or of every period).
    Children,
    /// Households (periods do not apply).
    Households,
}

impl CaseLayer {
    pub const ALL: [CaseLayer; 2] = [Self::Children, Self::Households];

    /// The name used in URLs and as the tile's layer name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Children => "children",
            Self::Households => "households",
        }
    }
}

impl std::str::FromStr for CaseLayer {
    type Err = UnknownCaseLayer;

    fn from_str(s: &str) -> Result<Self, UnknownCaseLayer> {
        Self::ALL
            .into_iter()
            .find(|l| l.name() == s)
            .ok_or_else(|| UnknownCaseLayer(s.to_owned()))
    }
}

/// The URL named no case layer: a hand-written or outdated URL; the valid names are
/// `children` and `households`.
#[derive(Debug, thiserror::Error)]
#[error("no case layer {0}; try children or households")]
pub struct UnknownCaseLayer(pub String);

/// The encoded point tile of the `layer` records `scope` may read at `coord`, and
/// how many records it carries (what the caller audits). `period` picks the
/// children's period (`None`: every period); households have none and ignore it.
///
/// Steps: below [`MIN_CASE_ZOOM`] nothing (an empty tile, 0 records); otherwise
/// select the records `scope` may read ([`Cases::children_for`],
/// [`Cases::households_for`]), project each point to world coordinates, keep those
/// inside the tile (the buffer is left out, so a record is counted in one tile
/// only), attach their properties ([`child_props`], [`household_props`], nulls and
/// lists left out) and encode one layer named [`CaseLayer::name`]
/// ([`encode_tile`]). An empty tile is an empty `Vec`.
///
/// # Units
/// `coord` is a tile (z/x/y, XYZ scheme); the records' points are WGS84 degrees
/// (lon, lat) and come out in tile units ([`super::EXTENT`] per side).
#[must_use]
pub fn case_tile(
    cases: &Cases,
    scope: &Scope,
    period: Option<Period>,
    layer: CaseLayer,
    coord: TileCoord,
) -> (Vec<u8>, usize) {
    if coord.z < MIN_CASE_ZOOM {
        return (Vec::new(), 0);
    }
    let bounds = tile_world_bounds(coord);
    // A record's point in world coordinates when it lies in the tile (the min edges
    // in, the max edges out).
    let in_tile = |p: geo::Point<f64>| {
        let w = lonlat_to_world(p.x(), p.y());
        ((bounds.min().x..bounds.max().x).contains(&w.x)
            && (bounds.min().y..bounds.max().y).contains(&w.y))
        .then_some(w)
    };
    let features: Vec<TileFeature> = match layer {
        CaseLayer::Children => cases
            .children_for(scope, period)
            .into_iter()
            .filter_map(|c| in_tile(c.child.location).map(|w| feature(w, child_props(c))))
            .collect(),
        CaseLayer::Households => cases
            .households_for(scope)
            .into_iter()
            .filter_map(|h| in_tile(h.household.location).map(|w| feature(w, household_props(h))))
            .collect(),
    };
    let bytes = encode_tile(
        coord,
        &[TileLayer {
            name: layer.name(),
            features: features.iter().map(Into::into).collect(),
        }],
    );
    (bytes, features.len())
}

/// A point feature with `props` as its properties.
///
/// # Units
/// `world`: world coordinates (normalised Web Mercator, y down).
fn feature(world: geo::Coord<f64>, props: Value) -> TileFeature {
    TileFeature {
        id: None,
        geometry: geo::Geometry::Point(geo::Point(world)),
        properties: super::mvt::owned_properties(prop_values(props)),
    }
}

/// A flat JSON object as tile properties (nulls, lists and objects left out).
fn prop_values(v: Value) -> Vec<(String, PropValue)> {
    let Value::Object(map) = v else {
        return Vec::new();
    };
    map.into_iter()
        .filter_map(|(k, v)| {
            let p = match v {
                Value::String(s) => PropValue::String(s),
                Value::Bool(b) => PropValue::Bool(b),
                Value::Number(n) => n.as_i64().map_or_else(
                    || PropValue::Double(n.as_f64().unwrap_or(0.0)),
                    PropValue::Int,
                ),
                _ => return None,
            };
            Some((k, p))
        })
        .collect()
}

/// How a child's measurement reads: `flagged` (implausible), `severely_stunted`,
/// `stunted` or `normal`.
fn status(c: &CaseChild) -> &'static str {
    let ch = &c.child;
    if ch.is_flagged() {
        "flagged"
    } else if ch.is_severely_stunted() {
        "severely_stunted"
    } else if ch.is_stunted() {
        "stunted"
    } else {
        "normal"
    }
}

/// What a case child carries in tiles, GeoJSON and CSV: a flat JSON object.
#[must_use]
pub fn child_props(c: &CaseChild) -> Value {
    let ch = &c.child;
    json!({
        "pseudonym": ch.id,
        "sex": ch.sex.code(),
        "birth_date": ch.birth_date.to_string(),
        "measure_date": ch.measure_date.to_string(),
        "height_cm": ch.height_cm,
        "haz": ch.haz,
        "status": status(c),
        "village": c.village,
        "team": c.team,
        "period": ch.period.to_string(),
        // Placed inside its village for lack of coordinates: the point is not the home.
        "approximate": ch.placed_by_village.is_some(),
    })
}

/// What a case household carries in tiles, GeoJSON and CSV: a flat JSON object
/// (`target_groups` is a list, which tiles leave out).
#[must_use]
pub fn household_props(h: &CaseHousehold) -> Value {
    let hh = &h.household;
    json!({
        "pseudonym": hh.id,
        "has_latrine": hh.has_latrine,
        "safe_water": hh.safe_water,
        "improved_sanitation": hh.improved_sanitation,
        "unfit_housing": hh.unfit_housing,
        "four_t": hh.four_t,
        "target_groups": hh.targets.map(|t| t.iter().map(crate::model::TargetGroup::key).collect::<Vec<_>>()),
        "village": h.village,
    })
}

#[cfg(test)]
#[path = "cases_tests.rs"]
mod tests;
