//! The MapLibre style that draws the basemap: fills and lines first (background,
//! land use, village boundaries, water, buildings, roads by class), then labels
//! (village names at city zoom, street names from z14, the city's name). Village
//! boundaries are under the water, so none is drawn across a bay.
//!
//! Label layers are the only `symbol` layers and come last, so a client adding its
//! own layers before the first symbol layer keeps every label readable. With an
//! external raster template (`[basemap] url`), the raster replaces the fills and
//! roads, and sigap's own village boundaries and names are drawn over it.
//!
//! With an external PMTiles archive the server cannot tell a raster archive from a
//! vector one (the archive's header says, and only the browser fetches it), so the
//! style is the vector one with the archive as its source, and names the archive and
//! sigap's own source in `metadata["sigap:pmtiles"]` (`archive`, `own`). The viewer
//! (`web/basemap.js`) reads the header: a vector archive keeps this style (it is
//! assumed to follow sigap's schema, [`super::LAYERS`]); a raster archive is drawn
//! like an XYZ raster, with `own` back as the source of the boundaries and names.

use crate::config::ExternalBasemap;
use serde_json::{Value, json};

/// The source id of sigap's basemap tiles in the style.
pub const SOURCE: &str = "basemap";
/// Colours the tests sample: the background and the water.
pub const BACKGROUND: &str = "#f2efe9";
pub const WATER: &str = "#9ecae8";
/// Whether this server answers `/fonts/{fontstack}/{range}.pbf` (it does:
/// `http::routes::fonts`). Without glyphs a client cannot draw text, and a style
/// naming a glyph URL that answers 404 fills the browser console with errors, so a
/// style made with `false` leaves its label layers out.
pub const GLYPHS_SERVED: bool = true;
/// Fonts of the labels (served by `/fonts/{fontstack}/{range}.pbf`).
pub const FONT: &str = "DejaVu Sans Book";
pub const FONT_BOLD: &str = "DejaVu Sans Bold";

/// Where the style's parts come from.
#[derive(Debug, Clone)]
pub struct StyleUrls<'a> {
    /// `.../basemap/{z}/{x}/{y}.mvt`.
    pub tiles: &'a str,
    /// `.../fonts/{fontstack}/{range}.pbf`.
    pub glyphs: &'a str,
    /// An external basemap instead of sigap's own fills and roads (`[basemap] url`).
    pub external: Option<ExternalBasemap<'a>>,
    pub attribution: &'a str,
}

/// `["interpolate", ["exponential", 1.5], ["zoom"], z0, w0, z1, w1, ...]`.
fn by_zoom(stops: &[(u8, f64)]) -> Value {
    let mut v = vec![
        json!("interpolate"),
        json!(["exponential", 1.5]),
        json!(["zoom"]),
    ];
    for (z, w) in stops {
        v.push(json!(z));
        v.push(json!(w));
    }
    Value::Array(v)
}

fn fill(id: &str, layer: &str, class: Option<&str>, color: &str, minzoom: u8) -> Value {
    let mut l = json!({
        "id": id, "type": "fill", "source": SOURCE, "source-layer": layer,
        "minzoom": minzoom, "paint": { "fill-color": color }
    });
    if let Some(c) = class {
        l["filter"] = json!(["==", ["get", "class"], c]);
    }
    l
}

fn road(id: &str, classes: &[&str], color: &str, width: &[(u8, f64)], dash: bool) -> Value {
    let mut l = json!({
        "id": id, "type": "line", "source": SOURCE, "source-layer": "roads",
        "filter": ["in", ["get", "class"], ["literal", classes]],
        "layout": { "line-cap": "round", "line-join": "round" },
        "paint": { "line-color": color, "line-width": by_zoom(width) }
    });
    if dash {
        l["layout"]["line-cap"] = json!("butt");
        l["paint"]["line-dasharray"] = json!([2, 1]);
    }
    l
}

/// The colour of primary roads (sampled by the browser test).
pub const PRIMARY: &str = "#ffd966";
/// Road casings: dark enough to read over the risk colours' yellows and reds.
const CASING: &str = "#6f655c";

/// Fills and roads drawn from sigap's own tiles. Every road has a dark casing under
/// a light fill, so streets stay visible over any risk colour.
fn own_layers() -> Vec<Value> {
    let major = ["motorway", "primary", "secondary", "tertiary"];
    let casing = |id: &str, classes: &[&str], w: &[(u8, f64)]| road(id, classes, CASING, w, false);
    let landuse = [
        ("residential", "#e6e0d8"),
        ("farmland", "#edf0d1"),
        ("forest", "#c9e0b8"),
        ("park", "#c8e6c0"),
        ("grass", "#dcebc9"),
    ];
    let mut layers: Vec<Value> = landuse
        .iter()
        .map(|(class, colour)| {
            let id = format!("basemap-landuse-{class}");
            fill(&id, "landuse", Some(class), colour, 0)
        })
        .collect();
    layers.extend([
        // Not quite opaque: MapLibre draws opaque fills in an early pass that a
        // heatmap (composited without depth test) would then cover; a translucent
        // fill is drawn in layer order, over a page's risk heatmap.
        {
            let mut water = fill("basemap-water", "water", None, WATER, 0);
            water["paint"]["fill-opacity"] = json!(0.99);
            water
        },
        json!({
            "id": "basemap-buildings", "type": "fill", "source": SOURCE,
            "source-layer": "buildings", "minzoom": super::BUILDINGS_MIN_ZOOM,
            "paint": { "fill-color": "#d9d0c9", "fill-outline-color": "#bfb4ab" }
        }),
        road(
            "basemap-path",
            &["path"],
            "#7a6f66",
            &[(15, 1.0), (18, 2.5)],
            true,
        ),
        road(
            "basemap-track",
            &["track"],
            "#8c7451",
            &[(13, 1.0), (18, 3.5)],
            true,
        ),
        casing(
            "basemap-road-minor-casing",
            &["residential"],
            &[(13, 1.6), (15, 4.5), (18, 15.0)],
        ),
        casing(
            "basemap-road-casing",
            &major,
            &[(8, 2.0), (12, 4.0), (18, 23.0)],
        ),
        road(
            "basemap-road-minor",
            &["residential"],
            "#ffffff",
            &[(13, 0.8), (15, 3.0), (18, 12.0)],
            false,
        ),
        road(
            "basemap-road-tertiary",
            &["tertiary"],
            "#ffffff",
            &[(11, 0.8), (12, 2.2), (18, 19.0)],
            false,
        ),
        road(
            "basemap-road-secondary",
            &["secondary"],
            "#fff1bd",
            &[(9, 0.8), (12, 2.4), (18, 19.0)],
            false,
        ),
        road(
            "basemap-road-primary",
            &["motorway", "primary"],
            PRIMARY,
            &[(8, 1.2), (12, 2.8), (18, 20.0)],
            false,
        ),
    ]);
    layers
}

/// Village boundaries and every label.
fn boundary_and_labels() -> Vec<Value> {
    let halo =
        json!({ "text-color": "#333333", "text-halo-color": "#ffffff", "text-halo-width": 1.5 });
    vec![
        json!({
            "id": "basemap-villages", "type": "line", "source": SOURCE, "source-layer": "villages",
            "paint": { "line-color": "#7d6b8f", "line-width": by_zoom(&[(10, 0.8), (16, 2.0)]),
                       "line-dasharray": [3, 2], "line-opacity": 0.8 }
        }),
        json!({
            "id": "basemap-label-street", "type": "symbol", "source": SOURCE, "source-layer": "roads",
            "minzoom": 14, "filter": ["has", "name"],
            "layout": { "symbol-placement": "line", "text-field": ["get", "name"],
                        "text-font": [FONT], "text-size": 11, "text-max-angle": 40 },
            "paint": halo
        }),
        json!({
            "id": "basemap-label-village", "type": "symbol", "source": SOURCE,
            "source-layer": "village_labels", "minzoom": 11, "maxzoom": 14,
            "layout": { "text-field": ["get", "name"], "text-font": [FONT_BOLD],
                        "text-size": by_zoom(&[(11, 11.0), (13, 14.0)]),
                        "text-transform": "uppercase", "text-letter-spacing": 0.05 },
            "paint": { "text-color": "#5b4a6e", "text-halo-color": "#ffffff", "text-halo-width": 1.5 }
        }),
        json!({
            "id": "basemap-label-city", "type": "symbol", "source": SOURCE, "source-layer": "places",
            "maxzoom": 11, "filter": ["in", ["get", "kind"], ["literal", ["city", "town"]]],
            "layout": { "text-field": ["get", "name"], "text-font": [FONT_BOLD], "text-size": 16 },
            "paint": halo
        }),
    ]
}

/// The style (MapLibre style spec v8), with its labels when `labels` (see
/// [`GLYPHS_SERVED`]).
#[must_use]
pub fn style(urls: &StyleUrls<'_>, labels: bool) -> Value {
    let mut sources = json!({
        SOURCE: {
            "type": "vector", "tiles": [urls.tiles], "minzoom": 0,
            "maxzoom": super::MAX_ZOOM, "attribution": urls.attribution
        }
    });
    let mut layers = vec![json!({
        "id": "basemap-background", "type": "background",
        "paint": { "background-color": BACKGROUND }
    })];
    let mut metadata = None;
    match urls.external {
        Some(ExternalBasemap::Xyz(template)) => {
            sources["basemap-raster"] = json!({
                "type": "raster", "tiles": [template], "tileSize": 256, "maxzoom": 19
            });
            layers.push(
                json!({ "id": "basemap-raster", "type": "raster", "source": "basemap-raster" }),
            );
        }
        Some(ExternalBasemap::Pmtiles(archive)) => {
            let own = sources[SOURCE].take();
            sources[SOURCE] = json!({
                "type": "vector", "url": format!("pmtiles://{archive}")
            });
            metadata = Some(json!({ PMTILES_KEY: { "archive": archive, "own": own } }));
            layers.extend(own_layers());
        }
        None => layers.extend(own_layers()),
    }
    layers.extend(
        boundary_and_labels()
            .into_iter()
            .filter(|l| labels || l["type"] != "symbol"),
    );
    // Village boundaries go under the water (and the streets): a boundary that runs
    // across a bay is not drawn over it.
    if let Some(water) = layers.iter().position(|l| l["id"] == "basemap-water")
        && let Some(line) = layers.iter().position(|l| l["id"] == "basemap-villages")
    {
        let line = layers.remove(line);
        layers.insert(water, line);
    }
    let mut style = json!({
        "version": 8,
        "name": "sigap basemap",
        "sources": sources,
        "layers": layers,
    });
    if labels {
        style["glyphs"] = json!(urls.glyphs);
    }
    if let Some(m) = metadata {
        style["metadata"] = m;
    }
    style
}

/// Where a style with an external PMTiles archive names it (see the module doc).
pub const PMTILES_KEY: &str = "sigap:pmtiles";

/// The source description of sigap's own basemap tiles in `style`: the `basemap`
/// source, or with an external PMTiles archive the one kept for a raster archive.
pub fn own_source_mut(style: &mut Value) -> &mut Value {
    if style["metadata"][PMTILES_KEY].is_object() {
        &mut style["metadata"][PMTILES_KEY]["own"]
    } else {
        &mut style["sources"][SOURCE]
    }
}
