//! The viewer's files: compiled into the binary, or read from disk while developing.
//!
//! A city's IT team copies one file to a server; the map, the embed and MapLibre GL JS
//! must come with it. `build.rs` lists every file of `web/` and the MapLibre files the
//! pages load, and this module serves them by path with a content type and an `ETag`
//! (computed once, at first use). [`WebFiles::Disk`] (`sigap serve --web-dir DIR`)
//! reads the same paths from disk on every request, so editing the JavaScript needs
//! no rebuild.
//!
//! Paths are the ones the server answers under, without the leading slash:
//! `web/app.js`, `vendor/maplibre-gl/maplibre-gl.mjs`.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::sync::LazyLock;

mod generated {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

/// Where MapLibre's files are served from, below the root.
pub const VENDOR_PREFIX: &str = "vendor/maplibre-gl/";
/// Where the `pmtiles` script (for the static map of `sigap publish` and an external
/// PMTiles basemap) is, below the root.
pub const PMTILES_PREFIX: &str = "vendor/pmtiles/";
/// Where `web/` is served from, below the root.
pub const WEB_PREFIX: &str = "web/";

/// One file to answer with.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Cow<'static, [u8]>,
    /// A strong validator: CRC-32 and length of the bytes, quoted.
    pub etag: String,
    pub content_type: &'static str,
}

impl Asset {
    fn new(path: &str, bytes: Cow<'static, [u8]>) -> Self {
        let etag = format!("\"{:08x}-{}\"", crc32fast::hash(&bytes), bytes.len());
        Self {
            bytes,
            etag,
            content_type: content_type(path),
        }
    }
}

static EMBEDDED: LazyLock<HashMap<&'static str, Asset>> = LazyLock::new(|| {
    generated::FILES
        .iter()
        .map(|(path, bytes)| (*path, Asset::new(path, Cow::Borrowed(*bytes))))
        .collect()
});

/// The embedded file at `path`, if there is one.
#[must_use]
pub fn embedded(path: &str) -> Option<&'static Asset> {
    EMBEDDED.get(path)
}

/// Every embedded path, sorted.
#[must_use]
pub fn embedded_paths() -> Vec<&'static str> {
    let mut paths: Vec<&str> = generated::FILES.iter().map(|(p, _)| *p).collect();
    paths.sort_unstable();
    paths
}

/// The `Content-Type` of a file, from its extension.
#[must_use]
pub fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map_or("", |(_, ext)| ext) {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "webmanifest" => "application/manifest+json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Where the viewer's files come from.
#[derive(Debug, Clone, Default)]
pub enum WebFiles {
    /// The copies compiled into the binary (the default).
    #[default]
    Embedded,
    /// `web` holds what `web/` holds; `vendor` is npm's `node_modules` (MapLibre is
    /// read from `vendor/maplibre-gl/dist`).
    Disk { web: PathBuf, vendor: PathBuf },
}

impl WebFiles {
    /// The file served at `path`; `Ok(None)` when there is none.
    ///
    /// # Errors
    /// Reading a file from disk failed for another reason than its absence.
    pub fn get(&self, path: &str) -> std::io::Result<Option<Asset>> {
        match self {
            Self::Embedded => Ok(embedded(path).cloned()),
            Self::Disk { web, vendor } => {
                let Some(file) = disk_path(web, vendor, path) else {
                    return Ok(None);
                };
                match std::fs::read(&file) {
                    Ok(bytes) => Ok(Some(Asset::new(path, Cow::Owned(bytes)))),
                    Err(e)
                        if matches!(
                            e.kind(),
                            std::io::ErrorKind::NotFound | std::io::ErrorKind::IsADirectory
                        ) =>
                    {
                        Ok(None)
                    }
                    Err(e) => Err(e),
                }
            }
        }
    }
}

/// The file on disk behind a served path; `None` for a path that would leave the
/// directory (`..`, an absolute path) or lies outside both prefixes.
fn disk_path(web: &Path, vendor: &Path, path: &str) -> Option<PathBuf> {
    let (base, rest) = if let Some(rest) = path.strip_prefix(WEB_PREFIX) {
        (web.to_path_buf(), rest)
    } else if let Some(rest) = path.strip_prefix(VENDOR_PREFIX) {
        (vendor.join("maplibre-gl/dist"), rest)
    } else if let Some(rest) = path.strip_prefix(PMTILES_PREFIX) {
        (vendor.join("pmtiles/dist"), rest)
    } else {
        return None;
    };
    let rest = Path::new(rest);
    let plain = rest.components().all(|c| matches!(c, Component::Normal(_)));
    (plain && !rest.as_os_str().is_empty()).then(|| base.join(rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_and_what_they_load_are_embedded() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for path in [
            "web/index.html",
            "web/app.js",
            "web/embed.html",
            "web/embed.js",
            "web/snippet.html",
            "web/profile.html",
            "web/profile.js",
            "web/print.js",
            "web/png.js",
            "vendor/maplibre-gl/maplibre-gl.mjs",
            "vendor/maplibre-gl/maplibre-gl-worker.mjs",
            "vendor/maplibre-gl/maplibre-gl.css",
        ] {
            let a = embedded(path).unwrap_or_else(|| panic!("{path} not embedded"));
            let source = root.join(path.replace(VENDOR_PREFIX, "node_modules/maplibre-gl/dist/"));
            let on_disk = std::fs::read(source).expect("source file");
            assert_eq!(a.bytes.as_ref(), on_disk.as_slice(), "{path}");
        }
        assert!(embedded("vendor/maplibre-gl/maplibre-gl.mjs.map").is_none());
        assert_eq!(
            content_type("vendor/maplibre-gl/maplibre-gl.mjs"),
            "text/javascript; charset=utf-8"
        );
    }

    #[test]
    fn a_disk_path_never_leaves_its_directory() {
        let (web, vendor) = (Path::new("/srv/web"), Path::new("/srv/nm"));
        assert_eq!(
            disk_path(web, vendor, "web/app.js"),
            Some(PathBuf::from("/srv/web/app.js"))
        );
        assert_eq!(
            disk_path(web, vendor, "vendor/maplibre-gl/maplibre-gl.css"),
            Some(PathBuf::from("/srv/nm/maplibre-gl/dist/maplibre-gl.css"))
        );
        for bad in [
            "web/../secret",
            "web//etc/passwd",
            "web/",
            "other/x",
            "web/a/../../b",
        ] {
            assert_eq!(disk_path(web, vendor, bad), None, "{bad}");
        }
    }
}
