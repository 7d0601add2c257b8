"""Decision levers measured on bench/accuracy.py's answers: per-person rules and quality-aware thresholds.

Every lever is judged as bench/accuracy.py judges its default: the rule, threshold and margin (and the
lever's own setting) that name the most enrolled people right on average over the folders, with
strangers named <= far in each. A lever is worth adopting only when it names more on both folders.

- Per-person rules: a person's score is their best candidate's certainty ("best"), the mean of their
  best two or three ("best2", "best3"), or of all of theirs among the candidates ("mean"); and
  "few photos": a person enrolled with one photo needs `raise` more certainty than one with several.
- Quality: a face whose quality signal is among the worst `share` of all queries needs `raise` more
  certainty. Signals, per query face: its width in pixels, the detector's score (0..1), how far the
  nose sits from the eyes' middle (a turned-away face: |nose x - eyes' middle x| / eye distance),
  sharpness (variance of the Laplacian of the canonical crop at 112 px, grey levels squared), and the
  length of the (first) network's vector before normalisation (larger for clearer faces in networks
  trained with a margin loss; none of ours is trained to make it a quality measure).

Usage: .venv/bin/python bench/levers.py ANSWERS.json  (written by bench/accuracy.py --answers DIR)
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

GRID_T = np.round(np.arange(0.6000, 0.99501, 0.0025), 4)
GRID_M = np.round(np.arange(0.0, 0.08001, 0.0025), 4)
RAISES = np.round(np.arange(0.0, 0.0801, 0.01), 4)
SHARES = (0.1, 0.25)
NEAR = 0.02
"""quality_near looks at the queries whose best person scores at most this far below the threshold, or above it."""
RULES = ("best", "best2", "best3", "mean")
SIGNALS = {"width": +1, "detector_score": +1, "turn": -1, "sharpness": +1, "embedding_norm": +1}
"""Quality signals and their direction: +1 when a higher value is a better face."""


@dataclass(frozen=True)
class Query:
    """One answered query: (person, certainty, photos enrolled of that person) best first, whether a
    person is expected (enrolled) and which, and the face's quality signals."""

    candidates: list[tuple[str, float, int]]
    expected: str | None
    quality: dict[str, float]


@dataclass(frozen=True)
class Scored:
    """Per query of one folder: top score, margin over the next person, top-1 right, enrolled, and the
    number of photos enrolled of the top person."""

    best: np.ndarray
    margin: np.ndarray
    correct: np.ndarray
    enrolled: np.ndarray
    top_photos: np.ndarray


def person_scores(candidates: Sequence[tuple[str, float, int]], rule: str) -> list[tuple[str, float, int]]:
    """(person, score, photos enrolled) best first under `rule`."""
    per: dict[str, list[float]] = {}
    photos: dict[str, int] = {}
    for person, certainty, count in candidates:
        per.setdefault(person, []).append(certainty)
        photos[person] = count
    take = {"best": 1, "best2": 2, "best3": 3}.get(rule)
    scores = {p: float(np.mean(found[:take] if take else found)) for p, found in per.items()}
    return sorted(((p, s, photos[p]) for p, s in scores.items()), key=lambda item: -item[1])


def score(queries: list[Query], rule: str) -> Scored:
    best, margin, correct, enrolled, top = [], [], [], [], []
    for q in queries:
        scores = person_scores(q.candidates, rule)
        best.append(scores[0][1] if scores else 0.0)
        margin.append(scores[0][1] - (scores[1][1] if len(scores) > 1 else 0.5) if scores else 0.0)
        correct.append(bool(scores) and scores[0][0] == q.expected)
        enrolled.append(q.expected is not None)
        top.append(scores[0][2] if scores else 0)
    return Scored(*(np.array(a) for a in (best, margin, correct, enrolled, top)))


def best_joint(sets: dict[str, Scored], extra: dict[str, np.ndarray], far: float) -> dict:
    """The threshold and margin naming the most enrolled people on average, strangers named <= far in
    each folder; `extra` is each query's added threshold (certainty)."""
    top: dict = {"mean_named": -1.0}
    for t in GRID_T:
        found = {}
        for name, s in sets.items():
            over = s.best[:, None] >= t + extra[name][:, None]
            accepted = over & (s.margin[:, None] >= GRID_M[None, :])
            named = (accepted & s.correct[:, None])[s.enrolled].mean(axis=0)
            strangers = accepted[~s.enrolled].mean(axis=0) if (~s.enrolled).any() else np.zeros(len(GRID_M))
            found[name] = (named, strangers)
        ok = np.all([strangers <= far for _, strangers in found.values()], axis=0)
        mean = np.mean([named for named, _ in found.values()], axis=0)
        if ok.any() and mean[ok].max() > top["mean_named"]:
            k = int(np.flatnonzero(ok)[np.argmax(mean[ok])])
            top = {"threshold": float(t), "margin": float(GRID_M[k]), "mean_named": float(mean[k]),
                   "per_set": {n: {"named": float(a[k]), "strangers_named": float(b[k])} for n, (a, b) in found.items()}}
    return top


def best_raise(sets: dict[str, Scored], raised: Callable[[str, Scored], np.ndarray], far: float) -> dict:
    """best_joint over RAISES: `raised` says which queries get the raise."""
    top: dict = {"mean_named": -1.0}
    for r in RAISES:
        found = best_joint(sets, {n: r * raised(n, s).astype(float) for n, s in sets.items()}, far)
        if found["mean_named"] > top["mean_named"] + 1e-12:
            top = {**found, "raise": float(r)}
    return top


def low_quality(per_set: dict[str, list[Query]], signal: str, share: float) -> dict[str, np.ndarray]:
    """Per folder, which queries are among the worst `share` of all queries by `signal`."""
    sign = SIGNALS[signal]
    values = {n: np.array([sign * q.quality.get(signal, np.nan) for q in qs]) for n, qs in per_set.items()}
    cut = np.nanquantile(np.concatenate(list(values.values())), share)
    return {n: np.nan_to_num(v, nan=np.inf) <= cut for n, v in values.items()}


def compare(per_set: dict[str, list[Query]], far: float) -> list[dict]:
    """Every lever's best joint choice, the plain rules first."""
    rows = []
    for rule in RULES:
        sets = {n: score(qs, rule) for n, qs in per_set.items()}
        rows.append({"lever": f"rule {rule}", **best_joint(sets, {n: np.zeros(len(s.best)) for n, s in sets.items()}, far)})
        rows.append({"lever": f"rule {rule}, one photo enrolled needs more",
                     **best_raise(sets, lambda n, s: s.top_photos == 1, far)})
    sets = {n: score(qs, "best") for n, qs in per_set.items()}
    for signal in SIGNALS:
        for share in SHARES:
            low = low_quality(per_set, signal, share)
            rows.append({"lever": f"rule best, worst {share:.0%} by {signal} need more",
                         **best_raise(sets, lambda n, s, low=low: low[n], far)})
    return rows


def quality_near(per_set: dict[str, list[Query]], threshold: float, below: float = NEAR) -> dict:
    """Per folder and signal, the median among strangers whose best person scores at least `threshold` - `below`
    (rule best), and among the enrolled people named right there: whether quality tells them apart."""
    found: dict = {}
    for name, queries in per_set.items():
        s = score(queries, "best")
        near = s.best >= threshold - below
        groups = {"strangers": near & ~s.enrolled, "named_right": near & s.enrolled & s.correct}
        found[name] = {"counts": {g: int(m.sum()) for g, m in groups.items()}}
        for signal in SIGNALS:
            values = np.array([q.quality.get(signal, np.nan) for q in queries])
            kept = {g: values[m & ~np.isnan(values)] for g, m in groups.items()}
            found[name][signal] = {g: float(np.median(v)) if len(v) else None for g, v in kept.items()}
    return found


def print_quality_near(found: dict, threshold: float, below: float = NEAR) -> None:
    print(f"\nquality near the threshold (best person scores >= {threshold - below:.4f}): median of strangers / of people named right")
    for name, row in found.items():
        counts = row["counts"]
        cells = [f"{signal} {_num(row[signal]['strangers'])} / {_num(row[signal]['named_right'])}" for signal in SIGNALS]
        print(f"  {name} ({counts['strangers']} strangers, {counts['named_right']} named right): " + "; ".join(cells))


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.3g}"


def print_levers(rows: list[dict]) -> None:
    names = list(rows[0]["per_set"])
    print("\n| lever | " + " | ".join(f"{n}: named / strangers named" for n in names) + " | threshold, margin, raise |")
    for row in rows:
        cells = [f"{row['per_set'][n]['named']:.1%} / {row['per_set'][n]['strangers_named']:.1%}" for n in names]
        print(f"| {row['lever']} | " + " | ".join(cells)
              + f" | {row['threshold']:.4f}, {row['margin']:.4f}, {row.get('raise', 0.0):.2f} |")


def load(path: Path) -> dict[str, list[Query]]:
    """ANSWERS.json: {"far": f, "sets": {name: [{"candidates": [[person, certainty, photos]], "expected", "quality"}]}}."""
    raw = json.loads(path.read_text())
    return {n: [Query([tuple(c) for c in q["candidates"]], q["expected"], q["quality"]) for q in qs]  # type: ignore[misc]
            for n, qs in raw["sets"].items()}


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__.rsplit("Usage: ", 1)[1])
    path = Path(sys.argv[1])
    per_set = load(path)
    rows = compare(per_set, json.loads(path.read_text())["far"])
    print_levers(rows)
    print_quality_near(quality_near(per_set, rows[0]["threshold"]), rows[0]["threshold"])


if __name__ == "__main__":
    main()
