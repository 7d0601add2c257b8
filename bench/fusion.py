"""How the fusion's networks, weights and YuNet's landmark mode were chosen: exact search in memory, same run.

Every photo of ../shared/lfw-dev and lfw-dev-multi is detected by YuNet with "coarse" and with
"averaged" landmarks (the face picked as the importer picks it), and embedded by each network of
--networks (default: dlib's ResNet on dlib's chip, MobileFace V2 on the 112 px template, Intel's
face-reidentification-retail-0095 on its own 128 px template). Then, with the accuracy protocol of
bench/accuracy.py (its split, rule "best", the threshold and margin that name the most with <= 1 %
strangers named, per set), each variant of --variants is scored with exact cosine search in numpy, per
landmark mode: a network alone, or a fusion (each part's vector L2-normalised and weighted, the whole
renormalised, as facesearch.face.embed does). No Weaviate, no crops: this compares variants of the face
layer only; bench/accuracy.py measures the chosen configuration through the real path.

Usage: .venv/bin/python bench/fusion.py [--data DIR ...] [--networks a,b,c] [--variants "a;a=0.7+b=0.3;..."]
       [--smoke]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import Answer, Query, choose, decide, smoke_data, split  # noqa: E402
from bench.common import print_machine, write_result  # noqa: E402
from facesearch.face import THOROUGH, load_image  # noqa: E402
from facesearch.face.detect import YuNet  # noqa: E402
from facesearch.face.embed import Embedder, Network, read_card  # noqa: E402
from facesearch.face.models import FaceModels  # noqa: E402
from facesearch.people.prepare import pick_face  # noqa: E402
from facesearch.settings import ROOT  # noqa: E402

MODES = ("coarse", "averaged")
NETWORKS = "dlib_resnet,mobileface_v2,reid0095"
VARIANTS = ("mobileface_v2;reid0095;dlib_resnet;"
            "dlib_resnet=0.6+mobileface_v2=0.4;dlib_resnet=0.7+mobileface_v2=0.3;dlib_resnet=0.8+mobileface_v2=0.2;"
            "reid0095=0.5+mobileface_v2=0.5;reid0095=0.6+mobileface_v2=0.4;reid0095=0.7+mobileface_v2=0.3;"
            "dlib_resnet=0.6+reid0095=0.4;dlib_resnet=0.5+reid0095=0.5;"
            "dlib_resnet=0.5+mobileface_v2=0.2+reid0095=0.3;dlib_resnet=0.4+mobileface_v2=0.2+reid0095=0.4;"
            "dlib_resnet=0.4+mobileface_v2=0.3+reid0095=0.3;dlib_resnet=0.34+mobileface_v2=0.33+reid0095=0.33")
"""The variants scored by default: each network alone, today's fusion (dlib 0.7 + MobileFace 0.3) and its
neighbours, and the fusions with reid0095."""
_models: dict[str, FaceModels] = {}


def _init(networks: list[str]) -> None:
    embedder = Embedder("bench", [(Network(read_card(name)), 1.0) for name in networks], {})
    for mode in MODES:
        _models[mode] = FaceModels(YuNet(landmarks=mode), embedder, detector_name="yunet")


def vectors_of(path: Path) -> dict[str, np.ndarray]:
    """{"<mode>/<network>": unit vector} of the photo's person (mirrored, as the app embeds); a network whose chip
    does not use the landmarks (dlib's) gives its coarse vector under both modes."""
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
            name = net.card.name
            if net.chip.kind == "dlib" and mode != "coarse":
                if f"coarse/{name}" in out:
                    out[f"{mode}/{name}"] = out[f"coarse/{name}"]
                continue
            both = net.embed(np.concatenate([chips[net.chip], chips[net.chip][:, :, ::-1]]))
            v = both[0] + both[1]
            out[f"{mode}/{name}"] = v / np.linalg.norm(v)
    return out


def parse_variant(text: str) -> dict[str, float]:
    """"a=0.7+b=0.3" -> {"a": 0.7, "b": 0.3}; "a" -> {"a": 1.0}."""
    parts = [part.split("=") for part in text.split("+")]
    return {p[0].strip(): float(p[1]) if len(p) > 1 else 1.0 for p in parts}


def variant(vectors: dict[Path, dict], weights: dict[str, float], mode: str) -> callable:
    """path -> the variant's vector (or None when a network has no vector of the photo)."""
    def vector(path: Path) -> np.ndarray | None:
        v = vectors[path]
        keys = [f"{mode}/{name}" for name in weights]
        if any(k not in v for k in keys):
            return None
        joined = np.concatenate([w * v[k] for k, w in zip(keys, weights.values())])
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
    parser.add_argument("--networks", default=NETWORKS, help="the cards of the networks to embed with")
    parser.add_argument("--variants", default=VARIANTS, help="';'-separated: a card, or card=weight+card=weight...")
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
    networks = args.networks.split(",")
    variants = [(text, parse_variant(text)) for text in args.variants.split(";")]
    unknown = sorted({n for _, w in variants for n in w} - set(networks))
    if unknown:
        raise SystemExit(f"--variants name networks not in --networks: {', '.join(unknown)}")
    print(f"embedding {len(paths):,} photos, {len(MODES)} landmark modes, networks {', '.join(networks)}", flush=True)
    with ProcessPoolExecutor(2, initializer=_init, initargs=(networks,)) as pool:
        vectors = dict(zip(paths, pool.map(vectors_of, paths, chunksize=8)))
    result = {"machine": machine, "networks": networks, "rows": []}
    print("\n| variant | landmarks | " + " | ".join(f"{n} top-1 / named" for n in sets) + " |")
    for (name, weights), mode in product(variants, MODES):
        found = {n: score(variant(vectors, weights, mode), *sets[n], args.far) for n in sets}
        result["rows"].append({"variant": name, "landmarks": mode, "sets": found})
        print(f"| {name} | {mode} | " + " | ".join(f"{f['top1']:.1%} / {f['accepted']:.1%}" for f in found.values()) + " |",
              flush=True)
    return result


if __name__ == "__main__":
    main()
