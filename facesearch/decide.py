"""Known or unknown: how a face's candidates become an answer.

A face is a known person when its best candidate's certainty is at least `threshold` and beats the
best candidate of any other person by at least `margin`. Certainty is Weaviate's for cosine distance,
(1 + cosine similarity) / 2, from 0 to 1. The margin rejects faces that sit between two people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class Scored(Protocol):
    @property
    def person_id(self) -> str: ...

    @property
    def certainty(self) -> float: ...


def runner_up(candidates: Sequence[Scored]) -> float:
    """The certainty of the best candidate of another person than the first's; 0.5 (cosine 0) if none."""
    best = candidates[0].person_id
    return next((c.certainty for c in candidates[1:] if c.person_id != best), 0.5)


def accept(candidates: Sequence[Scored], threshold: float, margin: float) -> bool:
    """Whether the first (best) candidate is the person; `candidates` are sorted best first."""
    if not candidates:
        return False
    return candidates[0].certainty >= threshold and candidates[0].certainty - runner_up(candidates) >= margin
