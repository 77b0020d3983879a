//! PMTiles v3 archives: a whole tile set in one file that any web server or CDN can
//! host, read by clients with HTTP Range requests (no tile server running).
//!
//! Written from the protomaps PMTiles v3 specification. The layout, in file order:
//!
//! 1. **header** (127 bytes, little-endian): offsets and lengths of each part, tile
//!    counts, compression, tile type, zoom range, bounds and centre;
//! 2. **root directory** (gzipped), which with the header fits in the first 16 KiB so
//!    that one request gets both;
//! 3. **metadata** (gzipped JSON: name, attribution, `vector_layers`);
//! 4. **leaf directories** (gzipped), only when the root alone would not fit;
//! 5. **tile data**: each distinct tile once (gzipped MVT), in Hilbert order.
//!
//! A directory lists entries `(tile id, offset, length, run length)` sorted by tile
//! id, where the tile id numbers every tile of every zoom along a Hilbert curve
//! ([`tile_id`]). Tiles with the same bytes are stored once; consecutive ids with the
//! same bytes share one entry through its run length. An entry with run length 0
//! points to a leaf directory instead of a tile. A directory is serialised as
//! columns of varints: the count, the id deltas, the run lengths, the lengths, and
//! the offsets (0 meaning "right after the previous entry's bytes", else offset + 1).

use crate::model::TileCoord;
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Write;

/// Bytes of the fixed header.
pub const HEADER_LEN: usize = 127;
/// Header and root directory together must fit in this many bytes.
const ROOT_BUDGET: usize = 16_384;
/// Compression codes of the header.
const GZIP: u8 = 2;
/// Tile type code of Mapbox Vector Tiles.
const MVT: u8 = 1;

/// Why an archive could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PmtilesError {
    /// Writing failed (disk full, the folder removed meanwhile): see the cause.
    #[error("writing the archive: {0}")]
    Io(#[from] std::io::Error),
    /// The same tile was given twice: a caller bug, each tile must come once.
    #[error("tile {0} given twice")]
    Duplicate(TileCoord),
    /// A zoom deeper than 26 has tile ids beyond what clients read exactly.
    #[error("zoom {0} is deeper than the 26 PMTiles clients support")]
    Zoom(u8),
}

/// What the header and metadata say about the tiles.
#[derive(Debug, Clone)]
pub struct ArchiveInfo {
    pub min_zoom: u8,
    pub max_zoom: u8,
    /// `[west, south, east, north]`.
    ///
    /// # Units
    /// WGS84 degrees.
    pub bounds: [f64; 4],
    /// Longitude, latitude (WGS84 degrees) and zoom a viewer opens at.
    pub center: (f64, f64, u8),
    /// The metadata JSON (name, attribution, `vector_layers`, ...).
    pub metadata: serde_json::Value,
}

/// Counts and size of a written archive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ArchiveStats {
    /// Tiles with content (every id a client can get).
    pub addressed: u64,
    /// Directory entries (runs of identical tiles count once).
    pub entries: u64,
    /// Distinct tile contents stored.
    pub contents: u64,
    /// Leaf directories written (0 when the root holds every entry).
    pub leaves: u64,
    /// Bytes of the whole file.
    pub bytes: u64,
}

/// The PMTiles tile id of `coord`: the tiles of all shallower zooms, then the
/// position of `(x, y)` along the Hilbert curve of zoom `z`.
///
/// # Example
/// ```
/// use sigap::model::TileCoord;
/// use sigap::tiles::pmtiles::tile_id;
/// assert_eq!(tile_id(TileCoord::new(0, 0, 0).unwrap()), 0);
/// assert_eq!(tile_id(TileCoord::new(1, 0, 0).unwrap()), 1);
/// assert_eq!(tile_id(TileCoord::new(1, 1, 0).unwrap()), 4);
/// ```
#[must_use]
pub fn tile_id(coord: TileCoord) -> u64 {
    let zoom = u32::from(coord.z);
    let before = ((1u64 << (2 * zoom)) - 1) / 3;
    let (mut col, mut row) = (u64::from(coord.x), u64::from(coord.y));
    let mut along = 0u64;
    // Quadrant by quadrant, from the largest: `half` is the quadrant's side.
    let mut half = (1u64 << zoom) >> 1;
    while half > 0 {
        let right = u64::from(col & half > 0);
        let lower = u64::from(row & half > 0);
        along += half * half * ((3 * right) ^ lower);
        col &= half - 1;
        row &= half - 1;
        // Rotate the quadrant so the curve continues where the last one ended.
        if lower == 0 {
            if right == 1 {
                col = half - 1 - col;
                row = half - 1 - row;
            }
            std::mem::swap(&mut col, &mut row);
        }
        half >>= 1;
    }
    before + along
}

/// One directory entry; `run_length == 0` points to a leaf directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    tile_id: u64,
    offset: u64,
    length: u32,
    run_length: u32,
}

fn varint(mut v: u64, out: &mut Vec<u8>) {
    while v >= 0x80 {
        out.push((v as u8 & 0x7f) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Gzip at libdeflate's fastest level, 1: compression was the largest share of a
/// `sigap publish`. Measured on the demo city's 2,087 public (default period) and
/// basemap tiles, one core: 35 ms against 59 ms at level 9, for 2.4% more bytes
/// (1,962,332 against 1,916,617; zlib's default level, which tippecanoe uses, makes
/// 1,919,577). A tile is a few kilobytes: each call costs about 6 µs before the
/// first byte (the match finder's tables are cleared), whatever the level.
/// One compressor per thread: each holds half a megabyte of match-finder tables.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        static COMPRESSOR: std::cell::RefCell<libdeflater::Compressor> =
            std::cell::RefCell::new(libdeflater::Compressor::new(
                libdeflater::CompressionLvl::new(1).unwrap_or_default(),
            ));
    }
    COMPRESSOR.with_borrow_mut(|c| {
        let mut out = vec![0; c.gzip_compress_bound(bytes.len())];
        // The bound always fits, so this cannot fail.
        let n = c.gzip_compress(bytes, &mut out).unwrap_or_default();
        out.truncate(n);
        out
    })
}

/// A directory as the spec's varint columns, gzipped.
fn directory(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.len() * 6 + 8);
    varint(entries.len() as u64, &mut out);
    let mut last = 0;
    for e in entries {
        varint(e.tile_id - last, &mut out);
        last = e.tile_id;
    }
    for e in entries {
        varint(u64::from(e.run_length), &mut out);
    }
    for e in entries {
        varint(u64::from(e.length), &mut out);
    }
    for (i, e) in entries.iter().enumerate() {
        let follows = i > 0 && {
            let p = &entries[i - 1];
            e.offset == p.offset + u64::from(p.length)
        };
        varint(if follows { 0 } else { e.offset + 1 }, &mut out);
    }
    gzip(&out)
}

/// The root directory, and the leaf directories it points to (empty when the root
/// holds every entry): leaves of `n` entries, `n` growing until the root fits.
fn directories(entries: &[Entry]) -> (Vec<u8>, Vec<u8>, u64) {
    let root = directory(entries);
    if root.len() + HEADER_LEN <= ROOT_BUDGET {
        return (root, Vec::new(), 0);
    }
    let mut per_leaf = 4096usize;
    loop {
        let mut leaves = Vec::new();
        let mut pointers = Vec::new();
        for chunk in entries.chunks(per_leaf) {
            let leaf = directory(chunk);
            pointers.push(Entry {
                tile_id: chunk[0].tile_id,
                offset: leaves.len() as u64,
                length: leaf.len() as u32,
                run_length: 0,
            });
            leaves.extend_from_slice(&leaf);
        }
        let root = directory(&pointers);
        if root.len() + HEADER_LEN <= ROOT_BUDGET {
            return (root, leaves, pointers.len() as u64);
        }
        per_leaf *= 2;
    }
}

/// Degrees as the header's 1e-7 fixed point.
fn e7(deg: f64) -> i32 {
    (deg * 1e7).round() as i32
}

fn header(
    info: &ArchiveInfo,
    root: (u64, u64),
    meta: (u64, u64),
    leaves: (u64, u64),
    data: (u64, u64),
    stats: &ArchiveStats,
) -> Vec<u8> {
    let mut h = Vec::with_capacity(HEADER_LEN);
    h.extend_from_slice(b"PMTiles");
    h.push(3);
    for v in [
        root.0,
        root.1,
        meta.0,
        meta.1,
        leaves.0,
        leaves.1,
        data.0,
        data.1,
        stats.addressed,
        stats.entries,
        stats.contents,
    ] {
        h.extend_from_slice(&v.to_le_bytes());
    }
    // Clustered (tile data in id order), gzip for directories and for tiles, MVT.
    h.extend_from_slice(&[1, GZIP, GZIP, MVT, info.min_zoom, info.max_zoom]);
    for deg in info.bounds {
        h.extend_from_slice(&e7(deg).to_le_bytes());
    }
    h.push(info.center.2);
    h.extend_from_slice(&e7(info.center.0).to_le_bytes());
    h.extend_from_slice(&e7(info.center.1).to_le_bytes());
    debug_assert_eq!(h.len(), HEADER_LEN);
    h
}

/// Writes `tiles` (uncompressed MVT; empty ones are left out) as one PMTiles v3
/// archive to `out`. Tiles are gzipped here, on every core.
///
/// # Units
/// `info.bounds` and `info.center` in WGS84 degrees.
pub fn write_archive(
    tiles: Vec<(TileCoord, Vec<u8>)>,
    info: &ArchiveInfo,
    out: &mut impl Write,
) -> Result<ArchiveStats, PmtilesError> {
    if let Some((c, _)) = tiles.iter().find(|(c, _)| c.z > 26) {
        return Err(PmtilesError::Zoom(c.z));
    }
    let mut tiles: Vec<(u64, TileCoord, Vec<u8>)> = tiles
        .into_iter()
        .filter(|(_, b)| !b.is_empty())
        .map(|(c, b)| (tile_id(c), c, b))
        .collect();
    tiles.sort_unstable_by_key(|t| t.0);
    if let Some(w) = tiles.windows(2).find(|w| w[0].0 == w[1].0) {
        return Err(PmtilesError::Duplicate(w[1].1));
    }
    // Identical tiles (the sea, the inside of one village at deep zooms) are stored
    // once, found again by content.
    // foldhash: SipHash over every tile's bytes was a measurable share of a publish.
    let mut by_content: HashMap<&[u8], usize, foldhash::fast::FixedState> =
        HashMap::with_capacity_and_hasher(tiles.len(), foldhash::fast::FixedState::default());
    let mut first: Vec<usize> = Vec::new();
    let content_of: Vec<usize> = tiles
        .iter()
        .enumerate()
        .map(|(i, (_, _, bytes))| {
            *by_content.entry(bytes.as_slice()).or_insert_with(|| {
                first.push(i);
                first.len() - 1
            })
        })
        .collect();
    let compressed: Vec<Vec<u8>> = first.par_iter().map(|&i| gzip(&tiles[i].2)).collect();
    let mut placed = Vec::with_capacity(compressed.len());
    let mut offset = 0u64;
    for gz in &compressed {
        placed.push((offset, gz.len() as u32));
        offset += gz.len() as u64;
    }
    let mut entries: Vec<Entry> = Vec::with_capacity(tiles.len());
    for ((id, _, _), &c) in tiles.iter().zip(&content_of) {
        let (off, len) = placed[c];
        match entries.last_mut() {
            Some(e) if e.offset == off && e.tile_id + u64::from(e.run_length) == *id => {
                e.run_length += 1;
            }
            _ => entries.push(Entry {
                tile_id: *id,
                offset: off,
                length: len,
                run_length: 1,
            }),
        }
    }
    let (root, leaves, leaf_count) = directories(&entries);
    let meta = gzip(&serde_json::to_vec(&info.metadata).unwrap_or_default());
    let stats = ArchiveStats {
        addressed: tiles.len() as u64,
        entries: entries.len() as u64,
        contents: first.len() as u64,
        leaves: leaf_count,
        bytes: 0,
    };
    let root_at = HEADER_LEN as u64;
    let meta_at = root_at + root.len() as u64;
    let leaves_at = meta_at + meta.len() as u64;
    let data_at = leaves_at + leaves.len() as u64;
    let head = header(
        info,
        (root_at, root.len() as u64),
        (meta_at, meta.len() as u64),
        (leaves_at, leaves.len() as u64),
        (data_at, offset),
        &stats,
    );
    for part in [&head, &root, &meta, &leaves] {
        out.write_all(part)?;
    }
    for gz in &compressed {
        out.write_all(gz)?;
    }
    out.flush()?;
    Ok(ArchiveStats {
        bytes: data_at + offset,
        ..stats
    })
}

#[cfg(test)]
#[path = "pmtiles_tests.rs"]
mod tests;
