"""bench/levers.py on examples worked out by hand."""

import numpy as np
import pytest

from bench.levers import Query, best_joint, best_raise, low_quality, person_scores, quality_near, score

CANDIDATES = [("a", 0.90, 1), ("b", 0.85, 3), ("a", 0.70, 1), ("b", 0.84, 3), ("b", 0.83, 3)]


@pytest.mark.parametrize(("rule", "expected"), [
    ("best", [("a", 0.90), ("b", 0.85)]),
    ("best2", [("b", 0.845), ("a", 0.80)]),
    ("best3", [("b", 0.84), ("a", 0.80)]),  # a has two candidates: their mean
    ("mean", [("b", 0.84), ("a", 0.80)]),
])
def test_person_scores_follow_the_rule(rule: str, expected: list[tuple[str, float]]) -> None:
    found = person_scores(CANDIDATES, rule)
    assert [p for p, _, _ in found] == [p for p, _ in expected]
    assert [s for _, s, _ in found] == pytest.approx([s for _, s in expected])
    assert {p: n for p, _, n in found} == {"a": 1, "b": 3}


def queries() -> list[Query]:
    """Two enrolled people found at 0.90 and 0.78, and a stranger whose best match is at 0.80 in a blurred face."""
    return [
        Query([("a", 0.90, 1), ("x", 0.60, 1)], "a", {"sharpness": 900.0}),
        Query([("b", 0.78, 1), ("x", 0.60, 1)], "b", {"sharpness": 800.0}),
        Query([("a", 0.80, 1), ("x", 0.60, 1)], None, {"sharpness": 50.0}),
    ]


def test_the_joint_choice_names_no_stranger_when_none_may_be() -> None:
    sets = {"one": score(queries(), "best")}
    found = best_joint(sets, {"one": np.zeros(3)}, far=0.0)
    assert found["threshold"] > 0.80  # the stranger's 0.80 must be refused, so 0.78 is lost too
    assert found["per_set"]["one"] == {"named": 0.5, "strangers_named": 0.0}


def test_a_raise_for_the_blurred_face_names_both_people() -> None:
    per_set = {"one": queries()}
    low = low_quality(per_set, "sharpness", 1 / 3)
    assert low["one"].tolist() == [False, False, True]
    found = best_raise({"one": score(queries(), "best")}, lambda n, s: low[n], far=0.0)
    assert found["per_set"]["one"] == {"named": 1.0, "strangers_named": 0.0}
    assert found["threshold"] <= 0.78 < 0.80 < found["threshold"] + found["raise"]


def test_quality_near_the_threshold_compares_strangers_with_people_named_right() -> None:
    found = quality_near({"one": queries()}, threshold=0.80)["one"]  # all three score >= 0.78
    assert found["counts"] == {"strangers": 1, "named_right": 2}
    assert found["sharpness"] == {"strangers": 50.0, "named_right": 850.0}
    assert found["width"] == {"strangers": None, "named_right": None}  # no query has it
