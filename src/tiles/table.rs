//! A layer's key and value tables, the dictionary that makes MVT properties small.
//!
//! MVT stores each distinct property key and value once per layer and lets features
//! refer to them by index (`tags`). Hexagon layers repeat the same ~15 keys on every
//! feature and many values (zero counts, district names), so the tables are where
//! encoding time goes. Keys are matched first against the key seen at the same
//! position in the previous feature, which nearly always hits; values go through a
//! hash map keyed on a small borrowed enum (doubles by their bits) with a
//! multiply-rotate hasher, far cheaper than `SipHash` for such short keys. The inputs
//! are our own aggregates, not adversarial, so hash flooding is not a concern here.

use super::mvt::{PropKey, PropValue};
use super::pbf::{
    self, len_field_size, varint_len, write_bytes_field, write_double_field, write_float_field,
    write_key, write_varint, write_varint_field, zigzag64,
};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Layer field numbers of the tables.
const LAYER_KEYS: u32 = 3;
const LAYER_VALUES: u32 = 4;
/// Value field numbers.
const VALUE_STRING: u32 = 1;
const VALUE_FLOAT: u32 = 2;
const VALUE_DOUBLE: u32 = 3;
const VALUE_UINT: u32 = 5;
const VALUE_SINT: u32 = 6;
const VALUE_BOOL: u32 = 7;

/// A value's identity for deduplication: same type and same value (doubles by bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum ValueKey<'a> {
    String(&'a str),
    Int(i64),
    Double(u64),
    Float(u32),
    Bool(bool),
}

impl<'a> From<&'a PropValue> for ValueKey<'a> {
    fn from(v: &'a PropValue) -> Self {
        match v {
            PropValue::String(s) => Self::String(s),
            PropValue::Int(i) => Self::Int(*i),
            PropValue::Double(d) => Self::Double(d.to_bits()),
            PropValue::Float(f) => Self::Float(f.to_bits()),
            PropValue::Bool(b) => Self::Bool(*b),
        }
    }
}

/// The keys, values and lookup state of the layer being encoded; reused across layers.
#[derive(Debug, Default)]
pub struct LayerTables<'a> {
    keys: Vec<&'a str>,
    key_index: FastMap<&'a str, u32>,
    /// The key (and its index) seen at each property position of the previous feature.
    recent_keys: Vec<(&'a str, u32)>,
    values: Vec<&'a PropValue>,
    value_index: FastMap<ValueKey<'a>, u32>,
}

impl<'a> LayerTables<'a> {
    /// Forgets every key and value, keeping the allocations for the next layer.
    pub fn clear(&mut self) {
        self.keys.clear();
        self.key_index.clear();
        self.recent_keys.clear();
        self.values.clear();
        self.value_index.clear();
    }

    /// Makes room for about `values` distinct values, sparing rehashes as they arrive.
    pub fn reserve(&mut self, values: usize) {
        self.value_index.reserve(values);
        self.values.reserve(values);
    }

    /// Appends a feature's packed `tags` payload (key index, value index pairs) to `out`.
    pub fn write_tags(&mut self, properties: &'a [(PropKey, PropValue)], out: &mut Vec<u8>) {
        for (position, (key, value)) in properties.iter().enumerate() {
            let k = self.key(position, key);
            let v = self.value(value);
            write_varint(out, u64::from(k));
            write_varint(out, u64::from(v));
        }
    }

    fn key(&mut self, position: usize, key: &'a str) -> u32 {
        // Keys are mostly the same constants: the same address is the same key,
        // without comparing the bytes.
        if let Some(&(recent, index)) = self.recent_keys.get(position)
            && (std::ptr::eq(recent, key) || recent == key)
        {
            return index;
        }
        let next = self.keys.len() as u32;
        let index = *self.key_index.entry(key).or_insert(next);
        if index == next {
            self.keys.push(key);
        }
        match self.recent_keys.get_mut(position) {
            Some(slot) => *slot = (key, index),
            None => self.recent_keys.push((key, index)),
        }
        index
    }

    fn value(&mut self, value: &'a PropValue) -> u32 {
        let next = self.values.len() as u32;
        let index = *self
            .value_index
            .entry(ValueKey::from(value))
            .or_insert(next);
        if index == next {
            self.values.push(value);
        }
        index
    }

    /// Appends the layer's `keys` and `values` fields to a layer message.
    pub fn write(&self, layer: &mut Vec<u8>) {
        for key in &self.keys {
            write_bytes_field(layer, LAYER_KEYS, key.as_bytes());
        }
        for value in &self.values {
            write_value(layer, value);
        }
    }
}

/// Appends one `Value` message as a layer `values` field.
fn write_value(layer: &mut Vec<u8>, value: &PropValue) {
    write_key(layer, LAYER_VALUES, pbf::LEN);
    match value {
        PropValue::String(s) => {
            write_varint(layer, len_field_size(s.len()) as u64);
            write_bytes_field(layer, VALUE_STRING, s.as_bytes());
        }
        PropValue::Double(d) => {
            write_varint(layer, 9);
            write_double_field(layer, VALUE_DOUBLE, *d);
        }
        PropValue::Float(f) => {
            write_varint(layer, 5);
            write_float_field(layer, VALUE_FLOAT, *f);
        }
        PropValue::Int(i) => {
            let (field, raw) = match u64::try_from(*i) {
                Ok(u) => (VALUE_UINT, u),
                Err(_) => (VALUE_SINT, zigzag64(*i)),
            };
            write_varint(layer, 1 + varint_len(raw) as u64);
            write_varint_field(layer, field, raw);
        }
        PropValue::Bool(b) => {
            write_varint(layer, 2);
            write_varint_field(layer, VALUE_BOOL, u64::from(*b));
        }
    }
}

/// A hash map with [`FxHasher`], for short keys of our own (not adversarial).
pub type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// The multiply-rotate hash of rustc (`FxHasher`): a few cycles per word.
#[derive(Debug, Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

impl FxHasher {
    const SEED: u64 = 0x517c_c1b7_2722_0a95;

    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_i64(&mut self, i: i64) {
        self.add(i as u64);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&'static str, PropValue)]) -> Vec<(PropKey, PropValue)> {
        pairs
            .iter()
            .map(|(k, v)| (PropKey::Borrowed(k), v.clone()))
            .collect()
    }

    #[test]
    fn equal_values_share_an_index_and_types_stay_apart() {
        let a = props(&[("n", PropValue::Int(1)), ("r", PropValue::Double(0.25))]);
        let b = props(&[
            ("r", PropValue::Double(0.25)),
            ("n", PropValue::Double(1.0)),
        ]);
        let mut tables = LayerTables::default();
        let (mut ta, mut tb) = (Vec::new(), Vec::new());
        tables.write_tags(&a, &mut ta);
        tables.write_tags(&b, &mut tb);
        assert_eq!(ta, [0, 0, 1, 1]);
        // Keys swapped positions; Double(1.0) is a new value, not Int(1).
        assert_eq!(tb, [1, 1, 0, 2]);
        assert_eq!(tables.keys, ["n", "r"]);
        assert_eq!(tables.values.len(), 3);
    }

    #[test]
    fn values_are_written_with_the_expected_fields() {
        let p = props(&[
            ("a", PropValue::Int(-1)),
            ("b", PropValue::Int(150)),
            ("c", PropValue::Bool(true)),
            ("d", PropValue::String("x".into())),
        ]);
        let mut tables = LayerTables::default();
        tables.write_tags(&p, &mut Vec::new());
        let mut layer = Vec::new();
        tables.write(&mut layer);
        let expected: &[u8] = &[
            0x1a, 1, b'a', 0x1a, 1, b'b', 0x1a, 1, b'c', 0x1a, 1, b'd', // keys
            0x22, 2, 0x30, 0x01, // sint -1 -> zigzag 1
            0x22, 3, 0x28, 0x96, 0x01, // uint 150
            0x22, 2, 0x38, 0x01, // bool true
            0x22, 3, 0x0a, 1, b'x', // string
        ];
        assert_eq!(layer, expected);
    }

    #[test]
    fn clear_starts_a_fresh_dictionary() {
        let p = props(&[("k", PropValue::Bool(false))]);
        let mut tables = LayerTables::default();
        tables.write_tags(&p, &mut Vec::new());
        tables.clear();
        let q = props(&[("other", PropValue::Bool(true))]);
        let mut tags = Vec::new();
        tables.write_tags(&q, &mut tags);
        assert_eq!(tags, [0, 0]);
        assert_eq!(tables.keys, ["other"]);
    }
}
