"""Files that claim to be photos, good and bad, as hypothesis strategies for the fuzz tier.

Every strategy draws a `Photo(kind, data, label, expect)`: `kind` is what the tier counts and prints ("valid
image", "bomb", ...), `data` the file's bytes, `label` the detail (format and mode, say) for a failure's
message, and `expect` what an endpoint must make of it when it is known: "read" (decoded, whatever follows),
"unsupported" (another format), "too large" (more than MAX_PIXELS), "empty" or "oversized" (past the
upload limit); None when anything but a crash will do (a damaged file may still decode).
Generation is weighted towards cheap inputs: a photo with a face goes through real detection and Weaviate.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import zlib
from collections.abc import Callable
from functools import cache

import numpy as np
from hypothesis import example
from hypothesis import strategies as st
from PIL import Image

from facesearch.face.image import MAX_PIXELS
from tests.conftest import IMAGES, LOOK_FOR

ACCEPTED = ("JPEG", "PNG", "WEBP")
"""The formats facesearch reads; every other image is refused as an unsupported type."""
FORMATS = (*ACCEPTED, "GIF", "BMP", "TIFF", "PPM", "ICO", "TGA")
MODES = ("1", "L", "P", "RGB", "RGBA", "CMYK", "I;16", "I", "F", "LA", "PA", "LAB", "HSV", "YCbCr", "RGBX")


class Photo:
    """A plain class, not a dataclass, so that hypothesis prints a failing one by its repr: not megabytes."""

    def __init__(self, kind: str, data: bytes, label: str = "", expect: str | None = None) -> None:
        self.kind, self.data, self.label, self.expect = kind, data, label, expect

    def expected(self, max_bytes: int) -> str | None:
        """`expect` at an endpoint that reads files of up to `max_bytes`."""
        return "oversized" if len(self.data) > max_bytes else self.expect

    def __repr__(self) -> str:
        return f"Photo({self.kind!r}, {self.label!r}, {len(self.data)} bytes, starts {self.data[:16]!r})"


@cache
def real_photos() -> tuple[tuple[str, bytes], ...]:
    """The repository's photos of people: (name, bytes)."""
    paths = sorted(LOOK_FOR.glob("*.jpg")) + sorted(LOOK_FOR.glob("*.png")) + sorted(IMAGES.glob("*/1.jpg"))
    return tuple((str(p.relative_to(LOOK_FOR.parent)), p.read_bytes()) for p in paths)


@cache
def face_image(size: int) -> Image.Image:
    """A real face (look_for/Ted_Lieu.jpg) with its long side at `size` pixels."""
    im = Image.open(LOOK_FOR / "Ted_Lieu.jpg").convert("RGB")
    im.thumbnail((size, size))
    return im


def to_mode(im: Image.Image, mode: str) -> Image.Image:
    """`im` (RGB) in any Pillow mode, through the conversions Pillow has."""
    if mode in ("I;16", "I", "F", "1", "LA"):
        return im.convert("L").convert(mode)
    if mode == "PA":
        return im.convert("P").convert("PA")
    return im.convert(mode)


def encode(im: Image.Image, fmt: str, **params: object) -> bytes | None:
    """`im` saved as `fmt`, or None when Pillow cannot write that mode in that format."""
    out = io.BytesIO()
    try:
        im.save(out, fmt, **params)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return out.getvalue()


@cache
def savable() -> tuple[tuple[str, str], ...]:
    """Every (format, mode) pair Pillow writes."""
    tiny = Image.new("RGB", (2, 2), (200, 120, 40))
    return tuple((f, m) for f in FORMATS for m in MODES if encode(to_mode(tiny, m), f) is not None)


def picture(width: int, height: int, style: str, seed: int) -> Image.Image:
    """An RGB picture: one colour, a gradient, noise (small sizes only) or a real face stretched to the size."""
    if style == "face":
        return face_image(max(width, height)).resize((width, height))
    if style == "gradient":
        return Image.linear_gradient("L").resize((width, height)).convert("RGB")
    if style == "noise":
        pixels = np.random.default_rng(seed).integers(0, 256, (height, width, 3), dtype=np.uint8)
        return Image.fromarray(pixels)
    return Image.new("RGB", (width, height), (seed % 256, seed * 7 % 256, seed * 13 % 256))


sizes = st.one_of(st.integers(1, 16), st.integers(17, 400), st.integers(401, 3000))
"""Pixels of a side: mostly small, sometimes a few thousand."""


def valid_image(fmt: str, mode: str, width: int, height: int, style: str, seed: int = 0) -> Photo:
    data = encode(to_mode(picture(width, height, style, seed), mode), fmt)
    assert data is not None, (fmt, mode)
    expect = "read" if fmt in ACCEPTED else "unsupported"
    return Photo("valid image", data, f"{fmt} {mode} {width}x{height} {style}", expect)


@st.composite
def valid_images(draw: st.DrawFn) -> Photo:
    """A well-formed image of any format and mode Pillow writes, 1 x 1 to 3000 x 3000 pixels."""
    fmt, mode = draw(st.sampled_from(savable()))
    width = draw(sizes)
    height = width if fmt == "ICO" else draw(sizes)  # ICO writes square icons only
    style = draw(st.sampled_from(["plain", "gradient", "face"] + (["noise"] if width * height <= 65536 else [])))
    return valid_image(fmt, mode, width, height, style, draw(st.integers(0, 255)))


def every_format_and_mode() -> list[Photo]:
    """One small image of a face per (format, mode) pair Pillow writes: explicit examples, so none is missed."""
    return [valid_image(fmt, mode, 48, 48 if fmt == "ICO" else 40, "face") for fmt, mode in savable()]


@st.composite
def real_photo_files(draw: st.DrawFn) -> Photo:
    """A photo of people from the repository, as it is or written again in another accepted format or mode."""
    name, data = draw(st.sampled_from(real_photos()))
    fmt = draw(st.sampled_from(["as is", *ACCEPTED]))
    if fmt != "as is":
        mode = draw(st.sampled_from(["RGB", "L", "P", "RGBA", "CMYK", "I;16"]))
        im = to_mode(Image.open(io.BytesIO(data)).convert("RGB"), mode)
        data = encode(im, fmt) or encode(im.convert("RGB"), fmt)
        name = f"{name} as {fmt} {mode}"
    return Photo("real photo", data, name, "read")


@st.composite
def small_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A valid small file to damage: a repository photo, or a face in an accepted format."""
    if draw(st.booleans()):
        return draw(st.sampled_from(real_photos()))
    fmt, size = draw(st.sampled_from(ACCEPTED)), draw(st.sampled_from([16, 64, 200]))
    return f"{fmt} face {size}px", encode(face_image(size), fmt)


@st.composite
def truncated(draw: st.DrawFn) -> Photo:
    """A valid file cut short anywhere."""
    name, data = draw(small_files())
    cut = draw(st.one_of(st.integers(0, min(len(data) - 1, 2048)), st.integers(0, len(data) - 1)))
    return Photo("truncated", data[:cut], f"{name} cut at {cut} of {len(data)}")


@st.composite
def corrupted(draw: st.DrawFn) -> Photo:
    """A valid file with bits flipped, bytes inserted and bytes deleted, mostly in its headers."""
    name, data = draw(small_files())
    buf = bytearray(data)
    edits = draw(st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete"]), st.integers(0, 2**31),
                                    st.binary(min_size=1, max_size=64)), min_size=1, max_size=8))
    for op, where, junk in edits:
        at = where % 1024 if where % 2 else where  # half the edits land in the first kilobyte
        at %= max(len(buf), 1)
        if op == "flip" and buf:
            buf[at] ^= junk[0] | 1
        elif op == "insert":
            buf[at:at] = junk
        else:
            del buf[at:at + len(junk)]
    return Photo("corrupted", bytes(buf), f"{name} with {[e[0] for e in edits]}")


MAGIC = [b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF\x00\x00\x00\x00WEBPVP8 ", b"GIF89a", b"BM", b"II*\x00",
         b"MM\x00*", b"%PDF-1.7", b"PK\x03\x04", b"<svg", b"\x00\x00\x00\x0cjP  ", b"\x00\x00\x00\x18ftypheic"]


@st.composite
def wrong_magic(draw: st.DrawFn) -> Photo:
    """A valid file whose first bytes say another format (or nothing), or with junk before them."""
    name, data = draw(small_files())
    magic = draw(st.one_of(st.sampled_from(MAGIC), st.binary(min_size=1, max_size=16)))
    if draw(st.booleans()):
        return Photo("wrong magic", magic + data[len(magic):], f"{name} starting {magic!r}")
    return Photo("wrong magic", magic + data, f"{name} after {magic!r}")


def png_chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_claiming(width: int, height: int, color_type: int = 2, depth: int = 8) -> bytes:
    """A PNG of a few dozen bytes whose header says `width` x `height` pixels."""
    header = struct.pack(">IIBBBBB", width, height, depth, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", header) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def gif_claiming(width: int, height: int) -> bytes:
    """A GIF of a few dozen bytes whose screen and image say `width` x `height` pixels."""
    return (b"GIF89a" + struct.pack("<HHBBB", width, height, 0, 0, 0)
            + b"," + struct.pack("<HHHHB", 0, 0, width, height, 0)
            + b"\x02\x02\x4c\x01\x00;")


@cache
def tiny_jpeg() -> bytes:
    return encode(Image.new("RGB", (8, 8), (90, 90, 90)), "JPEG")


def jpeg_claiming(width: int, height: int) -> bytes:
    """An 8 x 8 JPEG whose frame header (SOF0) says `width` x `height` pixels."""
    data = bytearray(tiny_jpeg())
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def tiff_claiming(width: int, height: int) -> bytes:
    """A TIFF whose only directory says `width` x `height` pixels, one strip of 8 bytes."""
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8 + 2 + 12 * 8 + 4), (278, 4, 1, height), (279, 4, 1, 8)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\x00" * 8


CLAIMING = {"PNG": (png_claiming, 2**31 - 1), "GIF": (gif_claiming, 65535), "JPEG": (jpeg_claiming, 65535),
            "TIFF": (tiff_claiming, 2**32 - 1)}
"""Format -> (a file claiming a size, the largest side that format can state)."""


@st.composite
def bombs(draw: st.DrawFn) -> Photo:
    """A file of a few dozen bytes claiming more than MAX_PIXELS pixels (a decompression bomb)."""
    fmt = draw(st.sampled_from(sorted(CLAIMING)))
    build, side = CLAIMING[fmt]
    width = draw(st.integers(MAX_PIXELS // side + 1, side))
    height = draw(st.integers(MAX_PIXELS // width + 1, side))
    return Photo("bomb", build(width, height), f"{fmt} claiming {width}x{height}", "too large")


@st.composite
def huge_dimensions(draw: st.DrawFn) -> Photo:
    """A PNG header stating a size up to the limit (or none, or one PNG forbids) over a few bytes of data."""
    width = draw(st.sampled_from([0, 1, 9_000, 2**31 - 1, 2**32 - 1]) | st.integers(1, MAX_PIXELS))
    height = draw(st.sampled_from([0, 1, 2, 9_000]) | st.integers(1, max(1, MAX_PIXELS // max(width, 1))))
    color_type, depth = draw(st.sampled_from([(0, 1), (0, 8), (0, 16), (2, 8), (3, 8), (4, 8), (6, 8), (6, 16),
                                              (7, 8)]))
    return Photo("huge dimensions", png_claiming(width, height, color_type, depth),
                 f"PNG claiming {width}x{height}, colour type {color_type}, {depth} bits")


ORIENTATION = 0x0112


def ifd(entries: list[tuple[int, int, int, int]], next_ifd: int = 0) -> bytes:
    """A little-endian TIFF header and one directory of (tag, type, count, value-or-offset) entries."""
    body = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries)
    return b"Exif\x00\x00II*\x00" + struct.pack("<I", 8) + body + struct.pack("<I", next_ifd)


entries = st.tuples(
    st.sampled_from([ORIENTATION, 0x8769, 0x8825, 0xA005, 0x927C, 0x0100]) | st.integers(0, 0xFFFF),
    st.integers(0, 20),
    st.sampled_from([0, 1, 2, 255, 2**31, 2**32 - 1]),
    st.sampled_from([0, 1, 8, 9, 0xFFFF, 2**31, 2**32 - 1]) | st.integers(0, 2**32 - 1),
)


@st.composite
def exif_blocks(draw: st.DrawFn) -> tuple[str, bytes]:
    """EXIF that is odd: an orientation that is out of range or of the wrong type, a block of up to
    60 KB, a directory of random entries, one that points at itself, or junk."""
    how = draw(st.sampled_from(["orientation", "typed orientation", "huge", "random entries", "loop", "junk"]))
    if how == "orientation":
        value = draw(st.integers(0, 9) | st.sampled_from([255, 0xFFFF]))
        return f"orientation {value}", ifd([(ORIENTATION, 3, 1, value)])
    if how == "typed orientation":
        kind, count = draw(st.integers(1, 12)), draw(st.sampled_from([0, 1, 2, 4, 2**20]))
        value = draw(st.integers(0, 2**32 - 1))
        return f"orientation of type {kind} x {count}", ifd([(ORIENTATION, kind, count, value)])
    if how == "huge":
        size = draw(st.integers(1_000, 60_000))
        comment = ifd([(ORIENTATION, 3, 1, 6), (0x010E, 2, size, 8 + 2 + 24 + 4)])
        return f"{size} bytes of description", comment + b"A" * size
    if how == "random entries":
        found = draw(st.lists(entries, max_size=12))
        return f"{len(found)} random entries", ifd(found, draw(st.sampled_from([0, 8, 2**32 - 1])))
    if how == "loop":
        return "a directory pointing at itself", ifd([(ORIENTATION, 3, 1, 6), (0x8769, 4, 1, 8)], next_ifd=8)
    return "junk", b"Exif\x00\x00" + draw(st.binary(max_size=512))


@st.composite
def odd_exif(draw: st.DrawFn) -> Photo:
    """A tiny (1 to 8 px) accepted image carrying odd EXIF, or orientation 1 to 8 done right."""
    fmt = draw(st.sampled_from(ACCEPTED))
    width, height = draw(st.integers(1, 8)), draw(st.integers(1, 8))
    im = Image.new("RGB", (width, height), (120, 60, 30))
    if draw(st.booleans()):
        exif = Image.Exif()
        exif[ORIENTATION] = draw(st.integers(1, 8))
        what, block = f"orientation {exif[ORIENTATION]}", exif.tobytes()
    else:
        what, block = draw(exif_blocks())
    data = encode(im, fmt, exif=block)
    assert data is not None, (fmt, what)
    return Photo("odd EXIF", data, f"{fmt} {width}x{height} with {what}", "read")


def zero_bytes() -> st.SearchStrategy[Photo]:
    return st.just(Photo("zero bytes", b"", expect="empty"))


def random_bytes() -> st.SearchStrategy[Photo]:
    return st.binary(min_size=1, max_size=4096).map(lambda b: Photo("random bytes", b))


def oversized(limit: int) -> st.SearchStrategy[Photo]:
    """A JPEG's first bytes followed by zeros, one byte over `limit` or a little more."""
    return st.integers(limit + 1, limit + 4096).map(
        lambda n: Photo("oversized", tiny_jpeg()[:64].ljust(n, b"\0"), f"{n} bytes", "oversized"))


def photo_files(max_bytes: int | None) -> st.SearchStrategy[Photo]:
    """Every kind of file above; `max_bytes` is the size limit of the endpoint (for oversized files: none
    when it is None)."""
    return st.one_of(
        valid_images(), valid_images(), truncated(), corrupted(), wrong_magic(), bombs(), huge_dimensions(),
        odd_exif(), zero_bytes(), random_bytes(), real_photo_files(), *([oversized(max_bytes)] if max_bytes else []),
    )



class Form:
    """A request body that is (or claims to be) a multipart form; `expect` "refused" (a 4xx about the
    form), "read" (a well-formed photo reaches the endpoint) or None (anything but a crash)."""

    def __init__(self, kind: str, content: bytes, content_type: str, label: str = "",
                 expect: str | None = None) -> None:
        self.kind, self.content, self.content_type, self.label, self.expect = kind, content, content_type, label, expect

    def __repr__(self) -> str:
        return f"Form({self.kind!r}, {self.label!r}, {self.content_type!r}, {len(self.content)} bytes)"


BOUNDARY = "fuzzboundary7MA4YWxkTrZu0gW"


def part(name: str, data: bytes, filename: str | None = None, content_type: str | None = None) -> bytes:
    """One part of a multipart form: a file when it has a filename, else a field."""
    disposition = f'form-data; name="{name}"' + ("" if filename is None else f'; filename="{filename}"')
    head = f"Content-Disposition: {disposition}\r\n"
    head += "" if content_type is None else f"Content-Type: {content_type}\r\n"
    return head.encode() + b"\r\n" + data


def multipart(parts: list[bytes], boundary: str = BOUNDARY) -> bytes:
    b = boundary.encode()
    return b"".join(b"--" + b + b"\r\n" + p + b"\r\n" for p in parts) + b"--" + b + b"--\r\n"


FORM = f"multipart/form-data; boundary={BOUNDARY}"
FILENAMES = ["../../../escape.jpg", "..", "/etc/passwd", "a/b\\c.jpg", "x" * 1000 + ".jpg", "фото 😀.jpg",
             "noext", ".hidden", "photo.JPEG", "photo.exe", "%2e%2e%2fup.jpg", "con.jpg", " ", "a\tb.jpg"]
CONTENT_TYPES = ["image/gif", "text/plain", "application/octet-stream", "image/jpeg; charset=utf-8",
                 "multipart/mixed", "x/y", "image/png"]


@cache
def plain_photo() -> bytes:
    """A small valid PNG with no face: read, then refused for having no face."""
    return encode(Image.new("RGB", (24, 16), (30, 90, 200)), "PNG")


@st.composite
def form_photo(draw: st.DrawFn) -> bytes:
    """The photo inside an odd form: mostly a small one without a face, sometimes a real photo of a person."""
    return draw(st.sampled_from([plain_photo()] * 5 + [real_photos()[0][1], encode(face_image(200), "JPEG")]))


@st.composite
def odd_forms(draw: st.DrawFn, field: str, fields: tuple[tuple[str, str], ...] = ()) -> Form:
    """A form for an endpoint taking files in `field` (and text `fields`), odd in one way."""
    photo, text = draw(form_photo()), [part(n, v.encode()) for n, v in fields]
    good = part(field, photo, "photo.png", "image/png")
    how = draw(st.sampled_from(["missing file field", "two files", "wrong field name", "empty filename",
                                "wrong content type", "text instead of file", "extra fields", "odd filename",
                                "not multipart", "big text field", "many files"]))
    if how == "missing file field":
        return Form(how, multipart(text), FORM, expect="refused")
    if how == "two files":
        second = draw(st.sampled_from([photo, b"", b"not an image", plain_photo()]))
        return Form(how, multipart([*text, good, part(field, second, "second.jpg", "image/jpeg")]), FORM)
    if how == "wrong field name":
        other = "photo" if field == "photos" else "photos"
        name = draw(st.sampled_from(["file", "image", "upload", other, field.upper(), ""]))
        return Form(how, multipart([*text, part(name, photo, "photo.png", "image/png")]), FORM, name, "refused")
    if how == "empty filename":
        return Form(how, multipart([*text, part(field, photo, "", "image/png")]), FORM)
    if how == "wrong content type":
        kind = draw(st.sampled_from(CONTENT_TYPES))
        return Form(how, multipart([*text, part(field, photo, "photo.jpg", kind)]), FORM, kind, "read")
    if how == "text instead of file":
        value = draw(st.sampled_from([b"hello", b"", photo[:200]]))
        return Form(how, multipart([*text, part(field, value)]), FORM, expect="refused")
    if how == "extra fields":
        extra = [part(f"extra{i}", b"x" * i) for i in range(draw(st.integers(1, 5)))]
        extra += [part("other", plain_photo(), "other.png", "image/png")] if draw(st.booleans()) else []
        return Form(how, multipart([*extra, *text, good]), FORM, expect="read")
    if how == "odd filename":
        name = draw(st.sampled_from(FILENAMES))
        return Form(how, multipart([*text, part(field, photo, name, "image/jpeg")]), FORM, name[:40], "read")
    if how == "big text field":
        return Form(how, multipart([*text, part("note", b"x" * (1024 * 1024 + 1)), good]), FORM, expect="refused")
    if how == "many files":
        return Form(how, multipart([*text, *[part(field, b"", f"{i}.jpg") for i in range(1001)]]), FORM,
                    expect="refused")
    return draw(not_multipart(photo, text))


@st.composite
def not_multipart(draw: st.DrawFn, photo: bytes, text: list[bytes]) -> Form:
    """A body that is no multipart form, or a broken one."""
    body = multipart([*text, part("photo", photo, "p.png"), part("photos", photo, "p.png")])
    how, content, kind, expect = draw(st.sampled_from([
        ("JSON", b'{"photo": "aGVsbG8="}', "application/json", "refused"),
        ("form-urlencoded", b"photo=hello&photos=x", "application/x-www-form-urlencoded", "refused"),
        ("a raw photo", photo, "image/jpeg", "refused"),
        ("no boundary", body, "multipart/form-data", "refused"),
        ("another boundary", body, "multipart/form-data; boundary=other", "refused"),
        ("empty body", b"", FORM, "refused"),
        ("garbage", b"\x00\xff" * 64, FORM, "refused"),
        ("no content type", body, "", "refused"),
        ("cut short", body[: len(body) // 2], FORM, None),
        ("no closing boundary", body[: -len(BOUNDARY) - 6], FORM, None),
    ]))
    return Form("not multipart", content, kind, how, expect)


def found_bugs() -> list[Photo]:
    """Inputs the fuzz tier found mishandled, kept as explicit examples: a GIF bomb refused for its format
    instead of its size; EXIF blocks whose parsing raised SyntaxError and struct.error (a 500); a PNG row
    too long for Pillow's decoder (MemoryError, a 500); a cut JPEG refused in Pillow's words."""
    dot = Image.new("RGB", (1, 1), (120, 60, 30))
    return [
        Photo("bomb", gif_claiming(10_000, 10_000), "GIF claiming 10000x10000", "too large"),
        Photo("odd EXIF", encode(dot, "PNG", exif=b"Exif\x00\x00\x00"), "PNG 1x1 with junk", "read"),
        Photo("odd EXIF", encode(dot, "PNG", exif=b"Exif\x00\x00II*\x00"), "PNG 1x1 with a header only", "read"),
        Photo("huge dimensions", png_claiming(33_554_425, 1, 6, 16), "PNG claiming 33554425x1, RGBA, 16 bits"),
        Photo("truncated", encode(face_image(64), "JPEG")[:400], "JPEG face 64px cut at 400", None),
    ]


class Body:
    """A body for the vectorizer's POST /vectors: `expect` is a Photo's expectation for the image it
    carries, or "bad request" (400) or "too large body" (413), or None (anything but a crash)."""

    def __init__(self, kind: str, content: bytes, label: str = "", expect: str | None = None) -> None:
        self.kind, self.content, self.label, self.expect = kind, content, label, expect

    def __repr__(self) -> str:
        return f"Body({self.kind!r}, {self.label!r}, {len(self.content)} bytes, starts {self.content[:40]!r})"


def as_json(value: object) -> bytes:
    return json.dumps(value).encode()


@st.composite
def image_bodies(draw: st.DrawFn) -> Body:
    """Weaviate's own body, {"id", "image": base64}, carrying any file above; sometimes with extra fields."""
    photo = draw(photo_files(None))
    body = {"id": draw(st.sampled_from(["abc_0", "", "x" * 1000])), "image": base64.b64encode(photo.data).decode()}
    if draw(st.integers(0, 9)) == 0:
        body["extra"] = draw(st.sampled_from([None, 1, [1, 2], {"a": "b"}, "text"]))
    expect = {"empty": "unsupported"}.get(photo.expect, photo.expect)
    return Body(f"base64 of {photo.kind}", as_json(body), photo.label, expect)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def odd_bodies(draw: st.DrawFn, max_body: int) -> Body:
    """Bodies that are not what Weaviate sends: not JSON, wrong types, fields missing, base64 that is not
    base64, strings past the body limit (`max_body` bytes) or just under it, JSON nested 100,000 deep."""
    how = draw(st.sampled_from(["not JSON", "wrong types", "missing fields", "invalid base64", "huge strings",
                                "deep nesting"]))
    if how == "not JSON":
        content = draw(st.sampled_from([b"", b"{oops", b'{"id": "x", "image": "QQ=="', b"\xef\xbb\xbf{}", b"null"])
                       | st.binary(max_size=256))
        return Body(how, content, expect="bad request")
    if how == "wrong types":
        field = draw(st.sampled_from(["id", "image"]))
        value = draw(JSON_VALUES.filter(lambda v: not isinstance(v, str)))
        body = {"id": "x", "image": "QUFB", field: value}
        return Body(how, as_json(body), f"{field} = {str(value)[:40]}", "bad request")
    if how == "missing fields":
        body = draw(st.sampled_from([{}, {"id": "x"}, {"img": "QUFB"}, {"Image": "QUFB"}, []])
                    | JSON_VALUES.filter(lambda v: not (isinstance(v, dict) and isinstance(v.get("image"), str))))
        return Body(how, as_json(body), str(body)[:40], "bad request")
    if how == "invalid base64":
        text = draw((st.sampled_from(["not base64!", "QUF", "QU FB", "QUFB\n", "-_-_", "=QUFB", "\u00e9t\u00e9"])
                     | st.text(min_size=1, max_size=64)).filter(lambda s: not is_base64(s)))
        return Body(how, as_json({"id": "x", "image": text}), text[:40], "bad request")
    if how == "huge strings":
        size = draw(st.sampled_from([max_body - 64, max_body + 1, 2 * max_body]) | st.integers(1, 2**20))
        size -= size % 4  # "AAAA" is valid base64 (of zeros)
        content = b'{"id": "x", "image": "' + b"A" * size + b'"}'
        expect = "too large body" if len(content) > max_body else "unsupported"  # zeros are no image
        return Body(how, content, f"{size} bytes of base64", expect)
    return Body(how, b"[" * 100_000 + b"]" * 100_000, "100,000 levels", "bad request")


def is_base64(text: str) -> bool:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        return False
    return True


def vector_bodies(max_body: int) -> st.SearchStrategy[Body]:
    """Bodies for POST /vectors: half of them good JSON carrying any file, half of them odd."""
    return st.one_of(image_bodies(), odd_bodies(max_body))


def with_examples(**argument: list) -> Callable:
    """Each value of the one keyword argument (`photo=[...]`, `body=[...]`) as an explicit hypothesis example."""
    [(name, values)] = argument.items()

    def apply(test: Callable) -> Callable:
        for value in values:
            test = example(**{name: value})(test)
        return test
    return apply
