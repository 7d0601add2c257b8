"""Changing who is enrolled from the API: the change goes to `images/` first, then to Weaviate.

Disk stays the truth, so a later `import` keeps what the page enrolled and removed.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from pathlib import Path

from facesearch.errors import BadRequest, Conflict, NoFace, NotFound
from facesearch.face.image import EXTENSIONS
from facesearch.face.models import FaceModels
from facesearch.people.scan import INVISIBLE, inside, read_name, scan_person
from facesearch.people.sync import ImportReport, import_people
from facesearch.store import people as store
from facesearch.store.people import People

MAX_NAME = 100
"""Characters in a display name, and at most in a person id (which also keeps to `MAX_ID_BYTES`)."""
MAX_ID_BYTES = 200
"""UTF-8 bytes in a person id: a folder name, which file systems keep to 255."""
SEPARATORS = re.compile(r"[_.\-]+")
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


def checked_name(name: str) -> str:
    """A display name as sent, NFC and trimmed, if it is one: 1 to 100 characters, at least one letter or digit (of
    any script), no control, bidi-override or zero-width character (a line break would split name.txt, an override
    would show another name than the one stored); else BadRequest."""
    name = unicodedata.normalize("NFC", name).strip()
    if not 1 <= len(name) <= MAX_NAME:
        raise BadRequest(f"The name must be 1 to {MAX_NAME} characters long.")
    hidden = next((c for c in name if unicodedata.category(c) in INVISIBLE), None)
    if hidden is not None:
        raise BadRequest(
            "The name cannot hold control characters, line breaks or invisible formatting characters (such as "
            f"right-to-left overrides and zero-width spaces); it has U+{ord(hidden):04X}."
        )
    if not any(_word(c) for c in name):
        raise BadRequest("The name needs at least one letter or digit.")
    return name


def _word(c: str) -> bool:
    """A letter, a mark on one (a vowel sign, an accent) or a digit, in any script."""
    return unicodedata.category(c)[0] in "LMN"


def person_id_for(name: str) -> str:
    """A folder name for a display name: its letters and digits (NFC, any script), the rest as single `_`:
    'Ada Lovelace' -> 'Ada_Lovelace', 'محمد علي' -> 'محمد_علي'; at most 100 characters and 200 bytes."""
    slug = "_".join("".join(c if _word(c) else " " for c in unicodedata.normalize("NFC", name)).split())
    while slug and (slug[0] == "_" or unicodedata.category(slug[0])[0] == "M"):
        slug = slug[1:]  # an id starts with a letter or digit, not a mark left without its letter
    slug = slug[:MAX_NAME]
    while len(slug.encode()) > MAX_ID_BYTES:
        slug = slug[:-1]
    if not slug.rstrip("_"):
        raise BadRequest("The name needs at least one letter or digit.")
    return slug.rstrip("_")


def valid_person_id(person_id: str) -> bool:
    """A person id is a safe folder name: a letter or digit first (any script), then letters, marks, digits, `_`,
    `.` and `-`; at most 100 characters. So never `.`, `..`, a hidden name, a separator or NUL."""
    return (
        0 < len(person_id) <= MAX_NAME and len(person_id.encode()) <= 255
        and unicodedata.category(person_id[0])[0] in "LN"
        and all(_word(c) or c in "_.-" for c in person_id)
    )


def person_key(person_id: str) -> str:
    """What makes two ids the same person: compared without case, compatibility forms (full-width letters) and the
    kind or number of separators. 'Ted_Lieu', 'ted-lieu' and 'ＴＥＤ.ＬＩＥＵ' are one person."""
    return SEPARATORS.sub("_", unicodedata.normalize("NFKC", person_id).casefold()).strip("_")


def same_person(images_dir: Path, person_id: str) -> Path | None:
    """The entry of `images_dir` (a person's folder, or anything in the way) that is the person `person_id`, if any."""
    if not images_dir.is_dir():
        return None
    key = person_key(person_id)
    entries = sorted(p for p in images_dir.iterdir() if not p.name.startswith("."))
    return next((p for p in entries if person_key(p.name) == key), None)


def person_folder(images_dir: Path, person_id: str) -> Path:
    """The folder of an existing person; NotFound for unknown or unsafe ids, and for a folder that is a link
    leaving `images_dir` (the API never reads or writes through one)."""
    folder = images_dir / person_id
    if not valid_person_id(person_id) or not folder.is_dir() or not inside(folder, images_dir):
        raise NotFound(f"There is no person '{person_id}'.")
    return folder


def add_photos(models: FaceModels, people: People, folder: Path, photos: list[tuple[str | None, bytes]]) -> ImportReport:
    """Write the photos into the person's folder and import them with `models` (the API's, built once);
    uploads without a usable face are not kept."""
    written = set()
    for filename, data in photos:
        written.add(path := free_filename(folder, filename))
        write_new(path, data)
    report = import_people(people, [scan_person(folder)], only={folder.name}, models=models)
    for path, _ in report.skipped:
        if path in written:  # only the uploads: a link or a photo the user put there stays
            path.unlink(missing_ok=True)
    return report


def enroll(
    models: FaceModels, people: People, images_dir: Path, name: str, photos: list[tuple[str | None, bytes]]
) -> ImportReport:
    """A new person from a name and photos; nothing is kept when no photo gives a face. A name whose id is an
    enrolled person's but for case and separators ('ted lieu' beside 'Ted_Lieu') is that person: Conflict."""
    name = checked_name(name)
    folder = images_dir / person_id_for(name)
    existing = same_person(images_dir, folder.name)
    if existing is not None:
        shown = read_name(existing, images_dir)[0] if existing.is_dir() else existing.name
        raise Conflict(f"There is already a person '{shown}' ({existing.name}); add photos to them instead, "
                       "or use another name.")
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
