"""The photo library: how well "find this face" finds a person's other photos, and how fast.

Accuracy, on every photo of the data folders (default ../shared/lfw-dev and ../shared/lfw-dev-multi,
laid out <identity>/<photos>, never copied: the library is a temporary folder of links) indexed as one
library through the real path (our indexer, Weaviate, the face vectorizer). Each LFW photo's labelled
person is its face nearest the middle; other faces in it are bystanders. For every identity with two
or more photos, its first photo is the query (that face, through find_by_photo: nearImage with a
similarity floor); the answer is every other photo whose best face clears the threshold. A returned
photo is right when it is the same identity's and its matched face is the labelled one; recall counts
those among the identity's other photos, precision among all returned. Printed: recall and precision
over thresholds, mean average precision, and the default threshold: the lowest with precision >= 0.95.

Speed: index rate (photos/s, faces/s) of that library; then find through the API (POST
/api/library/find, one at a time) and Weaviate's own vector search with the threshold, at several
library sizes, grown with synthetic faces drawn to look like the real ones (the mean and covariance of
the library's vectors), as bench/scale.py does for people.

Small faces (`--widths 40,60,80`): the accuracy part again for each face width W (px), on a library of shrunken
copies of the photos (each scaled by W / LFW_FACE_PX, Lanczos, JPEG quality 95, in the temporary folder), queries
shrunk alike; one table of recall, precision, thresholds and mAP by width. The speed part is skipped then (and with
`--no-speed`).

The precision-recall curve is drawn beside the JSON result (bench/plots.py; `bench/plots.py library A.json B.json`
draws several runs on one plot).

Usage: .venv/bin/python bench/library.py [--data DIR ...] [--sizes 1000,100000,1000000] [--queries 200]
       [--widths 40,60,80] [--no-speed] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import smoke_data  # noqa: E402
from bench.plots import library_plot  # noqa: E402
from bench.common import (  # noqa: E402
    CHUNK, goal, percentiles, place, print_machine, running_stack, timed, unit_vectors, write_result,
)
from weaviate.classes.query import Filter  # noqa: E402

from facesearch.errors import FaceSearchError  # noqa: E402
from facesearch.face import Box, FaceModels, load_image  # noqa: E402
from facesearch.face.embed import decision_for  # noqa: E402
from facesearch.face.models import face_size_floor  # noqa: E402
from facesearch.library.find import Query, find_by_photo  # noqa: E402
from facesearch.library.index import folder_key, index_folder  # noqa: E402
from facesearch.settings import ROOT, get_settings  # noqa: E402
from facesearch.store import library as records  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from facesearch.store.writes import VECTOR  # noqa: E402

DATA = [ROOT.parent / "shared" / "lfw-dev", ROOT.parent / "shared" / "lfw-dev-multi"]
FLOOR_BELOW = 0.08
"""The accuracy queries' similarity floor is this far below the configuration's identification threshold
(each embedder has its own scale); every threshold on the curve is at or above the floor."""
PRECISION = 0.95
SLIDER_PRECISION = 0.10
"""The page's slider starts at the lowest threshold whose answers are still this precise."""
GOAL_FIND_P50_MS = 100.0
LFW_FACE_PX = 100
"""About how wide (px) our detector boxes an LFW photo's labelled face in its 250 px photo (the median measured at full
size is 93 px): a photo is scaled by W / LFW_FACE_PX for faces W px wide (each run prints the median it measured)."""
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp")


@dataclass(frozen=True)
class Photo:
    identity: str
    path: str
    """relative to the library folder"""


def link_library(data: list[Path], folder: Path, scale: float | None = None) -> list[Photo]:
    """Every photo of the data folders in one library folder, <data name>/<identity>/<photo>: links, or with
    `scale`, shrunken copies (see `shrink`)."""
    photos = []
    for source in data:
        for person in sorted(p for p in source.iterdir() if p.is_dir()):
            (folder / source.name / person.name).mkdir(parents=True)
            for file in sorted(person.iterdir()):
                if file.suffix.lower() in PHOTO_SUFFIXES:
                    name = put(file, folder / source.name / person.name, scale)
                    photos.append(Photo(person.name, f"{source.name}/{person.name}/{name}"))
    return photos


def put(file: Path, folder: Path, scale: float | None) -> str:
    """The photo in `folder`, linked (`scale` None) or shrunk; its name there."""
    if scale is None:
        place(file, folder / file.name)
        return file.name
    return shrink(file, folder, scale)


def shrink(file: Path, folder: Path, scale: float) -> str:
    """Write the photo (turned upright) scaled by `scale` (Lanczos) as a JPEG of quality 95 into `folder`; its name."""
    name = file.name if file.suffix.lower() in (".jpg", ".jpeg") else f"{file.name}.jpg"
    image = Image.fromarray(load_image(file.read_bytes()))
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    image.resize(size, Image.Resampling.LANCZOS).save(folder / name, "JPEG", quality=95)
    return name


def labelled(faces: list[records.LibraryFace]) -> dict[str, str]:
    """photo id -> id of its labelled face (the one nearest the photo's middle)."""
    best: dict[str, tuple[float, str]] = {}
    for f in faces:
        d = f.box.distance_to(f.photo_width / 2, f.photo_height / 2)
        if f.photo_id not in best or d < best[f.photo_id][0]:
            best[f.photo_id] = (d, f.id)
    return {photo: face for photo, (_, face) in best.items()}


def middle_face(boxes: list[Box], width: int, height: int) -> int:
    """Number (from 1, left to right) of the face nearest the middle."""
    return min(range(len(boxes)), key=lambda i: boxes[i].distance_to(width / 2, height / 2)) + 1


@dataclass(frozen=True)
class Result:
    """One query: its identity, how many other photos it has, and (similarity, right?) per returned photo."""

    identity: str
    relevant: int
    returned: list[tuple[float, bool]]
    face: bool = True
    """A face was found in the query photo (and its crop vectorized)."""


def run_queries(models: FaceModels, library: records.Library, key: str, photos: list[Photo], label: dict[str, str],
                floor: float) -> list[Result]:
    by_identity: dict[str, list[Photo]] = {}
    for p in photos:
        by_identity.setdefault(p.identity, []).append(p)
    identity_of = {records.photo_id(key, p.path): p.identity for p in photos}
    results = []
    for identity, own in sorted(by_identity.items()):
        if len(own) < 2:
            continue
        data = (Path(key) / own[0].path).read_bytes()
        image = load_image(data)
        boxes = [f.box for f in models.detect(image)]
        returned: list[tuple[float, bool]] = []
        found = None
        if boxes:
            face = middle_face(boxes, image.shape[1], image.shape[0])
            try:
                found = find_by_photo(models, library, data, Query(floor, folders=[key]), face).matches
            except FaceSearchError:  # no face found by find's own detection, or the vectorizer found none in the crop
                found = None
            query_photo = records.photo_id(key, own[0].path)
            returned = [(m.similarity, identity_of.get(m.face.photo_id) == identity and label.get(m.face.photo_id) == m.face.id)
                        for m in found or [] if m.face.photo_id != query_photo]
        results.append(Result(identity, len(own) - 1, returned, face=found is not None))
    return results


def at_threshold(results: list[Result], threshold: float) -> dict:
    """Recall, precision and photos returned when the answers are those at least `threshold` similar."""
    relevant = sum(r.relevant for r in results)
    returned = [ok for r in results for s, ok in r.returned if s >= threshold]
    right = sum(returned)
    return {"threshold": float(threshold), "recall": right / relevant if relevant else 0.0,
            "precision": right / len(returned) if returned else 1.0, "returned": len(returned)}


def curve(results: list[Result], floor: float) -> list[dict]:
    return [at_threshold(results, t) for t in np.round(np.arange(floor, 0.99001, 0.0025), 4)]


def mean_average_precision(results: list[Result]) -> float:
    """Mean over queries of average precision over their ranked answers (down to the floor)."""
    aps = []
    for r in results:
        hits, total = 0, 0.0
        for rank, (_, ok) in enumerate(sorted(r.returned, key=lambda x: -x[0]), start=1):
            if ok:
                hits += 1
                total += hits / rank
        aps.append(total / r.relevant if r.relevant else 0.0)
    return float(np.mean(aps)) if aps else 0.0


def labelled_widths(faces: list[records.LibraryFace], label: dict[str, str]) -> list[int]:
    """The width (px, the stored `face_width`: the box's) of each photo's labelled face."""
    return [f.box.width for f in faces if label.get(f.photo_id) == f.id]


def accuracy(settings, library: records.Library, data: list[Path], work: Path,  # noqa: ANN001
             width: int | None = None) -> tuple[dict, str, np.ndarray]:
    """The accuracy part on the data's photos, or with `width`, on copies shrunk for faces about that wide (px)."""
    folder = work / ("library" if width is None else f"library-{width}px")
    photos = link_library(data, folder, None if width is None else width / LFW_FACE_PX)
    shrunk = "" if width is None else f", shrunk by {width / LFW_FACE_PX:g} for {width} px faces"
    print(f"\nindexing {len(photos):,} photos of {len({p.identity for p in photos}):,} identities{shrunk} "
          f"({settings.import_workers} detection processes)", flush=True)
    report, seconds = timed(lambda: index_folder(library, folder, workers=settings.import_workers, detector=settings.detector))
    key = folder_key(folder)
    faces = records.faces_where(library, Filter.by_property("folder").equal(key), vectors=True) if len(photos) < 9000 else []
    index = {"photos": len(photos), "faces": report.faces, "skipped": len(report.skipped), "seconds": round(seconds, 1),
             "photos_per_s": round(len(photos) / seconds, 1), "faces_per_s": round(report.faces / seconds, 1)}
    print(f"  indexed in {seconds:.0f} s: {index['photos_per_s']} photos/s, {index['faces_per_s']} faces/s, "
          f"{report.faces:,} faces, {len(report.skipped)} skipped", flush=True)
    models = FaceModels.load(settings, embed=False)
    floor = max(0.5, round(decision_for(settings).threshold - FLOOR_BELOW, 4))
    label = labelled(faces)
    widths = labelled_widths(faces, label)
    results = run_queries(models, library, key, photos, label, floor)
    rows = curve(results, floor)
    chosen = next((r for r in rows if r["precision"] >= PRECISION), None)
    slider = next((r for r in rows if r["precision"] >= SLIDER_PRECISION), None)
    result = {"index": index, "width": width, "photos_with_face": len(label),
              "labelled_face_px": float(np.median(widths)) if widths else None,
              "queries": len(results), "relevant": sum(r.relevant for r in results),
              "no_face_queries": sum(1 for r in results if not r.face),
              "empty_queries": sum(1 for r in results if not r.returned and r.relevant), "curve": rows,
              "map": round(mean_average_precision(results), 4), "chosen": chosen, "slider_min": slider,
              "at_default": at_threshold(results, decision_for(settings).library_threshold)}
    vectors = np.array([f.vector for f in faces], dtype=np.float32)
    return result, key, vectors


def synthetic_faces(real: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """`count` unit vectors in the real faces' region: identities from the real vectors' Gaussian
    (mean and covariance), four photos around each, normalised."""
    dim = real.shape[1]
    mean, cov = real.mean(axis=0), np.cov(real, rowvar=False)
    cov += np.eye(dim) * 1e-6  # a few real faces (a smoke run) give a singular covariance
    centres = rng.multivariate_normal(mean, cov, size=max(1, count // 4))
    spread = np.sqrt(np.trace(cov) / dim) * 0.5
    owner = np.arange(count) // 4 % len(centres)
    return unit_vectors(centres[owner] + rng.standard_normal((count, dim)) * spread)


def grow(library: records.Library, key: str, vectors: np.ndarray, first: int) -> None:
    """Insert synthetic faces (their own vectors, no image) into the library's folder."""
    for start in range(0, len(vectors), CHUNK):
        with library.faces.batch.fixed_size(batch_size=1000, concurrent_requests=2) as batch:
            for k, vector in enumerate(vectors[start : start + CHUNK], start=first + start):
                path = f"synthetic/{k}.jpg"
                props = {"folder": key, "path": path, "photo_id": records.photo_id(key, path), "person_id": "",
                         "box": [0, 0, 100, 100], "face_width": 100, "photo_width": 250, "photo_height": 250}
                batch.add_object(properties=props, uuid=records.face_id(key, path, 1), vector={VECTOR: vector.tolist()})
        failed = library.faces.batch.failed_objects
        if failed:
            raise SystemExit(f"Weaviate refused {len(failed)} synthetic faces: {failed[0].message}")
        print(f"  library faces: {first + start + min(CHUNK, len(vectors) - start):,}", flush=True)


def speed_at(settings, library: records.Library, key: str, queries: list[Path], real: np.ndarray, threshold: float) -> dict:  # noqa: ANN001
    """find p50/p95 through the API, and Weaviate's vector search alone, at the library's present size."""
    size = len(library.faces)
    api_s, hits = [], []
    with httpx.Client(base_url=settings.api_url, timeout=120) as api:
        for path in queries[:3]:
            api.post("/api/library/find", files={"photo": (path.name, path.read_bytes())})  # warm up
        for path in queries:
            answer, s = timed(lambda: api.post(
                "/api/library/find", params={"threshold": threshold}, files={"photo": (path.name, path.read_bytes())}))
            if answer.status_code == 200:
                api_s.append(s)
                hits.append(len(answer.json()["matches"]))
    vector_s = [timed(lambda: records.nearest(library, certainty=threshold, vector=v.tolist()))[1] for v in real[: len(queries)]]
    row = {"faces": size, "api_find": percentiles(api_s), "vector_search": percentiles(vector_s),
           "mean_photos_returned": round(float(np.mean(hits)), 1) if hits else 0.0}
    print(f"  {size:>9,} faces: API find p50 {row['api_find']['p50_ms']:.1f} / p95 {row['api_find']['p95_ms']:.1f} ms; "
          f"Weaviate's vector search p50 {row['vector_search']['p50_ms']:.1f} / p95 {row['vector_search']['p95_ms']:.1f} ms; "
          f"{row['mean_photos_returned']} photos returned per find", flush=True)
    return row


def speed_library(settings, library: records.Library, photos: list[Path], folder: Path) -> str:  # noqa: ANN001
    """A fresh library folder of real photos (links), indexed: the start of the speed runs."""
    folder.mkdir()
    for n, photo in enumerate(photos):
        place(photo, folder / f"{n}{photo.suffix}")
    index_folder(library, folder, workers=settings.import_workers, detector=settings.detector)
    return folder_key(folder)


def speed(settings, library: records.Library, key: str, real: np.ndarray, sizes: list[int], queries: list[Path], threshold: float) -> list[dict]:  # noqa: ANN001
    """find at each library size: real faces first, then synthetic ones added up to the size."""
    rng = np.random.default_rng(11)
    rows = []
    for size in sizes:
        have = len(library.faces)
        if size > have:
            grow(library, key, synthetic_faces(real, size - have, rng), first=have)
        rows.append(speed_at(settings, library, key, queries, real, threshold))
    return rows


def print_accuracy(acc: dict) -> None:
    print(f"\n{acc['queries']} queries, {acc['relevant']} other photos to find "
          f"({acc['no_face_queries']} queries without a face found, {acc['empty_queries']} with nothing returned); "
          f"mean average precision {acc['map']:.4f}")
    print(f"labelled faces: median {acc['labelled_face_px']} px wide, in {acc['photos_with_face']:,} of "
          f"{acc['index']['photos']:,} photos (the others: no face indexed)")
    print("  threshold  recall  precision  photos returned")
    for r in acc["curve"]:
        print(f"  {r['threshold']:.4f}    {r['recall']:.4f}  {r['precision']:.4f}     {r['returned']}")
    c = acc["chosen"]
    if c:
        print(f"default threshold (lowest with precision >= {PRECISION}): {c['threshold']:.4f} -> recall {c['recall']:.4f}, "
              f"precision {c['precision']:.4f}: FACESEARCH_LIBRARY_THRESHOLD={c['threshold']:.4f}")
    if acc["slider_min"]:
        print(f"slider floor (lowest with precision >= {SLIDER_PRECISION}): library_threshold_min = {acc['slider_min']['threshold']:.4f}")
    d = acc["at_default"]
    print(f"at the configuration's library threshold {d['threshold']:.4f}: recall {d['recall']:.4f}, "
          f"precision {d['precision']:.4f}")


def by_width(settings, library: records.Library, data: list[Path], work: Path,  # noqa: ANN001
             widths: list[int]) -> list[dict]:
    """The accuracy part at each face width (px), each on its own shrunken library, forgotten after."""
    runs = []
    for width in widths:
        acc, key, _ = accuracy(settings, library, data, work, width)
        print_accuracy(acc)
        records.forget_folder(library, key)
        runs.append(acc)
    return runs


def width_row(acc: dict) -> dict:
    """One line of the table by face width: what `print_widths` prints, and the curve."""
    chosen, default = acc["chosen"] or {}, acc["at_default"]
    return {"width": acc["width"], "measured_px": acc["labelled_face_px"], "photos": acc["index"]["photos"],
            "faces": acc["index"]["faces"], "photos_with_face": acc["photos_with_face"], "queries": acc["queries"],
            "no_face_queries": acc["no_face_queries"], "recall_at_precision": chosen.get("recall"),
            "precision_threshold": chosen.get("threshold"), "default_threshold": default["threshold"],
            "recall_at_default": default["recall"], "precision_at_default": default["precision"], "map": acc["map"],
            "curve": acc["curve"]}


def cell(value: float | None, form: str) -> str:
    return "-" if value is None else format(value, form)


def print_widths(rows: list[dict]) -> None:
    print(f"\nby face width (px; measured: median width of the labelled faces indexed); P>={PRECISION}: the lowest "
          f"threshold with precision >= {PRECISION}; default: the configuration's library threshold "
          f"{rows[0]['default_threshold']:.4f}")
    print("  width  measured  faces  photos w/ face  no-face queries  recall@P>=0.95  threshold  "
          "recall@default  precision@default  mAP")
    for r in rows:
        print(f"  {cell(r['width'], 'd') if r['width'] else 'full':>5}  {cell(r['measured_px'], '.1f'):>8}  "
              f"{r['faces']:>5}  {r['photos_with_face']:>14}  {r['no_face_queries']:>6} of {r['queries']:<5}  "
              f"{cell(r['recall_at_precision'], '.4f'):>14}  {cell(r['precision_threshold'], '.4f'):>9}  "
              f"{r['recall_at_default']:>14.4f}  {r['precision_at_default']:>17.4f}  {r['map']:.4f}")


def print_floor(settings, widths: list[int]) -> None:  # noqa: ANN001
    """The detector's minimum face width: faces narrower are not kept in the library."""
    floor = face_size_floor(settings)
    note = "; ABOVE 40 px: it removes faces that the 40 px row asks for" if floor > 40 else ""
    below = [w for w in widths if w <= floor]
    cut = (f"; the faces asked at {', '.join(map(str, below))} px are about that wide, so those boxed narrower than "
           f"{floor} px are not indexed" if below else "")
    print(f"minimum face width (min_face_px): {floor} px: narrower faces are not kept in the library{note}{cut}",
          flush=True)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", default=DATA, help="folders laid out <identity>/<photos>")
    parser.add_argument("--sizes", default="1000,100000,1000000", help="library sizes (faces) to time find at")
    parser.add_argument("--queries", type=int, default=200, help="find requests per size")
    parser.add_argument("--detector", default=get_settings().detector)
    parser.add_argument("--embedder", default=get_settings().embedder)
    parser.add_argument("--widths", default="", help="face widths (px), e.g. 40,60,80: the accuracy part again on "
                        "photos shrunk for faces that wide (skips the speed part)")
    parser.add_argument("--no-speed", action="store_true", help="skip the speed part")
    parser.add_argument("--smoke", action="store_true", help="the sample photos, sizes 100 and 300, 5 queries")
    args = parser.parse_args()
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    args.widths = [int(w) for w in args.widths.split(",") if w.strip()]
    args.speed = not (args.no_speed or args.widths)
    if args.smoke:
        args.sizes, args.queries = [100, 300], 5
    return args


def speed_part(settings, library: records.Library, acc: dict, key: str, real: np.ndarray,  # noqa: ANN001
               args: argparse.Namespace, work: Path) -> tuple[float, list[dict]]:
    """The threshold find is timed at (the chosen one) and find's speed at each library size."""
    threshold = acc["chosen"]["threshold"] if acc["chosen"] else decision_for(settings).library_threshold
    every = sorted((work / "library").rglob("*.*"))
    queries = every[:: max(1, len(every) // max(1, args.queries))][: args.queries]
    records.forget_folder(library, key)
    print(f"\nfind at {threshold:.4f}, {len(queries)} query photos per size, one at a time; the library "
          f"starts with {min(args.sizes[0], len(every))} real photos and grows with synthetic faces:", flush=True)
    key = speed_library(settings, library, every[: args.sizes[0]], work / "speed")
    return threshold, speed(settings, library, key, real, args.sizes, queries, threshold)


def main() -> None:
    args = parse_args()
    machine = print_machine()
    threshold, rows, runs = None, [], []
    with tempfile.TemporaryDirectory(prefix="facesearch-library-") as tmp:
        work = Path(tmp)
        data = [smoke_data(work / "smoke")] if args.smoke else args.data
        missing = [d for d in data if not d.is_dir()]
        if missing:
            sys.exit(f"error: no data folder at {', '.join(map(str, missing))} (see --data)")
        (work / "images").mkdir()
        with running_stack(work, work / "images", library_root=work, detector=args.detector, embedder=args.embedder) as (settings, _):
            print(f"faces: {settings.detector}:{settings.embedder}", flush=True)
            print_floor(settings, args.widths)
            client = connect(settings)
            try:
                library = records.ensure_library(client, settings, vector_space(settings))
                acc, key, real = accuracy(settings, library, data, work)
                print_accuracy(acc)
                runs = by_width(settings, library, data, work, args.widths)
                if args.speed:
                    threshold, rows = speed_part(settings, library, acc, key, real, args, work)
            finally:
                client.close()
    result = {"machine": machine, "detector": args.detector, "embedder": args.embedder, "accuracy": acc, "threshold": threshold, "speed": rows}
    if runs:
        result["widths"] = [width_row(a) for a in [acc, *runs]]
        print_widths(result["widths"])
    if rows:
        largest = rows[-1]
        met = largest["api_find"]["p50_ms"] <= GOAL_FIND_P50_MS
        print(goal(f"find p50 <= {GOAL_FIND_P50_MS:g} ms at {largest['faces']:,} faces", met))
    path = write_result("library", result)
    print(f"result: {path}\nplot: {library_plot([result], path.with_suffix('.png'))}")


if __name__ == "__main__":
    main()
