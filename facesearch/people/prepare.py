"""Photo -> the one face to enroll, cropped: runs in worker processes (facesearch.face.workers)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from facesearch.errors import FaceSearchError
from facesearch.face.box import Box
from facesearch.face.image import encode_jpeg
from facesearch.face.models import THOROUGH, FaceModels
from facesearch.face.photo import Photo

DOMINANCE = 2.0
"""In a photo of several faces, the largest is the person's if its area is this many times the next's."""

CENTRALITY = 2.0
"""Else, among faces of similar size, the one nearest the middle is the person's if the next is this many
times as far from the middle (a portrait puts its subject in the middle)."""


@dataclass(frozen=True)
class Prepared:
    """A photo ready to store: the JPEG crop around its face and the face's box in the photo."""

    path: Path
    crop: bytes | None = None
    box: Box | None = None
    skip_reason: str | None = None


def pick_face(boxes: list[Box], width: int, height: int) -> Box | str:
    """The face to enroll in a `width` x `height` photo, or why none can be: no face, or several
    that cannot be told apart by size or by nearness to the middle."""
    if not boxes:
        return "No face was found in this photo."
    by_area = sorted(boxes, key=lambda b: b.area, reverse=True)
    if len(by_area) == 1 or by_area[0].area >= DOMINANCE * by_area[1].area:
        return by_area[0]
    similar = [b for b in by_area if b.area * DOMINANCE > by_area[0].area]
    by_middle = sorted(similar, key=lambda b: b.distance_to(width / 2, height / 2))
    if by_middle[0].distance_to(width / 2, height / 2) * CENTRALITY <= by_middle[1].distance_to(width / 2, height / 2):
        return by_middle[0]
    return f"{len(by_area)} faces of similar size; can't tell which one is the person."


def prepare(models: FaceModels, path: Path) -> Prepared:
    """Decode the photo, find the person's face and crop around it."""
    try:
        photo = Photo(path.read_bytes())
        face = models.find_one(photo, lambda boxes: pick_face(boxes, photo.width, photo.height), THOROUGH)
    except FaceSearchError as e:
        return Prepared(path, skip_reason=e.message)
    if isinstance(face, str):
        return Prepared(path, skip_reason=face)
    return Prepared(path, crop=encode_jpeg(models.crop(photo.full(), face)), box=face.box)
