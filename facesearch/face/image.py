"""Photos in and out: decode with EXIF orientation, crop around a face, encode as JPEG.

Images are numpy arrays shaped (height, width, 3), dtype uint8, channels in RGB order. Every photo facesearch
reads (a search, an enrolment, a library photo) is read here: JPEG, PNG, WebP, HEIC/HEIF (pi-heif's
plugin, registered below: pillow-heif's decode-only build) and AVIF (Pillow's own plugin). Pillow reads every
header; a JPEG's pixels are decoded by libjpeg-turbo straight into the array (simplejpeg), the same pixels as
Pillow's own decode gives, in about a third of its time for a camera photo (Pillow's decode copies them twice).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pi_heif
import simplejpeg
from PIL import Image, UnidentifiedImageError

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face.box import Box

# HEIC/HEIF through pi-heif: only the image itself is read (no thumbnails, depth or auxiliary images). libheif
# turns the photo upright (its irot/imir boxes) and the plugin sets the EXIF orientation to 1, so `rgb_pixels`
# turns a HEIC photo no further. Pillow reads AVIF itself and does the opposite (irot/imir become an EXIF
# orientation that `rgb_pixels` applies): each format is turned once.
pi_heif.register_heif_opener(thumbnails=False, depth_images=False, aux_images=False)

FORMATS = {"JPEG": "image/jpeg", "MPO": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "HEIF": "image/heif",
           "AVIF": "image/avif"}
"""Pillow format name -> MIME type, for every format we accept. MPO is how Pillow names a JPEG with more images
after the first (a preview, the other eye of a stereo pair), as many cameras write them: the first is the photo."""

EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".heif", ".avif")
"""The file name endings of photos in a folder (people, library); what a file holds is what decides how it is read."""

KINDS = "JPEG, PNG, WebP, HEIC or AVIF"
"""The accepted formats, as sentences name them."""


def load_image(data: bytes) -> np.ndarray:
    """Decode JPEG, PNG, WebP, HEIC/HEIF or AVIF bytes into an RGB array with the photo's orientation applied.

    Raises BadImage for files of more than MAX_PIXELS pixels (whatever their format, before decoding) and for
    files that do not decode, UnsupportedImage for other formats.
    """
    with opened(data) as im:
        try:
            return rgb_pixels(im, data)
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
    """The photo with only its header read, refused above MAX_PIXELS or unless it is one of FORMATS; what Pillow
    and its plugins raise inside the block (decoding, say) becomes one of our sentences. HEIC's and AVIF's size is
    their container's (the `ispe` box): libheif refuses a coded image larger than that, libavif scales it to it."""
    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > MAX_PIXELS:
                raise BadImage(too_large(f"{im.width} x {im.height} pixels"))
            if im.format not in FORMATS:
                raise UnsupportedImage(
                    f"This file is {im.format or 'not an image'}; use a {KINDS} photo."
                )
            yield im
    except UnidentifiedImageError as e:
        if data[4:8] == b"ftyp" and data[8:12] in READ_BRANDS:  # libavif does not identify an AVIF cut short
            raise BadImage(UNREADABLE) from e
        raise UnsupportedImage(f"This file is not an image; use a {KINDS} photo.") from e
    except Image.DecompressionBombError as e:  # Pillow refuses twice its own limit before we see the size
        raise BadImage(too_large(f"more than {2 * MAX_PIXELS // 1_000_000} million pixels")) from e
    except (OSError, ValueError, EOFError, SyntaxError, RuntimeError) as e:  # pillow-heif: libheif's errors by kind
        raise BadImage(UNREADABLE) from e


def rgb_pixels(im: Image.Image, data: bytes | None = None, reduce: int = 1) -> np.ndarray:
    """An opened photo decoded, turned as its EXIF orientation says (as it is when its EXIF block does not parse:
    the photo itself may be fine) and as RGB pixels. With the photo's bytes (`data`), a JPEG is decoded by
    libjpeg-turbo straight into the array (`jpeg_pixels`); else by Pillow. `reduce` (1, 2, 4 or 8): a JPEG decoded
    at 1/reduce of its size by libjpeg's DCT scaling (Pillow's `draft`), other formats whole."""
    pixels = None
    if data is not None and im.format in ("JPEG", "MPO") and im.mode in ("RGB", "L"):
        pixels = jpeg_pixels(data, im.width, im.height, reduce)
    if pixels is None:
        if reduce > 1:
            im.draft("RGB", (math.ceil(im.width / reduce), math.ceil(im.height / reduce)))
        im.load()  # decoded here, so that a decoder's SyntaxError (AVIF's) is not taken for a bad EXIF block
        pixels = np.asarray(im if im.mode == "RGB" else im.convert("RGB"))
    return upright(pixels, orientation(im))  # read once decoded: a PNG may keep its EXIF block after its pixels


def jpeg_pixels(data: bytes, width: int, height: int, reduce: int = 1) -> np.ndarray | None:
    """A JPEG's (height / reduce, width / reduce, 3) RGB pixels as stored (not turned upright), decoded by
    libjpeg-turbo as Pillow decodes them (accurate DCT, smooth chroma upsampling; tests/unit/test_image.py
    compares the two), or None where libjpeg-turbo refuses it (damage, even slight, that Pillow may read past
    or refuse in its own words)."""
    try:
        return simplejpeg.decode_jpeg(data, "RGB", min_width=math.ceil(width / reduce),
                                      min_height=math.ceil(height / reduce), min_factor=reduce)
    except ValueError:
        return None


def jpeg_reduction(width: int, height: int, scale: float) -> int:
    """The largest of 8, 4, 2 and 1 by which a JPEG of `width` x `height` px may be reduced and still be at least
    `scale` (0 to 1) of its size on both sides: how Pillow's `draft` chooses."""
    ratio = min(width // max(1, math.ceil(width * scale)), height // max(1, math.ceil(height * scale)))
    return next(r for r in (8, 4, 2, 1) if ratio >= r)


ORIENTATION = 0x0112
"""The EXIF tag of the orientation."""


def orientation(im: Image.Image) -> int:
    """The EXIF orientation (1..8; 1 when there is none or the block does not parse)."""
    try:
        value = int(im.getexif().get(ORIENTATION, 1))
    except Exception:  # noqa: BLE001 - Pillow's EXIF parser raises what it meets; rgb_pixels keeps such a photo
        return 1
    return value if 1 <= value <= 8 else 1


def upright(pixels: np.ndarray, orientation: int) -> np.ndarray:
    """Pixels stored with EXIF `orientation` turned upright, as Pillow's `exif_transpose` turns them. OpenCV's
    flips and turns: numpy's strided copies take 3 to 9 times as long (a 12 MP photo turned a quarter: 78 ms
    against 19)."""
    import cv2

    turned = {
        2: lambda p: cv2.flip(p, 1),
        3: lambda p: cv2.rotate(p, cv2.ROTATE_180),
        4: lambda p: cv2.flip(p, 0),
        5: cv2.transpose,
        6: lambda p: cv2.rotate(p, cv2.ROTATE_90_CLOCKWISE),
        7: lambda p: cv2.flip(cv2.transpose(p), -1),
        8: lambda p: cv2.rotate(p, cv2.ROTATE_90_COUNTERCLOCKWISE),
    }.get(orientation)
    return pixels if turned is None else turned(pixels)


READ_BRANDS = {b"heic", b"heix", b"mif1", b"avif", b"avis"}
"""The brands (an ISO media file's first box says one) of the HEIF and AVIF files facesearch reads: such a file
that no plugin opens is damaged, not of another format."""

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
