"""Find the people and photos on disk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from facesearch.face.image import EXTENSIONS


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
    """A folder `images/<id>/`; `name` is from its name.txt, else made from the folder's name."""

    id: str
    name: str
    folder: Path
    named_by_file: bool
    photos: list[Photo] = field(default_factory=list)


def read_name(folder: Path) -> tuple[str, bool]:
    """The person's display name and whether it came from name.txt."""
    name_file = folder / "name.txt"
    if name_file.is_file():
        name = name_file.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        if name and name[0].strip():
            return name[0].strip(), True
    return folder.name.replace("_", " "), False


def scan_person(folder: Path) -> Person:
    name, from_file = read_name(folder)
    person = Person(folder.name, name, folder, from_file)
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in EXTENSIONS and not path.name.startswith("."):
            person.photos.append(Photo(folder.name, path, hashlib.sha256(path.read_bytes()).hexdigest()))
    return person


def scan_images(images_dir: Path) -> list[Person]:
    """Every person folder under `images_dir`, sorted by folder name."""
    folders = sorted(p for p in images_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
    return [scan_person(folder) for folder in folders]
