"""The API's photo gate (facesearch.api.gate) on real threads: places, waiting, busy, and large photos one at a time.

A thread holds a place until the test lets it go (an Event), so nothing here depends on timing: the test waits
for the state it needs (a thread inside, a thread waiting) before it asks the next question.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from facesearch.api.gate import BUSY, Gate
from facesearch.errors import Busy
from facesearch.settings import Settings

SMALL, LARGE = 1_000_000, 50_000_000
"""Pixels of an ordinary photo and of a large one (the gates below count more than 24 million as large)."""


class Holder:
    """A thread that takes a place for a photo of `pixels` and keeps it until `release()`."""

    def __init__(self, gate: Gate, pixels: int) -> None:
        self.working, self.done, self._go = threading.Event(), threading.Event(), threading.Event()
        self.refused: Busy | None = None
        self._thread = threading.Thread(target=self._run, args=(gate, pixels), daemon=True)
        self._thread.start()

    def _run(self, gate: Gate, pixels: int) -> None:
        try:
            with gate.place(pixels):
                self.working.set()
                self._go.wait()
        except Busy as e:
            self.refused = e
        finally:
            self.done.set()

    def release(self) -> None:
        self._go.set()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()


@contextmanager
def holders(gate: Gate, *sizes: int) -> Iterator[list[Holder]]:
    """Threads taking places in turn, each one working, refused, or waiting (every place taken) before the next
    starts; all let go on leaving."""
    started: list[Holder] = []
    try:
        for pixels in sizes:
            h = Holder(gate, pixels)
            started.append(h)
            wait_until(lambda: h.working.is_set() or h.done.is_set() or gate.inside > gate.working)
        yield started
    finally:
        for h in started:
            h.release()


def wait_until(condition, limit: float = 30.0) -> None:  # noqa: ANN001 - a callable returning bool
    """Wait (at most `limit` seconds, then fail) for a state another thread brings about."""
    event = threading.Event()
    for _ in range(int(limit / 0.005)):
        if condition():
            return
        event.wait(0.005)
    pytest.fail("the gate never reached the state the test waits for")


def test_within_its_places_every_photo_is_worked_on_at_once() -> None:
    gate = Gate(working=2, waiting=0, large_pixels=24_000_000)
    with holders(gate, SMALL, SMALL) as held:
        assert all(h.working.wait(timeout=30) for h in held)


def test_past_its_places_a_photo_waits_its_turn_and_past_the_queue_it_is_busy_at_once() -> None:
    gate = Gate(working=1, waiting=1, large_pixels=24_000_000)
    with holders(gate, SMALL, SMALL) as (first, second):
        assert first.working.wait(timeout=30) and not second.working.is_set() and gate.inside == 2
        with pytest.raises(Busy) as refused:
            with gate.place(SMALL):
                pytest.fail("a third photo was let in")
        assert refused.value.message == BUSY == "The server is busy reading other photos; try again in a moment."
        first.release()
        assert second.working.wait(timeout=30)
    assert gate.inside == 0
    with gate.place(SMALL):  # every place is free again
        assert gate.inside == 1


def test_a_large_photo_is_worked_on_alone_and_a_second_one_is_busy_while_ordinary_ones_go_on() -> None:
    gate = Gate(working=2, waiting=2, large_pixels=24_000_000)
    with holders(gate, LARGE, LARGE, SMALL) as (large, second_large, ordinary):
        assert large.working.wait(timeout=30)
        assert second_large.done.is_set() and second_large.refused is not None
        assert second_large.refused.message == BUSY
        assert ordinary.working.wait(timeout=30)
    with holders(gate, LARGE) as (after,):  # once the first is done, a large photo is let in again
        assert after.working.wait(timeout=30)


def test_an_error_inside_gives_the_place_back() -> None:
    gate = Gate(working=1, waiting=0, large_pixels=24_000_000)
    with pytest.raises(ValueError):
        with gate.place(LARGE):
            raise ValueError("decoding failed")
    assert gate.inside == 0
    with gate.place(LARGE):
        assert gate.inside == 1


def test_the_default_bound_is_the_cores_and_eight_times_as_many_waiting() -> None:
    s = Settings(_env_file=None)
    assert s.photo_concurrency is not None and s.photo_concurrency >= 1
    assert s.photo_queue == 8 * s.photo_concurrency
    assert Settings(_env_file=None, photo_concurrency=3).photo_queue == 24
    assert Settings(_env_file=None, photo_concurrency=3, photo_queue=0).photo_queue == 0
