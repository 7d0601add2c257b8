"""Grouping the library's faces into people: a new face as it is indexed (`Grouper.group_new`), the whole library
on demand (`Grouper.regroup`).

Neighbours come from Weaviate (nearVector with the vectors it holds: the `rule.k` nearest within a distance), never
from an all-pairs matrix. A new face joins the group its neighbours within `rule.join_distance` vote for
(similarity-weighted), or starts one with those of them that are in none: one link is enough, as in Immich's rule,
so the distance is the one at which that rule keeps pairwise precision >= 0.99. A regroup clusters the graph of every
face's neighbours (`clustering`) and then keeps what users said: faces of enrolled people and faces a user placed
stay where they are, a face never joins a group it was taken out of, a photo has at most one face in a group, and
each cluster keeps the id of the group most of its faces were in (so names, hidden groups and dismissed suggestions
stay with their people). Faces narrower than `rule.min_width` are never grouped (they stay findable).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np

from facesearch.face.embed import decision_for
from facesearch.face.models import face_size_floor
from facesearch.library import clustering
from facesearch.settings import Settings
from facesearch.store import groups as store
from facesearch.store import library as records
from facesearch.store.library import Library, LibraryFace

OnProgress = Callable[[int, int], None]
"""on_progress(done, total): faces whose neighbours were asked for, of all."""

SEARCHES = 4
"""Neighbour searches sent to Weaviate at once during a regroup (the client is thread-safe)."""


@dataclass(frozen=True)
class GroupRule:
    """How faces are grouped. Distances are Weaviate's cosine distances (0 same direction .. 2 opposite); an
    embedder's card chooses its own (`rule_of`). The defaults were chosen by bench/cluster.py for the `fusion` card
    on lfw-dev + lfw-dev-multi indexed as one library (3,958 faces): the best BCubed F (0.959) of every method and
    setting tried with pairwise precision >= 0.99 (see the README)."""

    max_distance: float = 0.12
    """Two faces further apart are never neighbours in a regroup."""
    join_distance: float = 0.10
    """A new face joins a group (or starts one) only with faces this near: the largest distance at which a single
    link (Immich's rule, `clustering.immich` with min_faces 2) kept pairwise precision >= 0.99 in bench/cluster.py."""
    k: int = 10
    """Neighbours asked for per face."""
    min_faces: int = 2
    """The smallest group lists show."""
    suggest_distance: float = 0.45
    """A group's faces this near another group's centre make a merge suggestion (`groups.suggestions`)."""
    min_width: int = 40
    """Pixels: narrower faces are not grouped."""
    method: str = "hdbscan"
    """The clustering of a regroup (`clustering.METHODS`), with its `options`."""
    options: tuple[tuple[str, object], ...] = (("min_cluster_size", 2), ("min_samples", 1), ("selection", "eom"))

    def cluster(self, n: int, edges: list[tuple[int, int, float]]) -> list[int]:
        """A label per face of the neighbour graph (`clustering.UNGROUPED`: none), by this rule's method."""
        extra = {"max_distance": self.max_distance} if self.method == "hdbscan" else {}
        return clustering.cluster(self.method, n, edges, **dict(self.options), **extra)


def rule_of(settings: Settings) -> GroupRule:
    """The grouping rule in force: the distances FACESEARCH_GROUP_DISTANCE sets, else the embedder's model card's
    (chosen by bench/cluster.py for its vector space), else GroupRule's; the minimum width is the one face size floor
    of detection, finds and grouping (`min_face_px`)."""
    default, decision = GroupRule(), decision_for(settings)
    distance = decision.group_distance or default.max_distance
    return GroupRule(
        max_distance=distance,
        join_distance=min(decision.group_join_distance or default.join_distance, distance),
        k=default.k,
        min_faces=settings.group_min_faces or default.min_faces,
        suggest_distance=decision.group_suggest_distance or default.suggest_distance,
        min_width=face_size_floor(settings),
        method=default.method,
        options=default.options,
    )


@dataclass
class RegroupReport:
    faces: int = 0
    grouped: int = 0
    groups: int = 0
    changed: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    """Seconds each step took: read, neighbours, clustering, writing."""

    def summary(self) -> str:
        return (f"{self.groups} groups of {self.grouped} faces ({self.faces - self.grouped} of {self.faces} faces in "
                f"none); {self.changed} faces changed group")


def free(face: LibraryFace) -> bool:
    """Grouping may move it: it is neither an enrolled person's (tagged) nor placed by a user."""
    return not face.person_id and not face.group_fixed


class Grouper:
    """Groups library faces as `rule` says, keeping enrolled people's faces in their people's groups."""

    def __init__(self, rule: GroupRule, lock: AbstractContextManager | None = None) -> None:
        self.rule = rule
        self.lock = lock or nullcontext()
        """Held while groups are written by a regroup and while faces are tagged (the API's write lock, which its
        changes to groups take: a user's change never interleaves with them)."""

    def groupable(self, face: LibraryFace) -> bool:
        return face.box.width >= self.rule.min_width

    def near(self, library: Library, face: LibraryFace) -> list[tuple[LibraryFace, float]]:
        """The face's neighbours worth grouping with: within the rule's distance, wide enough, of other photos."""
        found = store.neighbours(library, face.vector or [], self.rule.k + 1, self.rule.join_distance)
        return [(f, d) for f, d in found if f.id != face.id and f.photo_id != face.photo_id and self.groupable(f)]

    def group_new(self, library: Library, face_ids: Sequence[str]) -> int:
        """Group faces just indexed (and tagged): each joins the group its neighbours vote for, else starts one
        with its neighbours that are in none; how many faces were placed."""
        placed: set[str] = set()
        for face in records.faces_with_ids(library, list(face_ids), vectors=True):
            if face.id in placed or face.group_id or not free(face) or not self.groupable(face):
                continue  # (a face placed here already, with a face before it, is as good as grouped)
            placed |= self._group_one(library, face)
        return len(placed)

    def _group_one(self, library: Library, face: LibraryFace) -> set[str]:
        """Place one face; the ids of the faces placed (it, and the faces in no group it starts a group with)."""
        near = self.near(library, face)
        held = {f.group_id for f in records.faces_of_photos(library, [face.photo_id]) if f.group_id}
        votes: dict[str, float] = defaultdict(float)
        for other, distance in near:
            if other.group_id and other.group_id not in face.not_groups and other.group_id not in held:
                votes[other.group_id] += 1.0 - distance
        if votes:
            store.place(library, [face.id], max(votes, key=votes.__getitem__))
            return {face.id}
        loose = one_per_photo([f for f, _ in near if not f.group_id and free(f)], exclude={face.photo_id})
        if not loose:
            return set()
        group_id = store.new_group_id()
        store.save_group(library, store.Group(group_id))
        ids = [face.id, *(f.id for f in loose)]
        store.place(library, ids, group_id)
        return set(ids)

    def regroup(self, library: Library, on_progress: OnProgress | None = None) -> RegroupReport:
        """Group the whole library again (see the module docstring); names and corrections are kept. The groups are
        written holding `self.lock`, and a face a user changed while the library was being clustered is left as the
        user left it."""
        clock = Clock()
        faces, vectors = store.faces_and_vectors(library)
        at = [i for i, f in enumerate(faces) if self.groupable(f)]
        wide = [faces[i] for i in at]
        clock.lap("read")
        edges = self.edges(library, wide, vectors[at], on_progress)
        clock.lap("neighbours")
        labels = self.rule.cluster(len(wide), edges)
        clusters: dict[int, list[LibraryFace]] = defaultdict(list)
        for face, label in zip(wide, labels):
            if label >= 0:
                clusters[label].append(face)
        people = {g.person_id: g.id for g in store.all_groups(library).values() if g.person_id}
        wanted = plan_groups(faces, list(clusters.values()), people)
        clock.lap("clustering")
        with self.lock:
            report = self._apply(library, faces, wanted, people)
        clock.lap("writing")
        report.seconds = clock.laps
        return report

    def edges(
        self, library: Library, faces: list[LibraryFace], vectors: np.ndarray, on_progress: OnProgress | None
    ) -> list[tuple[int, int, float]]:
        """The neighbour graph of `faces` (their vectors row for row): (i, j, cosine similarity) for i < j, each pair
        once, never two faces of one photo."""
        index = {f.id: i for i, f in enumerate(faces)}
        found: dict[tuple[int, int], float] = {}

        def near(i: int) -> list[tuple[str, float]]:
            return store.neighbour_ids(library, vectors[i].tolist(), self.rule.k + 1, self.rule.max_distance)

        with ThreadPoolExecutor(SEARCHES) as pool:
            for i, row in enumerate(pool.map(near, range(len(faces)))):
                for other, distance in row:
                    j = index.get(other, i)
                    if j != i and faces[j].photo_id != faces[i].photo_id:
                        found[(min(i, j), max(i, j))] = 1.0 - distance
                if on_progress and ((i + 1) % 200 == 0 or i + 1 == len(faces)):
                    on_progress(i + 1, len(faces))
        return [(i, j, s) for (i, j), s in sorted(found.items())]

    def _apply(self, library: Library, faces: list[LibraryFace], wanted: dict[str, str], people: dict[str, str]) -> RegroupReport:
        now = {f.id: f for f in store.all_faces(library)}
        changes = {f.id: {"group_id": wanted.get(f.id, "")} for f in faces
                   if f.id in now and said(now[f.id]) == said(f) and wanted.get(f.id, "") != f.group_id}
        held, kept = set(wanted.values()), store.all_groups(library)
        person_of = {g: p for p, g in people.items()}
        store.add_groups(library, [store.Group(g, person_id=person_of.get(g, "")) for g in sorted(held - set(kept))])
        store.set_faces(library, changes)
        store.delete_groups(library, [g for g, r in kept.items() if g not in held and not r.person_id])
        grouped = sum(1 for f in faces if wanted.get(f.id))
        return RegroupReport(len(faces), grouped, len(held), len(changes))


class Clock:
    """Seconds between laps, by name."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 2)
        self.last = now


def said(face: LibraryFace) -> tuple[object, ...]:
    """What grouping, tagging and users decide of a face: a regroup does not write over a change made meanwhile."""
    return face.group_id, face.group_fixed, face.not_groups, face.person_id


def one_per_photo(faces: Iterable[LibraryFace], exclude: set[str] | None = None) -> list[LibraryFace]:
    """The first face of each photo (in the order given), leaving out the photos in `exclude`."""
    seen, kept = set(exclude or ()), []
    for face in faces:
        if face.photo_id not in seen:
            seen.add(face.photo_id)
            kept.append(face)
    return kept


def plan_groups(faces: list[LibraryFace], clusters: list[list[LibraryFace]], people: dict[str, str]) -> dict[str, str]:
    """face id -> group id after a regroup, from the clusters found (faces in none are in no group): every fixed
    face (tagged with an enrolled person, or placed by a user) keeps its group; a cluster holding fixed faces takes
    the group most of them are in, else the old group most of its faces were in (biggest clusters choose first),
    else a new one; a face never joins a group it was taken out of, nor one holding another face of its photo; a
    group of one face is none. `people`: person id -> the id of the group named after them."""
    wanted: dict[str, str] = {}
    for face in faces:
        if face.person_id:
            wanted[face.id] = people.get(face.person_id) or store.person_group_id(face.person_id)
            people.setdefault(face.person_id, wanted[face.id])
        elif face.group_fixed and face.group_id:
            wanted[face.id] = face.group_id
    claimed = set(wanted.values())
    photos_in: dict[str, set[str]] = defaultdict(set)
    for face in faces:
        if face.id in wanted:
            photos_in[wanted[face.id]].add(face.photo_id)
    for cluster in sorted(clusters, key=len, reverse=True):
        target = _target(cluster, wanted, claimed)
        claimed.add(target)
        for face in cluster:
            if face.id in wanted or target in face.not_groups or face.photo_id in photos_in[target]:
                continue
            wanted[face.id] = target
            photos_in[target].add(face.photo_id)
    sizes = Counter(wanted.values())
    return {face_id: g for face_id, g in wanted.items() if sizes[g] > 1 or g in set(people.values())}


def _target(cluster: list[LibraryFace], wanted: dict[str, str], claimed: set[str]) -> str:
    fixed = Counter(wanted[f.id] for f in cluster if f.id in wanted)
    if fixed:
        return fixed.most_common(1)[0][0]
    old = Counter(f.group_id for f in cluster if f.group_id and f.group_id not in claimed)
    return old.most_common(1)[0][0] if old else store.new_group_id()
