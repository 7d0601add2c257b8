"""Watching the library root: what changes on disk, gathered into reports for the API (`changes.py` is the API's
side; `facesearch watch`, facesearch.cli.watch, is the process that sends them).

watchfiles (the Rust `notify` crate: inotify on Linux) watches the root and everything under it and gathers what
changes over `debounce_ms` into one batch, so that a burst of a thousand files is one report, or a few. A report
names paths relative to the root: photos added, changed or removed (`files`; a move is the old path removed and the
new one added) and folders made, moved or removed (`folders`: a folder moved in does not list its photos, and one
moved out cannot). Hidden files and folders and files that are no photos by their name are left out, as a scan
leaves them out.

watchfiles follows folder links (notify does, with no way to say otherwise): nothing under a link that leaves the
root is ever indexed (a scan does not descend folder links, and `scan.photo_at` refuses such paths), but the links
cost inotify watches on everything under their targets, so the watcher names them in its log when it starts. A
name that is no UTF-8 ends watchfiles' watch (WatchfilesRustInternalError); the root is then watched again and the
start reported again, which looks over what changed meanwhile.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from watchfiles import Change, watch
from watchfiles._rust_notify import WatchfilesRustInternalError

from facesearch.library.scan import is_photo_path

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
"""Seconds after which the watcher reports, with nothing to say, that it runs (the API counts it as running for
`jobs.WATCHER_FRESH_S`)."""
STEP_MS = 300
"""Milliseconds of quiet after a change at which a batch ends before `debounce_ms` (a photo written in several
steps, or several photos copied one after the other, are one batch)."""
REPORT_BYTES = 32 * 1024
"""The most bytes of paths one report carries (the API takes 64 KB of JSON): a larger one is sent in parts."""
RESTART_S = 1.0
"""Seconds before the root is watched again after watchfiles gave up on a name."""
TICK_MS = 500
"""Milliseconds after which watchfiles yields when nothing changes: the first report of a watch (START) goes this
soon after the watches are in place; the others, with nothing to say, wait for HEARTBEAT_S."""


@dataclass(frozen=True)
class Report:
    """Paths relative to the library root, `/` between parts: photos that changed (`files`) and folders made, moved
    or removed (`folders`, "." for the root: everything in it)."""

    files: frozenset[str] = frozenset()
    folders: frozenset[str] = frozenset()

    def merge(self, other: Report) -> Report:
        return Report(self.files | other.files, self.folders | other.folders)

    def __bool__(self) -> bool:
        return bool(self.files or self.folders)

    def parts(self, max_bytes: int = REPORT_BYTES) -> Iterator[Report]:
        """This report in parts of at most `max_bytes` bytes of paths each (one part when it is empty)."""
        files: list[str] = []
        folders: list[str] = []
        size = 0
        for kind, path in [*(("folder", p) for p in sorted(self.folders)), *(("file", p) for p in sorted(self.files))]:
            cost = len(json.dumps(path)) + 1
            if size + cost > max_bytes and (files or folders):
                yield Report(frozenset(files), frozenset(folders))
                files, folders, size = [], [], 0
            (folders if kind == "folder" else files).append(path)
            size += cost
        yield Report(frozenset(files), frozenset(folders))


START = Report(folders=frozenset({"."}))
"""The report a watcher starts with: every indexed folder is planned again once, to catch what changed while no
watcher ran (by size and time first, so it reads only what changed)."""


def known_folders(root: Path) -> set[str]:
    """Every folder under `root` (relative, `/` between parts; not hidden, links not followed)."""
    found = set()
    for dirpath, dirnames, _ in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        found.update((Path(dirpath) / d).relative_to(root).as_posix() for d in dirnames)
    return found


def classify(changes: Iterable[tuple[Change, str]], root: Path, folders: set[str]) -> Report:
    """What a batch of watchfiles changes under `root` (absolute paths) means for the library. `folders` holds the
    folders known under the root (`known_folders`), kept up to date here: a removed path is a folder when it was one.
    A folder's own changes but its making and removal (its time, when a file in it changes) say nothing."""
    files: set[str] = set()
    made_or_gone: set[str] = set()
    for change, path in changes:
        rel = relative(root, path)
        if rel is None:
            continue
        if change == Change.deleted and rel in folders:
            made_or_gone.add(rel)
            folders.difference_update({f for f in folders if f == rel or f.startswith(rel + "/")})
        elif change != Change.deleted and Path(path).is_dir():
            if change == Change.added:
                made_or_gone.add(rel)
                folders.add(rel)
                folders.update(f"{rel}/{sub}" for sub in known_folders(Path(path)))
        elif is_photo_path(rel):
            files.add(rel)
    return Report(frozenset(files), frozenset(made_or_gone))


def relative(root: Path, path: str) -> str | None:
    """`path` relative to `root`, `/` between parts; None for the root itself, a path outside it, a hidden one, or
    one whose name is no UTF-8 (it cannot be sent; logged)."""
    try:
        rel = Path(path).relative_to(root).as_posix()
    except ValueError:
        return None
    if rel == "." or any(part.startswith(".") for part in PurePosixPath(rel).parts):
        return None
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        log.warning("left out %r: its name is no UTF-8, so it cannot be reported (rename it)", path)
        return None
    return rel


def links_out(root: Path) -> list[str]:
    """The folder links under `root` (relative, links not followed, hidden ones too) whose target is outside it."""
    base, found = os.path.realpath(root), []
    for dirpath, dirnames, _ in os.walk(root):
        for name in dirnames:
            link = Path(dirpath) / name
            if link.is_symlink() and not Path(os.path.realpath(link)).is_relative_to(base):
                found.append(link.relative_to(root).as_posix())
    return sorted(found)


Send = Callable[[Report], Report]
"""Sends a report to the API; returns what it could not send (sent again with the next report)."""


def watch_root(root: Path, send: Send, debounce_ms: int, stop: threading.Event | None = None) -> None:
    """Report what changes under `root`, every batch (and at least every HEARTBEAT_S, empty, to say that the
    watcher runs), until `stop` is set (or watchfiles stops on a signal). `root` must exist.

    START goes with the first batch of a watch, which watchfiles yields once its watches exist (within TICK_MS): a
    photo added before then is in the look over START asks for, one added after is reported. A watch that watchfiles
    gives up (a name that is no UTF-8) is started again, with START again."""
    root = root.resolve()
    outside = links_out(root)
    if outside:
        log.warning("folder links under %s lead out of it: %s. Nothing under them is indexed, but watchfiles follows "
                    "them and spends inotify watches on everything there; remove them if that is much",
                    root, ", ".join(outside))
    unsent, rest = Report(), stop or threading.Event()
    while True:
        folders, unsent, sent_at = known_folders(root), unsent.merge(START), None
        batches = watch(
            root, watch_filter=None, debounce=debounce_ms, step=STEP_MS, rust_timeout=TICK_MS,
            yield_on_timeout=True, stop_event=stop, raise_interrupt=False,
        )
        try:
            for batch in batches:
                report = classify(batch, root, folders)
                if report:
                    log.debug("changed under %s: %d photos, %d folders", root, len(report.files), len(report.folders))
                unsent = unsent.merge(report)
                if report or sent_at is None or time.monotonic() - sent_at >= HEARTBEAT_S:
                    unsent, sent_at = send(unsent), time.monotonic()
            return
        except WatchfilesRustInternalError as e:  # the changes of that batch are lost: START looks them over
            log.warning("watching %s stopped on a name it cannot read (%s); it is watched again, and every indexed "
                        "folder looked over", root, e)
            if rest.wait(RESTART_S):
                return
