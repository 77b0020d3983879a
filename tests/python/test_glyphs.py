"""Glyph ranges from the real server, decoded by Google's protobuf package against a
`glyphs.proto` schema built here (the format MapLibre and node-fontnik share)."""
import gzip
import urllib.parse

import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from conftest import Server

F = descriptor_pb2.FieldDescriptorProto


def glyphs_class():
    """The `glyphs` message of glyphs.proto: stacks of (name, range, glyphs)."""
    fdp = descriptor_pb2.FileDescriptorProto(name="sigap_test_glyphs.proto", package="glyphs_test", syntax="proto2")
    glyph = fdp.message_type.add(name="glyph")
    for name, number, kind, label in [
        ("id", 1, F.TYPE_UINT32, F.LABEL_REQUIRED),
        ("bitmap", 2, F.TYPE_BYTES, F.LABEL_OPTIONAL),
        ("width", 3, F.TYPE_UINT32, F.LABEL_REQUIRED),
        ("height", 4, F.TYPE_UINT32, F.LABEL_REQUIRED),
        ("left", 5, F.TYPE_SINT32, F.LABEL_REQUIRED),
        ("top", 6, F.TYPE_SINT32, F.LABEL_REQUIRED),
        ("advance", 7, F.TYPE_UINT32, F.LABEL_REQUIRED),
    ]:
        glyph.field.add(name=name, number=number, type=kind, label=label)
    stack = fdp.message_type.add(name="fontstack")
    stack.field.add(name="name", number=1, type=F.TYPE_STRING, label=F.LABEL_REQUIRED)
    stack.field.add(name="range", number=2, type=F.TYPE_STRING, label=F.LABEL_REQUIRED)
    stack.field.add(name="glyphs", number=3, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                    type_name=".glyphs_test.glyph")
    top = fdp.message_type.add(name="glyphs")
    top.field.add(name="stacks", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED,
                  type_name=".glyphs_test.fontstack")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fdp)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("glyphs_test.glyphs"))


GLYPHS = glyphs_class()


@pytest.fixture(scope="module")
def demo_server():
    """`sigap serve` on the built-in demo city, no login."""
    s = Server(token=None)
    yield s
    s.stop()


def fetch(server, stack, rng, headers=None):
    status, h, body = server.get(f"/fonts/{urllib.parse.quote(stack)}/{rng}.pbf", headers=headers, token=None)
    assert status == 200, (stack, rng, status, body[:200])
    if h.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    msg = GLYPHS()
    msg.ParseFromString(body)  # raises on a malformed message or a missing required field
    return h, msg


def test_latin_range_decodes_with_plausible_glyphs(demo_server):
    h, msg = fetch(demo_server, "DejaVu Sans Book,DejaVu Sans Bold", "0-255", {"Accept-Encoding": "gzip"})
    assert h["content-type"] == "application/x-protobuf"
    assert h["content-encoding"] == "gzip"
    assert h["cache-control"].startswith("public, max-age=")
    assert "etag" in h
    (stack,) = msg.stacks
    assert (stack.name, stack.range) == ("DejaVu Sans Book", "0-255")
    by_id = {g.id: g for g in stack.glyphs}
    assert all(0 <= g.id <= 255 for g in stack.glyphs)
    for g in stack.glyphs:
        expected = (g.width + 6) * (g.height + 6) if g.width else 0
        assert len(g.bitmap) == expected, chr(g.id)
    a = by_id[ord("A")]
    assert a.advance == 16 and a.width > 10 and a.height > 15
    # sint32 fields: 'J' reaches left of its pen position, 'p' below the baseline.
    assert by_id[ord("J")].left < 0
    p = by_id[ord("p")]
    assert p.top - p.height < by_id[ord("x")].top - by_id[ord("x")].height
    # Inside the 2 px 'l' stem the field is high; in the 3 px margin, low.
    ell = by_id[ord("l")]
    w = ell.width + 6
    mid_row = ell.bitmap[(ell.height + 6) // 2 * w:(ell.height + 6) // 2 * w + w]
    assert max(mid_row) > 200 and mid_row[0] < 128 and mid_row[-1] < 128, list(mid_row)


def test_bold_and_fallback_and_errors(demo_server):
    _, bold = fetch(demo_server, "DejaVu Sans Bold", "256-511")
    _, book = fetch(demo_server, "Noto Sans Regular", "256-511")
    assert bold.stacks[0].name == "DejaVu Sans Bold"
    assert book.stacks[0].name == "DejaVu Sans Book"
    wide = {g.id: g.width for g in bold.stacks[0].glyphs}
    assert all(0x100 <= g.id <= 0x1FF for g in book.stacks[0].glyphs)
    assert wide[0x0160] >= {g.id: g.width for g in book.stacks[0].glyphs}[0x0160]
    status, _, body = demo_server.get("/fonts/DejaVu%20Sans%20Book/100-355.pbf", token=None)
    assert status == 404 and b"multiple of 256" in body
