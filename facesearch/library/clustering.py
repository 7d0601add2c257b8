"""Faces into people: clustering a sparse graph of near faces, each method a thin layer over a well-kept library.

Every method takes `n` faces, numbered 0 .. n-1, and `edges`: (i, j, similarity) with i < j, each pair once, where
similarity is the two vectors' cosine similarity (-1 .. 1; Weaviate's cosine distance is 1 - similarity) and the
pair is among one face's k nearest within a max distance (`facesearch.library.grouping` asks Weaviate for them).
Each returns a label per face: faces with one label are one person, UNGROUPED (-1) is a face in no group. Nothing
here talks to Weaviate, keeps state or knows about photos: constraints and group ids are the grouping's.

dlib is the product's own dependency; scikit-learn and scipy are imported inside the functions that need them, so the
product needs them only if such a method is the one chosen (`bench/cluster.py` measures them all).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

Edge = tuple[int, int, float]
"""(i, j, cosine similarity) with i < j."""

UNGROUPED = -1

TINY = 1e-9
"""Cosine distance that stands for 0 in a sparse graph: scipy drops stored zeros in some operations, and a pair of
identical vectors must stay an edge."""

BEYOND = 1e-3
"""Cosine distance between the furthest edge and the pairs never asked for (HDBSCAN's padding)."""


def whispers(n: int, edges: Sequence[Edge], *, weighted: bool = True) -> list[int]:
    """Chinese whispers (dlib.chinese_whispers, 100 rounds, a fixed seed): each face takes the label its neighbours'
    edges weigh most for. dlib reads an edge's weight as the strength of the tie (larger: stronger); here it is the
    similarity (floored at 0), or 1 for every edge when not `weighted` (as dlib's own face clustering,
    `chinese_whispers_clustering`, does). No face is left ungrouped: a face without neighbours is a group of one."""
    import dlib

    pairs = [(i, j, max(s, 0.0) if weighted else 1.0) for i, j, s in edges]
    labels = list(dlib.chinese_whispers(pairs)) if pairs else []
    # dlib knows only the faces up to the highest one an edge names: the others are groups of their own.
    unused = max(labels, default=-1) + 1
    return labels + list(range(unused, unused + n - len(labels)))


def distance_graph(n: int, edges: Sequence[Edge], *, padding: float | None = None,
                   min_entries: int = 0):  # noqa: ANN201 - a scipy.sparse.csr_matrix
    """The edges as a symmetric n x n scipy CSR matrix of cosine distances (1 - similarity, at least TINY).

    With `padding` (a cosine distance), each face is also its own neighbour (at TINY) and gets entries at that
    distance to the faces after it (i+1, i+2, .. mod n) it has none with, up to `min_entries` besides itself: "further
    than any edge" for the pairs never asked for, which also makes the graph one connected piece."""
    from scipy.sparse import csr_matrix

    rows = np.array([e[0] for e in edges], dtype=np.int64)
    cols = np.array([e[1] for e in edges], dtype=np.int64)
    dist = np.maximum(1.0 - np.array([e[2] for e in edges], dtype=np.float64), TINY)
    rows, cols, dist = np.concatenate([rows, cols]), np.concatenate([cols, rows]), np.concatenate([dist, dist])
    if padding is not None and n > 1:
        rows, cols, dist = _padded(n, rows, cols, dist, padding, min_entries)
    return csr_matrix((dist, (rows, cols)), shape=(n, n))


def _padded(n: int, rows: np.ndarray, cols: np.ndarray, dist: np.ndarray, padding: float,
            min_entries: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries with each face's own (TINY) and padding ones added, an edge's own distance first (see
    `distance_graph`)."""
    steps = np.arange(1, max(1, min(min_entries, n - 1)) + 1)
    pad_rows = np.repeat(np.arange(n), len(steps))
    pad_cols = (pad_rows + np.tile(steps, n)) % n
    every = np.arange(n)
    rows = np.concatenate([every, rows, pad_rows, pad_cols])
    cols = np.concatenate([every, cols, pad_cols, pad_rows])
    dist = np.concatenate([np.full(n, TINY), dist, np.full(2 * len(pad_rows), padding)])
    _, first = np.unique(rows * n + cols, return_index=True)  # the first entry of each (row, col) is kept
    return rows[first], cols[first], dist[first]


def immich(n: int, edges: Sequence[Edge], *, min_faces: int = 3) -> list[int]:
    """Immich's rule, which is DBSCAN (scikit-learn, on the sparse precomputed distance graph): a face with at least
    `min_faces` faces within the graph's max distance, itself included (as Immich counts its search's matches), is a
    core face; core faces linked by an edge are one person; a face that is not core joins the person of a core
    neighbour, else stays UNGROUPED. Unlike Immich's job, the result does not depend on the order faces come in."""
    from sklearn.cluster import DBSCAN

    if n == 0:
        return []
    # Every stored entry is a neighbour: eps is the largest cosine distance there is.
    found = DBSCAN(eps=2.0, min_samples=min_faces, metric="precomputed").fit(distance_graph(n, edges))
    return [int(label) for label in found.labels_]


def hdbscan(n: int, edges: Sequence[Edge], *, min_cluster_size: int = 2, min_samples: int | None = None,
            max_distance: float | None = None, selection: str = "eom") -> list[int]:
    """HDBSCAN (scikit-learn, on the sparse precomputed distance graph): groups that hold together over the widest
    range of distances, of at least `min_cluster_size` faces; a face's density is its distance to its
    `min_samples`-th nearest (itself counted, default `min_cluster_size`); `selection` "eom" keeps the most stable
    groups, "leaf" the smallest ones of the tree. scikit-learn takes a sparse graph only if
    every face has `min_samples` entries and the graph is connected: pairs never asked for are put just beyond
    `max_distance` (the cosine distance the neighbours were asked within; default the largest edge's), further than
    any pair that was. All padding lies at one distance, where scikit-learn may put a face that has no edge into a
    group it joins at that distance: such a face is UNGROUPED."""
    from sklearn.cluster import HDBSCAN

    min_samples = min_samples or min_cluster_size
    if n < max(min_cluster_size, min_samples, 2):
        return [UNGROUPED] * n
    furthest = max((1.0 - s for _, _, s in edges), default=0.0)
    graph = distance_graph(n, edges, padding=max(max_distance or 0.0, furthest) + BEYOND, min_entries=min_samples)
    found = HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples, metric="precomputed",
                    cluster_selection_method=selection, copy=True).fit(graph)
    return held_by_an_edge([int(label) for label in found.labels_], edges)


def held_by_an_edge(labels: list[int], edges: Sequence[Edge]) -> list[int]:
    """The labels with every face that has no edge to another face of its group made UNGROUPED."""
    held = set()
    for i, j, _ in edges:
        if labels[i] == labels[j] != UNGROUPED:
            held.update((i, j))
    return [label if face in held else UNGROUPED for face, label in enumerate(labels)]


Method = Callable[..., list[int]]

METHODS: dict[str, Method] = {"whispers": whispers, "immich": immich, "hdbscan": hdbscan}
"""The methods by name; each takes (n, edges, **its keyword options)."""


def cluster(method: str, n: int, edges: Sequence[Edge], **options: object) -> list[int]:
    """A label per face (UNGROUPED: in no group) by the named method (`METHODS`) with its options; ValueError for an
    unknown method."""
    if method not in METHODS:
        raise ValueError(f"unknown clustering method {method!r}: one of {', '.join(sorted(METHODS))}")
    return METHODS[method](n, edges, **options)
