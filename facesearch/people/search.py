"""Who is in a photo: every face is cropped and sent through Weaviate's nearImage on its own."""

from __future__ import annotations

from dataclasses import dataclass

from facesearch.errors import NoFace
from facesearch.face.box import Box
from facesearch.face.image import encode_jpeg
from facesearch.face.models import THOROUGH, FaceModels
from facesearch.face.photo import Photo
from facesearch.people.decide import Rule, choose
from facesearch.store import people as store
from facesearch.store.people import Candidate, People


@dataclass(frozen=True)
class FaceAnswer:
    """One face of the photo: its box, its candidates (best first) and the accepted match, if any."""

    index: int
    box: Box
    candidates: list[Candidate]
    match: Candidate | None


@dataclass(frozen=True)
class SearchResult:
    """Width and height in pixels of the photo after EXIF orientation; faces left to right."""

    width: int
    height: int
    faces: list[FaceAnswer]


POOL = 10
"""Candidates asked of Weaviate per face, at least: enough to find the best of another person."""


@dataclass(frozen=True)
class Seen:
    """A photo's faces, ready to search: its width and height in pixels after EXIF orientation, and each face's
    box (left to right) with its crop as Weaviate's nearImage takes it (JPEG)."""

    width: int
    height: int
    faces: list[tuple[Box, bytes]]


def see(models: FaceModels, data: bytes) -> Seen:
    """Decode the photo and find its faces: the part of a search that costs the API CPU. NoFace when none."""
    photo = Photo(data)
    found_faces = models.find(photo, THOROUGH)
    if not found_faces:
        raise NoFace("No face was found in this photo.")
    image = photo.full()
    return Seen(photo.width, photo.height, [(face.box, encode_jpeg(models.crop(image, face))) for face in found_faces])


def search_seen(
    people: People, seen: Seen, *, limit: int, threshold: float, margin: float, rule: Rule = "best"
) -> SearchResult:
    """Every face of `seen` with its `limit` best candidates; see facesearch.people.decide for a match."""
    faces = []
    for index, (box, crop) in enumerate(seen.faces, start=1):
        found = store.nearest_faces(people, crop, max(limit, POOL))
        faces.append(FaceAnswer(index, box, found[:limit], choose(found, threshold, margin, rule)))
    return SearchResult(seen.width, seen.height, faces)


def search_photo(
    models: FaceModels, people: People, data: bytes, *, limit: int, threshold: float, margin: float,
    rule: Rule = "best",
) -> SearchResult:
    """Find every face in the photo and its `limit` best candidates; see facesearch.people.decide for a match."""
    return search_seen(people, see(models, data), limit=limit, threshold=threshold, margin=margin, rule=rule)
