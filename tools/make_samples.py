"""Build images/ and look_for/ from ../shared/sample-faces/ (run once; the result is committed).

People with two photos are enrolled with the first (images/<Person>/1.jpg + name.txt); their second
photo and every one-photo person (never enrolled) go to look_for/<Person>.<ext>. Photos are turned
upright by their EXIF orientation and shrunk to at most 1024 px on the long side.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from PIL import Image, ImageOps

LONG_SIDE = 1024
NAMES = {"Luciano_CODAIT": "Luciano", "Pexels_Man_006": "Pexels man 006"}


def save_small(src: Path, dst: Path) -> None:
    with Image.open(src) as im:
        fmt = im.format
        im = ImageOps.exif_transpose(im)
        im.thumbnail((LONG_SIDE, LONG_SIDE), Image.LANCZOS)
        im.save(dst, format=fmt, **({"quality": 92} if fmt == "JPEG" else {}))


def main(shared: Path, root: Path) -> None:
    images, look_for = root / "images", root / "look_for"
    for folder in (images, look_for):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
    for person in sorted(p for p in shared.iterdir() if p.is_dir()):
        photos = sorted(person.glob("*.*"))
        if len(photos) >= 2:
            (images / person.name).mkdir()
            save_small(photos[0], images / person.name / photos[0].name)
            (images / person.name / "name.txt").write_text(NAMES.get(person.name, person.name.replace("_", " ")) + "\n")
        last = photos[-1]
        save_small(last, look_for / f"{person.name}{last.suffix.lower()}")
    shutil.copy(shared / "LICENSES.md", root / "LICENSES.md")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent.parent
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else here.parent / "shared" / "sample-faces", here)
