//! Cutting geometry to a tile's square plus a small buffer.
//!
//! A tile only needs what it draws, but cutting exactly at the tile edge would show
//! seams: line caps and polygon outlines stop short of the edge. So we keep a margin
//! ([`super::mvt::BUFFER`] tile units on each side) and clip to the grown square.
//! Because the clip region is an axis-aligned square, Sutherland–Hodgman (for rings)
//! and Liang–Barsky (for line segments) are exact and cheap. Both run in unrounded tile
//! units, before quantising, so the cut points land where the real edge crosses.

use geo::Coord;

/// An axis-aligned square `min..=max` on both axes, in tile units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipSquare {
    pub min: f64,
    pub max: f64,
}

/// Where a ring's bounding box lies relative to the square.
enum Overlap {
    Inside,
    Outside,
    Partial,
}

impl ClipSquare {
    /// Whether `c` lies inside the square or on its edge.
    ///
    /// # Units
    /// Tile units (y down).
    #[must_use]
    pub fn contains(&self, c: Coord<f64>) -> bool {
        (self.min..=self.max).contains(&c.x) && (self.min..=self.max).contains(&c.y)
    }

    fn overlap(&self, coords: &[Coord<f64>]) -> Overlap {
        let (mut lo, mut hi) = (
            Coord {
                x: f64::MAX,
                y: f64::MAX,
            },
            Coord {
                x: f64::MIN,
                y: f64::MIN,
            },
        );
        for c in coords {
            lo.x = lo.x.min(c.x);
            lo.y = lo.y.min(c.y);
            hi.x = hi.x.max(c.x);
            hi.y = hi.y.max(c.y);
        }
        if self.contains(lo) && self.contains(hi) {
            Overlap::Inside
        } else if hi.x < self.min || hi.y < self.min || lo.x > self.max || lo.y > self.max {
            Overlap::Outside
        } else {
            Overlap::Partial
        }
    }

    /// Clips an open ring (no repeated closing point) in place with Sutherland–Hodgman.
    ///
    /// The result may be empty, and may contain edges running along the square's
    /// border where the polygon lay outside it; both are valid for rendering.
    /// `spare` is scratch space, reused between calls.
    ///
    /// # Units
    /// Tile units (y down).
    pub fn clip_ring(&self, ring: &mut Vec<Coord<f64>>, spare: &mut Vec<Coord<f64>>) {
        match self.overlap(ring) {
            Overlap::Inside => return,
            Overlap::Outside => {
                ring.clear();
                return;
            }
            Overlap::Partial => {}
        }
        let (min, max) = (self.min, self.max);
        clip_edge(ring, spare, |c| c.x >= min, |a, b| at_x(a, b, min));
        clip_edge(spare, ring, |c| c.x <= max, |a, b| at_x(a, b, max));
        clip_edge(ring, spare, |c| c.y >= min, |a, b| at_y(a, b, min));
        clip_edge(spare, ring, |c| c.y <= max, |a, b| at_y(a, b, max));
    }

    /// Clips a line string, appending the surviving pieces' vertices to `out` and each
    /// piece's end offset (exclusive, into `out`) to `ends`.
    ///
    /// # Units
    /// Tile units (y down).
    pub fn clip_line(&self, line: &[Coord<f64>], out: &mut Vec<Coord<f64>>, ends: &mut Vec<usize>) {
        match self.overlap(line) {
            Overlap::Inside => {
                out.extend_from_slice(line);
                ends.push(out.len());
                return;
            }
            Overlap::Outside => return,
            Overlap::Partial => {}
        }
        let mut open = false;
        for pair in line.windows(2) {
            let Some((a, b, entered, left)) = self.clip_segment(pair[0], pair[1]) else {
                if open {
                    ends.push(out.len());
                    open = false;
                }
                continue;
            };
            if !open || entered {
                if open {
                    ends.push(out.len());
                }
                out.push(a);
                open = true;
            }
            out.push(b);
            if left {
                ends.push(out.len());
                open = false;
            }
        }
        if open {
            ends.push(out.len());
        }
    }

    /// Liang–Barsky: the part of segment `a`–`b` inside the square, and whether its
    /// start and end were cut.
    fn clip_segment(
        &self,
        a: Coord<f64>,
        b: Coord<f64>,
    ) -> Option<(Coord<f64>, Coord<f64>, bool, bool)> {
        let d = b - a;
        let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
        for (p, q) in [
            (-d.x, a.x - self.min),
            (d.x, self.max - a.x),
            (-d.y, a.y - self.min),
            (d.y, self.max - a.y),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    return None;
                }
                continue;
            }
            let r = q / p;
            if p < 0.0 {
                if r > t1 {
                    return None;
                }
                t0 = t0.max(r);
            } else {
                if r < t0 {
                    return None;
                }
                t1 = t1.min(r);
            }
        }
        Some((a + d * t0, a + d * t1, t0 > 0.0, t1 < 1.0))
    }
}

/// One Sutherland–Hodgman pass against a single half-plane.
fn clip_edge(
    input: &[Coord<f64>],
    output: &mut Vec<Coord<f64>>,
    inside: impl Fn(Coord<f64>) -> bool,
    cross: impl Fn(Coord<f64>, Coord<f64>) -> Coord<f64>,
) {
    output.clear();
    let Some(&last) = input.last() else {
        return;
    };
    let (mut prev, mut prev_in) = (last, inside(last));
    for &cur in input {
        let cur_in = inside(cur);
        if cur_in != prev_in {
            output.push(cross(prev, cur));
        }
        if cur_in {
            output.push(cur);
        }
        (prev, prev_in) = (cur, cur_in);
    }
}

/// Where segment `a`–`b` crosses the vertical line `x`.
fn at_x(a: Coord<f64>, b: Coord<f64>, x: f64) -> Coord<f64> {
    Coord {
        x,
        y: a.y + (b.y - a.y) * (x - a.x) / (b.x - a.x),
    }
}

/// Where segment `a`–`b` crosses the horizontal line `y`.
fn at_y(a: Coord<f64>, b: Coord<f64>, y: f64) -> Coord<f64> {
    Coord {
        x: a.x + (b.x - a.x) * (y - a.y) / (b.y - a.y),
        y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: ClipSquare = ClipSquare {
        min: 0.0,
        max: 10.0,
    };

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn ring_crossing_one_edge_is_cut_on_that_edge() {
        let mut ring = vec![c(5.0, 2.0), c(15.0, 2.0), c(15.0, 8.0), c(5.0, 8.0)];
        SQUARE.clip_ring(&mut ring, &mut Vec::new());
        assert_eq!(ring, [c(5.0, 2.0), c(10.0, 2.0), c(10.0, 8.0), c(5.0, 8.0)]);
    }

    #[test]
    fn ring_covering_the_square_becomes_the_square() {
        let mut ring = vec![c(-5.0, -5.0), c(20.0, -5.0), c(20.0, 20.0), c(-5.0, 20.0)];
        SQUARE.clip_ring(&mut ring, &mut Vec::new());
        let mut corners: Vec<_> = ring.iter().map(|p| (p.x as i32, p.y as i32)).collect();
        corners.sort_unstable();
        assert_eq!(corners, [(0, 0), (0, 10), (10, 0), (10, 10)]);
    }

    #[test]
    fn ring_outside_vanishes_and_ring_inside_is_untouched() {
        let mut outside = vec![c(11.0, 1.0), c(12.0, 1.0), c(12.0, 2.0)];
        SQUARE.clip_ring(&mut outside, &mut Vec::new());
        assert!(outside.is_empty());
        let inside = vec![c(1.0, 1.0), c(2.0, 1.0), c(2.0, 2.0)];
        let mut ring = inside.clone();
        SQUARE.clip_ring(&mut ring, &mut Vec::new());
        assert_eq!(ring, inside);
    }

    #[test]
    fn line_leaving_and_reentering_splits_in_two() {
        let line = [c(2.0, 5.0), c(12.0, 5.0), c(12.0, 7.0), c(2.0, 7.0)];
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        SQUARE.clip_line(&line, &mut out, &mut ends);
        assert_eq!(ends, [2, 4]);
        assert_eq!(out, [c(2.0, 5.0), c(10.0, 5.0), c(10.0, 7.0), c(2.0, 7.0)]);
    }

    #[test]
    fn line_passing_through_keeps_only_the_middle() {
        let line = [c(-10.0, -10.0), c(20.0, 20.0)];
        let (mut out, mut ends) = (Vec::new(), Vec::new());
        SQUARE.clip_line(&line, &mut out, &mut ends);
        assert_eq!(ends, [2]);
        assert_eq!(out, [c(0.0, 0.0), c(10.0, 10.0)]);
        out.clear();
        ends.clear();
        SQUARE.clip_line(&[c(-1.0, 11.0), c(11.0, 30.0)], &mut out, &mut ends);
        assert!(out.is_empty() && ends.is_empty());
    }

    #[test]
    fn contains_includes_the_edge() {
        assert!(SQUARE.contains(c(10.0, 0.0)));
        assert!(!SQUARE.contains(c(10.001, 5.0)));
    }
}
