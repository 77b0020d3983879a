//! A small OpenStreetMap PBF writer: nodes (dense) and ways with tags, zlib blobs.
//!
//! The demo city ships its roads as a `.osm.pbf` so that `sigap demo` exercises the
//! same import a real extract goes through; tests use it to build small networks.
//! Only what a road network needs is written (no relations, no metadata), following
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

/// The bytes of an `.osm.pbf` file holding `nodes` then `ways`.
pub fn encode(nodes: &[OsmNode], ways: &[OsmWay]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    let mut header = Vec::new();
    write_bytes_field(&mut header, 4, b"OsmSchema-V0.6"); // required_features
    write_bytes_field(&mut header, 4, b"DenseNodes");
    write_bytes_field(&mut header, 16, b"sigap"); // writingprogram
    blob(&mut out, "OSMHeader", &header)?;

    let units = |deg: f64| (deg * 1e9 / GRANULARITY).round() as i64;
    for chunk in nodes.chunks(BLOCK) {
        let mut dense = Vec::new();
        write_bytes_field(&mut dense, 1, &deltas(chunk.iter().map(|n| n.id)));
        write_bytes_field(
            &mut dense,
            8,
            &deltas(chunk.iter().map(|n| units(n.lonlat[1]))),
        );
        write_bytes_field(
            &mut dense,
            9,
            &deltas(chunk.iter().map(|n| units(n.lonlat[0]))),
        );
        let mut group = Vec::new();
        write_bytes_field(&mut group, 2, &dense);
        blob(&mut out, "OSMData", &block(&[String::new()], &group))?;
    }
    for chunk in ways.chunks(BLOCK) {
        let mut strings = vec![String::new()];
        let mut index = std::collections::HashMap::new();
        let mut id_of = |s: &str| -> u64 {
            *index.entry(s.to_owned()).or_insert_with(|| {
                strings.push(s.to_owned());
                strings.len() as u64 - 1
            })
        };
        let mut group = Vec::new();
        for w in chunk {
            let keys: Vec<u64> = w.tags.iter().map(|(k, _)| id_of(k)).collect();
            let vals: Vec<u64> = w.tags.iter().map(|(_, v)| id_of(v)).collect();
            let mut way = Vec::new();
            write_varint_field(&mut way, 1, w.id as u64);
            write_bytes_field(&mut way, 2, &packed(keys));
            write_bytes_field(&mut way, 3, &packed(vals));
            write_bytes_field(&mut way, 8, &deltas(w.refs.iter().copied()));
            write_bytes_field(&mut group, 3, &way);
        }
        blob(&mut out, "OSMData", &block(&strings, &group))?;
    }
    Ok(out)
}

/// Writes `nodes` and `ways` to `path` as an `.osm.pbf` file.
pub fn write(path: &Path, nodes: &[OsmNode], ways: &[OsmWay]) -> std::io::Result<()> {
    std::fs::write(path, encode(nodes, ways)?)
}
