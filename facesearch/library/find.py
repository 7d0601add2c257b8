"""Finding a face in the library: every photo in which it appears, best first.

A photo the user brings is searched with Weaviate's nearImage (the face vectorizer embeds its crop);
an enrolled person is searched with the vectors Weaviate already holds for their photos (nearVector).
Either way Weaviate returns every library face at least `threshold` similar, within the folders (and the days
the photos were taken) asked; the photos come best match first, or by date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from facesearch.errors import BadRequest, NoFace, NotFound
from facesearch.face.box import Box
from facesearch.face.image import encode_jpeg
from facesearch.face.models import THOROUGH, FaceModels
from facesearch.face.photo import Photo
from facesearch.library.dates import MATCH, NEWEST, check_days, check_sort, day_after, day_start
from facesearch.store import people as enrolled
from facesearch.store.library import Library, LibraryFace, nearest
from facesearch.store.people import People


@dataclass(frozen=True)
class Match:
    """The best face of one library photo; similarity is Weaviate's certainty, 0..1; when the photo was taken is
    `face.taken`."""

    face: LibraryFace
    similarity: float


@dataclass(frozen=True)
class PhotoFind:
    """A search with a photo: its faces (left to right, in pixels of the EXIF-oriented photo), the one
    searched with (numbered from 1), a note when it was chosen among several, and the matches."""

    width: int
    height: int
    faces: list[Box]
    query: int
    note: str | None
    matches: list[Match]


@dataclass(frozen=True)
class Query:
    """What to return: similarity floor (0..1), faces at least `min_size` pixels wide, at most `limit`
    photos (None: all), from these folders (None: all), of photos taken from day `since` to day `until`, both
    included (wall-clock days, see `library.dates`; either given leaves out photos without a date), in the order
    `sort` (`dates.SORTS`). BadRequest for `since` after `until` or another order."""

    threshold: float
    min_size: int = 0
    limit: int | None = None
    folders: Sequence[str] | None = None
    since: date | None = None
    until: date | None = None
    sort: str = MATCH

    def __post_init__(self) -> None:
        check_days(self.since, self.until)
        check_sort(self.sort)

    def nearest(self, library: Library, *, image: bytes | None = None, vector: list[float] | None = None) -> list[tuple[LibraryFace, float]]:
        """The library faces this query returns for a face (a JPEG crop, or a vector Weaviate holds)."""
        return nearest(library, certainty=self.threshold, image=image, vector=vector, folders=self.folders,
                       min_width=self.min_size, taken_since=day_start(self.since), taken_before=day_after(self.until))


def best_per_photo(hits: list[tuple[LibraryFace, float]], limit: int | None, sort: str = MATCH) -> list[Match]:
    """Each photo once, with its most similar face; best first, then by folder and path; or by date (`sort`)."""
    best: dict[str, Match] = {}
    for face, similarity in hits:
        if face.photo_id not in best or similarity > best[face.photo_id].similarity:
            best[face.photo_id] = Match(face, similarity)
    ranked = sorted(best.values(), key=lambda m: (-m.similarity, m.face.folder, m.face.path))
    if sort != MATCH:
        ranked = by_date(ranked, newest=sort == NEWEST)
    return ranked[:limit] if limit is not None else ranked


def by_date(matches: list[Match], newest: bool) -> list[Match]:
    """Newest or oldest photo first, photos without a date last; the order they came in among equal times."""
    dated = [m for m in matches if m.face.taken is not None]
    undated = [m for m in matches if m.face.taken is None]
    return sorted(dated, key=lambda m: m.face.taken.at, reverse=newest) + undated  # type: ignore[union-attr]


def choose_face(boxes: list[Box], face: int | None) -> tuple[int, str | None]:
    """The number (from 1, left to right) of the face to search with, and a note when it was chosen."""
    if face is not None:
        if not 1 <= face <= len(boxes):
            raise BadRequest(f"This photo has {len(boxes)} face(s); there is no face {face}.")
        return face, None
    largest = max(range(len(boxes)), key=lambda i: boxes[i].area) + 1
    if len(boxes) == 1:
        return 1, None
    return largest, f"The photo has {len(boxes)} faces; searching with the largest, face {largest} from the left."


@dataclass(frozen=True)
class QueryFace:
    """The face of a photo to search the library with: the photo's size and faces as in PhotoFind, and the
    chosen face's crop (JPEG, as nearImage takes it)."""

    width: int
    height: int
    faces: list[Box]
    query: int
    note: str | None
    crop: bytes


def query_face(models: FaceModels, data: bytes, min_size: int = 0, face: int | None = None) -> QueryFace:
    """Decode the photo, find its faces at least `min_size` pixels wide and crop the one to search with (the
    largest, or number `face` from the left): the part of a find that costs CPU."""
    photo = Photo(data)
    faces = [f for f in models.find(photo, THOROUGH) if f.box.width >= min_size]
    boxes = [f.box for f in faces]
    if not boxes:
        raise NoFace("No face was found in this photo." if not min_size else
                     f"No face at least {min_size} pixels wide was found in this photo.")
    chosen, note = choose_face(boxes, face)
    crop = encode_jpeg(models.crop(photo.full(), faces[chosen - 1]))
    return QueryFace(photo.width, photo.height, boxes, chosen, note, crop)


def find_face(library: Library, face: QueryFace, query: Query) -> PhotoFind:
    """Every library photo in which `face` appears."""
    hits = query.nearest(library, image=face.crop)
    matches = best_per_photo(hits, query.limit, query.sort)
    return PhotoFind(face.width, face.height, face.faces, face.query, face.note, matches)


def find_by_photo(models: FaceModels, library: Library, data: bytes, query: Query, face: int | None = None) -> PhotoFind:
    """Every library photo in which a face of this photo appears (the largest face, or face number `face`)."""
    return find_face(library, query_face(models, data, query.min_size, face), query)


def find_by_person(people: People, library: Library, person_id: str, query: Query) -> list[Match]:
    """Every library photo in which an enrolled person appears: searched with each of their photos."""
    faces = enrolled.face_vectors(people, person_id)
    if not faces:
        raise NotFound(f"There is no person '{person_id}'.")
    hits = [hit for _, vector in faces for hit in query.nearest(library, vector=vector)]
    return best_per_photo(hits, query.limit, query.sort)
