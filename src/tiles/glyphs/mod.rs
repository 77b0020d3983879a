//! Glyph PBFs: the fonts MapLibre GL draws map labels with, served by sigap itself.
//!
//! MapLibre cannot use the browser's fonts for labels: it asks the style's `glyphs`
//! URL for ranges of 256 code points, each a protobuf of signed distance fields
//! (SDFs), and draws text from those on the GPU. Public glyph servers sit on the
//! internet, which a city office's map cannot rely on, so sigap makes the ranges
//! from the DejaVu Sans fonts it carries (`tiles/fonts/`, unmodified, with their
//! licence).
//!
//! The steps for one range, in order ([`encode_range`], [`encode::encode_face`]):
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

pub mod encode;
pub mod outline;
pub mod sdf;

#[cfg(test)]
mod tests;

// `encode` reaches the protobuf writers as `super::pbf` (as in build.rs).
use crate::tiles::pbf;
pub use encode::RANGE_LEN;

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

/// Glyph ranges drawn at build time by the same [`encode::encode_face`] (`build.rs`):
/// (fontstack, range, PBF).
mod prebuilt {
    include!(concat!(env!("OUT_DIR"), "/glyphs.rs"));
}

/// The glyph range drawn at build time, if it is one of those.
#[must_use]
pub fn prebuilt(font: Font, range: GlyphRange) -> Option<&'static [u8]> {
    let label = range.label();
    prebuilt::PREBUILT
        .iter()
        .find(|(name, r, _)| *name == font.name() && *r == label)
        .map(|(_, _, pbf)| *pbf)
}

/// The glyph PBF of `range` in `font`: one fontstack with a glyph for every code
/// point of the range the font has. The ranges `sigap publish` writes come drawn
/// at build time ([`prebuilt`]); any other is drawn now ([`draw_range`]).
pub fn encode_range(font: Font, range: GlyphRange) -> Result<Vec<u8>, GlyphError> {
    if let Some(pbf) = prebuilt(font, range) {
        return Ok(pbf.to_vec());
    }
    draw_range(font, range)
}

/// [`encode_range`] drawn now ([`encode::encode_face`]), never from [`prebuilt`].
///
/// # Units
/// Metrics and bitmaps are in pixels at [`sdf::SIZE`] px per em.
pub fn draw_range(font: Font, range: GlyphRange) -> Result<Vec<u8>, GlyphError> {
    let face = ttf_parser::Face::parse(font.bytes(), 0).map_err(|source| GlyphError::Font {
        font: font.name(),
        source,
    })?;
    Ok(encode::encode_face(
        &face,
        font.name(),
        range.start(),
        &range.label(),
    ))
}
