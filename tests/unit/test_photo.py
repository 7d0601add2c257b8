"""Reading camera-size photos: the upright size from the header, a reduced JPEG decode for detection, the
full pixels only once faces are found, and small faces found by a second, larger pass."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from facesearch.errors import BadImage, UnsupportedImage
from facesearch.face import FaceModels, load_image
from facesearch.face.box import Box
from facesearch.face.detect import Face, YuNet, iou, merge, pass_sides
from facesearch.face.photo import Photo
from tests.camera import group_photo


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return FaceModels.detector_only("yunet")


def encoded(image: Image.Image, format: str = "JPEG", **options: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=format, **options)
    return out.getvalue()


def gradient(width: int, height: int) -> Image.Image:
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :, None]
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None, None]
    return Image.fromarray(np.broadcast_to((x + y) / 2, (height, width, 3)).astype(np.uint8))


def test_the_upright_size_comes_from_the_header_exif_turn_included() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # turned a quarter: stored 400 x 300, seen 300 x 400
    photo = Photo(encoded(gradient(400, 300), exif=exif))
    assert (photo.width, photo.height) == (300, 400)
    assert photo.full().shape == (400, 300, 3)


def test_a_large_jpeg_is_decoded_reduced_for_detection_and_whole_only_when_asked() -> None:
    data = encoded(gradient(4000, 3000))
    photo = Photo(data)
    view, factor = photo.at_least(1600)
    assert view.shape == (1500, 2000, 3) and factor == 2.0  # libjpeg's 1/2 scale: the smallest at least 1600
    assert photo._full is None
    assert np.array_equal(photo.full(), load_image(data))


def test_formats_without_a_reduced_decode_and_small_photos_are_decoded_whole() -> None:
    png = Photo(encoded(gradient(2000, 1500), "PNG"))
    assert png.at_least(640)[1] == 1.0 and png.at_least(640)[0].shape == (1500, 2000, 3)
    small = Photo(encoded(gradient(1000, 750)))
    assert small.at_least(640)[1] == 1.0


def test_a_photo_is_refused_as_load_image_refuses_it() -> None:
    with pytest.raises(UnsupportedImage):
        Photo(encoded(gradient(20, 20), "GIF"))
    with pytest.raises(BadImage):
        Photo(encoded(gradient(400, 300))[:200]).full()


def test_a_second_pass_is_made_only_where_a_face_of_the_minimum_size_would_be_seen_too_small() -> None:
    assert pass_sides(250, 640, 40) == [640]  # a portrait: enlarged, as before
    assert pass_sides(1600, 640, 40) == [640]  # a 40 px face is seen 16 px wide at 640
    assert pass_sides(4000, 640, 40) == [640, 1600]
    assert pass_sides(8000, 640, 40) == [640, 3200]
    assert pass_sides(4000, 640, 0) == [640]


def test_boxes_of_two_passes_on_one_face_are_merged_keeping_the_surer() -> None:
    a, b, far = Face(Box(0, 0, 100, 100), 0.9), Face(Box(5, 5, 105, 105), 0.95), Face(Box(300, 0, 400, 100), 0.85)
    assert iou(a.box, b.box) > 0.8 and iou(a.box, far.box) == 0
    assert merge([a, b, far]) == [b, far]


def test_faces_40_to_90_px_wide_in_a_12_megapixel_photo_are_all_found(models: FaceModels) -> None:
    """Seen at 640 px, faces under about 100 px wide in a 4000 px photo are 16 px or less: most are lost."""
    data, seats = group_photo([40, 48, 56, 64, 72, 80, 90, 100])
    found = models.find(Photo(data))
    assert all(any(iou(s.box, f.box) >= 0.3 for f in found) for s in seats), [f.box for f in found]
    assert len(found) == len(seats)
    one_pass = YuNet().detect(load_image(data), "thorough")
    assert sum(any(iou(s.box, f.box) >= 0.3 for f in one_pass) for s in seats) < len(seats)


def test_a_photo_without_faces_is_never_decoded_whole(models: FaceModels) -> None:
    photo = Photo(encoded(gradient(4000, 3000)))
    assert models.find(photo) == []
    assert photo._full is None


def test_a_camera_jpeg_with_a_preview_inside_mpo_is_read_as_the_jpeg_it_is(models: FaceModels) -> None:
    """Many cameras write a second, smaller image after the photo (Pillow calls such a file MPO)."""
    data, seats = group_photo([60, 70, 80, 90, 100, 110, 120, 130])
    photo_image = Image.open(io.BytesIO(data))
    mpo = encoded(photo_image, "MPO", save_all=True, append_images=[photo_image.resize((640, 480))])
    photo = Photo(mpo)
    assert photo.format == "MPO" and (photo.width, photo.height) == (4000, 3000)
    assert photo.at_least(1600)[1] == 2.0
    assert len(models.find(photo)) == len(seats)


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_faces_of_a_turned_camera_photo_are_found_where_they_are_upright(models: FaceModels, orientation: int) -> None:
    """Stored turned with an EXIF orientation, as a phone stores a photo: the reduced decode is turned the same way,
    and the boxes are in the upright photo's pixels."""
    data, seats = group_photo([60, 70, 80, 90, 100, 110, 120, 130])
    upright_image = Image.open(io.BytesIO(data))
    turn = {3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}[orientation]
    exif = Image.Exif()
    exif[0x0112] = orientation
    photo = Photo(encoded(upright_image.transpose(turn), exif=exif, quality=90))
    assert (photo.width, photo.height) == (4000, 3000)
    found = models.find(photo)
    assert len(found) == len(seats)
    for seat in seats:
        assert max(iou(seat.box, f.box) for f in found) >= 0.5, seat
