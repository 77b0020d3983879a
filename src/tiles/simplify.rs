//! Thinning quantised vertices: what a tile cannot show, it should not carry.
//!
//! After rounding to the 4096-unit tile grid, neighbouring vertices often coincide and
//! long runs become straight to within a unit. Dropping repeats and then running
//! Douglas–Peucker with a tolerance near one tile unit shrinks the geometry without
//! a visible change. Rings are never thinned below three distinct vertices (four with
//! the implicit closing point); if simplification would do that, the unsimplified ring
//! is kept. Everything here works on integer tile units, y down.

/// A quantised vertex, `[x, y]` in tile units (y down).
pub type TilePoint = [i32; 2];

/// Reusable buffers for [`Simplifier::simplify`].
#[derive(Debug, Default)]
pub struct Simplifier {
    keep: Vec<bool>,
    stack: Vec<(usize, usize)>,
}

/// Drops consecutive repeated vertices in place; for a ring also a last vertex equal
/// to the first (the closing point is implicit).
pub fn dedup(points: &mut Vec<TilePoint>, ring: bool) {
    points.dedup();
    if ring {
        while points.len() > 1 && points.first() == points.last() {
            points.pop();
        }
    }
}

/// Twice the signed area of an open ring by the surveyor's (shoelace) formula.
///
/// # Units
/// Tile units (y down): positive means clockwise as seen on screen, which MVT 2.1
/// requires of exterior rings.
#[must_use]
pub fn doubled_area(ring: &[TilePoint]) -> i64 {
    let Some(&last) = ring.last() else {
        return 0;
    };
    let mut prev = last;
    let mut sum = 0i64;
    for &p in ring {
        sum += i64::from(prev[0]) * i64::from(p[1]) - i64::from(p[0]) * i64::from(prev[1]);
        prev = p;
    }
    sum
}

impl Simplifier {
    /// Douglas–Peucker: keeps the vertices of `points` that lie farther than
    /// `tolerance` from the simplified shape, writing them to `out`.
    ///
    /// A `ring` is open (implicitly closed back to its first vertex). Returns `false`
    /// and writes nothing when the result would be degenerate (a ring with fewer than
    /// three vertices), so the caller keeps the input.
    ///
    /// # Units
    /// `points` and `tolerance` in tile units.
    pub fn simplify(
        &mut self,
        points: &[TilePoint],
        ring: bool,
        tolerance: f64,
        out: &mut Vec<TilePoint>,
    ) -> bool {
        let n = points.len();
        if n < 3 || (ring && n < 4) || tolerance <= 0.0 {
            return false;
        }
        self.keep.clear();
        self.keep.resize(n + 1, false);
        let at = |i: usize| points[i % n];
        let end = if ring {
            // Split the ring at the vertex farthest from the first one.
            let far = farthest(at, 0, n, |p| dist2(p, points[0])).0;
            self.keep[far] = true;
            self.stack.push((0, far));
            self.stack.push((far, n));
            n
        } else {
            self.stack.push((0, n - 1));
            n - 1
        };
        self.keep[0] = true;
        self.keep[end] = true;
        let tol2 = tolerance * tolerance;
        while let Some((first, last)) = self.stack.pop() {
            if last <= first + 1 {
                continue;
            }
            let (a, b) = (at(first), at(last));
            let (index, d2) = farthest(at, first, last, |p| segment_dist2(p, a, b));
            if d2 > tol2 {
                self.keep[index] = true;
                self.stack.push((first, index));
                self.stack.push((index, last));
            }
        }
        let kept = self.keep[..n].iter().filter(|k| **k).count();
        if ring && kept < 3 {
            return false;
        }
        out.clear();
        out.extend(
            points
                .iter()
                .zip(&self.keep)
                .filter(|(_, k)| **k)
                .map(|(p, _)| *p),
        );
        true
    }
}

/// The vertex strictly between `first` and `last` with the largest `dist`.
fn farthest(
    at: impl Fn(usize) -> TilePoint,
    first: usize,
    last: usize,
    dist: impl Fn(TilePoint) -> f64,
) -> (usize, f64) {
    let mut best = (first, -1.0);
    for i in first + 1..last {
        let d = dist(at(i));
        if d > best.1 {
            best = (i, d);
        }
    }
    best
}

fn dist2(p: TilePoint, q: TilePoint) -> f64 {
    let (dx, dy) = (f64::from(p[0] - q[0]), f64::from(p[1] - q[1]));
    dx * dx + dy * dy
}

/// Squared distance from `p` to segment `a`–`b`.
fn segment_dist2(p: TilePoint, a: TilePoint, b: TilePoint) -> f64 {
    let (dx, dy) = (f64::from(b[0] - a[0]), f64::from(b[1] - a[1]));
    let len2 = dx * dx + dy * dy;
    if len2 == 0.0 {
        return dist2(p, a);
    }
    let t = ((f64::from(p[0] - a[0]) * dx + f64::from(p[1] - a[1]) * dy) / len2).clamp(0.0, 1.0);
    let (ex, ey) = (
        f64::from(a[0]) + t * dx - f64::from(p[0]),
        f64::from(a[1]) + t * dy - f64::from(p[1]),
    );
    ex * ex + ey * ey
}

#[cfg(test)]
mod tests {
    use super::*;

    fn simplified(points: &[TilePoint], ring: bool, tolerance: f64) -> Option<Vec<TilePoint>> {
        let mut out = Vec::new();
        Simplifier::default()
            .simplify(points, ring, tolerance, &mut out)
            .then_some(out)
    }

    #[test]
    fn dedup_drops_repeats_and_ring_closing_point() {
        let mut ring = vec![[0, 0], [0, 0], [5, 0], [5, 5], [5, 5], [0, 0]];
        dedup(&mut ring, true);
        assert_eq!(ring, [[0, 0], [5, 0], [5, 5]]);
        let mut line = vec![[0, 0], [1, 1], [1, 1], [0, 0]];
        dedup(&mut line, false);
        assert_eq!(line, [[0, 0], [1, 1], [0, 0]]);
    }

    #[test]
    fn area_sign_follows_screen_winding() {
        // Clockwise on screen (y down): right along the top, then down.
        let clockwise = [[0, 0], [10, 0], [10, 10], [0, 10]];
        assert_eq!(doubled_area(&clockwise), 200);
        let mut counter = clockwise;
        counter.reverse();
        assert_eq!(doubled_area(&counter), -200);
        assert_eq!(doubled_area(&[[0, 0], [5, 5], [10, 10]]), 0);
    }

    #[test]
    fn nearly_straight_line_loses_its_middle() {
        let line = [[0, 0], [5, 1], [10, 0], [20, 0], [30, 9]];
        assert_eq!(
            simplified(&line, false, 1.0),
            Some(vec![[0, 0], [20, 0], [30, 9]])
        );
        // With a smaller tolerance the 1-unit bump stays.
        assert_eq!(
            simplified(&line, false, 0.5),
            Some(vec![[0, 0], [5, 1], [10, 0], [20, 0], [30, 9]])
        );
    }

    #[test]
    fn ring_keeps_corners_and_drops_collinear_vertices() {
        let ring = [[0, 0], [5, 0], [10, 0], [10, 10], [5, 10], [0, 10]];
        assert_eq!(
            simplified(&ring, true, 1.0),
            Some(vec![[0, 0], [10, 0], [10, 10], [0, 10]])
        );
    }

    #[test]
    fn ring_is_never_thinned_below_three_vertices() {
        // A sliver: every vertex lies within the tolerance of the first-to-farthest chord.
        let sliver = [[0, 0], [10, 1], [20, 0], [10, -1]];
        assert_eq!(simplified(&sliver, true, 2.0), None);
        assert!(simplified(&sliver, true, 0.5).is_some_and(|r| r.len() == 4));
    }
}
