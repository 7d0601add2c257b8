"""What the folder watcher (`watch.py`) reports, as work for the indexed folders: the API's side of watching.

The watcher names paths relative to the library root: `files`, photos added, changed or removed (a move is the
old path removed and the new one added), and `folders`, folders made, moved or removed, in which anything may
have changed. Each indexed folder under the root gets the files inside it, by their path relative to it, or, when
a reported folder is inside it (or holds it), a plan of the whole folder: a folder's photos are many and their
old paths are not listed, and a plan of the whole folder costs a scan of its file sizes and times and reads
only what changed. What happens in folders that are not indexed is not indexed: a folder is indexed once, by a
person, and followed from then on. A name that is no path under the root (`..`, absolute, a NUL, text that is no
UTF-8) is left out, with a line in the log, and the rest of the report is taken.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Literal

from facesearch.library.scan import is_photo_path

log = logging.getLogger(__name__)

MAX_NAME = 4096
"""The longest path Linux names (PATH_MAX)."""

NOTE_CHARS = 2000
"""The longest sentence the watcher says about itself in a report (longer ones are cut)."""

WatcherSays = Literal["watching", "waiting", "failed"]
"""What the folder watcher says, in each report, that it does: watches the library root; waits for it to exist;
cannot watch it (its last report: it exits)."""


@dataclass(frozen=True)
class Changes:
    """The work waiting for one indexed folder: `paths` (relative to it) to index again, or, when `whole`, the
    whole folder (which covers any paths)."""

    paths: frozenset[str] = frozenset()
    whole: bool = False

    def merge(self, other: Changes) -> Changes:
        """Both together: one job does both."""
        if self.whole or other.whole:
            return Changes(whole=True)
        return Changes(self.paths | other.paths)

    @property
    def count(self) -> int:
        """Paths waiting (0 for a whole folder)."""
        return 0 if self.whole else len(self.paths)


def under_root(base: Path, name: str) -> Path | None:
    """`name` (relative to the resolved root `base`, `/` between parts) as an absolute path, without resolving
    links (a removed path cannot be resolved); None for a name that leaves the root or names no file (a NUL, too
    long, text that is no UTF-8). A backslash is a character of a Linux file name like any other."""
    if "\0" in name or len(name) > MAX_NAME or PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
        return None
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: a name that was no UTF-8 on disk
        return None
    return Path(os.path.normpath(base / name))


def per_folder(
    root: Path, indexed: Iterable[str], files: Iterable[str], folders: Iterable[str]
) -> tuple[dict[str, Changes], int]:
    """The work for each indexed folder (`indexed`: their keys, absolute resolved paths) that the reported `files`
    and `folders` (relative to `root`) touch, folders untouched left out; and how many names were left out as no
    path under the root (each logged). Files that are no photos by their name (or hidden) are dropped here, as a
    scan would not list them."""
    base = root.resolve()
    keys = [Path(k) for k in indexed]
    work: dict[str, Changes] = {}
    skipped = 0

    def add(key: Path, changes: Changes) -> None:
        work[str(key)] = work.get(str(key), Changes()).merge(changes)

    def paths(names: Iterable[str]) -> Iterable[Path]:
        nonlocal skipped
        for name in names:
            path = under_root(base, name)
            if path is None:
                skipped += 1
                log.warning("the folder watcher named %r, which is no path under the library folder: left out", name)
            else:
                yield path

    for path in paths(folders):
        for key in keys:
            if path.is_relative_to(key) or key.is_relative_to(path):
                add(key, Changes(whole=True))
    for path in paths(files):
        for key in keys:
            if path != key and path.is_relative_to(key) and is_photo_path(rel := path.relative_to(key).as_posix()):
                add(key, Changes(frozenset({rel})))
    return work, skipped
