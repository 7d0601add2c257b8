from __future__ import annotations

from dataclasses import dataclass

from facesearch.people.decide import accept, runner_up


@dataclass
class C:
    person_id: str
    certainty: float


def test_accepts_a_clear_best_person() -> None:
    assert accept([C("a", 0.98), C("b", 0.95)], threshold=0.97, margin=0.01)


def test_rejects_below_threshold_or_without_margin() -> None:
    assert not accept([C("a", 0.96), C("b", 0.90)], threshold=0.97, margin=0.01)
    assert not accept([C("a", 0.98), C("b", 0.975)], threshold=0.97, margin=0.01)
    assert not accept([], threshold=0.97, margin=0.01)


def test_runner_up_is_the_best_other_person() -> None:
    assert runner_up([C("a", 0.98), C("a", 0.979), C("b", 0.95)]) == 0.95
    assert runner_up([C("a", 0.98)]) == 0.5
    assert accept([C("a", 0.98), C("a", 0.979), C("b", 0.95)], threshold=0.97, margin=0.01)
