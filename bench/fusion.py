"""How the fusion's weights and YuNet's landmark mode were chosen: exact search in memory, same run.

Every photo of ../shared/lfw-dev and lfw-dev-multi is detected by YuNet with "coarse" and with
"averaged" landmarks (the face picked as the importer picks it), and embedded by dlib's ResNet (dlib's
chip) and MobileFace V2 (the 112 px template). Then, with the accuracy protocol of bench/accuracy.py
(its split, rule "best", the threshold and margin that name the most with <= 1 % strangers named, per
set), each variant is scored with exact cosine search in numpy: MobileFace alone per landmark mode, and
the fusion at several dlib weights. No Weaviate, no crops: this compares variants of the face layer
only; bench/accuracy.py measures the chosen configuration through the real path.

Usage: .venv/bin/python bench/fusion.py [--data DIR ...] [--weights 0.5,0.6,0.7,0.8] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import Answer, Query, choose, decide, smoke_data, split  # noqa: E402
from bench.common import print_machine, write_result  # noqa: E402
from facesearch.face import THOROUGH, load_image  # noqa: E402
from facesearch.face.detect import YuNet  # noqa: E402
from facesearch.face.embed import load_embedder  # noqa: E402
from facesearch.face.models import FaceModels  # noqa: E402
from facesearch.people.prepare import pick_face  # noqa: E402
from facesearch.settings import ROOT  # noqa: E402

MODES = ("coarse", "averaged")
_models: dict[str, FaceModels] = {}


def _init() -> None:
    for mode in MODES:
        _models[mode] = FaceModels(YuNet(landmarks=mode), load_embedder("fusion"), detector_name="yunet")


def vectors_of(path: Path) -> dict[str, np.ndarray]:
    """{"<mode>/<network>": unit vector} of the photo's person (mirrored, as the app embeds)."""
    image = load_image(path.read_bytes())
    out = {}
    for mode, models in _models.items():
        faces = models.detect(image, THOROUGH)
        chosen = pick_face([f.box for f in faces], image.shape[1], image.shape[0]) if faces else None
        face = next((f for f in faces if f.box == chosen), max(faces, key=lambda f: f.box.area, default=None))
        if face is None:
            continue
        chips = models.chips(image, [face])
        for net, _ in models.embedder.parts:
            if mode == "coarse" or net.chip.kind == "template":  # dlib's chip does not use the landmarks
                both = net.embed(np.concatenate([chips[net.chip], chips[net.chip][:, :, ::-1]]))
                v = both[0] + both[1]
                out[f"{mode}/{net.card.name}"] = v / np.linalg.norm(v)
    return out


def variant(vectors: dict[Path, dict], name: str, weight: float | None, mode: str) -> callable:
    """path -> the variant's vector (or None): MobileFace alone, or the fusion with dlib at `weight`."""
    def vector(path: Path) -> np.ndarray | None:
        v = vectors[path]
        if weight is None:
            return v.get(f"{mode}/mobileface_v2")
        if f"{mode}/mobileface_v2" not in v or "coarse/dlib_resnet" not in v:
            return None
        joined = np.concatenate([weight * v["coarse/dlib_resnet"], (1 - weight) * v[f"{mode}/mobileface_v2"]])
        return joined / np.linalg.norm(joined)
    return vector


def score(vector, enroll: dict[str, list[Path]], queries: list[Query], far: float) -> dict:  # noqa: ANN001
    gallery = [(identity, vector(p)) for identity, photos in enroll.items() for p in photos]
    gallery = [(i, v) for i, v in gallery if v is not None]
    matrix = np.stack([v for _, v in gallery])
    answers = []
    for q in queries:
        v = vector(q.path)
        if v is None:
            answers.append(Answer(q, []))
            continue
        sims = (1 + matrix @ v) / 2
        order = np.argsort(-sims)[:10]
        answers.append(Answer(q, [(gallery[i][0], float(sims[i])) for i in order]))
    best, margin, correct, enrolled = decide(answers)
    return {"top1": float(correct[enrolled].mean()), **choose(best, margin, correct, enrolled, far)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = ROOT.parent / "shared"
    parser.add_argument("--data", type=Path, nargs="+", default=[shared / "lfw-dev", shared / "lfw-dev-multi"])
    parser.add_argument("--weights", default="0.5,0.6,0.7,0.8", help="dlib's weights in the fusion to try")
    parser.add_argument("--far", type=float, default=0.01)
    parser.add_argument("--smoke", action="store_true", help="the sample photos only")
    args = parser.parse_args()
    machine = print_machine()
    with tempfile.TemporaryDirectory(prefix="facesearch-fusion-") as tmp:
        datas = [smoke_data(Path(tmp) / "data")] if args.smoke else args.data
        sets = {d.name: split(d, None) for d in datas}
        result = compare(sets, args, machine)
    print(f"result: {write_result('fusion', result)}")


def compare(sets: dict, args: argparse.Namespace, machine: dict) -> dict:
    """Embed every photo of the sets once per landmark mode, then score each variant."""
    paths = sorted({p for enroll, queries in sets.values() for p in [*sum(enroll.values(), []), *(q.path for q in queries)]})
    print(f"embedding {len(paths):,} photos, {len(MODES)} landmark modes, 2 networks", flush=True)
    with ProcessPoolExecutor(2, initializer=_init) as pool:
        vectors = dict(zip(paths, pool.map(vectors_of, paths, chunksize=8)))
    rows = [("mobileface_v2", None, mode) for mode in MODES]
    rows += [(f"fusion dlib {w}", float(w), mode) for w in args.weights.split(",") for mode in MODES]
    result = {"machine": machine, "rows": []}
    print("\n| variant | landmarks | " + " | ".join(f"{n} top-1 / named" for n in sets) + " |")
    for name, weight, mode in rows:
        found = {n: score(variant(vectors, name, weight, mode), *sets[n], args.far) for n in sets}
        result["rows"].append({"variant": name, "landmarks": mode, "sets": found})
        print(f"| {name} | {mode} | " + " | ".join(f"{f['top1']:.1%} / {f['accepted']:.1%}" for f in found.values()) + " |",
              flush=True)
    return result


if __name__ == "__main__":
    main()
