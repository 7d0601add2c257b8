"""bench/cluster.py's check for labels the faces contradict, on vectors worked out by hand."""

import numpy as np

from bench.cluster import Faces, crossed


def faces(*angles: float) -> Faces:
    """Unit vectors in the plane at these angles (degrees), numbered 0 .. n-1."""
    rad = np.radians(angles)
    vectors = np.stack([np.cos(rad), np.sin(rad)], axis=1).astype(np.float32)
    return Faces([str(i) for i in range(len(angles))], vectors, [str(i) for i in range(len(angles))])


def test_two_people_whose_photos_are_each_nearest_their_own_are_not_crossed() -> None:
    f = faces(0, 10, 50, 60)  # a: 0, 10; b: 50, 60
    assert not crossed(f, [0, 1], [2, 3])


def test_photos_each_nearest_a_photo_of_the_other_name_are_crossed() -> None:
    f = faces(0, 60, 5, 65)  # a: 0, 60; b: 5, 65 -- 0 is beside 5, 60 beside 65
    assert crossed(f, [0, 1], [2, 3])


def test_one_photo_that_is_nearest_its_own_name_is_enough_to_say_not_crossed() -> None:
    f = faces(0, 3, 5, 65)  # a: 0, 3; b: 5, 65 -- 0's nearest is 3, its own
    assert not crossed(f, [0, 1], [2, 3])
