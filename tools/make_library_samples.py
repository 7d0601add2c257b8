"""Build library/samples/ from public-domain sample photos (run once; the result is committed).

A small photo library to try "Find in photos" on: group photos composed of several people's enrolment
photos (images/), side by side, and a few single portraits. Search it with the people's other photos
in look_for/, which are not in it. Only public-domain photos are used (US Congress portraits and NASA
photos, see LICENSES.md), so the composites are public domain too.

    .venv/bin/python tools/make_library_samples.py
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parent.parent

Region = tuple[int, int, int, int]
"""left, top, right, bottom in pixels of the composite."""

GROUPS = {
    "2024/office-party.jpg": ["images/Ted_Lieu/1.jpg", "images/Dina_Titus/1.jpg", "images/Seth_Moulton/1.jpg"],
    "2024/committee.jpg": ["images/Kyrsten_Sinema/1.jpg", "images/Norma_Torres/1.jpg", "images/Elise_Stefanik/1.jpg"],
    "2025/crew.jpg": ["look_for/Peggy_Whitson.jpg", "images/Cady_Coleman/1.jpg", "look_for/Chris_Ferguson.jpg"],
    "2025/reunion.jpg": ["images/Norma_Torres/1.jpg", "images/Ted_Lieu/1.jpg"],
}
SINGLES = {"portraits/dina.jpg": "images/Dina_Titus/1.jpg", "portraits/eileen.png": "look_for/Eileen_Collins.png"}


def compose(photos: list[Path], height: int = 420, gap: int = 24) -> tuple[Image.Image, list[Region]]:
    """The photos side by side, each scaled to `height` pixels, on a grey background; where each one went."""
    scaled = []
    for path in photos:
        with Image.open(path) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            scaled.append(im.resize((round(im.width * height / im.height), height), Image.LANCZOS))
    canvas = Image.new("RGB", (sum(im.width for im in scaled) + gap * (len(scaled) + 1), height + 2 * gap), (96, 96, 96))
    regions, left = [], gap
    for im in scaled:
        canvas.paste(im, (left, gap))
        regions.append((left, gap, left + im.width, gap + height))
        left += im.width + gap
    return canvas, regions


def main(out: Path) -> None:
    for name, sources in GROUPS.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        compose([ROOT / s for s in sources])[0].save(out / name, quality=90)
    for name, source in SINGLES.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        with Image.open(ROOT / source) as im:
            ImageOps.exif_transpose(im).save(out / name)
    print(f"wrote {len(GROUPS) + len(SINGLES)} photos to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "library" / "samples")
