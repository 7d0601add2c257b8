"""The photos of a folder on disk, and what changed since it was indexed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from facesearch.face.image import EXTENSIONS
from facesearch.store.library import StoredPhoto


@dataclass(frozen=True)
class DiskPhoto:
    """A photo file. `path` is relative to the folder, with `/` between parts; `size` in bytes."""

    path: str
    file: Path
    size: int
    mtime_ns: int


def scan_folder(folder: Path) -> list[DiskPhoto]:
    """Every JPEG, PNG and WebP file under `folder`, recursively, by path; hidden files and folders are left out."""
    photos = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            file = Path(dirpath) / name
            if name.startswith(".") or file.suffix.lower() not in EXTENSIONS or not file.is_file():
                continue
            stat = file.stat()
            photos.append(DiskPhoto(file.relative_to(folder).as_posix(), file, stat.st_size, stat.st_mtime_ns))
    return photos


def subfolders(root: Path) -> list[Path]:
    """The folders directly under `root` (not hidden), by name; none when `root` is no folder."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def sha256_of(photo: DiskPhoto) -> str:
    digest = hashlib.sha256()
    with photo.file.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class FolderPlan:
    """What indexing a folder has to do. A photo whose size and modification time are as indexed is not read."""

    add: list[DiskPhoto] = field(default_factory=list)
    change: list[DiskPhoto] = field(default_factory=list)
    move: list[tuple[DiskPhoto, StoredPhoto]] = field(default_factory=list)
    """(the photo at its new path, its record at the old one): same content, so its faces are kept."""
    keep: list[DiskPhoto] = field(default_factory=list)
    touch: list[tuple[DiskPhoto, StoredPhoto]] = field(default_factory=list)
    """Same content, new modification time: only the record changes."""
    remove: list[StoredPhoto] = field(default_factory=list)
    sha256: dict[str, str] = field(default_factory=dict)
    """path -> content hash, for every photo that was read."""


def plan_folder(disk: list[DiskPhoto], stored: list[StoredPhoto], hash_of: Callable[[DiskPhoto], str] = sha256_of) -> FolderPlan:
    """Compare the folder with its records: by path, then by size and time, then by content."""
    plan = FolderPlan()
    by_path = {s.path: s for s in stored}
    unknown = []
    for photo in disk:
        record = by_path.pop(photo.path, None)
        if record is None:
            unknown.append(photo)
        elif (record.size, record.mtime_ns) == (photo.size, photo.mtime_ns):
            plan.keep.append(photo)
        else:
            plan.sha256[photo.path] = hash_of(photo)
            same = plan.sha256[photo.path] == record.sha256
            (plan.touch.append((photo, record)) if same else plan.change.append(photo))
    gone: dict[str, list[StoredPhoto]] = {}
    for record in by_path.values():
        gone.setdefault(record.sha256, []).append(record)
    for photo in unknown:
        plan.sha256[photo.path] = hash_of(photo)
        moved_from = gone.get(plan.sha256[photo.path])
        (plan.move.append((photo, moved_from.pop())) if moved_from else plan.add.append(photo))
    plan.remove = sorted((r for records in gone.values() for r in records), key=lambda r: r.path)
    return plan
