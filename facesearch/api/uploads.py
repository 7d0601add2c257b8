"""Reading uploaded photos safely: size limit and image type."""

from __future__ import annotations

from fastapi import UploadFile

from facesearch.errors import BadRequest, TooLarge
from facesearch.face import load_image


def read_upload(upload: UploadFile, max_mb: int) -> bytes:
    """The upload's bytes; TooLarge past `max_mb` megabytes, UnsupportedImage/BadImage if not a photo."""
    data = upload.file.read(max_mb * 1024 * 1024 + 1)
    if len(data) > max_mb * 1024 * 1024:
        raise TooLarge(f"The file is larger than {max_mb} MB.")
    if not data:
        raise BadRequest(f"The file '{upload.filename or 'upload'}' is empty.")
    load_image(data)  # refuses what is not a JPEG, PNG or WebP photo
    return data
