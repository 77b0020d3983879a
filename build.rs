//! Three jobs before the crate compiles.
//!
//! **The viewer inside the binary.** Every file of `web/` and the MapLibre GL JS files
//! the pages load (from npm's `node_modules/maplibre-gl/dist`), and the `pmtiles` script
//! of the static map (`sigap publish`), are listed in
//! `$OUT_DIR/web_assets.rs` as `include_bytes!`, so a release binary copied alone to a
//! server serves the map (see `src/assets.rs`). A generated list rather than an
//! embedding crate: no proc-macro and no extra dependencies to compile on a small
//! machine, and the list is a few lines of plain Rust a reader can open.
//!
//! **The glyph ranges `sigap publish` writes**, drawn once here with the crate's own
//! encoder (`src/tiles/glyphs/encode.rs`, included as a module) rather than at every
//! publish; `tiles::glyphs::encode_range` answers those from `$OUT_DIR/glyphs.rs`.
//!
//! **The bundled SQLite private to the binary.** `rusqlite` compiles its own SQLite
//! (`bundled`: rusqlite 0.43 needs 3.45.3, Debian 12 ships 3.40.1), while the system
//! GDAL reads GeoPackage files through the system `libsqlite3`. Left alone, the linker
//! exports the bundled `sqlite3_*` functions from the executable and GDAL binds to
//! them, mixing two SQLite builds on one database handle (a crash in the first `ogr`
//! call on a .gpkg). `--exclude-libs,ALL` keeps symbols from static libraries out of
//! the dynamic table, so each side uses its own SQLite.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

// The glyph encoder itself (`src/tiles/glyphs/encode.rs` and what it uses), compiled
// here too, so the ranges made at build time are the server's bytes exactly.
#[allow(dead_code)]
#[path = "src/tiles/glyphs/encode.rs"]
mod encode;
#[allow(dead_code)]
#[path = "src/tiles/glyphs/outline.rs"]
mod outline;
#[allow(dead_code)]
#[path = "src/tiles/pbf.rs"]
mod pbf;
#[allow(dead_code)]
#[path = "src/tiles/glyphs/sdf.rs"]
mod sdf;

/// The fonts (fontstack name, file) and the first code points of the glyph ranges
/// made at build time: the ones `sigap publish` writes (`GLYPH_RANGES` in
/// `src/publish/site.rs`; a test there checks they are all here).
const GLYPH_FONTS: [(&str, &str); 2] = [
    ("DejaVu Sans Book", "tiles/fonts/DejaVuSans.ttf"),
    ("DejaVu Sans Bold", "tiles/fonts/DejaVuSans-Bold.ttf"),
];
const GLYPH_RANGES: [u32; 4] = [0, 256, 512, 8192];

/// The MapLibre files the pages load: the module, its worker, the chunk they share,
/// the stylesheet. Source maps and the `-dev` builds stay out.
const MAPLIBRE_FILES: [&str; 4] = [
    "maplibre-gl.mjs",
    "maplibre-gl-worker.mjs",
    "maplibre-gl-shared.mjs",
    "maplibre-gl.css",
];

fn main() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg=-Wl,--exclude-libs,ALL");
    }
    println!("cargo:rerun-if-changed=build.rs");
    embed_web();
    prebuild_glyphs();
}

/// Writes the glyph ranges of [`GLYPH_RANGES`] in each of [`GLYPH_FONTS`] to
/// `$OUT_DIR/glyphs/`, and `$OUT_DIR/glyphs.rs` listing them as
/// `(fontstack, range, include_bytes!)`: `sigap publish` writes them without
/// drawing a glyph (they were 16% of its CPU time).
fn prebuild_glyphs() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("OUT_DIR"));
    for f in ["encode.rs", "outline.rs", "sdf.rs"] {
        println!("cargo:rerun-if-changed=src/tiles/glyphs/{f}");
    }
    println!("cargo:rerun-if-changed=src/tiles/pbf.rs");
    let dir = out.join("glyphs");
    std::fs::create_dir_all(&dir).expect("create $OUT_DIR/glyphs");
    let fonts: Vec<(&str, Vec<u8>)> = GLYPH_FONTS
        .iter()
        .map(|(name, file)| {
            let path = root.join(file);
            println!("cargo:rerun-if-changed={}", path.display());
            let bytes = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("cannot read the font {}: {e}", path.display()));
            (*name, bytes)
        })
        .collect();
    // One thread per range: unoptimised, as build scripts are, a range takes a while.
    let made: Vec<(&str, String, PathBuf)> = std::thread::scope(|scope| {
        let jobs: Vec<_> = fonts
            .iter()
            .enumerate()
            .flat_map(|(i, (name, bytes))| GLYPH_RANGES.map(|start| (i, *name, bytes, start)))
            .map(|(i, name, bytes, start)| {
                let dir = &dir;
                scope.spawn(move || {
                    let face = ttf_parser::Face::parse(bytes, 0)
                        .unwrap_or_else(|e| panic!("font {name} does not parse: {e}"));
                    let label = format!("{}-{}", start, start + encode::RANGE_LEN - 1);
                    let pbf = encode::encode_face(&face, name, start, &label);
                    let path = dir.join(format!("{i}-{label}.pbf"));
                    std::fs::write(&path, pbf).expect("write a glyph range");
                    (name, label, path)
                })
            })
            .collect();
        jobs.into_iter()
            .map(|j| j.join().expect("glyph range thread"))
            .collect()
    });
    let mut list = String::from("/// Generated by build.rs: (fontstack, range, glyph PBF).\n");
    list.push_str("pub static PREBUILT: &[(&str, &str, &[u8])] = &[\n");
    for (name, label, path) in &made {
        let path = path.to_str().expect("OUT_DIR is UTF-8");
        writeln!(list, "    ({name:?}, {label:?}, include_bytes!({path:?})),")
            .expect("write to a String");
    }
    list.push_str("];\n");
    std::fs::write(out.join("glyphs.rs"), list).expect("write glyphs.rs");
}

/// Writes `$OUT_DIR/web_assets.rs`: `(served path, bytes)` for each embedded file.
fn embed_web() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let web = root.join("web");
    let dist = root.join("node_modules/maplibre-gl/dist");
    println!("cargo:rerun-if-changed={}", web.display());
    println!("cargo:rerun-if-changed={}", dist.display());
    let mut files = Vec::new();
    list(&web, "web", &mut files);
    let missing: Vec<&str> = MAPLIBRE_FILES
        .iter()
        .copied()
        .filter(|f| !dist.join(f).is_file())
        .collect();
    assert!(
        missing.is_empty(),
        "\n\nsigap embeds MapLibre GL JS from npm, but {} lacks {}.\n\
         Run `npm ci` in {} first (`make build` and `make release` do).\n\n",
        dist.display(),
        missing.join(", "),
        root.display()
    );
    for f in MAPLIBRE_FILES {
        files.push((format!("vendor/maplibre-gl/{f}"), dist.join(f)));
    }
    // The PMTiles protocol for MapLibre (one script, its gzip reader inside), which
    // `sigap publish` copies beside the static map.
    let pmtiles = root.join("node_modules/pmtiles/dist/pmtiles.js");
    println!("cargo:rerun-if-changed={}", pmtiles.display());
    assert!(
        pmtiles.is_file(),
        "\n\nsigap embeds the pmtiles script from npm, but {} is missing.\n\
         Run `npm ci` in {} first.\n\n",
        pmtiles.display(),
        root.display()
    );
    files.push(("vendor/pmtiles/pmtiles.js".to_owned(), pmtiles));
    files.sort();
    let mut out = String::from("/// Generated by build.rs: every file the viewer serves.\n");
    out.push_str("pub static FILES: &[(&str, &[u8])] = &[\n");
    for (served, path) in &files {
        let path = path.to_str().expect("the source path is UTF-8");
        writeln!(out, "    ({served:?}, include_bytes!({path:?})),").expect("write to a String");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("web_assets.rs");
    std::fs::write(&dest, out).expect("write web_assets.rs");
}

/// Adds the files under `dir` (recursively, skipping dot files) as `prefix/name`.
fn list(dir: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read {} to embed it: {e}", dir.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let served = format!("{prefix}/{name}");
        if path.is_dir() {
            list(&path, &served, files);
        } else {
            files.push((served, path));
        }
    }
}
