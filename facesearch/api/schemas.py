"""JSON bodies of the API's answers (docs/api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from facesearch.library.changes import NOTE_CHARS
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
    watched: bool = False
    """Indexed, and the folder watcher runs: changes on disk are indexed by themselves."""
    pending: int = 0
    """Changed photos the watcher reported that wait for their job."""
    pending_whole: bool = False
    """The whole folder waits to be planned again (the watcher started, or a folder in it was made, moved or
    removed)."""


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
    id: int = 0
    kind: Literal["index", "changes", "regroup"] = "index"

    @classmethod
    def of(cls, job) -> JobOut:  # noqa: ANN001 - a library.jobs.Job
        return cls(
            folder=job.folder, state=job.state, done=job.done, total=job.total, summary=job.summary, error=job.error,
            photos=job.photos, skipped=[SkippedPhotoOut(path=p, reason=r) for p, r in job.skipped],
            moved=[MovedPhotoOut(old=o, new=n) for o, n in job.moved], id=job.id, kind=job.kind,
        )


class WatcherOut(BaseModel):
    """The folder watcher: whether it is on (FACESEARCH_WATCH), whether it runs (it reported lately), when it last
    reported, what it said it does (`state`, ChangesIn's, and `note`, its sentence), whether it watches the library
    root (it runs and said so), and the API's start id (see ChangesOut)."""

    enabled: bool
    running: bool
    last_seen: datetime | None
    state: Literal["watching", "waiting", "failed"] | None = None
    watching: bool = False
    note: str | None = None
    """e.g. "waiting for the library folder /x, which does not exist", "The library folder /x cannot be watched ..."."""
    start_id: str = ""


class LibraryOut(BaseModel):
    root: str
    folders: list[FolderOut]
    job: JobOut | None
    changes_job: JobOut | None = None
    """The folder watcher's job under way, or its last one."""
    watcher: WatcherOut | None = None


class IndexIn(BaseModel):
    folder: str


class ChangesIn(BaseModel):
    """What the folder watcher saw change, paths relative to the library root: photos added, changed or removed
    (`files`), folders made, moved or removed (`folders`). Empty: it only says that it runs."""

    files: list[str] = Field(default=[], max_length=10_000)
    folders: list[str] = Field(default=[], max_length=10_000)
    state: Literal["watching", "waiting", "failed"] = "watching"
    """watching the library root; waiting for it to exist; failed: it cannot watch it, and exits (its last report)."""
    note: str = Field(default="", max_length=NOTE_CHARS)
    """The watcher's sentence about itself, shown on the page."""


class ChangesOut(BaseModel):
    """The indexed folders the report touched, each with its job waiting behind the work under way; how many of its
    names were left out (they leave the root, or are no text); and the API's start id: it changes when the API
    starts again, which loses the work waiting, so the watcher then reports its start again."""

    folders: list[str]
    skipped: int = 0
    start_id: str = ""


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
    taken_at: datetime | None
    """When the photo was taken: a wall-clock time without a zone (the camera's clock, or the file's time)."""
    taken_from: Literal["camera", "file"] | None


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
    taken_at: datetime | None = None
    taken_from: Literal["camera", "file"] | None = None


class ReadyOut(BaseModel):
    """GET /api/ready: "ready", or "degraded" when fewer than `weaviate_nodes` Weaviate nodes are in the cluster
    (`nodes_out`: those the cluster lists but not as healthy)."""

    status: Literal["ready", "degraded"]
    weaviate_nodes: int
    nodes_in: list[str]
    nodes_out: list[str]


class CoverOut(BaseModel):
    face_id: str
    face_url: str


class GroupOut(BaseModel):
    """A group of library faces (a person in the photos): `name` and `person_id` null until named."""

    id: str
    name: str | None
    person_id: str | None
    faces: int
    photos: int
    hidden: bool
    cover: CoverOut | None

    @classmethod
    def of(cls, summary) -> GroupOut:  # noqa: ANN001 - a library.groups.Summary
        g, cover = summary.group, summary.cover
        return cls(
            id=g.id, name=summary.name or None, person_id=g.person_id or None, faces=summary.faces,
            photos=len(summary.photos), hidden=g.hidden,
            cover=CoverOut(face_id=cover.id, face_url=f"/api/library/faces/{cover.id}/image") if cover else None,
        )


class GroupsOut(BaseModel):
    groups: list[GroupOut]
    ungrouped: int
    min_faces: int
    grouping: JobOut | None


class GroupFaceOut(BaseModel):
    face_id: str
    photo_id: str
    folder: str
    path: str
    box: BoxOut
    width: int
    height: int
    image_url: str
    face_url: str
    taken_at: datetime | None
    taken_from: str | None


class GroupDetailOut(BaseModel):
    group: GroupOut
    faces: list[GroupFaceOut]


class GroupOnlyOut(BaseModel):
    group: GroupOut


class NameIn(BaseModel):
    name: str
    merge: bool = False


class MergeIn(BaseModel):
    into: str
    from_: list[str] = Field(alias="from")


class FacesIn(BaseModel):
    faces: list[str]


class MoveIn(FacesIn):
    to: str


class HideIn(BaseModel):
    hidden: bool = True


class PairIn(BaseModel):
    a: str
    b: str


class RemovedOut(BaseModel):
    group: GroupOut
    removed: int


class MovedOut(BaseModel):
    group: GroupOut
    to: GroupOut
    moved: int


class SuggestionOut(BaseModel):
    a: GroupOut
    b: GroupOut
    similarity: float


class SuggestionsOut(BaseModel):
    suggestions: list[SuggestionOut]
