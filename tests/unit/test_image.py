from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face import Box, crop_face, load_image
from facesearch.face.image import UNREADABLE, pixel_count
from facesearch.people.prepare import pick_face


def encoded(fmt: str, size: tuple[int, int] = (40, 20), **kw: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, fmt, **kw)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_accepted_formats_decode_to_rgb(fmt: str) -> None:
    image = load_image(encoded(fmt))
    assert image.shape == (20, 40, 3) and image.dtype == np.uint8


def test_exif_orientation_turns_the_image_upright() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    assert load_image(encoded("JPEG", exif=exif)).shape == (40, 20, 3)


@pytest.mark.parametrize("data", [encoded("GIF"), encoded("BMP"), b"hello", b""])
def test_other_files_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImage, match="JPEG, PNG or WebP"):
        load_image(data)


def test_truncated_jpeg_is_a_bad_image() -> None:
    with pytest.raises(BadImage):
        load_image(encoded("JPEG", size=(400, 400))[:300])


def test_crop_keeps_a_margin_and_has_the_requested_long_side() -> None:
    image = np.zeros((1000, 800, 3), np.uint8)
    crop = crop_face(image, Box(300, 300, 500, 500), margin=0.5, size=400)
    assert crop.shape == (400, 400, 3)
    edge = crop_face(image, Box(0, 0, 200, 200), margin=0.5, size=400)  # clipped at the image's corner
    assert edge.shape == (400, 400, 3)


def test_box_helpers() -> None:
    box = Box(10, 20, 30, 60)
    assert (box.width, box.height, box.area) == (20, 40, 800)
    assert box.scale(2) == Box(20, 40, 60, 120)
    assert box.grow(0.5) == Box(0, 0, 40, 80)
    assert Box(-5, -5, 50, 50).clip(40, 30) == Box(0, 0, 40, 30)


def test_pick_face_rules() -> None:
    big, small, similar = Box(0, 0, 100, 100), Box(0, 0, 60, 60), Box(300, 0, 390, 90)
    assert pick_face([], 400, 100) == "No face was found in this photo."
    assert pick_face([small, big], 400, 100) == big
    # similar sizes, equally far from the middle: can't tell
    assert pick_face([big, similar], 490, 100) == "2 faces of similar size; can't tell which one is the person."
    # similar sizes, one in the middle of the photo and one at its edge: the middle one
    middle = Box(150, 0, 240, 90)
    assert pick_face([big, middle], 390, 100) == middle
    # a small face in the middle does not beat a much larger one
    assert pick_face([big, Box(180, 0, 220, 40)], 400, 100) == big


@pytest.mark.parametrize(("width", "height"), [(12_000, 8_000), (20_000, 20_000)])
def test_a_decompression_bomb_is_refused_in_plain_words(width: int, height: int) -> None:
    """A tiny PNG that claims width x height pixels: refused before decoding, with the limit in words."""
    out = io.BytesIO()
    Image.new("1", (width, height)).save(out, "PNG")
    assert len(out.getvalue()) < 1_000_000
    with pytest.raises(BadImage, match=r"too large to read: .* up to 89 million pixels\. Use a smaller copy"):
        load_image(out.getvalue())


def test_a_bomb_of_a_format_facesearch_does_not_read_is_refused_for_its_size() -> None:
    """A GIF claiming 10,000 x 10,000 pixels (between Pillow's warning and its error): the size is what the
    person needs to hear, not the format."""
    header = b"GIF89a" + (10_000).to_bytes(2, "little") * 2 + b"\x00\x00\x00"
    image = b"," + b"\x00\x00\x00\x00" + (10_000).to_bytes(2, "little") * 2 + b"\x00" + b"\x02\x02\x4c\x01\x00;"
    with pytest.raises(BadImage, match=r"^This photo is too large to read: 10000 x 10000 pixels"):
        load_image(header + image)


@pytest.mark.parametrize("cut", [200, 400, 600])
def test_a_damaged_photo_is_refused_in_one_sentence_not_pillows_words(cut: int) -> None:
    data = encoded("JPEG", (64, 64))
    with pytest.raises(BadImage) as refused:
        load_image(data[:cut])
    assert refused.value.message == "The image could not be read; the file is damaged or incomplete."


@pytest.mark.parametrize("junk", [b"\x00", b"II", b"MM\x00", b"II*\x00"])
def test_a_photo_with_an_exif_block_that_does_not_parse_is_read_as_it_is(junk: bytes) -> None:
    """Pillow's EXIF parser raises SyntaxError or struct.error on these; the photo itself is fine."""
    assert load_image(encoded("PNG", exif=b"Exif\x00\x00" + junk)).shape == (20, 40, 3)


def test_a_row_too_long_for_pillow_is_refused_as_too_large_not_a_crash() -> None:
    """33,554,425 x 1 RGBA at 16 bits: under the pixel limit, but Pillow's decoder refuses a row of 2**31 bits
    with MemoryError."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 33_554_425, 1, 16, 6, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b""))
    with pytest.raises(BadImage, match=r"^This photo is too large to read: 33554425 x 1 pixels\. Use a smaller copy"):
        load_image(png)


# Header-only photos: the header declares the size, and nothing follows it, so decoding one fails ("damaged or
# incomplete"). A photo refused for its size was therefore refused before anything was decoded.

def header_only_jpeg(width: int, height: int) -> bytes:
    """A JPEG cut after its scan header, its frame header (SOF0) saying width x height."""
    data = bytearray(encoded("JPEG", (16, 16)))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    sos = data.index(b"\xff\xda")
    return bytes(data[: sos + 2 + struct.unpack(">H", data[sos + 2 : sos + 4])[0]])


def header_only_png(width: int, height: int) -> bytes:
    """A PNG of width x height RGB pixels with a 64-byte IDAT: nowhere near enough rows."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 64)))


def header_only_webp(width: int, height: int) -> bytes:
    """A lossless WebP (VP8L) whose 5-byte header says width x height and holds no image data."""
    body = b"\x2f" + struct.pack("<I", (width - 1) | (height - 1) << 14) + b"\x00"
    chunk = b"VP8L" + struct.pack("<I", len(body) - 1) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


HEADER_ONLY = {"JPEG": header_only_jpeg, "PNG": header_only_png, "WEBP": header_only_webp}


@pytest.mark.parametrize("fmt", HEADER_ONLY)
def test_an_oversized_photo_of_every_format_is_refused_from_its_header_before_decoding(fmt: str) -> None:
    """9,500 x 9,500 (90 million pixels): the size sentence, not the damaged-file one decoding would give."""
    with pytest.raises(BadImage, match=r"^This photo is too large to read: 9500 x 9500 pixels, where"):
        load_image(HEADER_ONLY[fmt](9500, 9500))
    with pytest.raises(BadImage, match=r"^This photo is too large to read: 9500 x 9500 pixels"):
        pixel_count(HEADER_ONLY[fmt](9500, 9500))


@pytest.mark.parametrize("fmt", HEADER_ONLY)
def test_a_header_only_photo_under_the_limit_fails_to_decode(fmt: str) -> None:
    """The control for the test above: the same file at 9,000 x 9,000 is decoded, and decoding it fails."""
    with pytest.raises(BadImage) as refused:
        load_image(HEADER_ONLY[fmt](9000, 9000))
    assert refused.value.message == UNREADABLE


@pytest.mark.parametrize("fmt", HEADER_ONLY)
def test_pixel_count_reads_the_header_only(fmt: str) -> None:
    """Its header is all pixel_count reads: the size of a file that does not decode."""
    assert pixel_count(HEADER_ONLY[fmt](9000, 8000)) == 72_000_000


def test_pixel_count_refuses_what_load_image_refuses() -> None:
    with pytest.raises(UnsupportedImage, match="JPEG, PNG or WebP"):
        pixel_count(encoded("GIF"))
    with pytest.raises(UnsupportedImage, match="not an image"):
        pixel_count(b"hello")
