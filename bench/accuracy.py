"""Accuracy of identification through the real path, and the choice of the default threshold.

Protocol, on any folder laid out as <identity>/<photos>:
  - identities with two or more photos are enrolled with all but their last photo (our importer,
    batch, Weaviate + our vectorizer) and searched with the last; the right answer is that identity;
  - identities with one photo are searched but never enrolled; the right answer is "unknown".
Each query goes through facesearch.search (face crop -> Weaviate nearImage -> our vectorizer); the
face judged is the one the importer would pick (facesearch.importer.prepare.pick_face), else the largest. A whole-image baseline (no detection, no alignment:
the photo squeezed into the embedding model, as the original demo feeds whole photos to ResNet-50) is
measured on the same split, with exact search in memory.

Usage: .venv/bin/python bench/accuracy.py [--data DIR] [--people N] [--far 0.01] [--smoke]
The default data is ../shared/lfw-dev (see its README; it is never copied into the project).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import print_machine, write_result  # noqa: E402
from facesearch import store  # noqa: E402
from facesearch.decide import runner_up  # noqa: E402
from facesearch.errors import FaceSearchError  # noqa: E402
from facesearch.face import Box, FaceModels, load_image  # noqa: E402
from facesearch.importer import import_people, scan_images  # noqa: E402
from facesearch.importer.prepare import pick_face  # noqa: E402
from facesearch.search import POOL, search_photo  # noqa: E402
from facesearch.settings import ROOT, get_settings  # noqa: E402
from facesearch.stack import LocalStack, isolated_settings  # noqa: E402

GRID_T = np.round(np.arange(0.9500, 0.99001, 0.0025), 4)
GRID_M = np.round(np.arange(0.0, 0.05001, 0.0025), 4)


@dataclass(frozen=True)
class Query:
    path: Path
    expected: str | None
    """The identity, or None for someone not enrolled."""


@dataclass(frozen=True)
class Answer:
    query: Query
    candidates: list[tuple[str, float]]
    """(identity, certainty) best first; empty when no face was found."""


@dataclass(frozen=True)
class _C:
    person_id: str
    certainty: float


def split(data: Path, people: int | None) -> tuple[dict[str, list[Path]], list[Query]]:
    """Enrolment photos by identity, and the queries (see the module docstring)."""
    enroll, queries = {}, []
    folders = sorted(p for p in data.iterdir() if p.is_dir())[:people]
    for folder in folders:
        photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp"))
        if len(photos) >= 2:
            enroll[folder.name] = photos[:-1]
            queries.append(Query(photos[-1], folder.name))
        elif photos:
            queries.append(Query(photos[0], None))
    return enroll, queries


def link_gallery(enroll: dict[str, list[Path]], images: Path) -> None:
    """images/<identity>/<photo> as symbolic links: the data is never copied."""
    for identity, photos in enroll.items():
        (images / identity).mkdir(parents=True)
        for photo in photos:
            (images / identity / photo.name).symlink_to(photo.resolve())


def ask(models: FaceModels, collection, query: Query) -> Answer:  # noqa: ANN001 - a weaviate Collection
    try:
        result = search_photo(models, collection, query.path.read_bytes(), limit=POOL, threshold=2.0, margin=0.0)
    except FaceSearchError:
        return Answer(query, [])
    boxes = [f.box for f in result.faces]
    chosen = pick_face(boxes, result.width, result.height)
    face = result.faces[boxes.index(chosen)] if isinstance(chosen, Box) else max(result.faces, key=lambda f: f.box.area)
    return Answer(query, [(c.face.person_id, c.certainty) for c in face.candidates])


def run_real_path(enroll: dict[str, list[Path]], queries: list[Query], work: Path) -> tuple[list[Answer], dict]:
    """Enroll with the importer and search every query, on a private local stack."""
    link_gallery(enroll, work / "images")
    settings = isolated_settings(work / "state", work / "images")
    stack = LocalStack(settings)
    stack.start(log=lambda line: print(f"  {line}", flush=True))
    try:
        client = store.connect(settings)
        collection = store.ensure_collection(client, settings.collection)
        started = time.perf_counter()
        report = import_people(collection, scan_images(work / "images"), workers=settings.import_workers)
        imported_s = time.perf_counter() - started
        print(f"  enrolled {len(report.imported)} photos in {imported_s:.0f} s; skipped {len(report.skipped)}", flush=True)
        models = FaceModels(detector=settings.detector, embedder=None)
        started = time.perf_counter()
        with ThreadPoolExecutor(settings.vectorizer_workers) as pool:
            answers = list(pool.map(lambda q: ask(models, collection, q), queries))
        searched_s = time.perf_counter() - started
        client.close()
    finally:
        stack.stop(log=lambda _: None)
    timing = {"import_s": imported_s, "search_s": searched_s, "enrolled": len(report.imported),
              "enrol_skipped": [[str(p), r] for p, r in report.skipped]}
    return answers, timing


def decide(answers: list[Answer]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per query: best certainty, margin over the best other person, top-1 correct, enrolled."""
    best, margin, correct, enrolled = [], [], [], []
    for a in answers:
        found = [_C(p, c) for p, c in a.candidates]
        best.append(found[0].certainty if found else 0.0)
        margin.append(found[0].certainty - runner_up(found) if found else 0.0)
        correct.append(bool(found) and found[0].person_id == a.query.expected)
        enrolled.append(a.query.expected is not None)
    return np.array(best), np.array(margin), np.array(correct), np.array(enrolled)


def rates(best, margin, correct, enrolled, t: float, m: float) -> tuple[float, float]:  # noqa: ANN001
    """(accepted and correct among enrolled, accepted among not enrolled) at threshold t and margin m."""
    accepted = (best >= t) & (margin >= m)
    return float((accepted & correct)[enrolled].mean()), float(accepted[~enrolled].mean())


def choose(best, margin, correct, enrolled, far: float, margins=GRID_M) -> dict:  # noqa: ANN001
    """The (threshold, margin) that accepts most enrolled people with false accepts <= far."""
    top = {"threshold": 1.0, "margin": 0.0, "accepted": 0.0, "false_accepts": 0.0}
    for t in GRID_T:
        for m in margins:
            tar, fa = rates(best, margin, correct, enrolled, t, m)
            better = tar > top["accepted"] or (tar == top["accepted"] and fa < top["false_accepts"])
            if fa <= far and better:
                top = {"threshold": float(t), "margin": float(m), "accepted": tar, "false_accepts": fa}
    return top


def evaluate(answers: list[Answer], far: float) -> dict:
    best, margin, correct, enrolled = decide(answers)
    no_face = sum(1 for a in answers if not a.candidates)
    sweep = [dict(zip(("threshold", "accepted", "false_accepts"), (float(t), *rates(best, margin, correct, enrolled, t, 0.0))))
             for t in GRID_T[::2]]
    return {
        "queries_enrolled": int(enrolled.sum()),
        "queries_not_enrolled": int((~enrolled).sum()),
        "top1": float(correct[enrolled].mean()),
        "no_face": no_face,
        "sweep": sweep,
        "best_threshold_only": choose(best, margin, correct, enrolled, far, margins=[0.0]),
        "best_threshold_and_margin": choose(best, margin, correct, enrolled, far),
    }


def whole_image_baseline(enroll: dict[str, list[Path]], queries: list[Query], far: float) -> dict:
    """The same split with whole photos resized to 150x150 and embedded, no detection or alignment."""
    from PIL import Image

    models = FaceModels(embedder=get_settings().embedder)

    def vector(path: Path) -> np.ndarray:
        chip = np.asarray(Image.fromarray(load_image(path.read_bytes())).resize((150, 150)))
        return models.embed([chip])[0]

    gallery = [(identity, vector(p)) for identity, photos in enroll.items() for p in photos]
    matrix = np.stack([v for _, v in gallery])
    answers = []
    for q in queries:
        sims = matrix @ vector(q.path)
        order = np.argsort(-sims)[:POOL]
        answers.append(Answer(q, [(gallery[i][0], float((1 + sims[i]) / 2)) for i in order]))
    return evaluate(answers, far)


def print_report(name: str, result: dict) -> None:
    print(f"\n{name}")
    print(f"  queries: {result['queries_enrolled']} enrolled, {result['queries_not_enrolled']} not enrolled")
    print(f"  closed-set top-1: {result['top1']:.2%}   photos with no face found: {result['no_face']}")
    print("  threshold sweep (certainty; margin 0): accepted-and-correct (enrolled) / false-accept (not enrolled)")
    for row in result["sweep"]:
        print(f"    {row['threshold']:.4f}: {row['accepted']:6.2%} / {row['false_accepts']:6.2%}")
    for key in ("best_threshold_only", "best_threshold_and_margin"):
        c = result[key]
        print(f"  {key.replace('_', ' ')}: threshold {c['threshold']:.4f}, margin {c['margin']:.4f} -> "
              f"accepted {c['accepted']:.2%}, false accepts {c['false_accepts']:.2%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "lfw-dev")
    parser.add_argument("--people", type=int, default=None, help="use only the first N identity folders")
    parser.add_argument("--far", type=float, default=0.01, help="false accepts allowed when choosing (fraction)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the whole-image baseline")
    parser.add_argument("--smoke", action="store_true", help="a tiny run on the repo's sample photos")
    args = parser.parse_args()
    if not args.smoke and not args.data.is_dir():
        parser.error(f"{args.data} is not a folder: pass --data DIR, laid out <identity>/<photos>")
    machine = print_machine()
    s = get_settings()
    with tempfile.TemporaryDirectory(prefix="facesearch-accuracy-") as tmp:
        data = smoke_data(Path(tmp) / "data") if args.smoke else args.data
        enroll, queries = split(data, args.people)
        print(f"data: {data} ({len(enroll)} identities enrolled, {len(queries)} queries)", flush=True)
        answers, timing = run_real_path(enroll, queries, Path(tmp) / "run")
        face = evaluate(answers, args.far)
        print_report(f"facesearch (detect, align, dlib ResNet via {s.embedder}, mirror {'on' if s.mirror else 'off'}, "
                     "Weaviate nearImage)", face)
        result = {"data": str(data), "machine": machine, "embedder": s.embedder, "mirror": s.mirror,
                  "timing": timing, "facesearch": face}
        if not args.no_baseline:  # still inside: the smoke data lives in tmp
            result["whole_image_baseline"] = whole_image_baseline(enroll, queries, args.far)
            print_report("whole-image baseline (no detection or alignment)", result["whole_image_baseline"])
    chosen = face["best_threshold_and_margin"]
    print(f"\ndefault chosen on {data.name}: FACESEARCH_THRESHOLD={chosen['threshold']:.4f} "
          f"FACESEARCH_MARGIN={chosen['margin']:.4f} (false accepts <= {args.far:.0%})")
    print(f"result: {write_result('accuracy', result)}")


def smoke_data(folder: Path) -> Path:
    """The sample people in the protocol's layout: enrolled ones with two photos, others with one."""
    for person in (ROOT / "images").iterdir():
        (folder / person.name).mkdir(parents=True)
        (folder / person.name / "1.jpg").symlink_to((person / "1.jpg").resolve())
    for photo in (ROOT / "look_for").iterdir():
        (folder / photo.stem).mkdir(parents=True, exist_ok=True)
        (folder / photo.stem / f"2{photo.suffix}").symlink_to(photo.resolve())
    return folder


if __name__ == "__main__":
    main()
