from __future__ import annotations

import io
import math
import struct
import zlib

from pathlib import Path

import numpy as np
import pillow_heif
import pytest
from PIL import Image, ImageOps, features

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face import Box, crop_face, load_image
from facesearch.face.detect import YuNet
from facesearch.face.image import EXTENSIONS, FORMATS, UNREADABLE, jpeg_pixels, jpeg_reduction, pixel_count, rgb_pixels
from facesearch.people.prepare import pick_face

ROOT = Path(__file__).resolve().parents[2]


def encoded(fmt: str, size: tuple[int, int] = (40, 20), **kw: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(out, fmt, **kw)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP", "HEIF", "AVIF"])
def test_accepted_formats_decode_to_rgb(fmt: str) -> None:
    """HEIF is written by pillow-heif's plugin (facesearch.face.image registers it), AVIF by Pillow's own."""
    image = load_image(encoded(fmt))
    assert image.shape == (20, 40, 3) and image.dtype == np.uint8


def test_every_accepted_format_has_a_file_name_ending() -> None:
    assert set(FORMATS) == {"JPEG", "MPO", "PNG", "WEBP", "HEIF", "AVIF"}  # MPO: a JPEG with a preview after it
    assert {".heic", ".heif", ".avif"} <= set(EXTENSIONS) and features.check("avif")


@pytest.mark.parametrize("fmt", ["JPEG", "HEIF", "AVIF"])
def test_exif_orientation_turns_the_image_upright(fmt: str) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    assert load_image(encoded(fmt, exif=exif.tobytes())).shape == (40, 20, 3)


@pytest.mark.parametrize("data", [encoded("GIF"), encoded("BMP"), b"hello", b""])
def test_other_files_are_unsupported(data: bytes) -> None:
    with pytest.raises(UnsupportedImage, match="JPEG, PNG, WebP, HEIC or AVIF"):
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


def claiming(fmt: str, width: int, height: int, side: int = 64) -> bytes:
    """A side x side HEIF or AVIF (a gradient) whose container says width x height: its `ispe` box, the image size
    HEIF and AVIF readers report before decoding."""
    data = bytearray(encoded(fmt, (side, side)))
    at = data.index(b"ispe")  # the box's type; its version and flags, then width and height, follow
    data[at + 8 : at + 16] = struct.pack(">II", width, height)
    return bytes(data)


def header_only_heif(width: int, height: int) -> bytes:
    """A HEIC (HEVC in HEIF) saying width x height, cut after its `mdat` box's header: no coded image at all."""
    data = claiming("HEIF", width, height)
    return data[: data.index(b"mdat") + 4]


def header_only_avif(width: int, height: int) -> bytes:
    """An AVIF saying width x height, cut after its `mdat` box's header."""
    data = claiming("AVIF", width, height)
    return data[: data.index(b"mdat") + 4]


HEADER_ONLY = {"JPEG": header_only_jpeg, "PNG": header_only_png, "WEBP": header_only_webp, "HEIF": header_only_heif,
               "AVIF": header_only_avif}


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
    with pytest.raises(UnsupportedImage, match="JPEG, PNG, WebP, HEIC or AVIF"):
        pixel_count(encoded("GIF"))
    with pytest.raises(UnsupportedImage, match="not an image"):
        pixel_count(b"hello")


# HEIC and AVIF: written here with pillow-heif and Pillow from the sample photos.

def sideways(name: str) -> Image.Image:
    """A sample portrait stored as a phone stores it when held upright: turned 90 degrees anticlockwise, to be turned
    back clockwise (EXIF orientation 6) for viewing."""
    return Image.open(ROOT / "images" / name / "1.jpg").convert("RGB").transpose(Image.Transpose.ROTATE_90)


def oriented(fmt: str, im: Image.Image, orientation: int, **params: object) -> bytes:
    """`im` as `fmt` with that EXIF orientation: pillow-heif writes it as an `irot` box and keeps it in the EXIF as
    well, as iPhones do; Pillow's AVIF writer moves it into `irot` too."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    out = io.BytesIO()
    im.save(out, fmt, exif=exif.tobytes(), quality=90, **params)
    return out.getvalue()


@pytest.mark.parametrize(("fmt", "tiles"), [("HEIF", 0), ("HEIF", 64), ("AVIF", 0)])
def test_a_phone_photo_is_turned_upright_once(fmt: str, tiles: int) -> None:
    """Orientation 6 turned once gives the upright portrait back (within the codec's loss); turned twice (the `irot`
    box and the EXIF tag both applied) it would be upside down and as wide as it is tall. With `tiles`, the HEIC is
    a grid of tiles that size, as iPhones write them (of 512 px)."""
    upright = np.asarray(Image.open(ROOT / "images/Ted_Lieu/1.jpg").convert("RGB"), dtype=np.int16)
    data = oriented(fmt, sideways("Ted_Lieu"), 6, **({"tile_size": tiles} if tiles else {}))
    assert (data.find(b"grid") > 0) == bool(tiles)
    assert (data.find(b"irot") > 0, pixel_count(data)) == (True, 225 * 275)
    image = load_image(data)
    assert image.shape == upright.shape == (275, 225, 3)
    assert np.abs(image - upright).mean() < 3 < np.abs(image[::-1, ::-1] - upright).mean()


def test_a_heic_keeps_its_exif_orientation_yet_is_turned_by_its_irot_box_alone() -> None:
    """The file holds orientation 6 twice (irot and EXIF), as an iPhone's does; libheif applies irot, and
    pillow-heif sets the EXIF tag it hands Pillow to 1 so that nothing turns the photo again."""
    data = oriented("HEIF", sideways("Ted_Lieu"), 6)
    in_file = Image.Exif()
    in_file.load(pillow_heif.open_heif(data).info["exif"])  # the library itself, not through Pillow: as written
    assert (in_file.get(0x0112), data.find(b"irot") > 0) == (6, True)
    with Image.open(io.BytesIO(data)) as im:
        assert (im.format, im.size, im.getexif().get(0x0112)) == ("HEIF", (225, 275), 1)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_the_face_in_a_turned_phone_photo_is_found_upright(fmt: str) -> None:
    """YuNet finds the face of the decoded photo with its eyes above its nose above its mouth, where it finds it in
    the upright JPEG."""
    [want] = YuNet().detect_at(load_image((ROOT / "images/Seth_Moulton/1.jpg").read_bytes()), 640)
    [face] = YuNet().detect_at(load_image(oriented(fmt, sideways("Seth_Moulton"), 6)), 640)
    right_eye, left_eye, nose, right_mouth, left_mouth = face.landmarks
    assert max(right_eye[1], left_eye[1]) < nose[1] < min(right_mouth[1], left_mouth[1])
    assert abs(face.box.left - want.box.left) < 0.05 * want.box.width
    assert abs(face.box.top - want.box.top) < 0.05 * want.box.height


@pytest.mark.parametrize(("fmt", "width", "height"), [("HEIF", 20_000, 20_000), ("HEIF", 9_500, 9_500),
                                                      ("AVIF", 16_384, 16_384), ("AVIF", 9_500, 9_500)])
def test_a_heic_or_avif_claiming_too_many_pixels_is_refused_before_decoding(fmt: str, width: int, height: int) -> None:
    """Whole files (a 64 x 64 image under a header that says more): above twice the limit Pillow refuses them, up to
    it facesearch does, both before any decoding, and both in the size sentence."""
    with pytest.raises(BadImage, match=r"^This photo is too large to read: .* up to 89 million pixels"):
        load_image(claiming(fmt, width, height))


def test_a_heic_whose_coded_image_is_larger_than_its_header_says_is_refused() -> None:
    """128 x 128 and 512 x 512 coded under a header saying 64 x 64: libheif refuses the first once decoded (its size
    check) and the second before decoding (its security limit, a RuntimeError from pillow-heif); both in the
    damaged-file sentence."""
    for side in (128, 512):
        with pytest.raises(BadImage) as refused:
            load_image(claiming("HEIF", 64, 64, side))
        assert refused.value.message == UNREADABLE


def test_an_avif_whose_coded_image_is_larger_than_its_header_says_is_scaled_to_the_header() -> None:
    """libavif scales the coded image to the header's size, so the size checked before decoding is the size read."""
    assert load_image(claiming("AVIF", 64, 64, 512)).shape == (64, 64, 3)


@pytest.mark.parametrize("fmt", ["HEIF", "AVIF"])
def test_a_damaged_heic_or_avif_is_refused_in_one_sentence(fmt: str) -> None:
    """Cut short: libavif does not even identify a half AVIF; its container says what it was."""
    data = oriented(fmt, sideways("Ted_Lieu"), 1)
    for cut in (400, len(data) // 2, len(data) - 100):
        with pytest.raises(BadImage) as refused:
            load_image(data[:cut])
        assert refused.value.message == UNREADABLE


def camera_like(size: tuple[int, int] = (212, 156), mode: str = "RGB") -> Image.Image:
    """Noise over a gradient, of a size that is no multiple of JPEG's 16 px blocks (yet of 4, for the reductions)."""
    rng = np.random.default_rng(7)
    width, height = size
    ramp = np.linspace(0, 200, width, dtype=np.float32)[None, :, None] + np.zeros((height, 1, 3), np.float32)
    pixels = np.clip(ramp + rng.normal(0, 25, (height, width, 3)), 0, 255).astype(np.uint8)
    return Image.fromarray(pixels).convert(mode)


def pillow_pixels(data: bytes, reduce: int = 1) -> np.ndarray:
    """What Pillow alone decodes (its `draft` for a reduced decode), turned upright by Pillow: the reference."""
    with Image.open(io.BytesIO(data)) as im:
        if reduce > 1:
            im.draft("RGB", (math.ceil(im.width / reduce), math.ceil(im.height / reduce)))
        return np.asarray(ImageOps.exif_transpose(im).convert("RGB"))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("reduce", [1, 2, 4])
def test_a_jpeg_decodes_to_pillows_pixels_in_every_orientation_and_reduction(orientation: int, reduce: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encoded_image(camera_like(), exif=exif.tobytes(), quality=90)
    with Image.open(io.BytesIO(data)) as im:
        ours = rgb_pixels(im, data, reduce)
    assert np.array_equal(ours, pillow_pixels(data, reduce))


@pytest.mark.parametrize("orientation", range(1, 9))
def test_a_photo_pillow_decodes_is_turned_as_pillow_turns_it(orientation: int) -> None:
    exif = Image.Exif()
    exif[0x0112] = orientation
    data = encoded_image(camera_like(), "PNG", exif=exif.tobytes())
    assert np.array_equal(load_image(data), pillow_pixels(data))


@pytest.mark.parametrize("options", [{"subsampling": 0}, {"subsampling": 1}, {"progressive": True}, {"mode": "L"}],
                         ids=["4:4:4", "4:2:2", "progressive", "grey"])
def test_a_jpeg_of_every_kind_decodes_to_pillows_pixels(options: dict) -> None:
    saved = {k: v for k, v in options.items() if k != "mode"}
    data = encoded_image(camera_like(mode=options.get("mode", "RGB")), quality=85, **saved)
    assert np.array_equal(load_image(data), pillow_pixels(data))


def test_a_jpeg_libjpeg_turbo_calls_corrupt_is_read_as_pillow_reads_it() -> None:
    """Stray bytes before a marker ("Corrupt JPEG data: 2 extraneous bytes before marker 0xdb"): libjpeg-turbo
    (strict) refuses the photo, Pillow reads past them; so does facesearch."""
    data = encoded_image(camera_like(), quality=90)
    tables = data.index(b"\xff\xdb")
    damaged = data[:tables] + b"\x00\x00" + data[tables:]
    assert jpeg_pixels(damaged, 212, 156) is None
    assert np.array_equal(load_image(damaged), pillow_pixels(data))


def test_a_cmyk_jpeg_is_left_to_pillow() -> None:
    data = encoded_image(camera_like(mode="CMYK"), quality=90)
    assert np.array_equal(load_image(data), pillow_pixels(data))


@pytest.mark.parametrize(("width", "height", "scale", "reduce"),
                         [(4000, 3000, 0.4, 2), (4000, 3000, 0.16, 4), (4000, 3000, 0.1, 8), (4000, 3000, 0.6, 1),
                          (6000, 4000, 0.27, 2), (801, 600, 0.5, 1)])
def test_the_reduction_is_the_one_pillows_draft_chooses(width: int, height: int, scale: float, reduce: int) -> None:
    assert jpeg_reduction(width, height, scale) == reduce
    im = Image.new("RGB", (width, height))
    data = encoded_image(im)
    with Image.open(io.BytesIO(data)) as opened_im:
        opened_im.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        assert opened_im.size == (-(-width // reduce), -(-height // reduce))


def encoded_image(image: Image.Image, fmt: str = "JPEG", **kw: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **kw)
    return out.getvalue()
