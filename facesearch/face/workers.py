"""Run a function over photo files in worker processes, each with its own detection models.

The detectors serialise their calls, so parallel detection means processes. Each worker builds its
FaceModels once (in the pool's initializer) and calls `fn(models, path)` for every photo it is given.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

from facesearch.face.models import FaceModels

T = TypeVar("T")
PhotoFn = Callable[[FaceModels, Path], T]

_models: FaceModels | None = None

PARENT_CHECK_S = 1.0
"""How often a worker looks whether the process that started it is still there (s)."""


def _init_worker(detector: str, min_face_px: int | None) -> None:
    global _models
    # Ctrl-C is the parent's to handle (it stops the pool); a parent that is killed takes its workers along,
    # instead of leaving them waiting for work forever.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    _models = FaceModels.detector_only(detector, min_face_px)


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _call(fn: PhotoFn, path: Path):  # noqa: ANN202 - T
    assert _models is not None, "the worker's initializer did not run"
    return fn(_models, path)


def map_photos(
    fn: PhotoFn, paths: list[Path], *, workers: int, detector: str, models: FaceModels | None = None,
    min_face_px: int | None = None,
) -> Iterator[T]:
    """`fn(models, path)` for each path, in order; in `workers` processes when there is more than one.

    With one worker it runs here, on `models` when given (else models built for this call); workers build
    theirs like `models` (detector name and minimum face size) or from `detector` and `min_face_px`.
    `fn` must be a module-level function so that it can be sent to the workers.
    """
    if models is not None:
        detector, min_face_px = models.detector_name, models.min_face_px
    if workers <= 1 or len(paths) < 2:
        local = models or FaceModels.detector_only(detector, min_face_px)
        yield from (fn(local, path) for path in paths)
        return
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(detector, min_face_px)) as pool:
        yield from pool.map(partial(_call, fn), paths, chunksize=4)
