//! Glyph PBFs decoded by a reader written here from `glyphs.proto` (it shares no
//! code with `tiles::pbf`); `tests/python/test_glyphs.py` decodes them again with
//! Google's protobuf package.

use super::*;

#[derive(Debug, Default)]
struct Glyph {
    id: u32,
    bitmap: Vec<u8>,
    width: u32,
    height: u32,
    left: i32,
    top: i32,
    advance: u32,
}

#[derive(Debug, Default)]
struct Stack {
    name: String,
    range: String,
    glyphs: Vec<Glyph>,
}

fn varint(buf: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0;
    for shift in (0..64).step_by(7) {
        let b = buf[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
    }
    v
}

/// (field, varint value or bytes) of every field of one message.
fn fields(buf: &[u8]) -> Vec<(u64, u64, &[u8])> {
    let (mut pos, mut out) = (0, Vec::new());
    while pos < buf.len() {
        let key = varint(buf, &mut pos);
        match key & 7 {
            0 => out.push((key >> 3, varint(buf, &mut pos), &buf[..0])),
            2 => {
                let len = varint(buf, &mut pos) as usize;
                out.push((key >> 3, 0, &buf[pos..pos + len]));
                pos += len;
            }
            t => panic!("unexpected wire type {t}"),
        }
    }
    out
}

fn sint(v: u64) -> i32 {
    ((v >> 1) as i64 ^ -((v & 1) as i64)) as i32
}

fn decode(pbf: &[u8]) -> Vec<Stack> {
    let mut stacks = Vec::new();
    for (f, _, bytes) in fields(pbf) {
        assert_eq!(f, 1, "glyphs has only stacks");
        let mut s = Stack::default();
        for (f, _, b) in fields(bytes) {
            match f {
                1 => s.name = String::from_utf8(b.to_vec()).expect("utf-8 name"),
                2 => s.range = String::from_utf8(b.to_vec()).expect("utf-8 range"),
                3 => {
                    let mut g = Glyph::default();
                    for (f, v, b) in fields(b) {
                        match f {
                            1 => g.id = v as u32,
                            2 => g.bitmap = b.to_vec(),
                            3 => g.width = v as u32,
                            4 => g.height = v as u32,
                            5 => g.left = sint(v),
                            6 => g.top = sint(v),
                            7 => g.advance = v as u32,
                            _ => panic!("unknown glyph field {f}"),
                        }
                    }
                    s.glyphs.push(g);
                }
                _ => panic!("unknown fontstack field {f}"),
            }
        }
        stacks.push(s);
    }
    stacks
}

fn range(font: Font, start: u32) -> Stack {
    let r: GlyphRange = format!("{}-{}", start, start + 255).parse().expect("range");
    let mut stacks = decode(&draw_range(font, r).expect("encodes"));
    assert_eq!(stacks.len(), 1);
    stacks.remove(0)
}

fn glyph(stack: &Stack, c: char) -> &Glyph {
    stack
        .glyphs
        .iter()
        .find(|g| g.id == c as u32)
        .unwrap_or_else(|| panic!("no glyph {c:?}"))
}

/// The byte at column `x`, row `y` (0 = top) of a glyph's bitmap, margin included.
fn px(g: &Glyph, x: u32, y: u32) -> u8 {
    g.bitmap[(y * (g.width + 6) + x) as usize]
}

#[test]
fn ranges_parse_only_as_maplibre_writes_them() {
    assert_eq!("0-255".parse::<GlyphRange>().expect("ok").start(), 0);
    assert_eq!(
        "65280-65535".parse::<GlyphRange>().expect("ok").label(),
        "65280-65535"
    );
    for bad in [
        "1-256",
        "0-256",
        "256-255",
        "65536-65791",
        "0_255",
        "-0-255",
        "a-b",
        "",
    ] {
        assert!(bad.parse::<GlyphRange>().is_err(), "{bad} accepted");
    }
}

#[test]
fn fontstacks_pick_the_first_known_font() {
    assert_eq!(Font::from_stack("DejaVu Sans Bold"), Font::SansBold);
    assert_eq!(
        Font::from_stack("Roboto Bold, DejaVu Sans Bold"),
        Font::SansBold
    );
    assert_eq!(
        Font::from_stack("DejaVu Sans Book,DejaVu Sans Bold"),
        Font::SansBook
    );
    assert_eq!(Font::from_stack("Open Sans Regular"), Font::SansBook);
}

#[test]
fn latin_range_has_plausible_metrics() {
    let s = range(Font::SansBook, 0);
    assert_eq!(
        (s.name.as_str(), s.range.as_str()),
        ("DejaVu Sans Book", "0-255")
    );
    // DejaVu Sans covers all of Latin-1 but the C0/C1 controls.
    assert!(s.glyphs.len() > 180, "{} glyphs", s.glyphs.len());
    for g in &s.glyphs {
        let len = if g.width == 0 {
            0
        } else {
            (g.width + 6) * (g.height + 6)
        };
        assert_eq!(g.bitmap.len() as u32, len, "bitmap of {}", g.id);
    }
    let a = glyph(&s, 'A');
    // 'A' advances 1401/2048 em: 16.4 px at 24 px.
    assert_eq!(a.advance, 16);
    assert!(
        (15..=17).contains(&a.width) && (17..=18).contains(&a.height),
        "{a:?}"
    );
    let space = glyph(&s, ' ');
    assert_eq!((space.width, space.bitmap.len(), space.advance), (0, 0, 8));
}

#[test]
fn letters_share_one_baseline() {
    let latin = range(Font::SansBook, 0);
    let g = |c| glyph(&latin, c);
    // Capitals share a top; flat-bottomed letters end on the baseline, descenders
    // go below it: bottom = top - height is the same for x, z, H, E.
    assert_eq!(g('H').top, g('E').top);
    assert!(g('x').top < g('H').top - 3, "x-height below cap height");
    let bottom = |c| g(c).top - g(c).height as i32;
    assert_eq!(bottom('H'), bottom('x'));
    assert_eq!(bottom('z'), bottom('E'));
    assert!(bottom('p') <= bottom('x') - 4, "p descends");
    // fontnik's convention: top is measured from the ascender (22 px for DejaVu),
    // so a capital's top is a few pixels below it.
    assert!((-6..=-3).contains(&g('H').top), "H top {}", g('H').top);
}

#[test]
fn distance_field_is_high_inside_and_low_outside() {
    let latin = range(Font::SansBook, 0);
    let stem = glyph(&latin, 'I');
    let (cols, rows) = (stem.width + 6, stem.height + 6);
    let mid = px(stem, cols / 2, rows / 2);
    // The stem's middle is inside (> 192); the margin's corners are >= 3 px outside.
    assert!(mid > 192, "centre {mid}");
    for (col, row) in [(0, 0), (cols - 1, 0), (0, rows - 1), (cols - 1, rows - 1)] {
        let b = px(stem, col, row);
        assert!(b < 128, "corner {col},{row} = {b}");
    }
    // The first and last column of the margin are outside the stem; across the
    // stem's edge the field crosses the 191 threshold.
    let line: Vec<u8> = (0..cols).map(|col| px(stem, col, rows / 2)).collect();
    assert!(line[0] < 120 && line[(cols - 1) as usize] < 120, "{line:?}");
    assert!(line.iter().any(|&b| b > 191) && line.iter().any(|&b| b < 191));
    // 'O' has a hole: its centre is outside, its ring inside.
    let ring = glyph(&latin, 'O');
    let (cols, rows) = (ring.width + 6, ring.height + 6);
    let hole = px(ring, cols / 2, rows / 2);
    assert!(hole < 64, "hole {hole}");
    assert!(
        px(ring, 4, rows / 2) > 170,
        "ring {}",
        px(ring, 4, rows / 2)
    );
}

#[test]
fn bold_is_wider_and_uncovered_ranges_are_empty() {
    let book = range(Font::SansBook, 0);
    let bold = range(Font::SansBold, 0);
    assert_eq!(bold.name, "DejaVu Sans Bold");
    assert!(glyph(&bold, 'I').width > glyph(&book, 'I').width);
    // Latin Extended-A and general punctuation are there (Indonesian names, quotes).
    let ext = range(Font::SansBook, 256);
    assert!(ext.glyphs.iter().any(|g| g.id == 0x0160), "Š");
    let punct = range(Font::SansBook, 0x2000);
    assert!(punct.glyphs.iter().any(|g| g.id == 0x2019), "’");
    // CJK: DejaVu has none, so a valid stack with no glyphs.
    let cjk = range(Font::SansBook, 0x4e00);
    assert_eq!((cjk.range.as_str(), cjk.glyphs.len()), ("19968-20223", 0));
}
