"""People in the photos: which clustering groups the library's faces into people best, with which settings, how fast.

Accuracy, on every photo of the data folders (default ../shared/lfw-dev and ../shared/lfw-dev-multi, never copied)
indexed as one library through the real path, as bench/library.py does: each LFW photo's labelled face is its face
nearest the middle; other faces are bystanders, grouped like every face but never scored. Every face's vector is
read from Weaviate (the iterator) and its k nearest faces within a cosine distance are asked from Weaviate
(nearVector, a few searches at once), never an all-pairs matrix; the graph for smaller k and distances is cut from
the largest. Each method of facesearch.library.clustering (and Leiden, bench only) is run over max distance x k x
its own options, and scored with every smallest group size counted (a face in a smaller group counts as ungrouped,
i.e. a group of its own): pairwise precision and recall, BCubed precision, recall and F (bench/cluster_score.py),
groups against identities with 2+ labelled faces, faces ungrouped, groups holding two faces of one photo, time.
Per method the chosen setting is the best BCubed F with pairwise precision >= 0.99 (merging two people is worse
than splitting one).

Lookalikes: of the identities with 2+ labelled faces, the 50 pairs whose mean vectors are closest: at each method's
chosen setting, how many pairs share a group and how many of their faces are ungrouped.

Speed: each product method's chosen setting as a full grouping of the library (read every vector, ask every face's
neighbours once, then per method cut its graph and cluster), then the same at --synthetic faces (384-d, drawn as
bench/scale.py draws them) with this process's peak memory and Weaviate's. Then facesearch's own grouping
(facesearch.library.grouping, its defaults) on both: on the library, every face grouped as indexing groups it, face
after face, and a full regroup, each scored like the methods; on both, a full regroup's time and peak memory, and the
time per face of 1,000 faces grouped as new ones after it (`product_grouping`).

Usage: .venv/bin/python bench/cluster.py [--data DIR ...] [--k 5,10,20] [--distances 0.06,0.08,..] [--synthetic 100000]
       [--smoke]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import product
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.accuracy import smoke_data  # noqa: E402
from bench.cluster_score import UNGROUPED, at_least, score  # noqa: E402
from bench.common import (  # noqa: E402
    CHUNK, goal, package_version, peak_memory_mb, print_machine, reset_peak_memory, running_stack, timed, unit_vectors,
    write_result,
)
from bench.library import DATA, grow, labelled, link_library  # noqa: E402
from bench.scale import PER_PERSON, SPREAD, weaviate_mb  # noqa: E402
from weaviate.classes.query import MetadataQuery  # noqa: E402
from weaviate.collections import Collection  # noqa: E402

from facesearch.face.embed import load_embedder, read_card  # noqa: E402
from facesearch.library import clustering  # noqa: E402
from facesearch.library.grouping import Grouper, rule_of  # noqa: E402
from facesearch.store import groups  # noqa: E402
from facesearch.library.index import folder_key, index_folder  # noqa: E402
from facesearch.store import library as records  # noqa: E402
from facesearch.store.connection import connect  # noqa: E402
from facesearch.store.space import vector_space  # noqa: E402
from facesearch.store.writes import vector_of  # noqa: E402
from facesearch.settings import get_settings  # noqa: E402
from facesearch.face.box import Box  # noqa: E402
from facesearch.face.detect import iou  # noqa: E402

CAMERA_PRECISION, CAMERA_F = 0.98, 0.93
"""The camera set's goals: BCubed F >= CAMERA_F at pairwise precision >= CAMERA_PRECISION."""
SEAT_MATCH = 0.3
"""A face found is a pasted seat's when their boxes overlap by this IoU (bench/camera.py's MATCH)."""

PRECISION = 0.99
DISTANCE_SPREAD = (0.45, 0.55, 0.65, 0.75, 0.8, 0.85, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2)
"""The default sweep of distances, as multiples of the card's group distance."""
FUSION_GROUP_DISTANCE = 0.12
"""The centre of the sweep for a card that has no group distance (the fusion's)."""
"""The chosen setting of a method is its best BCubed F with at least this pairwise precision."""
GOAL_F = 0.97
GOAL_SYNTHETIC_S = 300.0
"""A full grouping of 100k faces within 5 minutes."""
SEARCHES = 4
"""Neighbour searches sent to Weaviate at once."""
DIM = 384
"""A vector length for empty arrays; synthetic faces have the embedder's (`synthetic`)."""

PRODUCT_METHODS = ("whispers", "immich", "hdbscan")
CLUSTERING_PACKAGES = ("scikit-learn", "scipy", "igraph", "leidenalg")
OPTIONS: dict[str, list[dict]] = {
    "whispers": [{"weighted": True}, {"weighted": False}],
    "immich": [{"min_faces": m} for m in (2, 3, 4)],
    "hdbscan": [{"min_cluster_size": 2, "min_samples": s, "selection": how} for s in (1, 2) for how in ("eom", "leaf")],
    "leiden": [{"resolution": r} for r in (0.5, 0.7, 0.8, 0.9)],
}
"""Each method's own options swept (beside max distance and k)."""


def leiden(n: int, edges: Sequence[clustering.Edge], *, resolution: float) -> list[int]:
    """Leiden (leidenalg, on igraph) with the constant Potts model on the similarity-weighted graph: a group is kept
    while its faces' summed similarity beats `resolution` per pair of them.

    igraph and leidenalg are GPL: a dev dependency of this benchmark only, never imported by facesearch."""
    import igraph
    import leidenalg

    graph = igraph.Graph(n=n, edges=[(i, j) for i, j, _ in edges])
    graph.es["weight"] = [s for _, _, s in edges]
    found = leidenalg.find_partition(graph, leidenalg.CPMVertexPartition, weights="weight",
                                     resolution_parameter=resolution, seed=0)
    return list(found.membership)


def methods(names: list[str]) -> dict[str, Callable[..., list[int]]]:
    """The methods to run, by name; Leiden only when leidenalg is installed (it says so when it is not)."""
    chosen = {name: clustering.METHODS[name] for name in names if name in clustering.METHODS}
    if "leiden" in names:
        try:
            import leidenalg  # noqa: F401
            chosen["leiden"] = leiden
        except ImportError:
            print("leiden: skipped (igraph and leidenalg are not installed)", flush=True)
    return chosen


@dataclass
class Faces:
    """The library's faces, numbered 0 .. n-1: ids, vectors (unit rows), photos, and the labelled ones' identity."""

    ids: list[str]
    vectors: np.ndarray
    photos: list[str]
    truth: dict[int, str] = field(default_factory=dict)

    @property
    def scored(self) -> list[int]:
        return sorted(self.truth)


def read_faces(collection: Collection) -> list[records.LibraryFace]:
    """Every face of the library with its properties and vector (Weaviate's iterator)."""
    properties = records.FACE_PROPERTIES
    return [records.stored_face(o) for o in collection.iterator(include_vector=True, return_properties=properties)]


def read_vectors(collection: Collection) -> Faces:
    """Every face's id, photo and vector, streamed from Weaviate's iterator into one float32 array (what a regroup
    has to hold: a vector as a list of Python floats takes about 6 times the memory)."""
    ids, photos, rows = [], [], []
    for o in collection.iterator(include_vector=True, return_properties=["photo_id"]):
        ids.append(str(o.uuid))
        photos.append(o.properties["photo_id"])
        rows.append(np.asarray(vector_of(o), dtype=np.float32))
    return Faces(ids, np.stack(rows) if rows else np.zeros((0, DIM), dtype=np.float32), photos)


def as_faces(stored: list[records.LibraryFace]) -> Faces:
    vectors = np.array([f.vector for f in stored], dtype=np.float32).reshape(len(stored), -1)
    return Faces([f.id for f in stored], vectors, [f.photo_id for f in stored])


Near = list[list[tuple[int, float]]]
"""Per face: (other face, cosine distance), nearest first."""


def ask_neighbours(collection: Collection, faces: Faces, k: int, max_distance: float, *, log: bool = False) -> Near:
    """Each face's k nearest other faces within `max_distance` (cosine distance), asked from Weaviate (nearVector
    with the face's vector, SEARCHES at once)."""
    index = {face_id: i for i, face_id in enumerate(faces.ids)}

    def near(i: int) -> list[tuple[int, float]]:
        found = collection.query.near_vector(faces.vectors[i].tolist(), limit=k + 1, distance=max_distance,
                                             return_metadata=MetadataQuery(distance=True), return_properties=[])
        rows = [(index.get(str(o.uuid), -1), float(o.metadata.distance or 0.0)) for o in found.objects]
        return [(j, d) for j, d in rows if j >= 0 and j != i][:k]

    near_lists: Near = []
    with ThreadPoolExecutor(SEARCHES) as pool:
        for start in range(0, len(faces.ids), CHUNK):
            near_lists += pool.map(near, range(start, min(start + CHUNK, len(faces.ids))))
            if log:
                print(f"  neighbours of {len(near_lists):,}/{len(faces.ids):,} faces", flush=True)
    return near_lists


def edges_of(near: Near, k: int, max_distance: float) -> list[clustering.Edge]:
    """The neighbour graph at (k, max distance), cut from lists asked at larger ones: (i, j, similarity), i < j,
    each pair once (a pair is an edge when either face has the other among its k nearest)."""
    found: dict[tuple[int, int], float] = {}
    for i, row in enumerate(near):
        for j, d in row[:k]:
            if d <= max_distance:
                found[(min(i, j), max(i, j))] = 1.0 - d
    return [(i, j, s) for (i, j), s in sorted(found.items())]


@dataclass(frozen=True)
class Setting:
    method: str
    max_distance: float
    k: int
    options: tuple[tuple[str, object], ...]
    min_size: int = 2
    """Groups smaller than this count as ungrouped."""

    def name(self) -> str:
        opts = " ".join(f"{key}={value}" for key, value in self.options)
        return f"d {self.max_distance:.3f} k {self.k:>2} {opts} min {self.min_size}"

    def run(self, run: Callable[..., list[int]], n: int, edges: list[clustering.Edge]) -> list[int]:
        """A label per face (UNGROUPED for none); HDBSCAN is told the distance the neighbours were asked within."""
        extra = {"max_distance": self.max_distance} if self.method == "hdbscan" else {}
        return run(n, edges, **dict(self.options), **extra)


def measure(faces: Faces, labels: list[int], setting: Setting, seconds: float, identities: int) -> dict:
    """One setting's row: scores on the labelled faces, groups, ungrouped faces, groups with two faces of a photo."""
    shown = at_least(labels, setting.min_size)
    scores = score([faces.truth[i] for i in faces.scored], [shown[i] for i in faces.scored])
    photos: dict[int, list[str]] = defaultdict(list)
    for face, group in enumerate(shown):
        if group != UNGROUPED:
            photos[group].append(faces.photos[face])
    return {"method": setting.method, "setting": setting.name(), "max_distance": setting.max_distance, "k": setting.k,
            "options": dict(setting.options), "min_size": setting.min_size, **scores.as_dict(), "groups": len(photos),
            "identities": identities, "ungrouped": shown.count(UNGROUPED),
            "ungrouped_scored": sum(1 for i in faces.scored if shown[i] == UNGROUPED),
            "same_photo_groups": sum(1 for p in photos.values() if len(set(p)) < len(p)), "seconds": round(seconds, 3)}


def row_line(r: dict) -> str:
    return (f"  {r['method']:<8} {r['setting']:<62}"
            f" pairwise P {r['pairwise_precision']:.4f} R {r['pairwise_recall']:.4f}"
            f"  BCubed P {r['bcubed_precision']:.4f} R {r['bcubed_recall']:.4f} F {r['bcubed_f']:.4f}"
            f"  groups {r['groups']:>5,}/{r['identities']:,}  ungrouped {r['ungrouped']:>5,}"
            f"  same-photo {r['same_photo_groups']}  {r['seconds']:.2f} s"
            + (f"  lookalikes merged {r['lookalikes_merged']}" if "lookalikes_merged" in r else ""))


def sweep(faces: Faces, near: Near, name: str, run: Callable[..., list[int]], args: argparse.Namespace,
          pairs: list[tuple[str, str, float]]) -> list[dict]:
    """Every setting of one method on the library: a row each (with how many of the lookalike `pairs` it merges),
    printed as it comes."""
    identities = sum(1 for c in Counter(faces.truth.values()).values() if c >= 2)
    rows = []
    for d, k, options in product(args.distances, args.k, OPTIONS[name]):
        edges = edges_of(near, k, d)
        setting = Setting(name, d, k, tuple(sorted(options.items())))
        labels, seconds = timed(lambda: setting.run(run, len(faces.ids), edges))
        for size in args.min_sizes:
            rows.append(measure(faces, labels, Setting(name, d, k, setting.options, size), seconds, identities))
            rows[-1]["lookalikes_merged"] = lookalikes(faces, labels, size, pairs)["merged"]
            print(row_line(rows[-1]), flush=True)
    return rows


def choose(rows: list[dict], precision: float = PRECISION) -> dict | None:
    """The best BCubed F with pairwise precision >= `precision`. Ties go to the larger k (LFW's people have at most a
    few photos each, so k rarely matters here; in a real library a person's faces outnumber any k), then to the
    faster setting."""
    good = [r for r in rows if r["pairwise_precision"] >= precision]
    return max(good, key=lambda r: (round(r["bcubed_f"], 6), r["k"], -r["seconds"])) if good else None


def setting_of(row: dict) -> Setting:
    return Setting(row["method"], row["max_distance"], row["k"], tuple(sorted(row["options"].items())), row["min_size"])


def lookalike_pairs(faces: Faces, count: int) -> list[tuple[str, str, float]]:
    """The `count` pairs of identities (2+ labelled faces each) whose mean vectors are most similar (cosine)."""
    members: dict[str, list[int]] = defaultdict(list)
    for face, identity in faces.truth.items():
        members[identity].append(face)
    names = sorted(name for name, held in members.items() if len(held) >= 2)
    means = unit_vectors(np.array([faces.vectors[members[name]].mean(axis=0) for name in names]))
    sims = means @ means.T
    upper = np.triu_indices(len(names), k=1)
    best = np.argsort(-sims[upper])[:count]
    return [(names[upper[0][b]], names[upper[1][b]], float(sims[upper][b])) for b in best]


def crossed(faces: Faces, own: list[int], other: list[int]) -> bool:
    """Whether every face of two identities is nearer (cosine) a face of the other identity than any other face
    of its own: labels that the faces themselves contradict (no grouping by likeness can keep them apart)."""
    for mine, theirs in ((own, other), (other, own)):
        for face in mine:
            rest = [f for f in mine if f != face]
            if rest and (faces.vectors[theirs] @ faces.vectors[face]).max() <= (faces.vectors[rest] @ faces.vectors[face]).max():
                return False
    return True


def lookalikes(faces: Faces, labels: list[int], min_size: int, pairs: list[tuple[str, str, float]]) -> dict:
    """How many lookalike pairs share a group (and how many of those have crossed labels, see `crossed`), and
    how many of their labelled faces are ungrouped."""
    shown = at_least(labels, min_size)
    groups: dict[str, set[int]] = defaultdict(set)
    faces_of: dict[str, list[int]] = defaultdict(list)
    for face, identity in faces.truth.items():
        faces_of[identity].append(face)
        if shown[face] != UNGROUPED:
            groups[identity].add(shown[face])
    merged = [(a, b) for a, b, _ in pairs if groups[a] & groups[b]]
    involved = {name for a, b, _ in pairs for name in (a, b)}
    held = [face for name in involved for face in faces_of[name]]
    return {"pairs": len(pairs), "merged": len(merged), "faces": len(held),
            "merged_crossed": sum(1 for a, b in merged if crossed(faces, faces_of[a], faces_of[b])),
            "ungrouped": sum(1 for face in held if shown[face] == UNGROUPED)}


Chosen = dict[str, tuple[Setting, Callable[..., list[int]]]]
"""Method name -> its chosen setting and its function."""


def group_all(collection: Collection, chosen: Chosen, log: bool = False) -> dict:
    """Whole groupings as a regroup does them, timed by step (s): read every vector, ask every face's neighbours
    (once, at the largest k and distance of the settings), then per setting cut its graph and cluster it."""
    faces, read_s = timed(lambda: read_vectors(collection))
    k, distance = max(s.k for s, _ in chosen.values()), max(s.max_distance for s, _ in chosen.values())
    near, near_s = timed(lambda: ask_neighbours(collection, faces, k, distance, log=log))
    found = {"faces": len(faces.ids), "read_s": read_s, "neighbours_s": near_s, "k": k, "max_distance": distance,
             "ids": faces.ids, "methods": {}}
    for name, (setting, run) in chosen.items():
        edges, graph_s = timed(lambda: edges_of(near, setting.k, setting.max_distance))
        labels, cluster_s = timed(lambda: setting.run(run, len(faces.ids), edges))
        shown = at_least(labels, setting.min_size)
        found["methods"][name] = {
            "setting": setting.name(), "edges": len(edges), "graph_s": graph_s, "cluster_s": cluster_s,
            "total_s": read_s + near_s + graph_s + cluster_s, "groups": len(set(shown) - {UNGROUPED}),
            "ungrouped": shown.count(UNGROUPED), "labels": labels}
    return found


def print_grouping(where: str, t: dict) -> None:
    print(f"\nfull grouping of {where}, {t['faces']:,} faces: read {t['read_s']:.1f} s + neighbours (k {t['k']}, "
          f"distance <= {t['max_distance']}) {t['neighbours_s']:.1f} s, then:", flush=True)
    for name, m in t["methods"].items():
        print(f"  {name:<8} {m['setting']:<62} {m['edges']:>9,} edges: graph {m['graph_s']:.1f} s + clustering "
              f"{m['cluster_s']:.1f} s, in all {m['total_s']:.1f} s; {m['groups']:,} groups, "
              f"{m['ungrouped']:,} faces ungrouped", flush=True)


ADDED = 1_000
"""Faces grouped one after the other as if just indexed, after a regroup, to time the incremental path."""


def product_grouping(settings, library: records.Library, faces: Faces | None = None) -> dict:  # noqa: ANN001
    """facesearch.library.grouping itself, with its defaults, on `library` as it stands. With labelled `faces` (the
    LFW library): every face grouped as it would be while indexing, one after the other in the order of the photos
    (`Grouper.group_new` on faces in no group), and then a full regroup (`Grouper.regroup`), each timed and scored
    like the methods. Then, on any library, the last ADDED faces taken out of their groups and grouped again as new
    faces are: the time per face is what a new photo's faces wait for their group."""
    grouper = Grouper(rule_of(settings))
    setting = Setting(grouper.rule.method, grouper.rule.max_distance, grouper.rule.k, grouper.rule.options,
                      grouper.rule.min_faces)
    order = [f.id for f in sorted(groups.all_faces(library), key=lambda f: (f.folder, f.path, f.box.left))]
    found: dict = {"setting": setting.name(), "join_distance": grouper.rule.join_distance, "faces": len(order)}
    if faces is not None:
        identities = sum(1 for c in Counter(faces.truth.values()).values() if c >= 2)
        ungroup(library, order)
        seconds = timed(lambda: grouper.group_new(library, order))[1]
        found["incremental"] = measure(faces, labels_of(library, faces), setting, seconds, identities)
    reset_peak_memory()
    report, seconds = timed(lambda: grouper.regroup(library))
    found["regroup_s"], found["regroup_peak_mb"], found["regroup"] = seconds, peak_memory_mb(), report.summary()
    found["regroup_steps_s"] = report.seconds
    if faces is not None:
        found["regroup_scores"] = measure(faces, labels_of(library, faces), setting, seconds, identities)
    added = order[-ADDED:]
    ungroup(library, added)
    seconds = timed(lambda: grouper.group_new(library, added))[1]
    found["added"] = {"faces": len(added), "s": seconds, "ms_per_face": 1000 * seconds / max(1, len(added))}
    return found


def ungroup(library: records.Library, face_ids: list[str]) -> None:
    """These faces in no group, as when just indexed (and no group record left without faces)."""
    groups.set_faces(library, {face_id: {"group_id": ""} for face_id in face_ids})
    held = set(groups.group_sizes(library))
    groups.delete_groups(library, [g for g in groups.all_groups(library) if g not in held])


def labels_of(library: records.Library, faces: Faces) -> list[int]:
    """Each face's group (in the order of `faces.ids`) as a label: UNGROUPED for none."""
    group_of = {f.id: f.group_id for f in groups.all_faces(library)}
    numbers: dict[str, int] = {}
    return [numbers.setdefault(group_of[i], len(numbers)) if group_of.get(i) else UNGROUPED for i in faces.ids]


def print_product(where: str, found: dict) -> None:
    print(f"facesearch's own grouping (regroup {found['setting']}; new faces join within {found['join_distance']}) on "
          f"{where}, {found['faces']:,} faces:", flush=True)
    if "incremental" in found:
        print("  as indexed, face after face " + row_line(found["incremental"]).strip(), flush=True)
        print("  full regroup               " + row_line(found["regroup_scores"]).strip(), flush=True)
    steps = " + ".join(f"{name} {s:.1f} s" for name, s in found["regroup_steps_s"].items())
    print(f"  full regroup {found['regroup_s']:.1f} s ({steps}; peak memory of this process "
          f"{found['regroup_peak_mb']:.0f} MiB): {found['regroup']}", flush=True)
    added = found["added"]
    print(f"  {added['faces']:,} faces added after it, grouped as indexed: {added['s']:.1f} s, "
          f"{added['ms_per_face']:.0f} ms per face", flush=True)


def synthetic_faces(size: int, rng: np.random.Generator, dim: int = DIM) -> tuple[np.ndarray, np.ndarray]:
    """`size` unit `dim`-d vectors drawn as bench/scale.py draws them (PER_PERSON photos around each random direction,
    noise SPREAD of a direction's per-dimension scale), and each one's person."""
    owners = np.arange(size) // PER_PERSON
    centres = unit_vectors(rng.standard_normal((int(owners[-1]) + 1, dim)))
    parts = [unit_vectors(centres[owners[s : s + CHUNK]] + rng.standard_normal((len(owners[s : s + CHUNK]), dim))
                          * SPREAD / np.sqrt(dim)) for s in range(0, size, CHUNK)]
    return np.concatenate(parts), owners


def synthetic(library: records.Library, stack, work: Path, chosen: Chosen, size: int, dim: int) -> dict:  # noqa: ANN001
    """Each chosen setting's full grouping of `size` synthetic `dim`-d faces (the embedder's length; the library
    emptied first; `stack` is the LocalStack): time by step, this process's peak memory through them all (MiB),
    Weaviate's resident memory after, and each grouping's scores against the synthetic people (a sanity check, not a
    measure of accuracy)."""
    vectors, owners = synthetic_faces(size, np.random.default_rng(19), dim)
    key = str(work / "synthetic")
    print(f"\ninserting {size:,} synthetic {dim}-d faces ({PER_PERSON} per person)", flush=True)
    _, insert_s = timed(lambda: grow(library, key, vectors, first=0))
    del vectors
    reset_peak_memory()
    before = peak_memory_mb()
    t = group_all(library.faces, chosen, log=True)
    t |= {"insert_s": insert_s, "rss_before_mb": before, "peak_mb": peak_memory_mb(),
          "weaviate_mb": weaviate_mb(stack, 1)}
    owner_of = {str(records.face_id(key, f"synthetic/{k}.jpg", 1)): int(owners[k]) for k in range(size)}
    truth = [owner_of[i] for i in t.pop("ids")]
    for name, m in t["methods"].items():
        m["scores"] = score(truth, at_least(m.pop("labels"), chosen[name][0].min_size)).as_dict()
    print_grouping(f"{size:,} synthetic faces", t)
    print(f"  peak memory through them {t['peak_mb']:,.0f} MiB (this process; {t['rss_before_mb']:,.0f} before), "
          f"Weaviate {t['weaviate_mb'] or 0:,.0f} MiB; against the synthetic people BCubed F "
          + ", ".join(f"{name} {m['scores']['bcubed_f']:.4f}" for name, m in t["methods"].items()), flush=True)
    return t


def index_library(settings, library: records.Library, data: list[Path],  # noqa: ANN001 - Settings
                  work: Path) -> tuple[Faces, dict]:
    """Index every photo of the data folders as one library and read its faces back, labelled as the protocol says."""
    folder = work / "library"
    photos = link_library(data, folder)
    print(f"indexing {len(photos):,} photos of {len({p.identity for p in photos}):,} identities", flush=True)
    report, seconds = timed(lambda: index_folder(library, folder, workers=settings.import_workers,
                                                 detector=settings.detector))
    key = folder_key(folder)
    stored, read_s = timed(lambda: read_faces(library.faces))
    faces = as_faces(stored)
    identity_of = {records.photo_id(key, p.path): p.identity for p in photos}
    position = {face_id: i for i, face_id in enumerate(faces.ids)}
    faces.truth = {position[face]: identity_of[photo] for photo, face in labelled(stored).items()}
    index = {"photos": len(photos), "faces": len(faces.ids), "labelled": len(faces.truth),
             "skipped": len(report.skipped), "index_s": round(seconds, 1), "read_s": round(read_s, 2)}
    print(f"  indexed in {seconds:.0f} s: {index['faces']:,} faces, {index['labelled']:,} labelled, "
          f"{index['skipped']} photos skipped; vectors read in {read_s:.1f} s", flush=True)
    return faces, index


def print_table(chosen: dict[str, dict | None]) -> None:
    print(f"\nchosen per method (best BCubed F with pairwise precision >= {PRECISION}):")
    for name, row in chosen.items():
        print(row_line(row) if row else f"  {name:<8} no setting reaches pairwise precision {PRECISION}")


def accuracy(library: records.Library, faces: Faces, args: argparse.Namespace) -> tuple[dict, dict[str, dict | None]]:
    """Every method's sweep, the chosen setting of each, and the lookalikes at those settings."""
    near, near_s = timed(lambda: ask_neighbours(library.faces, faces, max(args.k), max(args.distances)))
    print(f"neighbours of {len(faces.ids):,} faces (k {max(args.k)}, distance <= {max(args.distances)}) asked in "
          f"{near_s:.1f} s; the smaller graphs are cut from them", flush=True)
    pairs = lookalike_pairs(faces, args.lookalikes)
    rows: dict[str, list[dict]] = {}
    for name, run in args.runs.items():
        print(f"\n{name}:", flush=True)
        rows[name] = sweep(faces, near, name, run, args, pairs)
    chosen = {name: choose(r) for name, r in rows.items()}
    print_table(chosen)
    apart = {name: choose([row for row in r if row["lookalikes_merged"] == 0]) for name, r in rows.items()}
    print("\nthe same, among the settings that merge none of the lookalike pairs:", flush=True)
    for name, row in apart.items():
        print(row_line(row) if row else f"  {name:<8} none", flush=True)
    print(f"\nlookalikes: the {len(pairs)} closest pairs of identities (mean vectors' similarity "
          f"{pairs[-1][2] if pairs else 0:.4f} .. {pairs[0][2] if pairs else 0:.4f}):", flush=True)
    looks = {}
    for name, row in chosen.items():
        if row:
            setting = setting_of(row)
            labels = setting.run(args.runs[name], len(faces.ids), edges_of(near, setting.k, setting.max_distance))
            looks[name] = lookalikes(faces, labels, setting.min_size, pairs)
            print(f"  {name:<8} {setting.name():<62} pairs merged {looks[name]['merged']}/{len(pairs)} "
                  f"({looks[name]['merged_crossed']} with crossed labels: each of their faces nearer a face of the "
                  f"other name than any of its own); {looks[name]['ungrouped']} of their {looks[name]['faces']} faces "
                  "ungrouped", flush=True)
    result = {"neighbours_s": near_s, "rows": rows, "chosen": chosen, "chosen_apart": apart, "lookalike_pairs": pairs,
              "lookalikes": looks}
    return result, chosen


def best_of(chosen: dict[str, dict | None]) -> dict | None:
    """The best chosen setting among the methods the product may use (Leiden is bench only)."""
    rows = [row for name, row in chosen.items() if row and name in PRODUCT_METHODS]
    return max(rows, key=lambda r: r["bcubed_f"]) if rows else None


def speed(settings, stack, library: records.Library, faces: Faces, work: Path,  # noqa: ANN001 - Settings, LocalStack
          chosen: dict[str, dict | None], args: argparse.Namespace) -> dict:
    """Each product method's chosen setting as a full grouping of the LFW library, then at --synthetic faces."""
    runs: Chosen = {name: (setting_of(row), args.runs[name]) for name, row in chosen.items()
                    if row and name in PRODUCT_METHODS}
    t = group_all(library.faces, runs)
    del t["ids"]
    for m in t["methods"].values():
        del m["labels"]
    print_grouping("the library", t)
    result = {"library": t, "product_library": product_grouping(settings, library, faces)}
    print_product("LFW library", result["product_library"])
    if args.synthetic:
        records.forget_folder(library, folder_key(work / "library"))
        dim = load_embedder(settings.embedder).dim
        result["synthetic"] = synthetic(library, stack, work, runs, args.synthetic, dim)
        result["product_synthetic"] = product_grouping(settings, library)
        print_product(f"{args.synthetic:,} synthetic faces", result["product_synthetic"])
    return result


def camera(settings, library: records.Library, folder: Path) -> dict:  # noqa: ANN001 - Settings
    """The camera set (`--camera DIR`, made by bench/camera_set.py): its library indexed, each face found on a pasted
    seat labelled with that seat's person (boxes overlapping by SEAT_MATCH), and facesearch's own grouping scored on
    it (face after face as indexed, and a full regroup)."""
    seats = json.loads((folder / "truth.json").read_text())["photos"]
    report, seconds = timed(lambda: index_folder(library, folder / "library", workers=settings.import_workers,
                                                 detector=settings.detector))
    stored = read_faces(library.faces)
    faces = as_faces(stored)
    for i, face in enumerate(stored):
        overlaps = [(iou(Box(*s["box"]), face.box), s["identity"]) for s in seats.get(face.path, [])]
        best = max(overlaps, default=(0.0, ""))
        if best[0] >= SEAT_MATCH:
            faces.truth[i] = best[1]
    print(f"camera set: {len(stored):,} faces of {report.photos} photos indexed in {seconds:.0f} s, "
          f"{len(faces.truth):,} on a seat", flush=True)
    found = product_grouping(settings, library, faces)
    print_product("the camera set", found)
    for name in ("incremental", "regroup_scores"):
        r = found[name]
        print(goal(f"{name}: BCubed F >= {CAMERA_F} at pairwise precision >= {CAMERA_PRECISION} (measured F "
                   f"{r['bcubed_f']:.4f}, P {r['pairwise_precision']:.4f})",
                   r["bcubed_f"] >= CAMERA_F and r["pairwise_precision"] >= CAMERA_PRECISION))
    return found


def default_distances(embedder: str | None) -> str:
    """DISTANCE_SPREAD times the card's group distance (the fusion's if the card has none), comma-separated."""
    settings = get_settings()
    card = read_card(embedder or settings.embedder).decision.get(settings.detector)
    centre = card.group_distance if card and card.group_distance else FUSION_GROUP_DISTANCE
    return ",".join(f"{centre * f:.3f}" for f in DISTANCE_SPREAD)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, nargs="+", default=DATA, help="folders laid out <identity>/<photos>")
    parser.add_argument("--k", default="5,10,20", help="neighbours per face, comma-separated")
    parser.add_argument("--distances", default=None,
                        help="max cosine distances of a neighbour, comma-separated (default: DISTANCE_SPREAD times "
                             "the card's group_distance, each model having its own scale)")
    parser.add_argument("--min-sizes", default="2,3", help="smallest groups counted, comma-separated")
    parser.add_argument("--methods", default="whispers,immich,hdbscan,leiden")
    parser.add_argument("--lookalikes", type=int, default=50, help="closest pairs of identities to follow")
    parser.add_argument("--synthetic", type=int, default=100_000, help="faces to time the best method at (0: skip)")
    parser.add_argument("--smoke", action="store_true", help="the sample photos, 2 distances, 2,000 synthetic faces")
    parser.add_argument("--embedder", default=None, help="the embedder's card (default: the app's)")
    parser.add_argument("--camera", type=Path, default=None,
                        help="instead, facesearch's own grouping on the camera set in this folder (bench/camera_set.py)")
    args = parser.parse_args()
    if args.smoke:
        args.k, args.distances, args.min_sizes, args.lookalikes, args.synthetic = "5,10", "0.10,0.20", "2", 5, 2_000
    args.k = sorted(int(k) for k in args.k.split(","))
    args.distances = sorted(float(d) for d in (args.distances or default_distances(args.embedder)).split(","))
    args.min_sizes = sorted(int(s) for s in str(args.min_sizes).split(","))
    args.runs = methods(args.methods.split(","))
    return args


def main() -> None:
    args = parse_args()
    machine = print_machine()
    machine["clustering"] = {name: package_version(name) for name in CLUSTERING_PACKAGES}
    print("clustering: " + ", ".join(f"{k} {v}" for k, v in machine["clustering"].items()), flush=True)
    with tempfile.TemporaryDirectory(prefix="facesearch-cluster-") as tmp:
        work = Path(tmp)
        data = [smoke_data(work / "smoke")] if args.smoke else args.data
        missing = [d for d in data if not d.is_dir()]
        if missing:
            sys.exit(f"error: no data folder at {', '.join(map(str, missing))} (see --data)")
        (work / "images").mkdir()
        faces_by = {"embedder": args.embedder} if args.embedder else {}
        with running_stack(work, work / "images", library_root=work, **faces_by) as (settings, stack):
            print(f"faces: {settings.detector}:{settings.embedder}", flush=True)
            client = connect(settings)
            try:
                library = records.ensure_library(client, settings, vector_space(settings))
                if args.camera:
                    print(f"result: {write_result('cluster-camera', {'machine': machine, **camera(settings, library, args.camera)})}")
                    return
                faces, index = index_library(settings, library, data, work)
                acc, chosen = accuracy(library, faces, args)
                best = best_of(chosen)
                timing = speed(settings, stack, library, faces, work, chosen, args) if best else {}
            finally:
                client.close()
    report(machine, index, acc, best, timing, args)


def report(machine: dict, index: dict, acc: dict, best: dict | None, timing: dict, args: argparse.Namespace) -> None:
    """The best setting, the goals, and the result file."""
    if best:
        print(f"\nbest: {best['method']} {best['setting']}: BCubed F {best['bcubed_f']:.4f} at pairwise precision "
              f"{best['pairwise_precision']:.4f}")
    print(goal(f"BCubed F >= {GOAL_F} at pairwise precision >= {PRECISION}", bool(best) and best["bcubed_f"] >= GOAL_F))
    looks = acc["lookalikes"].get(best["method"]) if best else None
    print(goal("no lookalike pair merged", bool(looks) and looks["merged"] == 0))
    if "synthetic" in timing and best:
        s = timing["synthetic"]
        within = s["methods"][best["method"]]["total_s"] <= GOAL_SYNTHETIC_S
        print(goal(f"full grouping of {s['faces']:,} faces ({best['method']}) <= {GOAL_SYNTHETIC_S:g} s", within))
    if "product_synthetic" in timing:
        p = timing["product_synthetic"]
        print(goal(f"facesearch's full regroup of {p['faces']:,} faces, written, <= {GOAL_SYNTHETIC_S:g} s (measured "
                   f"{p['regroup_s']:.0f} s)", p["regroup_s"] <= GOAL_SYNTHETIC_S))
    result = {"machine": machine, "index": index, "k": args.k, "distances": args.distances, "min_sizes": args.min_sizes,
              "precision": PRECISION, **acc, "best": best, "timing": timing}
    print(f"result: {write_result('cluster', result)}")


if __name__ == "__main__":
    main()
