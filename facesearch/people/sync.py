"""Make Weaviate match the disk: add new photos, replace changed ones, delete removed ones."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from facesearch.face.models import FaceModels
from facesearch.face.workers import map_photos
from facesearch.people import prepare as prep
from facesearch.people.scan import Person, Photo
from facesearch.store import people as store
from facesearch.store.people import EnrolledFace, People
from facesearch.store.writes import NewObject

@dataclass
class ImportReport:
    """What an import did. Paths are as on disk; reasons are sentences."""

    imported: list[Path] = field(default_factory=list)
    updated: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"imported {len(self.imported)}, unchanged {len(self.unchanged)}, updated {len(self.updated)}, "
            f"removed {len(self.removed)}, skipped {len(self.skipped)}"
        )


@dataclass
class SyncPlan:
    """What an import has to do to make Weaviate match the people folders."""

    add: list[Photo] = field(default_factory=list)
    replace: list[Photo] = field(default_factory=list)
    keep: list[Photo] = field(default_factory=list)
    rename: dict[str, str] = field(default_factory=dict)
    """face id -> new display name, for kept faces whose person's name changed."""
    delete: dict[str, str] = field(default_factory=dict)
    """face id -> "person_id/filename", for faces whose photo is gone."""


def plan_sync(people: list[Person], stored: Iterable[EnrolledFace]) -> SyncPlan:
    """Compare disk and Weaviate by (person id, filename) and by content hash."""
    plan = SyncPlan()
    by_key = {(f.person_id, f.filename): f for f in stored}
    for person in people:
        for photo in person.photos:
            face = by_key.pop((photo.person_id, photo.filename), None)
            if face is None:
                plan.add.append(photo)
            elif face.sha256 != photo.sha256:
                plan.replace.append(photo)
            else:
                plan.keep.append(photo)
                if face.name != person.name:
                    plan.rename[face.id] = person.name
    plan.delete = {f.id: f"{f.person_id}/{f.filename}" for f in by_key.values()}
    return plan


def write_faces(people: People, ready: Iterable[tuple[Photo, str, prep.Prepared]]) -> dict[str, str]:
    """Insert (or replace) faces as they come; returns face id -> reason for those that failed.

    The batch sends in the background, so Weaviate and the vectorizer work while `ready` is still
    detecting faces in the next photos.
    """

    def objects() -> Iterator[NewObject]:
        for photo, name, done in ready:
            assert done.crop is not None and done.box is not None
            properties = {
                "filename": photo.filename,
                "name": name,
                "person_id": photo.person_id,
                "sha256": photo.sha256,
                "box": [done.box.left, done.box.top, done.box.right, done.box.bottom],
                "image": base64.b64encode(done.crop).decode(),
            }
            yield NewObject(store.object_id(photo.person_id, photo.filename), properties)

    return store.write_faces(people, objects())


def import_people(
    enrolled: People,
    people: list[Person],
    *,
    only: set[str] | None = None,
    workers: int = 1,
    detector: str = "yunet",
    models: FaceModels | None = None,
    on_photo: Callable[[Path, int, int], None] | None = None,
    min_face_px: int | None = None,
) -> ImportReport:
    """Sync Weaviate with `people`; with `only`, just those person ids (others are left alone).

    Faces are found in `workers` processes with `detector` (large photos down to `min_face_px`; None: the
    face layer's default), or here with `models` (built once by the caller) when given and `workers` is 1.
    `on_photo(path, done, total)` is called after each photo that needed work.
    """
    stored = [f for f in store.all_faces(enrolled) if only is None or f.person_id in only]
    plan = plan_sync(people, stored)
    report = ImportReport(unchanged=[p.path for p in plan.keep])
    report.notes = [f"{p.folder.name} has no name.txt; using the name '{p.name}'." for p in people if not p.named_by_file]
    names = {p.id: p.name for p in people}
    todo = plan.add + plan.replace
    written: list[Photo] = []
    failed: dict[Photo, str] = {}

    def usable() -> Iterator[tuple[Photo, str, prep.Prepared]]:
        found = map_photos(prep.prepare, [p.path for p in todo], workers=workers, detector=detector, models=models,
                           min_face_px=min_face_px)
        for n, (photo, done) in enumerate(zip(todo, found), 1):
            if on_photo:
                on_photo(photo.path, n, len(todo))
            if done.skip_reason:
                failed[photo] = done.skip_reason
            else:
                written.append(photo)
                yield photo, names[photo.person_id], done

    refused = write_faces(enrolled, usable()) if todo else {}
    for photo in written:
        reason = refused.get(store.object_id(photo.person_id, photo.filename))
        if reason:
            failed[photo] = reason
        else:
            (report.updated if photo in plan.replace else report.imported).append(photo.path)
    report.skipped = [(photo.path, reason) for photo, reason in failed.items()]
    report.skipped += [skip for person in people for skip in person.skipped]  # links out, never read
    # A changed photo that no longer gives a face must not leave its old face behind.
    for photo in plan.replace:
        if photo in failed:
            plan.delete[store.object_id(photo.person_id, photo.filename)] = f"{photo.person_id}/{photo.filename}"
    store.remove_faces(enrolled, list(plan.delete))
    report.removed = sorted(plan.delete.values())
    for face_id, name in plan.rename.items():
        store.rename(enrolled, face_id, name)
    return report
