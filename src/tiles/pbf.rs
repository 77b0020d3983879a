//! The few pieces of the protobuf wire format a vector tile needs, written by hand.
//!
//! A tile uses only varints, zigzag integers, 32- and 64-bit floats and length-delimited
//! fields, so a code generator would buy little and cost a build step. Callers write
//! into a `Vec<u8>` they own and reuse, which keeps encoding free of per-field
//! allocations. Field numbers and wire types come from `vector_tile.proto` (MVT 2.1).

/// Protobuf wire type of varint fields.
pub const VARINT: u8 = 0;
/// Protobuf wire type of 64-bit fields.
pub const FIXED64: u8 = 1;
/// Protobuf wire type of length-delimited fields (bytes, strings, messages, packed).
pub const LEN: u8 = 2;
/// Protobuf wire type of 32-bit fields.
pub const FIXED32: u8 = 5;

/// Appends `value` as a base-128 varint.
pub fn write_varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// How many bytes [`write_varint`] writes for `value`.
#[must_use]
pub fn varint_len(value: u64) -> usize {
    // One byte per started group of 7 significant bits, at least one.
    let bits = 64 - (value | 1).leading_zeros() as usize;
    bits.div_ceil(7)
}

/// Zigzag-encodes a 32-bit signed integer so small magnitudes stay small.
#[must_use]
pub fn zigzag32(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Zigzag-encodes a 64-bit signed integer (protobuf `sint64`).
#[must_use]
pub fn zigzag64(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

/// Appends a field key (field number and wire type).
pub fn write_key(out: &mut Vec<u8>, field: u32, wire_type: u8) {
    write_varint(out, u64::from(field << 3 | u32::from(wire_type)));
}

/// Appends a varint field.
pub fn write_varint_field(out: &mut Vec<u8>, field: u32, value: u64) {
    write_key(out, field, VARINT);
    write_varint(out, value);
}

/// Appends a length-delimited field holding `bytes`.
pub fn write_bytes_field(out: &mut Vec<u8>, field: u32, bytes: &[u8]) {
    write_key(out, field, LEN);
    write_varint(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Appends a `double` field (little-endian IEEE 754).
pub fn write_double_field(out: &mut Vec<u8>, field: u32, value: f64) {
    write_key(out, field, FIXED64);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Appends a `float` field (little-endian IEEE 754, 32 bits).
pub fn write_float_field(out: &mut Vec<u8>, field: u32, value: f32) {
    write_key(out, field, FIXED32);
    out.extend_from_slice(&value.to_le_bytes());
}

/// Bytes a length-delimited field with a one-byte key and `len` payload bytes takes.
#[must_use]
pub fn len_field_size(len: usize) -> usize {
    1 + varint_len(len as u64) + len
}

#[cfg(test)]
mod tests {
    use super::*;

    fn varint(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_varint(&mut out, v);
        out
    }

    #[test]
    fn varints_match_protobuf_documentation() {
        // protobuf.dev/programming-guides/encoding: 1 -> 01, 150 -> 96 01.
        assert_eq!(varint(0), [0x00]);
        assert_eq!(varint(1), [0x01]);
        assert_eq!(varint(127), [0x7f]);
        assert_eq!(varint(128), [0x80, 0x01]);
        assert_eq!(varint(150), [0x96, 0x01]);
        assert_eq!(varint(300), [0xac, 0x02]);
        assert_eq!(varint(u64::MAX).len(), 10);
        assert_eq!(*varint(u64::MAX).last().expect("non-empty"), 0x01);
    }

    #[test]
    fn varint_len_agrees_with_writer() {
        for v in [0, 1, 127, 128, 16_383, 16_384, 1 << 35, u64::MAX] {
            assert_eq!(varint_len(v), varint(v).len(), "value {v}");
        }
    }

    #[test]
    fn zigzag_matches_protobuf_table() {
        // protobuf.dev: 0->0, -1->1, 1->2, -2->3, 2147483647->4294967294, -2147483648->4294967295.
        assert_eq!(zigzag32(0), 0);
        assert_eq!(zigzag32(-1), 1);
        assert_eq!(zigzag32(1), 2);
        assert_eq!(zigzag32(-2), 3);
        assert_eq!(zigzag32(i32::MAX), 4_294_967_294);
        assert_eq!(zigzag32(i32::MIN), 4_294_967_295);
        assert_eq!(zigzag64(-1), 1);
        assert_eq!(zigzag64(i64::MIN), u64::MAX);
        assert_eq!(zigzag64(3), 6);
    }

    #[test]
    fn fields_have_expected_keys() {
        let mut out = Vec::new();
        write_varint_field(&mut out, 15, 2);
        assert_eq!(out, [0x78, 0x02]);
        out.clear();
        write_bytes_field(&mut out, 1, b"ab");
        assert_eq!(out, [0x0a, 0x02, b'a', b'b']);
        assert_eq!(len_field_size(2), out.len());
        out.clear();
        write_double_field(&mut out, 3, 1.0);
        assert_eq!(out, [0x19, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    }
}
