"""Known or unknown: how a face's candidates become an answer.

Each person among the candidates gets a score: with rule "best", their best candidate's certainty; with
"best2", the mean of their best two (their best alone when only one photo of them is among the
candidates). A face is the top-scoring person when that score is at least `threshold` and beats every
other person's by at least `margin`. Certainty is Weaviate's for cosine distance, (1 + cosine
similarity) / 2, from 0 to 1. The margin rejects faces that sit between two people.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol

Rule = Literal["best", "best2"]


class Scored(Protocol):
    @property
    def person_id(self) -> str: ...

    @property
    def certainty(self) -> float: ...


def person_scores(candidates: Sequence[Scored], rule: Rule = "best") -> list[tuple[str, float]]:
    """(person, score) best first, from candidates sorted best first."""
    per: dict[str, list[float]] = {}
    for c in candidates:
        per.setdefault(c.person_id, []).append(c.certainty)
    take = 2 if rule == "best2" else 1
    scores = {person: sum(found[:take]) / len(found[:take]) for person, found in per.items()}
    return sorted(scores.items(), key=lambda item: -item[1])


def runner_up(candidates: Sequence[Scored], rule: Rule = "best") -> float:
    """The score of the best person other than the top one; 0.5 (cosine 0) if none."""
    scores = person_scores(candidates, rule)
    return scores[1][1] if len(scores) > 1 else 0.5


def choose(candidates: Sequence[Scored], threshold: float, margin: float, rule: Rule = "best") -> Scored | None:
    """The best candidate of the accepted person, or None when the face is unknown."""
    scores = person_scores(candidates, rule)
    if not scores:
        return None
    person, score = scores[0]
    if score < threshold or score - runner_up(candidates, rule) < margin:
        return None
    return next(c for c in candidates if c.person_id == person)


def accept(candidates: Sequence[Scored], threshold: float, margin: float, rule: Rule = "best") -> bool:
    """Whether the top-scoring person is accepted; `candidates` are sorted best first."""
    return choose(candidates, threshold, margin, rule) is not None
