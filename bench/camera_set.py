"""The camera set: large group photos made from LFW faces, with the truth of who is where.

Each library photo (4000 x 3000 px by default) holds 1 to 12 people on a generated background: for each
seat, a crop around an LFW photo's labelled face (the one nearest its middle) scaled so that the face is
40 to 400 px wide (log-uniform; as pasted) and blended in with a soft edge. People of `lfw-dev-multi` (3 to 5
photos) sit in several library photos, each time from another of their photos, and have one photo used in
none: the query. People of `lfw-dev` fill the other seats. Some photos are saved as HEIC when pillow-heif
is installed. Nothing is copied into the project: the set is made in a temporary folder at bench time.

Truth (`truth.json`): per library photo, its seats as {identity, box: [left, top, right, bottom]} in pixels
of the photo; per query, its identity and the LFW photo. Boxes are the detector's box of the face in the LFW
photo, scaled and moved as pasted.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from bench.common import allow_heic_writing
from facesearch.face.box import Box
from facesearch.face.detect import YuNet

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
MULTI, SINGLE = SHARED / "lfw-dev-multi", SHARED / "lfw-dev"
FACE_PX = (40, 400)
"""Face widths as pasted, pixels: drawn log-uniformly between these."""
SEATS = (1, 12)
"""People per photo, drawn uniformly."""
CONTEXT = 0.7
"""Crop pasted around an LFW face: its box grown by this fraction of its size on every side (hair, chin)."""


@dataclass(frozen=True)
class Seat:
    identity: str
    source: str
    """The LFW photo, relative to the shared folder."""
    box: list[int]


@dataclass(frozen=True)
class Made:
    folder: Path
    photos: dict[str, list[Seat]]
    """library photo file name -> its seats"""
    queries: dict[str, str]
    """identity -> its query photo (an absolute path in the shared folder)"""


def people(folder: Path) -> dict[str, list[Path]]:
    """identity -> its photos, sorted."""
    return {d.name: sorted(p for p in d.iterdir() if p.suffix in (".jpg", ".png")) for d in sorted(folder.iterdir())
            if d.is_dir()}


def labelled_face(detector: YuNet, photo: Path) -> tuple[Image.Image, Box] | None:
    """The LFW photo and its labelled face's box (the one nearest the middle); None when no face is found."""
    image = Image.open(photo).convert("RGB")
    faces = detector.detect_at(np.asarray(image), 640, refine=False)
    if not faces:
        return None
    middle = min(faces, key=lambda f: f.box.distance_to(image.width / 2, image.height / 2))
    return image, middle.box


def background(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    """A varied scene: a two-colour gradient with soft shapes, made small and enlarged, plus sensor-like noise."""
    small = (size[0] // 8, size[1] // 8)
    top, bottom = rng.integers(20, 235, 3), rng.integers(20, 235, 3)
    ramp = np.linspace(0, 1, small[1])[:, None, None]
    base = (top * (1 - ramp) + bottom * ramp) * np.ones((1, small[0], 1))
    image = Image.fromarray(base.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(int(rng.integers(4, 14))):
        x, y = rng.integers(0, small[0]), rng.integers(0, small[1])
        w, h = rng.integers(small[0] // 20, small[0] // 3), rng.integers(small[1] // 20, small[1] // 3)
        shape = draw.ellipse if rng.random() < 0.5 else draw.rectangle
        shape((x, y, x + w, y + h), fill=tuple(int(c) for c in rng.integers(0, 255, 3)))
    image = image.filter(ImageFilter.GaussianBlur(2)).resize(size, Image.BILINEAR)
    noise = rng.normal(0, 4, (size[1], size[0], 1)).astype(np.int16)
    return Image.fromarray(np.clip(np.asarray(image, np.int16) + noise, 0, 255).astype(np.uint8))


def soft_mask(size: tuple[int, int]) -> Image.Image:
    """An ellipse filling `size`, its edge blurred over a tenth of the smaller side."""
    mask = Image.new("L", size, 0)
    inset = (size[0] // 12, size[1] // 12)
    ImageDraw.Draw(mask).ellipse((inset[0], inset[1], size[0] - inset[0], size[1] - inset[1]), fill=255)
    return mask.filter(ImageFilter.GaussianBlur(max(1, min(size) // 20)))


def paste(canvas: Image.Image, image: Image.Image, box: Box, width: int, at: tuple[int, int]) -> Box:
    """Paste the face of `image` in `box`, with CONTEXT around it, scaled so the face is `width` px wide, its
    crop's top-left at `at`; the face's box in the canvas."""
    area = box.grow(CONTEXT).clip(image.width, image.height)
    scale = width / box.width
    crop = image.crop((area.left, area.top, area.right, area.bottom))
    size = (max(1, round(crop.width * scale)), max(1, round(crop.height * scale)))
    crop = crop.resize(size, Image.LANCZOS)
    canvas.paste(crop, at, soft_mask(size))
    return box.shift(-area.left, -area.top).scale(scale).shift(*at)


def place_seats(widths: list[int], canvas: tuple[int, int], rng: np.random.Generator) -> list[tuple[int, int]] | None:
    """Top-left corners for crops about 2.4 x each width square that do not overlap; None if they do not fit."""
    taken: list[tuple[int, int, int, int]] = []
    corners = []
    for width in sorted(widths, reverse=True):
        side = math.ceil(width * (1 + 2 * CONTEXT)) + 4
        for _ in range(200):
            x, y = int(rng.integers(0, canvas[0] - side)), int(rng.integers(0, canvas[1] - side))
            if all(x + side <= a or a + c <= x or y + side <= b or b + d <= y for a, b, c, d in taken):
                taken.append((x, y, side, side))
                corners.append((width, (x, y)))
                break
        else:
            return None
    order = sorted(range(len(widths)), key=lambda i: -widths[i])
    placed: list[tuple[int, int]] = [(0, 0)] * len(widths)
    for i, (_, corner) in zip(order, corners):
        placed[i] = corner
    return placed


def plan_seats(photos: int, multi: dict[str, list[Path]], single: dict[str, list[Path]],
               rng: np.random.Generator) -> tuple[list[list[tuple[str, Path]]], dict[str, Path]]:
    """Who sits in which photo, from which LFW photo; and each multi person's query photo (used in none)."""
    counts = [int(rng.integers(SEATS[0], SEATS[1] + 1)) for _ in range(photos)]
    seats: list[list[tuple[str, Path]]] = [[] for _ in range(photos)]
    queries: dict[str, Path] = {}
    free = [i for i, n in enumerate(counts) for _ in range(n)]
    rng.shuffle(free)
    for identity, files in multi.items():
        if len(files) < 2:
            continue
        queries[identity] = files[-1]
        for source in files[:-1]:
            spot = next((k for k, i in enumerate(free) if all(who != identity for who, _ in seats[i])), None)
            if spot is None:
                break
            seats[free.pop(spot)].append((identity, source))
    fillers = [(identity, f) for identity, files in single.items() if identity not in multi for f in files]
    order = rng.permutation(len(fillers))
    for i, k in zip(free, order):
        seats[i].append(fillers[k])
    return seats, queries


def make_set(folder: Path, photos: int = 200, size: tuple[int, int] = (4000, 3000), seed: int = 0,
             heic_every: int = 10, multi_people: int | None = None, sources: tuple[Path, Path] = (MULTI, SINGLE)) -> Made:
    """Write the library photos to `folder/library/` and `truth.json`; see the module docstring. `sources`:
    the folders of people seated several times (and queried) and of the others."""
    rng = np.random.default_rng(seed)
    detector = YuNet()
    multi = dict(list(people(sources[0]).items())[:multi_people])
    seats, queries = plan_seats(photos, multi, people(sources[1]), rng)
    library = folder / "library"
    library.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Seat]] = {}
    heif = _heif_saver()
    for n, chosen in enumerate(seats):
        faces = [(who, src, labelled_face(detector, src)) for who, src in chosen]
        faces = [(who, src, found) for who, src, found in faces if found is not None]
        widths = [round(math.exp(rng.uniform(math.log(FACE_PX[0]), math.log(FACE_PX[1])))) for _ in faces]
        corners = place_seats(widths, size, rng)
        while corners is None:
            widths = [max(FACE_PX[0], w * 3 // 4) for w in widths]
            corners = place_seats(widths, size, rng)
        canvas = background(size, rng)
        placed = [Seat(who, src.name if not src.is_relative_to(SHARED) else str(src.relative_to(SHARED)),
                       list(asdict(paste(canvas, image, box, w, at)).values()))
                  for (who, src, (image, box)), w, at in zip(faces, widths, corners)]
        name = f"photo{n:04d}." + ("heic" if heif and heic_every and n % heic_every == heic_every - 1 else "jpg")
        if name.endswith(".heic"):
            heif(canvas, library / name)
        else:
            canvas.save(library / name, quality=90)
        made[name] = placed
    queries_out = {who: str(path) for who, path in queries.items()}
    truth = {"photos": {k: [asdict(s) for s in v] for k, v in made.items()}, "queries": queries_out,
             "size": list(size), "seed": seed}
    (folder / "truth.json").write_text(json.dumps(truth, indent=1))
    return Made(folder, made, queries_out)


def _heif_saver():  # noqa: ANN202 - a function (image, path) -> None, or None without pillow-heif
    try:
        allow_heic_writing()
    except ImportError:
        return None
    return lambda image, path: image.save(path, format="HEIF", quality=90)


def load_set(folder: Path) -> Made:
    truth = json.loads((folder / "truth.json").read_text())
    photos = {k: [Seat(**s) for s in v] for k, v in truth["photos"].items()}
    return Made(folder, photos, truth["queries"])
