"""Reading uploaded photos safely: size limit and image type, from the header before anything is decoded."""

from __future__ import annotations

from fastapi import UploadFile

from facesearch.errors import BadRequest, TooLarge
from facesearch.face.image import load_image, pixel_count


def read_upload(upload: UploadFile, max_mb: int) -> bytes:
    """The upload's bytes; TooLarge past `max_mb` megabytes, UnsupportedImage/BadImage if its header is not that
    of a photo facesearch reads (JPEG, PNG, WebP, HEIC or AVIF) of at most MAX_PIXELS pixels. Nothing is decoded
    (see decode_all)."""
    data = upload.file.read(max_mb * 1024 * 1024 + 1)
    if len(data) > max_mb * 1024 * 1024:
        raise TooLarge(f"The file is larger than {max_mb} MB.")
    if not data:
        raise BadRequest(f"The file '{upload.filename or 'upload'}' is empty.")
    pixel_count(data)
    return data


def decode_all(photos: list[bytes]) -> None:
    """Decode every photo once, so that a damaged one is refused (BadImage) before anything is written."""
    for data in photos:
        load_image(data)
