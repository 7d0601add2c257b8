"""Indexing a folder: make its LibraryFace and LibraryPhoto objects match the photos on disk.

New and changed photos are read and every face in them is stored (Weaviate vectorizes each crop);
moved or renamed photos keep their faces and vectors under the new path; removed photos lose theirs;
photos whose size and modification time are as indexed are not read at all. Each photo and each of its faces
records when it was taken (`store.library.Taken`): its EXIF time, else its file's; a moved or touched photo
keeps its own. `index_paths` does the same for the paths the folder watcher reports, without scanning the rest
of the folder; both apply their plan with `apply_plan`.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

from facesearch.errors import FaceSearchError
from facesearch.face.box import Box
from facesearch.face.image import encode_jpeg
from facesearch.face.models import THOROUGH, FaceModels
from facesearch.face.photo import Photo
from facesearch.face.workers import map_photos
from facesearch.library.scan import (
    DiskPhoto, FolderPlan, Links, photo_at, plan_folder, scan_folder, sha256_if_there,
)
from facesearch.library.tag import Tagger
from facesearch.store import library as records
from facesearch.store.library import CAMERA, FILE, Library, StoredPhoto, Taken
from facesearch.store.writes import NewObject

OnPhoto = Callable[[str, int, int], None]
"""on_photo(path, done, total), after each photo that had to be read."""


@dataclass(frozen=True)
class Detected:
    """Every face of one photo: boxes in pixels of the EXIF-oriented photo, left to right, with JPEG crops; and
    when it was taken (None: not known yet, see `dated`)."""

    width: int = 0
    height: int = 0
    faces: tuple[tuple[Box, bytes], ...] = ()
    skip_reason: str = ""
    taken: Taken | None = None


def detect_faces(models: FaceModels, file: Path) -> Detected:
    """Read a photo and crop every face in it at least `models.min_face_px` wide; runs in worker processes
    (facesearch.face.workers)."""
    try:
        photo = Photo(file.read_bytes())
        faces = [f for f in models.find(photo, THOROUGH) if f.box.width >= models.min_face_px]
        crops = tuple((f.box, encode_jpeg(models.crop(photo.full(), f))) for f in faces)
    except FaceSearchError as e:
        return Detected(skip_reason=e.message)
    except OSError as e:
        return Detected(skip_reason=f"The file could not be read ({e.strerror or e}).")
    return Detected(photo.width, photo.height, crops, taken=camera_time(photo.taken_at))


def camera_time(taken_at: datetime | None) -> Taken | None:
    """The EXIF time of a photo (`Photo.taken_at`) as stored: the camera's wall clock, and its offset if known."""
    if taken_at is None:
        return None
    offset, wall = taken_at.utcoffset(), taken_at.replace(tzinfo=None, microsecond=0)
    if not records.storable(wall):
        return None
    return Taken(wall, CAMERA, "" if offset is None else offset_text(offset))


def offset_text(offset: timedelta) -> str:
    """An offset from UTC as EXIF writes it: "+02:00", "-05:30"."""
    minutes = int(offset.total_seconds()) // 60
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def dated(photo: DiskPhoto, found: Detected) -> Detected:
    """What was found in a photo, with its file's modification time (this machine's wall clock) as when it was
    taken unless its EXIF block said (none when that time is out of reach too: `store.library.EARLIEST`)."""
    if found.taken is not None:
        return found
    try:
        file_time = datetime.fromtimestamp(photo.mtime_ns // 1_000_000_000)
    except (OverflowError, OSError, ValueError):  # a time no clock of this machine can show
        return found
    return replace(found, taken=Taken(file_time, FILE)) if records.storable(file_time) else found


@dataclass
class IndexReport:
    """What indexing a folder did. Paths are relative to the folder; reasons are sentences."""

    folder: str
    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    moved: list[tuple[str, str]] = field(default_factory=list)
    """(old path, new path)"""
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    faces: int = 0
    """Faces stored for the new and changed photos."""

    @property
    def photos(self) -> int:
        """Photos in the folder now, skipped ones included."""
        return len(self.new) + len(self.changed) + len(self.moved) + self.unchanged

    def summary(self) -> str:
        return (
            f"new {len(self.new)}, changed {len(self.changed)}, moved {len(self.moved)}, removed {len(self.removed)}, "
            f"unchanged {self.unchanged}, skipped {len(self.skipped)}; {self.faces} faces added"
        )


def folder_key(folder: Path) -> str:
    """How a folder is named in Weaviate: its absolute path, links resolved."""
    return str(folder.resolve())


def photo_record(
    folder: str, photo: DiskPhoto, sha256: str, found: Detected, faces: int, indexed_at: datetime | None = None
) -> NewObject:
    """The LibraryPhoto object of a photo; `indexed_at` is now unless given (a moved photo keeps its own); without
    `found.taken` (a photo indexed before dates were kept), no date."""
    properties = {
        "folder": folder, "path": photo.path, "sha256": sha256, "size": photo.size, "mtime_ns": str(photo.mtime_ns),
        "width": found.width, "height": found.height, "faces": faces, "skip_reason": found.skip_reason,
        "indexed_at": indexed_at or datetime.now(timezone.utc),
        **(found.taken.photo_properties() if found.taken else {}),
    }
    return NewObject(records.photo_id(folder, photo.path), properties)


def face_objects(folder: str, photo: DiskPhoto, found: Detected) -> Iterator[NewObject]:
    """The LibraryFace objects of a photo's faces (boxes and sizes in pixels of the EXIF-oriented photo), each with
    when the photo was taken, so that a find filters by date."""
    pid = records.photo_id(folder, photo.path)
    taken = found.taken.face_properties() if found.taken else {}
    for index, (box, crop) in enumerate(found.faces, start=1):
        properties = {
            "folder": folder, "path": photo.path, "photo_id": pid, "person_id": "",
            "box": [box.left, box.top, box.right, box.bottom], "face_width": box.width,
            "photo_width": found.width, "photo_height": found.height, "image": base64.b64encode(crop).decode(), **taken,
        }
        yield NewObject(records.face_id(folder, photo.path, index), properties)


@dataclass
class _Written:
    """Per photo read: what was found, and which of its faces Weaviate stored."""

    found: dict[str, Detected] = field(default_factory=dict)
    face_ids: dict[str, list[str]] = field(default_factory=dict)


def write_new_faces(
    library: Library, folder: str, photos: list[DiskPhoto], detections: Iterable[Detected], on_photo: OnPhoto | None
) -> _Written:
    """Store the faces of the photos that had to be read, while the next ones are still being read."""
    written = _Written()

    def objects() -> Iterator[NewObject]:
        for n, (photo, found) in enumerate(zip(photos, detections), start=1):
            written.found[photo.path] = found = dated(photo, found)
            faces = list(face_objects(folder, photo, found))
            written.face_ids[photo.path] = [f.id for f in faces]
            yield from faces
            if on_photo:
                on_photo(photo.path, n, len(photos))

    refused = records.write_faces(library, objects())
    # A face the vectorizer refuses (it finds no face in the crop) is not stored: the photo goes without it.
    for path, ids in written.face_ids.items():
        written.face_ids[path] = [i for i in ids if i not in refused]
    return written


def move_photos(library: Library, folder: str, moves: list[tuple[DiskPhoto, StoredPhoto]]) -> None:
    """Keep the faces (crops, vectors, tags, dates) of photos that only changed path."""
    for photo, old in moves:
        new_id = records.photo_id(folder, photo.path)
        faces = [
            NewObject(records.face_id(folder, photo.path, n), {**properties, "path": photo.path, "photo_id": new_id}, vector)
            for n, (properties, vector) in enumerate(records.face_objects_of(library, old.id), start=1)
        ]
        records.write_faces(library, faces)
        records.delete_photos(library, [old.id])
        record = photo_record(folder, photo, old.sha256, _as_detected(old), len(faces), old.indexed_at)
        records.write_photos(library, [record])


def index_folder(
    library: Library,
    folder: Path,
    *,
    tagger: Tagger | None = None,
    workers: int = 1,
    detector: str = "yunet",
    models: FaceModels | None = None,
    on_photo: OnPhoto | None = None,
    links: Links | None = None,
) -> IndexReport:
    """Index `folder` (recursively): only what changed since the last time costs work.

    Faces are found in `workers` processes, or here with `models` when given and `workers` is 1.
    New faces are tagged with the enrolled people by `tagger`. Links are followed as `links` says
    (`library.root.links_for`; by default only those to files inside `folder`); a link not followed is
    recorded as skipped, with its reason, and never opened.
    """
    key = folder_key(folder)
    stored = list(records.photos_in(library, key))
    plan = plan_folder(scan_folder(folder, links), stored)
    return apply_plan(library, key, plan, tagger=tagger, workers=workers, detector=detector, models=models,
                      on_photo=on_photo)


def index_paths(
    library: Library,
    folder: Path,
    paths: Iterable[str],
    *,
    tagger: Tagger | None = None,
    workers: int = 1,
    detector: str = "yunet",
    models: FaceModels | None = None,
    on_photo: OnPhoto | None = None,
    links: Links,
) -> IndexReport:
    """Index only these paths of `folder` (relative to it, `/` between parts), what the folder watcher saw change,
    without scanning the rest of the folder.

    The photos now at those paths (`scan.photo_at`: as a scan of the folder would list them) and the records stored
    for those paths are planned as `index_folder` plans a whole folder and the plan is applied the same way
    (`apply_plan`): so a photo moved from one of the paths to another (the old one gone, the new one new, the same
    content) keeps its faces and vectors, and one whose size and time are as indexed is not read. A file gone
    while it is looked at is planned as unreadable, and its removal, reported next, removes it. The report's
    `unchanged` and `photos` count these paths only.
    """
    key = folder_key(folder)
    wanted = sorted(set(paths))
    disk = [photo for photo in (photo_at(folder, path, links) for path in wanted) if photo]
    plan = plan_folder(disk, records.photos_at(library, key, wanted), hash_of=sha256_if_there)
    return apply_plan(library, key, plan, tagger=tagger, workers=workers, detector=detector, models=models,
                      on_photo=on_photo)


def apply_plan(
    library: Library,
    key: str,
    plan: FolderPlan,
    *,
    tagger: Tagger | None = None,
    workers: int = 1,
    detector: str = "yunet",
    models: FaceModels | None = None,
    on_photo: OnPhoto | None = None,
) -> IndexReport:
    """Make the records of the indexed folder `key` what `plan` says: the one way indexing changes Weaviate, for
    a whole folder (`index_folder`) and for the paths the folder watcher reports (`index_paths`). The folder is
    marked as indexed first and stays so: the mark is dropped at the end only if it holds photos
    (`store.library.FOLDER_MARK`), so a folder indexed empty, or emptied, is still followed."""
    records.mark_folder(library, key)
    report = IndexReport(key, unchanged=len(plan.keep) + len(plan.touch))
    records.delete_photos(library, [records.photo_id(key, p.path) for p in plan.change])
    todo, found = _find_faces(plan, workers, detector, models)
    written = write_new_faces(library, key, todo, found, on_photo)
    photo_records = [
        photo_record(key, p, plan.sha256[p.path], written.found[p.path], len(written.face_ids[p.path])) for p in todo
    ]
    photo_records += [photo_record(key, p, plan.sha256[p.path], _as_detected(old), old.faces) for p, old in plan.touch]
    records.write_photos(library, photo_records)
    move_photos(library, key, plan.move)
    records.delete_photos(library, [r.id for r in plan.remove])
    if tagger:
        tagger.tag(library, [i for ids in written.face_ids.values() for i in ids])
    records.unmark_if_held(library, key)
    return _report(report, plan, written)


def _find_faces(
    plan: FolderPlan, workers: int, detector: str, models: FaceModels | None
) -> tuple[list[DiskPhoto], Iterator[Detected]]:
    """The new and changed photos, and what is found in each as it comes: those skipped unread (links not
    followed) last, with their reason, never opened."""
    todo = plan.add + plan.change
    read, unread = [p for p in todo if not p.skip_reason], [p for p in todo if p.skip_reason]
    found = map_photos(detect_faces, [p.file for p in read], workers=workers, detector=detector, models=models)
    return read + unread, chain(found, (Detected(skip_reason=p.skip_reason) for p in unread))


def _as_detected(old: StoredPhoto) -> Detected:
    return Detected(old.width, old.height, (), old.skip_reason, old.taken)


def _report(report: IndexReport, plan: FolderPlan, written: _Written) -> IndexReport:
    report.new = [p.path for p in plan.add]
    report.changed = [p.path for p in plan.change]
    report.moved = [(old.path, p.path) for p, old in plan.move]
    report.removed = [r.path for r in plan.remove]
    report.skipped = [(path, found.skip_reason) for path, found in written.found.items() if found.skip_reason]
    report.faces = sum(len(ids) for ids in written.face_ids.values())
    return report
