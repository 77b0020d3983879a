//! Signed distance fields of one glyph, in the encoding MapLibre's text shader reads.
//!
//! Each byte holds the Euclidean distance from a pixel centre to the glyph's edge,
//! measured exactly against the flattened outline (not estimated from a rasterised
//! image), signed by the non-zero winding rule:
//!
//! `byte = round(255 - 255 * (d / RADIUS + CUTOFF))`, clamped to 0..=255,
//!
//! with `d` in pixels, positive outside. The edge therefore sits at 191 (0.75 of
//! 255), where the shader draws it; 8 pixels outside reaches 0, 2 inside 255.
//! The bitmap has a [`BUFFER`]-pixel margin on every side so halos have room.
//!
//! # Units
//! Pixels at [`SIZE`] px per em; rows top to bottom, y up in the outline.

use super::outline::{Outline, Point, winding_among};

/// Font size the glyphs are drawn at, in pixels per em (MapLibre's `ONE_EM`).
pub const SIZE: f32 = 24.0;
/// Margin around each glyph bitmap, in pixels (MapLibre's `GLYPH_PBF_BORDER`).
pub const BUFFER: u32 = 3;
/// Distance, in pixels, that the byte range 0..=255 spans.
pub const RADIUS: f32 = 8.0;
/// Share of the byte range kept for the inside of the glyph.
pub const CUTOFF: f32 = 0.25;

/// A glyph's distance field and where it sits relative to the pen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sdf {
    /// `(width + 2 BUFFER) * (height + 2 BUFFER)` bytes, empty for blank glyphs.
    pub bitmap: Vec<u8>,
    /// Width of the glyph's box without the margin, in pixels.
    pub width: u32,
    /// Height of the glyph's box without the margin, in pixels.
    pub height: u32,
    /// Box left edge from the pen position, in pixels.
    pub left: i32,
    /// Box top edge above the baseline, in pixels (before the ascender offset).
    pub top: i32,
}

/// How far around a segment's box a pixel centre may lie and still be measured:
/// one farther is more than [`RADIUS`] from the segment, whose distance then
/// changes nothing (the search starts at `RADIUS`). The extra pixel is far beyond
/// f32 rounding, so leaving such segments out gives the very same bytes.
const REACH: f32 = RADIUS + 1.0;

/// Encodes signed distance `d` (pixels, positive outside) as a byte.
#[must_use]
pub fn encode_distance(d: f32) -> u8 {
    (255.0 - 255.0 * (d / RADIUS + CUTOFF))
        .round()
        .clamp(0.0, 255.0) as u8
}

/// Squared distance from `p` to the segment `a`-`b`.
fn segment_dist2(p: Point, a: Point, b: Point) -> f32 {
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (((p.x - a.x) * dx + (p.y - a.y) * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    let (ex, ey) = (a.x + t * dx - p.x, a.y + t * dy - p.y);
    ex * ex + ey * ey
}

/// The distance field of `outline`; a blank glyph (space) gives an empty bitmap.
#[must_use]
pub fn render(outline: &Outline) -> Sdf {
    let Some((lo, hi)) = outline.bounds() else {
        return Sdf::default();
    };
    // The box snaps to whole pixels; the outline keeps its sub-pixel position inside.
    let (left, right) = (lo.x.round() as i32, hi.x.round() as i32);
    let (bottom, top) = (lo.y.round() as i32, hi.y.round() as i32);
    if right <= left || top <= bottom {
        return Sdf::default();
    }
    let (width, height) = ((right - left) as u32, (top - bottom) as u32);
    let (cols, rows) = (width + 2 * BUFFER, height + 2 * BUFFER);
    let mut bitmap = Vec::with_capacity((cols * rows) as usize);
    let max2 = RADIUS * RADIUS;
    // Each segment with its box grown by REACH (see there).
    let boxes: Vec<(f32, f32, f32, f32)> = outline
        .segments
        .iter()
        .map(|(a, b)| {
            (
                a.x.min(b.x) - REACH,
                a.x.max(b.x) + REACH,
                a.y.min(b.y) - REACH,
                a.y.max(b.y) + REACH,
            )
        })
        .collect();
    let mut near: Vec<((Point, Point), f32, f32)> = Vec::new();
    let mut crossing: Vec<(Point, Point)> = Vec::new();
    for row in 0..rows {
        // Row 0 is the top: its centre is half a pixel below the margin's top edge.
        let centre_y = (top + BUFFER as i32 - row as i32) as f32 - 0.5;
        // The segments within reach of this row, and those the row's horizontal
        // line crosses (the only ones the winding number counts).
        near.clear();
        crossing.clear();
        for (&(a, b), &(x0, x1, y0, y1)) in outline.segments.iter().zip(&boxes) {
            if y0 <= centre_y && centre_y <= y1 {
                near.push(((a, b), x0, x1));
            }
            if (a.y <= centre_y) != (b.y <= centre_y) {
                crossing.push((a, b));
            }
        }
        for col in 0..cols {
            let p = Point {
                x: (left - BUFFER as i32 + col as i32) as f32 + 0.5,
                y: centre_y,
            };
            // Farther than RADIUS encodes as 0 or 255 anyway, so start the search there.
            let d2 = near
                .iter()
                .filter(|(_, x0, x1)| *x0 <= p.x && p.x <= *x1)
                .fold(max2, |m, &((a, b), _, _)| m.min(segment_dist2(p, a, b)));
            let d = d2.sqrt();
            let signed = if winding_among(&crossing, p) != 0 {
                -d
            } else {
                d
            };
            bitmap.push(encode_distance(signed));
        }
    }
    Sdf {
        bitmap,
        width,
        height,
        left,
        top,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_puts_the_edge_at_191_and_is_monotonic() {
        assert_eq!(encode_distance(0.0), 191);
        assert_eq!(encode_distance(RADIUS * 0.75), 0);
        assert_eq!(encode_distance(-RADIUS * 0.25), 255);
        assert!(encode_distance(-1.0) > encode_distance(0.0));
        assert!(encode_distance(1.0) < encode_distance(0.0));
    }

    /// A 4 x 2 px rectangle from the origin, drawn anticlockwise (TrueType draws outer
    /// contours clockwise; the non-zero rule fills either way).
    fn rectangle() -> Outline {
        use ttf_parser::OutlineBuilder;
        let mut o = Outline::new(1.0);
        o.move_to(0.0, 0.0);
        o.line_to(4.0, 0.0);
        o.line_to(4.0, 2.0);
        o.line_to(0.0, 2.0);
        o.close();
        o
    }

    #[test]
    fn rectangle_field_matches_hand_computed_distances() {
        let sdf = render(&rectangle());
        assert_eq!((sdf.width, sdf.height, sdf.left, sdf.top), (4, 2, 0, 2));
        let cols = 4 + 2 * BUFFER as usize;
        assert_eq!(sdf.bitmap.len(), cols * (2 + 2 * BUFFER as usize));
        let at = |col: usize, row: usize| sdf.bitmap[row * cols + col];
        // Row 3 is the rectangle's top row: centres 0.5 px inside -> 255 - 255 * 0.1875.
        assert_eq!(at(3, 3), 207);
        assert_eq!(at(4, 3), 207);
        // Row 2 is just above it: 0.5 px outside -> 255 - 255 * 0.3125.
        assert_eq!(at(4, 2), 175);
        // The top-left margin pixel: 2.5 px left of and 2.5 px above the corner.
        let d = 2.5f32.hypot(2.5);
        assert_eq!(at(0, 0), encode_distance(d));
        assert_eq!(at(0, 0), 79);
        // Reversing the contour changes nothing.
        let mut reversed = rectangle();
        for s in &mut reversed.segments {
            *s = (s.1, s.0);
        }
        assert_eq!(render(&reversed), sdf);
    }
}
