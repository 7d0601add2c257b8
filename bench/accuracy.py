"""Accuracy of identification through the real path, per face configuration, and the choice of each
configuration's threshold, margin and decision rule.

Protocol, on each folder laid out as <identity>/<photos>:
  - identities with two or more photos are enrolled with all but their last photo (our importer,
    batch, Weaviate + our vectorizer) and searched with the last; the right answer is that identity;
  - identities with one photo are searched but never enrolled; the right answer is "unknown";
  - in a folder where everyone has several photos (lfw-dev-multi), every HOLDOUT-th identity is not
    enrolled either and is searched with its last photo: its right answer is "unknown".
Each configuration (detector:embedder) runs on its own private stack. Its threshold, margin and rule
are chosen on all the folders together: the most enrolled people named right on average, with false
accepts <= --far on each folder.
Each query goes through facesearch.people.search (face crop -> Weaviate nearImage -> our vectorizer); the
face judged is the one the importer would pick (facesearch.people.prepare.pick_face), else the largest. A whole-image baseline (no detection, no alignment:
the photo squeezed into the embedding model, as the original demo feeds whole photos to ResNet-50) is
measured on the same split, with exact search in memory.

Each configuration's answers also go through bench/levers.py (per-person rules, quality-aware
thresholds), and a plot of named against strangers named over the threshold is written beside the
JSON result (bench/plots.py).

Usage: .venv/bin/python bench/accuracy.py [--data DIR ...] [--configs yunet:fusion,...] [--far 0.01] [--smoke]
                                          [--answers DIR]
The default data is ../shared/lfw-dev and ../shared/lfw-dev-multi (see their READMEs; never copied into
the project).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import levers  # noqa: E402
from bench.common import place, print_machine, write_result  # noqa: E402
from bench.plots import accuracy_plot  # noqa: E402
from facesearch.errors import FaceSearchError  # noqa: E402
from facesearch.face import Box, FaceModels, load_image  # noqa: E402
from facesearch.face.detect import Face  # noqa: E402
from facesearch.face.models import THOROUGH  # noqa: E402
from facesearch.face.photo import Photo  # noqa: E402
from facesearch.face.embed import load_embedder  # noqa: E402
from facesearch.face.image import encode_jpeg  # noqa: E402
from facesearch.local.stack import LocalStack  # noqa: E402
from facesearch.people.decide import person_scores  # noqa: E402
from facesearch.people.prepare import pick_face  # noqa: E402
from facesearch.people.scan import scan_images  # noqa: E402
from facesearch.people.search import POOL, Seen, search_seen  # noqa: E402
from facesearch.people.sync import import_people  # noqa: E402
from facesearch.settings import ROOT  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.people import People, ensure_people  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from facesearch.testing import isolated_settings  # noqa: E402

GRID_T = np.round(np.arange(0.6000, 0.99501, 0.0025), 4)
GRID_M = np.round(np.arange(0.0, 0.08001, 0.0025), 4)
RULES = ("best", "best2")
HOLDOUT = 4
CONFIGS = "yunet:reid0095,yunet:fusion,yunet:mobileface_v2,yunet:dlib_resnet,hog:dlib_resnet"


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
    quality: dict[str, float] = field(default_factory=dict)
    """The judged face's quality signals (see bench/levers.py); empty when no face was found."""


@dataclass(frozen=True)
class _C:
    person_id: str
    certainty: float


def split(data: Path, people: int | None) -> tuple[dict[str, list[Path]], list[Query]]:
    """Enrolment photos by identity, and the queries (see the module docstring)."""
    folders = sorted(p for p in data.iterdir() if p.is_dir())[:people]
    photos = {f.name: sorted(p for p in f.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp")) for f in folders}
    holdout = HOLDOUT if all(len(p) >= 2 for p in photos.values()) else 0
    enroll, queries = {}, []
    for n, (identity, found) in enumerate((i, p) for i, p in photos.items() if p):
        if len(found) >= 2 and not (holdout and (n + 1) % holdout == 0):
            enroll[identity] = found[:-1]
            queries.append(Query(found[-1], identity))
        else:
            queries.append(Query(found[-1], None))
    return enroll, queries


def link_gallery(enroll: dict[str, list[Path]], images: Path) -> None:
    """images/<identity>/<photo> as symbolic links: the data is never copied."""
    for identity, photos in enroll.items():
        (images / identity).mkdir(parents=True)
        for photo in photos:
            place(photo, images / identity / photo.name)


def quality(models: FaceModels, image: np.ndarray, face: Face) -> dict[str, float]:
    """The face's quality signals (bench/levers.py): width in pixels, detector score, turn, sharpness, and
    the length of the first network's vector before it is normalised."""
    import cv2

    signals = {"width": float(face.box.width), "detector_score": float(face.score)}
    if models.embedder is not None:
        net = models.embedder.parts[0][0]
        signals["embedding_norm"] = float(np.linalg.norm(net.embed(models.chips(image, [face])[net.chip])))
    if face.landmarks is not None:
        eyes = face.landmarks[:2]
        signals["turn"] = float(abs(face.landmarks[2][0] - eyes[:, 0].mean()) / max(1e-6, abs(eyes[1][0] - eyes[0][0])))
        grey = cv2.cvtColor(np.ascontiguousarray(models.crop(image, face)), cv2.COLOR_RGB2GRAY)
        signals["sharpness"] = float(cv2.Laplacian(cv2.resize(grey, (112, 112), interpolation=cv2.INTER_AREA), cv2.CV_64F).var())
    return signals


def ask(models: FaceModels, people: People, query: Query) -> Answer:
    """The query's judged face (the one the importer would pick, else the largest): its candidates and quality."""
    try:
        photo = Photo(query.path.read_bytes())
        found = models.find(photo, THOROUGH)
        if not found:
            return Answer(query, [], {})
        image = photo.full()
        seen = Seen(photo.width, photo.height, [(f.box, encode_jpeg(models.crop(image, f))) for f in found])
        result = search_seen(people, seen, limit=POOL, threshold=2.0, margin=0.0)
    except FaceSearchError:
        return Answer(query, [], {})
    boxes = [f.box for f in found]
    chosen = pick_face(boxes, photo.width, photo.height)
    k = boxes.index(chosen) if isinstance(chosen, Box) else max(range(len(found)), key=lambda i: found[i].box.area)
    return Answer(query, [(c.face.person_id, c.certainty) for c in result.faces[k].candidates], quality(models, image, found[k]))


def run_real_path(enroll: dict[str, list[Path]], queries: list[Query], work: Path, detector: str,
                  embedder: str) -> tuple[list[Answer], dict]:
    """Enroll with the importer and search every query, on a private local stack."""
    link_gallery(enroll, work / "images")
    settings = isolated_settings(work / "state", work / "images", detector=detector, embedder=embedder)
    stack = LocalStack(settings)
    stack.start(log=lambda line: print(f"  {line}", flush=True))
    try:
        client = connect(settings)
        people = ensure_people(client, settings, vector_space(settings))
        started = time.perf_counter()
        report = import_people(people, scan_images(work / "images"), workers=settings.import_workers,
                               detector=detector)
        imported_s = time.perf_counter() - started
        print(f"  enrolled {len(report.imported)} photos in {imported_s:.0f} s; skipped {len(report.skipped)}", flush=True)
        models = FaceModels.load(settings)
        started = time.perf_counter()
        with ThreadPoolExecutor(settings.vectorizer_workers) as pool:
            answers = list(pool.map(lambda q: ask(models, people, q), queries))
        searched_s = time.perf_counter() - started
        client.close()
    finally:
        stack.stop(log=lambda _: None)
    timing = {"import_s": imported_s, "search_s": searched_s, "enrolled": len(report.imported),
              "enrol_skipped": [[str(p), r] for p, r in report.skipped]}
    return answers, timing


def decide(answers: list[Answer], rule: str = "best") -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per query: the top person's score, its margin over the next person, top-1 correct, enrolled."""
    best, margin, correct, enrolled = [], [], [], []
    for a in answers:
        scores = person_scores([_C(p, c) for p, c in a.candidates], rule)  # type: ignore[arg-type]
        best.append(scores[0][1] if scores else 0.0)
        margin.append(scores[0][1] - (scores[1][1] if len(scores) > 1 else 0.5) if scores else 0.0)
        correct.append(bool(scores) and scores[0][0] == a.query.expected)
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


def choose_joint(per_set: dict[str, list[Answer]], far: float) -> dict:
    """The rule, threshold and margin that name the most enrolled people right, on average over the
    folders, with false accepts <= far on each."""
    top: dict = {"mean_accepted": -1.0}
    for rule in RULES:
        arrays = {name: decide(answers, rule) for name, answers in per_set.items()}
        for t in GRID_T:
            for m in GRID_M:
                found = {name: rates(*a, t, m) for name, a in arrays.items()}
                mean = float(np.mean([tar for tar, _ in found.values()]))
                if all(fa <= far for _, fa in found.values()) and mean > top["mean_accepted"]:
                    top = {"rule": rule, "threshold": float(t), "margin": float(m), "mean_accepted": mean,
                           "per_set": {n: {"accepted": tar, "false_accepts": fa} for n, (tar, fa) in found.items()}}
    return top


def evaluate(answers: list[Answer], far: float) -> dict:
    best, margin, correct, enrolled = decide(answers)
    no_face = sum(1 for a in answers if not a.candidates)
    sweep = [dict(zip(("threshold", "accepted", "false_accepts"), (float(t), *rates(best, margin, correct, enrolled, t, 0.0))))
             for t in GRID_T[::8]]
    return {
        "queries_enrolled": int(enrolled.sum()),
        "queries_not_enrolled": int((~enrolled).sum()),
        "top1": float(correct[enrolled].mean()),
        "no_face": no_face,
        "sweep": sweep,
        "best_threshold_and_margin": choose(best, margin, correct, enrolled, far),
    }


def whole_image_baseline(enroll: dict[str, list[Path]], queries: list[Query], far: float) -> dict:
    """The same split with whole photos resized to 150x150 and embedded by dlib's ResNet, no detection or alignment."""
    from PIL import Image

    embedder = load_embedder("dlib_resnet")
    spec = embedder.chips[0]

    def vector(path: Path) -> np.ndarray:
        chip = np.asarray(Image.fromarray(load_image(path.read_bytes())).resize((spec.size, spec.size)))
        return embedder.embed({spec: chip[None]})[0]

    gallery = [(identity, vector(p)) for identity, photos in enroll.items() for p in photos]
    matrix = np.stack([v for _, v in gallery])
    answers = []
    for q in queries:
        sims = matrix @ vector(q.path)
        order = np.argsort(-sims)[:POOL]
        answers.append(Answer(q, [(gallery[i][0], float((1 + sims[i]) / 2)) for i in order], {}))
    return evaluate(answers, far)


def print_report(name: str, result: dict) -> None:
    print(f"\n{name}")
    print(f"  queries: {result['queries_enrolled']} enrolled, {result['queries_not_enrolled']} not enrolled")
    print(f"  closed-set top-1: {result['top1']:.2%}   photos with no face found: {result['no_face']}")
    print("  threshold sweep (certainty; margin 0, rule best): accepted-and-correct (enrolled) / false-accept (not enrolled)")
    for row in result["sweep"]:
        print(f"    {row['threshold']:.4f}: {row['accepted']:6.2%} / {row['false_accepts']:6.2%}")
    c = result["best_threshold_and_margin"]
    print(f"  best for this folder alone (rule best): threshold {c['threshold']:.4f}, margin {c['margin']:.4f} -> "
          f"accepted {c['accepted']:.2%}, false accepts {c['false_accepts']:.2%}")


def print_table(rows: list[dict]) -> None:
    """One line per configuration: per folder top-1 and named at the jointly chosen decision."""
    print("\n| detector | embedder | " + " | ".join(f"{n}: top-1 / named / false accepts / no face" for n in rows[0]["sets"])
          + " | rule, threshold, margin |")
    for row in rows:
        j = row["joint"]
        cells = [f"{s['top1']:.1%} / {j['per_set'][n]['accepted']:.1%} / {j['per_set'][n]['false_accepts']:.1%} / {s['no_face']}"
                 for n, s in row["sets"].items()]
        print(f"| {row['detector']} | {row['embedder']} | " + " | ".join(cells)
              + f" | {j['rule']}, {j['threshold']:.4f}, {j['margin']:.4f} |")


def curve(answers: list[Answer], rule: str, margin: float) -> list[dict]:
    """Named right (among enrolled queries) and strangers named (among the others) at every threshold."""
    best, margins, correct, enrolled = decide(answers, rule)
    return [dict(zip(("threshold", "named", "strangers_named"), (float(t), *rates(best, margins, correct, enrolled, t, margin))))
            for t in GRID_T]


def lever_queries(answers: list[Answer], enroll: dict[str, list[Path]]) -> list[levers.Query]:
    """The answers as bench/levers.py reads them: each candidate with the number of photos enrolled of its person."""
    return [levers.Query([(p, c, len(enroll.get(p, []))) for p, c in a.candidates], a.query.expected, a.quality)
            for a in answers]


def run_config(detector: str, embedder: str, datas: list[Path], people: int | None, far: float, work: Path) -> dict:
    """Every folder through the real path with one configuration; its joint decision and the levers."""
    per_set, sets, timing, queries = {}, {}, {}, {}
    for data in datas:
        enroll, asked = split(data, people)
        print(f"{detector}:{embedder} on {data} ({len(enroll)} identities enrolled, {len(asked)} queries)", flush=True)
        folder = work / re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{detector}-{embedder}-{data.name}")
        answers, timing[data.name] = run_real_path(enroll, asked, folder, detector, embedder)
        per_set[data.name], sets[data.name] = answers, evaluate(answers, far)
        queries[data.name] = lever_queries(answers, enroll)
        print_report(f"{detector}:{embedder} on {data.name}", sets[data.name])
    joint = choose_joint(per_set, far)
    joint["curve"] = {name: curve(answers, joint["rule"], joint["margin"]) for name, answers in per_set.items()}
    print(f"\n{detector}:{embedder} chosen on {', '.join(per_set)} together: [decision.{detector}] rule = \"{joint['rule']}\", "
          f"threshold = {joint['threshold']:.4f}, margin = {joint['margin']:.4f}", flush=True)
    found = levers.compare(queries, far)
    print(f"\n{detector}:{embedder}: the levers (bench/levers.py), each at its own best joint choice:")
    levers.print_levers(found)
    near = levers.quality_near(queries, joint["threshold"])
    levers.print_quality_near(near, joint["threshold"])
    return {"detector": detector, "embedder": embedder, "sets": sets, "joint": joint, "timing": timing,
            "levers": found, "quality_near_threshold": near,
            "answers": {name: [vars(q) for q in qs] for name, qs in queries.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared"
    parser.add_argument("--data", type=Path, nargs="+", default=[shared / "lfw-dev", shared / "lfw-dev-multi"])
    parser.add_argument("--configs", default=None, help=f"detector:embedder,... (default {CONFIGS})")
    parser.add_argument("--people", type=int, default=None, help="use only the first N identity folders")
    parser.add_argument("--far", type=float, default=0.01, help="false accepts allowed when choosing (fraction)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the whole-image baseline")
    parser.add_argument("--smoke", action="store_true", help="a tiny run on the repo's sample photos, first config only")
    parser.add_argument("--answers", type=Path, default=None,
                        help="also write each configuration's answers (names replaced by numbers) for bench/levers.py here")
    args = parser.parse_args()
    for data in [] if args.smoke else args.data:
        if not data.is_dir():
            parser.error(f"{data} is not a folder: pass --data DIR, laid out <identity>/<photos>")
    configs = [c.split(":", 1) for c in (args.configs or (CONFIGS.split(",")[0] if args.smoke else CONFIGS)).split(",")]
    machine = print_machine()
    with tempfile.TemporaryDirectory(prefix="facesearch-accuracy-") as tmp:
        datas = [smoke_data(Path(tmp) / "data")] if args.smoke else args.data
        rows = [run_config(d, e, datas, args.people, args.far, Path(tmp)) for d, e in configs]
        result = {"data": [str(d) for d in datas], "machine": machine, "far": args.far, "configs": rows}
        if not args.no_baseline:  # still inside: the smoke data lives in tmp
            result["whole_image_baseline"] = whole_image_baseline(*split(datas[0], args.people), args.far)
            print_report(f"whole-image baseline on {datas[0].name} (no detection or alignment)", result["whole_image_baseline"])
    print_table(rows)
    answers = {f"{r['detector']}-{r['embedder']}": r.pop("answers") for r in rows}
    path = write_result("accuracy", result)
    print(f"result: {path}\nplot: {accuracy_plot(result, path.with_suffix('.png'))}")
    if args.answers:
        write_answers(args.answers, path.stem, answers, args.far)


def write_answers(folder: Path, stem: str, answers: dict[str, dict[str, list[dict]]], far: float) -> None:
    """One JSON file per configuration for bench/levers.py, identities replaced by numbers: never committed."""
    folder.mkdir(parents=True, exist_ok=True)
    for config, sets in answers.items():
        number: dict[str, int] = {}
        for queries in sets.values():
            for q in queries:
                q["candidates"] = [(number.setdefault(p, len(number)), c, n) for p, c, n in q["candidates"]]
                q["expected"] = None if q["expected"] is None else number.setdefault(q["expected"], len(number))
        out = folder / f"{stem}-{config}.json"
        out.write_text(json.dumps({"far": far, "sets": sets}))
        print(f"answers: {out}")


def smoke_data(folder: Path) -> Path:
    """The sample people in the protocol's layout: enrolled ones with two photos, others with one."""
    for person in (ROOT / "images").iterdir():
        (folder / person.name).mkdir(parents=True)
        place(person / "1.jpg", folder / person.name / "1.jpg")
    for photo in (ROOT / "look_for").iterdir():
        (folder / photo.stem).mkdir(parents=True, exist_ok=True)
        place(photo, folder / photo.stem / f"2{photo.suffix}")
    return folder


if __name__ == "__main__":
    main()
