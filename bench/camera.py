"""Camera-size photos: faces found by size, find accuracy, index rate and memory on the camera set.

The set (bench/camera_set.py) is made from ../shared/lfw-dev and lfw-dev-multi in a temporary folder: about
200 photos of 4000 x 3000 px holding 1 to 12 people each, faces 40 to 400 px wide as pasted, some saved as HEIC.

1. Detection, in this process on one core, for each variant on the first `--detect-photos` photos: faces of the
   truth found (a box overlapping its box by IoU >= 0.3) by face-width bucket, boxes matching no seat (other faces
   in the pasted crops count here too), and ms per photo (reading included; JPEG and HEIC apart: HEIC has no reduced
   decode). Variants: the photo decoded whole and seen at 640 px (as before); seen at 640 px and again where a face
   of `min_face_px` is at least 12, 16 (the default) or 20 px, from one reduced JPEG decode; one pass at the 16 px
   size.
2. The library, on a private stack with the default settings: `index_folder` over the set (photos/s, faces/s; and,
   once the finds below are done, its JPEG photos and its HEIC photos indexed again apart, each as a folder of its
   own: the rate goals are for JPEG photos), the same faces' crops sent straight to the vectorizer (its rate alone),
   peak RSS and CPU seconds (ms per photo and per face) of each process for both; then a find for every
   lfw-dev-multi person with their query photo (used in no library photo): recall and precision over thresholds,
   recall at precision >= 0.95, mean average precision. A returned face is right only when its photo holds that
   person and its box is their face (IoU >= 0.3).

Usage: .venv/bin/python bench/camera.py [--photos 200] [--detect-photos 60] [--set DIR] [--smoke]
"""

from __future__ import annotations

import argparse
import base64
import math
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import smoke_data  # noqa: E402
from bench.camera_set import MULTI, SINGLE, Made, load_set, make_set  # noqa: E402
from bench.common import (  # noqa: E402
    cpu_account, cpu_table, goal, post_crops, print_cpu_table, print_machine, running_stack, stack_processes, timed,
    write_result,
)
from bench.library import FLOOR_BELOW, Result, curve, mean_average_precision  # noqa: E402
from facesearch.errors import FaceSearchError  # noqa: E402
from facesearch.face.box import Box  # noqa: E402
from facesearch.face.detect import SMALLEST_SEEN, YuNet, iou  # noqa: E402
from facesearch.face.image import load_image  # noqa: E402
from facesearch.face.models import MIN_FACE_PX, FaceModels  # noqa: E402
from facesearch.face.photo import Photo  # noqa: E402
from facesearch.library.find import Query, find_by_photo  # noqa: E402
from facesearch.library.index import folder_key, index_folder  # noqa: E402
from facesearch.store import library as records  # noqa: E402
from facesearch.store.connection import connect, ensure_handles  # noqa: E402
from facesearch.face.embed import decision_for  # noqa: E402

BUCKETS = ((40, 60), (60, 80), (80, 100), (100, 150), (150, 250), (250, 401))
"""Face widths as pasted (px), [low, high)."""
MATCH = 0.3
"""IoU at which a box is a seat's face."""
PRECISION = 0.95
GOALS = {"found_40": 0.97, "recall": 0.93, "photos_per_s": 5.0, "vs_vectorizer": 0.35, "rss_mib": 600}


def bucket(width: int) -> str:
    return next(f"{a}-{b - 1}" for a, b in BUCKETS if a <= width < b) if BUCKETS[0][0] <= width else "<40"


# 1. Detection variants


def variants(yunet: YuNet) -> dict[str, object]:
    """name -> photo bytes -> boxes (full-resolution pixels)."""
    def before(data: bytes) -> list[Box]:
        return [f.box for f in yunet.detect(load_image(data), "thorough")]

    def passes(smallest: int, first: bool = True):  # noqa: ANN202
        def run(data: bytes) -> list[Box]:
            photo = Photo(data)
            needed = min(photo.long_side, math.ceil(photo.long_side * smallest / MIN_FACE_PX))
            sides = [640, needed] if first and needed > 640 else [max(needed, 640)] if not first else [640]
            return [f.box for f in yunet.find_at(photo, sides)]
        return run

    default = f" (default: {MIN_FACE_PX} px faces seen at {SMALLEST_SEEN} px)"
    return {
        "whole decode, 640 px (before)": before,
        "640 + pass at 12 px": passes(12),
        "640 + pass at 16 px" + default: passes(16),
        "640 + pass at 20 px": passes(20),
        "one pass at 16 px": passes(16, first=False),
    }


def detection(made: Made, count: int) -> dict:
    yunet = YuNet()
    names = sorted(made.photos)[:count]
    out = {}
    for name, detect in variants(yunet).items():
        found, total, stray, seconds = defaultdict(int), defaultdict(int), 0, defaultdict(list)
        for photo in names:
            data = (made.folder / "library" / photo).read_bytes()
            boxes, took = timed(lambda: detect(data))
            seconds[Path(photo).suffix.lstrip(".").upper()].append(took)
            truth = [(Box(*s.box), s.box[2] - s.box[0]) for s in made.photos[photo]]
            for box, width in truth:
                total[bucket(width)] += 1
                found[bucket(width)] += any(iou(box, b) >= MATCH for b in boxes)
            stray += sum(1 for b in boxes if all(iou(t, b) < MATCH for t, _ in truth))
        rows = {k: {"found": found[k], "faces": total[k], "share": round(found[k] / total[k], 4)} for k in total}
        at_40 = sum(found.values()) / max(1, sum(total.values()))
        by_format = {kind: round(1000 * float(np.mean(took)), 1) for kind, took in sorted(seconds.items())}
        out[name] = {"by_width": rows, "found_40_up": round(at_40, 4), "unmatched_boxes": stray,
                     "ms_per_photo": round(1000 * float(np.mean([t for took in seconds.values() for t in took])), 1),
                     "ms_per_photo_by_format": by_format}
        print(f"  {name}: {at_40:.1%} of faces >= 40 px found, {stray} boxes matching no seat, "
              f"{out[name]['ms_per_photo']} ms/photo (" + ", ".join(f"{k} {v}" for k, v in by_format.items()) + ")",
              flush=True)
        print("    " + ", ".join(f"{k} px {v['found']}/{v['faces']}" for k, v in sorted(rows.items(), key=_order)), flush=True)
    return out


def _order(item: tuple[str, dict]) -> int:
    return int(item[0].split("-")[0].strip("<"))


# 2. The library


class PeakMemory:
    """Samples the resident memory of processes every 0.2 s; the most each pid had, in MiB."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots, self.peak, self._stop = roots, defaultdict(float), threading.Event()
        self.cpu_s = 0.0
        """CPU seconds the sampling took (this process's), known once it stopped."""
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            for name, pid in self.roots.items():
                try:
                    root = psutil.Process(pid)
                    for k, p in enumerate([root, *root.children(recursive=True)]):
                        label = name if k == 0 else f"{name} child {p.pid}"
                        self.peak[label] = max(self.peak[label], p.memory_info().rss / 2**20)
                except psutil.Error:
                    continue
        self.cpu_s = time.thread_time()


def vectorizer_alone(settings, crops: list[bytes]) -> float:  # noqa: ANN001
    """Faces/s of POST /vectors with these crops, `vectorizer_workers` at a time (as Weaviate sends them)."""
    _, seconds = post_crops(settings, crops)
    return len(crops) / seconds


def queries(settings, library: records.Library, key: str, made: Made,  # noqa: ANN001
            floor: float) -> tuple[list[Result], list[tuple[int, float | None]]]:
    """One find per lfw-dev-multi person with their query photo: (similarity, right?) per returned face; and per
    face to be found, its width as pasted (px) and the similarity it was returned at (None: not returned)."""
    models = FaceModels.load(settings, embed=False)
    seats = defaultdict(dict)
    for photo, placed in made.photos.items():
        for s in placed:
            seats[records.photo_id(key, photo)][s.identity] = Box(*s.box)
    widths = {(records.photo_id(key, photo), s.identity): s.box[2] - s.box[0]
              for photo, placed in made.photos.items() for s in placed}
    results, to_find = [], []
    for identity, query in sorted(made.queries.items()):
        relevant = sum(1 for who in seats.values() if identity in who)
        try:
            found = find_by_photo(models, library, Path(query).read_bytes(), Query(floor, folders=[key])).matches
        except FaceSearchError:
            found = []
        returned, right = [], {}
        for m in found:
            truth = seats.get(m.face.photo_id, {}).get(identity)
            returned.append((m.similarity, truth is not None and iou(truth, m.face.box) >= MATCH))
            if returned[-1][1]:
                right[m.face.photo_id] = m.similarity
        results.append(Result(identity, relevant, returned))
        to_find += [(widths[(pid, identity)], right.get(pid)) for pid, who in seats.items() if identity in who]
    return results, to_find


def recall_by_width(to_find: list[tuple[int, float | None]], threshold: float) -> dict:
    """Of the faces to be found in each width bucket, the share returned right at `threshold`."""
    out = {}
    for low, high in BUCKETS:
        faces = [s for w, s in to_find if low <= w < high]
        out[f"{low}-{high - 1}"] = {"faces": len(faces), "recall": round(sum(1 for s in faces if s is not None and s >= threshold)
                                                                       / max(1, len(faces)), 3)}
    return out


def library_stage(made: Made, work: Path) -> dict:
    images = work / "people"
    images.mkdir(parents=True, exist_ok=True)
    with running_stack(work, images, library_root=made.folder) as (settings, stack):
        client = connect(settings)
        try:
            handles = ensure_handles(client, settings)
            library = handles.library
            folder = made.folder / "library"
            roots = stack_processes(stack, "this process (indexer)")
            print(f"indexing {len(made.photos)} photos with {settings.import_workers} detection processes", flush=True)
            with PeakMemory(roots) as memory, cpu_account(roots) as used:
                report, seconds = timed(lambda: index_folder(library, folder, workers=settings.import_workers,
                                                              detector=settings.detector))
            key = folder_key(folder)
            index = {"photos": len(made.photos), "faces": report.faces, "skipped": len(report.skipped),
                     "seconds": round(seconds, 1), "photos_per_s": round(len(made.photos) / seconds, 2),
                     "faces_per_s": round(report.faces / seconds, 1),
                     "heic_photos": sum(1 for p in made.photos if p.endswith(".heic"))}
            print(f"  {index['photos_per_s']} photos/s, {index['faces_per_s']} faces/s ({report.faces} faces, "
                  f"{len(report.skipped)} skipped) in {seconds:.0f} s", flush=True)
            crops = [base64.b64decode(properties["image"]) for photo in made.photos
                     for properties, _ in records.face_objects_of(library, records.photo_id(key, photo))]
            used["this process (indexer)"] -= memory.cpu_s  # sampling the memory is the benchmark's, not indexing
            index["cpu"] = cpu_table(used, len(made.photos), report.faces)
            index["memory_sampling_cpu_s"] = round(memory.cpu_s, 2)
            print_cpu_table(index["cpu"], f"CPU of indexing ({len(made.photos)} photos, {report.faces} faces; this "
                                          f"process less the {memory.cpu_s:.1f} s its memory sampling took)")
            with cpu_account(roots) as used:
                alone = vectorizer_alone(settings, crops)
            index["vectorizer_alone_cpu"] = cpu_table(used, len(made.photos), len(crops))
            print_cpu_table(index["vectorizer_alone_cpu"], f"CPU of the vectorizer alone ({len(crops)} crops; "
                                                           "this process is the client)")
            index["vectorizer_alone_faces_per_s"] = round(alone, 1)
            index["share_of_vectorizer"] = round(index["faces_per_s"] / alone, 3)
            print(f"  the vectorizer alone on the same {len(crops)} crops: {alone:.1f} faces/s; indexing reaches "
                  f"{index['share_of_vectorizer']:.0%} of it", flush=True)
            peaks = {k: round(v) for k, v in sorted(memory.peak.items())}
            print("  peak RSS (MiB): " + ", ".join(f"{k} {v}" for k, v in peaks.items()), flush=True)
            floor = max(0.5, round(decision_for(settings).library_threshold - FLOOR_BELOW, 4))
            results, to_find = queries(settings, library, key, made, floor)
            default_threshold = decision_for(settings).library_threshold
            index["by_format"] = rates_by_format(library, settings, made, alone)
        finally:
            client.close()
    rows = curve(results, floor)
    chosen = next((r for r in rows if r["precision"] >= PRECISION), None)
    default = next((r for r in rows if r["threshold"] >= default_threshold - 1e-9), None)
    by_width = recall_by_width(to_find, chosen["threshold"] if chosen else default_threshold)
    found = {"queries": len(results), "relevant": sum(r.relevant for r in results), "map": round(mean_average_precision(results), 4),
             "at_precision_95": chosen, "at_default_threshold": default, "recall_by_width": by_width, "curve": rows}
    print(f"  find: {len(results)} queries, {found['relevant']} photos to find, mAP {found['map']}; at precision >= "
          f"{PRECISION}: " + (f"recall {chosen['recall']:.3f} (threshold {chosen['threshold']})" if chosen else "never")
          + (f"; at the default threshold {default['threshold']}: recall {default['recall']:.3f}, precision "
             f"{default['precision']:.3f}" if default else ""), flush=True)
    print("    recall by face width (px, as pasted) at that precision: "
          + ", ".join(f"{k} {v['recall']:.2f} ({v['faces']})" for k, v in by_width.items()), flush=True)
    return {"index": index, "peak_rss_mib": peaks, "find": found}


def rates_by_format(library: records.Library, settings, made: Made, alone: float) -> dict[str, dict]:  # noqa: ANN001
    """The set's JPEG photos, then its HEIC photos, indexed again each as a folder of its own (hard links under the
    library root, removed after), once the finds are done: photos/s and faces/s per format, and the JPEG's share of
    the vectorizer's rate alone (`alone`, faces/s). HEIC has no reduced decode, so the two rates differ."""
    out = {}
    for kind, suffix in (("JPEG", ".jpg"), ("HEIC", ".heic")):
        names = [name for name in sorted(made.photos) if name.endswith(suffix)]
        if not names:
            continue
        folder = made.folder / f"only-{kind.lower()}"
        try:
            folder.mkdir()
            for name in names:
                linked(made.folder / "library" / name, folder / name)
            report, seconds = timed(lambda: index_folder(library, folder, workers=settings.import_workers,
                                                          detector=settings.detector))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        out[kind] = {"photos": len(names), "faces": report.faces, "seconds": round(seconds, 1),
                     "photos_per_s": round(len(names) / seconds, 2), "faces_per_s": round(report.faces / seconds, 1),
                     "share_of_vectorizer": round(report.faces / seconds / alone, 3)}
        print(f"  {kind} photos alone: {len(names)} photos, {out[kind]['photos_per_s']} photos/s, "
              f"{out[kind]['faces_per_s']} faces/s ({out[kind]['share_of_vectorizer']:.0%} of the vectorizer alone)",
              flush=True)
    return out


def linked(source: Path, target: Path) -> None:
    """`target` names `source`'s file (a hard link; a copy where the file system has none)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--detect-photos", type=int, default=60, help="photos the detection variants are run on")
    parser.add_argument("--set", type=Path, help="make the set here, or use the one already there")
    parser.add_argument("--skip-library", action="store_true", help="only the detection variants")
    parser.add_argument("--smoke", action="store_true", help="4 small photos of the sample people, for tests")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    machine = print_machine()
    with tempfile.TemporaryDirectory(prefix="facesearch-camera-") as tmp:
        folder = args.set or Path(tmp) / "set"
        if (folder / "truth.json").exists():
            made = load_set(folder)
            print(f"using the camera set in {folder}: {len(made.photos)} photos", flush=True)
        else:
            size = (1600, 1200) if args.smoke else (4000, 3000)
            photos = 4 if args.smoke else args.photos
            print(f"making the camera set: {photos} photos of {size[0]} x {size[1]} px (not timed)", flush=True)
            sources = (smoke_data(Path(tmp) / "data"),) * 2 if args.smoke else (MULTI, SINGLE)
            made, seconds = timed(lambda: make_set(folder, photos, size, sources=sources))
            print(f"  made in {seconds:.0f} s: {sum(len(v) for v in made.photos.values())} faces", flush=True)
        result = {"machine": machine}
        if args.detect_photos:
            print(f"detection on {min(args.detect_photos, len(made.photos))} photos, one core:", flush=True)
            result["detection"] = detection(made, args.detect_photos)
        if not args.skip_library:
            result.update(library_stage(made, Path(tmp) / "stack"))
    report(result)
    print(f"result: {write_result('camera', result)}")


def report(result: dict) -> None:
    if "detection" in result:
        default = next(v for k, v in result["detection"].items() if "default" in k)
        print(goal(f">= {GOALS['found_40']:.0%} of faces >= 40 px found (measured {default['found_40_up']:.1%})",
                   default["found_40_up"] >= GOALS["found_40"]))
    if "index" in result:
        index, found = result["index"], result["find"]["at_precision_95"]
        recall = found["recall"] if found else 0.0
        print(goal(f"find recall >= {GOALS['recall']} at precision >= {PRECISION} (measured {recall:.3f})",
                   recall >= GOALS["recall"]))
        jpeg = index.get("by_format", {}).get("JPEG", index)  # the goals are for JPEG photos
        print(goal(f">= {GOALS['photos_per_s']} JPEG photos/s (measured {jpeg['photos_per_s']})",
                   jpeg["photos_per_s"] >= GOALS["photos_per_s"]))
        print(goal(f">= {GOALS['vs_vectorizer']:.0%} of the vectorizer's own rate, JPEG photos (measured "
                   f"{jpeg['share_of_vectorizer']:.0%})", jpeg["share_of_vectorizer"] >= GOALS["vs_vectorizer"]))
        worst = max(result["peak_rss_mib"].values())
        print(goal(f"peak RSS <= {GOALS['rss_mib']} MiB per process (measured at most {worst})", worst <= GOALS["rss_mib"]))


if __name__ == "__main__":
    started = time.monotonic()
    main()
    print(f"took {time.monotonic() - started:.0f} s")
