"""Library work in the background: indexing a folder, the folder watcher's changes, tagging library faces again
after people change, and grouping the whole library's faces into people again.

One worker thread does one thing at a time, so that two indexings, a re-tag and forgetting a folder never race. A
client's indexing (POST /api/library/index) is refused (409) while another client's is queued or running. The
folder watcher's changes (POST /api/library/changes, `changes.py`) are never refused: they wait behind the work
under way, and what is reported for a folder while its job waits joins that job, so that a burst of files becomes
one job, or a few. An indexing of a whole folder covers the changes waiting for it. A job of the watcher's changes
that fails (Weaviate away, say) is tried again once, after RETRY_S, as the whole folder; and since what waits here
is lost when the API stops, the API has a `start_id` of its own, in every answer to the watcher: a watcher that
sees it change (the API started again) reports its start again, and every indexed folder is looked over.

Forgetting a folder (`forget`) runs on the same worker, between jobs: a job of that folder under way stops at its
next photo, and the forgetting deletes whatever it wrote.
"""

from __future__ import annotations

import itertools
import logging
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as StillWaiting
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Literal, TypeVar

from facesearch.errors import Conflict, FaceSearchError, NotFound
from facesearch.face.models import FaceModels
from facesearch.library.changes import Changes, WatcherSays
from facesearch.library.index import IndexReport, OnPhoto, folder_key, index_folder, index_paths
from facesearch.library.root import links_for
from facesearch.library.tag import Tagger
from facesearch.settings import Settings
from facesearch.store import library as records
from facesearch.store.library import Library

log = logging.getLogger(__name__)

Kind = Literal["index", "changes", "regroup"]
"""index: a client asked for a folder to be indexed; changes: the folder watcher reported changes; regroup: a client
asked for the library's faces to be grouped again."""

WATCHER_FRESH_S = 30.0
"""Seconds after its last report during which the folder watcher counts as running (it reports at least every
`watch.HEARTBEAT_S`, 5 s, with nothing to say)."""
RETRY_S = 10.0
"""Seconds after which the watcher's changes of a folder whose job failed are tried again (once), as the whole
folder."""
FORGET_WAIT_S = 60.0
"""Seconds forgetting a folder waits for the job under way (another folder's: one of this folder stops at its next
photo) before it answers that the forgetting is queued."""

T = TypeVar("T")


class Forgotten(FaceSearchError):
    """The folder of a job was forgotten while the job waited or ran: it stops, and what it wrote is deleted."""


@dataclass(frozen=True)
class Job:
    """An indexing: the folder (as the API names it), state running/done/failed, photos read of those to read;
    once done, the photos (in the folder; for the watcher's changes, at the paths reported), those skipped in this
    run (path, reason) and moved (old path, new path). `id` counts the jobs since the API started, from 1."""

    folder: str
    state: str = "running"
    done: int = 0
    total: int = 0
    summary: str | None = None
    error: str | None = None
    photos: int = 0
    skipped: tuple[tuple[str, str], ...] = ()
    moved: tuple[tuple[str, str], ...] = ()
    id: int = 0
    kind: Kind = "index"


@dataclass(frozen=True)
class Waiting:
    """The folder watcher's work waiting for one folder: its name, where it is, and what changed in it."""

    name: str
    folder: Path
    changes: Changes
    retried: bool = False
    """A failed job's changes tried again: not tried a third time."""


@dataclass(frozen=True)
class WatcherState:
    """The folder watcher as the API last heard from it: whether it runs (it reported within WATCHER_FRESH_S and
    did not say that it failed), when it last reported, what it said it does, and its sentence about itself
    ("waiting for the library folder ...")."""

    running: bool = False
    last_seen: datetime | None = None
    state: WatcherSays | None = None
    note: str = ""

    @property
    def watching(self) -> bool:
        """It runs and watches the library root: indexed folders follow their photos."""
        return self.running and self.state == "watching"


class LibraryJobs:
    """The library's background work for the API, one job at a time (see the module docstring)."""

    def __init__(self, settings: Settings, models: FaceModels) -> None:
        self.settings = settings
        self.models = models
        self._jobs: dict[Kind, Job | None] = {"index": None, "changes": None, "regroup": None}
        self._waiting: dict[str, Waiting] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._retag_queued = False
        self._seen: tuple[float, datetime] | None = None
        self._watcher_said: tuple[WatcherSays | None, str] = (None, "")
        self._forgetting: dict[str, int] = {}
        """Folder key -> forgettings queued for it: its jobs stop."""
        self._timers: set[threading.Timer] = set()
        self._closed = False
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="library")
        self.start_id = secrets.token_hex(8)
        """Names this API's run: what waits here is lost when it stops, so a watcher that sees another reports its
        start again."""

    @property
    def job(self) -> Job | None:
        """The client's indexing under way, or the last one."""
        return self._jobs["index"]

    @property
    def changes_job(self) -> Job | None:
        """The folder watcher's job under way, or the last one."""
        return self._jobs["changes"]

    @property
    def regroup_job(self) -> Job | None:
        """The regrouping under way, or the last one."""
        return self._jobs["regroup"]

    def regroup(self, run: Callable[[Callable[[int, int], None]], str]) -> Job:
        """Group the library again behind the work under way: `run(on_progress)` does it and returns its summary;
        Conflict while a regrouping is queued or running."""
        with self._lock:
            held = self._jobs["regroup"]
            if held is not None and held.state == "running":
                raise Conflict("The library's faces are being grouped again already; wait for it to end.")
            self._jobs["regroup"] = job = Job("", id=next(self._ids), kind="regroup")
        self._worker.submit(self._run_regroup, run)
        return job

    def _run_regroup(self, run: Callable[[Callable[[int, int], None]], str]) -> None:
        try:
            summary = run(lambda done, total: self._update("regroup", done=done, total=total))
            self._update("regroup", state="done", summary=summary)
        except FaceSearchError as e:
            self._update("regroup", state="failed", error=e.message)
        except Exception:  # noqa: BLE001 - the job must end with a sentence, whatever happened
            log.exception("regrouping failed")
            self._update("regroup", state="failed", error="Grouping stopped on an unexpected error; see the API's log.")

    def _update(self, kind: Kind, **changes: object) -> None:
        with self._lock:
            job = self._jobs[kind]
            assert job is not None
            self._jobs[kind] = replace(job, **changes)

    def _progress(self, kind: Kind, key: str, done: int, total: int) -> None:
        """A job's progress after each photo read; Forgotten, to stop it, once its folder is being forgotten."""
        self._stop_if_forgotten(key)
        self._update(kind, done=done, total=total)

    def _stop_if_forgotten(self, key: str) -> None:
        with self._lock:
            if key in self._forgetting:
                raise Forgotten("The folder was forgotten while it was being indexed; nothing of it is kept.")

    def index(self, name: str, folder: Path, library: Library, tagger: Tagger) -> Job:
        """Index `folder` (named `name`) whole, behind the work under way; Conflict while another client's indexing
        is queued or running."""
        with self._lock:
            held = self._jobs["index"]
            if held is not None and held.state == "running":
                raise Conflict(f"The folder '{held.folder}' is being indexed; try again when it is done.")
            self._jobs["index"] = job = Job(name, id=next(self._ids))
        self._worker.submit(self._run_index, folder, library, tagger)
        return job

    def _run_index(self, folder: Path, library: Library, tagger: Tagger) -> None:
        key = folder_key(folder)
        with self._lock:
            covered = self._waiting.pop(key, None)  # this indexing scans the whole folder
        failed = self._run("index", key, lambda on_photo: self._index_whole(folder, library, tagger, on_photo))
        if covered is not None and worth_retrying(failed):
            self._retry(covered, library, tagger)  # the watcher's changes it took are not lost with it

    def changes(
        self, name: str, folder: Path, changes: Changes, library: Library, tagger: Tagger, *, retried: bool = False
    ) -> None:
        """Index what changed in the indexed `folder` (named `name`) behind the work under way; joined to the job
        already waiting for that folder, if one is. `retried`: these are a failed job's changes, tried again."""
        key = folder_key(folder)
        with self._lock:
            held = self._waiting.get(key)
            merged = held.changes.merge(changes) if held else changes
            self._waiting[key] = Waiting(name, folder, merged, retried and (held is None or held.retried))
        if held is None:
            self._worker.submit(self._run_changes, key, library, tagger)

    def _run_changes(self, key: str, library: Library, tagger: Tagger) -> None:
        with self._lock:
            waiting = self._waiting.pop(key, None)
            if waiting is None:
                return  # an indexing of the whole folder covered it, or the folder was forgotten
            self._jobs["changes"] = Job(waiting.name, total=waiting.changes.count, id=next(self._ids), kind="changes")
        failed = self._run("changes", key,
                           lambda on_photo: self._index_changes(key, waiting, library, tagger, on_photo))
        if worth_retrying(failed):
            self._retry(waiting, library, tagger)

    def _retry(self, waiting: Waiting, library: Library, tagger: Tagger) -> None:
        """Look over the whole folder of a failed job again in RETRY_S, unless these changes failed once already."""
        if waiting.retried:
            log.error("the changes of %s failed again; they wait for the watcher's next start or an indexing",
                      waiting.folder)
            return

        def again() -> None:
            with self._lock:
                self._timers.discard(timer)
                if self._closed:
                    return
            self.changes(waiting.name, waiting.folder, Changes(whole=True), library, tagger, retried=True)

        timer = threading.Timer(RETRY_S, again)
        timer.daemon = True
        with self._lock:
            if self._closed:
                return
            self._timers.add(timer)
        log.warning("the changes of %s are looked for again, in the whole folder, in %.0f s", waiting.folder, RETRY_S)
        timer.start()

    def _index_changes(
        self, key: str, waiting: Waiting, library: Library, tagger: Tagger, on_photo: OnPhoto
    ) -> IndexReport:
        """The watcher's changes of one folder: those paths, or the whole folder; refused (NotFound) when the folder
        is gone or no longer indexed, so that nothing of a forgotten folder comes back."""
        if not waiting.folder.is_dir():
            raise NotFound(f"The folder '{waiting.name}' is gone; forget it to take its photos out of the library.")
        if key not in records.indexed_folders(library):
            raise NotFound(f"The folder '{waiting.name}' is no longer indexed; its changes were left alone.")
        if waiting.changes.whole:
            return self._index_whole(waiting.folder, library, tagger, on_photo)
        s = self.settings
        return index_paths(
            library, waiting.folder, waiting.changes.paths, tagger=tagger, workers=s.import_workers,
            detector=s.detector, models=self.models, on_photo=on_photo,
            links=links_for(s.library_root, waiting.folder, follow=False),
        )

    def _index_whole(self, folder: Path, library: Library, tagger: Tagger, on_photo: OnPhoto) -> IndexReport:
        s = self.settings
        return index_folder(
            library, folder, tagger=tagger, workers=s.import_workers, detector=s.detector, models=self.models,
            on_photo=on_photo,
            links=links_for(s.library_root, folder, follow=False),  # never through a link out of the root
        )

    def _run(self, kind: Kind, key: str, work: Callable[[OnPhoto], IndexReport]) -> Exception | None:
        """Run an indexing of the folder `key`, keeping its job up to date: progress, then how it ended; why it
        failed (None when it did not). A job whose folder is being forgotten does not start, or stops."""
        try:
            self._stop_if_forgotten(key)
            report = work(lambda _, done, total: self._progress(kind, key, done, total))
            self._update(kind, state="done", summary=report.summary(), photos=report.photos,
                         skipped=tuple(report.skipped), moved=tuple(report.moved))
            return None
        except FaceSearchError as e:
            self._update(kind, state="failed", error=e.message)
            return e
        except Exception as e:  # noqa: BLE001 - the job must end with a sentence, whatever happened
            log.exception("indexing %s failed", key)
            self._update(kind, state="failed", error="Indexing stopped on an unexpected error; see the API's log.")
            return e

    def waiting(self) -> dict[str, Waiting]:
        """The watcher's work waiting, by folder key."""
        with self._lock:
            return dict(self._waiting)

    def forget(self, key: str, run: Callable[[], T]) -> T | None:
        """Forget the folder `key` between jobs: the watcher's work waiting for it is dropped, a job of it queued or
        under way stops (at its next photo), and `run` (which deletes its records) runs on the jobs' worker once
        the job under way has ended, so that nothing written after it brings the folder back. What `run` returns
        (its exception is raised here); None when it still waits after FORGET_WAIT_S (it runs later)."""
        with self._lock:
            self._waiting.pop(key, None)
            self._forgetting[key] = self._forgetting.get(key, 0) + 1
        try:
            future = self._worker.submit(self._forget_now, key, run)
        except RuntimeError:  # the worker is shut down: the API stops
            self._forgot(key)
            raise
        try:
            return future.result(timeout=FORGET_WAIT_S)
        except StillWaiting:
            future.add_done_callback(log_failure)  # nobody waits for it any more
            return None

    def _forget_now(self, key: str, run: Callable[[], T]) -> T:
        try:
            return run()
        finally:
            self._forgot(key)

    def _forgot(self, key: str) -> None:
        with self._lock:
            left = self._forgetting.pop(key, 1) - 1
            if left:
                self._forgetting[key] = left

    def watcher_seen(self, state: WatcherSays = "watching", note: str = "") -> None:
        """The folder watcher reported (changes, or that it runs): what it does, and its sentence about itself."""
        with self._lock:
            self._seen = (time.monotonic(), datetime.now(timezone.utc))
            self._watcher_said = (state, note)

    def watcher(self) -> WatcherState:
        """The folder watcher as last heard from (see WatcherState)."""
        with self._lock:
            seen, (state, note) = self._seen, self._watcher_said
        if seen is None:
            return WatcherState()
        fresh = time.monotonic() - seen[0] <= WATCHER_FRESH_S
        return WatcherState(fresh and state != "failed", seen[1], state, note)

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
        with self._lock:
            self._closed = True
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        self._worker.shutdown(wait=False, cancel_futures=True)


def log_failure(future: Future) -> None:
    """Log why a forgetting that nobody waits for any more failed."""
    if not future.cancelled() and future.exception() is not None:
        log.error("forgetting a folder failed: %s", future.exception())


def worth_retrying(error: Exception | None) -> bool:
    """Whether a job that ended with `error` is tried again: not when it did not fail, nor when its folder is gone,
    no longer indexed or being forgotten (NotFound, Forgotten)."""
    return error is not None and not isinstance(error, (NotFound, Forgotten))
