"""Reading an upload (facesearch.api.uploads): refused from its header, decoded only inside the API's gate."""

from __future__ import annotations

import io

import pytest
from fastapi import UploadFile

from facesearch.api.uploads import decode_all, read_upload
from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face.image import UNREADABLE
from tests.unit.test_image import encoded, header_only_jpeg


def upload(data: bytes) -> UploadFile:
    return UploadFile(file=io.BytesIO(data), filename="photo.jpg")


def test_an_upload_is_read_without_decoding_it() -> None:
    """A header that says 9,000 x 9,000 and no image data: read_upload takes it (decoding it would take seconds,
    and happens later, in the gate), decode_all refuses it."""
    data = header_only_jpeg(9000, 9000)
    assert read_upload(upload(data), max_mb=10) == data
    with pytest.raises(BadImage) as refused:
        decode_all([encoded("PNG"), data])
    assert refused.value.message == UNREADABLE


def test_an_upload_is_refused_from_its_header() -> None:
    with pytest.raises(BadImage, match="too large to read: 9500 x 9500 pixels"):
        read_upload(upload(header_only_jpeg(9500, 9500)), max_mb=10)
    with pytest.raises(UnsupportedImage):
        read_upload(upload(encoded("GIF")), max_mb=10)
