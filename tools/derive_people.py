"""A people folder larger than images/, made from the repo's own photos of the same eight people.

For tests and benchmarks that need many photos to import (an importer stopped mid-run, an import under
search load). Each person of images/ gets copies of their enrolment photo and of their look_for/ photo:
cropped around the middle, rescaled, slightly rotated, mirrored, saved at a few JPEG qualities. The
folder is laid out like images/ (`<person>/name.txt`, `<person>/<photo>.jpg`) and is meant for a
temporary folder: it is never committed.

    .venv/bin/python tools/derive_people.py OUT [PHOTOS_PER_PERSON]
"""

from __future__ import annotations

import itertools
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "images"
LOOK_FOR = ROOT / "look_for"

Change = Callable[[Image.Image], Image.Image]


def crop(fraction: float) -> Change:
    """Keep the middle `fraction` of the width and of the height."""

    def apply(im: Image.Image) -> Image.Image:
        dx, dy = round(im.width * (1 - fraction) / 2), round(im.height * (1 - fraction) / 2)
        return im.crop((dx, dy, im.width - dx, im.height - dy))

    return apply


def scale(factor: float) -> Change:
    return lambda im: im.resize((round(im.width * factor), round(im.height * factor)), Image.LANCZOS)


def rotate(degrees: float) -> Change:
    """Turn counter-clockwise by `degrees`, same size, the corners filled grey."""
    return lambda im: im.rotate(degrees, resample=Image.BICUBIC, fillcolor=(128, 128, 128))


GEOMETRY: dict[str, Change] = {
    "orig": lambda im: im, "crop90": crop(0.9), "crop80": crop(0.8), "scale75": scale(0.75),
    "scale150": scale(1.5), "rot-4": rotate(-4), "rot4": rotate(4), "rot8": rotate(8),
}
QUALITIES = (92, 80, 70)
"""JPEG qualities; each gives different bytes, so a different photo to the importer."""

MAX_PER_PERSON = 2 * len(GEOMETRY) * 2 * len(QUALITIES)
"""Two sources x geometry x mirrored or not x quality."""


def sources(person: str) -> list[tuple[str, Path]]:
    """The person's enrolment photo and their look_for/ photo (when there is one)."""
    found = [("enrolled", IMAGES / person / "1.jpg")]
    found += [("look_for", p) for p in sorted(LOOK_FOR.glob(f"{person}.*"))]
    return found


def variants(person: str) -> Iterator[tuple[str, Image.Image, int]]:
    """(file name, image, JPEG quality) of every copy of a person's photos, in a fixed order: quality varies slowest,
    so the first copies of a person are the most different ones."""
    opened = [(label, ImageOps.exif_transpose(Image.open(path)).convert("RGB")) for label, path in sources(person)]
    for quality, mirrored, (geometry, change), (label, image) in itertools.product(
        QUALITIES, (False, True), GEOMETRY.items(), opened
    ):
        copy = change(ImageOps.mirror(image) if mirrored else image)
        yield f"{label}-{geometry}{'-m' if mirrored else ''}-q{quality}.jpg", copy, quality


def derive_people(out: Path, per_person: int) -> int:
    """Write `per_person` photos (at most MAX_PER_PERSON) of each person of images/ under `out`; returns
    how many photos it wrote."""
    written = 0
    for folder in sorted(p for p in IMAGES.iterdir() if p.is_dir()):
        (out / folder.name).mkdir(parents=True, exist_ok=True)
        shutil.copy(folder / "name.txt", out / folder.name / "name.txt")
        for name, image, quality in itertools.islice(variants(folder.name), per_person):
            image.save(out / folder.name / name, quality=quality)
            written += 1
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = derive_people(target, int(sys.argv[2]) if len(sys.argv) > 2 else MAX_PER_PERSON)
    print(f"wrote {count} photos to {target}")
