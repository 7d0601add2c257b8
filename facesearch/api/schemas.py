"""JSON bodies of the API's answers (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from facesearch.people.search import SearchResult
from facesearch.store.people import Candidate, EnrolledFace


class BoxOut(BaseModel):
    left: int
    top: int
    right: int
    bottom: int


class MatchOut(BaseModel):
    person_id: str
    name: str
    photo_id: str
    filename: str
    certainty: float
    photo_url: str

    @classmethod
    def of(cls, candidate: Candidate) -> MatchOut:
        face = candidate.face
        return cls(
            person_id=face.person_id,
            name=face.name,
            photo_id=face.id,
            filename=face.filename,
            certainty=round(candidate.certainty, 4),
            photo_url=f"/api/photos/{face.id}",
        )


class CandidateOut(MatchOut):
    accepted: bool


class FaceOut(BaseModel):
    index: int
    box: BoxOut
    match: MatchOut | None
    candidates: list[CandidateOut]


class SearchOut(BaseModel):
    width: int
    height: int
    faces: list[FaceOut]

    @classmethod
    def of(cls, result: SearchResult) -> SearchOut:
        faces = [
            FaceOut(
                index=f.index,
                box=BoxOut(**f.box.to_json()),
                match=MatchOut.of(f.match) if f.match else None,
                candidates=[
                    CandidateOut(**MatchOut.of(c).model_dump(), accepted=c is f.match) for c in f.candidates
                ],
            )
            for f in result.faces
        ]
        return cls(width=result.width, height=result.height, faces=faces)


class PhotoOut(BaseModel):
    id: str
    filename: str
    photo_url: str


class PersonOut(BaseModel):
    id: str
    name: str
    photo_count: int
    photos: list[PhotoOut]
    library_photos: int = 0
    """In how many library photos the person is known."""


class PeopleOut(BaseModel):
    people: list[PersonOut]


class SkippedOut(BaseModel):
    filename: str
    reason: str


class EnrollOut(BaseModel):
    person: PersonOut
    imported: list[str]
    skipped: list[SkippedOut]


def people_of(faces: list[EnrolledFace], library_photos: dict[str, int] | None = None) -> list[PersonOut]:
    """Faces grouped by person, people sorted by name and photos by filename; `library_photos`:
    person id -> in how many library photos they are known."""
    grouped: dict[str, list[EnrolledFace]] = {}
    for face in faces:
        grouped.setdefault(face.person_id, []).append(face)
    people = [
        PersonOut(
            id=pid,
            name=group[0].name,
            photo_count=len(group),
            library_photos=(library_photos or {}).get(pid, 0),
            photos=[
                PhotoOut(id=f.id, filename=f.filename, photo_url=f"/api/photos/{f.id}")
                for f in sorted(group, key=lambda f: f.filename)
            ],
        )
        for pid, group in grouped.items()
    ]
    return sorted(people, key=lambda p: (p.name.lower(), p.id))


# The photo library (docs/api.md, "The photo library").


class SkippedPhotoOut(BaseModel):
    path: str
    reason: str


class FolderOut(BaseModel):
    folder: str
    indexed: bool
    photos: int
    faces: int
    last_indexed: datetime | None
    skipped: list[SkippedPhotoOut]


class MovedPhotoOut(BaseModel):
    old: str
    new: str


class JobOut(BaseModel):
    folder: str
    state: str
    done: int
    total: int
    summary: str | None
    error: str | None
    photos: int = 0
    skipped: list[SkippedPhotoOut] = []
    moved: list[MovedPhotoOut] = []

    @classmethod
    def of(cls, job) -> JobOut:  # noqa: ANN001 - a library.jobs.Job
        return cls(
            folder=job.folder, state=job.state, done=job.done, total=job.total, summary=job.summary, error=job.error,
            photos=job.photos, skipped=[SkippedPhotoOut(path=p, reason=r) for p, r in job.skipped],
            moved=[MovedPhotoOut(old=o, new=n) for o, n in job.moved],
        )


class LibraryOut(BaseModel):
    root: str
    folders: list[FolderOut]
    job: JobOut | None


class IndexIn(BaseModel):
    folder: str


class LibraryFaceOut(BaseModel):
    face_id: str
    box: BoxOut
    person_id: str | None
    name: str | None


class LibraryMatchOut(BaseModel):
    photo_id: str
    folder: str
    path: str
    similarity: float
    box: BoxOut
    person_id: str | None
    name: str | None
    width: int
    height: int
    image_url: str


class QueryFaceOut(BaseModel):
    index: int
    box: BoxOut


class FindOut(BaseModel):
    width: int
    height: int
    faces: list[QueryFaceOut]
    query: int
    note: str | None
    threshold: float
    matches: list[LibraryMatchOut]


class PersonRefOut(BaseModel):
    id: str
    name: str


class PersonFindOut(BaseModel):
    person: PersonRefOut
    threshold: float
    matches: list[LibraryMatchOut]


class LibraryPhotoOut(BaseModel):
    photo_id: str
    folder: str
    path: str
    width: int
    height: int
    image_url: str
    faces: list[LibraryFaceOut]


class ReadyOut(BaseModel):
    """GET /api/ready: "ready", or "degraded" when fewer than `weaviate_nodes` Weaviate nodes are in the cluster
    (`nodes_out`: those the cluster lists but not as healthy)."""

    status: Literal["ready", "degraded"]
    weaviate_nodes: int
    nodes_in: list[str]
    nodes_out: list[str]
