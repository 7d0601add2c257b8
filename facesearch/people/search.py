"""Who is in a photo: every face is cropped and sent through Weaviate's nearImage on its own."""

from __future__ import annotations

from dataclasses import dataclass

from weaviate.collections import Collection
from weaviate.exceptions import WeaviateQueryError

from facesearch import store
from facesearch.decide import Rule, choose
from facesearch.errors import NoFace
from facesearch.face import THOROUGH, Box, FaceModels, encode_jpeg, load_image


@dataclass(frozen=True)
class FaceAnswer:
    """One face of the photo: its box, its candidates (best first) and the accepted match, if any."""

    index: int
    box: Box
    candidates: list[store.Candidate]
    match: store.Candidate | None


@dataclass(frozen=True)
class SearchResult:
    """Width and height in pixels of the photo after EXIF orientation; faces left to right."""

    width: int
    height: int
    faces: list[FaceAnswer]


def candidates_for(collection: Collection, crop: bytes, limit: int) -> list[store.Candidate]:
    """The nearest enrolled faces, or none when the vectorizer finds no face in the crop."""
    try:
        return store.nearest_faces(collection, crop, limit)
    except WeaviateQueryError as e:
        if store.vectorizer_status(str(e)) == 422:
            return []
        raise


POOL = 10
"""Candidates asked of Weaviate per face, at least: enough to find the best of another person."""


def search_photo(
    models: FaceModels, collection: Collection, data: bytes, *, limit: int, threshold: float, margin: float,
    rule: Rule = "best",
) -> SearchResult:
    """Find every face in the photo and its `limit` best candidates; see facesearch.decide for a match."""
    image = load_image(data)
    found_faces = models.detect(image, THOROUGH)
    if not found_faces:
        raise NoFace("No face was found in this photo.")
    faces = []
    for index, face in enumerate(found_faces, start=1):
        found = candidates_for(collection, encode_jpeg(models.crop(image, face)), max(limit, POOL))
        best = choose(found, threshold, margin, rule)
        faces.append(FaceAnswer(index, face.box, found[:limit], best))
    height, width = image.shape[:2]
    return SearchResult(width, height, faces)
