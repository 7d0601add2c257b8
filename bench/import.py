"""Import speed (photos/s): our importer, a naive importer, and the vectorizer's raw rate, on one stack.

  ours:  facesearch.people.sync.import_people (detection in `import_workers` processes, face crops, batches)
         into a fresh collection;
  naive: as Weaviate's original face demo script does it: for each photo, read it, base64 the whole photo
         and insert it as one object with one request (`collection.data.insert`), one at a time;
  raw:   POST /vectors straight to the vectorizer with the crops our importer sends, from as many
         concurrent clients as there are vectorizer workers, a connection per request so that every worker
         gets work (the crops are made before the clock starts).
Photos that give no face count as done in every rate (each path spent its work on them).
For each run, the CPU seconds of every process (this one, which imports, with its detection processes; Weaviate;
each vectorizer worker; the API) and CPU ms per photo and per face given a vector, printed and under "cpu".

All three, for each face configuration (detector:embedder), each on its own private stack.

Usage: .venv/bin/python bench/import.py [--photos DIR] [--limit 300] [--configs yunet:fusion,...] [--smoke]
DIR is laid out <identity>/<photos>; the default is ../shared/lfw-dev (never copied into the project).
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
from pathlib import Path

from weaviate.collections import Collection
from weaviate.exceptions import WeaviateBaseError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (  # noqa: E402
    cpu_account, cpu_table, goal, post_crops, print_cpu_table, print_machine, running_stack, stack_processes, timed,
    write_result,
)
from facesearch.face import FaceModels  # noqa: E402
from facesearch.people import prepare as prep  # noqa: E402
from facesearch.people.scan import Person, scan_images  # noqa: E402
from facesearch.people.sync import import_people  # noqa: E402
from facesearch.settings import ROOT, Settings  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.people import People, ensure_people  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402

GOAL_RATE = 50.0
"""Issue goals: our importer at >= 50 photos/s, >= 10x the naive one, >= 80% of the vectorizer's raw rate."""
GOAL_VS_NAIVE = 10.0
GOAL_VS_RAW = 0.8


def first_photos(folder: Path, limit: int) -> list[Person]:
    """The people of `folder` (sorted), keeping only the first `limit` photos in that order."""
    people, left = [], limit
    for person in scan_images(folder):
        person.photos = person.photos[:left]
        left -= len(person.photos)
        if person.photos:
            people.append(person)
        if not left:
            break
    return people


def ours(settings: Settings, enrolled: People, people: list[Person]) -> dict:
    """Our importer into an empty collection."""
    report, seconds = timed(lambda: import_people(
        enrolled, people, workers=settings.import_workers, detector=settings.detector))
    return rated(count(people), seconds, len(report.imported))


def naive_insert(collection: Collection, person: Person, path: Path) -> bool:
    """One photo, whole, as one object in one request; False when Weaviate refuses it (no face)."""
    properties = {"image": base64.b64encode(path.read_bytes()).decode(), "name": person.name,
                  "person_id": person.id, "filename": path.name}
    try:
        collection.data.insert(properties=properties)
    except WeaviateBaseError:
        return False
    return True


def naive(collection: Collection, people: list[Person]) -> dict:
    """The original demo's way: every photo in turn, each its own insert request."""
    pairs = [(person, photo.path) for person in people for photo in person.photos]
    done, seconds = timed(lambda: [naive_insert(collection, person, path) for person, path in pairs])
    return rated(len(pairs), seconds, sum(done))


def crops_of(people: list[Person], detector: str) -> list[bytes]:
    """The crops our importer would send to the vectorizer (photos without a usable face give none)."""
    models = FaceModels.detector_only(detector)
    prepared = [prep.prepare(models, photo.path) for person in people for photo in person.photos]
    return [p.crop for p in prepared if p.crop is not None]


def raw(settings: Settings, crops: list[bytes]) -> dict:
    """POST /vectors with every crop, `vectorizer_workers` requests at a time."""
    done, seconds = post_crops(settings, crops)
    return rated(len(crops), seconds, done)


def measure(detector: str, embedder: str, people: list[Person], work: Path) -> dict:
    """The three rates on one private stack, each into its own fresh collection."""
    (work / "people").mkdir(parents=True)  # the API's people folder: the photos folder is only read
    with running_stack(work, work / "people", detector=detector, embedder=embedder) as (settings, stack):
        print("raw: making the crops our importer sends (not timed)", flush=True)
        crops = crops_of(people, settings.detector)
        client = connect(settings)
        roots = stack_processes(stack, "this process (client, importer)")
        try:
            space = vector_space(settings)
            mine, theirs = (fresh_people(client, settings, name, space) for name in ("BenchOurs", "BenchNaive"))
            runs = {}
            for name, run in (("raw", lambda: raw(settings, crops)), ("ours", lambda: ours(settings, mine, people)),
                              ("naive", lambda: naive(theirs.faces, people))):
                with cpu_account(roots) as used:
                    runs[name] = run()
                runs[name]["cpu"] = cpu_table(used, runs[name]["photos"], runs[name]["accepted"])
                print_run(name, runs[name])
                print_cpu_table(runs[name]["cpu"], f"CPU of {name} ({runs[name]['photos']} photos, "
                                                   f"{runs[name]['accepted']} faces)")
        finally:
            client.close()
    return runs


def fresh_people(client, settings: Settings, name: str, space: str) -> People:  # noqa: ANN001 - a WeaviateClient
    """A people collection named `name` (the people's schema), created on first use."""
    return ensure_people(client, settings.model_copy(update={"collection": name}), space)


def count(people: list[Person]) -> int:
    return sum(len(p.photos) for p in people)


def rated(photos: int, seconds: float, accepted: int) -> dict:
    """A run's numbers: photos tried, seconds, photos/s, and how many gave a stored (or returned) vector."""
    return {"photos": photos, "seconds": seconds, "photos_per_s": photos / seconds, "accepted": accepted}


def print_run(name: str, run: dict) -> None:
    print(f"{name:>5}: {run['photos']} photos in {run['seconds']:.1f} s = {run['photos_per_s']:.1f} photos/s "
          f"({run['accepted']} gave a vector)", flush=True)


def goals(runs: dict) -> dict:
    rate = runs["ours"]["photos_per_s"]
    return {
        "ours_photos_per_s": {"goal": GOAL_RATE, "measured": rate},
        "ours_over_naive": {"goal": GOAL_VS_NAIVE, "measured": rate / runs["naive"]["photos_per_s"]},
        "ours_over_raw": {"goal": GOAL_VS_RAW, "measured": rate / runs["raw"]["photos_per_s"]},
    }


def print_goals(result: dict) -> None:
    for key, label in (("ours_photos_per_s", "ours, photos/s"), ("ours_over_naive", "ours / naive"),
                       ("ours_over_raw", "ours / raw")):
        g = result[key]
        print(f"{label}: {g['measured']:.2f}")
        print(goal(f">= {g['goal']:g}", g["measured"] >= g["goal"]))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=Path, default=ROOT.parent / "shared" / "lfw-dev",
                        help="folder laid out <identity>/<photos>")
    parser.add_argument("--limit", type=int, default=300, help="use the first N photos")
    parser.add_argument("--configs", default="yunet:reid0095,yunet:fusion,yunet:mobileface_v2,yunet:dlib_resnet,hog:dlib_resnet",
                        help="detector:embedder,... (the first is judged against the goals)")
    parser.add_argument("--smoke", action="store_true", help="the repo's images/ folder (8 photos)")
    args = parser.parse_args()
    if args.smoke:
        args.photos = ROOT / "images"
    if not args.photos.is_dir():
        parser.error(f"{args.photos} is not a folder: pass --photos DIR, laid out <identity>/<photos>")
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    people = first_photos(args.photos, args.limit)
    print(f"photos: {count(people)} of {len(people)} identities from {args.photos}", flush=True)
    configs = [c.split(":", 1) for c in (args.configs.split(",")[:1] if args.smoke else args.configs.split(","))]
    result = {"machine": machine, "photos_dir": str(args.photos), "photos": count(people), "configs": []}
    with tempfile.TemporaryDirectory(prefix="facesearch-import-") as tmp:
        for n, (detector, embedder) in enumerate(configs):
            print(f"\n{detector}:{embedder}", flush=True)
            runs = measure(detector, embedder, people, Path(tmp) / str(n))
            result["configs"].append({"detector": detector, "embedder": embedder, "runs": runs, "goals": goals(runs)})
    print("\n| detector | embedder | ours | naive | vectorizer alone | ours / vectorizer |")
    for c in result["configs"]:
        r = c["runs"]
        print(f"| {c['detector']} | {c['embedder']} | {r['ours']['photos_per_s']:.1f} | {r['naive']['photos_per_s']:.1f} "
              f"| {r['raw']['photos_per_s']:.1f} | {r['ours']['photos_per_s'] / r['raw']['photos_per_s']:.0%} |")
    print(f"\ngoals, {configs[0][0]}:{configs[0][1]}:")
    print_goals(result["configs"][0]["goals"])
    print(f"result: {write_result('import', result)}")


if __name__ == "__main__":
    main()
