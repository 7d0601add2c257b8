"""A photo read for face detection: reduced pixels first, the full resolution only once faces are found.

A camera JPEG decodes at 1/2, 1/4 or 1/8 of its size in a fraction of the time of a full decode (libjpeg's DCT
scaling, as Pillow's `draft` chooses it: `image.jpeg_reduction`), and detection needs no more pixels than its
largest pass sees. A photo with no face is never decoded at full size; one with faces is decoded whole once, for
their landmarks and crops. Other formats have no reduced decode: they are decoded whole once and shrunk.

Sizes and coordinates are pixels of the upright photo (EXIF orientation applied) at full resolution,
(x, y) / (width, height) order; arrays are (height, width, 3) uint8 RGB.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
from PIL import Image

from facesearch.errors import BadImage
from facesearch.face.image import jpeg_reduction, opened, orientation, rgb_pixels

TURNED = {5, 6, 7, 8}
"""EXIF orientations that turn the photo a quarter: its upright width is the stored height."""


class Photo:
    """One photo's bytes, its upright size (read from the header), and its pixels decoded on demand."""

    def __init__(self, data: bytes) -> None:
        """Read the header only; refused (BadImage, UnsupportedImage) as `image.load_image` refuses. `taken_at`
        is when the photo was taken, as its EXIF block says (`capture_time`), or None."""
        self.data = data
        with opened(data) as im:
            self.format = im.format
            turned = orientation(im) in TURNED
            self.width, self.height = (im.height, im.width) if turned else (im.width, im.height)
            self.taken_at = capture_time(im)
        self._full: np.ndarray | None = None

    @property
    def long_side(self) -> int:
        return max(self.width, self.height)

    def full(self) -> np.ndarray:
        """Every pixel, upright; decoded on the first call and kept."""
        if self._full is None:
            self._full = self._decode(None)
            self.height, self.width = self._full.shape[:2]  # as turned, should its EXIF block not parse
        return self._full

    def at_least(self, long_side: int) -> tuple[np.ndarray, float]:
        """The photo with its long side at least `long_side` pixels (or whole, if smaller), as cheaply as its
        format allows, and the factor (>= 1) from that image's pixels to the full photo's."""
        if self._full is not None or self.format not in ("JPEG", "MPO") or long_side * 2 > self.long_side:
            return self.full(), 1.0
        reduced = self._decode(long_side / self.long_side)
        return reduced, self.long_side / max(reduced.shape[:2])

    def _decode(self, scale: float | None) -> np.ndarray:
        """The upright RGB pixels; with `scale`, a JPEG's reduced decode of at least that scale."""
        with opened(self.data) as im:
            reduce = 1 if scale is None else jpeg_reduction(im.width, im.height, scale)
            try:
                return rgb_pixels(im, self.data, reduce)
            except MemoryError as e:  # how Pillow refuses a row too long to decode, or no memory left
                raise BadImage(f"This photo is too large to read: {self.width} x {self.height} pixels. "
                               "Use a smaller copy of it.") from e


EXIF_IFD = 0x8769
"""The Exif sub-IFD, where cameras write when a photo was taken."""
TAKEN_TAGS = ((EXIF_IFD, 0x9003, 0x9011), (EXIF_IFD, 0x9004, 0x9012), (None, 0x0132, 0x9010))
"""Where a capture time is, first found first: (IFD, time tag, its offset tag in the Exif IFD). DateTimeOriginal
with OffsetTimeOriginal; DateTimeDigitized with OffsetTimeDigitized; IFD0's DateTime with OffsetTime."""

_EXIF_TIME = re.compile(r"(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")
_EXIF_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


def capture_time(im: Image.Image) -> datetime | None:
    """When the photo was taken, as its EXIF block says, read from the header (no pixel is decoded; a PNG whose
    eXIf chunk follows its pixels is the exception, as for its orientation): DateTimeOriginal, else
    DateTimeDigitized, else DateTime. EXIF times are the camera's clock: the datetime is naive, or carries the
    offset from UTC when the block records one (OffsetTimeOriginal and its kin). None when there is no such time
    or it is no real time ("0000:00:00 00:00:00", blanks, garbage)."""
    try:
        exif = im.getexif()
        sub = exif.get_ifd(EXIF_IFD)
    except Exception:  # noqa: BLE001 - Pillow's EXIF parser raises what it meets; such a photo has no time
        return None
    for ifd, time_tag, offset_tag in TAKEN_TAGS:
        taken = exif_time((sub if ifd else exif).get(time_tag))
        if taken is not None:
            offset = exif_offset(sub.get(offset_tag))
            return taken.replace(tzinfo=offset) if offset else taken
    return None


def exif_time(value: object) -> datetime | None:
    """An EXIF time ("2024:06:01 14:30:00", ASCII) as a naive datetime; None when it is no real time."""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    match = _EXIF_TIME.match(text.strip().strip("\x00").strip()) if isinstance(text, str) else None
    if not match:
        return None
    try:
        taken = datetime(*(int(part) for part in match.groups()))
    except ValueError:  # month 0, day 31 of June, hour 24...
        return None
    return taken if 1826 <= taken.year < 2200 else None  # from the oldest photograph; year 0001 or 9999: a clock unset


def exif_offset(value: object) -> timezone | None:
    """An EXIF offset from UTC ("+02:00", "-05:30") as a timezone; None when absent or not one."""
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
    match = _EXIF_OFFSET.fullmatch(text.strip().strip("\x00").strip()) if isinstance(text, str) else None
    if not match:
        return None
    sign, hours, minutes = match.groups()
    offset = timedelta(hours=int(hours), minutes=int(minutes))
    if offset > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return timezone(-offset if sign == "-" else offset)
