//! One glyph range's PBF from a parsed font: the steps of [`super::encode_range`]
//! after the font is parsed. `build.rs` compiles this file (with `outline.rs`,
//! `sdf.rs` and `../pbf.rs`) to make the ranges `sigap publish` writes once, at
//! build time, with the very code the server runs; so it names its neighbours as
//! `super::...` only.

use super::outline::Outline;
use super::pbf::{LEN, write_bytes_field, write_key, write_varint, write_varint_field, zigzag32};
use super::sdf;

/// Number of code points in one glyph range.
pub const RANGE_LEN: u32 = 256;

/// The glyph PBF of the range from `start` (`label`: `start-end`) in `face`, the
/// font named `name`: one fontstack with a glyph for every code point of the range
/// the font has.
///
/// # Units
/// Metrics and bitmaps are in pixels at [`sdf::SIZE`] px per em.
#[must_use]
pub fn encode_face(face: &ttf_parser::Face<'_>, name: &str, start: u32, label: &str) -> Vec<u8> {
    let scale = sdf::SIZE / f32::from(face.units_per_em());
    let ascender = (f32::from(face.ascender()) * scale).round() as i32;
    let mut stack = Vec::new();
    write_bytes_field(&mut stack, 1, name.as_bytes());
    write_bytes_field(&mut stack, 2, label.as_bytes());
    let mut glyph = Vec::new();
    for code in start..start + RANGE_LEN {
        let Some(id) = char::from_u32(code).and_then(|c| face.glyph_index(c)) else {
            continue;
        };
        let mut outline = Outline::new(scale);
        face.outline_glyph(id, &mut outline);
        outline.finish();
        let sdf = sdf::render(&outline);
        let advance = f32::from(face.glyph_hor_advance(id).unwrap_or(0)) * scale;
        glyph.clear();
        write_varint_field(&mut glyph, 1, u64::from(code));
        if !sdf.bitmap.is_empty() {
            write_bytes_field(&mut glyph, 2, &sdf.bitmap);
        }
        write_varint_field(&mut glyph, 3, u64::from(sdf.width));
        write_varint_field(&mut glyph, 4, u64::from(sdf.height));
        write_varint_field(&mut glyph, 5, u64::from(zigzag32(sdf.left)));
        write_varint_field(&mut glyph, 6, u64::from(zigzag32(sdf.top - ascender)));
        write_varint_field(&mut glyph, 7, advance.round().max(0.0) as u64);
        write_bytes_field(&mut stack, 3, &glyph);
    }
    let mut out = Vec::with_capacity(stack.len() + 8);
    write_key(&mut out, 1, LEN);
    write_varint(&mut out, stack.len() as u64);
    out.extend_from_slice(&stack);
    out
}
