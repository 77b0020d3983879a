//! Planar geometry for the demo city: a local metric frame, convex hulls, and Voronoi
//! cells built by half-plane clipping.
//!
//! Voronoi cells are only fair when distances are fair, so everything here works in
//! metres on a local equirectangular frame (longitude scaled by the cosine of the
//! latitude). The frame is linear, so straight edges in metres stay straight in
//! degrees and a cell drawn in WGS84 is exactly the cell computed in metres.
//! With 65 sites the O(n²) clipping construction is instant and far simpler to trust
//! than a sweep line.

/// A point in the local frame, `[x, y]` in metres (east, north).
pub(crate) type P = [f64; 2];

/// Vertices closer than this (metres) are one vertex: clipping the same Voronoi
/// vertex from two cells gives coordinates that differ only by rounding noise.
const SNAP_METRES: f64 = 1e-3;

/// An equirectangular projection around a reference point.
///
/// # Units
/// `to_local` takes WGS84 degrees `[lon, lat]` and returns metres `[x, y]`;
/// `to_lonlat` the reverse.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    lon0: f64,
    lat0: f64,
    /// Metres per degree of longitude at `lat0`.
    mx: f64,
    /// Metres per degree of latitude.
    my: f64,
}

impl Frame {
    /// A frame centred on `[lon0, lat0]` (WGS84 degrees).
    pub(crate) fn new(lon0: f64, lat0: f64) -> Self {
        Self {
            lon0,
            lat0,
            mx: 111_320.0 * lat0.to_radians().cos(),
            my: 110_574.0,
        }
    }

    pub(crate) fn to_local(self, [lon, lat]: [f64; 2]) -> P {
        [(lon - self.lon0) * self.mx, (lat - self.lat0) * self.my]
    }

    pub(crate) fn to_lonlat(self, [x, y]: P) -> [f64; 2] {
        [self.lon0 + x / self.mx, self.lat0 + y / self.my]
    }
}

fn sub(a: P, b: P) -> P {
    [a[0] - b[0], a[1] - b[1]]
}

fn cross(a: P, b: P) -> f64 {
    a[0] * b[1] - a[1] * b[0]
}

fn dot(a: P, b: P) -> f64 {
    a[0] * b[0] + a[1] * b[1]
}

/// Euclidean distance in metres.
pub(crate) fn dist(a: P, b: P) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

/// The convex hull, counter-clockwise, without repeating the first vertex and
/// without collinear vertices (Andrew's monotone chain).
pub(crate) fn convex_hull(points: &[P]) -> Vec<P> {
    let mut pts = points.to_vec();
    pts.sort_by(|a, b| a[0].total_cmp(&b[0]).then(a[1].total_cmp(&b[1])));
    pts.dedup();
    if pts.len() < 3 {
        return pts;
    }
    let mut hull: Vec<P> = Vec::with_capacity(pts.len() * 2);
    for pass in 0..2 {
        let start = hull.len();
        let iter: Box<dyn Iterator<Item = &P>> = if pass == 0 {
            Box::new(pts.iter())
        } else {
            Box::new(pts.iter().rev())
        };
        for &p in iter {
            while hull.len() >= start + 2 {
                let n = hull.len();
                if cross(sub(hull[n - 1], hull[n - 2]), sub(p, hull[n - 2])) <= 0.0 {
                    hull.pop();
                } else {
                    break;
                }
            }
            hull.push(p);
        }
        // The last point of each chain is the first point of the other.
        hull.pop();
    }
    hull
}

/// Keeps the part of the convex polygon `poly` where `dot(p, normal) <= offset`
/// (Sutherland–Hodgman against one half-plane). Orientation is preserved.
fn clip(poly: &[P], normal: P, offset: f64) -> Vec<P> {
    let mut out = Vec::with_capacity(poly.len() + 1);
    for (i, &a) in poly.iter().enumerate() {
        let b = poly[(i + 1) % poly.len()];
        let da = dot(a, normal) - offset;
        let db = dot(b, normal) - offset;
        if da <= 0.0 {
            out.push(a);
        }
        if (da < 0.0 && db > 0.0) || (da > 0.0 && db < 0.0) {
            let t = da / (da - db);
            out.push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])]);
        }
    }
    out
}

/// The Voronoi cell of every site inside the convex polygon `outline`.
///
/// Each cell starts as the outline and is clipped by the perpendicular bisector
/// between its site and every other site, nearest first; once the cell lies within
/// half the distance to the next site no farther site can cut it. Shared vertices are
/// then snapped to one representative so that neighbouring cells have bit-identical
/// borders.
///
/// # Units
/// Sites and outline in local metres; the outline counter-clockwise and convex.
pub(crate) fn voronoi_cells(sites: &[P], outline: &[P]) -> Vec<Vec<P>> {
    let mut cells: Vec<Vec<P>> = sites
        .iter()
        .enumerate()
        .map(|(i, &si)| {
            let mut others: Vec<usize> = (0..sites.len()).filter(|&j| j != i).collect();
            others.sort_by(|&a, &b| {
                dist(si, sites[a])
                    .total_cmp(&dist(si, sites[b]))
                    .then(a.cmp(&b))
            });
            let mut cell = outline.to_vec();
            for j in others {
                let sj = sites[j];
                let reach = cell.iter().map(|&v| dist(v, si)).fold(0.0, f64::max);
                if reach < dist(si, sj) / 2.0 {
                    break;
                }
                let normal = sub(sj, si);
                let mid = [f64::midpoint(si[0], sj[0]), f64::midpoint(si[1], sj[1])];
                cell = clip(&cell, normal, dot(mid, normal));
            }
            cell
        })
        .collect();
    snap(&mut cells);
    cells
}

/// Replaces every vertex by the first vertex seen within `SNAP_METRES` of it, then
/// drops repeated consecutive vertices.
fn snap(cells: &mut [Vec<P>]) {
    let mut canon: Vec<P> = Vec::new();
    for cell in cells.iter_mut() {
        for v in cell.iter_mut() {
            if let Some(&c) = canon.iter().find(|&&c| dist(c, *v) < SNAP_METRES) {
                *v = c;
            } else {
                canon.push(*v);
            }
        }
        dedup_ring(cell);
    }
}

/// Removes consecutive duplicate vertices of an open ring, including last == first.
pub(crate) fn dedup_ring<T: PartialEq + Copy>(ring: &mut Vec<T>) {
    ring.dedup();
    while ring.len() > 1 && ring.first() == ring.last() {
        ring.pop();
    }
}

/// Signed area (positive when counter-clockwise) of an open ring, square metres.
pub(crate) fn ring_area(ring: &[P]) -> f64 {
    let n = ring.len();
    (0..n)
        .map(|i| cross(ring[i], ring[(i + 1) % n]))
        .sum::<f64>()
        / 2.0
}

/// Whether `p` lies inside the convex counter-clockwise ring at least `margin` metres
/// from every edge.
pub(crate) fn inside_convex(ring: &[P], p: P, margin: f64) -> bool {
    let n = ring.len();
    (0..n).all(|i| {
        let a = ring[i];
        let e = sub(ring[(i + 1) % n], a);
        cross(e, sub(p, a)) >= margin * e[0].hypot(e[1])
    })
}

/// The axis-aligned bounding box `[min, max]` of a ring.
pub(crate) fn bbox(ring: &[P]) -> [P; 2] {
    ring.iter().fold(
        [[f64::INFINITY; 2], [f64::NEG_INFINITY; 2]],
        |[lo, hi], p| {
            [
                [lo[0].min(p[0]), lo[1].min(p[1])],
                [hi[0].max(p[0]), hi[1].max(p[1])],
            ]
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hull_of_a_square_with_inner_points_is_the_square_ccw() {
        let pts = [
            [0.0, 0.0],
            [2.0, 0.0],
            [1.0, 1.0],
            [2.0, 2.0],
            [0.0, 2.0],
            [1.0, 0.0],
        ];
        let hull = convex_hull(&pts);
        assert_eq!(hull, vec![[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]]);
        assert!((ring_area(&hull) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn two_sites_split_a_square_at_the_bisector() {
        let square = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]];
        let cells = voronoi_cells(&[[1.0, 2.0], [3.0, 2.0]], &square);
        assert!((ring_area(&cells[0]) - 8.0).abs() < 1e-9);
        assert!((ring_area(&cells[1]) - 8.0).abs() < 1e-9);
        assert!(cells[0].iter().all(|p| p[0] <= 2.0 + 1e-12));
        // The shared border is the same two vertices on both sides.
        let shared: Vec<&P> = cells[0].iter().filter(|p| cells[1].contains(p)).collect();
        assert_eq!(shared.len(), 2);
    }

    #[test]
    fn frame_round_trips() {
        let f = Frame::new(122.55, -3.99);
        let p = [122.61, -4.03];
        let back = f.to_lonlat(f.to_local(p));
        assert!((back[0] - p[0]).abs() < 1e-12 && (back[1] - p[1]).abs() < 1e-12);
        // One degree of latitude is about 110.6 km.
        assert!((f.to_local([122.55, -2.99])[1] - 110_574.0).abs() < 1e-6);
    }
}
