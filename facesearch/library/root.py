"""The library root rules: the API indexes and serves nothing outside `settings.library_root`.

A folder is named by its path relative to the root, with `/` between parts ("." is the root itself).
Every name a client sends is resolved (links included) and checked to stay under the root; photos are
served by id, from the path the index recorded, checked the same way.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from facesearch.errors import BadRequest, NotFound
from facesearch.store.library import StoredPhoto

OUTSIDE = "Only folders under the library folder can be used; name one by its path relative to it, like 'holiday/2024'."


def resolve_folder(root: Path, name: str) -> Path:
    """The folder a client names; BadRequest if the name leaves the root, NotFound if it is no folder."""
    if not name or "\0" in name or "\\" in name or len(name) > 1024 or PurePosixPath(name).is_absolute():
        raise BadRequest(OUTSIDE)
    base = root.resolve()
    folder = (base / name).resolve()
    if not folder.is_relative_to(base):
        raise BadRequest(OUTSIDE)
    if not folder.is_dir():
        raise NotFound(f"There is no folder '{name}' in the library folder.")
    return folder


def folder_name(root: Path, key: str) -> str | None:
    """The name of an indexed folder (its absolute path) relative to the root, or None if outside it."""
    base, folder = root.resolve(), Path(key)
    if not folder.is_relative_to(base):
        return None
    return folder.relative_to(base).as_posix() or "."


def photo_file(root: Path, photo: StoredPhoto) -> Path:
    """The file of an indexed photo, if it is under the root and still there; else NotFound."""
    base = root.resolve()
    file = (Path(photo.folder) / photo.path).resolve()
    if not file.is_relative_to(base) or not file.is_file():
        raise NotFound(f"There is no library photo '{photo.id}'.")
    return file
