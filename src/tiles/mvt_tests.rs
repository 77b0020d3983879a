//! Whole-tile tests of [`super::encode_tile`]: encode, decode with the independent
//! test decoder, and compare geometry as text in tile units.

use super::*;
use crate::tiles::decode::{Value, decode};
use crate::tiles::mercator::{geometry_to_world, world_to_lonlat};
use geo::{Coord, Geometry, LineString, MultiPoint, MultiPolygon, Point, Polygon};

/// A zoom-12 tile over Kendari.
fn tile() -> TileCoord {
    TileCoord::new(12, 3441, 2093).expect("valid tile")
}

/// The WGS84 position of a point given in `tile()`'s units (may lie outside the tile).
fn lonlat(tx: f64, ty: f64) -> Coord<f64> {
    let t = tile();
    let n = f64::from(1u32 << t.z);
    world_to_lonlat(Coord {
        x: (f64::from(t.x) + tx / 4096.0) / n,
        y: (f64::from(t.y) + ty / 4096.0) / n,
    })
}

fn ring(points: &[(f64, f64)]) -> LineString<f64> {
    points.iter().map(|&(x, y)| lonlat(x, y)).collect()
}

/// A feature whose geometry is given in tile units, passed through lon/lat and the
/// world projection as real data would be.
fn feature(g: &Geometry<f64>) -> TileFeature {
    TileFeature {
        id: None,
        geometry: geometry_to_world(g),
        properties: Properties::default(),
    }
}

fn square(min: f64, max: f64) -> Vec<(f64, f64)> {
    // Anticlockwise in lon/lat (south-west, south-east, north-east, north-west); tile y is down.
    vec![(min, max), (max, max), (max, min), (min, min), (min, max)]
}

fn encode_one(f: &TileFeature) -> Vec<u8> {
    encode_tile(
        tile(),
        &[TileLayer {
            name: "l",
            features: vec![f.into()],
        }],
    )
}

fn single_text(bytes: &[u8]) -> String {
    let t = decode(bytes);
    assert_eq!(t.layers.len(), 1);
    assert_eq!(t.layers[0].features.len(), 1);
    t.layers[0].features[0].text()
}

#[test]
fn square_with_hole_gets_tile_coordinates_and_mvt_winding() {
    let outer = square(1024.0, 3072.0);
    let hole: Vec<_> = square(1536.0, 2560.0).into_iter().rev().collect();
    for flip in [false, true] {
        let (mut o, mut h) = (outer.clone(), hole.clone());
        if flip {
            o.reverse();
            h.reverse();
        }
        let f = feature(&Polygon::new(ring(&o), vec![ring(&h)]).into());
        let t = decode(&encode_one(&f));
        let layer = &t.layers[0];
        assert_eq!(
            (layer.name.as_str(), layer.version, layer.extent),
            ("l", 2, 4096)
        );
        let feat = &layer.features[0];
        assert_eq!(feat.kind, 3);
        let parts = feat.parts();
        assert!(parts.iter().all(|p| p.closed), "rings end with ClosePath");
        assert!(
            parts[0].doubled_area() > 0,
            "exterior clockwise on screen (flip {flip})"
        );
        assert!(
            parts[1].doubled_area() < 0,
            "hole anticlockwise on screen (flip {flip})"
        );
        assert_eq!(parts[0].doubled_area(), 2 * 2048 * 2048);
        assert_eq!(parts[1].doubled_area(), -2 * 1024 * 1024);
        let mut corners = parts[0].vertices.clone();
        corners.sort_unstable();
        assert_eq!(
            corners,
            [[1024, 1024], [1024, 3072], [3072, 1024], [3072, 3072]]
        );
    }
    let f = feature(&Polygon::new(ring(&outer), vec![ring(&hole)]).into());
    assert_eq!(
        single_text(&encode_one(&f)),
        "POLYGON((1024 3072,1024 1024,3072 1024,3072 3072),\
         (1536 2560,2560 2560,2560 1536,1536 1536))"
    );
}

#[test]
fn polygon_crossing_the_edge_is_clipped_to_the_buffer() {
    let f = feature(&Polygon::new(ring(&square(2048.0, 6000.0)), vec![]).into());
    assert_eq!(
        single_text(&encode_one(&f)),
        "POLYGON((2048 4160,2048 2048,4160 2048,4160 4160))"
    );
    let huge = feature(&Polygon::new(ring(&square(-9000.0, 9000.0)), vec![]).into());
    let t = decode(&encode_one(&huge));
    let mut corners = t.layers[0].features[0].parts()[0].vertices.clone();
    corners.sort_unstable();
    assert_eq!(
        corners,
        [[-64, -64], [-64, 4160], [4160, -64], [4160, 4160]]
    );
}

#[test]
fn feature_outside_the_tile_leaves_no_layer() {
    let outside = feature(&Polygon::new(ring(&square(5000.0, 6000.0)), vec![]).into());
    assert!(encode_one(&outside).is_empty());
    let inside = feature(&Point::from(lonlat(10.0, 10.0)).into());
    let bytes = encode_tile(
        tile(),
        &[
            TileLayer {
                name: "empty",
                features: vec![(&outside).into()],
            },
            TileLayer {
                name: "kept",
                features: vec![(&outside).into(), (&inside).into()],
            },
        ],
    );
    let t = decode(&bytes);
    assert_eq!(t.layers.len(), 1);
    assert_eq!(t.layers[0].name, "kept");
    assert_eq!(t.layers[0].features.len(), 1);
}

#[test]
fn points_outside_the_buffer_are_dropped() {
    let pts: MultiPoint<f64> = [
        (-63.0, 10.0),
        (-65.0, 10.0),
        (4200.0, 4200.0),
        (4096.0, 0.0),
    ]
    .iter()
    .map(|&(x, y)| Point::from(lonlat(x, y)))
    .collect();
    assert_eq!(
        single_text(&encode_one(&feature(&pts.into()))),
        "POINT(-63 10,4096 0)"
    );
    let far = feature(&Point::from(lonlat(4161.0, 100.0)).into());
    assert!(encode_one(&far).is_empty());
}

#[test]
fn line_is_cut_where_it_leaves_the_buffer() {
    let line = ring(&[
        (100.0, 100.0),
        (5000.0, 100.0),
        (5000.0, 300.0),
        (100.0, 300.0),
    ]);
    assert_eq!(
        single_text(&encode_one(&feature(&line.into()))),
        "LINESTRING((100 100,4160 100),(4160 300,100 300))"
    );
}

#[test]
fn multipolygon_is_one_feature_with_two_exteriors() {
    let a = Polygon::new(ring(&square(0.0, 100.0)), vec![]);
    let b = Polygon::new(ring(&square(200.0, 300.0)), vec![]);
    let t = decode(&encode_one(&feature(&MultiPolygon::new(vec![a, b]).into())));
    let parts = t.layers[0].features[0].parts();
    assert_eq!(parts.len(), 2);
    assert!(parts.iter().all(|p| p.doubled_area() == 2 * 100 * 100));
}

#[test]
fn collection_is_written_as_its_first_surviving_member() {
    let gone = Geometry::Point(Point::from(lonlat(-500.0, 0.0)));
    let line: Geometry<f64> = ring(&[(0.0, 0.0), (10.0, 0.0)]).into();
    let f = feature(&Geometry::GeometryCollection(vec![gone, line].into()));
    assert_eq!(single_text(&encode_one(&f)), "LINESTRING((0 0,10 0))");
}

#[test]
fn tiny_ring_vanishes_and_collinear_vertices_are_thinned() {
    // Less than half a unit across: rounds to a point, area zero.
    let speck = feature(
        &Polygon::new(
            ring(&[(10.1, 10.1), (10.3, 10.1), (10.3, 10.3), (10.1, 10.1)]),
            vec![],
        )
        .into(),
    );
    assert!(encode_one(&speck).is_empty());
    let busy = ring(&[
        (0.0, 100.0),
        (50.0, 100.0),
        (100.0, 100.0),
        (100.0, 50.0),
        (100.0, 0.0),
        (0.0, 0.0),
        (0.0, 100.0),
    ]);
    let parts = decode(&encode_one(&feature(&Polygon::new(busy, vec![]).into()))).layers[0]
        .features[0]
        .parts();
    assert_eq!(parts[0].vertices.len(), 4);
}

#[test]
fn properties_share_keys_and_values_and_keep_their_types() {
    let props = |n: i64, name: &str| {
        vec![
            ("n".to_owned(), PropValue::Int(n)),
            ("name".to_owned(), PropValue::String(name.to_owned())),
            ("rate".to_owned(), PropValue::Double(0.25)),
            ("hot".to_owned(), PropValue::Bool(true)),
            ("share".to_owned(), PropValue::Float(0.1234)),
        ]
    };
    let geometry = geometry_to_world(&Point::from(lonlat(5.0, 5.0)).into());
    let a = TileFeature {
        id: Some(7),
        geometry: geometry.clone(),
        properties: owned_properties(props(-3, "Kambu")),
    };
    let b = TileFeature {
        id: None,
        geometry,
        properties: owned_properties(props(12, "Kambu")),
    };
    let t = decode(&encode_tile(
        tile(),
        &[TileLayer {
            name: "hex",
            features: vec![(&a).into(), (&b).into()],
        }],
    ));
    let layer = &t.layers[0];
    assert_eq!(layer.keys, ["n", "name", "rate", "hot", "share"]);
    // Shared: "Kambu", 0.25, true, 0.1234f; distinct: -3 and 12.
    assert_eq!(layer.values.len(), 6);
    let (fa, fb) = (&layer.features[0], &layer.features[1]);
    assert_eq!((fa.id, fb.id), (Some(7), None));
    assert_eq!(fa.tags[3], fb.tags[3], "same name, same value index");
    assert_ne!(fa.tags[1], fb.tags[1]);
    let pa = fa.properties(layer);
    assert_eq!(pa[0], ("n".to_owned(), Value::Sint(-3)));
    assert_eq!(pa[1], ("name".to_owned(), Value::String("Kambu".into())));
    assert_eq!(pa[2], ("rate".to_owned(), Value::Double(0.25)));
    assert_eq!(pa[3], ("hot".to_owned(), Value::Bool(true)));
    // A float_value of 32 bits, not a double.
    assert_eq!(pa[4], ("share".to_owned(), Value::Float(0.1234)));
    assert_eq!(fb.properties(layer)[0].1, Value::Uint(12));
}

/// Per layer: its name and each feature's geometry and properties.
type Contents = Vec<(String, Vec<(String, Vec<(String, Value)>)>)>;

#[test]
fn layers_sharing_property_lists_decode_as_when_encoded_apart() {
    // Three hexagons (squares) and their centre points, each pair with one list;
    // the third centre lies outside the buffer, and a fourth point has a list of
    // its own, so the second layer both copies tags and looks values up.
    let list = |n: i64| {
        owned_properties(vec![
            ("h3".to_owned(), PropValue::String(format!("cell{n}"))),
            ("children".to_owned(), PropValue::Float(n as f32)),
            ("zero".to_owned(), PropValue::Float(0.0)),
        ])
    };
    let lists: Vec<Properties> = (1..=3).map(list).collect();
    let polygons: Vec<TileFeature> = [(10.0, 20.0), (100.0, 140.0), (4000.0, 4090.0)]
        .iter()
        .zip(&lists)
        .map(|(&(a, b), p)| TileFeature {
            properties: Properties::clone(p),
            ..feature(&Polygon::new(ring(&square(a, b)), vec![]).into())
        })
        .collect();
    let mut points: Vec<TileFeature> = [(15.0, 15.0), (120.0, 120.0), (4300.0, 4300.0)]
        .iter()
        .zip(&lists)
        .map(|(&(x, y), p)| TileFeature {
            properties: Properties::clone(p),
            ..feature(&Point::from(lonlat(x, y)).into())
        })
        .collect();
    points.push(TileFeature {
        properties: list(9),
        ..feature(&Point::from(lonlat(50.0, 50.0)).into())
    });
    let layers = [
        TileLayer {
            name: "hexes",
            features: polygons.iter().map(Into::into).collect(),
        },
        TileLayer {
            name: "hex_centers",
            features: points.iter().map(Into::into).collect(),
        },
    ];
    let apart = decode(&encode_tile(tile(), &layers));
    let shared = decode(&encode_tile_shared(tile(), &layers));
    let contents = |t: &crate::tiles::decode::Tile| -> Contents {
        t.layers
            .iter()
            .map(|l| {
                let features = l
                    .features
                    .iter()
                    .map(|f| (f.text(), f.properties(l)))
                    .collect();
                (l.name.clone(), features)
            })
            .collect()
    };
    assert_eq!(contents(&shared), contents(&apart));
    assert_eq!(
        shared.layers[1].features.len(),
        3,
        "the far centre is dropped"
    );
    // The centres reuse the hexagons' indices: their own table is the union.
    assert_eq!(
        shared.layers[1].features[0].tags,
        shared.layers[0].features[0].tags
    );
    assert!(shared.layers[1].values.len() > apart.layers[1].values.len());
}
