"""The photos of a folder on disk, and what changed since it was indexed."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from facesearch.face.image import EXTENSIONS
from facesearch.store.library import StoredPhoto


@dataclass(frozen=True)
class DiskPhoto:
    """A photo file. `path` is relative to the folder, with `/` between parts; `file` is where it is read (a link's
    target, resolved); `size` in bytes. A photo with a `skip_reason` (a link not followed) is never read: its size
    and time are the link's own."""

    path: str
    file: Path
    size: int
    mtime_ns: int
    skip_reason: str = ""


@dataclass(frozen=True)
class Links:
    """Which links a scan follows: to files whose target stays under `root`, or with `root` None every link, to
    folders too (each folder once). A link that leaves `root` is listed with `reason` and never opened."""

    root: Path | None
    reason: str = ""


def scan_folder(folder: Path, links: Links | None = None) -> list[DiskPhoto]:
    """Every photo under `folder` (a file named as one: EXTENSIONS), recursively, by path; hidden files and folders
    are left out. `links` defaults to following links to files inside `folder` only; folder links are not descended
    unless `links.root` is None."""
    links = links or Links(folder, "This is a link to a file outside the folder; links that leave it are not followed.")
    follow, seen, photos = links.root is None, {os.path.realpath(folder)}, []
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=follow):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        if follow:
            dirnames[:] = first_visits(Path(dirpath), dirnames, seen)
        for name in sorted(filenames):
            file = Path(dirpath) / name
            if name.startswith(".") or file.suffix.lower() not in EXTENSIONS:
                continue
            if photo := disk_photo(folder, file, links):
                photos.append(photo)
    return photos


def first_visits(parent: Path, names: list[str], seen: set[str]) -> list[str]:
    """The folders of `names` not met before (by resolved path; real folders before links to them), so that a
    followed link to an ancestor or a sibling is not walked again."""
    kept = set()
    for name in sorted(names, key=lambda n: ((parent / n).is_symlink(), n)):
        real = os.path.realpath(parent / name)
        if real not in seen:
            seen.add(real)
            kept.add(name)
    return [n for n in names if n in kept]


def disk_photo(folder: Path, file: Path, links: Links) -> DiskPhoto | None:
    """The photo at `file` (under `folder`), read where a link points when `links` allows it; None for no file."""
    path = file.relative_to(folder).as_posix()
    if file.is_symlink():
        target = Path(os.path.realpath(file))
        if links.root is not None and not target.is_relative_to(os.path.realpath(links.root)):
            own = file.lstat()
            return DiskPhoto(path, file, own.st_size, own.st_mtime_ns, links.reason)
        file = target
    if not file.is_file():
        return None
    stat = file.stat()
    return DiskPhoto(path, file, stat.st_size, stat.st_mtime_ns)


def is_photo_path(path: str) -> bool:
    """Whether a path (relative, `/` between parts) is one `scan_folder` could list: named as a photo (EXTENSIONS),
    with no hidden part."""
    parts = PurePosixPath(path).parts
    named = PurePosixPath(path).suffix.lower() in EXTENSIONS
    return bool(parts) and named and not any(p.startswith(".") for p in parts)


def photo_at(folder: Path, path: str, links: Links) -> DiskPhoto | None:
    """The photo at `path` (relative to `folder`, `/` between parts) as `scan_folder(folder, links)` would list it;
    None when it would not: no such file (any more), a hidden or non-photo name, or under a folder link the scan
    does not descend."""
    if not is_photo_path(path):
        return None
    parts = PurePosixPath(path).parts
    if links.root is not None and any(folder.joinpath(*parts[:n]).is_symlink() for n in range(1, len(parts))):
        return None
    try:
        return disk_photo(folder, folder.joinpath(*parts), links)
    except FileNotFoundError:  # gone between the look and the stat
        return None


def subfolders(root: Path) -> list[Path]:
    """The folders directly under `root` (not hidden), by name; none when `root` is no folder."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def sha256_of(photo: DiskPhoto) -> str:
    """The photo's content hash, hex; "" for a photo skipped unread (a link not followed), which is never opened."""
    if photo.skip_reason:
        return ""
    digest = hashlib.sha256()
    with photo.file.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_if_there(photo: DiskPhoto) -> str:
    """`sha256_of`, or "" (content unknown: it is read, and recorded as unreadable) for a file gone meanwhile."""
    try:
        return sha256_of(photo)
    except FileNotFoundError:
        return ""


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
    """path -> content hash, for every photo that was read ("" for those skipped unread)."""


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
        elif photo.skip_reason:  # unread, so never "the same content": its record is written again
            plan.sha256[photo.path] = ""
            plan.change.append(photo)
        else:
            plan.sha256[photo.path] = hash_of(photo)
            same = plan.sha256[photo.path] == record.sha256
            (plan.touch.append((photo, record)) if same else plan.change.append(photo))
    gone: dict[str, list[StoredPhoto]] = {}
    for record in by_path.values():
        gone.setdefault(record.sha256, []).append(record)
    for photo in unknown:
        plan.sha256[photo.path] = sha = "" if photo.skip_reason else hash_of(photo)
        moved_from = gone.get(sha) if sha else None  # a skipped link was never read: it moved from nothing
        (plan.move.append((photo, moved_from.pop())) if moved_from else plan.add.append(photo))
    plan.remove = sorted((r for records in gone.values() for r in records), key=lambda r: r.path)
    return plan
