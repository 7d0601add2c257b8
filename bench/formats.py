"""What reading a photo costs, per format: one 12 MP photo as JPEG, HEIC and AVIF through `load_image`.

The photo is a phone's 12 MP (4032 x 3024), filled with real photographic detail: the sample portraits (look_for/
and images/, at about their own resolution) side by side in three rows of 1008 px. It is written as a JPEG
(quality 90), as HEIC the way an iPhone writes one (HEVC in 512 px grid tiles; pillow-heif at quality 50 and at 70,
about the JPEG's size) and as AVIF (quality 75, Pillow's own writer), each stored turned with EXIF orientation 6,
as a phone held upright stores it. For each: the file's size, the time to read its header (`pixel_count`, what the
API does before it takes a photo in) and to decode it upright into RGB (`load_image`), p50 and p95 over --repeat
runs, with every core (libheif and libavif decode on several threads, libjpeg-turbo on one) and pinned to one core.

Usage: .venv/bin/python bench/formats.py [--repeat 7] [--smoke]
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

import pi_heif
from PIL import Image, ImageOps, features

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import allow_heic_writing, package_version, percentiles, print_machine, timed, write_result  # noqa: E402
from facesearch.face.image import load_image, pixel_count  # noqa: E402 - registers pi-heif's reader

allow_heic_writing()
from facesearch.settings import ROOT  # noqa: E402

WRITERS = {
    "JPEG q90": {"format": "JPEG", "quality": 90},
    "HEIC q50": {"format": "HEIF", "quality": 50, "tile_size": 512},
    "HEIC q70": {"format": "HEIF", "quality": 70, "tile_size": 512},
    "AVIF q75": {"format": "AVIF", "quality": 75},
}
"""Our name -> Pillow's save parameters."""


def phone_photo(size: tuple[int, int]) -> Image.Image:
    """The sample portraits side by side in three rows filling `size` (upright)."""
    paths = sorted((ROOT / "look_for").iterdir()) + sorted((ROOT / "images").glob("*/1.jpg"))
    canvas, row = Image.new("RGB", size), size[1] // 3
    x = y = i = 0
    while y < size[1]:
        with Image.open(paths[i % len(paths)]) as im:
            im = ImageOps.exif_transpose(im).convert("RGB")
            canvas.paste(im.resize((max(1, round(im.width * row / im.height)), row), Image.LANCZOS), (x, y))
            x, i = x + round(im.width * row / im.height), i + 1
        if x >= size[0]:
            x, y = 0, y + row
    return canvas


def written(im: Image.Image, name: str) -> bytes:
    """`im` stored as a phone stores it (turned anticlockwise, EXIF orientation 6) in format `name`."""
    params = dict(WRITERS[name])
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    im.transpose(Image.Transpose.ROTATE_90).save(out, params.pop("format"), exif=exif.tobytes(), **params)
    return out.getvalue()


def measure(files: dict[str, bytes], repeat: int, size: tuple[int, int]) -> dict:
    """Header and decode times (p50 / p95 ms) of each file. The formats take turns, run after run, so that other
    work on the machine weighs on all of them alike."""
    header: dict[str, list[float]] = {name: [] for name in files}
    decode: dict[str, list[float]] = {name: [] for name in files}
    for name, data in files.items():  # once before timing: the decoders' first-call set-up is not what a photo costs
        assert load_image(data).shape == (size[1], size[0], 3), name  # upright, as the photo was taken
    for _ in range(repeat):
        for name, data in files.items():
            header[name].append(timed(lambda: pixel_count(data))[1])
            decode[name].append(timed(lambda: load_image(data))[1])
    return {name: {"header": percentiles(header[name]), "decode": percentiles(decode[name])} for name in files}


def run(size: tuple[int, int], repeat: int) -> dict:
    im = phone_photo(size)
    files = {name: written(im, name) for name in WRITERS}
    formats: dict = {name: {"bytes": len(data)} for name, data in files.items()}
    out = {"pixels": f"{size[0]} x {size[1]}", "formats": formats}
    every_core = os.sched_getaffinity(0)
    for cores, label in ((every_core, f"{len(every_core)} cores"), ({min(every_core)}, "1 core")):
        os.sched_setaffinity(0, cores)
        try:
            for name, m in measure(files, repeat, size).items():
                formats[name][label] = m
        finally:
            os.sched_setaffinity(0, every_core)
    return out


def report(result: dict) -> None:
    jpeg = result["formats"]["JPEG q90"]
    labels = [k for k in jpeg if k != "bytes"]
    print(f"\n{result['pixels']} pixels; decode = load_image (upright RGB), header = pixel_count (size only)")
    heads = "  ".join(f"{label + ' decode p50/p95 ms':>28} {'x JPEG':>6}" for label in labels)
    print(f"{'format':<8} {'file':>9}  {heads}  {'header p50 ms':>13}")
    for name, entry in result["formats"].items():
        cells = []
        for label in labels:
            d, times = entry[label]["decode"], entry[label]["decode"]["p50_ms"] / jpeg[label]["decode"]["p50_ms"]
            cells.append(f"{d['p50_ms']:>19.1f} / {d['p95_ms']:>6.1f} {times:>6.2f}")
        header = entry[labels[0]]["header"]["p50_ms"]
        print(f"{name:<8} {entry['bytes'] / 1e6:>7.2f}MB  " + "  ".join(cells) + f"  {header:>13.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7, help="decodes per format and core setting (default 7)")
    parser.add_argument("--smoke", action="store_true", help="a 640 x 480 photo, 2 runs each")
    args = parser.parse_args()
    m = print_machine()
    libraries = {"pi-heif": package_version("pi-heif"), "libheif": pi_heif.libheif_version(),
                 "libavif": features.version("avif"), "libjpeg-turbo": features.version("libjpeg_turbo")}
    print("decoders: " + ", ".join(f"{k} {v}" for k, v in libraries.items()), flush=True)
    size, repeat = ((640, 480), 2) if args.smoke else ((4032, 3024), args.repeat)
    result = run(size, repeat)
    report(result)
    path = write_result("formats", {"machine": m, "decoders": libraries, "repeat": repeat, **result})
    print(f"result: {path}")


if __name__ == "__main__":
    main()
