"""Find the people and photos on disk.

Nothing is read through a link that leaves the images folder (the folder of people folders): the command line's
import and the API's re-scan of a person read the same files, so that a photo the one stores is never one the
other drops. Such a photo, or person folder, is listed as skipped with its reason and never opened; a
name.txt that leaves it is not read (the folder's name is used).
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from facesearch.face.image import EXTENSIONS

LINK_OUT = "This is a link to a file outside the images folder; links that leave it are not followed."
FOLDER_LINK_OUT = "This is a link to a folder outside the images folder; links that leave it are not followed."
INVISIBLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories a name never holds: controls (line breaks, tabs, NUL), format characters (bidi overrides,
zero-width characters), surrogates, line and paragraph separators."""


@dataclass(frozen=True)
class Photo:
    person_id: str
    path: Path
    sha256: str

    @property
    def filename(self) -> str:
        return self.path.name


@dataclass
class Person:
    """A folder `images/<id>/`; `name` is from its name.txt, else made from the folder's name. `skipped`: links
    out of the images folder, with the reason, never read."""

    id: str
    name: str
    folder: Path
    named_by_file: bool
    photos: list[Photo] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def inside(path: Path, root: Path) -> bool:
    """Whether `path`, links resolved, is under `root` (itself resolved)."""
    return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(root))


def visible(name: str) -> str:
    """`name` in NFC without the characters of `INVISIBLE`."""
    return "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c) not in INVISIBLE)


def read_name(folder: Path, root: Path | None = None) -> tuple[str, bool]:
    """The person's display name and whether it came from name.txt: its first line, without control, bidi or
    zero-width characters; not read when it is a link out of `root` (default: the folder's parent)."""
    name_file = folder / "name.txt"
    if name_file.is_file() and inside(name_file, root or folder.parent):
        name = name_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if name and visible(name[0]).strip():
            return visible(name[0]).strip(), True
    return folder.name.replace("_", " "), False


def scan_person(folder: Path, root: Path | None = None) -> Person:
    """The person of `folder` and their photos; links out of `root` (default: the folder's parent) are skipped."""
    root = root or folder.parent
    if not inside(folder, root):
        return Person(folder.name, folder.name.replace("_", " "), folder, False, skipped=[(folder, FOLDER_LINK_OUT)])
    name, from_file = read_name(folder, root)
    person = Person(folder.name, name, folder, from_file)
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() not in EXTENSIONS or path.name.startswith("."):
            continue
        if not inside(path, root):
            person.skipped.append((path, LINK_OUT))
        elif path.is_file():
            person.photos.append(Photo(folder.name, path, hashlib.sha256(path.read_bytes()).hexdigest()))
    return person


def scan_images(images_dir: Path) -> list[Person]:
    """Every person folder under `images_dir`, sorted by folder name."""
    folders = sorted(p for p in images_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [scan_person(folder, images_dir) for folder in folders]
