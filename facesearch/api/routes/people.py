from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import APIRouter, File, Form, Response, UploadFile

from facesearch.api.backend import Backend, BackendDep, LibraryReadDep, PeopleDep, PeopleReadDep
from facesearch.api.schemas import EnrollOut, PeopleOut, PersonOut, SkippedOut, people_of
from facesearch.api.uploads import decode_all, read_upload
from facesearch.errors import NotFound
from facesearch.people import enroll
from facesearch.people.sync import ImportReport
from facesearch.store import people as enrolled
from facesearch.store.library import photos_per_person
from facesearch.store.people import People

router = APIRouter(prefix="/api/people", tags=["people"])


def read_all(backend: Backend, photos: list[UploadFile]) -> list[tuple[str | None, bytes]]:
    """Every upload checked (size, type, pixels: its header) before anything is written."""
    return [(p.filename, read_upload(p, backend.settings.max_upload_mb)) for p in photos]


@contextmanager
def decoding(backend: Backend, uploads: list[tuple[str | None, bytes]]) -> Iterator[None]:
    """A place in the API's gate for enrolling these uploads (decoded here, then again with their faces found by
    the import), every one of them decoded before anything is written."""
    photos = [data for _, data in uploads]
    with backend.decoding(*photos):
        decode_all(photos)
        yield


def answer(people_: People, person_id: str, report: ImportReport) -> EnrollOut:
    people = people_of(enrolled.faces_of(people_, person_id))
    person = people[0] if people else PersonOut(id=person_id, name=person_id, photo_count=0, photos=[])
    return EnrollOut(
        person=person,
        imported=[p.name for p in report.imported],
        skipped=[SkippedOut(filename=p.name, reason=r) for p, r in report.skipped],
    )


@router.get("")
def list_people(people: PeopleReadDep, library: LibraryReadDep) -> PeopleOut:
    """Everyone enrolled, by name, with in how many library photos each is known."""
    counts = photos_per_person(library)
    return PeopleOut(people=people_of(list(enrolled.all_faces(people)), counts))


@router.post("", status_code=201)
def create_person(
    backend: BackendDep, people: PeopleDep, name: str = Form(...), photos: list[UploadFile] = File(...)
) -> EnrollOut:
    """Enroll a new person from a name and photos."""
    uploads = read_all(backend, photos)
    with decoding(backend, uploads), backend.write_lock:
        report = enroll.enroll(backend.models, people, backend.settings.images_dir, name, uploads)
    backend.people_changed()
    return answer(people, enroll.person_id_for(name), report)


@router.post("/{person_id}/photos")
def add_photos(
    person_id: str, backend: BackendDep, people: PeopleDep, photos: list[UploadFile] = File(...)
) -> EnrollOut:
    """Add photos to a person."""
    folder = enroll.person_folder(backend.settings.images_dir, person_id)
    uploads = read_all(backend, photos)
    with decoding(backend, uploads), backend.write_lock:
        report = enroll.add_photos(backend.models, people, folder, uploads)
    backend.people_changed()
    return answer(people, person_id, report)


@router.delete("/{person_id}/photos/{photo_id}", status_code=204)
def remove_photo(person_id: str, photo_id: str, backend: BackendDep, people: PeopleDep) -> Response:
    """Remove one photo (and the person with their last one)."""
    with backend.write_lock:
        enroll.remove_photo(people, enroll.person_folder(backend.settings.images_dir, person_id), photo_id)
    backend.people_changed()
    return Response(status_code=204)


@router.delete("/{person_id}", status_code=204)
def remove_person(person_id: str, backend: BackendDep, people: PeopleDep) -> Response:
    """Remove a person and all their photos."""
    with backend.write_lock:
        enroll.remove_person(people, enroll.person_folder(backend.settings.images_dir, person_id))
    backend.people_changed()
    return Response(status_code=204)


photos_router = APIRouter(prefix="/api/photos", tags=["photos"])


@photos_router.get("/{photo_id}")
def photo(photo_id: str, people: PeopleReadDep) -> Response:
    """The enrolled face's JPEG crop."""
    try:
        data = enrolled.face_image(people, str(uuid.UUID(photo_id)))
    except ValueError:
        data = None
    if data is None:
        raise NotFound(f"There is no photo '{photo_id}'.")
    return Response(content=data, media_type="image/jpeg", headers={"Cache-Control": "max-age=60"})
