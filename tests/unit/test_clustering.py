"""facesearch.library.clustering on small graphs whose people are known."""

from __future__ import annotations

import numpy as np
import pytest

from facesearch.library.clustering import (
    UNGROUPED, cluster, distance_graph, hdbscan, held_by_an_edge, immich, whispers,
)


def partition(labels: list[int]) -> set[frozenset[int]]:
    """The groups as sets of faces; ungrouped faces are left out."""
    groups: dict[int, set[int]] = {}
    for face, label in enumerate(labels):
        if label != UNGROUPED:
            groups.setdefault(label, set()).add(face)
    return {frozenset(g) for g in groups.values()}


def people_graph(sizes: list[int], loners: int, max_distance: float = 0.3, seed: int = 3) -> tuple[int, list]:
    """Faces of len(sizes) people (about 0.95 similar within a person, about 0 across) then `loners` faces of one
    photo each, and every pair within `max_distance` (cosine distance) as an edge."""
    rng = np.random.default_rng(seed)
    owners = [p for p, size in enumerate(sizes) for _ in range(size)] + list(range(len(sizes), len(sizes) + loners))
    centres = rng.standard_normal((len(sizes) + loners, 64))
    vectors = centres[owners] + rng.standard_normal((len(owners), 64)) * 0.2
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    sims = vectors @ vectors.T
    n = len(owners)
    return n, [(i, j, float(sims[i, j])) for i in range(n) for j in range(i + 1, n) if 1 - sims[i, j] <= max_distance]


PEOPLE = {frozenset(range(0, 5)), frozenset(range(5, 9)), frozenset(range(9, 12))}


@pytest.mark.parametrize("method", ["whispers", "immich", "hdbscan"])
def test_every_method_finds_the_people_and_no_loner_joins_them(method: str) -> None:
    n, edges = people_graph([5, 4, 3], loners=3)
    labels = cluster(method, n, edges)
    assert len(labels) == n
    assert {g for g in partition(labels) if len(g) > 1} == PEOPLE
    assert all(labels[i] not in labels[:12] for i in range(12, 15))


def test_whispers_leaves_no_face_out_and_counts_faces_no_edge_names() -> None:
    labels = whispers(6, [(0, 1, 0.9), (2, 3, 0.9)])
    assert len(labels) == 6
    assert partition(labels) == {frozenset({0, 1}), frozenset({2, 3}), frozenset({4}), frozenset({5})}
    assert whispers(2, []) == [0, 1]


def test_weighted_whispers_follows_the_stronger_ties() -> None:
    # Two triangles tied by one weak edge: weighted, the weak tie loses; unweighted, one bridge is enough.
    triangles = [(0, 1, 0.95), (0, 2, 0.95), (1, 2, 0.95), (3, 4, 0.95), (3, 5, 0.95), (4, 5, 0.95), (2, 3, 0.2)]
    assert partition(whispers(6, triangles)) == {frozenset({0, 1, 2}), frozenset({3, 4, 5})}
    assert partition(whispers(6, triangles, weighted=False)) == {frozenset(range(6))}


def test_immich_core_faces_take_in_their_neighbours_but_not_further() -> None:
    # With min_faces 4 only face 2 is core (it reaches 0, 1, 3 and itself): its neighbours join it; face 4
    # reaches only 3, which is not core, so it stays out. With 3, face 3 (2, 4 and itself) is core too.
    edges = [(0, 1, 0.9), (0, 2, 0.9), (1, 2, 0.9), (2, 3, 0.9), (3, 4, 0.9)]
    labels = immich(5, edges, min_faces=4)
    assert partition(labels) == {frozenset({0, 1, 2, 3})}
    assert labels[4] == UNGROUPED
    assert partition(immich(5, edges, min_faces=3)) == {frozenset(range(5))}
    assert immich(5, edges, min_faces=5) == [UNGROUPED] * 5


def test_immich_does_not_depend_on_the_order_of_faces() -> None:
    n, edges = people_graph([5, 4, 3], loners=3)
    order = np.random.default_rng(1).permutation(n)
    moved = [(min(order[i], order[j]), max(order[i], order[j]), s) for i, j, s in edges]
    labels, labels_moved = immich(n, edges), immich(n, moved)
    assert partition(labels) == {frozenset(int(order[f]) for f in g) for g in partition(labels_moved)} or \
        partition(labels_moved) == {frozenset(int(order[f]) for f in g) for g in partition(labels)}


def test_identical_faces_stay_neighbours() -> None:
    edges = [(0, 1, 1.0), (0, 2, 1.0), (1, 2, 1.0), (3, 4, 1.0), (3, 5, 1.0), (4, 5, 1.0)]
    twins = {frozenset({0, 1, 2}), frozenset({3, 4, 5})}
    assert partition(immich(7, edges, min_faces=3)) == twins
    assert partition(hdbscan(7, edges)) == twins


def test_hdbscan_never_takes_the_whole_library_as_one_group() -> None:
    # scikit-learn's allow_single_cluster stays off: the padded graph's root joins everyone.
    assert hdbscan(4, [(0, 1, 0.99), (0, 2, 0.99), (1, 2, 0.99)]) == [UNGROUPED] * 4


def test_hdbscan_leaves_faces_without_neighbours_out_whatever_the_padding() -> None:
    n, edges = people_graph([5, 4, 3], loners=3)
    for max_distance in (None, 0.3, 1.0):
        labels = hdbscan(n, edges, max_distance=max_distance)
        assert labels[12:] == [UNGROUPED] * 3
        assert partition(labels) == PEOPLE


def test_a_face_without_an_edge_inside_its_group_is_ungrouped() -> None:
    assert held_by_an_edge([0, 0, 0, 1, 1, UNGROUPED], [(0, 1, 0.9), (2, 3, 0.9), (3, 4, 0.9)]) == [
        0, 0, UNGROUPED, 1, 1, UNGROUPED]


def test_hdbscan_needs_enough_faces() -> None:
    assert hdbscan(1, []) == [UNGROUPED]
    assert hdbscan(0, []) == []


def test_distance_graph_is_symmetric_and_padding_never_replaces_an_edge() -> None:
    graph = distance_graph(4, [(0, 1, 0.9), (1, 2, 1.0)], padding=0.5, min_entries=2).toarray()
    assert np.allclose(graph, graph.T)
    assert graph[0, 1] == pytest.approx(0.1) and graph[1, 2] == pytest.approx(0.0, abs=1e-6)
    assert graph[0, 2] == pytest.approx(0.5) and graph[3, 0] == pytest.approx(0.5)
    assert (np.count_nonzero(graph, axis=1) >= 3).all()  # itself and two more
    plain = distance_graph(3, [(0, 1, 0.9)]).toarray()
    assert np.count_nonzero(plain) == 2


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown clustering method"):
        cluster("kmeans", 2, [])
