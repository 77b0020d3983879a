//! Glyph PBFs: the fonts MapLibre GL draws map labels with, served by sigap itself.
//!
//! MapLibre cannot use the browser's fonts for labels: it asks the style's `glyphs`
//! URL for ranges of 256 code points, each a protobuf of signed distance fields
//! (SDFs), and draws text from those on the GPU. Public glyph servers sit on the
//! internet, which a city office's map cannot rely on, so sigap makes the ranges
//! from the DejaVu Sans fonts it carries (`tiles/fonts/`, unmodified, with their
//! licence).
//!
//! The steps for one range, in order ([`encode_range`]):
//! 1. **look up** each code point of the range in the font (`ttf-parser`); code
//!    points the font lacks are left out, so a range it does not cover is a valid
//!    PBF with no glyphs, and MapLibre draws nothing for those characters;
//! 2. **flatten** the glyph's contours at [`sdf::SIZE`] px per em into segments
//!    ([`outline`]);
//! 3. **measure** the exact distance from every pixel centre to the outline, sign
//!    it by the non-zero winding rule and encode it as MapLibre's shader expects
//!    ([`sdf`]);
//! 4. **encode** the `glyphs.proto` messages by hand (as `node-fontnik` writes them):
//!    `top` is the box top above the baseline minus the font's ascender, so every
//!    glyph of a label shares one baseline.

pub mod outline;
pub mod sdf;

#[cfg(test)]
mod tests;

use crate::tiles::pbf::{write_bytes_field, write_key, write_varint, write_varint_field, zigzag32};
use outline::Outline;

/// The fonts sigap carries, by the fontstack names styles use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Font {
    /// DejaVu Sans, regular weight: the default for any name sigap does not know.
    SansBook,
    /// DejaVu Sans Bold.
    SansBold,
}

impl Font {
    /// Every font, in the order a fontstack is matched.
    pub const ALL: [Font; 2] = [Font::SansBook, Font::SansBold];

    /// The fontstack name a style uses for this font.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Font::SansBook => "DejaVu Sans Book",
            Font::SansBold => "DejaVu Sans Bold",
        }
    }

    /// The TrueType file, built into the binary.
    fn bytes(self) -> &'static [u8] {
        match self {
            Font::SansBook => include_bytes!("../../../tiles/fonts/DejaVuSans.ttf"),
            Font::SansBold => include_bytes!("../../../tiles/fonts/DejaVuSans-Bold.ttf"),
        }
    }

    /// The first font of a comma-separated fontstack that sigap has; DejaVu Sans
    /// Book when it has none, so a label in an unknown font still shows.
    ///
    /// # Example
    /// ```
    /// use sigap::tiles::glyphs::Font;
    /// assert_eq!(Font::from_stack("Noto Sans Regular,DejaVu Sans Bold"), Font::SansBold);
    /// assert_eq!(Font::from_stack("Open Sans Regular"), Font::SansBook);
    /// ```
    #[must_use]
    pub fn from_stack(stack: &str) -> Font {
        stack
            .split(',')
            .find_map(|name| Font::ALL.into_iter().find(|f| f.name() == name.trim()))
            .unwrap_or(Font::SansBook)
    }
}

/// Number of code points in one glyph range.
pub const RANGE_LEN: u32 = 256;

/// A range of 256 code points starting at a multiple of 256 below U+10000, as
/// MapLibre names them in glyph URLs (`0-255`, `256-511`, ...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlyphRange(u32);

impl GlyphRange {
    /// First code point of the range.
    #[must_use]
    pub fn start(self) -> u32 {
        self.0
    }

    /// The range as written in URLs and in the PBF, e.g. `256-511`.
    #[must_use]
    pub fn label(self) -> String {
        format!("{}-{}", self.0, self.0 + RANGE_LEN - 1)
    }
}

impl std::str::FromStr for GlyphRange {
    type Err = GlyphError;

    fn from_str(s: &str) -> Result<Self, GlyphError> {
        let bad = || GlyphError::Range(s.to_owned());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let start: u32 = a.parse().map_err(|_| bad())?;
        let end: u32 = b.parse().map_err(|_| bad())?;
        if !start.is_multiple_of(RANGE_LEN) || start >= 0x1_0000 || end != start + RANGE_LEN - 1 {
            return Err(bad());
        }
        Ok(GlyphRange(start))
    }
}

/// Why a glyph range could not be made.
#[derive(Debug, thiserror::Error)]
pub enum GlyphError {
    /// The URL named no valid range; MapLibre asks for `N-(N+255)` with N a multiple
    /// of 256 below 65536, so this is a hand-written or foreign URL.
    #[error(
        "no glyph range {0:?}: expected N-M with N a multiple of 256 below 65536 and M = N+255"
    )]
    Range(String),
    /// A built-in font file did not parse: the file in `tiles/fonts/` is damaged.
    #[error("font {font} does not parse: {source}")]
    Font {
        font: &'static str,
        source: ttf_parser::FaceParsingError,
    },
}

/// The glyph PBF of `range` in `font`: one fontstack with a glyph for every code
/// point of the range the font has.
///
/// # Units
/// Metrics and bitmaps are in pixels at [`sdf::SIZE`] px per em.
pub fn encode_range(font: Font, range: GlyphRange) -> Result<Vec<u8>, GlyphError> {
    let face = ttf_parser::Face::parse(font.bytes(), 0).map_err(|source| GlyphError::Font {
        font: font.name(),
        source,
    })?;
    let scale = sdf::SIZE / f32::from(face.units_per_em());
    let ascender = (f32::from(face.ascender()) * scale).round() as i32;
    let mut stack = Vec::new();
    write_bytes_field(&mut stack, 1, font.name().as_bytes());
    write_bytes_field(&mut stack, 2, range.label().as_bytes());
    let mut glyph = Vec::new();
    for code in range.start()..range.start() + RANGE_LEN {
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
    write_key(&mut out, 1, crate::tiles::pbf::LEN);
    write_varint(&mut out, stack.len() as u64);
    out.extend_from_slice(&stack);
    Ok(out)
}
