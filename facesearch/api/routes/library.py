"""The photo library: index folders under the library root, find a face in them, serve their photos by id."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi.responses import JSONResponse

from facesearch.api.backend import Backend, BackendDep, LibraryDep, LibraryReadDep, PeopleReadDep
from facesearch.api.schemas import (
    BoxOut, ChangesIn, ChangesOut, FindOut, FolderOut, IndexIn, JobOut, LibraryFaceOut, LibraryMatchOut, LibraryOut,
    LibraryPhotoOut, PersonFindOut, PersonRefOut, QueryFaceOut, SkippedPhotoOut, WatcherOut,
)
from facesearch.api.uploads import read_upload
from facesearch.errors import NotFound, NotReady
from facesearch.face.image import encode_jpeg, resize_long_side
from facesearch.face.photo import Photo
from facesearch.library import find as finder
from facesearch.library.dates import parse_day
from facesearch.library.changes import per_folder
from facesearch.library.index import folder_key
from facesearch.library.root import folder_name, photo_file, resolve_folder
from facesearch.library.scan import subfolders
from facesearch.store import library as records
from facesearch.store import people as enrolled
from facesearch.store.library import Library, StoredPhoto, Taken

router = APIRouter(prefix="/api/library", tags=["library"])

MAX_IMAGE_SIDE = 4096
"""Pixels: the longest side a library photo is served at."""


def match_out(m: finder.Match, backend: Backend, people: dict[str, str]) -> LibraryMatchOut:
    f = m.face
    return LibraryMatchOut(
        photo_id=f.photo_id, folder=folder_name(backend.settings.library_root, f.folder) or "", path=f.path,
        similarity=round(m.similarity, 4), box=BoxOut(**f.box.to_json()), person_id=f.person_id or None,
        name=people.get(f.person_id) if f.person_id else None, width=f.photo_width, height=f.photo_height,
        image_url=f"/api/library/photos/{f.photo_id}/image", **taken_out(f.taken),
    )


def taken_out(taken: Taken | None) -> dict[str, object]:
    """When a photo was taken, as the API answers it: a wall-clock time without a zone, and where it comes from."""
    return {"taken_at": taken.at if taken else None, "taken_from": taken.source if taken else None}


Sort = Literal["match", "newest", "oldest"]
"""library.dates.SORTS"""


def find_query(
    backend: Backend, library: Library, threshold: float | None, min_size: int, limit: int | None, folder: str | None,
    since: str | None, until: str | None, sort: str,
) -> finder.Query:
    """A find's query from its parameters; BadRequest, in a sentence, for a day that is not one or since after until."""
    days = [None if text is None else parse_day(text, name) for text, name in ((since, "since"), (until, "until"))]
    t = backend.decision.library_threshold if threshold is None else threshold
    return finder.Query(t, min_size, limit, searched_folders(backend, library, folder), *days, sort)


def searched_folders(backend: Backend, library: Library, folder: str | None) -> list[str] | None:
    """The indexed folders a find looks in: the one named, or every one under the root; None (no
    filter, which costs Weaviate time in a large library) when that is every indexed folder."""
    root = backend.settings.library_root
    indexed = records.folder_stats(library)
    if folder is None:
        under_root = [key for key in indexed if folder_name(root, key) is not None]
        return None if len(under_root) == len(indexed) else under_root
    key = folder_key(resolve_folder(root, folder))
    if key not in indexed:
        raise NotFound(f"The folder '{folder}' is not indexed yet.")
    return [key]


@router.get("")
def status(backend: BackendDep, library: LibraryReadDep) -> LibraryOut:
    """The library root, its folders (indexed or not, watched or not, with the changes waiting), the indexing job,
    the folder watcher's job and whether the watcher runs."""
    root = backend.settings.library_root
    stats = {folder_name(root, k): v for k, v in records.folder_stats(library).items()}
    skipped = [(folder_name(root, p.folder), p) for p in records.skipped_photos(library)]
    heard = watcher_out(backend)
    waiting = {folder_name(root, k): w.changes for k, w in backend.jobs.waiting().items()}
    folders = []
    for name in sorted({*(p.name for p in subfolders(root)), *(n for n in stats if n is not None)}):
        st, changes = stats.get(name), waiting.get(name)
        folders.append(FolderOut(
            folder=name, indexed=st is not None, photos=st.photos if st else 0, faces=st.faces if st else 0,
            last_indexed=st.last_indexed if st else None,
            skipped=[SkippedPhotoOut(path=p.path, reason=p.skip_reason) for n, p in skipped if n == name],
            watched=heard.watching and st is not None, pending=changes.count if changes else 0,
            pending_whole=bool(changes and changes.whole),
        ))
    job, changes_job = backend.jobs.job, backend.jobs.changes_job
    return LibraryOut(
        root=str(root), folders=folders, job=JobOut.of(job) if job else None,
        changes_job=JobOut.of(changes_job) if changes_job else None,
        watcher=heard,
    )


def watcher_out(backend: Backend) -> WatcherOut:
    """The folder watcher as the API last heard from it."""
    now = backend.jobs.watcher()
    return WatcherOut(enabled=backend.settings.watch, running=now.running, last_seen=now.last_seen, state=now.state,
                      watching=now.watching, note=now.note or None, start_id=backend.jobs.start_id)


@router.post("/index", status_code=202)
def index(body: IndexIn, backend: BackendDep, library: LibraryDep) -> JobOut:
    """Index a folder under the library root in the background; progress in GET /api/library."""
    folder = resolve_folder(backend.settings.library_root, body.folder)
    job = backend.jobs.index(folder_name(backend.settings.library_root, str(folder)) or body.folder, folder, library, backend.tagger())
    return JobOut.of(job)


@router.delete("/folders/{folder:path}", status_code=204)
def forget(folder: str, backend: BackendDep, library: LibraryDep) -> Response:
    """Forget an indexed folder: its faces leave Weaviate, the files stay; between the library's jobs (a job of
    that folder stops), so nothing of it comes back. 202 when another folder's job under way keeps it waiting."""
    key = folder_key(resolve_folder(backend.settings.library_root, folder))
    if backend.jobs.forget(key, lambda: records.forget_folder(library, key)) is None:
        return JSONResponse({"note": f"The folder '{folder}' is forgotten once the job under way ends."}, 202)
    return Response(status_code=204)


@router.post("/changes", status_code=202)
def changes(body: ChangesIn, backend: BackendDep, library: LibraryDep) -> ChangesOut:
    """The folder watcher's report of what changed under the library root: each indexed folder it touches is
    indexed again, for those paths only, behind the work under way (facesearch.library.changes and .jobs)."""
    root, start_id = backend.settings.library_root, backend.jobs.start_id
    backend.jobs.watcher_seen(body.state, body.note)
    if not (body.files or body.folders):
        return ChangesOut(folders=[], start_id=start_id)
    indexed = [key for key in records.indexed_folders(library) if folder_name(root, key) is not None]
    work, skipped = per_folder(root, indexed, body.files, body.folders)
    tagger = backend.tagger()
    for key, folder_changes in sorted(work.items()):
        backend.jobs.changes(folder_name(root, key) or key, Path(key), folder_changes, library, tagger)
    return ChangesOut(folders=sorted(folder_name(root, key) or key for key in work), skipped=skipped, start_id=start_id)


@router.get("/watcher")
def watcher(backend: BackendDep) -> WatcherOut:
    """Whether the folder watcher runs (it reported in the last 30 s): its readiness check, open like /api/ready;
    503 `not_ready` when it is on (FACESEARCH_WATCH) and has not reported."""
    out = watcher_out(backend)
    if backend.settings.watch and not out.running:
        last = f" Its last word: {out.note}" if out.note else ""
        raise NotReady("The folder watcher has not reported lately: changes in the library folders wait for an "
                       f"indexing until it runs again.{last}")
    return out


@router.post("/find")
def find_by_photo(
    backend: BackendDep,
    people: PeopleReadDep,
    library: LibraryReadDep,
    photo: UploadFile = File(...),
    threshold: float | None = Query(default=None, ge=0.0, le=1.0),
    min_size: int = Query(default=0, ge=0, le=100_000),
    limit: int | None = Query(default=None, ge=1, le=100_000),
    face: int | None = Query(default=None, ge=1, le=1000),
    folder: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: Sort = "match",
) -> FindOut:
    """Every library photo in which the photo's face appears, best first (or by date), taken in the days asked."""
    s = backend.settings
    query = find_query(backend, library, threshold, min_size, limit, folder, since, until, sort)
    data = read_upload(photo, s.max_upload_mb)
    with backend.decoding(data):
        chosen = finder.query_face(backend.models, data, min_size, face)
    found = finder.find_face(library, chosen, query)
    names = enrolled.names_of(people, (m.face.person_id for m in found.matches))
    return FindOut(
        width=found.width, height=found.height, query=found.query, note=found.note, threshold=query.threshold,
        faces=[QueryFaceOut(index=i, box=BoxOut(**b.to_json())) for i, b in enumerate(found.faces, start=1)],
        matches=[match_out(m, backend, names) for m in found.matches],
    )


@router.get("/find")
def find_by_person(
    backend: BackendDep,
    people: PeopleReadDep,
    library: LibraryReadDep,
    person: str,
    threshold: float | None = Query(default=None, ge=0.0, le=1.0),
    min_size: int = Query(default=0, ge=0, le=100_000),
    limit: int | None = Query(default=None, ge=1, le=100_000),
    folder: str | None = None,
    since: str | None = None,
    until: str | None = None,
    sort: Sort = "match",
) -> PersonFindOut:
    """Every library photo in which an enrolled person appears, searched with all their photos."""
    query = find_query(backend, library, threshold, min_size, limit, folder, since, until, sort)
    matches = finder.find_by_person(people, library, person, query)
    names = enrolled.names_of(people, [person, *(m.face.person_id for m in matches)])
    return PersonFindOut(
        person=PersonRefOut(id=person, name=names.get(person, person)), threshold=query.threshold,
        matches=[match_out(m, backend, names) for m in matches],
    )


def served_photo(backend: Backend, library: Library, photo_id: str) -> StoredPhoto:
    """An indexed photo under the library root, by id; NotFound otherwise."""
    try:
        photo = records.get_photo(library, str(uuid.UUID(photo_id)))
    except ValueError:
        photo = None
    if photo is None or folder_name(backend.settings.library_root, photo.folder) is None:
        raise NotFound(f"There is no library photo '{photo_id}'.")
    return photo


@router.get("/photos/{photo_id}")
def photo(photo_id: str, backend: BackendDep, people: PeopleReadDep, library: LibraryReadDep) -> LibraryPhotoOut:
    """A library photo and every face in it, with the person each is known as."""
    p = served_photo(backend, library, photo_id)
    in_photo = records.faces_of_photos(library, [p.id])
    names = enrolled.names_of(people, (f.person_id for f in in_photo))
    faces = [
        LibraryFaceOut(face_id=f.id, box=BoxOut(**f.box.to_json()), person_id=f.person_id or None,
                       name=names.get(f.person_id) if f.person_id else None)
        for f in in_photo
    ]
    return LibraryPhotoOut(
        photo_id=p.id, folder=folder_name(backend.settings.library_root, p.folder) or "", path=p.path,
        width=p.width, height=p.height, image_url=f"/api/library/photos/{p.id}/image", faces=faces,
        **taken_out(p.taken),
    )


@router.get("/photos/{photo_id}/image")
def photo_image(
    photo_id: str, backend: BackendDep, library: LibraryReadDep, size: int = Query(default=MAX_IMAGE_SIDE, ge=16, le=MAX_IMAGE_SIDE)
) -> Response:
    """The photo as a JPEG, EXIF orientation applied, its longer side at most `size` pixels. A JPEG is decoded
    at a reduced size where that is enough (a 12 MP photo at 1/4 for the page's 1024 px); the file is one the
    library indexed, under the library root, so this is not an upload and does not take a place in the gate."""
    file = photo_file(backend.settings.library_root, served_photo(backend, library, photo_id))
    view, _ = Photo(file.read_bytes()).at_least(size)
    image, _ = resize_long_side(view, size)
    return Response(content=encode_jpeg(image, quality=85), media_type="image/jpeg", headers={"Cache-Control": "max-age=60"})
