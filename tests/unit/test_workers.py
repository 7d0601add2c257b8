"""facesearch.face.workers: workers come from the fork server, not from the (threaded) caller."""

import os
from pathlib import Path

from facesearch.face.models import FaceModels
from facesearch.face.workers import map_photos


def parent_of_worker(models: FaceModels, path: Path) -> tuple[int, int]:
    return os.getpid(), os.getppid()


def test_workers_are_not_forked_from_the_caller() -> None:
    found = list(map_photos(parent_of_worker, [Path(f"{n}.jpg") for n in range(8)], workers=2, detector="yunet"))
    workers = {pid for pid, _ in found}
    parents = {parent for _, parent in found}
    assert os.getpid() not in workers
    assert os.getpid() not in parents  # a process forked from this one could inherit a lock no thread will free
    assert len(parents) == 1  # the one fork server
