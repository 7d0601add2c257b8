"""Latency of the face vectorizer per stage on one core, and of a search end to end at growing gallery sizes.

Vectorizer, for each face configuration (detector:embedder): a real single-face photo resized so its long
side is 256, 512 and 1024 px; decode, detect (the vectorizer's QUICK look), align, embed without and with
mirroring, the whole vectorizer call on the photo (facesearch.vectorizer.app.face_vector), and on the
canonical crop the API sends (one small check instead of a detection). One process pinned to core 0,
networks on one thread.

Search (the configured default, or --detector/--embedder): POST /api/search with the look_for photos, over
HTTP, to a private local stack whose gallery is the 8 enrolled people plus synthetic unit vectors of the
embedder's dimension inserted with their own vectors. Where the time goes:
Weaviate's nearVector alone (the query photos' real face vectors, over gRPC) and the vectorizer alone
(POST /vectors with the face crops the API sends). All times in ms, p50 / p95.

Usage: .venv/bin/python bench/latency.py [--configs yunet:fusion,...] [--runs 50] [--queries 50]
                                         [--sizes 100,10000,100000] [--smoke]
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from weaviate.classes.query import MetadataQuery
from weaviate.collections import Collection

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    goal, insert_synthetic, percentiles, print_machine, print_progress, running_stack, timed, unit_vectors,
    write_result,
)
from facesearch.errors import NoFace  # noqa: E402
from facesearch.face import QUICK, THOROUGH, FaceModels, encode_jpeg, largest, load_image  # noqa: E402
from facesearch.people.scan import scan_images  # noqa: E402
from facesearch.people.search import POOL  # noqa: E402
from facesearch.people.sync import import_people  # noqa: E402
from facesearch.settings import ROOT, Settings, get_settings  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.people import METADATA, ensure_people  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from facesearch.vectorizer.app import face_vector  # noqa: E402

PHOTO = ROOT / "images" / "Cady_Coleman" / "1.jpg"
"""A real photo of one face, 819 x 1024 px."""
SIDES = (256, 512, 1024)
"""Long sides (px) the photo is resized to."""
STAGES = ("decode", "detect", "align", "embed", "embed_mirror", "vectorizer_total", "vectorizer_crop")
GOAL_VECTORIZER_MS = 25.0
"""Issue goal: vectorizer p50 for a 512 px single-face photo on one core."""
GOAL_SEARCH_MS = 50.0
"""Issue goal: API search p50 at 100k faces."""


def photo_at(side: int) -> bytes:
    """PHOTO as a JPEG whose long side is `side` px."""
    with Image.open(PHOTO) as im:
        scale = side / max(im.size)
        return encode_jpeg(np.asarray(im.convert("RGB").resize((round(im.width * scale), round(im.height * scale)))))


@contextmanager
def pinned(core: int) -> Iterator[None]:
    """Run this process on one core only; the old affinity comes back (the stack must not inherit it)."""
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {core})
    try:
        yield
    finally:
        os.sched_setaffinity(0, before)


def configured(detector: str, embedder: str) -> Settings:
    """This process's settings with another detector and embedder (their card's thresholds)."""
    return Settings(_env_file=None, detector=detector, embedder=embedder)  # type: ignore[arg-type]


def one_run(models: FaceModels, data: bytes, mirror: bool) -> dict[str, float]:
    """Seconds per stage for one photo, and for the whole vectorizer call."""
    image, decode = timed(lambda: load_image(data))
    faces, detect = timed(lambda: models.detect(image, QUICK))
    if not faces:
        raise SystemExit(f"no face found in {PHOTO} at {max(image.shape[:2])} px")
    face = largest(faces)
    chips, align = timed(lambda: models.chips(image, [face]))
    assert models.embedder is not None
    _, embed = timed(lambda: models.embedder.embed(chips, mirror=False))
    _, embed_mirror = timed(lambda: models.embedder.embed(chips, mirror=True))
    _, total = timed(lambda: face_vector(models, data))
    crop = encode_jpeg(models.crop(image, face))
    _, crop_total = timed(lambda: face_vector(models, crop))
    return dict(zip(STAGES, (decode, detect, align, embed, embed_mirror, total, crop_total)))


def vectorizer_stages(models: FaceModels, mirror: bool, runs: int) -> dict[int, dict]:
    """Per long side (px): p50/p95 of every stage over `runs` runs, after one warm-up run, on core 0."""
    result = {}
    with pinned(0):
        for side in SIDES:
            data = photo_at(side)
            one_run(models, data, mirror)
            samples = [one_run(models, data, mirror) for _ in range(runs)]
            result[side] = {stage: percentiles([s[stage] for s in samples]) for stage in STAGES}
    return result


def query_faces(models: FaceModels, photos: list[Path], mirror: bool) -> tuple[list[bytes], list[np.ndarray]]:
    """The face crops the API would send for the photos (THOROUGH detection), and their face vectors."""
    crops, vectors = [], []
    for photo in photos:
        image = load_image(photo.read_bytes())
        for face in models.detect(image, THOROUGH):
            crop = encode_jpeg(models.crop(image, face))
            try:
                vectors.append(np.array(face_vector(models, crop)))
            except NoFace:
                continue
            crops.append(crop)
    return crops, vectors


def grow_gallery(collection: Collection, size: int, real: int, rng: np.random.Generator, dim: int) -> None:
    """Add synthetic faces until the collection holds `size` faces (`real` of them enrolled people)."""
    have = len(collection)
    if size > have:
        print(f"gallery: adding {size - have:,} synthetic faces", flush=True)
        vectors = unit_vectors(rng.standard_normal((size - have, dim)))
        failed = insert_synthetic(collection, vectors, first=have - real, progress=print_progress(size - have))
        if failed:
            raise SystemExit(f"{failed} synthetic faces were refused")


def api_search(settings: Settings, photos: list[Path], queries: int) -> dict:
    """POST /api/search with the photos in turn: p50/p95 of answers with status 200, and how many failed."""
    times, failed = [], 0
    with httpx.Client(base_url=settings.api_url, timeout=120) as api:
        def ask(photo: Path) -> httpx.Response:
            return api.post("/api/search", files={"photo": (photo.name, photo.read_bytes())})

        ask(photos[0])
        for i in range(queries):
            answer, seconds = timed(lambda: ask(photos[i % len(photos)]))
            if answer.status_code == 200:
                times.append(seconds)
            else:
                failed += 1
    return {**percentiles(times), "failed": failed}


def near_vector(collection: Collection, vectors: list[np.ndarray], queries: int) -> dict:
    """Weaviate's nearVector alone, asked as facesearch.store.people asks nearImage (POOL faces, metadata)."""
    def ask(vector: np.ndarray) -> object:
        return collection.query.near_vector(
            near_vector=vector.tolist(), limit=POOL, return_properties=METADATA,
            return_metadata=MetadataQuery(certainty=True, distance=True),
        )

    ask(vectors[0])
    return percentiles([timed(lambda: ask(vectors[i % len(vectors)]))[1] for i in range(queries)])


def vectorizer_http(settings: Settings, crops: list[bytes], queries: int) -> dict:
    """POST /vectors with the face crops in turn, one at a time."""
    with httpx.Client(base_url=settings.vectorizer_url, timeout=120) as client:
        def ask(crop: bytes) -> None:
            client.post("/vectors", json={"id": "q", "image": base64.b64encode(crop).decode()}).raise_for_status()

        ask(crops[0])
        return percentiles([timed(lambda: ask(crops[i % len(crops)]))[1] for i in range(queries)])


def search_latency(args: argparse.Namespace, models: FaceModels, work: Path) -> tuple[list[dict], dict]:
    """Per gallery size: API search and nearVector; and the vectorizer over HTTP (independent of the gallery)."""
    photos = sorted((ROOT / "look_for").iterdir())
    shutil.copytree(ROOT / "images", work / "images")
    with running_stack(work, work / "images", detector=models.detector_name, embedder=models.embedder.name) as (settings, _):
        crops, vectors = query_faces(models, photos, settings.mirror)
        client = connect(settings)
        try:
            people = ensure_people(client, settings, vector_space(settings))
            collection = people.faces
            real = len(import_people(people, scan_images(work / "images"), workers=settings.import_workers,
                                     detector=settings.detector).imported)
            rows, rng = [], np.random.default_rng(0)
            for size in args.sizes:
                grow_gallery(collection, size, real, rng, models.embedder.dim)
                row = {"gallery": len(collection), "api_search": api_search(settings, photos, args.queries),
                       "near_vector": near_vector(collection, vectors, args.queries)}
                print_search_row(row)
                rows.append(row)
            http = vectorizer_http(settings, crops, args.queries)
        finally:
            client.close()
    return rows, http


def print_stages(config: str, stages: dict[int, dict]) -> None:
    print(f"\nvectorizer per stage, {config}, one core (ms, p50 / p95):")
    print("  " + "side".rjust(6) + "".join(s.rjust(19) for s in STAGES))
    for side, row in stages.items():
        cells = "".join(f"{row[s]['p50_ms']:9.1f} /{row[s]['p95_ms']:7.1f}" for s in STAGES)
        print(f"  {side:>4}px{cells}")


def print_search_row(row: dict) -> None:
    api, nv = row["api_search"], row["near_vector"]
    print(f"search, gallery {row['gallery']:>7,} faces: API {api['p50_ms']:7.1f} / {api['p95_ms']:7.1f} ms "
          f"({api['failed']} failed), Weaviate nearVector {nv['p50_ms']:5.1f} / {nv['p95_ms']:5.1f} ms", flush=True)


def goals(stages: dict[int, dict], search: list[dict]) -> dict:
    """The issue's goals next to what was measured (p50, ms); None when that size was not measured."""
    at_100k = next((r["api_search"]["p50_ms"] for r in search if r["gallery"] >= 100_000), None)
    return {
        "vectorizer_512px_p50_ms": {"goal": GOAL_VECTORIZER_MS, "measured": stages[512]["vectorizer_total"]["p50_ms"]},
        "api_search_100k_p50_ms": {"goal": GOAL_SEARCH_MS, "measured": at_100k},
    }


def print_goals(result: dict) -> None:
    v, s = result["vectorizer_512px_p50_ms"], result["api_search_100k_p50_ms"]
    print(f"\nvectorizer, 512 px, one core: p50 {v['measured']:.1f} ms")
    print(goal(f"<= {v['goal']:.0f} ms", v["measured"] <= v["goal"]))
    if s["measured"] is None:
        print(f"API search at 100k faces: not measured (goal p50 <= {s['goal']:.0f} ms)")
        return
    print(f"API search at 100k faces: p50 {s['measured']:.1f} ms")
    print(goal(f"<= {s['goal']:.0f} ms", s["measured"] <= s["goal"]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--configs", default="yunet:reid0095,yunet:fusion,yunet:mobileface_v2,yunet:dlib_resnet,hog:dlib_resnet",
                        help="detector:embedder,... timed per stage")
    parser.add_argument("--detector", default=get_settings().detector, help="for the search")
    parser.add_argument("--embedder", default=get_settings().embedder, help="for the search")
    parser.add_argument("--runs", type=int, default=50, help="timed runs per photo size")
    parser.add_argument("--queries", type=int, default=50, help="timed searches per gallery size")
    parser.add_argument("--sizes", default="100,10000,100000", help="gallery sizes (faces), comma-separated")
    parser.add_argument("--smoke", action="store_true", help="3 runs, 3 searches, gallery of 100 only")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.queries, args.sizes = 3, 3, "100"
    args.sizes = sorted(int(s) for s in args.sizes.split(","))
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    print(f"photo: {PHOTO.relative_to(ROOT)}; {args.runs} runs per size", flush=True)
    mirror = get_settings().mirror
    stages = {}
    for config in args.configs.split(","):
        detector, embedder = config.split(":", 1)
        config_models = FaceModels.load(configured(detector, embedder), threads=1)
        stages[config] = vectorizer_stages(config_models, mirror, args.runs)
        print_stages(config, stages[config])
    models = FaceModels.load(configured(args.detector, args.embedder), threads=1)
    print(f"\nsearch: {args.queries} searches per gallery size with the look_for photos", flush=True)
    with tempfile.TemporaryDirectory(prefix="facesearch-latency-") as tmp:
        search, http = search_latency(args, models, Path(tmp))
    print(f"vectorizer over HTTP, one face crop: {http['p50_ms']:.1f} / {http['p95_ms']:.1f} ms")
    result = {"machine": machine, "detector": args.detector, "embedder": args.embedder, "mirror": mirror, "photo": str(PHOTO),
              "vectorizer_stages": stages, "search": search, "vectorizer_http": http,
              "goals": goals(stages[f"{args.detector}:{args.embedder}"], search) if f"{args.detector}:{args.embedder}" in stages else {}}
    if result["goals"]:
        print_goals(result["goals"])
    print(f"result: {write_result('latency', result)}")


if __name__ == "__main__":
    main()
