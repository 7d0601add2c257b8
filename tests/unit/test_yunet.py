"""YuNet run by onnxruntime (facesearch.face.yunet) gives the faces OpenCV's FaceDetectorYN gives on the same file."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from facesearch.face.detect import YUNET
from facesearch.face.image import load_image
from facesearch.face.yunet import YuNetNetwork
from tests.camera import group_photo
from tests.conftest import IMAGES


@pytest.fixture(scope="module")
def ours() -> YuNetNetwork:
    return YuNetNetwork(YUNET, score=0.8)


def opencv(bgr: np.ndarray, score: float = 0.8) -> np.ndarray:
    detector = cv2.FaceDetectorYN.create(str(YUNET), "", (bgr.shape[1], bgr.shape[0]), score, 0.3, 5000)
    _, rows = detector.detect(bgr)
    return np.zeros((0, 15), np.float32) if rows is None else rows


def by_position(rows: np.ndarray) -> np.ndarray:
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def assert_same_faces(bgr: np.ndarray, ours: YuNetNetwork) -> int:
    want, got = by_position(opencv(bgr)), by_position(ours.detect(bgr))
    assert got.shape == want.shape, (got[:, 14], want[:, 14])
    np.testing.assert_allclose(got[:, :14], want[:, :14], atol=0.05)  # pixels
    np.testing.assert_allclose(got[:, 14], want[:, 14], atol=1e-3)
    return len(got)


@pytest.mark.parametrize("side", [160, 250, 320, 640, 1001])
def test_every_sample_portrait_gives_opencvs_faces_at_any_size(ours: YuNetNetwork, side: int) -> None:
    """Sizes that are and are not multiples of 32 (the padding), smaller and larger than the photo."""
    found = 0
    for photo in sorted(IMAGES.glob("*/*.jpg")):
        image = load_image(photo.read_bytes())
        scale = side / max(image.shape[:2])
        size = (round(image.shape[1] * scale), round(image.shape[0] * scale))
        found += assert_same_faces(cv2.cvtColor(cv2.resize(image, size), cv2.COLOR_RGB2BGR), ours)
    assert found >= len(list(IMAGES.glob("*/*.jpg")))


def test_a_group_photo_gives_opencvs_faces_overlaps_suppressed_alike(ours: YuNetNetwork) -> None:
    data, seats = group_photo([40, 60, 80, 100, 140, 200, 300, 400])
    image = cv2.cvtColor(cv2.resize(load_image(data), (1600, 1200), interpolation=cv2.INTER_AREA), cv2.COLOR_RGB2BGR)
    assert assert_same_faces(image, ours) >= len(seats) - 1


def test_no_face_gives_no_rows(ours: YuNetNetwork) -> None:
    assert ours.detect(np.full((480, 640, 3), 128, np.uint8)).shape == (0, 15)
