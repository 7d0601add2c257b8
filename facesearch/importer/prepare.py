"""Photo -> the one face to enroll, cropped: runs in worker processes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from facesearch.errors import FaceSearchError
from facesearch.face import THOROUGH, Box, FaceModels, crop_face, encode_jpeg, load_image

DOMINANCE = 2.0
"""In a photo of several faces, the largest is the person's only if it is this many times the next."""

_models: FaceModels | None = None


@dataclass(frozen=True)
class Prepared:
    """A photo ready to store: the JPEG crop around its face and the face's box in the photo."""

    path: Path
    crop: bytes | None = None
    box: Box | None = None
    skip_reason: str | None = None


def init_worker(detector: str) -> None:
    """Load the detection models once per worker process."""
    global _models
    _models = FaceModels(detector=detector, embedder=None)  # type: ignore[arg-type]


def pick_face(boxes: list[Box]) -> Box | str:
    """The face to enroll, or why none can be: no face, or several that cannot be told apart."""
    if not boxes:
        return "No face was found in this photo."
    ranked = sorted(boxes, key=lambda b: b.area, reverse=True)
    if len(ranked) > 1 and ranked[0].area < DOMINANCE * ranked[1].area:
        return f"{len(ranked)} faces of similar size; can't tell which one is the person."
    return ranked[0]


def prepare(path: Path) -> Prepared:
    """Decode the photo, find the person's face and crop around it."""
    assert _models is not None, "init_worker was not called"
    try:
        image = load_image(path.read_bytes())
    except FaceSearchError as e:
        return Prepared(path, skip_reason=e.message)
    choice = pick_face(_models.detect(image, THOROUGH))
    if isinstance(choice, str):
        return Prepared(path, skip_reason=choice)
    return Prepared(path, crop=encode_jpeg(crop_face(image, choice)), box=choice)
