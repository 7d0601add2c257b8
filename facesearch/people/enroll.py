"""Changing who is enrolled from the API: the change goes to `images/` first, then to Weaviate.

Disk stays the truth, so a later `import` keeps what the page enrolled and removed.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from facesearch.errors import BadRequest, Conflict, NoFace, NotFound
from facesearch.face.image import EXTENSIONS
from facesearch.face.models import FaceModels
from facesearch.people.scan import scan_person
from facesearch.people.sync import ImportReport, import_people
from facesearch.store import people as store
from facesearch.store.people import People

PERSON_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def free_filename(folder: Path, filename: str | None) -> Path:
    """A path in `folder` for an uploaded photo that is not taken yet: a safe version of its name, at most
    100 characters before an extension facesearch reads (.jpg unless it has one), so the importer sees it."""
    name = SAFE_NAME.sub("_", Path(filename or "photo.jpg").name).strip("._-") or "photo.jpg"
    stem, suffix = Path(name).stem[:100], Path(name).suffix.lower()
    suffix = suffix if suffix in EXTENSIONS else ".jpg"
    candidate, n = folder / f"{stem}{suffix}", 2
    while candidate.exists() or candidate.is_symlink():  # a dangling link is taken too
        candidate, n = folder / f"{stem}-{n}{suffix}", n + 1
    return candidate


def write_new(path: Path, data: bytes) -> None:
    """Create the file `path` holding `data`: never through a link, never over an existing file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def person_id_for(name: str) -> str:
    """A folder name for a display name: 'Ada Lovelace' -> 'Ada_Lovelace'."""
    slug = re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_")
    if not slug:
        raise BadRequest("The name needs at least one letter or digit.")
    return slug[:100]


def person_folder(images_dir: Path, person_id: str) -> Path:
    """The folder of an existing person; NotFound for unknown or unsafe ids."""
    folder = images_dir / person_id
    if not PERSON_ID.match(person_id) or not folder.is_dir():
        raise NotFound(f"There is no person '{person_id}'.")
    return folder


def add_photos(models: FaceModels, people: People, folder: Path, photos: list[tuple[str | None, bytes]]) -> ImportReport:
    """Write the photos into the person's folder and import them with `models` (the API's, built once);
    photos without a usable face are not kept."""
    for filename, data in photos:
        write_new(free_filename(folder, filename), data)
    report = import_people(people, [scan_person(folder)], only={folder.name}, models=models)
    for path, _ in report.skipped:
        path.unlink(missing_ok=True)
    return report


def enroll(
    models: FaceModels, people: People, images_dir: Path, name: str, photos: list[tuple[str | None, bytes]]
) -> ImportReport:
    """A new person from a name and photos; nothing is kept when no photo gives a face."""
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise BadRequest("The name must be 1 to 100 characters long.")
    folder = images_dir / person_id_for(name)
    if folder.exists():
        raise Conflict(f"A person '{folder.name}' is already enrolled; add photos to them instead.")
    folder.mkdir(parents=True)
    (folder / "name.txt").write_text(name + "\n", encoding="utf-8")
    report = add_photos(models, people, folder, photos)
    if not report.imported:
        shutil.rmtree(folder)
        raise NoFace(report.skipped[0][1] if report.skipped else "No photo could be enrolled.")
    return report


def remove_photo(people: People, folder: Path, face_id: str) -> None:
    """Delete one photo from disk and Weaviate; the person goes with their last photo."""
    face = next((f for f in store.faces_of(people, folder.name) if f.id == face_id), None)
    if face is None:
        raise NotFound(f"{folder.name} has no photo '{face_id}'.")
    (folder / face.filename).unlink(missing_ok=True)
    store.remove_faces(people, [face.id])
    if not scan_person(folder).photos:
        shutil.rmtree(folder)


def remove_person(people: People, folder: Path) -> None:
    """Delete the person's folder and every face of theirs."""
    shutil.rmtree(folder)
    store.remove_faces(people, [f.id for f in store.faces_of(people, folder.name)])
