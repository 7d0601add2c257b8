"""Library folders on another machine: `import-data --library-root OLD=NEW`.

The library records an indexed folder by its absolute path (`library.index.folder_key`) and derives the ids of
its photos and faces from that path (`store.library.photo_id`, `face_id`). Re-rooting a folder from OLD to NEW
therefore changes its `folder` and, where the ids were derived from the old folder, the ids too (and a face's
`photo_id`), to those an index of the folder at NEW would give: otherwise a later `library index` there would not
recognise the imported photos as its own and would store every face a second time. Paths inside a folder are
relative and stay as they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from facesearch.store.library import face_id, photo_id
from facesearch.store.transfer import LIBRARY_FACE, LIBRARY_PHOTO
from facesearch.transfer.exportfile import Entry

MAX_FACES_PER_PHOTO = 1000
"""How far the number of a face in its photo is looked for when its id is derived again (faces of one photo)."""


@dataclass(frozen=True)
class Reroot:
    """Folders at `old` (as the export recorded them) or under it are at `new` on this machine (absolute paths)."""

    old: str
    new: str

    def apply(self, folder: str) -> str | None:
        """`folder` moved from under `old` to under `new`; None when it is not under `old`."""
        if folder == self.old:
            return self.new
        if PurePosixPath(folder).is_relative_to(self.old):
            return str(PurePosixPath(self.new) / PurePosixPath(folder).relative_to(self.old))
        return None


def reroot(old: str, new: str) -> Reroot:
    """A re-rooting from the folder `old` had on the source machine to `new` here (resolved, links included, as
    indexing names a folder)."""
    return Reroot(str(PurePosixPath(old)), str(Path(new).resolve()))


class Rerooter:
    """Moves the library folders of an export's objects as the `--library-root` pairs say (the longest OLD that
    a folder is under wins); the people's faces pass unchanged."""

    def __init__(self, pairs: Iterable[Reroot] = ()) -> None:
        self.pairs = sorted(pairs, key=lambda p: len(p.old), reverse=True)

    def folder(self, folder: str) -> str:
        """Where `folder` is on this machine."""
        for pair in self.pairs:
            moved = pair.apply(folder)
            if moved is not None:
                return moved
        return folder

    def entry(self, entry: Entry) -> Entry:
        """The object as it is written here: its folder moved, and ids derived from the folder derived again."""
        if not self.pairs or entry.kind not in (LIBRARY_PHOTO, LIBRARY_FACE):
            return entry
        p = entry.obj.properties
        old, path = p.get("folder"), p.get("path")
        if not isinstance(old, str) or not isinstance(path, str) or self.folder(old) == old:
            return entry
        new = self.folder(old)
        properties = {**p, "folder": new}
        if entry.kind == LIBRARY_PHOTO:
            oid = photo_id(new, path) if entry.obj.id == photo_id(old, path) else entry.obj.id
        else:
            if p.get("photo_id") == photo_id(old, path):
                properties["photo_id"] = photo_id(new, path)
            oid = moved_face_id(entry.obj.id, old, new, path)
        return Entry(entry.kind, replace(entry.obj, id=oid, properties=properties))


def moved_face_id(oid: str, old: str, new: str, path: str) -> str:
    """The id the face `oid` of the photo at `path` gets when its folder moves from `old` to `new`: the same number
    in the photo (`face_id`), or `oid` itself when it was not derived from `old`."""
    for number in range(1, MAX_FACES_PER_PHOTO + 1):
        if face_id(old, path, number) == oid:
            return face_id(new, path, number)
    return oid


def outside(folders: Iterable[str], root: Path) -> list[str]:
    """The folders that are not under the library `root` (which the API indexes and shows), sorted."""
    base = root.resolve()
    return sorted(f for f in set(folders) if not Path(f).is_relative_to(base))
