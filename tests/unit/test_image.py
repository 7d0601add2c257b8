from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face import Box, crop_face, load_image
from facesearch.importer.prepare import pick_face


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
