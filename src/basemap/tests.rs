//! The basemap builder on a hand-made extract, decoded by the test-only MVT reader.

use super::Basemap;
use crate::config::ExternalBasemap;
use crate::model::{TileCoord, Village};
use crate::roads::osm_write::{OsmNode, OsmPoint, OsmWay, encode};
use crate::tiles::decode::{Value, decode};
use crate::tiles::lonlat_to_world;
use geo::{MultiPolygon, polygon};

/// The tile at zoom `z` holding WGS84 `lon, lat`.
fn tile_at(z: u8, lon: f64, lat: f64) -> TileCoord {
    let w = lonlat_to_world(lon, lat);
    let n = f64::from(1u32 << z);
    TileCoord::new(z, (w.x * n) as u32, (w.y * n) as u32).expect("valid tile")
}

fn tags(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Near Kendari: a named residential street, a primary road, a square bay, a
/// farmland, a building, a footway, a place node and one village.
fn basemap() -> Basemap {
    let at = |id: i64, lon: f64, lat: f64| OsmNode {
        id,
        lonlat: [lon, lat],
    };
    let nodes = vec![
        at(1, 122.500, -3.990),
        at(2, 122.510, -3.990),
        at(3, 122.500, -3.995),
        at(4, 122.520, -3.995),
        // The bay: a closed square.
        at(10, 122.55, -3.96),
        at(11, 122.57, -3.96),
        at(12, 122.57, -3.98),
        at(13, 122.55, -3.98),
        // A building.
        at(20, 122.5001, -3.9901),
        at(21, 122.5003, -3.9901),
        at(22, 122.5003, -3.9903),
    ];
    let way = |id: i64, refs: Vec<i64>, t: &[(&str, &str)]| OsmWay {
        id,
        refs,
        tags: tags(t),
    };
    let ways = vec![
        way(
            1,
            vec![1, 2],
            &[("highway", "residential"), ("name", "Jl. Anggrek")],
        ),
        way(
            2,
            vec![3, 4],
            &[("highway", "primary"), ("name", "Jalan Ahmad Yani")],
        ),
        way(
            3,
            vec![10, 11, 12, 13, 10],
            &[("natural", "water"), ("name", "Teluk Kendari")],
        ),
        way(4, vec![20, 21, 22, 20], &[("building", "yes")]),
        way(5, vec![1, 3], &[("highway", "footway")]),
        way(6, vec![1, 2, 4, 3, 1], &[("landuse", "farmland")]),
        way(7, vec![2, 4], &[("highway", "proposed")]),
    ];
    let points = vec![OsmPoint {
        id: 30,
        lonlat: [122.54, -3.97],
        tags: tags(&[("place", "city"), ("name", "Kendari")]),
    }];
    let pbf = encode(&nodes, &points, &ways).expect("encoded");
    let village = Village {
        code: "7471011005".into(),
        name: "Mandonga".into(),
        district: "Mandonga".into(),
        boundary: MultiPolygon::new(vec![polygon![
            (x: 122.52, y: -4.00), (x: 122.56, y: -4.00), (x: 122.56, y: -3.98), (x: 122.52, y: -3.98)
        ]]),
    };
    Basemap::build(Some(&pbf), &[village]).expect("built")
}

/// One feature's properties.
type Props = Vec<(String, Value)>;

/// `(layer, properties of each feature)` of a tile.
fn layers(map: &Basemap, coord: TileCoord) -> Vec<(String, Vec<Props>)> {
    let tile = decode(&map.render(coord));
    tile.layers
        .iter()
        .map(|l| {
            let props = l.features.iter().map(|f| f.properties(l)).collect();
            (l.name.clone(), props)
        })
        .collect()
}

fn has(props: &[Props], key: &str, value: &str) -> bool {
    props
        .iter()
        .any(|p| p.contains(&(key.to_owned(), Value::String(value.to_owned()))))
}

fn layer<'a>(all: &'a [(String, Vec<Props>)], name: &str) -> &'a [Props] {
    all.iter()
        .find(|(n, _)| n == name)
        .map_or(&[], |(_, p)| p.as_slice())
}

#[test]
fn a_named_residential_street_is_in_the_roads_layer_from_z13_not_at_z10() {
    let map = basemap();
    let z14 = layers(&map, tile_at(14, 122.505, -3.990));
    let roads = layer(&z14, "roads");
    assert!(has(roads, "name", "Jl. Anggrek"), "{z14:?}");
    assert!(has(roads, "class", "residential"));
    assert!(!has(roads, "class", "path"), "paths start at z15");

    let z10 = layers(&map, tile_at(10, 122.505, -3.990));
    let roads = layer(&z10, "roads");
    assert!(!has(roads, "name", "Jl. Anggrek"), "{z10:?}");
    assert!(has(roads, "name", "Jalan Ahmad Yani"), "major roads at z10");
    assert!(
        !layer(&z10, "buildings").iter().any(|_| true),
        "no buildings at z10"
    );

    let z15 = layers(&map, tile_at(15, 122.5001, -3.990));
    assert!(has(layer(&z15, "roads"), "class", "path"));
    assert_eq!(layer(&z15, "buildings").len(), 1);
    // A proposed road is not drawn at any zoom.
    assert!(
        !z15.iter()
            .chain(&z14)
            .any(|(_, f)| has(f, "class", "proposed"))
    );
}

#[test]
fn water_landuse_places_and_villages_are_in_the_tiles() {
    let map = basemap();
    let all = layers(&map, tile_at(11, 122.53, -3.98));
    assert!(
        has(layer(&all, "water"), "name", "Teluk Kendari"),
        "{all:?}"
    );
    assert!(has(layer(&all, "landuse"), "class", "farmland"));
    assert!(has(layer(&all, "places"), "kind", "city"));
    assert!(has(layer(&all, "villages"), "name", "Mandonga"));
    let labels = layer(&all, "village_labels");
    assert!(has(labels, "code", "7471011005") && has(labels, "name", "Mandonga"));
    let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    assert!(names.iter().all(|n| super::LAYERS.contains(n)), "{names:?}");
}

#[test]
fn tiles_far_from_the_city_are_empty_and_villages_alone_still_draw() {
    let map = basemap();
    assert!(map.render(tile_at(14, 0.0, 0.0)).is_empty());
    let village = Village {
        code: "1".into(),
        name: "A".into(),
        district: "B".into(),
        boundary: MultiPolygon::new(vec![polygon![
            (x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)
        ]]),
    };
    let only = Basemap::build(None, &[village]).expect("built");
    let all = layers(&only, tile_at(8, 0.5, 0.5));
    assert!(has(layer(&all, "village_labels"), "name", "A"));
}

#[test]
fn a_file_that_is_not_a_pbf_is_an_error() {
    assert!(Basemap::build(Some(b"not a pbf"), &[]).is_err());
}

#[test]
fn the_style_puts_labels_last_and_uses_the_glyph_fonts() {
    let urls = super::style::StyleUrls {
        tiles: "http://h/basemap/{z}/{x}/{y}.mvt",
        glyphs: "http://h/fonts/{fontstack}/{range}.pbf",
        external: None,
        attribution: "t",
    };
    let style = super::style::style(&urls, true);
    let layers = style["layers"].as_array().expect("layers");
    let first_symbol = layers
        .iter()
        .position(|l| l["type"] == "symbol")
        .expect("labels");
    assert!(layers[first_symbol..].iter().all(|l| l["type"] == "symbol"));
    let street = layers
        .iter()
        .find(|l| l["id"] == "basemap-label-street")
        .expect("street labels");
    assert_eq!(street["minzoom"], 14);
    assert_eq!(street["layout"]["text-font"][0], super::style::FONT);
    assert_eq!(style["glyphs"], "http://h/fonts/{fontstack}/{range}.pbf");
    let at = |id: &str| layers.iter().position(|l| l["id"] == id).expect(id);
    assert!(at("basemap-landuse-residential") < at("basemap-villages"));
    assert!(at("basemap-villages") < at("basemap-water"));

    let bare = super::style::style(&urls, false);
    let layers = bare["layers"].as_array().expect("layers");
    assert!(layers.iter().all(|l| l["type"] != "symbol"));
    assert!(bare.get("glyphs").is_none());
}

#[test]
fn an_external_raster_replaces_the_fills_and_roads_but_not_the_villages() {
    let urls = super::style::StyleUrls {
        tiles: "/basemap/{z}/{x}/{y}.mvt",
        glyphs: "/fonts/{fontstack}/{range}.pbf",
        external: Some(ExternalBasemap::Xyz(
            "https://t.example.org/{z}/{x}/{y}.png",
        )),
        attribution: "t",
    };
    let style = super::style::style(&urls, false);
    assert_eq!(
        style["sources"]["basemap-raster"]["tiles"][0],
        "https://t.example.org/{z}/{x}/{y}.png"
    );
    let ids: Vec<&str> = style["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    assert!(ids.contains(&"basemap-raster") && ids.contains(&"basemap-villages"));
    assert!(
        !ids.iter().any(|id| id.starts_with("basemap-road")),
        "{ids:?}"
    );
}

#[test]
fn a_pmtiles_archive_is_the_source_of_the_style_and_sigaps_tiles_are_kept_aside() {
    let urls = super::style::StyleUrls {
        tiles: "/basemap/{z}/{x}/{y}.mvt",
        glyphs: "/fonts/{fontstack}/{range}.pbf",
        external: Some(ExternalBasemap::Pmtiles(
            "https://t.example.org/kota.pmtiles",
        )),
        attribution: "t",
    };
    let mut style = super::style::style(&urls, true);
    assert_eq!(
        style["sources"]["basemap"],
        serde_json::json!({ "type": "vector", "url": "pmtiles://https://t.example.org/kota.pmtiles" })
    );
    let meta = &style["metadata"][super::style::PMTILES_KEY];
    assert_eq!(meta["archive"], "https://t.example.org/kota.pmtiles");
    assert_eq!(meta["own"]["tiles"][0], "/basemap/{z}/{x}/{y}.mvt");
    let ids: Vec<&str> = style["layers"]
        .as_array()
        .expect("layers")
        .iter()
        .filter_map(|l| l["id"].as_str())
        .collect();
    // sigap's own layers, drawn from the archive (assumed in sigap's schema).
    assert!(ids.contains(&"basemap-water") && ids.contains(&"basemap-road-primary"));
    assert!(!ids.contains(&"basemap-raster"), "{ids:?}");
    // `sigap publish` rewrites sigap's own source where it is kept.
    super::style::own_source_mut(&mut style)["tiles"] = serde_json::json!(["x"]);
    assert_eq!(
        style["metadata"][super::style::PMTILES_KEY]["own"]["tiles"][0],
        "x"
    );
    assert_eq!(style["sources"]["basemap"]["type"], "vector");
}
