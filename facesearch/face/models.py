"""dlib's models behind a small API: find faces, align them, turn each into an identity vector.

dlib types never leave this module: boxes come out as `Box`, vectors as numpy arrays.
Models load when `FaceModels` is constructed (in a service's start-up), never at import.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

import dlib
import face_recognition_models
import numpy as np

from facesearch.face.box import Box
from facesearch.face.image import resize_long_side

CHIP_SIZE = 150
"""Aligned face chips are CHIP_SIZE x CHIP_SIZE RGB pixels, as dlib's ResNet expects."""

DetectPass = tuple[int, int]
"""(long side in pixels the image is shrunk to, times the detector upsamples it)."""

QUICK: Sequence[DetectPass] = ((320, 0), (640, 1))
"""For a photo of one face that fills much of it (a crop): fast, with a finer second try."""

THOROUGH: Sequence[DetectPass] = ((800, 0), (1280, 1))
"""For any photo: faces down to about 3% of the long side on the second try."""


class Embedder(Protocol):
    def embed(self, chips: np.ndarray) -> np.ndarray:
        """(N, 150, 150, 3) uint8 RGB aligned chips -> (N, 128) float32 descriptors (not normalised)."""
        ...


class DlibEmbedder:
    """dlib's own ResNet (about 130 ms a face with the dlib-bin wheel)."""

    def __init__(self) -> None:
        self._net = dlib.face_recognition_model_v1(face_recognition_models.face_recognition_model_location())

    def embed(self, chips: np.ndarray) -> np.ndarray:
        batch = [np.ascontiguousarray(chip) for chip in chips]
        return np.array(self._net.compute_face_descriptor(batch), dtype=np.float32)


def load_embedder(kind: Literal["onnx", "dlib"], threads: int = 1) -> Embedder:
    """The ONNX port of dlib's ResNet (same numbers, over 10x faster), or dlib's own."""
    if kind == "dlib":
        return DlibEmbedder()
    from facesearch.face.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(threads=threads)


class FaceModels:
    """Face detection, 5-point alignment and 128-d identity embedding.

    dlib's objects are not thread-safe (its network keeps per-call buffers), so calls are
    serialised here; run several processes for parallel work.
    """

    def __init__(
        self,
        detector: Literal["hog", "cnn"] = "hog",
        embedder: Literal["onnx", "dlib"] | None = "onnx",
        threads: int = 1,
    ) -> None:
        """Load the models; `embedder=None` loads only what detection and alignment need."""
        self._detector_kind = detector
        if detector == "cnn":
            self._cnn = dlib.cnn_face_detection_model_v1(face_recognition_models.cnn_face_detector_model_location())
        else:
            self._hog = dlib.get_frontal_face_detector()
        self._landmarks = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self._embedder = load_embedder(embedder, threads) if embedder else None
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, passes: Sequence[DetectPass] = THOROUGH) -> list[Box]:
        """Boxes of the faces in an RGB image, left to right, in its pixel coordinates.

        Each pass shrinks the image and runs the detector; the first pass that finds a face wins.
        """
        height, width = image.shape[:2]
        for long_side, upsample in passes:
            small, factor = resize_long_side(image, long_side)
            with self._lock:
                found = self._raw_detect(small, upsample)
            boxes = [b.scale(factor).clip(width, height) for b in found]
            boxes = [b for b in boxes if b.area > 0]
            if boxes:
                return sorted(boxes, key=lambda b: (b.left, b.top))
        return []

    def _raw_detect(self, image: np.ndarray, upsample: int) -> list[Box]:
        if self._detector_kind == "cnn":
            rects = [d.rect for d in self._cnn(image, upsample)]
        else:
            rects = list(self._hog(image, upsample))
        return [Box(r.left(), r.top(), r.right() + 1, r.bottom() + 1) for r in rects]

    def align(self, image: np.ndarray, box: Box) -> np.ndarray:
        """The face in `box`, rotated and scaled by its 5 landmarks into a 150x150 RGB chip."""
        rect = dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1)
        with self._lock:
            shape = self._landmarks(image, rect)
            return dlib.get_face_chip(image, shape, size=CHIP_SIZE, padding=0.25)

    def embed(self, chips: Sequence[np.ndarray], mirror: bool = True) -> np.ndarray:
        """(N, 128) L2-normalised identity vectors of aligned chips.

        With `mirror`, each face's vector is the mean of the chip's and its mirror image's.
        """
        if self._embedder is None:
            raise RuntimeError("FaceModels was loaded without an embedder")
        batch = np.stack(chips)
        with self._lock:
            vectors = self._embedder.embed(batch)
            if mirror:
                vectors = vectors + self._embedder.embed(np.ascontiguousarray(batch[:, :, ::-1]))
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
