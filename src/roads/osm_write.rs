//! A small OpenStreetMap PBF writer: nodes (dense) and ways with tags, zlib blobs.
//!
//! The demo city ships its roads as a `.osm.pbf` so that `sigap demo` exercises the
//! same import a real extract goes through; tests use it to build small networks.
//! Only what a road network and a simple basemap need is written: untagged nodes,
//! tagged points (places), and ways with tags (no relations, no metadata), following
//! the `fileformat.proto` and `osmformat.proto` field numbers.

use crate::tiles::pbf::{write_bytes_field, write_varint, write_varint_field, zigzag64};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use std::io::Write;
use std::path::Path;

/// Elements per primitive block (the format recommends at most 8,000).
const BLOCK: usize = 8_000;
/// Nanodegrees per stored unit (the format's default granularity).
const GRANULARITY: f64 = 100.0;

/// A node to write: id and `[lon, lat]` (stored to 1e-7 degree).
#[derive(Debug, Clone, Copy)]
pub struct OsmNode {
    pub id: i64,
    pub lonlat: [f64; 2],
}

/// A tagged node to write (e.g. `place=suburb`): id, `[lon, lat]`, tags.
#[derive(Debug, Clone)]
pub struct OsmPoint {
    pub id: i64,
    pub lonlat: [f64; 2],
    pub tags: Vec<(String, String)>,
}

/// A way to write: id, node ids, tags.
#[derive(Debug, Clone)]
pub struct OsmWay {
    pub id: i64,
    pub refs: Vec<i64>,
    pub tags: Vec<(String, String)>,
}

fn packed(values: impl IntoIterator<Item = u64>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        write_varint(&mut out, v);
    }
    out
}

fn deltas(values: impl IntoIterator<Item = i64>) -> Vec<u8> {
    let mut prev = 0i64;
    packed(values.into_iter().map(|v| {
        let d = v - prev;
        prev = v;
        zigzag64(d)
    }))
}

fn blob(out: &mut Vec<u8>, kind: &str, payload: &[u8]) -> std::io::Result<()> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(payload)?;
    let mut body = Vec::new();
    write_varint_field(&mut body, 2, payload.len() as u64); // raw_size
    write_bytes_field(&mut body, 3, &z.finish()?); // zlib_data
    let mut header = Vec::new();
    write_bytes_field(&mut header, 1, kind.as_bytes()); // type
    write_varint_field(&mut header, 3, body.len() as u64); // datasize
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&body);
    Ok(())
}

/// A primitive block with its string table and one group.
fn block(strings: &[String], group: &[u8]) -> Vec<u8> {
    let mut table = Vec::new();
    for s in strings {
        write_bytes_field(&mut table, 1, s.as_bytes());
    }
    let mut out = Vec::new();
    write_bytes_field(&mut out, 1, &table); // stringtable
    write_bytes_field(&mut out, 2, group); // primitivegroup
    out
}

/// A string table under construction: index 0 is the empty string, as required.
struct Strings {
    strings: Vec<String>,
    index: std::collections::HashMap<String, u64>,
}

impl Strings {
    fn new() -> Self {
        Self {
            strings: vec![String::new()],
            index: std::collections::HashMap::from([(String::new(), 0)]),
        }
    }

    fn id(&mut self, s: &str) -> u64 {
        if let Some(id) = self.index.get(s) {
            return *id;
        }
        self.strings.push(s.to_owned());
        let id = self.strings.len() as u64 - 1;
        self.index.insert(s.to_owned(), id);
        id
    }
}

/// A `DenseNodes` group: ids, latitudes, longitudes and (when given) `keys_vals`.
fn dense_group(ids: &[i64], lonlats: &[[f64; 2]], keys_vals: Option<Vec<u64>>) -> Vec<u8> {
    let units = |deg: f64| (deg * 1e9 / GRANULARITY).round() as i64;
    let mut dense = Vec::new();
    write_bytes_field(&mut dense, 1, &deltas(ids.iter().copied()));
    write_bytes_field(&mut dense, 8, &deltas(lonlats.iter().map(|p| units(p[1]))));
    write_bytes_field(&mut dense, 9, &deltas(lonlats.iter().map(|p| units(p[0]))));
    if let Some(kv) = keys_vals {
        write_bytes_field(&mut dense, 10, &packed(kv));
    }
    let mut group = Vec::new();
    write_bytes_field(&mut group, 2, &dense);
    group
}

/// The bytes of an `.osm.pbf` file holding `nodes`, then `points`, then `ways`.
pub fn encode(nodes: &[OsmNode], points: &[OsmPoint], ways: &[OsmWay]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut header = Vec::new();
    write_bytes_field(&mut header, 4, b"OsmSchema-V0.6"); // required_features
    write_bytes_field(&mut header, 4, b"DenseNodes");
    write_bytes_field(&mut header, 16, b"sigap"); // writingprogram
    blob(&mut out, "OSMHeader", &header)?;

    for chunk in nodes.chunks(BLOCK) {
        let ids: Vec<i64> = chunk.iter().map(|n| n.id).collect();
        let lonlats: Vec<[f64; 2]> = chunk.iter().map(|n| n.lonlat).collect();
        let group = dense_group(&ids, &lonlats, None);
        blob(&mut out, "OSMData", &block(&[String::new()], &group))?;
    }
    for chunk in points.chunks(BLOCK) {
        let mut strings = Strings::new();
        let mut kv = Vec::new();
        for p in chunk {
            for (k, v) in &p.tags {
                kv.push(strings.id(k));
                kv.push(strings.id(v));
            }
            kv.push(0);
        }
        let ids: Vec<i64> = chunk.iter().map(|p| p.id).collect();
        let lonlats: Vec<[f64; 2]> = chunk.iter().map(|p| p.lonlat).collect();
        let group = dense_group(&ids, &lonlats, Some(kv));
        blob(&mut out, "OSMData", &block(&strings.strings, &group))?;
    }
    for chunk in ways.chunks(BLOCK) {
        let mut strings = Strings::new();
        let mut group = Vec::new();
        for w in chunk {
            let keys: Vec<u64> = w.tags.iter().map(|(k, _)| strings.id(k)).collect();
            let vals: Vec<u64> = w.tags.iter().map(|(_, v)| strings.id(v)).collect();
            let mut way = Vec::new();
            write_varint_field(&mut way, 1, w.id as u64);
            write_bytes_field(&mut way, 2, &packed(keys));
            write_bytes_field(&mut way, 3, &packed(vals));
            write_bytes_field(&mut way, 8, &deltas(w.refs.iter().copied()));
            write_bytes_field(&mut group, 3, &way);
        }
        blob(&mut out, "OSMData", &block(&strings.strings, &group))?;
    }
    Ok(out)
}

/// Writes `nodes`, `points` and `ways` to `path` as an `.osm.pbf` file.
pub fn write(
    path: &Path,
    nodes: &[OsmNode],
    points: &[OsmPoint],
    ways: &[OsmWay],
) -> std::io::Result<()> {
    std::fs::write(path, encode(nodes, points, ways)?)
}
