"""Library work in the background: indexing a folder, and tagging library faces again after people change.

One worker thread does one thing at a time, so an index and a re-tag never race. At most one
indexing is queued or running; a second request is refused (409) until it ends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from facesearch.errors import Conflict, FaceSearchError
from facesearch.face.models import FaceModels
from facesearch.library.index import index_folder
from facesearch.library.root import links_for
from facesearch.library.tag import Tagger
from facesearch.settings import Settings
from facesearch.store.library import Library

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """An indexing: the folder (as the API names it), state running/done/failed, photos read of those to read;
    once done, the photos in the folder, those skipped in this run (path, reason) and moved (old path, new path)."""

    folder: str
    state: str = "running"
    done: int = 0
    total: int = 0
    summary: str | None = None
    error: str | None = None
    photos: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()


class LibraryJobs:
    """The library's background work for the API, one job at a time (see the module docstring)."""

    def __init__(self, settings: Settings, models: FaceModels) -> None:
        self.settings = settings
        self.models = models
        self._job: Job | None = None
        self._lock = threading.Lock()
        self._retag_queued = False
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="library")

    @property
    def job(self) -> Job | None:
        return self._job

    def _update(self, **changes: object) -> None:
        with self._lock:
            assert self._job is not None
            self._job = replace(self._job, **changes)

    def index(self, name: str, folder: Path, library: Library, tagger: Tagger) -> Job:
        """Start indexing `folder` (named `name`); Conflict while another indexing is under way."""
        with self._lock:
            if self._job is not None and self._job.state == "running":
                raise Conflict(f"The folder '{self._job.folder}' is being indexed; try again when it is done.")
            self._job = Job(name)
        self._worker.submit(self._run_index, folder, library, tagger)
        return self._job

    def _run_index(self, folder: Path, library: Library, tagger: Tagger) -> None:
        s = self.settings
        try:
            report = index_folder(
                library, folder, tagger=tagger, workers=s.import_workers, detector=s.detector, models=self.models,
                on_photo=lambda _, done, total: self._update(done=done, total=total),
                links=links_for(s.library_root, folder, follow=False),  # never through a link out of the root
            )
            self._update(state="done", summary=report.summary(), photos=report.photos,
                         skipped=tuple(report.skipped), moved=tuple(report.moved))
        except FaceSearchError as e:
            self._update(state="failed", error=e.message)
        except Exception:  # noqa: BLE001 - the job must end with a sentence, whatever happened
            log.exception("indexing %s failed", folder)
            self._update(state="failed", error="Indexing stopped on an unexpected error; see the API's log.")

    def retag(self, run: Callable[[], int]) -> None:
        """Tag the library again soon (after people changed); several requests in a row run it once."""
        with self._lock:
            if self._retag_queued:
                return
            self._retag_queued = True
        self._worker.submit(self._run_retag, run)

    def _run_retag(self, run: Callable[[], int]) -> None:
        with self._lock:
            self._retag_queued = False
        try:
            log.info("re-tagged %d library faces", run())
        except Exception:  # noqa: BLE001 - logged; the next change tags again
            log.exception("re-tagging the library failed")

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
