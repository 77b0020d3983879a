use super::*;
use flate2::read::GzDecoder;
use std::io::Read;

fn coord(z: u8, x: u32, y: u32) -> TileCoord {
    TileCoord::new(z, x, y).expect("valid tile")
}

/// The ids the specification lists for zooms 0-2 (Hilbert order per zoom).
#[test]
fn tile_ids_follow_the_hilbert_curve() {
    let cases = [
        ((0, 0, 0), 0),
        ((1, 0, 0), 1),
        ((1, 0, 1), 2),
        ((1, 1, 1), 3),
        ((1, 1, 0), 4),
        ((2, 0, 0), 5),
        ((2, 1, 0), 6),
        ((2, 1, 1), 7),
        ((2, 0, 1), 8),
        ((2, 0, 2), 9),
        ((2, 3, 0), 20),
    ];
    for ((z, x, y), id) in cases {
        assert_eq!(tile_id(coord(z, x, y)), id, "{z}/{x}/{y}");
    }
    // Every id of a zoom is used once.
    let mut ids: Vec<u64> = (0..16)
        .flat_map(|x| (0..16).map(move |y| tile_id(coord(4, x, y))))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 256);
    assert_eq!(ids[0], 85);
    assert_eq!(ids[255], 85 + 255);
}

fn read_varint(b: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let byte = b[*pos];
        *pos += 1;
        v |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return v;
        }
        shift += 7;
    }
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    GzDecoder::new(b).read_to_end(&mut out).expect("gzip");
    out
}

/// Entries of a serialised directory, decoded as the specification describes.
fn read_directory(gz: &[u8]) -> Vec<Entry> {
    let b = gunzip(gz);
    let mut pos = 0;
    let n = read_varint(&b, &mut pos) as usize;
    let mut entries = vec![
        Entry {
            tile_id: 0,
            offset: 0,
            length: 0,
            run_length: 0
        };
        n
    ];
    let mut last = 0;
    for e in &mut entries {
        last += read_varint(&b, &mut pos);
        e.tile_id = last;
    }
    for e in &mut entries {
        e.run_length = read_varint(&b, &mut pos) as u32;
    }
    for e in &mut entries {
        e.length = read_varint(&b, &mut pos) as u32;
    }
    for i in 0..n {
        let v = read_varint(&b, &mut pos);
        entries[i].offset = if v == 0 {
            entries[i - 1].offset + u64::from(entries[i - 1].length)
        } else {
            v - 1
        };
    }
    assert_eq!(pos, b.len());
    entries
}

fn info() -> ArchiveInfo {
    ArchiveInfo {
        min_zoom: 0,
        max_zoom: 14,
        bounds: [122.4, -4.1, 122.7, -3.9],
        center: (122.55, -4.0, 12),
        metadata: serde_json::json!({ "name": "test" }),
    }
}

fn u64_at(b: &[u8], at: usize) -> u64 {
    u64::from_le_bytes(b[at..at + 8].try_into().expect("8 bytes"))
}

#[test]
fn repeats_are_stored_once_and_run_length_encoded() {
    let same = b"same".to_vec();
    let tiles = vec![
        (coord(2, 0, 0), same.clone()),
        (coord(2, 1, 0), same.clone()),
        (coord(2, 1, 1), same.clone()),
        (coord(2, 3, 3), b"other".to_vec()),
        (coord(2, 2, 2), Vec::new()),
    ];
    let mut out = Vec::new();
    let stats = write_archive(tiles, &info(), &mut out).expect("written");
    assert_eq!(stats.addressed, 4);
    assert_eq!(stats.contents, 2);
    assert_eq!(stats.entries, 2);
    assert_eq!(stats.bytes, out.len() as u64);
    assert_eq!(&out[..7], b"PMTiles");
    assert_eq!(out[7], 3);
    let root = read_directory(&out[u64_at(&out, 8) as usize..][..u64_at(&out, 16) as usize]);
    assert_eq!(root[0].tile_id, 5);
    assert_eq!(root[0].run_length, 3);
    let data = u64_at(&out, 56) as usize;
    let tile = &out[data + root[1].offset as usize..][..root[1].length as usize];
    assert_eq!(gunzip(tile), b"other");
}

#[test]
fn many_tiles_go_to_leaf_directories() {
    // Distinct tiles of varied lengths with irregular gaps between ids, so that no
    // run forms and the directory does not compress into the root's 16 KiB.
    let mut seed = 12_345u64;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        (seed >> 33) as u32
    };
    let tiles: Vec<(TileCoord, Vec<u8>)> = (0..256u32)
        .flat_map(|x| (0..256u32).map(move |y| (x, y)))
        .filter_map(|(x, y)| {
            let r = next();
            let mut b = format!("{x}/{y}").into_bytes();
            b.resize(b.len() + (r % 1000) as usize, b'.');
            (r % 5 != 0).then(|| (coord(8, x, y), b))
        })
        .collect();
    let n_tiles = tiles.len();
    let mut out = Vec::new();
    let stats = write_archive(tiles, &info(), &mut out).expect("written");
    assert!(stats.leaves > 0, "{stats:?} root {}", u64_at(&out, 16));
    let root_len = u64_at(&out, 16) as usize;
    assert!(HEADER_LEN + root_len <= ROOT_BUDGET);
    let root = read_directory(&out[HEADER_LEN..][..root_len]);
    let leaves_at = u64_at(&out, 40) as usize;
    let mut n = 0;
    for p in &root {
        assert_eq!(p.run_length, 0);
        n += read_directory(&out[leaves_at + p.offset as usize..][..p.length as usize]).len();
    }
    assert_eq!(n, n_tiles);
}

#[test]
fn a_tile_given_twice_is_refused() {
    let tiles = vec![
        (coord(1, 0, 0), b"a".to_vec()),
        (coord(1, 0, 0), b"b".to_vec()),
    ];
    let err = write_archive(tiles, &info(), &mut Vec::new()).expect_err("refused");
    assert!(matches!(err, PmtilesError::Duplicate(_)), "{err}");
}
