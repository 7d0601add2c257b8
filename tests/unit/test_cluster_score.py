"""bench/cluster_score.py on examples worked out by hand."""

from __future__ import annotations

import pytest

from bench.cluster_score import UNGROUPED, at_least, score


def test_a_mixed_grouping_scores_as_worked_out_by_hand() -> None:
    # groups: {0, 1} = A A; {2, 3, 5} = A B C; face 4 (B) in none.
    s = score(["A", "A", "A", "B", "B", "C"], [0, 0, 1, 1, UNGROUPED, 1])
    assert s.pairwise_precision == pytest.approx(1 / 4)  # 01 right; 23, 25, 35 wrong
    assert s.pairwise_recall == pytest.approx(1 / 4)  # of 01, 02, 12, 34 only 01
    assert s.bcubed_precision == pytest.approx((1 + 1 + 1 / 3 + 1 / 3 + 1 + 1 / 3) / 6)
    assert s.bcubed_recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 / 2 + 1 / 2 + 1) / 6)
    assert s.bcubed_f == pytest.approx(396 / 621)


def test_the_truth_itself_scores_one() -> None:
    s = score(["A", "A", "B", "C", "C", "C"], [7, 7, 3, 1, 1, 1])
    assert s.as_dict() == {"pairwise_precision": 1.0, "pairwise_recall": 1.0, "bcubed_precision": 1.0,
                           "bcubed_recall": 1.0, "bcubed_f": 1.0}


def test_ungrouped_faces_are_each_alone_not_one_group() -> None:
    s = score(["A", "A", "A", "B"], [UNGROUPED] * 4)
    assert s.pairwise_precision == 1.0  # no pair was put together: nothing wrong
    assert s.pairwise_recall == 0.0
    assert s.bcubed_precision == 1.0
    assert s.bcubed_recall == pytest.approx((1 / 3 * 3 + 1) / 4)


def test_one_group_of_everyone() -> None:
    s = score(["A", "A", "B", "B"], [0, 0, 0, 0])
    assert s.pairwise_precision == pytest.approx(2 / 6)
    assert s.pairwise_recall == 1.0
    assert s.bcubed_precision == pytest.approx(0.5)
    assert s.bcubed_f == pytest.approx(2 / 3)


def test_small_groups_become_ungrouped() -> None:
    found = [0, 0, 1, UNGROUPED, 2, 2, 2]
    assert at_least(found, 2) == [0, 0, UNGROUPED, UNGROUPED, 2, 2, 2]
    assert at_least(found, 3) == [UNGROUPED] * 4 + [2, 2, 2]


def test_lengths_must_agree() -> None:
    with pytest.raises(ValueError):
        score(["A"], [0, 0])
