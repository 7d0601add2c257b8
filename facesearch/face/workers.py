"""Run a function over photo files in worker processes, each with its own detection models.

The detectors serialise their calls, so parallel detection means processes. Each worker builds its
FaceModels once (in the pool's initializer) and calls `fn(models, path)` for every photo it is given.

Workers are forked from a fork server (a fresh process started once, with the face layer imported), never
from the calling process: the API, the watcher and the benches call this from processes that run OpenCV,
onnxruntime and gRPC threads, and a process forked from one of those can inherit a lock held by a thread that
does not exist in it, and wait forever (OpenCV's thread pool did so).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path
from typing import TypeVar

import psutil

from facesearch.face.models import FaceModels

T = TypeVar("T")
PhotoFn = Callable[[FaceModels, Path], T]

_models: FaceModels | None = None

PARENT_CHECK_S = 1.0
"""How often a worker looks whether the process whose pool it is in is still there (s). The fork server ends
once that process and its workers have."""

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload([__name__])


def _init_worker(detector: str, min_face_px: int | None, owner: int) -> None:
    global _models
    # Ctrl-C is the owner's to handle (it stops the pool); an owner that is killed takes its workers along,
    # instead of leaving them waiting for work forever.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_exit_with_owner, args=(_process(owner),), daemon=True).start()
    # The workers are the parallelism: OpenCV's own threads in each (it resizes and warps; onnxruntime runs YuNet on
    # one thread) only add overhead on the cores the workers, the vectorizer and Weaviate share: with 1 thread a photo
    # cost 5 to 8 % less CPU (2 cores), with the same results. (Safe here: a worker comes from the fork server, which
    # never started OpenCV's thread pool.)
    import cv2

    cv2.setNumThreads(1)
    _models = FaceModels.detector_only(detector, min_face_px)


def _process(pid: int) -> psutil.Process | None:
    try:
        return psutil.Process(pid)
    except psutil.NoSuchProcess:
        return None


def _exit_with_owner(owner: psutil.Process | None) -> None:
    """Wait while `owner` (the process that made the pool; not this worker's parent, the fork server) runs."""
    while _running(owner):
        time.sleep(PARENT_CHECK_S)
    os._exit(1)


def _running(process: psutil.Process | None) -> bool:
    """Whether `process` runs (a zombie, or one gone while asked, does not)."""
    try:
        return process is not None and process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


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
    with ProcessPoolExecutor(workers, mp_context=_CONTEXT, initializer=_init_worker,
                             initargs=(detector, min_face_px, os.getpid())) as pool:
        yield from pool.map(partial(_call, fn), paths, chunksize=4)
