//! The area weighting against hand-computed halves and exact polygon intersection
//! (geo's boolean operations), sums kept whole, and whole imports of rasters written
//! with GDAL itself.

use super::split::{Footprint, MAX_SUBDIVISION, Splitter, Subdivision, Sums, overlaps};
use super::{PopulationError, PopulationOptions, import_population};
use crate::index::VillageIndex;
use crate::index::hex::{RESOLUTIONS, cell_of};
use crate::model::Village;
use crate::store::{LayerRows, Store};
use ::gdal::DriverManager;
use ::gdal::raster::Buffer;
use ::gdal::spatial_ref::SpatialRef;
use geo::{Area, BooleanOps, Coord, LineString, MultiPolygon, Polygon, Rect, polygon};
use h3o::{LatLng, Resolution};
use std::collections::HashMap;
use std::path::PathBuf;

fn square(code: &str, x0: f64, y0: f64, size: f64) -> Village {
    Village {
        code: code.into(),
        name: code.into(),
        district: "d".into(),
        boundary: MultiPolygon(vec![polygon![
            (x: x0, y: y0), (x: x0 + size, y: y0), (x: x0 + size, y: y0 + size),
            (x: x0, y: y0 + size), (x: x0, y: y0)
        ]]),
    }
}

/// An axis-aligned pixel `[x0, x1] × [y0, y1]` (degrees), top-left first.
fn pixel(x0: f64, y0: f64, x1: f64, y1: f64) -> Footprint {
    let c = |x, y| Coord { x, y };
    Footprint {
        corners: [c(x0, y1), c(x1, y1), c(x1, y0), c(x0, y0)],
    }
}

/// Two 0.01° villages side by side near Kendari: A (smaller code) west of 122.51°E,
/// B east of it.
fn two_villages() -> Vec<Village> {
    vec![
        square("7471010001", 122.50, -4.00, 0.01),
        square("7471010002", 122.51, -4.00, 0.01),
    ]
}

fn world() -> Rect<f64> {
    Rect::new((-180.0, -90.0), (180.0, 90.0))
}

/// Deterministic xorshift so the tests need no RNG crate.
fn rng(state: &mut u64) -> f64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    (*state >> 11) as f64 / (1u64 << 53) as f64
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn subdivision_follows_the_rule() {
    // 100 m pixels: ceil(100 · 4 / edge_r) = 1, 1, 1, 1, 2, 6 for resolutions 5..10.
    let s = Subdivision::for_pixel_edge(100.0);
    assert_eq!(s.cells, [1, 1, 1, 1, 2, 6]);
    assert_eq!(s.villages, 6);
    assert!(!s.capped);
    for (res, n) in RESOLUTIONS.iter().zip(s.cells) {
        let sub = 100.0 / f64::from(n);
        assert!(sub <= res.edge_length_m() / 4.0, "{res}: {sub} m");
    }
    let coarse = Subdivision::for_pixel_edge(10_000.0);
    assert_eq!(coarse.cells[5], MAX_SUBDIVISION);
    assert!(coarse.capped);
    assert_eq!(Subdivision::for_pixel_edge(0.0).cells, [1; 6]);
    assert_eq!(Subdivision::for_pixel_edge(f64::NAN).cells, [1; 6]);
}

#[test]
fn pixel_edges_in_metres() {
    // 0.001° of longitude at the equator is 111.195 m (mean radius); at 60° half that.
    let eq = pixel(0.0, 0.0, 0.001, 0.001).longest_edge_m();
    assert!(close(eq, 111.195, 0.01), "{eq}");
    let north = pixel(10.0, 60.0, 10.002, 60.0005).longest_edge_m();
    assert!(close(north, 111.195, 0.05), "{north}");
}

#[test]
fn a_pixel_straddling_two_villages_splits_in_halves() {
    let villages = two_villages();
    // Centred on the shared border x = 122.51, well inside both in y.
    let px = pixel(122.505, -3.996, 122.515, -3.994);
    for n in [2, 4, 10] {
        let splitter = Splitter::new(&villages, Subdivision::uniform(n), world());
        let mut sums = Sums::new(2);
        splitter.add(&mut sums, &px, Some(10.0));
        assert_eq!(sums.villages, vec![5.0, 5.0], "n = {n}");
        assert!(close(sums.outside, 0.0, 0.0) && close(sums.total, 10.0, 0.0));
    }
    // Odd n puts a column of centres on the border: it goes to the smaller code, as
    // children and households on a border do.
    let splitter = Splitter::new(&villages, Subdivision::uniform(3), world());
    let mut sums = Sums::new(2);
    splitter.add(&mut sums, &px, Some(9.0));
    assert!(close(sums.villages[0], 6.0, 1e-12), "{:?}", sums.villages);
    assert!(close(sums.villages[1], 3.0, 1e-12), "{:?}", sums.villages);
}

#[test]
fn a_pixel_half_outside_puts_half_outside() {
    let villages = two_villages();
    // East edge of B is x = 122.52.
    let px = pixel(122.515, -3.996, 122.525, -3.994);
    let splitter = Splitter::new(&villages, Subdivision::uniform(6), world());
    let mut sums = Sums::new(2);
    splitter.add(&mut sums, &px, Some(3.0));
    assert_eq!(sums.villages, vec![0.0, 1.5]);
    assert!(close(sums.outside, 1.5, 0.0) && close(sums.beyond, 0.0, 0.0));
    // Wholly beyond the extent: outside, and in no cell.
    let splitter = Splitter::new(
        &villages,
        Subdivision::uniform(6),
        Rect::new((122.5, -4.0), (122.52, -3.99)),
    );
    let mut sums = Sums::new(2);
    splitter.add(&mut sums, &pixel(122.6, -3.9, 122.61, -3.89), Some(3.0));
    assert_eq!((sums.outside, sums.beyond, sums.total), (3.0, 3.0, 3.0));
    assert!(sums.cells.iter().all(HashMap::is_empty));
}

#[test]
fn nodata_and_negative_values_are_skipped_and_counted() {
    let villages = two_villages();
    let splitter = Splitter::new(&villages, Subdivision::uniform(2), world());
    let px = pixel(122.501, -3.999, 122.502, -3.998);
    let mut sums = Sums::new(2);
    for v in [None, Some(-1.0), Some(4.0), Some(0.0), None] {
        splitter.add(&mut sums, &px, v);
    }
    assert_eq!((sums.valid, sums.nodata, sums.negative), (2, 2, 1));
    assert!(close(sums.total, 4.0, 0.0) && close(sums.villages[0], 4.0, 0.0));
}

/// The whole-pixel shortcut gives what sampling every sub-pixel with the village
/// index gives, on a grid of villages with pixels snapped onto their borders.
#[test]
fn village_shortcut_equals_sampling() {
    let mut villages = Vec::new();
    for i in 0..4 {
        for j in 0..4 {
            let code = format!("74710{i}{j}000");
            let x = 122.40 + f64::from(i) * 0.02;
            villages.push(square(&code, x, -4.0 + f64::from(j) * 0.02, 0.02));
        }
    }
    let subdivisions = 5;
    let splitter = Splitter::new(&villages, Subdivision::uniform(subdivisions), world());
    let index = VillageIndex::new(&villages);
    let mut s = 0x5eed_u64;
    for _ in 0..400 {
        let size = 0.002 + rng(&mut s) * 0.01;
        let mut x = 122.39 + rng(&mut s) * 0.1;
        let mut y = -4.01 + rng(&mut s) * 0.1;
        if rng(&mut s) < 0.3 {
            x = (x * 50.0).round() / 50.0;
            y = (y * 50.0).round() / 50.0;
        }
        let px = pixel(x, y, x + size, y + size);
        let mut got = Sums::new(villages.len());
        splitter.split(&mut got, &px, 1.0);
        let mut want = vec![0.0; villages.len()];
        let mut outside = 0.0;
        for row in 0..subdivisions {
            for col in 0..subdivisions {
                match index.locate(px.sample(subdivisions, col, row)) {
                    Some(v) => want[v] += 1.0 / 25.0,
                    None => outside += 1.0 / 25.0,
                }
            }
        }
        for (g, w) in got.villages.iter().zip(&want) {
            assert!(
                close(*g, *w, 1e-9),
                "{px:?}: {:?} vs {want:?}",
                got.villages
            );
        }
        assert!(close(got.outside, outside, 1e-9), "{px:?}");
    }
}

/// Sampled shares against exact intersection areas of the pixel with each H3 cell.
#[test]
fn cell_shares_match_exact_intersection_areas() {
    let res = Resolution::Ten;
    let n = 40;
    let villages = two_villages();
    let splitter = Splitter::new(&villages, Subdivision::uniform(n), world());
    let mut s = 0xfeed_u64;
    for _ in 0..20 {
        // About 200 m pixels: each meets several resolution-10 cells.
        let (x, y) = (122.5 + rng(&mut s) * 0.05, -4.0 + rng(&mut s) * 0.05);
        let px = pixel(x, y, x + 0.0018, y + 0.0018);
        let mut sums = Sums::new(villages.len());
        splitter.split(&mut sums, &px, 1.0);
        let sampled = &sums.cells[5];
        let square = Polygon::new(LineString::from(px.corners.to_vec()), vec![]);
        let area = square.unsigned_area();
        // Every cell that may meet the pixel: those sampled and their neighbours
        // (a sliver thinner than a sub-pixel gets no sample).
        let mut candidates: Vec<h3o::CellIndex> = sampled
            .keys()
            .flat_map(|c| c.grid_disk::<Vec<_>>(1))
            .collect();
        candidates.sort_unstable();
        candidates.dedup();
        let mut exact_total = 0.0;
        let mut worst: f64 = 0.0;
        for cell in candidates {
            let ring: LineString<f64> = cell
                .boundary()
                .iter()
                .map(|ll| Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                })
                .collect();
            let hex = Polygon::new(ring, vec![]);
            let exact = square.intersection(&hex).unsigned_area() / area;
            exact_total += exact;
            let share = sampled.get(&cell).copied().unwrap_or(0.0);
            worst = worst.max((share - exact).abs());
            // Sampling misplaces part of the sub-pixels a cell border crosses, and the
            // errors along a border mostly cancel: well under 1/4 of a sub-pixel row
            // (0.07/n seen here).
            assert!(
                close(share, exact, 0.25 / f64::from(n)),
                "{cell}: sampled {share}, exact {exact}"
            );
        }
        assert!(
            close(exact_total, 1.0, 1e-6),
            "the cells cover the pixel: {exact_total}"
        );
        assert!(worst > 0.0, "sampling is not exact, so the bound is tested");
        assert!(sampled.keys().all(|c| c.resolution() == res));
    }
}

#[test]
fn sums_are_preserved_at_every_resolution() {
    let villages = two_villages();
    let extent = Rect::new((122.49, -4.01), (122.53, -3.98));
    let splitter = Splitter::new(&villages, Subdivision::for_pixel_edge(300.0), extent);
    let mut s = 7_u64;
    let mut sums = Sums::new(2);
    let mut total = 0.0;
    for _ in 0..300 {
        let (x, y) = (122.48 + rng(&mut s) * 0.06, -4.02 + rng(&mut s) * 0.05);
        let v = (rng(&mut s) * 50.0).floor();
        total += v;
        let px = pixel(x, y, x + 0.0027, y + 0.0027);
        let mut part = Sums::new(2);
        splitter.add(&mut part, &px, Some(v));
        sums.merge(part);
    }
    assert!(close(sums.total, total, 1e-9));
    assert!(sums.beyond > 0.0 && sums.outside > sums.beyond, "{sums:?}");
    let villages_sum: f64 = sums.villages.iter().sum();
    assert!(close(villages_sum + sums.outside, total, 1e-9));
    for cells in &sums.cells {
        let in_cells: f64 = cells.values().sum();
        assert!(
            close(in_cells + sums.beyond, total, 1e-9),
            "{in_cells} {total}"
        );
    }
    // Every cell is the cell of some sub-pixel at its own resolution.
    let (x, y) = (122.5, -3.995);
    let one = cell_of(geo::Point::new(x, y), Resolution::Seven);
    assert!(one.is_some_and(|c| c.resolution() == Resolution::Seven));
    assert!(overlaps(
        &extent,
        &Rect::new((122.53, -3.98), (123.0, -3.0))
    ));
}

// ---- whole imports, rasters written with GDAL -------------------------------------

/// Writes a one-band Float64 GeoTIFF; `geo` is `(geotransform, EPSG code)`.
fn geotiff(
    name: &str,
    size: (usize, usize),
    data: Vec<f64>,
    geo: Option<([f64; 6], u32)>,
    nodata: Option<f64>,
) -> PathBuf {
    let path = std::env::temp_dir().join(format!("sigap-pop-{}-{name}.tif", std::process::id()));
    let driver = DriverManager::get_driver_by_name("GTiff").expect("GTiff driver");
    let mut ds = driver
        .create_with_band_type::<f64, _>(&path, size.0, size.1, 1)
        .expect("create");
    if let Some((gt, epsg)) = geo {
        ds.set_geo_transform(&gt).expect("geotransform");
        ds.set_spatial_ref(&SpatialRef::from_epsg(epsg).expect("srs"))
            .expect("set srs");
    }
    let mut band = ds.rasterband(1).expect("band");
    band.set_no_data_value(nodata).expect("nodata");
    let mut buf = Buffer::new(size, data);
    band.write((0, 0), size, &mut buf).expect("write");
    path
}

fn store_with(villages: Vec<Village>) -> Store {
    let mut store = Store::open_in_memory().expect("store");
    store
        .write_layer(&LayerRows::Villages(villages), false)
        .expect("villages");
    store
}

#[test]
fn utm_raster_sums_into_villages_cells_and_the_store() {
    // 6 × 4 pixels of 250 m in UTM 51S around the two villages (122.50-122.52°E).
    let r = crate::ingest::crs::Reprojector::to_wgs84("EPSG:32751").expect("proj");
    let (lon, lat) = r.transform(444_000.0, 9_558_000.0).expect("transform");
    assert!(
        (122.49..122.51).contains(&lon) && (-4.01..-3.99).contains(&lat),
        "{lon} {lat}"
    );
    let gt = [444_000.0, 250.0, 0.0, 9_558_500.0, 0.0, -250.0];
    let mut data: Vec<f64> = (0..24).map(f64::from).collect();
    data[3] = -9999.0; // nodata
    data[7] = -2.0; // negative
    let total: f64 = data.iter().filter(|v| **v >= 0.0).sum();
    let path = geotiff("utm", (6, 4), data, Some((gt, 32751)), Some(-9999.0));
    let mut store = store_with(two_villages());
    let before = store.revision().expect("revision");
    let s = import_population(&mut store, &path, &PopulationOptions::default()).expect("import");
    assert_eq!(s.crs, "EPSG:32751");
    assert_eq!((s.valid, s.nodata, s.negative), (22, 1, 1));
    assert!(close(s.totals.total, total, 1e-9));
    assert_eq!(s.revision, Some(before + 1));
    let pop = store.population().expect("load").expect("population");
    assert_eq!(pop.totals, s.totals);
    let in_villages: f64 = pop.villages.values().sum();
    assert!(close(in_villages + pop.totals.outside, total, 1e-6));
    for res in RESOLUTIONS {
        let in_cells: f64 = pop.cells_at(res).map(|(_, v)| v).sum();
        assert!(
            close(in_cells + pop.totals.beyond, total, 1e-6),
            "{res}: {in_cells}"
        );
    }
    // A second import replaces the first, and a check writes nothing.
    let check = PopulationOptions {
        check: true,
        ..PopulationOptions::default()
    };
    let again = import_population(&mut store, &path, &check).expect("check");
    assert_eq!(again.revision, None);
    assert_eq!(store.revision().expect("revision"), before + 1);
    import_population(&mut store, &path, &PopulationOptions::default()).expect("again");
    assert_eq!(store.population().expect("load"), Some(pop));
    // Replacing the villages drops the village sums, not the cells.
    store
        .write_layer(
            &LayerRows::Villages(vec![square("7471010009", 122.5, -4.0, 0.02)]),
            true,
        )
        .expect("replace villages");
    let stale = store.population().expect("load").expect("population");
    assert!(stale.villages.is_empty() && !stale.cells.is_empty());
    let _ = std::fs::remove_file(path);
}

#[test]
fn geographic_raster_matches_an_independent_split() {
    // 0.002° pixels over the two villages: check one village against the rule
    // computed here with the village squares' own arithmetic.
    let gt = [122.50, 0.002, 0.0, -3.99, 0.0, -0.002];
    let data = vec![1.0; 10 * 5];
    let path = geotiff("wgs84", (10, 5), data, Some((gt, 4326)), None);
    let mut store = store_with(two_villages());
    let s = import_population(&mut store, &path, &PopulationOptions::default()).expect("import");
    // The raster spans exactly the two villages: nothing outside, half in each.
    let pop = store.population().expect("load").expect("population");
    assert!(close(s.totals.total, 50.0, 1e-9));
    assert!(close(s.totals.outside, 0.0, 1e-9), "{:?}", s.totals);
    assert!(close(pop.villages["7471010001"], 25.0, 1e-9));
    assert!(close(pop.villages["7471010002"], 25.0, 1e-9));
    // Resolution 5 cells are 10 km across: compare with the centre sub-pixel rule.
    let n = s.subdivision.cells[0];
    let mut want: HashMap<h3o::CellIndex, f64> = HashMap::new();
    for row in 0..5 {
        for col in 0..10 {
            for j in 0..n {
                for i in 0..n {
                    let lon =
                        122.50 + (f64::from(col) + (f64::from(i) + 0.5) / f64::from(n)) * 0.002;
                    let lat =
                        -3.99 - (f64::from(row) + (f64::from(j) + 0.5) / f64::from(n)) * 0.002;
                    let cell = LatLng::new(lat, lon).expect("ll").to_cell(Resolution::Five);
                    *want.entry(cell).or_default() += 1.0 / f64::from(n * n);
                }
            }
        }
    }
    let got: HashMap<_, _> = pop.cells_at(Resolution::Five).collect();
    assert_eq!(got.len(), want.len());
    for (cell, v) in want {
        assert!(close(got[&cell], v, 1e-9), "{cell}");
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn bad_rasters_are_refused_and_nothing_is_written() {
    let mut store = store_with(two_villages());
    let before = store.revision().expect("revision");
    let opts = PopulationOptions::default();
    // Not a raster at all.
    let text = std::env::temp_dir().join(format!("sigap-pop-{}-garbage.tif", std::process::id()));
    std::fs::write(&text, b"\x00\x01 definitely not a GeoTIFF").expect("write");
    let e = import_population(&mut store, &text, &opts).expect_err("garbage");
    assert!(matches!(e, PopulationError::NotRaster { .. }), "{e}");
    // No georeference.
    let bare = geotiff("bare", (3, 3), vec![1.0; 9], None, None);
    let e = import_population(&mut store, &bare, &opts).expect_err("no georeference");
    assert!(matches!(e, PopulationError::NoGeoreference { .. }), "{e}");
    assert!(e.to_string().contains("gdal_translate -a_ullr"), "{e}");
    // Metres declared as degrees.
    let gt = [444_000.0, 250.0, 0.0, 9_558_500.0, 0.0, -250.0];
    let metres = geotiff("metres", (3, 3), vec![1.0; 9], Some((gt, 4326)), None);
    let e = import_population(&mut store, &metres, &opts).expect_err("metres as degrees");
    assert!(e.to_string().contains("cannot be degrees"), "{e}");
    // The right CRS fixes it; the wrong zone (north) misses the villages.
    let fixed = PopulationOptions {
        crs: Some("EPSG:32751".into()),
        check: true,
        ..PopulationOptions::default()
    };
    import_population(&mut store, &metres, &fixed).expect("with --crs");
    let north = PopulationOptions {
        crs: Some("EPSG:32651".into()),
        ..PopulationOptions::default()
    };
    let e = import_population(&mut store, &metres, &north).expect_err("wrong hemisphere");
    assert!(e.to_string().contains("does not reach the villages"), "{e}");
    // A band that is not there.
    let band = PopulationOptions {
        band: 2,
        ..PopulationOptions::default()
    };
    let e = import_population(&mut store, &metres, &band).expect_err("band 2");
    assert!(matches!(e, PopulationError::NoBand { count: 1, .. }), "{e}");
    assert_eq!(store.revision().expect("revision"), before);
    assert_eq!(store.population().expect("load"), None);
    // No villages yet.
    let mut empty = Store::open_in_memory().expect("store");
    let e = import_population(&mut empty, &metres, &fixed).expect_err("no villages");
    assert!(matches!(e, PopulationError::NoVillages { .. }), "{e}");
    for p in [text, bare, metres] {
        let _ = std::fs::remove_file(p);
    }
}

// ---- the analysis serves what was summed -------------------------------------------

#[test]
fn analysis_carries_population_and_coverage() {
    use crate::analysis::Analysis;
    use crate::config::Config;
    use crate::model::{Child, Population, PopulationTotals, Sex};
    use crate::store::Dataset;
    let villages = two_villages();
    let at = geo::Point::new(122.505, -3.995);
    let date = chrono::NaiveDate::from_ymd_opt(2024, 8, 1).expect("date");
    let child = |i: u32| Child {
        id: format!("c{i}"),
        location: at,
        sex: Sex::Female,
        birth_date: date - chrono::Days::new(400),
        measure_date: date,
        height_cm: 75.0,
        haz: -1.0,
        placed_by_village: None,
        period: crate::model::Period::of_date(date),
    };
    let here = cell_of(at, Resolution::Eight).expect("cell");
    let far = cell_of(geo::Point::new(122.6, -3.9), Resolution::Eight).expect("cell");
    let totals = PopulationTotals {
        total: 47.0,
        outside: 17.0,
        beyond: 0.0,
    };
    let data = Dataset {
        villages,
        children: (0..3).map(child).collect(),
        population: Some(Population {
            cells: HashMap::from([(here, 12.0), (far, 5.0)]),
            villages: HashMap::from([("7471010001".to_owned(), 30.0)]),
            totals,
        }),
        ..Dataset::default()
    };
    let a = Analysis::compute(&data, &Config::default());
    assert_eq!(a.population, Some(totals));
    let village = |code: &str| {
        a.villages
            .iter()
            .find(|v| v.village.code == code)
            .expect("village")
    };
    assert_eq!(village("7471010001").stats.population, Some(30.0));
    assert_eq!(village("7471010001").stats.coverage(), Some(0.1));
    assert_eq!(village("7471010002").stats.population, None);
    assert_eq!(village("7471010002").stats.coverage(), None);
    let cells = a.hexes_at(Resolution::Eight);
    let stats = |cell| cells.iter().find(|h| h.cell == cell).expect("listed").stats;
    assert_eq!(stats(here).population, Some(12.0));
    assert_eq!(stats(here).coverage(), Some(0.25));
    // Listed although nobody was measured there: coverage 0.
    assert_eq!(stats(far).counts.children, 0);
    assert_eq!(stats(far).coverage(), Some(0.0));
    assert_eq!(cells.len(), 2);
    // No population at resolution 9 in this dataset: the cell has children only.
    let nine = a.hexes_at(Resolution::Nine);
    assert_eq!(nine.len(), 1);
    assert_eq!(nine[0].stats.population, None);
    // And the tile and API properties carry both, rounded.
    let props = crate::tiles::source::area_properties(&stats(here));
    let get = |k: &str| props.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(
        get("population"),
        Some(crate::tiles::mvt::PropValue::Double(12.0))
    );
    assert_eq!(
        get("coverage"),
        Some(crate::tiles::mvt::PropValue::Double(0.25))
    );
}

#[test]
fn the_sums_are_the_same_on_any_number_of_cores() {
    // 80 × 240 pixels of 20 m in geographic degrees over both villages, each holding
    // a fraction: added in another order, such sums differ in their last digits.
    let (w, h) = (80, 240);
    let mut state = 2026;
    let data: Vec<f64> = (0..w * h).map(|_| 10.0 * rng(&mut state)).collect();
    let gt = [122.499, 0.0002, 0.0, -3.999, 0.0, -0.0002];
    let path = geotiff("cores", (w, h), data, Some((gt, 4326)), None);
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        let mut store = store_with(two_villages());
        let s = pool
            .install(|| import_population(&mut store, &path, &PopulationOptions::default()))
            .expect("import");
        let pop = store.population().expect("load").expect("population");
        let mut villages: Vec<(String, u64)> = pop
            .villages
            .iter()
            .map(|(code, v)| (code.clone(), v.to_bits()))
            .collect();
        villages.sort();
        let mut cells: Vec<(u64, u64)> = RESOLUTIONS
            .iter()
            .flat_map(|&res| pop.cells_at(res).map(|(c, v)| (u64::from(c), v.to_bits())))
            .collect();
        cells.sort_unstable();
        (
            s.totals.total.to_bits(),
            s.totals.outside.to_bits(),
            villages,
            cells,
        )
    };
    let one = on(1);
    assert!(one.2.len() == 2 && !one.3.is_empty(), "{:?}", one.2);
    for threads in [2, 4, 7] {
        assert_eq!(on(threads), one, "{threads} threads");
    }
}
