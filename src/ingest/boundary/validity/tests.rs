//! Checked against geo's `Validation` itself: the first problem must be the one geo
//! reports, on thousands of small random shapes built to hit every rule.

use super::*;
use geo::Validation;
use std::collections::BTreeMap;
use std::f64::consts::TAU;

/// xorshift64 (Marsaglia, 2003), so the tests need no RNG crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `0..n`.
    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize
    }
}

fn closed(mut c: Vec<Coord<f64>>) -> LineString<f64> {
    c.push(c[0]);
    LineString(c)
}

/// The axis-aligned rectangle from `(x0, y0)` to `(x1, y1)`, counter-clockwise.
fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> LineString<f64> {
    LineString::from(vec![(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)])
}

/// A star around `(cx, cy)`: `n` vertices at increasing angles, radii up to `r`.
/// With `grid`, coordinates are rounded to integers, so points repeat, edges run
/// along each other and rings touch.
fn star(rng: &mut Rng, n: usize, (cx, cy): (f64, f64), r: f64, grid: bool) -> LineString<f64> {
    let mut angles: Vec<f64> = (0..n).map(|_| rng.unit() * TAU).collect();
    angles.sort_by(f64::total_cmp);
    closed(
        angles
            .iter()
            .map(|a| {
                let d = r * (0.5 + 0.5 * rng.unit());
                let c = Coord {
                    x: cx + d * a.cos(),
                    y: cy + d * a.sin(),
                };
                if grid {
                    Coord {
                        x: c.x.round(),
                        y: c.y.round(),
                    }
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Points in a box in random order: mostly self-crossing.
fn zigzag(rng: &mut Rng, n: usize, size: usize) -> LineString<f64> {
    closed(
        (0..n)
            .map(|_| Coord {
                x: rng.below(size) as f64,
                y: rng.below(size) as f64,
            })
            .collect(),
    )
}

/// A named hand-drawn case moved by `(dx, dy)`.
fn drawn(rng: &mut Rng) -> LineString<f64> {
    let shapes: [&[(f64, f64)]; 6] = [
        // Bow-tie.
        &[(0., 0.), (4., 4.), (4., 0.), (0., 4.)],
        // Figure eight through a shared vertex.
        &[(0., 0.), (2., 2.), (4., 0.), (4., 4.), (2., 2.), (0., 4.)],
        // A spike out and back along one line.
        &[
            (0., 0.),
            (4., 0.),
            (4., 4.),
            (2., 4.),
            (2., 6.),
            (2., 4.),
            (0., 4.),
        ],
        // A vertex touching an edge of the same ring.
        &[(0., 0.), (4., 0.), (4., 4.), (2., 0.), (0., 4.)],
        // An edge doubling back over part of the previous one.
        &[(0., 0.), (4., 0.), (2., 0.), (2., 3.)],
        // A plain square with a repeated point.
        &[(0., 0.), (4., 0.), (4., 0.), (4., 4.), (0., 4.)],
    ];
    let (dx, dy) = (rng.below(3) as f64, rng.below(3) as f64);
    closed(
        shapes[rng.below(shapes.len())]
            .iter()
            .map(|&(x, y)| Coord {
                x: x + dx,
                y: y + dy,
            })
            .collect(),
    )
}

/// An axis-aligned rectangle with integer corners within `size` of `(cx, cy)`, so
/// that rectangles share edges and corners.
fn rectangle(rng: &mut Rng, (cx, cy): (f64, f64), size: usize) -> LineString<f64> {
    let x0 = cx.round() + rng.below(size) as f64 - (size / 2) as f64;
    let y0 = cy.round() + rng.below(size) as f64 - (size / 2) as f64;
    let (w, h) = (1.0 + rng.below(size) as f64, 1.0 + rng.below(size) as f64);
    rect(x0, y0, x0 + w, y0 + h)
}

/// A ring of some kind around `centre` with a radius up to `r`: mostly simple,
/// sometimes crossing or touching itself.
fn ring(rng: &mut Rng, centre: (f64, f64), r: f64) -> LineString<f64> {
    let kind = rng.below(10);
    let n = 3 + rng.below(if kind < 6 { 5 } else { 40 });
    match kind {
        0 => zigzag(rng, n, 6),
        1 => drawn(rng),
        2..=4 => rectangle(rng, centre, r as usize),
        5 => star(rng, n, centre, r, true),
        _ => star(rng, n, centre, r, false),
    }
}

/// A polygon of `ring`s near `centre`, with up to three holes, mostly small and
/// near the centre, sometimes anywhere: inside, outside, across or against the
/// exterior and each other.
fn polygon(rng: &mut Rng, centre: (f64, f64), r: f64) -> Polygon<f64> {
    let exterior = ring(rng, centre, r);
    let holes = (0..rng.below(4))
        .map(|_| {
            let spread = if rng.below(4) == 0 { 2.0 * r } else { r / 2.0 };
            let at = (
                centre.0 + (rng.unit() - 0.5) * spread,
                centre.1 + (rng.unit() - 0.5) * spread,
            );
            ring(rng, at, r / 5.0)
        })
        .collect();
    Polygon::new(exterior, holes)
}

/// Two or three squares of side 2 on a 3 x 3 grid of such squares, sometimes with a
/// square hole: apart, touching at a corner or along an edge, or the same square.
fn tiles(rng: &mut Rng) -> MultiPolygon<f64> {
    let parts = 2 + rng.below(2);
    MultiPolygon(
        (0..parts)
            .map(|_| {
                let (x, y) = (2.0 * rng.below(3) as f64, 2.0 * rng.below(3) as f64);
                let holes = if rng.below(3) == 0 {
                    let side = 0.5 + rng.below(3) as f64 * 0.5;
                    vec![rect(x + 0.5, y + 0.5, x + 0.5 + side, y + 0.5 + side)]
                } else {
                    vec![]
                };
                Polygon::new(rect(x, y, x + 2.0, y + 2.0), holes)
            })
            .collect(),
    )
}

/// One to three parts: crowded on a small grid (touching, overlapping) or spread out.
fn shape(rng: &mut Rng) -> MultiPolygon<f64> {
    if rng.below(4) == 0 {
        return tiles(rng);
    }
    let crowded = rng.below(2) == 0;
    let parts = 1 + rng.below(3);
    MultiPolygon(
        (0..parts)
            .map(|_| {
                let span = if crowded { 6 } else { 30 };
                let at = (rng.below(span) as f64, rng.below(span) as f64);
                polygon(rng, at, if crowded { 4.0 } else { 6.0 })
            })
            .collect(),
    )
}

#[test]
fn first_problem_is_geos_on_random_shapes() {
    let mut rng = Rng(0x5167_0000_2026);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for _ in 0..4_000 {
        let shape = shape(&mut rng);
        let geo = shape.validation_errors().into_iter().next();
        assert_eq!(first_problem(&shape), geo, "{shape:?}");
        let kind = geo.map_or("valid".to_string(), |p| {
            let text = p.to_string();
            text.split(": ")
                .last()
                .unwrap_or(&text)
                .replace(char::is_numeric, "#")
        });
        *seen.entry(kind).or_default() += 1;
    }
    eprintln!("{seen:#?}");
    // Every rule was exercised, and valid shapes too.
    for kind in [
        "valid",
        "exterior ring has a self-intersection",
        "exterior ring must have at least # distinct points",
        "interior ring at index # has a self-intersection",
        "interior ring at index # must have at least # distinct points",
        "interior ring at index # and interior ring at index # intersect on a line",
        "interior ring at index # is not contained within the polygon's exterior",
        "interior ring at index # and interior ring at index # intersect on an area",
        "exterior ring and interior ring at index # intersect on a line",
        "polygons at indices # and # overlap",
        "polygons at indices # and # touch on a line",
    ] {
        assert!(
            seen.get(kind).copied().unwrap_or(0) >= 5,
            "{kind}: {seen:?}"
        );
    }
}

/// A star-shaped village of `n` vertices around Kendari, about 11 km across, its
/// radius wobbling slowly and by up to half a vertex spacing from vertex to vertex:
/// valid by construction (every ray from the centre crosses it once).
///
/// # Units
/// WGS84 degrees.
fn village(n: usize) -> LineString<f64> {
    let mut rng = Rng(n as u64 | 1);
    let spacing = 0.05 * TAU / n as f64;
    closed(
        (0..n)
            .map(|k| {
                let a = TAU * k as f64 / n as f64;
                let r = 0.05 * (1.0 + 0.2 * (5.0 * a).sin()) - 0.5 * spacing * rng.unit();
                Coord {
                    x: 122.5 + r * a.cos(),
                    y: -4.0 + r * a.sin(),
                }
            })
            .collect(),
    )
}

#[test]
fn a_million_vertex_village_is_valid_until_one_vertex_jumps_across() {
    let n = 1_000_000;
    let exterior = village(n);
    // A small square hole at the centre and a second part well outside: valid.
    let island = Polygon::new(rect(122.7, -4.0, 122.701, -3.999), vec![]);
    let hole = rect(122.5, -4.0, 122.501, -3.999);
    let shape = MultiPolygon(vec![
        Polygon::new(exterior.clone(), vec![hole]),
        island.clone(),
    ]);
    assert_eq!(first_problem(&shape), None);
    // Vertex 1000 moved to the far side of the centre: its two edges cross the
    // boundary there.
    let mut crossed = exterior;
    let c = crossed.0[1000];
    crossed.0[1000] = Coord {
        x: 2.0 * 122.5 - c.x,
        y: 2.0 * -4.0 - c.y,
    };
    let shape = MultiPolygon(vec![Polygon::new(crossed, vec![]), island]);
    assert_eq!(
        first_problem(&shape).map(|p| p.to_string()).as_deref(),
        Some("polygon at index 0 is invalid: exterior ring has a self-intersection")
    );
}

/// `cargo test --release --lib boundary::validity -- --ignored --nocapture`: the
/// time to validate one star-shaped village of 10 thousand to a million vertices,
/// here and with geo's `Validation` (up to 100 thousand vertices in release, 10
/// thousand in debug builds).
#[test]
#[ignore = "a benchmark: run in release with --ignored --nocapture"]
fn bench_validation_by_vertex_count() {
    for n in [10_000, 100_000, 1_000_000] {
        let shape = MultiPolygon(vec![Polygon::new(village(n), vec![])]);
        let start = std::time::Instant::now();
        assert_eq!(first_problem(&shape), None);
        let fast = start.elapsed().as_secs_f64();
        // geo is quadratic: 100 thousand vertices take a minute in release.
        let geo_max = if cfg!(debug_assertions) {
            10_000
        } else {
            100_000
        };
        let geo = (n <= geo_max).then(|| {
            let start = std::time::Instant::now();
            assert!(shape.is_valid());
            start.elapsed().as_secs_f64()
        });
        eprintln!(
            "{{\"bench\": \"boundary_validation\", \"vertices\": {n}, \"sweep_s\": {fast:.3}, \"geo_s\": {}}}",
            geo.map_or("null".to_string(), |s| format!("{s:.3}"))
        );
    }
}
