"""The face layer's one object: a detector, the aligners and an embedder, built once per process.

    models = FaceModels.load(settings)          # or FaceModels.load(settings, embed=False) to only detect
    faces = models.detect(image, THOROUGH)      # [Face(box, score, landmarks)], left to right
    faces = models.find(Photo(data))            # the same from a photo's bytes, decoding no more than needed
    vectors = models.embed(image, faces)        # (N, dim) float32, L2-normalised
    crop = models.crop(image, faces[0])         # what is sent to Weaviate (nearImage, or stored)

Crops of faces with landmarks are *canonical*: the face warped so its 5 landmarks sit on the 112 px
template scaled by CANON_SCALE, in a CANON_SIZE square. The vectorizer recognises such a crop with one
small detection (`canonical_face`) instead of searching it again at full size.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from facesearch.errors import ConfigError
from facesearch.face.align import TEMPLATE_112, ChipSpec, DlibChips, dlib_box, template_chip
from facesearch.face.box import Box
from facesearch.face.detect import Detector, Face, Look, YuNet, load_detector
from facesearch.face.embed import Embedder, load_embedder
from facesearch.face.image import crop_face
from facesearch.face.photo import Photo

if TYPE_CHECKING:
    from facesearch.settings import Settings

QUICK: Look = "quick"
"""For a photo of one face that fills much of it (a crop)."""
THOROUGH: Look = "thorough"
"""For any photo: small faces too."""

MIN_FACE_PX = 40
"""Faces narrower than this (pixels of the photo at full resolution) are not looked for in large photos and
not kept in the library: the smallest face a find can tell apart at the precision it aims at (bench/camera.py)."""

CANON_SIZE = 256
CANON_SCALE = 2.0
CANON_POINTS = TEMPLATE_112 * CANON_SCALE + (CANON_SIZE - 112 * CANON_SCALE) / 2
"""Where a canonical crop's 5 landmarks are, (x, y) pixels."""
CHECK_SIZE = 128
"""Pixels the canonical check's detection sees the crop at."""


class FaceModels:
    """Detection, alignment and embedding. Thread-safe: each model serialises its own calls."""

    def __init__(self, detector: Detector, embedder: Embedder | None = None, mirror: bool = True,
                 detector_name: str = "yunet", min_face_px: int = MIN_FACE_PX) -> None:
        self.detector, self.embedder, self.mirror, self.detector_name = detector, embedder, mirror, detector_name
        self.min_face_px = min_face_px
        specs = embedder.chips if embedder else []
        if any(s.kind == "template" for s in specs) and not detector.has_landmarks:
            raise ConfigError(f"The {embedder.name} embedder aligns faces by 5 landmarks, which the {detector_name} "
                              "detector does not give; use FACESEARCH_DETECTOR=yunet.")
        self._dlib_chips = DlibChips() if any(s.kind == "dlib" for s in specs) else None

    @classmethod
    def load(cls, settings: Settings, embed: bool = True, threads: int = 1) -> FaceModels:
        """The models `settings` configure; `embed=False` loads only the detector (for processes that
        send crops to Weaviate and never embed themselves)."""
        embedder = load_embedder(settings.embedder, threads) if embed else None
        return cls(load_detector(settings.detector), embedder, settings.mirror, settings.detector,
                   _or_default(settings.min_face_px))

    @classmethod
    def detector_only(cls, detector: str, min_face_px: int | None = None) -> FaceModels:
        """Only the detector named "yunet", "hog" or "cnn"; `min_face_px` None: MIN_FACE_PX."""
        return cls(load_detector(detector), None, detector_name=detector, min_face_px=_or_default(min_face_px))

    @property
    def space(self) -> str:
        """The name of the vector space these models make: detector, embedder and mirroring."""
        if self.embedder is None:
            raise ConfigError("These face models were loaded without an embedder.")
        return f"{self.detector_name}/{self.embedder.space}{'/mirror' if self.mirror else ''}"

    def detect(self, image: np.ndarray, look: Look = THOROUGH) -> list[Face]:
        """Faces in an RGB image, left to right, in its pixel coordinates."""
        return sorted(self.detector.detect(image, look), key=lambda f: (f.box.left, f.box.top))

    def find(self, photo: Photo, look: Look = THOROUGH) -> list[Face]:
        """Faces in a photo, left to right, in its full-resolution pixels; in a large photo down to about
        `min_face_px` wide (see Detector.find). `photo.full()` holds its pixels once any is found."""
        return sorted(self.detector.find(photo, look, self.min_face_px), key=lambda f: (f.box.left, f.box.top))

    def find_one(self, photo: Photo, choose: Callable[[list[Box]], Box | str], look: Look = THOROUGH) -> Face | str:
        """The face whose box `choose` picks among the boxes of the faces `find` would give (left to right), or
        `choose`'s reason for none. YuNet looks again only at the chosen face's landmarks (two more YuNet runs per
        face, about 5 ms each), so `choose` sees the boxes of its passes, before that second look."""
        def by_box(faces: list[Face]) -> Face | str:
            faces = sorted(faces, key=lambda f: (f.box.left, f.box.top))
            chosen = choose([f.box for f in faces])
            return chosen if isinstance(chosen, str) else next(f for f in faces if f.box == chosen)

        return self.detector.find_one(photo, look, self.min_face_px, by_box)

    def crop(self, image: np.ndarray, face: Face) -> np.ndarray:
        """The face as sent to Weaviate: canonical (see the module docstring) when it has landmarks,
        else a 400 px crop with half the box's size as margin."""
        if face.landmarks is None:
            return crop_face(image, face.box)
        # Resampled without area averaging, as InsightFace's alignment (which such networks are trained
        # on) does; an area pre-shrink changes MobileFace's vectors of large faces by up to 0.02 cosine.
        return template_chip(image, face.landmarks, round(112 * CANON_SCALE), CANON_SIZE)

    def canonical_face(self, crop: np.ndarray) -> Face | None:
        """The face of a canonical crop, checked by one detection at CHECK_SIZE px; None when `crop` is not one."""
        if crop.shape[:2] != (CANON_SIZE, CANON_SIZE) or not isinstance(self.detector, YuNet):
            return None
        found = self.detector.detect_at(crop, CHECK_SIZE, refine=False)
        eyes = np.linalg.norm(CANON_POINTS[0] - CANON_POINTS[1])
        for face in found:
            if np.abs(face.landmarks - CANON_POINTS).max() < 0.25 * eyes:
                return Face(face.box, face.score, CANON_POINTS.copy())
        return None

    def chips(self, image: np.ndarray, faces: list[Face]) -> dict[ChipSpec, np.ndarray]:
        """Each chip the embedder needs, (N, size, size, 3) uint8 RGB per spec."""
        out = {}
        for spec in self.embedder.chips if self.embedder else []:
            if spec.kind == "dlib":
                boxes = [dlib_box(f.box) if isinstance(self.detector, YuNet) else f.box for f in faces]
                chips = [self._dlib_chips.chip(image, b, spec.size, spec.padding) for b in boxes]
            else:
                chips = [template_chip(image, f.landmarks, spec.size, template=spec.template) for f in faces]
            out[spec] = np.stack(chips)
        return out

    def embed(self, image: np.ndarray, faces: list[Face]) -> np.ndarray:
        """(N, dim) L2-normalised identity vectors of the faces."""
        if self.embedder is None:
            raise ConfigError("These face models were loaded without an embedder.")
        if not faces:
            return np.zeros((0, self.embedder.dim), np.float32)
        return self.embedder.embed(self.chips(image, faces), mirror=self.mirror)


def _or_default(min_face_px: int | None) -> int:
    return MIN_FACE_PX if min_face_px is None else min_face_px


def face_size_floor(settings: Settings) -> int:
    """Pixels: the one minimum face width of detection, finds and grouping (`min_face_px`, else MIN_FACE_PX)."""
    return _or_default(settings.min_face_px)


def largest(faces: list[Face]) -> Face:
    """The face with the largest box (the person of a portrait)."""
    return max(faces, key=lambda f: f.box.area)


__all__ = ["Box", "CANON_SIZE", "Face", "FaceModels", "MIN_FACE_PX", "Photo", "QUICK", "THOROUGH", "largest"]
