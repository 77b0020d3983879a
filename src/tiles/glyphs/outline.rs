//! A glyph's outline as straight segments in pixels, ready for distance queries.
//!
//! TrueType outlines are quadratic Bézier contours (CFF fonts add cubics). Distances
//! to line segments are exact and cheap, so curves are cut into chords that stay
//! within [`TOLERANCE`] of the curve before any distance is measured.
//!
//! # Units
//! Pixels at the glyph size, x to the right and y **up** from the baseline at the
//! glyph origin (the font's own orientation; the bitmap flips rows later).

/// Farthest a chord may stray from its curve, in pixels.
pub const TOLERANCE: f32 = 0.01;

/// A point in glyph pixels (y up).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub x: f32,
    pub y: f32,
}

/// Closed contours flattened into segments, scaled from font units to pixels.
#[derive(Debug, Default)]
pub struct Outline {
    /// Every segment of every contour, as (from, to).
    pub segments: Vec<(Point, Point)>,
    scale: f32,
    start: Option<Point>,
    last: Option<Point>,
}

impl Outline {
    /// An empty outline that scales font units by `scale` (pixels per unit).
    #[must_use]
    pub fn new(scale: f32) -> Self {
        Self {
            scale,
            ..Self::default()
        }
    }

    fn px(&self, x: f32, y: f32) -> Point {
        Point {
            x: x * self.scale,
            y: y * self.scale,
        }
    }

    fn line(&mut self, to: Point) {
        if let Some(from) = self.last
            && from != to
        {
            self.segments.push((from, to));
        }
        self.last = Some(to);
    }

    /// Closes the open contour back to its start, if one is open.
    fn close_contour(&mut self) {
        if let Some(start) = self.start.take() {
            self.line(start);
        }
        self.last = None;
    }

    /// Winding number of the contours around `p`: non-zero means inside, the rule
    /// TrueType fills by (overlapping contours stay filled).
    #[must_use]
    pub fn winding(&self, p: Point) -> i32 {
        winding_among(&self.segments, p)
    }

    /// Smallest and largest corner of the outline, or `None` when it is empty.
    #[must_use]
    pub fn bounds(&self) -> Option<(Point, Point)> {
        let mut it = self.segments.iter().map(|s| s.0);
        let first = it.next()?;
        Some(it.fold((first, first), |(lo, hi), p| {
            (
                Point {
                    x: lo.x.min(p.x),
                    y: lo.y.min(p.y),
                },
                Point {
                    x: hi.x.max(p.x),
                    y: hi.y.max(p.y),
                },
            )
        }))
    }
}

/// How many chords keep a curve whose second difference is `dd` pixels within
/// [`TOLERANCE`]: a chord of parameter length 1/n strays at most |f''|/(8 n²).
fn chords(second_derivative: f32) -> usize {
    let n = (second_derivative / (8.0 * TOLERANCE)).sqrt().ceil();
    (n as usize).clamp(1, 64)
}

fn lerp_quad(p0: Point, p1: Point, p2: Point, t: f32) -> Point {
    let u = 1.0 - t;
    Point {
        x: u * u * p0.x + 2.0 * u * t * p1.x + t * t * p2.x,
        y: u * u * p0.y + 2.0 * u * t * p1.y + t * t * p2.y,
    }
}

fn lerp_cubic(p: [Point; 4], t: f32) -> Point {
    let u = 1.0 - t;
    // Bernstein weights of the four control points.
    let weights = [u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t];
    p.iter()
        .zip(weights)
        .fold(Point { x: 0.0, y: 0.0 }, |acc, (q, wt)| Point {
            x: acc.x + wt * q.x,
            y: acc.y + wt * q.y,
        })
}

fn norm(x: f32, y: f32) -> f32 {
    x.hypot(y)
}

impl ttf_parser::OutlineBuilder for Outline {
    fn move_to(&mut self, x: f32, y: f32) {
        self.close_contour();
        let p = self.px(x, y);
        self.start = Some(p);
        self.last = Some(p);
    }

    fn line_to(&mut self, x: f32, y: f32) {
        let p = self.px(x, y);
        self.line(p);
    }

    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let Some(p0) = self.last else { return };
        let (p1, p2) = (self.px(x1, y1), self.px(x, y));
        // f'' = 2 (p0 - 2 p1 + p2) for a quadratic.
        let dd = 2.0 * norm(p0.x - 2.0 * p1.x + p2.x, p0.y - 2.0 * p1.y + p2.y);
        let n = chords(dd);
        for i in 1..=n {
            let t = i as f32 / n as f32;
            self.line(lerp_quad(p0, p1, p2, t));
        }
    }

    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let Some(start) = self.last else { return };
        let ctrl = [start, self.px(x1, y1), self.px(x2, y2), self.px(x, y)];
        // |f''| <= 6 max(|p0 - 2 p1 + p2|, |p1 - 2 p2 + p3|) for a cubic.
        let second =
            |a: Point, b: Point, c: Point| norm(a.x - 2.0 * b.x + c.x, a.y - 2.0 * b.y + c.y);
        let dd = second(ctrl[0], ctrl[1], ctrl[2]).max(second(ctrl[1], ctrl[2], ctrl[3]));
        let steps = chords(6.0 * dd);
        for i in 1..=steps {
            self.line(lerp_cubic(ctrl, i as f32 / steps as f32));
        }
    }

    fn close(&mut self) {
        self.close_contour();
    }
}

impl Outline {
    /// Ends the last contour; call once after the font has emitted the outline.
    pub fn finish(&mut self) {
        self.close_contour();
    }
}

/// Winding number of `segments` around `p` ([`Outline::winding`]). Only a segment
/// that crosses the horizontal line through `p` (`(a.y <= p.y) != (b.y <= p.y)`)
/// counts, so `segments` may leave out any other.
#[must_use]
pub fn winding_among(segments: &[(Point, Point)], p: Point) -> i32 {
    let mut w = 0;
    for &(a, b) in segments {
        // Signed area test: > 0 when p is left of a->b.
        let side = (b.x - a.x) * (p.y - a.y) - (p.x - a.x) * (b.y - a.y);
        if a.y <= p.y {
            if b.y > p.y && side > 0.0 {
                w += 1;
            }
        } else if b.y <= p.y && side < 0.0 {
            w -= 1;
        }
    }
    w
}
