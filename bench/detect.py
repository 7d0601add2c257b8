"""Faces found, per detector: on ../shared/lfw-dev and lfw-dev-multi, and on group photos of small faces.

LFW: every photo (one labelled person, sometimes bystanders) through the detector the way the importer
and the search API look (THOROUGH): how many photos give no face, and ms per photo (p50 / p95, one core).
Group photos: the 8 enrolled sample portraits (images/, public domain) shrunk so their faces are 16 to 64
px wide and pasted in a row on a 1600 x 1200 background: how many of the 8 faces each detector finds.
YuNet is measured at several long sides (the pixels it sees the photo at) so the default can be chosen.

Usage: .venv/bin/python bench/detect.py [--data DIR ...] [--yunet-sides 640,960] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import percentiles, print_machine, timed, write_result  # noqa: E402
from facesearch.face import load_image  # noqa: E402
from facesearch.face.detect import Dlib, YuNet  # noqa: E402
from facesearch.face.models import THOROUGH  # noqa: E402
from facesearch.settings import ROOT  # noqa: E402

FACE_PX = (16, 24, 32, 48, 64)
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def detectors(sides: list[int]) -> dict[str, object]:
    """name -> a function image -> faces."""
    hog, yunet = Dlib("hog"), YuNet()
    found = {f"hog {'+'.join(f'{s}x{u}' for s, u in Dlib.PASSES[THOROUGH])} (default)": lambda im: hog.detect(im, THOROUGH)}
    for side in sides:
        default = " (default)" if side == YuNet.LONG_SIDE[THOROUGH] else ""
        found[f"yunet {side}{default}"] = lambda im, side=side: yunet.detect_at(im, side)
    return found


def group_photo(face_px: int) -> np.ndarray:
    """The 8 sample portraits with faces about `face_px` wide, in a row on a grey 1600 x 1200 photo."""
    canvas = Image.new("RGB", (1600, 1200), (96, 112, 128))
    sizer = YuNet()
    for i, folder in enumerate(sorted(p for p in (ROOT / "images").iterdir() if p.is_dir())):
        portrait = Image.open(folder / "1.jpg").convert("RGB")
        width = max(f.box.width for f in sizer.detect_at(np.asarray(portrait), 640))
        scale = face_px / width
        small = portrait.resize((max(1, round(portrait.width * scale)), max(1, round(portrait.height * scale))), Image.LANCZOS)
        canvas.paste(small, (60 + i * 190, 500))
    return np.asarray(canvas)


def lfw(found: dict, folders: list[Path], limit: int | None) -> dict:
    photos = sorted(p for d in folders for p in d.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)[:limit]
    images = [load_image(p.read_bytes()) for p in photos]
    out = {}
    for name, detect in found.items():
        counts, seconds = zip(*(timed(lambda im=im: len(detect(im))) for im in images))
        out[name] = {"photos": len(images), "no_face": sum(1 for c in counts if c == 0), **percentiles(list(seconds))}
        print(f"  {name:28s} no face in {out[name]['no_face']:4d} of {len(images)} photos; "
              f"{out[name]['p50_ms']:6.1f} / {out[name]['p95_ms']:6.1f} ms per photo", flush=True)
    return out


def groups(found: dict) -> dict:
    out = {}
    photos = {px: group_photo(px) for px in FACE_PX}
    for name, detect in found.items():
        out[name] = {px: len(detect(photo)) for px, photo in photos.items()}
        print(f"  {name:28s} " + "  ".join(f"{px:2d} px: {n}/8" for px, n in out[name].items()), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared"
    parser.add_argument("--data", type=Path, nargs="+", default=[shared / "lfw-dev", shared / "lfw-dev-multi"])
    parser.add_argument("--yunet-sides", default="640,960,1280")
    parser.add_argument("--smoke", action="store_true", help="the sample photos only")
    args = parser.parse_args()
    machine = print_machine()
    found = detectors([int(s) for s in args.yunet_sides.split(",")])
    folders = [ROOT / "images", ROOT / "look_for"] if args.smoke else args.data
    print(f"\nphotos with no face found, and time per photo (one process): {', '.join(map(str, folders))}")
    result = {"machine": machine, "lfw": lfw(found, folders, None)}
    print("\ngroup photo of the 8 sample portraits, faces found by face width:")
    result["groups"] = groups(found)
    print(f"result: {write_result('detect', result)}")


if __name__ == "__main__":
    main()
