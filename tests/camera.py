"""Camera-size test photos made from the sample portraits (images/, public domain).

`group_photo` pastes each enrolled person's first photo, scaled so that their face is a given width, on a
plain 4000 x 3000 background: the faces' boxes are known, and each is found in its portrait by YuNet.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from facesearch.face.box import Box
from facesearch.face.detect import YuNet
from tests.conftest import IMAGES

PEOPLE = sorted(p for p in IMAGES.iterdir() if p.is_dir())


@dataclass(frozen=True)
class Seat:
    person: str
    """The person's folder name in images/."""
    box: Box
    """Their face in the group photo, pixels."""


def group_photo(widths: list[int], size: tuple[int, int] = (4000, 3000), quality: int = 90) -> tuple[bytes, list[Seat]]:
    """A JPEG of `size` (width, height) px with the sample people in a row, person i's face `widths[i]` px
    wide (at most one per person), and where each face is."""
    canvas = Image.new("RGB", size, (120, 132, 140))
    detector, seats = YuNet(), []
    step = size[0] // len(widths)
    for i, (folder, width) in enumerate(zip(PEOPLE, widths)):
        portrait = Image.open(folder / "1.jpg").convert("RGB")
        face = max(detector.detect_at(np.asarray(portrait), 640, refine=False), key=lambda f: f.box.area).box
        scale = width / face.width
        small = portrait.resize((max(1, round(portrait.width * scale)), max(1, round(portrait.height * scale))),
                                Image.LANCZOS)
        at = (i * step + 10, size[1] // 3)
        canvas.paste(small, at)
        seats.append(Seat(folder.name, face.scale(scale).shift(*at)))
    out = io.BytesIO()
    canvas.save(out, format="JPEG", quality=quality)
    return out.getvalue(), seats
