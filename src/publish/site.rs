//! The static site around the archives: the basemap (archive, style, glyphs) and the
//! pages (the embed as `index.html`, the snippet page, their scripts and MapLibre).

use super::{BASEMAP_ARCHIVE, BASEMAP_MARGIN, Options, PublishError, write, write_json};
use crate::basemap::style::{GLYPHS_SERVED, StyleUrls, style};
use crate::http::AppState;
use crate::tiles::glyphs::{Font, GlyphRange, encode_range};
use rayon::prelude::*;
use serde_json::json;
use std::path::Path;

/// Glyph ranges written (`build.rs` draws them: its `GLYPH_RANGES`): Basic Latin
/// and Latin-1, Latin Extended-A and -B (names in Indonesian and in the regional
/// languages' spellings), General Punctuation (dashes, quotes). A label with a
/// character outside them draws without it.
const GLYPH_RANGES: [&str; 4] = ["0-255", "256-511", "512-767", "8192-8447"];

/// The files of the pages, as the server serves them (`web/...`, `vendor/...`).
const PAGE_FILES: [&str; 9] = [
    "web/embed.js",
    "web/embed.css",
    "web/basemap.js",
    "web/snippet.js",
    "vendor/maplibre-gl/maplibre-gl.mjs",
    "vendor/maplibre-gl/maplibre-gl-worker.mjs",
    "vendor/maplibre-gl/maplibre-gl-shared.mjs",
    "vendor/maplibre-gl/maplibre-gl.css",
    "vendor/pmtiles/pmtiles.js",
];

/// Where the snippet points when neither `--url` nor `[server] public_url` says.
const URL_PLACEHOLDER: &str = "https://ALAMAT-SITUS-KOTA/peta/";

/// The glyph ranges the basemap's labels use, encoded: they depend on the fonts
/// built into the binary alone, so `build.rs` draws them and [`glyphs`] copies them
/// (passed in [`Options::glyphs`]).
#[derive(Debug, Clone, Default)]
pub struct Glyphs(Vec<(Font, GlyphRange, Vec<u8>)>);

/// Every glyph range written ([`GLYPH_RANGES`] of each font), each range a few
/// hundred SDF glyphs, as drawn at build time (any range `build.rs` did not draw is
/// drawn now, on every core).
pub fn glyphs() -> Result<Glyphs, PublishError> {
    let wanted: Vec<(Font, &str)> = Font::ALL
        .into_iter()
        .flat_map(|f| GLYPH_RANGES.map(|r| (f, r)))
        .collect();
    wanted
        .into_par_iter()
        .map(|(font, range)| {
            let range: GlyphRange = range.parse()?;
            Ok((font, range, encode_range(font, range)?))
        })
        .collect::<Result<_, crate::tiles::glyphs::GlyphError>>()
        .map(Glyphs)
        .map_err(|e| PublishError::Public(e.to_string()))
}

/// Writes `basemap.pmtiles`, `basemap/style.json` and the glyph ranges (`glyphs`,
/// or made here); returns (tiles, bytes).
pub fn basemap(
    state: &AppState,
    dir: &Path,
    glyphs: Option<&Glyphs>,
) -> Result<(u64, u64), PublishError> {
    let snapshot = state.snapshot();
    let Some(bounds) = snapshot.analysis.village_bounds_array() else {
        return Ok((0, 0));
    };
    tracing::info!("writing the basemap");
    let attribution = if state.0.demo {
        "peta dasar demo sintetis (synthetic demo basemap)"
    } else {
        "© OpenStreetMap contributors"
    };
    let info = super::info_for(
        bounds,
        0,
        crate::basemap::MAX_ZOOM,
        json!({
            "name": "sigap basemap",
            "attribution": attribution,
            "type": "baselayer",
            "vector_layers": crate::basemap::LAYERS
                .iter()
                .map(|l| json!({ "id": l, "fields": {} }))
                .collect::<Vec<_>>(),
        }),
    );
    let basemap = std::sync::Arc::clone(&snapshot.basemap);
    let extent = super::grown_extent(bounds, BASEMAP_MARGIN);
    let stats =
        super::archive::write_tiles(&dir.join(BASEMAP_ARCHIVE), Some(extent), &info, |c| {
            basemap.render(c)
        })?;
    let urls = StyleUrls {
        tiles: "",
        // Relative to the page; `web/basemap.js` makes it absolute.
        glyphs: "fonts/{fontstack}/{range}.pbf",
        external: state.0.config.basemap.external().ok().flatten(),
        attribution,
    };
    let mut style = style(&urls, GLYPHS_SERVED);
    let source = crate::basemap::style::own_source_mut(&mut style);
    if let Some(s) = source.as_object_mut() {
        s.remove("tiles");
        s.insert("url".into(), json!(format!("pmtiles://{BASEMAP_ARCHIVE}")));
    }
    let mut bytes = stats.bytes + write_json(&dir.join("basemap/style.json"), &style)?;
    let made;
    let ranges = if let Some(g) = glyphs {
        g
    } else {
        made = self::glyphs()?;
        &made
    };
    for (font, range, pbf) in &ranges.0 {
        let path = dir
            .join("fonts")
            .join(font.name())
            .join(format!("{}.pbf", range.label()));
        bytes += write(&path, pbf)?;
    }
    Ok((stats.addressed, bytes))
}

/// The embed page or the snippet page of `web/` made to work from files: paths
/// below `DIR` instead of the server's root, marked static for the scripts, and
/// with the `pmtiles` protocol loaded.
fn static_page(html: &str) -> String {
    html.replace("<html lang=\"id\">", "<html lang=\"id\" data-static=\"1\">")
        .replace("\"../", "\"")
        .replace(
            "<script type=\"module\"",
            "<script src=\"vendor/pmtiles/pmtiles.js\"></script>\n  <script type=\"module\"",
        )
}

fn asset(state: &AppState, path: &str) -> Result<Vec<u8>, PublishError> {
    state
        .0
        .web
        .get(path)
        .map_err(|e| PublishError::io(Path::new(path), e))?
        .map(|a| a.bytes.into_owned())
        .ok_or_else(|| PublishError::Public(format!("{path} is not built into this binary")))
}

/// Writes `index.html`, `snippet.html` (static), the scripts and MapLibre, and
/// `snippet.txt` (the iframe to paste); returns the bytes written.
pub fn page(state: &AppState, dir: &Path, options: &Options) -> Result<u64, PublishError> {
    let mut bytes = 0;
    for path in PAGE_FILES {
        bytes += write(&dir.join(path), &asset(state, path)?)?;
    }
    for (from, to) in [
        ("web/embed.html", "index.html"),
        ("web/snippet.html", "snippet.html"),
    ] {
        let html = String::from_utf8_lossy(&asset(state, from)?).into_owned();
        bytes += write(&dir.join(to), static_page(&html).as_bytes())?;
    }
    let url = options
        .url
        .clone()
        .or_else(|| state.0.config.server.public_url.clone())
        .unwrap_or_else(|| URL_PLACEHOLDER.to_owned());
    let url = format!("{}/", url.trim_end_matches('/'));
    let snippet = format!(
        "<iframe src=\"{url}index.html\" title=\"Peta stunting\" width=\"100%\" height=\"480\" \
         style=\"border:0\" loading=\"lazy\" referrerpolicy=\"no-referrer\"></iframe>\n"
    );
    bytes += write(&dir.join("snippet.txt"), snippet.as_bytes())?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embed_page_is_rewritten_for_files() {
        let html = "<html lang=\"id\">\n<link href=\"../web/embed.css\">\n  <script type=\"module\" src=\"../web/embed.js\"></script>";
        let out = static_page(html);
        assert!(out.contains("data-static=\"1\""));
        assert!(out.contains("href=\"web/embed.css\""));
        assert!(out.contains("src=\"vendor/pmtiles/pmtiles.js\"></script>"));
        assert!(out.contains("src=\"web/embed.js\""));
        assert!(!out.contains("../"));
    }

    #[test]
    fn every_range_written_comes_drawn_at_build_time_and_as_drawn_now() {
        for font in Font::ALL {
            for range in GLYPH_RANGES {
                let range: GlyphRange = range.parse().expect("range");
                let built = crate::tiles::glyphs::prebuilt(font, range).unwrap_or_else(|| {
                    panic!("{} {} not made by build.rs", font.name(), range.label())
                });
                let drawn = crate::tiles::glyphs::draw_range(font, range).expect("draws");
                assert!(
                    built == drawn.as_slice(),
                    "{} {}",
                    font.name(),
                    range.label()
                );
            }
        }
    }
}
