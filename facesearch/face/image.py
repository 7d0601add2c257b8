"""Photos in and out: decode with EXIF orientation, crop around a face, encode as JPEG.

Images are numpy arrays shaped (height, width, 3), dtype uint8, channels in RGB order.
"""

from __future__ import annotations

import io
import struct
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face.box import Box

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
"""Pillow format name -> MIME type, for every format we accept."""

EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def load_image(data: bytes) -> np.ndarray:
    """Decode JPEG, PNG or WebP bytes into an RGB array with the EXIF orientation applied.

    Raises BadImage for files of more than MAX_PIXELS pixels (whatever their format, before decoding) and for
    files that do not decode, UnsupportedImage for other formats.
    """
    with opened(data) as im:
        try:
            return np.asarray(upright(im).convert("RGB"))
        except MemoryError as e:  # how Pillow refuses a row too long to decode (2**31 bits), or no memory left
            raise BadImage(f"This photo is too large to read: {im.width} x {im.height} pixels. "
                           "Use a smaller copy of it.") from e


def pixel_count(data: bytes) -> int:
    """The photo's width x height in pixels, from its header alone (nothing is decoded); refused as load_image
    refuses it (too large, another format, a header that does not parse)."""
    with opened(data) as im:
        return im.width * im.height


@contextmanager
def opened(data: bytes) -> Iterator[Image.Image]:
    """The photo with only its header read, refused above MAX_PIXELS or unless it is JPEG, PNG or WebP; what
    Pillow raises inside the block (decoding, say) becomes one of our sentences."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise BadImage(too_large(f"{im.width} x {im.height} pixels"))
            if im.format not in FORMATS:
                raise UnsupportedImage(
                    f"This file is {im.format or 'not an image'}; use a JPEG, PNG or WebP photo."
                )
            yield im
    except UnidentifiedImageError as e:
        raise UnsupportedImage("This file is not an image; use a JPEG, PNG or WebP photo.") from e
    except Image.DecompressionBombError as e:  # Pillow refuses twice its own limit before we see the size
        raise BadImage(too_large(f"more than {2 * MAX_PIXELS // 1_000_000} million pixels")) from e
    except (OSError, ValueError) as e:
        raise BadImage(UNREADABLE) from e


def upright(im: Image.Image) -> Image.Image:
    """The image turned as its EXIF orientation says; as it is when its EXIF block does not parse (the
    photo itself may be fine)."""
    try:
        return ImageOps.exif_transpose(im)
    except (SyntaxError, struct.error):  # what Pillow's EXIF parser raises on a malformed block
        return im


UNREADABLE = "The image could not be read; the file is damaged or incomplete."
"""The one sentence for every photo Pillow cannot decode: its own text ("broken data stream when reading
image file") is not for users."""

MAX_PIXELS = 89_478_485
"""The most pixels a photo may have (Pillow's own bomb limit, about 89 million: 256 MiB of RGB once
decoded); above it Pillow only warns up to twice as many, facesearch refuses."""


def too_large(size: str) -> str:
    """The sentence refusing a photo of `size` (e.g. "9400 x 9400 pixels")."""
    return (f"This photo is too large to read: {size}, where facesearch reads photos of up to "
            f"{MAX_PIXELS // 1_000_000} million pixels. Use a smaller copy of it.")


def crop_face(image: np.ndarray, box: Box, margin: float = 0.5, size: int = 400) -> np.ndarray:
    """Cut the face out with `margin` (a fraction of the box's size) on every side.

    The crop is resized so its longer side is `size` pixels, which puts a face of about
    size / (1 + 2 * margin) pixels in the middle: large enough for the detector to find again.
    """
    height, width = image.shape[:2]
    grown = box.grow(margin).clip(width, height)
    crop = Image.fromarray(image[grown.top : grown.bottom, grown.left : grown.right])
    scale = size / max(crop.size)
    crop = crop.resize((max(1, round(crop.width * scale)), max(1, round(crop.height * scale))), Image.LANCZOS)
    return np.asarray(crop)


def encode_jpeg(image: np.ndarray, quality: int = 90) -> bytes:
    """Encode an RGB array as JPEG bytes."""
    out = io.BytesIO()
    Image.fromarray(image).save(out, format="JPEG", quality=quality)
    return out.getvalue()


def resize_long_side(image: np.ndarray, long_side: int) -> tuple[np.ndarray, float]:
    """Shrink the image so its longer side is at most `long_side` pixels.

    Returns the image and the factor from its coordinates back to the original's (>= 1).
    """
    height, width = image.shape[:2]
    factor = max(height, width) / long_side
    if factor <= 1:
        return image, 1.0
    small = Image.fromarray(image).resize((round(width / factor), round(height / factor)), Image.BILINEAR)
    return np.asarray(small), factor
