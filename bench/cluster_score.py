"""How well faces were grouped into people: pairwise precision and recall, BCubed precision, recall and F.

The items are labelled faces: `truth[i]` is face i's identity, `found[i]` the group it was put in (UNGROUPED, -1:
none). A face in no group counts as a group of its own: it merges nobody and finds nobody.

- Pairwise: of the pairs of faces put in one group, the share that are one identity (precision); of the pairs of
  one identity, the share put in one group (recall). With no pair to count, a share is 1.
- BCubed (Bagga and Baldwin 1998; Amigó et al. 2009): per face, the share of its group that is its identity
  (precision) and the share of its identity that is in its group (recall), averaged over faces; F is their
  harmonic mean.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

UNGROUPED = -1


def apart(found: Sequence[int]) -> list[Hashable]:
    """The groups with every UNGROUPED face in a group of its own."""
    return [("alone", i) if g == UNGROUPED else g for i, g in enumerate(found)]


def at_least(found: Sequence[int], size: int) -> list[int]:
    """The groups with those of fewer than `size` faces (counted in `found`) made UNGROUPED."""
    sizes = Counter(found)
    return [g if g != UNGROUPED and sizes[g] >= size else UNGROUPED for g in found]


def pairs(count: int) -> int:
    return count * (count - 1) // 2


@dataclass(frozen=True)
class Scores:
    """Shares in 0 .. 1."""

    pairwise_precision: float
    pairwise_recall: float
    bcubed_precision: float
    bcubed_recall: float

    @property
    def bcubed_f(self) -> float:
        p, r = self.bcubed_precision, self.bcubed_recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"pairwise_precision": self.pairwise_precision, "pairwise_recall": self.pairwise_recall,
                "bcubed_precision": self.bcubed_precision, "bcubed_recall": self.bcubed_recall,
                "bcubed_f": self.bcubed_f}


def score(truth: Sequence[Hashable], found: Sequence[int]) -> Scores:
    """Pairwise and BCubed scores of `found` against `truth` (one entry per labelled face, in the same order)."""
    if len(truth) != len(found):
        raise ValueError(f"{len(truth)} identities for {len(found)} groups")
    groups = apart(found)
    cells = Counter(zip(groups, truth))
    group_sizes, identity_sizes = Counter(groups), Counter(truth)
    together, same = sum(pairs(c) for c in cells.values()), sum(pairs(c) for c in identity_sizes.values())
    grouped = sum(pairs(c) for c in group_sizes.values())
    n = len(truth) or 1
    # A cell of c faces gives each of its c faces c / |group| precision and c / |identity| recall.
    precision = sum(c * c / group_sizes[g] for (g, _), c in cells.items()) / n
    recall = sum(c * c / identity_sizes[t] for (_, t), c in cells.items()) / n
    return Scores(together / grouped if grouped else 1.0, together / same if same else 1.0,
                  precision if truth else 1.0, recall if truth else 1.0)
