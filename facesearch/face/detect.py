"""Face detectors: YuNet (boxes, scores and 5 landmarks) and dlib's HOG and CNN (boxes only).

Landmarks are (5, 2) float32 arrays of (x, y) pixels in the image, in YuNet's order: the subject's right
eye (the one on the image's left), left eye, nose tip, right mouth corner, left mouth corner — the order
of the five-point templates in facesearch.face.align.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from facesearch.face.box import Box
from facesearch.face.image import resize_long_side
from facesearch.face.photo import Photo
from facesearch.face.yunet import YuNetNetwork

WEIGHTS = Path(__file__).resolve().parent / "weights"
YUNET = WEIGHTS / "yunet_n_dynamic.onnx"


@dataclass(frozen=True)
class Face:
    """A face found in an image: its box, the detector's score (0..1; 1.0 for dlib's HOG) and landmarks."""

    box: Box
    score: float = 1.0
    landmarks: np.ndarray | None = field(default=None, compare=False, repr=False)


Choose = Callable[[list[Face]], Face | str]
"""Picks one face of a photo's, or says why none can be."""

Look = Literal["quick", "thorough"]
"""How hard to look: "quick" for a photo of one face that fills much of it (a crop), "thorough" for any
photo, small faces too."""


class Detector(Protocol):
    has_landmarks: bool

    def detect(self, image: np.ndarray, look: Look) -> list[Face]:
        """Faces in an RGB (H, W, 3) uint8 image, boxes and landmarks in its own pixels, in no order."""
        ...

    def find(self, photo: Photo, look: Look, min_face_px: int) -> list[Face]:
        """Faces in a photo, down to about `min_face_px` pixels wide (0: as `detect` finds them), boxes and
        landmarks in its full-resolution pixels, in no order; decodes no more of it than that needs."""
        ...

    def find_one(self, photo: Photo, look: Look, min_face_px: int, choose: Choose) -> Face | str:
        """The face `choose` picks among the faces `find` would give (or its reason for none), for less work
        where the detector can spare some on the faces not chosen."""
        ...


SMALLEST_SEEN = 16
"""Pixels wide a face must be as YuNet sees it to be found reliably: a photo whose faces of `min_face_px`
would be seen narrower in the first pass is looked at again at a larger size (see `pass_sides`). Chosen on
the camera set (bench/camera.py): at 12 px about a third of the faces are missed, at 16 px almost none."""

OVERLAP = 0.3
"""Intersection over union above which two boxes of different passes are one face (YuNet's own NMS level)."""


def pass_sides(long_side: int, first: int, min_face_px: int) -> list[int]:
    """The long sides (px) YuNet sees a photo of `long_side` pixels at: `first`, and, when a face of
    `min_face_px` would be narrower than SMALLEST_SEEN there, the size at which it is not (at most the photo's
    own)."""
    if min_face_px <= 0:
        return [first]
    needed = min(long_side, math.ceil(long_side * SMALLEST_SEEN / min_face_px))
    return [first, needed] if needed > first else [first]


def merge(faces: list[Face]) -> list[Face]:
    """One face per place: of boxes overlapping more than OVERLAP, the one with the best score."""
    kept: list[Face] = []
    for face in sorted(faces, key=lambda f: -f.score):
        if all(iou(face.box, k.box) <= OVERLAP for k in kept):
            kept.append(face)
    return kept


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (0..1)."""
    inter = Box(max(a.left, b.left), max(a.top, b.top), min(a.right, b.right), min(a.bottom, b.bottom))
    if inter.width <= 0 or inter.height <= 0:
        return 0.0
    return inter.area / (a.area + b.area - inter.area)


class YuNet:
    """The YuNet network (facesearch.face.yunet: onnxruntime, decoded as OpenCV's FaceDetectorYN decodes it).

    The image is resized (up or down) so its long side is `long_side` pixels. YuNet's landmarks are
    noisy, and the embedders are sensitive to them, so each face is looked at again (`landmarks`):
      - "averaged" (default): in a crop around it with `context` of its size on every side, resized so
        that the face is `landmark_px` wide, and in the mirror image of that crop; the landmarks are the
        mean of the two. On lfw-dev this names 1.5 to 2 points more people right than "coarse" (README).
      - "coarse": only a face seen narrower than `landmark_px` is looked at again, once, unmirrored.
    """

    has_landmarks = True
    LONG_SIDE = {"quick": 320, "thorough": 640}
    """Pixels YuNet sees the photo's long side at, per look (it finds faces down to about 10 px)."""

    def __init__(self, model: Path = YUNET, score: float = 0.8, landmarks: Literal["averaged", "coarse"] = "averaged",
                 landmark_px: int = 160, context: float = 0.4) -> None:
        import cv2

        self._cv2 = cv2
        self._net = YuNetNetwork(model, score)
        self._averaged, self._landmark_px, self._context = landmarks == "averaged", landmark_px, context

    def detect(self, image: np.ndarray, look: Look) -> list[Face]:
        """Faces in an (H, W, 3) uint8 RGB image, left to right; boxes and landmarks in its pixels (x, y)."""
        return self.detect_at(image, self.LONG_SIDE[look])

    def find(self, photo: Photo, look: Look, min_face_px: int) -> list[Face]:
        """Faces in the photo seen at each of `pass_sides` (from one reduced decode), merged; then, only if
        there are any, looked at again in the full-resolution pixels (see the class)."""
        return self.find_at(photo, pass_sides(photo.long_side, self.LONG_SIDE[look], min_face_px))

    def find_one(self, photo: Photo, look: Look, min_face_px: int, choose: Choose) -> Face | str:
        """The face `choose` picks among the faces of the passes, before their landmarks are looked at again: only
        the chosen one's are (`refined`), which is most of the work for a portrait after the first pass."""
        sides = pass_sides(photo.long_side, self.LONG_SIDE[look], min_face_px)
        chosen = choose(self.find_at(photo, sides, refine=False))
        return chosen if isinstance(chosen, str) else self.refined(photo, chosen, sides[0])

    def find_at(self, photo: Photo, sides: list[int], refine: bool = True) -> list[Face]:
        """`find` with the photo seen at these long sides (px), the first deciding which faces are refined;
        `refine=False` keeps the passes' landmarks (see `refined`)."""
        view, factor = photo.at_least(max(sides))
        found = merge([f for side in sides for f in self.coarse(view, side, factor, (photo.width, photo.height))])
        if not refine:
            return found
        return [self.refined(photo, f, sides[0]) for f in found]

    def refined(self, photo: Photo, face: Face, first: int) -> Face:
        """A face of the passes with its landmarks looked at again in the full-resolution pixels (see the class; in
        "coarse" mode only when it was seen narrower than `landmark_px` in the first pass, at `first` px)."""
        return self._refine(photo.full(), face) if self._looks_again(face.box.width * first / photo.long_side) else face

    def _looks_again(self, width_seen: float) -> bool:
        """Whether a face seen `width_seen` px wide in a pass has its landmarks looked at again (see the class)."""
        return self._averaged or width_seen < self._landmark_px

    def coarse(self, image: np.ndarray, long_side: int, factor: float = 1.0,
               size: tuple[int, int] | None = None) -> list[Face]:
        """Faces with `image` seen at `long_side` px, first-pass landmarks, in pixels of `image` x `factor`
        (boxes clipped to `size`, (width, height) px of the photo `image` was reduced from)."""
        faces = self._run(image, long_side / max(image.shape[:2]))
        if factor == 1.0:
            return faces
        width, height = size or (round(image.shape[1] * factor), round(image.shape[0] * factor))
        return [Face(f.box.scale(factor).clip(width, height), f.score, f.landmarks * np.float32(factor)) for f in faces]

    def detect_at(self, image: np.ndarray, long_side: int, refine: bool = True) -> list[Face]:
        """Faces with the image seen at `long_side` px; `refine=False` keeps the first pass's landmarks."""
        scale = long_side / max(image.shape[:2])
        faces = self._run(image, scale)
        if not refine:
            return faces
        return [self._refine(image, f) if self._looks_again(f.box.width * scale) else f for f in faces]

    def _run(self, image: np.ndarray, scale: float) -> list[Face]:
        """Faces in `image` resized by `scale`, in the image's own pixels."""
        height, width = image.shape[:2]
        size = (max(1, round(width * scale)), max(1, round(height * scale)))
        cv2 = self._cv2
        bgr = cv2.cvtColor(cv2.resize(image, size, interpolation=cv2.INTER_LINEAR if scale > 1 else cv2.INTER_AREA),
                           cv2.COLOR_RGB2BGR)
        faces = [self._face(row, size[0] / width, size[1] / height, width, height) for row in self._net.detect(bgr)]
        return [f for f in faces if f.box.area > 0]

    @staticmethod
    def _face(row: np.ndarray, sx: float, sy: float, width: int, height: int) -> Face:
        """One row of the network's output (x, y, w, h, 5 x (x, y), score) in the pixels of the original
        `width` x `height` image, its box clipped to it."""
        x, y, w, h = row[0] / sx, row[1] / sy, row[2] / sx, row[3] / sy
        points = (row[4:14].reshape(5, 2) / (sx, sy)).astype(np.float32)
        box = Box(round(x), round(y), round(x + w), round(y + h)).clip(width, height)
        return Face(box, float(row[14]), points)

    def _refine(self, image: np.ndarray, face: Face) -> Face:
        """The face found again in a crop around it at `landmark_px` (see the class); itself if not found."""
        height, width = image.shape[:2]
        area = face.box.grow(self._context).clip(width, height)
        crop = image[area.top : area.bottom, area.left : area.right]
        scale = self._landmark_px / max(face.box.width, 1)
        centre = ((face.box.left + face.box.right) / 2 - area.left, (face.box.top + face.box.bottom) / 2 - area.top)
        again = self._nearest(self._run(crop, scale), *centre)
        if again is None:
            return face
        landmarks = again.landmarks
        if self._averaged:
            mirrored = self._nearest(self._run(np.ascontiguousarray(crop[:, ::-1]), scale), crop.shape[1] - centre[0], centre[1])
            if mirrored is not None:
                back = mirrored.landmarks[MIRRORED].copy()  # its right eye is the face's left eye, and so on
                back[:, 0] = crop.shape[1] - back[:, 0]
                landmarks = (landmarks + back) / 2
        box = again.box.shift(area.left, area.top).clip(width, height)
        return Face(box, again.score, landmarks + np.float32((area.left, area.top)))

    @staticmethod
    def _nearest(faces: list[Face], x: float, y: float) -> Face | None:
        return min(faces, key=lambda f: f.box.distance_to(x, y), default=None)


MIRRORED = [1, 0, 2, 4, 3]
"""Landmark order of a mirrored face: left and right eyes, and mouth corners, swap."""


DetectPass = tuple[int, int]
"""(long side in pixels the image is shrunk to, times dlib's detector upsamples it)."""


class Dlib:
    """dlib's HOG (fast) or CNN (slower, finds more) detector; no landmarks.

    It tries the photo at PASSES' first long side without upsampling, then at the second upsampled once,
    and keeps the first pass that finds a face: faces down to about 3 % of the long side on the second.
    """

    has_landmarks = False
    PASSES = {"quick": ((320, 0), (640, 1)), "thorough": ((800, 0), (1280, 1))}
    """(long side in pixels the image is shrunk to, times the detector upsamples it), per look."""

    def __init__(self, kind: str = "hog") -> None:
        import dlib
        import face_recognition_models

        self._kind = kind
        if kind == "cnn":
            self._net = dlib.cnn_face_detection_model_v1(face_recognition_models.cnn_face_detector_model_location())
        else:
            self._net = dlib.get_frontal_face_detector()
        self._lock = threading.Lock()

    def detect(self, image: np.ndarray, look: Look) -> list[Face]:
        """Faces in an (H, W, 3) uint8 RGB image, left to right; boxes in its pixels (no landmarks)."""
        return self.detect_passes(image, self.PASSES[look])

    def find(self, photo: Photo, look: Look, min_face_px: int) -> list[Face]:
        """`detect` on the whole photo (dlib's passes are its own; `min_face_px` does not change them)."""
        return self.detect(photo.full(), look)

    def find_one(self, photo: Photo, look: Look, min_face_px: int, choose: Choose) -> Face | str:
        """`choose` among the faces of `find` (no work to spare)."""
        return choose(self.find(photo, look, min_face_px))

    def detect_passes(self, image: np.ndarray, passes: Sequence[DetectPass]) -> list[Face]:
        """Faces of the first of `passes` that finds any; boxes in the image's pixels."""
        height, width = image.shape[:2]
        for size, upsample in passes:
            small, factor = resize_long_side(image, size)
            with self._lock:
                found = self._net(small, upsample)
            rects = [d.rect for d in found] if self._kind == "cnn" else list(found)
            boxes = [Box(r.left(), r.top(), r.right() + 1, r.bottom() + 1).scale(factor).clip(width, height) for r in rects]
            faces = [Face(b) for b in boxes if b.area > 0]
            if faces:
                return faces
        return []


def load_detector(kind: str) -> Detector:
    """"yunet" (default), "hog" or "cnn"."""
    return YuNet() if kind == "yunet" else Dlib(kind)
