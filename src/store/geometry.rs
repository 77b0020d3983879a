//! GeoPackage geometry blobs: the binary header GDAL and QGIS expect, then WKB.
//!
//! geo has no WKB codec here, and sigap stores only two shapes (points for children,
//! households and facilities, multipolygons for villages), so this file writes and
//! reads exactly those. Steps for a blob: magic `GP`, version 0, a flags byte
//! (little-endian, envelope indicator), the `srs_id` (4326), the envelope
//! `[minx, maxx, miny, maxy]` for polygons (none for points), then little-endian WKB.
//! The reader also accepts big-endian parts and a WKB Polygon (read as a
//! one-part multipolygon), since a GIS user may edit the file with other tools.
//!
//! The PostgreSQL store uses the same WKB without the GeoPackage header: it writes
//! EWKB (the WKB with PostGIS's SRID flag and SRID 4326, [`write_wkb_point`]) into
//! `geometry` columns and reads `ST_AsBinary` (plain WKB, [`decode_wkb_point`]).
//!
//! # Units
//! Coordinates are WGS84 degrees in (lon, lat) order, `x = lon`, `y = lat`.

use geo::{BoundingRect, Coord, LineString, MultiPolygon, Point, Polygon};

/// The EPSG code of WGS84 geographic coordinates, the only SRS sigap stores.
pub const SRS_WGS84: i32 = 4326;

const WKB_POINT: u32 = 1;
const WKB_POLYGON: u32 = 3;
const WKB_MULTIPOLYGON: u32 = 6;
/// EWKB (PostGIS): this bit of the type code says an SRID follows it.
const EWKB_SRID_FLAG: u32 = 0x2000_0000;
/// Flags bit 0: little-endian header numbers.
const FLAG_LITTLE_ENDIAN: u8 = 0b0000_0001;
/// Flags bits 1-3 = 1: envelope `[minx, maxx, miny, maxy]` follows the `srs_id`.
const FLAG_ENVELOPE_XY: u8 = 0b0000_0010;
/// Flags bit 4: the geometry is empty.
const FLAG_EMPTY: u8 = 0b0001_0000;

/// Encodes a point as a GeoPackage blob without envelope.
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
#[must_use]
pub fn encode_point(point: Point<f64>) -> Vec<u8> {
    let mut out = header(FLAG_LITTLE_ENDIAN, 8 + 21);
    write_wkb_point(&mut out, point, None);
    out
}

/// Encodes a multipolygon as a GeoPackage blob with its XY envelope.
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
#[must_use]
pub fn encode_multi_polygon(shape: &MultiPolygon<f64>) -> Vec<u8> {
    let mut out = match shape.bounding_rect() {
        Some(rect) => {
            let mut out = header(FLAG_LITTLE_ENDIAN | FLAG_ENVELOPE_XY, 8 + 32 + 9);
            for v in [rect.min().x, rect.max().x, rect.min().y, rect.max().y] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out
        }
        None => header(FLAG_LITTLE_ENDIAN | FLAG_EMPTY, 8 + 9),
    };
    write_wkb_multi_polygon(&mut out, shape, None);
    out
}

/// Appends `point` as little-endian WKB to `out`; with `srid`, as PostGIS EWKB (the
/// type's SRID flag set and the SRID after it), which a `geometry` column takes.
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
pub fn write_wkb_point(out: &mut Vec<u8>, point: Point<f64>, srid: Option<i32>) {
    write_wkb_type(out, WKB_POINT, srid);
    push_coord(out, point.0);
}

/// Appends `shape` as little-endian WKB to `out`; with `srid`, as PostGIS EWKB (the
/// SRID on the multipolygon only, not on its parts).
///
/// # Units
/// WGS84 degrees, `x = lon`, `y = lat`.
pub fn write_wkb_multi_polygon(out: &mut Vec<u8>, shape: &MultiPolygon<f64>, srid: Option<i32>) {
    write_wkb_type(out, WKB_MULTIPOLYGON, srid);
    out.extend_from_slice(&(shape.0.len() as u32).to_le_bytes());
    for polygon in &shape.0 {
        write_wkb_type(out, WKB_POLYGON, None);
        let rings = 1 + polygon.interiors().len();
        out.extend_from_slice(&(rings as u32).to_le_bytes());
        for ring in std::iter::once(polygon.exterior()).chain(polygon.interiors()) {
            out.extend_from_slice(&(ring.0.len() as u32).to_le_bytes());
            for &c in &ring.0 {
                push_coord(out, c);
            }
        }
    }
}

/// The byte order (little-endian), the type code and, for EWKB, the SRID.
fn write_wkb_type(out: &mut Vec<u8>, code: u32, srid: Option<i32>) {
    out.push(1);
    match srid {
        Some(srid) => {
            out.extend_from_slice(&(code | EWKB_SRID_FLAG).to_le_bytes());
            out.extend_from_slice(&srid.to_le_bytes());
        }
        None => out.extend_from_slice(&code.to_le_bytes()),
    }
}

/// Decodes a GeoPackage blob holding a WKB Point.
pub fn decode_point(blob: &[u8]) -> Result<Point<f64>, String> {
    read_point(skip_header(blob)?)
}

/// Decodes a GeoPackage blob holding a WKB MultiPolygon (or a Polygon).
pub fn decode_multi_polygon(blob: &[u8]) -> Result<MultiPolygon<f64>, String> {
    read_multi_polygon(skip_header(blob)?)
}

/// Decodes plain WKB holding a Point (what PostGIS's `ST_AsBinary` gives).
pub fn decode_wkb_point(wkb: &[u8]) -> Result<Point<f64>, String> {
    read_point(Reader::new(wkb))
}

/// Decodes plain WKB holding a MultiPolygon or a Polygon (what PostGIS's
/// `ST_AsBinary` gives).
pub fn decode_wkb_multi_polygon(wkb: &[u8]) -> Result<MultiPolygon<f64>, String> {
    read_multi_polygon(Reader::new(wkb))
}

fn read_point(mut wkb: Reader<'_>) -> Result<Point<f64>, String> {
    match wkb.geometry_type()? {
        WKB_POINT => {
            let c = wkb.coord()?;
            wkb.finish()?;
            Ok(Point(c))
        }
        other => Err(format!("expected a WKB Point, found geometry type {other}")),
    }
}

fn read_multi_polygon(mut wkb: Reader<'_>) -> Result<MultiPolygon<f64>, String> {
    let shape = match wkb.geometry_type()? {
        WKB_POLYGON => MultiPolygon(vec![wkb.polygon_body()?]),
        WKB_MULTIPOLYGON => {
            let n = wkb.count()?;
            let mut parts = Vec::with_capacity(n.min(1024));
            for _ in 0..n {
                match wkb.geometry_type()? {
                    WKB_POLYGON => parts.push(wkb.polygon_body()?),
                    other => return Err(format!("multipolygon part has geometry type {other}")),
                }
            }
            MultiPolygon(parts)
        }
        other => Err(format!(
            "expected a WKB MultiPolygon, found geometry type {other}"
        ))?,
    };
    wkb.finish()?;
    Ok(shape)
}

fn header(flags: u8, capacity: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(capacity);
    out.extend_from_slice(b"GP");
    out.push(0);
    out.push(flags);
    out.extend_from_slice(&SRS_WGS84.to_le_bytes());
    out
}

fn push_coord(out: &mut Vec<u8>, c: Coord<f64>) {
    out.extend_from_slice(&c.x.to_le_bytes());
    out.extend_from_slice(&c.y.to_le_bytes());
}

/// Checks the GeoPackage header and returns a reader positioned at the WKB.
fn skip_header(blob: &[u8]) -> Result<Reader<'_>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("not a GeoPackage geometry blob (no `GP` magic)".into());
    }
    if blob[2] != 0 {
        return Err(format!("unsupported GeoPackage blob version {}", blob[2]));
    }
    let flags = blob[3];
    if flags & 0b0010_0000 != 0 {
        return Err("extended GeoPackage geometry blobs are not supported".into());
    }
    let little = flags & FLAG_LITTLE_ENDIAN != 0;
    let mut srs = [0u8; 4];
    srs.copy_from_slice(&blob[4..8]);
    let srs_id = if little {
        i32::from_le_bytes(srs)
    } else {
        i32::from_be_bytes(srs)
    };
    if srs_id != SRS_WGS84 {
        return Err(format!("srs_id {srs_id}, expected {SRS_WGS84} (WGS84)"));
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("invalid envelope indicator {other}")),
    };
    let start = 8 + envelope;
    let wkb = blob.get(start..).ok_or("blob shorter than its envelope")?;
    Ok(Reader::new(wkb))
}

/// A cursor over WKB; each geometry carries its own byte order.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    little: bool,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            little: true,
        }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let bytes = self
            .buf
            .get(self.pos..self.pos + N)
            .ok_or_else(|| format!("WKB truncated at byte {}", self.pos))?;
        self.pos += N;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads a byte-order byte and a type code.
    fn geometry_type(&mut self) -> Result<u32, String> {
        self.little = match self.take::<1>()? {
            [0] => false,
            [1] => true,
            [b] => return Err(format!("invalid WKB byte order {b}")),
        };
        self.count().map(|t| t as u32)
    }

    fn count(&mut self) -> Result<usize, String> {
        let b = self.take::<4>()?;
        let n = if self.little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        };
        Ok(n as usize)
    }

    fn f64(&mut self) -> Result<f64, String> {
        let b = self.take::<8>()?;
        Ok(if self.little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn coord(&mut self) -> Result<Coord<f64>, String> {
        Ok(Coord {
            x: self.f64()?,
            y: self.f64()?,
        })
    }

    fn polygon_body(&mut self) -> Result<Polygon<f64>, String> {
        let rings = self.count()?;
        let mut out = Vec::with_capacity(rings.min(1024));
        for _ in 0..rings {
            let n = self.count()?;
            if n > (self.buf.len() - self.pos) / 16 {
                return Err(format!(
                    "WKB ring claims {n} points, more than the blob holds"
                ));
            }
            let ring = (0..n)
                .map(|_| self.coord())
                .collect::<Result<Vec<_>, _>>()?;
            out.push(LineString(ring));
        }
        let mut rings = out.into_iter();
        let exterior = rings.next().unwrap_or_else(|| LineString(Vec::new()));
        Ok(Polygon::new(exterior, rings.collect()))
    }

    fn finish(&self) -> Result<(), String> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(format!(
                "{} trailing bytes after the WKB geometry",
                self.buf.len() - self.pos
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::polygon;

    #[test]
    fn point_blob_matches_the_geopackage_layout() {
        let blob = encode_point(Point::new(122.5, -3.97));
        // GP, version 0, flags little-endian without envelope, srs 4326 LE.
        assert_eq!(&blob[..8], &[b'G', b'P', 0, 1, 0xE6, 0x10, 0, 0]);
        // WKB: little-endian, type 1, x, y.
        assert_eq!(&blob[8..13], &[1, 1, 0, 0, 0]);
        assert_eq!(&blob[13..21], &122.5f64.to_le_bytes());
        assert_eq!(blob.len(), 29);
        assert_eq!(decode_point(&blob), Ok(Point::new(122.5, -3.97)));
    }

    #[test]
    fn multipolygon_blob_has_envelope_and_round_trips() {
        let shape = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 1.0), (x: 0.0, y: 0.0)],
            polygon!(
                exterior: [(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 7.0), (x: 5.0, y: 5.0)],
                interiors: [[(x: 5.5, y: 5.5), (x: 5.6, y: 5.5), (x: 5.6, y: 5.6), (x: 5.5, y: 5.5)]],
            ),
        ]);
        let blob = encode_multi_polygon(&shape);
        assert_eq!(
            blob[3], 0b11,
            "little-endian + envelope [minx,maxx,miny,maxy]"
        );
        let env: Vec<f64> = blob[8..40]
            .chunks(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect();
        assert_eq!(env, [0.0, 6.0, 0.0, 7.0]);
        assert_eq!(decode_multi_polygon(&blob), Ok(shape));
    }

    #[test]
    fn big_endian_wkb_polygon_reads_as_multipolygon() {
        // Header with no envelope, then a big-endian WKB Polygon (as other tools may write).
        let mut blob = vec![b'G', b'P', 0, 1, 0xE6, 0x10, 0, 0, 0];
        blob.extend_from_slice(&3u32.to_be_bytes());
        blob.extend_from_slice(&1u32.to_be_bytes());
        blob.extend_from_slice(&4u32.to_be_bytes());
        for v in [0.0f64, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0] {
            blob.extend_from_slice(&v.to_be_bytes());
        }
        let expected = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
        ]);
        assert_eq!(decode_multi_polygon(&blob), Ok(expected));
    }

    #[test]
    fn ewkb_carries_the_srid_on_the_outer_geometry_only() {
        let mut point = Vec::new();
        write_wkb_point(&mut point, Point::new(122.5, -3.97), Some(SRS_WGS84));
        // Little-endian, type 1 with the SRID flag (0x20000001), SRID 4326, x, y.
        assert_eq!(&point[..9], &[1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
        assert_eq!(&point[9..17], &122.5f64.to_le_bytes());
        assert_eq!(point.len(), 25);

        let shape = MultiPolygon(vec![
            polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 0.0)],
        ]);
        let mut ewkb = Vec::new();
        write_wkb_multi_polygon(&mut ewkb, &shape, Some(SRS_WGS84));
        let mut wkb = Vec::new();
        write_wkb_multi_polygon(&mut wkb, &shape, None);
        assert_eq!(&ewkb[..9], &[1, 6, 0, 0, 0x20, 0xE6, 0x10, 0, 0]);
        // After the SRID, the same bytes as plain WKB: the part has no SRID.
        assert_eq!(&ewkb[9..], &wkb[5..]);
        assert_eq!(&wkb[..5], &[1, 6, 0, 0, 0]);
        assert_eq!(decode_wkb_multi_polygon(&wkb), Ok(shape.clone()));
        // The GeoPackage blob is its header, envelope, then the same plain WKB.
        assert_eq!(&encode_multi_polygon(&shape)[40..], &wkb[..]);

        let mut plain = Vec::new();
        write_wkb_point(&mut plain, Point::new(122.5, -3.97), None);
        assert_eq!(decode_wkb_point(&plain), Ok(Point::new(122.5, -3.97)));
        assert_eq!(&encode_point(Point::new(122.5, -3.97))[8..], &plain[..]);
        assert!(decode_wkb_point(&wkb).is_err());
        assert!(decode_wkb_point(&plain[..20]).is_err());
    }

    #[test]
    fn truncated_and_foreign_blobs_are_errors() {
        let blob = encode_point(Point::new(1.0, 2.0));
        assert!(decode_point(&blob[..20]).is_err());
        assert!(decode_point(b"not a blob").is_err());
        assert!(decode_multi_polygon(&blob).is_err());
    }
}
