//! Turning one feature's world geometry into MVT geometry commands.
//!
//! MVT geometry is a stream of integers: a command (`MoveTo`, `LineTo`, `ClosePath`)
//! with a repeat count, followed by zigzag-encoded vertex deltas in tile units, the
//! cursor carrying over between parts. For every part we scale world coordinates to
//! tile units, clip to the buffered tile square, round to the integer grid, drop
//! repeated vertices, simplify, fix polygon winding (exterior positive area by the
//! surveyor's formula in y-down tile units, holes negative) and then append the
//! commands. All buffers live in [`GeometryWriter`] and are reused feature to feature.

use super::clip::ClipSquare;
use super::mvt::{BUFFER, EXTENT};
use super::pbf::{write_varint, zigzag32};
use super::simplify::{Simplifier, TilePoint, dedup, doubled_area};
use crate::model::TileCoord;
use geo::{Coord, Geometry, LineString, Polygon};

/// MVT `GeomType`: which kind of geometry a feature's commands describe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeomType {
    Point = 1,
    LineString = 2,
    Polygon = 3,
}

const MOVE_TO: u32 = 1;
const LINE_TO: u32 = 2;
const CLOSE_PATH: u32 = 7;
/// Zoom from which simplification uses the finer tolerance.
const FINE_ZOOM: u8 = 14;

/// Encodes geometries for one tile; reuse it for every feature of that tile.
#[derive(Debug)]
pub struct GeometryWriter {
    transform: TileTransform,
    square: ClipSquare,
    tolerance: f64,
    cursor: TilePoint,
    coords: Vec<Coord<f64>>,
    spare: Vec<Coord<f64>>,
    ends: Vec<usize>,
    points: Vec<TilePoint>,
    thinned: Vec<TilePoint>,
    simplifier: Simplifier,
}

impl GeometryWriter {
    #[must_use]
    pub fn new(tile: TileCoord) -> Self {
        let extent = f64::from(EXTENT);
        Self {
            transform: TileTransform {
                scale: extent * f64::from(1u32 << tile.z),
                origin: Coord {
                    x: f64::from(tile.x) * extent,
                    y: f64::from(tile.y) * extent,
                },
            },
            square: ClipSquare {
                min: -f64::from(BUFFER),
                max: f64::from(EXTENT + BUFFER),
            },
            tolerance: if tile.z < FINE_ZOOM { 1.0 } else { 0.5 },
            cursor: [0, 0],
            coords: Vec::new(),
            spare: Vec::new(),
            ends: Vec::new(),
            points: Vec::new(),
            thinned: Vec::new(),
            simplifier: Simplifier::default(),
        }
    }

    /// Appends the packed geometry commands of `geometry` to `out` and returns its
    /// type, or returns `None` (having written nothing) when nothing survives
    /// clipping and simplification.
    ///
    /// A `GeometryCollection` is written as its first member that survives.
    ///
    /// # Units
    /// `geometry` in world coordinates (see [`super::mercator`]); output in tile units.
    pub fn write(&mut self, geometry: &Geometry<f64>, out: &mut Vec<u8>) -> Option<GeomType> {
        self.cursor = [0, 0];
        let start = out.len();
        let kind = match geometry {
            Geometry::Point(p) => self.points(std::iter::once(p.0), out),
            Geometry::MultiPoint(mp) => self.points(mp.iter().map(|p| p.0), out),
            Geometry::Line(l) => {
                self.lines(std::iter::once(&LineString::new(vec![l.start, l.end])), out)
            }
            Geometry::LineString(ls) => self.lines(std::iter::once(ls), out),
            Geometry::MultiLineString(mls) => self.lines(mls.iter(), out),
            Geometry::Polygon(p) => self.polygons(std::iter::once(p), out),
            Geometry::MultiPolygon(mp) => self.polygons(mp.iter(), out),
            Geometry::Rect(r) => self.polygons(std::iter::once(&r.to_polygon()), out),
            Geometry::Triangle(t) => self.polygons(std::iter::once(&t.to_polygon()), out),
            Geometry::GeometryCollection(gc) => {
                return gc.iter().find_map(|member| self.write(member, out));
            }
        };
        debug_assert!(
            kind.is_some() || out.len() == start,
            "wrote a vanished geometry"
        );
        kind
    }

    fn points(
        &mut self,
        coords: impl Iterator<Item = Coord<f64>>,
        out: &mut Vec<u8>,
    ) -> Option<GeomType> {
        self.points.clear();
        for c in coords {
            let t = self.transform.apply(c);
            if self.square.contains(t) {
                self.points.push(quantise(t));
            }
        }
        if self.points.is_empty() {
            return None;
        }
        write_command(out, MOVE_TO, self.points.len());
        for &p in &self.points {
            write_vertex(&mut self.cursor, p, out);
        }
        Some(GeomType::Point)
    }

    fn lines<'g>(
        &mut self,
        lines: impl Iterator<Item = &'g LineString<f64>>,
        out: &mut Vec<u8>,
    ) -> Option<GeomType> {
        let mut any = false;
        for line in lines {
            self.spare.clear();
            let transform = self.transform;
            self.spare
                .extend(line.0.iter().map(|c| transform.apply(*c)));
            self.coords.clear();
            self.ends.clear();
            self.square
                .clip_line(&self.spare, &mut self.coords, &mut self.ends);
            let mut begin = 0;
            for i in 0..self.ends.len() {
                let end = self.ends[i];
                self.points.clear();
                self.points
                    .extend(self.coords[begin..end].iter().map(|c| quantise(*c)));
                begin = end;
                dedup(&mut self.points, false);
                if self.points.len() < 2 {
                    continue;
                }
                let vertices = match self.thin(false) {
                    Part::Points => &self.points,
                    Part::Thinned => &self.thinned,
                };
                write_path(&mut self.cursor, vertices, false, false, out);
                any = true;
            }
        }
        any.then_some(GeomType::LineString)
    }

    fn polygons<'g>(
        &mut self,
        polygons: impl Iterator<Item = &'g Polygon<f64>>,
        out: &mut Vec<u8>,
    ) -> Option<GeomType> {
        let mut any = false;
        for polygon in polygons {
            if !self.ring(polygon.exterior(), true, out) {
                continue;
            }
            any = true;
            for hole in polygon.interiors() {
                self.ring(hole, false, out);
            }
        }
        any.then_some(GeomType::Polygon)
    }

    /// Writes one ring with the winding MVT wants; `false` if it vanished.
    fn ring(&mut self, ring: &LineString<f64>, exterior: bool, out: &mut Vec<u8>) -> bool {
        let coords = match ring.0.as_slice() {
            [first, inner @ .., last] if first == last => &ring.0[..=inner.len()],
            all => all,
        };
        self.coords.clear();
        let transform = self.transform;
        self.coords
            .extend(coords.iter().map(|c| transform.apply(*c)));
        self.square.clip_ring(&mut self.coords, &mut self.spare);
        self.points.clear();
        self.points.extend(self.coords.iter().map(|c| quantise(*c)));
        dedup(&mut self.points, true);
        if self.points.len() < 3 {
            return false;
        }
        let vertices = match self.thin(true) {
            Part::Points => &self.points,
            Part::Thinned => &self.thinned,
        };
        let area = doubled_area(vertices);
        if area == 0 {
            return false;
        }
        // Exterior rings need positive area, holes negative (MVT 2.1, 4.3.4.4).
        let reverse = (area > 0) != exterior;
        write_path(&mut self.cursor, vertices, true, reverse, out);
        true
    }

    /// Simplifies `self.points` into `self.thinned` when that keeps a valid shape;
    /// returns which buffer holds the result.
    fn thin(&mut self, ring: bool) -> Part {
        if self
            .simplifier
            .simplify(&self.points, ring, self.tolerance, &mut self.thinned)
        {
            let valid = !ring || doubled_area(&self.thinned) != 0;
            if valid {
                return Part::Thinned;
            }
        }
        Part::Points
    }
}

/// World coordinates to one tile's units: `world × scale − origin`.
#[derive(Debug, Clone, Copy)]
struct TileTransform {
    /// Tile units per world unit at this zoom.
    scale: f64,
    /// The tile's top-left corner, in tile units of the whole zoom level.
    origin: Coord<f64>,
}

impl TileTransform {
    fn apply(self, c: Coord<f64>) -> Coord<f64> {
        c * self.scale - self.origin
    }
}

/// Which scratch buffer holds a part's final vertices.
#[derive(Debug, Clone, Copy)]
enum Part {
    Points,
    Thinned,
}

fn quantise(c: Coord<f64>) -> TilePoint {
    [c.x.round() as i32, c.y.round() as i32]
}

fn write_command(out: &mut Vec<u8>, id: u32, count: usize) {
    write_varint(out, u64::from(id | (count as u32) << 3));
}

/// Appends `MoveTo` the first vertex, `LineTo` the rest and, for rings, `ClosePath`.
///
/// `reverse` walks a ring the other way round while still starting at its first vertex.
fn write_path(
    cursor: &mut TilePoint,
    vertices: &[TilePoint],
    ring: bool,
    reverse: bool,
    out: &mut Vec<u8>,
) {
    let Some((&first, rest)) = vertices.split_first() else {
        return;
    };
    write_command(out, MOVE_TO, 1);
    write_vertex(cursor, first, out);
    write_command(out, LINE_TO, rest.len());
    if reverse {
        for &v in rest.iter().rev() {
            write_vertex(cursor, v, out);
        }
    } else {
        for &v in rest {
            write_vertex(cursor, v, out);
        }
    }
    if ring {
        write_command(out, CLOSE_PATH, 1);
    }
}

/// Appends a vertex as a zigzag delta from the cursor and moves the cursor there.
fn write_vertex(cursor: &mut TilePoint, v: TilePoint, out: &mut Vec<u8>) {
    write_varint(out, u64::from(zigzag32(v[0] - cursor[0])));
    write_varint(out, u64::from(zigzag32(v[1] - cursor[1])));
    *cursor = v;
}
