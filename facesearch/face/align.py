"""Aligned face chips: the face rotated, scaled and cut out the way an embedding network expects.

Two kinds: a similarity transform of the 5 landmarks onto a named five-point template (TEMPLATES: the usual
112 x 112 one, ArcFace's, or Intel's 128 x 128 one), scaled to the chip's size; and dlib's own 150 x 150 chip
from its 5-point shape predictor, which runs inside any detector's box. Chips are (size, size, 3) uint8 RGB.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np

from facesearch.face.box import Box

TEMPLATE_112 = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    dtype=np.float32,
)
"""(x, y) in a 112 x 112 chip of: the subject's right eye, left eye, nose tip, right and left mouth corners."""

TEMPLATE_INTEL_128 = (np.array(
    [[0.31556875, 0.46157411], [0.68262292, 0.46157411], [0.50026250, 0.64050536], [0.34947188, 0.82469196],
     [0.65343646, 0.82469196]],
) * 128).astype(np.float32)
"""(x, y) in a 128 x 128 chip of the same five points in the same order (the eye on the image's left first):
Intel's template for face-reidentification-retail-0095 (Open Model Zoo), which gives them in [0, 1] as the left
eye, right eye, nose tip, left and right mouth corners *as seen in the image*."""

TEMPLATES = {"arcface": (TEMPLATE_112, 112), "intel": (TEMPLATE_INTEL_128, 128)}
"""Named five-point templates: (points, the chip side in pixels they are given for). A model card's
`template` names one; it is scaled to the side of the chip the network takes."""


@dataclass(frozen=True)
class ChipSpec:
    """How a network wants its faces: `kind` "template" (5 landmarks onto TEMPLATES[`template`] scaled to
    `size`) or "dlib" (dlib's chip with `padding`, as dlib's ResNet was trained)."""

    kind: str
    size: int
    padding: float = 0.25
    template: str = "arcface"


def similarity(landmarks: np.ndarray, size: int, template: str = "arcface") -> np.ndarray:
    """The 2 x 3 similarity transform (rotation, uniform scale, shift) taking the (5, 2) landmarks
    nearest, in least squares, to TEMPLATES[template] scaled to a `size`-pixel chip (Umeyama, 1991)."""
    points, side = TEMPLATES[template]
    src, dst = landmarks.astype(np.float64), points.astype(np.float64) * (size / float(side))
    src_mean, dst_mean = src.mean(0), dst.mean(0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    u, sigma, vt = np.linalg.svd(dst_c.T @ src_c / len(src))
    sign = np.diag([1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ sign @ vt
    spread = src_c.var(0).sum()
    if spread < 1e-9:
        raise ValueError("the landmarks do not define a face")
    scale = np.trace(np.diag(sigma) @ sign) / spread
    shift = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, shift[:, None]]).astype(np.float32)


def template_chip(image: np.ndarray, landmarks: np.ndarray, size: int, canvas: int | None = None,
                  template: str = "arcface") -> np.ndarray:
    """The face warped so its landmarks sit on TEMPLATES[template] scaled to `size` px, in the middle of a
    `canvas` px square (default `size`): (canvas, canvas, 3) uint8 RGB, black outside the photo."""
    import cv2

    canvas = canvas or size
    matrix = similarity(landmarks, size, template)
    matrix[:, 2] += (canvas - size) / 2
    return cv2.warpAffine(image, matrix, (canvas, canvas), flags=cv2.INTER_LINEAR)


class DlibChips:
    """dlib's 5-point shape predictor and get_face_chip: the chips dlib's ResNet was trained on."""

    def __init__(self) -> None:
        import dlib
        import face_recognition_models

        self._dlib = dlib
        self._predictor = dlib.shape_predictor(face_recognition_models.pose_predictor_five_point_model_location())
        self._lock = threading.Lock()

    def chip(self, image: np.ndarray, box: Box, size: int = 150, padding: float = 0.25) -> np.ndarray:
        """The face in `box` (a box as dlib's detectors draw it), as a (size, size, 3) uint8 RGB chip."""
        rect = self._dlib.rectangle(box.left, box.top, box.right - 1, box.bottom - 1)
        with self._lock:
            shape = self._predictor(image, rect)
            return self._dlib.get_face_chip(image, shape, size=size, padding=padding)


YUNET_TO_DLIB = (-0.03, 0.24, 0.056, -0.052)
"""Where dlib's HOG box of a face lies against YuNet's, per side (left, top, right, bottom) in YuNet box
widths: the median over 1,241 faces of lfw-dev both found. YuNet's box takes in the forehead; dlib's
shape predictor was trained on HOG's boxes and places its points worse in YuNet's."""


def dlib_box(yunet: Box) -> Box:
    """The box dlib's detector would likely draw for a face YuNet boxed as `yunet`."""
    w = yunet.width
    dl, dt, dr, db = (round(v * w) for v in YUNET_TO_DLIB)
    return Box(yunet.left + dl, yunet.top + dt, yunet.right + dr, yunet.bottom + db)
