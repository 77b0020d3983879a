//! The stored form of a [`RoadNetwork`]: little-endian, versioned, checksummed.
//!
//! ```text
//! "SGRD" u32 version=1 u32 nodes u32 segments
//! nodes    x (f64 lon, f64 lat, i64 osm id)
//! segments x (u32 a, u32 b, u8 class, u8 flags)
//! u32 CRC-32 of everything before it
//! ```

use super::{RoadNetwork, Segment};

const MAGIC: &[u8; 4] = b"SGRD";
const VERSION: u32 = 1;
const NODE_BYTES: usize = 24;
const SEGMENT_BYTES: usize = 10;

pub(super) fn encode(n: &RoadNetwork) -> Vec<u8> {
    let mut out =
        Vec::with_capacity(16 + n.nodes.len() * NODE_BYTES + n.segments.len() * SEGMENT_BYTES + 4);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    out.extend_from_slice(&(n.nodes.len() as u32).to_le_bytes());
    out.extend_from_slice(&(n.segments.len() as u32).to_le_bytes());
    for (p, id) in n.nodes.iter().zip(&n.osm_ids) {
        out.extend_from_slice(&p[0].to_le_bytes());
        out.extend_from_slice(&p[1].to_le_bytes());
        out.extend_from_slice(&id.to_le_bytes());
    }
    for s in &n.segments {
        out.extend_from_slice(&s.a.to_le_bytes());
        out.extend_from_slice(&s.b.to_le_bytes());
        out.push(s.class);
        out.push(s.flags);
    }
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Reads fixed-size little-endian fields from a byte slice.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        head.try_into().unwrap_or([0; N])
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.take())
    }
    fn f64(&mut self) -> f64 {
        f64::from_le_bytes(self.take())
    }
    fn i64(&mut self) -> i64 {
        i64::from_le_bytes(self.take())
    }
}

pub(super) fn decode(bytes: &[u8]) -> Result<RoadNetwork, String> {
    if bytes.len() < 20 || &bytes[..4] != MAGIC {
        return Err("not a sigap road network".into());
    }
    let (body, tail) = bytes.split_at(bytes.len() - 4);
    let stored = u32::from_le_bytes(tail.try_into().map_err(|_| "truncated")?);
    if crc32fast::hash(body) != stored {
        return Err("road network checksum mismatch (damaged store)".into());
    }
    let mut c = Cursor(&body[4..]);
    let version = c.u32();
    if version != VERSION {
        return Err(format!(
            "road network format {version} is newer than this sigap reads ({VERSION})"
        ));
    }
    let (nodes, segments) = (c.u32() as usize, c.u32() as usize);
    if c.0.len() != nodes * NODE_BYTES + segments * SEGMENT_BYTES {
        return Err("road network length does not match its counts".into());
    }
    let mut n = RoadNetwork::default();
    for _ in 0..nodes {
        let (lon, lat, id) = (c.f64(), c.f64(), c.i64());
        n.nodes.push([lon, lat]);
        n.osm_ids.push(id);
    }
    for _ in 0..segments {
        let (a, b) = (c.u32(), c.u32());
        let [class, flags] = c.take();
        if a as usize >= nodes || b as usize >= nodes {
            return Err(format!("segment refers to node {} of {nodes}", a.max(b)));
        }
        n.segments.push(Segment { a, b, class, flags });
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_damage() {
        let n = RoadNetwork {
            nodes: vec![[122.5, -3.9], [122.501, -3.9005]],
            osm_ids: vec![-1, 42],
            segments: vec![Segment {
                a: 0,
                b: 1,
                class: 11,
                flags: 0b11_1111,
            }],
        };
        let bytes = encode(&n);
        assert_eq!(decode(&bytes).expect("decodes"), n);
        let mut bad = bytes.clone();
        bad[20] ^= 1;
        assert!(decode(&bad).expect_err("damaged").contains("checksum"));
        assert!(decode(&bytes[..10]).is_err());
    }
}
