//! Tile sources: the analysis turned into features ready to encode, indexed by tile.
//!
//! Steps, as in martin's GeoJSON source: reproject (lon/lat to Web Mercator world
//! units, once, at build time), index (an R-tree of feature boxes per layer), search
//! (the features whose box meets the tile and its buffer), clip and encode
//! ([`super::encode_tile`]). Building happens when the data change; rendering a tile
//! only searches and encodes.

use super::mercator::{geometry_to_world, lonlat_to_world, tile_world_bounds};
use super::mvt::{
    BUFFER, EXTENT, FeatureRef, PropKey, PropValue, Properties, TileFeature, TileLayer,
    encode_tile, encode_tile_shared,
};
use crate::analysis::{Analysis, AreaStats};
use crate::index::boxes::BoxIndex;
use crate::model::{TargetGroup, TileCoord};
use crate::risk::Factor;
use geo::{Geometry, LineString, MultiPolygon, Point, Polygon, Rect};
use h3o::Resolution;
use rayon::prelude::*;
use std::sync::Arc;

/// The tilesets sigap serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TileSet {
    /// H3 cells (`hexes` polygons and `hex_centers` points), resolution by zoom.
    Hexes,
    /// Village polygons with their figures.
    Villages,
    /// Health facilities as points.
    Facilities,
}

impl TileSet {
    pub const ALL: [TileSet; 3] = [Self::Hexes, Self::Villages, Self::Facilities];

    /// Parses the name used in URLs.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "hexes" => Some(Self::Hexes),
            "villages" => Some(Self::Villages),
            "facilities" => Some(Self::Facilities),
            _ => None,
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Hexes => "hexes",
            Self::Villages => "villages",
            Self::Facilities => "facilities",
        }
    }
}

/// Shallowest and deepest zoom announced in TileJSON (clients overzoom past it).
pub const MIN_ZOOM: u8 = 0;
pub const MAX_ZOOM_ANNOUNCED: u8 = 14;

/// Deepest zoom whose hexes tiles carry the `hex_centers` layer (the heatmap has
/// faded into hexagons by then, so deeper tiles skip it).
pub const HEX_CENTERS_MAX_ZOOM: u8 = 12;

/// The H3 resolution drawn at a zoom: z≤7→5, z8→6, z9-10→7, z11-12→8, z13→9, z≥14→10.
/// A resolution-r hexagon then spans roughly 20-60 screen pixels.
#[must_use]
pub fn hex_resolution_for_zoom(z: u8) -> Resolution {
    match z {
        0..=7 => Resolution::Five,
        8 => Resolution::Six,
        9..=10 => Resolution::Seven,
        11..=12 => Resolution::Eight,
        13 => Resolution::Nine,
        _ => Resolution::Ten,
    }
}

/// Features of one layer with an R-tree over their boxes (world units).
pub struct IndexedLayer {
    name: &'static str,
    features: Vec<TileFeature>,
    boxes: BoxIndex,
}

impl IndexedLayer {
    /// Indexes `features` (world coordinates) as the layer `name`.
    #[must_use]
    pub fn new(name: &'static str, features: Vec<TileFeature>) -> Self {
        let boxes = BoxIndex::new(features.iter().map(|f| &f.geometry));
        Self {
            name,
            features,
            boxes,
        }
    }

    /// The features that may touch `coord` (its box grown by the buffer).
    #[must_use]
    pub fn select(&self, coord: TileCoord) -> TileLayer<'_> {
        TileLayer {
            name: self.name,
            features: self
                .positions(coord)
                .into_iter()
                .map(|i| (&self.features[i]).into())
                .collect(),
        }
    }

    /// The positions of the features [`IndexedLayer::select`] picks, in order.
    fn positions(&self, coord: TileCoord) -> Vec<usize> {
        let r = tile_world_bounds(coord);
        let pad = (r.max().x - r.min().x) * f64::from(BUFFER) / f64::from(EXTENT);
        let padded = Rect::new(
            (r.min().x - pad, r.min().y - pad),
            (r.max().x + pad, r.max().y + pad),
        );
        let mut idx: Vec<usize> = self.boxes.intersecting(padded).collect();
        idx.sort_unstable();
        idx
    }
}

/// The finest resolutions (9 and 10, drawn from zoom 13 on) keep their hexagons'
/// shapes but not their properties: those are made from the analysis's figures for
/// the hexagons a tile holds, when it is asked for. Why: a country has tens of
/// millions of such cells, and a property list of about a kilobyte each would not
/// fit in memory nor be built in time; a tile at zoom 13 or more holds a few
/// hundred of them. The coarser ones (a few per cent of the cells) keep theirs, so
/// the tiles of zooms up to 12, where the heatmap's centre points double the work,
/// encode from ready lists.
const PROPERTIES_ON_REQUEST_FROM: Resolution = Resolution::Nine;

/// The hexagons of one resolution.
enum HexLayer {
    /// Shapes with their property lists, and the centre points sharing them.
    Built {
        polys: IndexedLayer,
        centres: IndexedLayer,
    },
    /// Shapes alone (without properties), in the order of the analysis's cells of
    /// this resolution; no centre points (their layer stops at
    /// [`HEX_CENTERS_MAX_ZOOM`], coarser than these).
    Shapes(IndexedLayer),
}

/// What a hexagon (and its centre point) carries in `hexes` tiles: its H3 index and
/// the fields the map draws ([`drawn_on_hexes`]), as 32-bit floats, in the order
/// [`area_properties`] lists them.
///
/// Written out rather than filtered from [`area_properties`]: the finest
/// resolutions' lists are made for every tile asked for, and the filter (every
/// field built, its name compared) was most of a hexagon's encoding time there.
#[must_use]
pub fn hex_properties(cell: h3o::CellIndex, s: &AreaStats) -> Properties {
    let mut p = Vec::with_capacity(HEX_FIELDS);
    push_hex_properties(&mut p, cell, s);
    p.into()
}

/// The most fields a hexagon carries: its index, 12 figures and the normalised
/// factors.
const HEX_FIELDS: usize = 13 + crate::risk::FACTORS;

/// Appends [`hex_properties`]'s list to `p`.
fn push_hex_properties(p: &mut Vec<(PropKey, PropValue)>, cell: h3o::CellIndex, s: &AreaStats) {
    let c = &s.counts;
    let r = &s.risk;
    let int = |n: u32| PropValue::Int(i64::from(n));
    let float = |v: f64, decimals: i32| PropValue::Float(round(v, decimals) as f32);
    p.push((PropKey::Borrowed("h3"), PropValue::String(cell.to_string())));
    p.push(("children".into(), int(c.children)));
    p.push(("stunted".into(), int(c.stunted)));
    p.push(("households".into(), int(c.households)));
    if let Some(population) = s.population {
        p.push(("population".into(), float(population, 1)));
    }
    if let Some(coverage) = s.coverage() {
        p.push(("coverage".into(), float(coverage, 4)));
    }
    p.push(("prevalence".into(), float(raw_prevalence(c), 4)));
    for (name, f) in SHARES {
        p.push((name.into(), float(r.factor(f).value.unwrap_or(0.0), 4)));
    }
    if let Some(km) = s.puskesmas_km {
        p.push(("puskesmas_km".into(), float(km, 2)));
    }
    if let Some(min) = s.puskesmas_minutes {
        p.push(("puskesmas_min".into(), float(min, 1)));
    }
    p.push(("risk".into(), float(r.score, 4)));
    for f in &r.factors {
        p.push((normalised_key(f.factor).into(), float(f.normalised, 4)));
    }
}

/// The shares of households without each facility, with their field names.
const SHARES: [(&str, Factor); 3] = [
    ("share_no_latrine", Factor::NoLatrine),
    ("share_no_safe_water", Factor::NoSafeWater),
    ("share_no_sanitation", Factor::NoSanitation),
];

/// Raw prevalence: stunted per child measured (0 without children).
fn raw_prevalence(c: &crate::model::Counts) -> f64 {
    if c.children > 0 {
        f64::from(c.stunted) / f64::from(c.children)
    } else {
        0.0
    }
}

/// A cell's hexagon in world units, carrying `properties`.
fn hex_polygon(cell: h3o::CellIndex, properties: Properties) -> TileFeature {
    let ring: LineString<f64> = cell
        .boundary()
        .iter()
        .map(|ll| lonlat_to_world(ll.lng(), ll.lat()))
        .collect();
    TileFeature {
        id: Some(u64::from(cell)),
        geometry: Geometry::Polygon(Polygon::new(ring, vec![])),
        properties,
    }
}

/// A cell's hexagon and its centre point, in world units, sharing one property
/// list ([`hex_properties`]).
fn hex_features(h: &crate::analysis::HexStats) -> (TileFeature, TileFeature) {
    let props = hex_properties(h.cell, &h.stats);
    let centre = h3o::LatLng::from(h.cell);
    let point = TileFeature {
        id: Some(u64::from(h.cell)),
        geometry: Geometry::Point(Point(lonlat_to_world(centre.lng(), centre.lat()))),
        properties: Properties::clone(&props),
    };
    (hex_polygon(h.cell, props), point)
}

/// Every tile layer of an analysis, ready to render any tile.
pub struct TileSources {
    /// The analysis whose figures the finest hexagons' properties are made from.
    analysis: Arc<Analysis>,
    /// Per resolution, its hexagons (and centre points).
    hexes: Vec<(Resolution, HexLayer)>,
    villages: IndexedLayer,
    facilities: IndexedLayer,
}

impl TileSources {
    /// Projects and indexes every layer of `analysis`: the resolutions side by side,
    /// each one's cells on every core (the features keep the analysis's order, so
    /// the sources, and the tiles, are the same on any number of cores).
    /// The finest resolutions keep shapes alone ([`PROPERTIES_ON_REQUEST_FROM`]).
    #[must_use]
    pub fn build(analysis: &Arc<Analysis>) -> Self {
        let hexes = analysis
            .hexes
            .par_iter()
            .map(|(res, cells)| {
                let layer = if *res >= PROPERTIES_ON_REQUEST_FROM {
                    let none = Properties::from([]);
                    let shapes = cells
                        .par_iter()
                        .map(|h| hex_polygon(h.cell, Properties::clone(&none)))
                        .collect();
                    HexLayer::Shapes(IndexedLayer::new("hexes", shapes))
                } else {
                    let (polys, centres): (Vec<TileFeature>, Vec<TileFeature>) =
                        cells.par_iter().map(hex_features).unzip();
                    HexLayer::Built {
                        polys: IndexedLayer::new("hexes", polys),
                        centres: IndexedLayer::new("hex_centers", centres),
                    }
                };
                (*res, layer)
            })
            .collect();
        let villages = analysis
            .villages
            .par_iter()
            .map(|v| {
                let mut props = vec![
                    ("code".into(), PropValue::String(v.village.code.clone())),
                    ("name".into(), PropValue::String(v.village.name.clone())),
                    (
                        "district".into(),
                        PropValue::String(v.village.district.clone()),
                    ),
                ];
                props.extend(area_properties(&v.stats));
                props.extend(family_group_properties(&v.stats));
                TileFeature {
                    id: v.village.code.parse().ok(),
                    geometry: geometry_to_world(&Geometry::MultiPolygon(MultiPolygon(
                        v.village.boundary.0.clone(),
                    ))),
                    properties: props.into(),
                }
            })
            .collect();
        let facilities = analysis
            .facilities
            .iter()
            .enumerate()
            .map(|(i, f)| TileFeature {
                id: Some(i as u64),
                geometry: Geometry::Point(Point(lonlat_to_world(f.location.x(), f.location.y()))),
                properties: [
                    ("id".into(), PropValue::String(f.id.clone())),
                    ("name".into(), PropValue::String(f.name.clone())),
                    ("kind".into(), PropValue::String(f.kind.as_str().to_owned())),
                ]
                .into(),
            })
            .collect();
        Self {
            analysis: Arc::clone(analysis),
            hexes,
            villages: IndexedLayer::new("villages", villages),
            facilities: IndexedLayer::new("facilities", facilities),
        }
    }

    /// Encodes one tile of `set` (uncompressed MVT; empty when nothing is there).
    #[must_use]
    pub fn render(&self, set: TileSet, coord: TileCoord) -> Vec<u8> {
        self.render_at_most(set, coord, Resolution::Ten)
    }

    /// [`TileSources::render`] with hexagons no finer than `finest` at any zoom
    /// (deeper zooms show the `finest` cells, larger on screen).
    #[must_use]
    pub fn render_at_most(&self, set: TileSet, coord: TileCoord, finest: Resolution) -> Vec<u8> {
        match set {
            TileSet::Hexes => {
                let res = hex_resolution_for_zoom(coord.z).min(finest);
                match self.hexes.iter().find(|(r, _)| *r == res) {
                    None => Vec::new(),
                    Some((_, HexLayer::Built { polys, centres })) => {
                        if coord.z <= HEX_CENTERS_MAX_ZOOM {
                            encode_tile_shared(coord, &[polys.select(coord), centres.select(coord)])
                        } else {
                            encode_tile(coord, &[polys.select(coord)])
                        }
                    }
                    Some((_, HexLayer::Shapes(shapes))) => {
                        let cells = self.analysis.hexes_at(res);
                        let positions = shapes.positions(coord);
                        // Every hexagon's list in one for the tile; the shapes are in
                        // the order of the analysis's cells.
                        let mut lists = Vec::with_capacity(positions.len() * HEX_FIELDS);
                        let mut ends = Vec::with_capacity(positions.len());
                        for &i in &positions {
                            push_hex_properties(&mut lists, cells[i].cell, &cells[i].stats);
                            ends.push(lists.len());
                        }
                        let starts = std::iter::once(0).chain(ends.iter().copied());
                        let features = positions
                            .iter()
                            .zip(starts.zip(&ends))
                            .map(|(&i, (start, &end))| FeatureRef {
                                id: shapes.features[i].id,
                                geometry: &shapes.features[i].geometry,
                                properties: &lists[start..end],
                            })
                            .collect();
                        let layer = TileLayer {
                            name: shapes.name,
                            features,
                        };
                        encode_tile(coord, &[layer])
                    }
                }
            }
            TileSet::Villages => encode_tile(coord, &[self.villages.select(coord)]),
            TileSet::Facilities => encode_tile(coord, &[self.facilities.select(coord)]),
        }
    }

    /// Number of features a tile would hold before clipping, per layer (for benchmarks).
    #[must_use]
    pub fn candidates(&self, set: TileSet, coord: TileCoord) -> usize {
        match set {
            TileSet::Hexes => {
                let res = hex_resolution_for_zoom(coord.z);
                self.hexes
                    .iter()
                    .find(|(r, _)| *r == res)
                    .map_or(0, |(_, layer)| match layer {
                        HexLayer::Built { polys, .. } => polys.positions(coord).len(),
                        HexLayer::Shapes(shapes) => shapes.positions(coord).len(),
                    })
            }
            TileSet::Villages => self.villages.positions(coord).len(),
            TileSet::Facilities => self.facilities.positions(coord).len(),
        }
    }
}

/// A field of a vector layer as announced in TileJSON.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    /// `String`, `Number` or `Boolean`, as TileJSON expects.
    pub kind: &'static str,
    pub description: &'static str,
}

const AREA_FIELDS: [Field; 27] = [
    Field {
        name: "children",
        kind: "Number",
        description: "children measured",
    },
    Field {
        name: "stunted",
        kind: "Number",
        description: "children with haz < -2",
    },
    Field {
        name: "severe",
        kind: "Number",
        description: "children with haz < -3",
    },
    Field {
        name: "households",
        kind: "Number",
        description: "households surveyed",
    },
    Field {
        name: "no_latrine",
        kind: "Number",
        description: "households without latrine",
    },
    Field {
        name: "no_safe_water",
        kind: "Number",
        description: "households without safe drinking water",
    },
    Field {
        name: "no_sanitation",
        kind: "Number",
        description: "households without improved sanitation",
    },
    Field {
        name: "population",
        kind: "Number",
        description: "population from the imported raster, area-weighted (0.1); absent without one",
    },
    Field {
        name: "coverage",
        kind: "Number",
        description: "children / population (where population > 0)",
    },
    Field {
        name: "prevalence",
        kind: "Number",
        description: "stunted / children (0..1)",
    },
    Field {
        name: "prevalence_smoothed",
        kind: "Number",
        description: "spatial Empirical Bayes prevalence over the area and its neighbours (0..1); absent without children",
    },
    Field {
        name: "gi_z",
        kind: "Number",
        description: "Getis-Ord Gi* z-score of the Empirical Bayes prevalence (positive: high values cluster)",
    },
    Field {
        name: "gi_p",
        kind: "Number",
        description: "one-sided p-value of gi_z, P(Z > |z|)",
    },
    Field {
        name: "gi_q",
        kind: "Number",
        description: "Benjamini-Hochberg adjusted two-sided p-value of gi_z",
    },
    Field {
        name: "hotspot",
        kind: "String",
        description: "hot_99|hot_95|hot_90|cold_99|cold_95|cold_90|none|too_few (fewer than 5 children)",
    },
    Field {
        name: "share_no_latrine",
        kind: "Number",
        description: "no_latrine / households (0..1)",
    },
    Field {
        name: "share_no_safe_water",
        kind: "Number",
        description: "no_safe_water / households (0..1)",
    },
    Field {
        name: "share_no_sanitation",
        kind: "Number",
        description: "no_sanitation / households (0..1)",
    },
    Field {
        name: "puskesmas_km",
        kind: "Number",
        description: "straight-line km from the centre to the nearest puskesmas",
    },
    Field {
        name: "puskesmas_min",
        kind: "Number",
        description: "minutes from the centre to the nearest puskesmas over the roads ([roads] access_mode, walking to the road included); absent without roads",
    },
    Field {
        name: "risk",
        kind: "Number",
        description: "risk score 0..1 with the configured weights: Σ w·n_* / Σ w",
    },
    Field {
        name: "n_prevalence",
        kind: "Number",
        description: "smoothed prevalence, normalised 0..1 among areas of its kind (0 when unknown)",
    },
    Field {
        name: "n_stunted",
        kind: "Number",
        description: "stunted children, normalised 0..1 among areas of its kind (0 when unknown)",
    },
    Field {
        name: "n_no_latrine",
        kind: "Number",
        description: "share without latrine, normalised 0..1 among areas of its kind (0 when unknown)",
    },
    Field {
        name: "n_no_safe_water",
        kind: "Number",
        description: "share without safe water, normalised 0..1 among areas of its kind (0 when unknown)",
    },
    Field {
        name: "n_no_sanitation",
        kind: "Number",
        description: "share without improved sanitation, normalised 0..1 among areas of its kind (0 when unknown)",
    },
    Field {
        name: "n_puskesmas",
        kind: "Number",
        description: "distance to the nearest puskesmas, normalised 0..1 among areas of its kind (0 when unknown)",
    },
];

/// Hexagons and villages: the one count of keluarga berisiko stunting.
const FAMILIES_FIELD: Field = Field {
    name: "families_at_risk",
    kind: "Number",
    description: "keluarga berisiko stunting: families with a target group and a BKKBN risk factor",
};

/// Villages only (hexagons stay lean): families at risk per target group.
const FAMILY_GROUP_FIELDS: [Field; 5] = [
    Field {
        name: "families_at_risk_catin",
        kind: "Number",
        description: "families at risk with a catin (bride- or groom-to-be)",
    },
    Field {
        name: "families_at_risk_bumil",
        kind: "Number",
        description: "families at risk with a bumil (pregnant woman)",
    },
    Field {
        name: "families_at_risk_bufas",
        kind: "Number",
        description: "families at risk with a bufas (post-partum mother)",
    },
    Field {
        name: "families_at_risk_baduta",
        kind: "Number",
        description: "families at risk with a baduta (child under two)",
    },
    Field {
        name: "families_at_risk_balita",
        kind: "Number",
        description: "families at risk with a balita (child under five)",
    },
];

/// A village's families at risk per target group, named as in
/// [`FAMILY_GROUP_FIELDS`].
#[must_use]
pub fn family_group_properties(s: &AreaStats) -> Vec<(PropKey, PropValue)> {
    let f = &s.counts.families_at_risk;
    TargetGroup::ALL
        .iter()
        .map(|g| {
            (
                PropKey::Owned(format!("families_at_risk_{}", g.key())),
                PropValue::Int(i64::from(f.group(*g))),
            )
        })
        .collect()
}

/// The vector layers of a tileset and their fields, for TileJSON.
#[must_use]
pub fn vector_layers(set: TileSet) -> Vec<(&'static str, Vec<Field>)> {
    let mut area = AREA_FIELDS.to_vec();
    area.push(FAMILIES_FIELD);
    match set {
        TileSet::Hexes => {
            let mut fields = vec![Field {
                name: "h3",
                kind: "String",
                description: "H3 cell id (hex string; its resolution is in the id)",
            }];
            fields.extend(area.into_iter().filter(|f| drawn_on_hexes(f.name)));
            vec![("hexes", fields.clone()), ("hex_centers", fields)]
        }
        TileSet::Villages => {
            let mut fields = vec![
                Field {
                    name: "code",
                    kind: "String",
                    description: "Kemendagri code",
                },
                Field {
                    name: "name",
                    kind: "String",
                    description: "desa/kelurahan name",
                },
                Field {
                    name: "district",
                    kind: "String",
                    description: "kecamatan name",
                },
            ];
            fields.extend(area);
            fields.extend(FAMILY_GROUP_FIELDS);
            vec![("villages", fields)]
        }
        TileSet::Facilities => vec![(
            "facilities",
            vec![
                Field {
                    name: "id",
                    kind: "String",
                    description: "facility id",
                },
                Field {
                    name: "name",
                    kind: "String",
                    description: "facility name",
                },
                Field {
                    name: "kind",
                    kind: "String",
                    description: "puskesmas | pustu | posyandu",
                },
            ],
        )],
    }
}

fn round(v: f64, decimals: i32) -> f64 {
    let f = 10f64.powi(decimals);
    (v * f).round() / f
}

/// Whether hexagon tiles carry the area field `name`: only what the viewer draws (the
/// indicators, their denominators, the risk and the normalised factors the what-if
/// weights recombine). The rest of a cell's figures (severe, household counts, hot
/// spots, families) come from `/api/hexes` when its popup opens, which keeps the
/// tiles of the finest resolutions small.
#[must_use]
pub fn drawn_on_hexes(name: &str) -> bool {
    name.starts_with("n_")
        || matches!(
            name,
            "children"
                | "stunted"
                | "households"
                | "population"
                | "coverage"
                | "prevalence"
                | "share_no_latrine"
                | "share_no_safe_water"
                | "share_no_sanitation"
                | "puskesmas_km"
                | "puskesmas_min"
                | "risk"
        )
}

/// The attributes of a cell or village (everything but its identity).
#[must_use]
pub fn area_properties(s: &AreaStats) -> Vec<(PropKey, PropValue)> {
    let c = &s.counts;
    let int = |n: u32| PropValue::Int(i64::from(n));
    let mut p = vec![
        ("children".into(), int(c.children)),
        ("stunted".into(), int(c.stunted)),
        ("severe".into(), int(c.severe)),
        ("households".into(), int(c.households)),
        ("no_latrine".into(), int(c.no_latrine)),
        ("no_safe_water".into(), int(c.no_safe_water)),
        ("no_sanitation".into(), int(c.no_sanitation)),
        ("families_at_risk".into(), int(c.families_at_risk.total)),
    ];
    if let Some(population) = s.population {
        p.push(("population".into(), PropValue::Double(round(population, 1))));
    }
    if let Some(coverage) = s.coverage() {
        p.push(("coverage".into(), PropValue::Double(round(coverage, 4))));
    }
    let r = &s.risk;
    // Raw prevalence (stunted / measured); the smoothed one the score uses follows.
    p.push((
        "prevalence".into(),
        PropValue::Double(round(raw_prevalence(c), 4)),
    ));
    for (name, f) in SHARES {
        p.push((
            name.into(),
            PropValue::Double(round(r.factor(f).value.unwrap_or(0.0), 4)),
        ));
    }
    if let Some(sp) = &s.spatial {
        p.extend([
            (
                "prevalence_smoothed".into(),
                PropValue::Double(round(sp.prevalence_smoothed, 4)),
            ),
            ("gi_z".into(), PropValue::Double(round(sp.gi_z, 4))),
            ("gi_p".into(), PropValue::Double(round(sp.gi_p, 6))),
            ("gi_q".into(), PropValue::Double(round(sp.gi_q, 6))),
            (
                "hotspot".into(),
                PropValue::String(sp.hotspot.label().to_owned()),
            ),
        ]);
    }
    if let Some(km) = s.puskesmas_km {
        p.push(("puskesmas_km".into(), PropValue::Double(round(km, 2))));
    }
    if let Some(min) = s.puskesmas_minutes {
        p.push(("puskesmas_min".into(), PropValue::Double(round(min, 1))));
    }
    p.push(("risk".into(), PropValue::Double(round(r.score, 4))));
    // Normalised values, not contributions: the viewer re-weighs them (Σ w·n / Σ w).
    for f in &r.factors {
        p.push((
            normalised_key(f.factor).into(),
            PropValue::Double(round(f.normalised, 4)),
        ));
    }
    p
}

/// The name of a factor's normalised value (`n_` and [`Factor::key`]), a constant:
/// every area carries one per factor.
fn normalised_key(factor: Factor) -> &'static str {
    match factor {
        Factor::Prevalence => "n_prevalence",
        Factor::Stunted => "n_stunted",
        Factor::NoLatrine => "n_no_latrine",
        Factor::NoSafeWater => "n_no_safe_water",
        Factor::NoSanitation => "n_no_sanitation",
        Factor::Puskesmas => "n_puskesmas",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A double as a 32-bit float (7 significant digits, for figures rounded to 4
    /// decimals); other values as they are.
    fn to_float(v: PropValue) -> PropValue {
        match v {
            PropValue::Double(d) => PropValue::Float(d as f32),
            other => other,
        }
    }

    /// A hexagon's list written out is [`area_properties`] filtered to what
    /// [`drawn_on_hexes`], as floats: the same names, values and order, for figures
    /// with and without population, spatial statistics and access.
    #[test]
    fn hex_properties_are_the_drawn_area_properties() {
        let cell = h3o::LatLng::new(-3.97, 122.51)
            .expect("point")
            .to_cell(h3o::Resolution::Ten);
        let counts = |children, stunted, households| crate::model::Counts {
            children,
            stunted,
            households,
            no_latrine: households / 3,
            no_safe_water: households / 5,
            no_sanitation: households / 2,
            ..Default::default()
        };
        let (a, b) = (counts(7, 3, 11), counts(20, 2, 31));
        let values = [
            crate::risk::raw_values(&a, Some(0.312_34), Some(12.345_6)),
            crate::risk::raw_values(&b, Some(0.1), Some(40.0)),
        ];
        let risk = crate::risk::score_set(
            &values,
            &crate::config::Config::default(),
            crate::risk::Access::Minutes,
        )[0];
        let with = AreaStats {
            counts: a,
            population: Some(123.456),
            puskesmas_km: Some(1.234_56),
            puskesmas_minutes: Some(12.345_6),
            risk,
            spatial: Some(crate::analysis::spatial_stats::AreaSpatial {
                prevalence_smoothed: 0.312_34,
                prevalence_global: 0.3,
                gi_z: 1.2,
                gi_p: 0.2,
                gi_q: 0.3,
                hotspot: crate::risk::hotspot::HotSpot::None,
            }),
        };
        let without = AreaStats {
            population: None,
            puskesmas_km: None,
            puskesmas_minutes: None,
            spatial: None,
            ..with
        };
        for stats in [with, without] {
            let filtered: Vec<(PropKey, PropValue)> =
                std::iter::once((PropKey::Borrowed("h3"), PropValue::String(cell.to_string())))
                    .chain(
                        area_properties(&stats)
                            .into_iter()
                            .filter(|(name, _)| drawn_on_hexes(name))
                            .map(|(name, v)| (name, to_float(v))),
                    )
                    .collect();
            assert!(filtered.len() > 13, "{filtered:?}");
            assert_eq!(hex_properties(cell, &stats).to_vec(), filtered);
        }
    }

    /// A tile of the finest hexagons, whose lists are made on request, is the tile
    /// their lists made in advance give: same bytes, and not empty.
    #[test]
    fn on_request_tiles_are_those_of_ready_lists() {
        let households = (0..300_u32)
            .map(|i| crate::model::Household {
                id: format!("h{i}"),
                location: geo::Point::new(
                    122.51 + f64::from(i % 20) * 0.0004,
                    -3.97 + f64::from(i / 20) * 0.0004,
                ),
                has_latrine: i % 3 == 0,
                safe_water: i % 5 != 0,
                improved_sanitation: i % 2 == 0,
                unfit_housing: None,
                four_t: None,
                targets: None,
            })
            .collect();
        let data = crate::store::Dataset {
            households: Arc::new(households),
            ..Default::default()
        };
        let analysis = Arc::new(Analysis::compute(&data, &crate::config::Config::default()));
        let sources = TileSources::build(&analysis);
        for z in [13, 14] {
            let res = hex_resolution_for_zoom(z);
            assert!(res >= PROPERTIES_ON_REQUEST_FROM);
            let ready: Vec<TileFeature> = analysis
                .hexes_at(res)
                .iter()
                .map(|h| hex_polygon(h.cell, hex_properties(h.cell, &h.stats)))
                .collect();
            let ready = IndexedLayer::new("hexes", ready);
            let w = lonlat_to_world(122.514, -3.967);
            let n = f64::from(1_u32 << z);
            let coord = TileCoord::new(z, (w.x * n) as u32, (w.y * n) as u32).expect("tile");
            let tile = sources.render(TileSet::Hexes, coord);
            assert!(!tile.is_empty(), "z{z}");
            assert_eq!(tile, encode_tile(coord, &[ready.select(coord)]), "z{z}");
        }
    }

    /// The constant names are what the viewer reads: `n_` and the factor's key.
    #[test]
    fn normalised_keys_are_n_and_the_factor_key() {
        for f in Factor::ALL {
            assert_eq!(normalised_key(f), format!("n_{}", f.key()));
        }
    }
}
