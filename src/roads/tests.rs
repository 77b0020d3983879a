//! Round trip through the PBF writer and reader, component cutting, snapping and
//! searches on small networks whose answers are worked out by hand.

use super::osm_write::{OsmNode, OsmWay, write};
use super::*;

/// Nodes 1..=n on a line running east at latitude 0, `step` degrees apart.
fn line_nodes(n: i64, step: f64) -> Vec<OsmNode> {
    (1..=n)
        .map(|id| OsmNode {
            id,
            lonlat: [(id - 1) as f64 * step, 0.0],
        })
        .collect()
}

fn way(id: i64, refs: &[i64], tags: &[(&str, &str)]) -> OsmWay {
    OsmWay {
        id,
        refs: refs.to_vec(),
        tags: tags
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
    }
}

fn import(nodes: &[OsmNode], ways: &[OsmWay]) -> (RoadNetwork, ImportReport) {
    let dir = std::env::temp_dir().join(format!("sigap-roads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("t{}.osm.pbf", ways.len() * 1000 + nodes.len()));
    write(&path, nodes, &[], ways).expect("written");
    let out = import_pbf(&path, &Speeds::default()).expect("imported");
    let _ = std::fs::remove_file(&path);
    out
}

#[test]
fn the_reader_reads_what_the_writer_wrote_and_cuts_islands() {
    let mut nodes = line_nodes(5, 0.001);
    nodes.push(OsmNode {
        id: 9,
        lonlat: [0.0, 0.01],
    });
    nodes.push(OsmNode {
        id: 10,
        lonlat: [0.001, 0.01],
    });
    let ways = [
        way(
            1,
            &[1, 2, 3],
            &[("highway", "residential"), ("name", "Jalan A")],
        ),
        way(2, &[3, 4, 5, 77], &[("highway", "footway")]), // 77 is not in the file
        way(3, &[9, 10], &[("highway", "residential")]),   // an island
        way(4, &[1, 5], &[("highway", "construction")]),
        way(5, &[2, 9], &[("highway", "pedestrian"), ("area", "yes")]),
    ];
    let (network, report) = import(&nodes, &ways);
    assert_eq!(report.read.ways, 3);
    assert_eq!(report.read.ways_skipped, 2);
    assert_eq!(report.read.missing_nodes, 1);
    assert_eq!((report.nodes, report.segments), (7, 5));
    // The island is smaller than both the motor and the walking components.
    assert_eq!((report.kept_nodes, report.kept_segments), (5, 4));
    assert_eq!(network.osm_ids, vec![1, 2, 3, 4, 5]);
    let walk = report.modes[Mode::Walk.index()];
    assert_eq!((walk.kept_nodes, walk.other_components), (5, 1));
    let bike = report.modes[Mode::Motorbike.index()];
    assert_eq!((bike.nodes, bike.kept_nodes), (5, 3));
    assert!((network.nodes[4][0] - 0.004).abs() < 1e-12);
    let back = RoadNetwork::from_bytes(&network.to_bytes()).expect("round trip");
    assert_eq!(back, network);
}

#[test]
fn one_way_streets_send_the_return_trip_around_the_block() {
    // A square block 1-2-3-4, 2->3 one-way north; 1-2, 3-4, 4-1 two-way.
    let nodes = [
        OsmNode {
            id: 1,
            lonlat: [0.0, 0.0],
        },
        OsmNode {
            id: 2,
            lonlat: [0.001, 0.0],
        },
        OsmNode {
            id: 3,
            lonlat: [0.001, 0.001],
        },
        OsmNode {
            id: 4,
            lonlat: [0.0, 0.001],
        },
    ];
    let ways = [
        way(1, &[1, 2], &[("highway", "residential")]),
        way(2, &[2, 3], &[("highway", "residential"), ("oneway", "yes")]),
        way(3, &[3, 4, 1], &[("highway", "residential")]),
    ];
    let (network, _) = import(&nodes, &ways);
    let roads = Roads::new(network, Speeds::default());
    let side = haversine_m([0.001, 0.0], [0.001, 0.001]);
    let v = 20.0 / 3.6;
    let up = roads
        .trip(Mode::Car, [0.001, 0.0], [0.001, 0.001])
        .expect("route");
    assert!((up.secs - side / v).abs() < 1e-9, "{up:?}");
    let down = roads
        .trip(Mode::Car, [0.001, 0.001], [0.001, 0.0])
        .expect("route");
    let around = haversine_m([0.001, 0.001], [0.0, 0.001])
        + haversine_m([0.0, 0.001], [0.0, 0.0])
        + haversine_m([0.0, 0.0], [0.001, 0.0]);
    assert!((down.secs - around / v).abs() < 1e-9, "{down:?}");
    assert_eq!(down.path.len(), 4, "{:?}", down.path);
    // On foot the one-way street is two-way.
    let walk = roads
        .trip(Mode::Walk, [0.001, 0.001], [0.001, 0.0])
        .expect("route");
    assert!((walk.secs - side / (4.5 / 3.6)).abs() < 1e-9);
    // Halfway along the one-way street to its end: straight along it going north,
    // around the block going south.
    let mid = [0.001, 0.0005];
    let north = roads.trip(Mode::Car, mid, [0.001, 0.001]).expect("route");
    assert!((north.secs - side / 2.0 / v).abs() < 1e-6, "{north:?}");
    let south = roads.trip(Mode::Car, mid, [0.001, 0.0]).expect("route");
    assert!(
        (south.secs - (side / 2.0 + around) / v).abs() < 1e-6,
        "{south:?}"
    );
}

#[test]
fn off_road_walking_and_nearest_target() {
    let nodes = line_nodes(11, 0.001);
    let ways = [way(
        1,
        &(1..=11).collect::<Vec<_>>(),
        &[("highway", "primary")],
    )];
    let (network, _) = import(&nodes, &ways);
    let roads = Roads::new(network, Speeds::default());
    // 0.0005 degrees north of node 3: walk down, ride east to node 8.
    let from = [0.002, 0.0005];
    let to = [0.007, 0.0];
    let trip = roads.trip(Mode::Motorbike, from, to).expect("route");
    let off = trip.offroad_m;
    assert!((off - 55.287).abs() < 0.1, "{off}");
    let ride = haversine_m([0.002, 0.0], to);
    let want = off / (DEFAULT_OFFROAD_KMH_TEST / 3.6) + ride / (40.0 / 3.6);
    assert!((trip.secs - want).abs() < 1e-3, "{} vs {want}", trip.secs);
    // The nearest of two targets is the one the single trips call nearest.
    let targets = [[0.0, 0.0], [0.009, 0.0001]];
    let points = [[0.002, 0.0005], [0.006, -0.0002], [0.0095, 0.0]];
    let catchment = roads.catchment(Mode::Motorbike, &targets);
    let nearest: Vec<_> = points.iter().map(|p| catchment.from(*p)).collect();
    for (p, got) in points.iter().zip(&nearest) {
        let best = targets
            .iter()
            .filter_map(|t| roads.trip(Mode::Motorbike, *p, *t))
            .map(|t| t.secs)
            .fold(f64::INFINITY, f64::min);
        let (secs, _) = got.expect("reached");
        assert!((secs - best).abs() < 1e-9, "{p:?}: {secs} vs {best}");
    }
    let m = roads.matrix(Mode::Motorbike, &points);
    for (i, row) in m.iter().enumerate() {
        for (j, secs) in row.iter().enumerate() {
            let want = if i == j {
                0.0
            } else {
                roads
                    .trip(Mode::Motorbike, points[i], points[j])
                    .expect("route")
                    .secs
            };
            assert!((secs - want).abs() < 1e-9, "{i}->{j}: {secs} vs {want}");
        }
    }
}

const DEFAULT_OFFROAD_KMH_TEST: f64 = profile::DEFAULT_OFFROAD_KMH;
