"""The bound on the API's heaviest work: decoding uploaded photos and finding their faces.

A photo's decoding costs CPU in proportion to its pixels (a 9,400 x 9,400 JPEG of a few hundred bytes takes
seconds), and the routes are sync handlers on a shared thread pool, so without a bound a few such uploads
slow every other search down. The gate lets `working` photos be worked on at once, `waiting` more wait their
turn, and refuses any further one at once (Busy, 503). A large photo may take only one place at a time, so
that the other places stay with ordinary photos whatever one caller sends.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from facesearch.errors import Busy

BUSY = "The server is busy reading other photos; try again in a moment."


class Gate:
    """`working` places, `waiting` more in line; a photo of more than `large_pixels` pixels is large, and while
    one large photo is inside (worked on or waiting) another is refused."""

    def __init__(self, working: int, waiting: int, large_pixels: int) -> None:
        self.working, self.waiting, self.large_pixels = working, waiting, large_pixels
        self._places = threading.Semaphore(working)
        self._count = threading.Lock()  # guards the two counts below
        self._inside = 0
        self._large_inside = False

    @property
    def inside(self) -> int:
        """Photos worked on or waiting, now."""
        return self._inside

    @contextmanager
    def place(self, pixels: int) -> Iterator[None]:
        """Work on a photo of `pixels` pixels inside the block, once a place is free; Busy at once when the line
        is full, or when the photo is large and another large one is inside."""
        large = pixels > self.large_pixels
        self._enter(large)
        try:
            with self._places:
                yield
        finally:
            self._leave(large)

    def _enter(self, large: bool) -> None:
        with self._count:
            if self._inside >= self.working + self.waiting or (large and self._large_inside):
                raise Busy(BUSY)
            self._inside += 1
            self._large_inside = self._large_inside or large

    def _leave(self, large: bool) -> None:
        with self._count:
            self._inside -= 1
            if large:
                self._large_inside = False
