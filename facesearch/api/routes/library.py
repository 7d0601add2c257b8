"""The photo library: index folders under the library root, find a face in them, serve their photos by id."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, File, Query, Response, UploadFile

from facesearch.api.backend import Backend, BackendDep, LibraryDep, LibraryReadDep, PeopleReadDep
from facesearch.api.schemas import (
    BoxOut, FindOut, FolderOut, IndexIn, JobOut, LibraryFaceOut, LibraryMatchOut, LibraryOut, LibraryPhotoOut,
    PersonFindOut, PersonRefOut, QueryFaceOut, SkippedPhotoOut,
)
from facesearch.api.uploads import read_upload
from facesearch.errors import NotFound
from facesearch.face.image import encode_jpeg, load_image, resize_long_side
from facesearch.library import find as finder
from facesearch.library.index import folder_key
from facesearch.library.root import folder_name, photo_file, resolve_folder
from facesearch.library.scan import subfolders
from facesearch.store import library as records
from facesearch.store import people as enrolled
from facesearch.store.library import Library, StoredPhoto

router = APIRouter(prefix="/api/library", tags=["library"])

MAX_IMAGE_SIDE = 4096
"""Pixels: the longest side a library photo is served at."""


def match_out(m: finder.Match, backend: Backend, people: dict[str, str]) -> LibraryMatchOut:
    f = m.face
    return LibraryMatchOut(
        photo_id=f.photo_id, folder=folder_name(backend.settings.library_root, f.folder) or "", path=f.path,
        similarity=round(m.similarity, 4), box=BoxOut(**f.box.to_json()), person_id=f.person_id or None,
        name=people.get(f.person_id) if f.person_id else None, width=f.photo_width, height=f.photo_height,
        image_url=f"/api/library/photos/{f.photo_id}/image",
    )


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
    """The library root, its folders (indexed or not) and the indexing job."""
    root = backend.settings.library_root
    stats = {folder_name(root, k): v for k, v in records.folder_stats(library).items()}
    skipped = [(folder_name(root, p.folder), p) for p in records.skipped_photos(library)]
    folders = []
    for name in sorted({*(p.name for p in subfolders(root)), *(n for n in stats if n is not None)}):
        st = stats.get(name)
        folders.append(FolderOut(
            folder=name, indexed=st is not None, photos=st.photos if st else 0, faces=st.faces if st else 0,
            last_indexed=st.last_indexed if st else None,
            skipped=[SkippedPhotoOut(path=p.path, reason=p.skip_reason) for n, p in skipped if n == name],
        ))
    job = backend.jobs.job
    return LibraryOut(root=str(root), folders=folders, job=JobOut.of(job) if job else None)


@router.post("/index", status_code=202)
def index(body: IndexIn, backend: BackendDep, library: LibraryDep) -> JobOut:
    """Index a folder under the library root in the background; progress in GET /api/library."""
    folder = resolve_folder(backend.settings.library_root, body.folder)
    job = backend.jobs.index(folder_name(backend.settings.library_root, str(folder)) or body.folder, folder, library, backend.tagger())
    return JobOut.of(job)


@router.delete("/folders/{folder:path}", status_code=204)
def forget(folder: str, backend: BackendDep, library: LibraryDep) -> Response:
    """Forget an indexed folder: its faces leave Weaviate, the files stay."""
    path = resolve_folder(backend.settings.library_root, folder)
    with backend.write_lock:
        records.forget_folder(library, folder_key(path))
    return Response(status_code=204)


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
) -> FindOut:
    """Every library photo in which the photo's face appears, best first."""
    s = backend.settings
    data = read_upload(photo, s.max_upload_mb)
    t = backend.decision.library_threshold if threshold is None else threshold
    query = finder.Query(t, min_size, limit, searched_folders(backend, library, folder))
    with backend.decoding(data):
        chosen = finder.query_face(backend.models, data, min_size, face)
    found = finder.find_face(library, chosen, query)
    names = enrolled.names_of(people, (m.face.person_id for m in found.matches))
    return FindOut(
        width=found.width, height=found.height, query=found.query, note=found.note, threshold=t,
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
) -> PersonFindOut:
    """Every library photo in which an enrolled person appears, searched with all their photos."""
    t = backend.decision.library_threshold if threshold is None else threshold
    query = finder.Query(t, min_size, limit, searched_folders(backend, library, folder))
    matches = finder.find_by_person(people, library, person, query)
    names = enrolled.names_of(people, [person, *(m.face.person_id for m in matches)])
    return PersonFindOut(
        person=PersonRefOut(id=person, name=names.get(person, person)), threshold=t,
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
    )


@router.get("/photos/{photo_id}/image")
def photo_image(
    photo_id: str, backend: BackendDep, library: LibraryReadDep, size: int = Query(default=MAX_IMAGE_SIDE, ge=16, le=MAX_IMAGE_SIDE)
) -> Response:
    """The photo as a JPEG, EXIF orientation applied, its longer side at most `size` pixels."""
    file = photo_file(backend.settings.library_root, served_photo(backend, library, photo_id))
    image, _ = resize_long_side(load_image(file.read_bytes()), size)
    return Response(content=encode_jpeg(image, quality=85), media_type="image/jpeg", headers={"Cache-Control": "max-age=60"})
