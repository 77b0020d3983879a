//! Checks on the demo files as written, read back with readers we did not write
//! (csv, geojson, geo), the way an importer will see them.

use super::*;
use chrono::{Datelike, NaiveDate};
use geo::{
    Area, BooleanOps, BoundingRect, Contains, Distance, Haversine, Intersects, Point, Polygon,
    Rect, Winding,
};
use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

fn temp_out(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("sigap-demo-test-{}-{tag}", std::process::id()))
}

/// The default-seed city as written: the summary and each file's text. It is
/// written once per test run, read into memory and its folder removed.
struct Written {
    summary: DemoSummary,
    files: HashMap<&'static str, String>,
}

const FILES: [&str; 5] = [
    "villages.geojson",
    "households.csv",
    "children.csv",
    "facilities.csv",
    "README.txt",
];

fn written() -> &'static Written {
    static WRITTEN: OnceLock<Written> = OnceLock::new();
    WRITTEN.get_or_init(|| {
        let dir = temp_out("shared");
        let summary = write_demo(&dir, DEFAULT_SEED).expect("demo writes");
        let files = FILES
            .iter()
            .map(|&name| {
                let text = std::fs::read_to_string(dir.join(name)).expect("file reads");
                (name, text)
            })
            .collect();
        let _ = std::fs::remove_dir_all(&dir);
        Written { summary, files }
    })
}

fn file(name: &str) -> &'static str {
    &written().files[name]
}

fn read_csv(name: &str) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut r = csv::Reader::from_reader(file(name).as_bytes());
    let header = r
        .headers()
        .expect("header")
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = r
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("rows parse");
    (header, rows)
}

struct Village {
    code: String,
    district: String,
    synthetic: bool,
    polygon: Polygon<f64>,
    bbox: Rect<f64>,
}

fn villages() -> Vec<Village> {
    let text = file("villages.geojson");
    let fc: geojson::FeatureCollection = text.parse().expect("valid GeoJSON FeatureCollection");
    fc.features
        .iter()
        .map(|f| {
            let prop = |k: &str| {
                f.properties
                    .as_ref()
                    .and_then(|p| p.get(k))
                    .cloned()
                    .expect("property")
            };
            let geometry = f.geometry.as_ref().expect("geometry");
            let polygon = Polygon::<f64>::try_from(&geometry.value).expect("a Polygon");
            Village {
                code: prop("code").as_str().expect("code is a string").to_owned(),
                district: prop("district")
                    .as_str()
                    .expect("district is a string")
                    .to_owned(),
                synthetic: prop("synthetic_boundary").as_bool().expect("bool"),
                bbox: polygon.bounding_rect().expect("non-empty"),
                polygon,
            }
        })
        .collect()
}

fn lat_lon(row: &csv::StringRecord) -> Point<f64> {
    let lat: f64 = row[1].parse().expect("lat");
    let lon: f64 = row[2].parse().expect("lon");
    Point::new(lon, lat)
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("YYYY-MM-DD")
}

#[test]
fn same_seed_gives_identical_files_and_another_seed_does_not() {
    let (a, b, c) = (temp_out("det-a"), temp_out("det-b"), temp_out("det-c"));
    let sa = write_demo(&a, DEFAULT_SEED).expect("first run");
    let sb = write_demo(&b, DEFAULT_SEED).expect("second run");
    write_demo(&c, DEFAULT_SEED + 1).expect("other seed");
    assert_eq!(sa, sb);
    for name in FILES {
        let fa = std::fs::read(a.join(name)).expect("read a");
        let fb = std::fs::read(b.join(name)).expect("read b");
        assert!(fa == fb, "{name} differs between two runs of the same seed");
    }
    let children_a = std::fs::read(a.join("children.csv")).expect("read a");
    let children_c = std::fs::read(c.join("children.csv")).expect("read c");
    assert_ne!(
        children_a, children_c,
        "the seed does not change the children"
    );
    for dir in [a, b, c] {
        let _ = std::fs::remove_dir_all(dir);
    }
}

#[test]
fn counts_match_kendari_scale_and_the_summary() {
    let summary = written().summary;
    let (h_header, households) = read_csv("households.csv");
    let (c_header, children) = read_csv("children.csv");
    let (f_header, facilities) = read_csv("facilities.csv");
    assert_eq!(
        h_header,
        [
            "id",
            "lat",
            "lon",
            "has_latrine",
            "safe_water",
            "improved_sanitation",
            "unfit_housing",
            "four_t",
            "catin",
            "bumil",
            "bufas",
            "baduta",
            "balita",
            "name",
            "address",
            "dusun",
            "rt",
            "rw"
        ]
    );
    assert_eq!(
        c_header,
        [
            "id",
            "lat",
            "lon",
            "sex",
            "birth_date",
            "measure_date",
            "height_cm",
            "haz",
            "name",
            "parent_name",
            "address",
            "dusun",
            "rt",
            "rw",
            "posyandu"
        ]
    );
    assert_eq!(f_header, ["id", "name", "kind", "lat", "lon"]);

    assert_eq!(villages().len(), 65);
    let haz: Vec<f64> = children
        .iter()
        .map(|r| r[7].parse().expect("haz"))
        .collect();
    let stunted = haz.iter().filter(|&&z| z < -2.0).count();
    let severe = haz.iter().filter(|&&z| z < -3.0).count();
    assert_eq!(stunted, 462);
    let share = severe as f64 / stunted as f64;
    assert!((0.15..=0.30).contains(&share), "severe share {share}");
    assert!(
        (24_000..=26_000).contains(&children.len()),
        "{} children",
        children.len()
    );
    assert!(
        (85_000..=95_000).contains(&households.len()),
        "{} households",
        households.len()
    );
    let kind = |k: &str| facilities.iter().filter(|r| &r[2] == k).count();
    assert_eq!(kind("puskesmas"), 15);
    assert!((25..=35).contains(&kind("pustu")));
    assert!(
        (130..=170).contains(&kind("posyandu")),
        "{} posyandu",
        kind("posyandu")
    );
    assert_eq!(
        kind("puskesmas") + kind("pustu") + kind("posyandu"),
        facilities.len()
    );

    assert_eq!(summary.villages, 65);
    assert_eq!(
        (summary.children, summary.stunted, summary.severely_stunted),
        (children.len(), stunted, severe)
    );
    assert_eq!(summary.households, households.len());
    assert_eq!(
        (summary.puskesmas, summary.pustu, summary.posyandu),
        (15, kind("pustu"), kind("posyandu"))
    );
    let readme = file("README.txt");
    assert!(readme.starts_with("SYNTHETIC DATA") && readme.contains("462 stunted"));
    let per_home = summary.people as f64 / summary.households as f64;
    assert!(
        (3.7..=4.1).contains(&per_home),
        "{per_home} people per household"
    );
}

#[test]
fn haz_values_respect_the_classes_and_the_written_heights() {
    let (_, children) = read_csv("children.csv");
    for r in &children {
        let haz: f64 = r[7].parse().expect("haz");
        assert!((-5.5..=3.0).contains(&haz), "haz {haz}");
        assert!(
            !(-2.0..-1.99).contains(&haz),
            "non-stunted haz below -1.99: {haz}"
        );
        let sex = if &r[3] == "M" {
            crate::model::Sex::Male
        } else {
            crate::model::Sex::Female
        };
        let age = (date(&r[5]) - date(&r[4])).num_days() as u32;
        let height: f64 = r[6].parse().expect("height");
        let z = growth::z_for_height(sex, age, height);
        assert!(
            (z - haz).abs() <= 0.006,
            "{}: height {height} gives z {z}, written {haz}",
            &r[0]
        );
    }
}

/// Index of every village whose polygon contains `p`.
fn containing(villages: &[Village], p: Point<f64>) -> Vec<usize> {
    villages
        .iter()
        .enumerate()
        .filter(|(_, v)| v.bbox.contains(&p) && v.polygon.contains(&p))
        .map(|(i, _)| i)
        .collect()
}

#[test]
fn every_home_and_child_is_in_exactly_one_village() {
    let villages = villages();
    for name in ["households.csv", "children.csv"] {
        let (_, rows) = read_csv(name);
        for r in &rows {
            let inside = containing(&villages, lat_lon(r));
            assert_eq!(
                inside.len(),
                1,
                "{name} {} is in villages {inside:?}",
                &r[0]
            );
        }
    }
}

#[test]
fn villages_tile_the_outline_and_hold_their_centres() {
    let villages = villages();
    let outline = city_outline().expect("outline");
    let city = city::City::build().expect("city");
    let places = places::kendari(&city.frame).expect("places");
    let mut total = 0.0;
    for (v, place) in villages.iter().zip(&places) {
        assert_eq!(v.code, place.code);
        assert_eq!(v.district, place.district);
        assert!(v.synthetic);
        let ring = v.polygon.exterior();
        assert!(
            ring.is_closed() && ring.is_ccw(),
            "{} ring not closed and counter-clockwise",
            v.code
        );
        assert!(
            v.polygon.contains(&Point::from(place.lonlat)),
            "{} does not hold its centre",
            v.code
        );
        total += v.polygon.unsigned_area();
    }
    let outline_area = outline.unsigned_area();
    assert!(
        (total - outline_area).abs() < 1e-6 * outline_area,
        "cells {total} vs outline {outline_area}"
    );
    for (i, a) in villages.iter().enumerate() {
        for b in &villages[i + 1..] {
            if a.bbox.intersects(&b.bbox) {
                let overlap = a.polygon.intersection(&b.polygon).unsigned_area();
                let smaller = a.polygon.unsigned_area().min(b.polygon.unsigned_area());
                assert!(
                    overlap < 1e-9 * smaller,
                    "{} and {} overlap by {overlap}",
                    a.code,
                    b.code
                );
            }
        }
    }
    // The city spans Kendari: roughly lon 122.44-122.66, lat -4.07 to -3.91.
    let bbox = outline.bounding_rect().expect("outline bbox");
    assert!(bbox.min().x > 122.40 && bbox.max().x < 122.70, "{bbox:?}");
    assert!(bbox.min().y > -4.10 && bbox.max().y < -3.88, "{bbox:?}");
}

#[test]
fn neighbouring_villages_share_their_borders_exactly() {
    // Checked on the polygons in memory, bit for bit: a JSON reader may round two
    // nearly equal decimal numbers to the same float and hide a difference. Equal
    // floats are written as equal text, so the files inherit the property.
    let city = city::City::build().expect("city");
    let outline = city.outline_polygon();
    let key = |c: geo::Coord<f64>| [c.x.to_bits(), c.y.to_bits()];
    let edges: HashSet<[[u64; 2]; 2]> = city
        .villages
        .iter()
        .flat_map(|v| {
            v.polygon
                .exterior()
                .lines()
                .map(|l| [key(l.start), key(l.end)])
        })
        .collect();
    // Vertices are rounded to 1e-7 degrees, so a vertex cut on an outline edge may sit
    // that far off it.
    let on_outline =
        |c: geo::Coord<f64>| geo::Euclidean.distance(&Point::from(c), outline.exterior()) < 2e-7;
    for v in &city.villages {
        for l in v.polygon.exterior().lines() {
            let twin = edges.contains(&[key(l.end), key(l.start)]);
            assert!(
                twin || (on_outline(l.start) && on_outline(l.end)),
                "{}: edge {l:?} has no identical twin in a neighbour and is not on the outline",
                v.code,
            );
        }
    }
}

#[test]
fn stunting_is_more_common_without_a_latrine() {
    let (_, households) = read_csv("households.csv");
    let (_, children) = read_csv("children.csv");
    let latrine: HashMap<(&str, &str), bool> = households
        .iter()
        .map(|r| ((&r[1], &r[2]), &r[3] == "true"))
        .collect();
    assert_eq!(
        latrine.len(),
        households.len(),
        "two households share a position"
    );
    // [with latrine, without] x [children, stunted]
    let mut counts = [[0u32; 2]; 2];
    for r in &children {
        let has = *latrine
            .get(&(&r[1], &r[2]))
            .expect("child lives in a household");
        let haz: f64 = r[7].parse().expect("haz");
        let group = usize::from(!has);
        counts[group][0] += 1;
        counts[group][1] += u32::from(haz < -2.0);
    }
    let rate = |g: [u32; 2]| f64::from(g[1]) / f64::from(g[0]);
    let (with, without) = (rate(counts[0]), rate(counts[1]));
    assert!(
        without >= 2.0 * with,
        "stunting {without:.4} without latrine vs {with:.4} with"
    );
}

#[test]
fn sanitation_gaps_cluster_around_the_pockets() {
    let (_, households) = read_csv("households.csv");
    let villages = villages();
    let pockets: Vec<Point<f64>> = households::POCKETS
        .iter()
        .map(|(code, _)| {
            let v = villages
                .iter()
                .find(|v| v.code == *code)
                .expect("pocket village");
            geo::Centroid::centroid(&v.polygon).expect("centroid")
        })
        .collect();
    // [near (< 1 km), far (> 4 km)] x [homes, without latrine, without safe water]
    let mut counts = [[0u32; 3]; 2];
    for r in &households {
        let p = lat_lon(r);
        let d = pockets
            .iter()
            .map(|&c| Haversine.distance(c, p))
            .fold(f64::INFINITY, f64::min);
        let group = if d < 1_000.0 {
            0
        } else if d > 4_000.0 {
            1
        } else {
            continue;
        };
        counts[group][0] += 1;
        counts[group][1] += u32::from(&r[3] == "false");
        counts[group][2] += u32::from(&r[4] == "false");
    }
    for gap in [1, 2] {
        let near = f64::from(counts[0][gap]) / f64::from(counts[0][0]);
        let far = f64::from(counts[1][gap]) / f64::from(counts[1][0]);
        assert!(
            near >= 3.0 * far && far < 0.12,
            "gap {gap}: near {near:.3}, far {far:.3}"
        );
    }
}

#[test]
fn ages_are_under_five_and_measures_in_august_2026() {
    let (_, children) = read_csv("children.csv");
    for r in &children {
        let (birth, measure) = (date(&r[4]), date(&r[5]));
        assert_eq!((measure.year(), measure.month()), (2026, 8), "{}", &r[0]);
        let days = (measure - birth).num_days();
        assert!(days >= 0, "{} measured before birth", &r[0]);
        assert!(days as f64 / 30.4375 < 60.0, "{} is {days} days old", &r[0]);
        let calendar_months = (measure.year() - birth.year()) * 12 + measure.month() as i32
            - birth.month() as i32
            - i32::from(measure.day() < birth.day());
        assert!(
            (0..60).contains(&calendar_months),
            "{} is {calendar_months} months old",
            &r[0]
        );
    }
}

#[test]
fn identifiers_are_unique_and_shaped_like_nik_and_kk() {
    let (_, households) = read_csv("households.csv");
    let (_, children) = read_csv("children.csv");
    let districts: HashSet<String> = villages().iter().map(|v| v.code[..6].to_owned()).collect();
    let digits16 = |s: &str| s.len() == 16 && s.bytes().all(|b| b.is_ascii_digit());
    let mut seen = HashSet::new();
    for r in &households {
        assert!(
            digits16(&r[0]) && r[0].starts_with("7471"),
            "household id {}",
            &r[0]
        );
        assert!(
            seen.insert(r[0].to_owned()),
            "duplicate household id {}",
            &r[0]
        );
    }
    seen.clear();
    for r in &children {
        let id = &r[0];
        assert!(
            digits16(id) && districts.contains(&id[..6]),
            "child id {id}"
        );
        assert!(seen.insert(id.to_owned()), "duplicate child id {id}");
        let birth = date(&r[4]);
        let day: u32 = id[6..8].parse().expect("day");
        let expected_day = birth.day() + if &r[3] == "F" { 40 } else { 0 };
        assert_eq!(
            day, expected_day,
            "{id} day does not encode sex {} and birth {birth}",
            &r[3]
        );
        assert_eq!(
            &id[8..12],
            birth.format("%m%y").to_string(),
            "{id} vs birth {birth}"
        );
    }
}

#[test]
fn facilities_lie_in_the_city_and_some_pockets_are_far_from_a_puskesmas() {
    let (_, facilities) = read_csv("facilities.csv");
    let outline = city_outline().expect("outline");
    let mut ids = HashSet::new();
    for r in &facilities {
        assert!(
            outline.contains(&Point::new(
                r[4].parse().expect("lon"),
                r[3].parse().expect("lat")
            )),
            "{}",
            &r[0]
        );
        assert!(
            ids.insert(r[0].to_owned()),
            "duplicate facility id {}",
            &r[0]
        );
        let prefix = match &r[2] {
            "puskesmas" => "PKM-",
            "pustu" => "PST-",
            _ => "PSY-",
        };
        assert!(r[0].starts_with(prefix));
    }
    let puskesmas: Vec<Point<f64>> = facilities
        .iter()
        .filter(|r| &r[2] == "puskesmas")
        .map(|r| Point::new(r[4].parse().expect("lon"), r[3].parse().expect("lat")))
        .collect();
    let city = city::City::build().expect("city");
    let far = households::POCKETS
        .iter()
        .filter(|(code, _)| {
            let v = city.village_index(code).expect("pocket");
            let centre = Point::from(city.frame.to_lonlat(city.villages[v].centre));
            let nearest = puskesmas
                .iter()
                .map(|&p| Haversine.distance(p, centre))
                .fold(f64::INFINITY, f64::min);
            (5_000.0..=8_000.0).contains(&nearest)
        })
        .count();
    assert!(far >= 2, "only {far} pockets are 5-8 km from a puskesmas");
}

/// The demo's water (bay and sea) as WGS84 polygons, from the land it writes.
fn water() -> Vec<(String, Polygon<f64>)> {
    let city = city::City::build().expect("city");
    let land = land::generate(&city, &mut Rng::new(DEFAULT_SEED, STREAM_LAND), 0, 0);
    let at: HashMap<i64, [f64; 2]> = land.nodes.iter().map(|n| (n.id, n.lonlat)).collect();
    land.ways
        .iter()
        .filter(|w| w.tags.iter().any(|(k, v)| k == "natural" && v == "water"))
        .map(|w| {
            let name = w
                .tags
                .iter()
                .find(|(k, _)| k == "name")
                .expect("named")
                .1
                .clone();
            let ring: Vec<[f64; 2]> = w.refs.iter().map(|r| at[r]).collect();
            (name, Polygon::new(geo::LineString::from(ring), vec![]))
        })
        .collect()
}

#[test]
fn no_home_facility_or_village_centre_is_in_the_water() {
    use geo::Validation;
    let water = water();
    let names: Vec<&str> = water.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["Teluk Kendari", "Laut Banda"]);
    for (name, poly) in &water {
        assert!(poly.is_valid(), "{name}: {:?}", poly.validation_errors());
        assert!(poly.unsigned_area() > 0.0, "{name}");
    }
    // The sea lies beyond the city's outline, touching no kelurahan.
    let outline = city_outline().expect("outline");
    assert!(
        !water[1].1.intersects(&outline),
        "the sea crosses the city outline"
    );
    assert!(water[0].1.intersects(&outline), "the bay is in the city");
    for name in ["households.csv", "facilities.csv"] {
        let (header, rows) = read_csv(name);
        let col = |c: &str| header.iter().position(|h| h == c).expect(c);
        let (lat, lon) = (col("lat"), col("lon"));
        for row in &rows {
            let p = Point::new(
                row[lon].parse::<f64>().expect("lon"),
                row[lat].parse::<f64>().expect("lat"),
            );
            assert!(
                !water.iter().any(|(_, w)| w.contains(&p)),
                "{name}: {:?} is in the water",
                &row[0]
            );
        }
    }
}
