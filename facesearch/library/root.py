"""The library root rules: the API indexes and serves nothing outside `settings.library_root`.

A folder is named by its path relative to the root, with `/` between parts ("." is the root itself).
Every name a client sends is resolved (links included) and checked to stay under the root; photos are
served by id, from the path the index recorded, checked the same way. Indexing reads nothing through a link
that leaves the root: such a photo is recorded as skipped, with `LINK_OUT_OF_ROOT`, and never opened.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from facesearch.errors import BadRequest, NotFound
from facesearch.library.scan import Links
from facesearch.store.library import StoredPhoto

LINK_OUT_OF_ROOT = "This is a link to a file outside the library folder; links that leave it are not followed."
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


def links_for(root: Path, folder: Path, follow: bool) -> Links:
    """The links indexing `folder` follows. Under the library `root` (what the API indexes and shows): those to files
    under the root, whoever indexes, and `follow` is refused (BadRequest). Elsewhere (the command line only): those to
    files under `folder`, or with `follow` every link, folder links included."""
    base, real = root.resolve(), folder.resolve()
    if real.is_relative_to(base):
        if follow:
            raise BadRequest(
                f"--follow-links is for folders outside the library folder ({base}): the API shows every folder under "
                "it and never reads through a link that leaves it. Index this folder without --follow-links."
            )
        return Links(base, LINK_OUT_OF_ROOT)
    if follow:
        return Links(None)
    return Links(real, f"This is a link to a file outside {folder}; index with --follow-links to read it.")
