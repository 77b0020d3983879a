//! A deliberately small MVT decoder, for tests only.
//!
//! Tests must not compare raw bytes (any valid reordering would break them), so they
//! decode what the encoder wrote and compare geometry as text. This reader follows the
//! MVT 2.1 spec and the protobuf wire format independently of the encoder's helpers:
//! it shares no code with `pbf`, `shape` or `table`. The lead's end-to-end tests also
//! decode with the Python `mapbox-vector-tile` package.

/// A decoded tile.
#[derive(Debug, Default)]
pub struct Tile {
    pub layers: Vec<Layer>,
}

#[derive(Debug, Default)]
pub struct Layer {
    pub name: String,
    pub version: u64,
    pub extent: u64,
    pub keys: Vec<String>,
    pub values: Vec<Value>,
    pub features: Vec<Feature>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    String(String),
    Double(f64),
    Float(f32),
    Uint(u64),
    Sint(i64),
    Bool(bool),
}

#[derive(Debug, Default)]
pub struct Feature {
    pub id: Option<u64>,
    pub tags: Vec<u64>,
    pub kind: u64,
    pub geometry: Vec<u64>,
}

/// One decoded part: its vertices in tile units and whether `ClosePath` ended it.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    pub vertices: Vec<[i64; 2]>,
    pub closed: bool,
}

impl Part {
    /// Twice the surveyor's-formula area (positive = clockwise on screen, y down).
    pub fn doubled_area(&self) -> i64 {
        let v = &self.vertices;
        (0..v.len())
            .map(|i| {
                let (a, b) = (v[i], v[(i + 1) % v.len()]);
                a[0] * b[1] - b[0] * a[1]
            })
            .sum()
    }

    pub fn text(&self) -> String {
        let coords: Vec<String> = self
            .vertices
            .iter()
            .map(|[x, y]| format!("{x} {y}"))
            .collect();
        format!("({})", coords.join(","))
    }
}

impl Feature {
    /// Runs the command stream into parts, checking counts as it goes.
    pub fn parts(&self) -> Vec<Part> {
        let mut parts: Vec<Part> = Vec::new();
        let (mut x, mut y) = (0i64, 0i64);
        let mut words = self.geometry.iter().copied();
        while let Some(command) = words.next() {
            let (id, count) = (command & 7, command >> 3);
            if id == 7 {
                assert_eq!(count, 1, "ClosePath count");
                parts.last_mut().expect("ClosePath after a part").closed = true;
                continue;
            }
            assert!(id == 1 || id == 2, "unknown command {id}");
            for _ in 0..count {
                x += unzigzag(words.next().expect("dx"));
                y += unzigzag(words.next().expect("dy"));
                if id == 1 {
                    parts.push(Part {
                        vertices: Vec::new(),
                        closed: false,
                    });
                }
                parts
                    .last_mut()
                    .expect("LineTo after MoveTo")
                    .vertices
                    .push([x, y]);
            }
        }
        parts
    }

    /// WKT-like text: `POINT(x y,…)`, `LINESTRING((…),(…))` or `POLYGON((…),(…))`,
    /// one parenthesised list per part (all rings of all polygons), in tile units.
    pub fn text(&self) -> String {
        let kind = match self.kind {
            1 => "POINT",
            2 => "LINESTRING",
            3 => "POLYGON",
            _ => "UNKNOWN",
        };
        let parts = self.parts();
        if self.kind == 1 {
            let all: Vec<String> = parts
                .iter()
                .map(|p| p.text().trim_matches(['(', ')']).to_owned())
                .collect();
            return format!("{kind}({})", all.join(","));
        }
        let texts: Vec<String> = parts.iter().map(Part::text).collect();
        format!("{kind}({})", texts.join(","))
    }

    /// The feature's properties resolved through the layer tables.
    pub fn properties(&self, layer: &Layer) -> Vec<(String, Value)> {
        self.tags
            .chunks(2)
            .map(|kv| {
                (
                    layer.keys[kv[0] as usize].clone(),
                    layer.values[kv[1] as usize].clone(),
                )
            })
            .collect()
    }
}

fn unzigzag(n: u64) -> i64 {
    (n >> 1) as i64 ^ -((n & 1) as i64)
}

/// A protobuf field: number and either a varint/fixed value or a byte slice.
enum Field<'a> {
    Int(u64),
    Bytes(&'a [u8]),
}

struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    fn varint(&mut self) -> u64 {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.buf.split_first().expect("truncated varint");
            self.buf = rest;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
        }
        panic!("varint too long");
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        head
    }

    fn field(&mut self) -> Option<(u64, Field<'a>)> {
        if self.buf.is_empty() {
            return None;
        }
        let key = self.varint();
        let field = match key & 7 {
            0 => Field::Int(self.varint()),
            1 => Field::Int(u64::from_le_bytes(
                self.take(8).try_into().expect("8 bytes"),
            )),
            2 => {
                let len = self.varint() as usize;
                Field::Bytes(self.take(len))
            }
            5 => Field::Int(u64::from(u32::from_le_bytes(
                self.take(4).try_into().expect("4 bytes"),
            ))),
            other => panic!("unexpected wire type {other}"),
        };
        Some((key >> 3, field))
    }
}

fn fields(buf: &[u8]) -> impl Iterator<Item = (u64, Field<'_>)> {
    let mut reader = Reader { buf };
    std::iter::from_fn(move || reader.field())
}

fn packed(buf: &[u8]) -> Vec<u64> {
    let mut reader = Reader { buf };
    std::iter::from_fn(|| (!reader.buf.is_empty()).then(|| reader.varint())).collect()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8")
}

/// Decodes a whole tile, panicking on anything malformed.
pub fn decode(bytes: &[u8]) -> Tile {
    let mut tile = Tile::default();
    for (number, field) in fields(bytes) {
        match (number, field) {
            (3, Field::Bytes(b)) => tile.layers.push(layer(b)),
            _ => panic!("unexpected tile field {number}"),
        }
    }
    tile
}

fn layer(bytes: &[u8]) -> Layer {
    let mut layer = Layer::default();
    for (number, field) in fields(bytes) {
        match (number, field) {
            (1, Field::Bytes(b)) => layer.name = text(b),
            (2, Field::Bytes(b)) => layer.features.push(feature(b)),
            (3, Field::Bytes(b)) => layer.keys.push(text(b)),
            (4, Field::Bytes(b)) => layer.values.push(value(b)),
            (5, Field::Int(v)) => layer.extent = v,
            (15, Field::Int(v)) => layer.version = v,
            _ => panic!("unexpected layer field {number}"),
        }
    }
    layer
}

fn feature(bytes: &[u8]) -> Feature {
    let mut feature = Feature::default();
    for (number, field) in fields(bytes) {
        match (number, field) {
            (1, Field::Int(v)) => feature.id = Some(v),
            (2, Field::Bytes(b)) => feature.tags = packed(b),
            (3, Field::Int(v)) => feature.kind = v,
            (4, Field::Bytes(b)) => feature.geometry = packed(b),
            _ => panic!("unexpected feature field {number}"),
        }
    }
    feature
}

fn value(bytes: &[u8]) -> Value {
    let mut found = Vec::new();
    for (number, field) in fields(bytes) {
        found.push(match (number, field) {
            (1, Field::Bytes(b)) => Value::String(text(b)),
            (2, Field::Int(bits)) => Value::Float(f32::from_bits(bits as u32)),
            (3, Field::Int(bits)) => Value::Double(f64::from_bits(bits)),
            (5, Field::Int(v)) => Value::Uint(v),
            (6, Field::Int(v)) => Value::Sint(unzigzag(v)),
            (7, Field::Int(v)) => Value::Bool(v != 0),
            _ => panic!("unexpected value field {number}"),
        });
    }
    assert_eq!(found.len(), 1, "a Value holds exactly one field");
    found.remove(0)
}
