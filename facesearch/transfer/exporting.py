"""`export`: the people's faces and the photo library of an install, into one file (see `exportfile`).

Weaviate is read by its cursor, a page at a time, and the file written as it comes, so memory stays bounded
whatever the install holds. The face vectorizer is not needed: the vector space comes from what the face
collections record. An export that stopped goes on where it stopped when it is run again with the same FILE
(objects are read by id, after the last one the partial file holds). Objects written meanwhile to the part
already exported are not in the file: export while nothing is being imported or indexed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from facesearch.errors import Conflict, NotFound
from facesearch.settings import Settings
from facesearch.store import transfer as store
from facesearch.store.connection import connect
from facesearch.transfer.exportfile import Entry, ExportWriter, Header, Resumed, partial_path, resume

OnProgress = Callable[[str, int, int], None]
"""on_progress(kind, done, total): objects of that kind in the file so far, and in Weaviate at the start."""

PROGRESS_EVERY = 1000
"""Objects between two progress calls (and one at the end of each kind)."""


@dataclass(frozen=True)
class Exported:
    """An export written: where, what it holds (objects per kind), how many objects were in the partial file it
    went on from, and how long it took (s)."""

    path: Path
    counts: dict[str, int]
    resumed: int
    seconds: float


def header_of(space: str, collections: store.Collections, settings: Settings) -> Header:
    counts = {kind: store.count(collections, kind) for kind in store.KINDS}
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return Header(space, str(settings.library_root.resolve()), collections.names(), counts, created)


def go_on_from(path: Path, space: str, collections: store.Collections) -> Resumed | None:
    """The partial export of `path` to go on from: one of the same space and collections, else None (and a new
    export replaces it)."""
    resumed = resume(path)
    if resumed and (resumed.header.space, resumed.header.collections) == (space, collections.names()):
        return resumed
    return None


def export_file(settings: Settings, path: Path, on_progress: OnProgress | None = None,
                every: int = PROGRESS_EVERY) -> Exported:
    """Write every person's face, library photo and library face of the install to `path`; Conflict when it
    exists. `on_progress` is called every `every` objects."""
    if path.exists():
        raise Conflict(f"{path} exists: name another file, or delete it first.")
    if not path.parent.is_dir():
        raise NotFound(f"{path.parent} is not a folder: the export would have nowhere to go.")
    started = time.perf_counter()
    client = connect(settings)
    try:
        space, collections = store.source(client, settings)
        resumed = go_on_from(path, space, collections)
        header = resumed.header if resumed else header_of(space, collections, settings)
        with ExportWriter(path, header, resumed) as out:
            write_objects(out, collections, resumed, on_progress, every)
            out.finish()
    finally:
        client.close()
    return Exported(path, dict(out.counts), sum(resumed.counts.values()) if resumed else 0,
                    time.perf_counter() - started)


def write_objects(out: ExportWriter, collections: store.Collections, resumed: Resumed | None,
                  on_progress: OnProgress | None, every: int) -> None:
    """Every object still to export, kind after kind, into `out`."""
    for kind, after in kinds_to_go(resumed):
        done, total = out.counts[kind], out.header.counts.get(kind, 0)
        for obj in store.objects_of(collections, kind, after):
            out.add(Entry(kind, obj))
            done += 1
            if on_progress and done % every == 0:
                on_progress(kind, done, total)
        if on_progress:
            on_progress(kind, done, total)


def kinds_to_go(resumed: Resumed | None) -> list[tuple[str, str | None]]:
    """(kind, the id after which to read it) for every kind still to export, in the file's order."""
    if resumed is None or resumed.last is None:
        return [(kind, None) for kind in store.KINDS]
    kind, last_id = resumed.last
    later = store.KINDS[store.KINDS.index(kind) + 1:]
    return [(kind, last_id), *((k, None) for k in later)]


def partial_note(path: Path) -> str | None:
    """A sentence when an export of `path` stopped and left its partial file, which the next export goes on from."""
    partial = partial_path(path)
    return f"{partial} holds what was exported so far: export to {path} again to go on." if partial.exists() else None
