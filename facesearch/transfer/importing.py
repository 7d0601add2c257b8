"""`import-data`: an export (see `exportfile`) into this install's Weaviate, checked before and after.

Three passes over the file, each streamed, a chunk at a time:

1. check: refused (WrongSpace) at once, from the header, unless the file's vector space is the one this install's
   face vectorizer makes. Then the whole file is read (every line, the trailer's counts and sha256); nothing is
   written unless it is whole. The folders, library photos and people photos it names are looked for here.
2. write: the collections are made sure of (WrongSpace when they hold vectors of another space: two spaces never
   share a collection), then every object is written with its id and, for a face, its vector, so Weaviate does
   not call the vectorizer; library folders move as `--library-root` says (`roots`). An object Weaviate already
   holds exactly so is left alone, any other with its id replaced: run again after it stopped, an import reads
   what it wrote before and writes the rest.
3. verify: every object of the file is in Weaviate, and a search with each face's own vector finds it (a face no
   search finds, as Weaviate can leave after a crash, is written again: `store.writes.restore_lost_vectors`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from facesearch.errors import FaceSearchError, WrongSpace
from facesearch.settings import Settings
from facesearch.store import transfer as store
from facesearch.store.connection import connect
from facesearch.store.library import FOLDER_MARK
from facesearch.store.space import vector_space
from facesearch.store.writes import NewObject
from facesearch.transfer.exportfile import Counted, Entry, ExportReader, Header
from facesearch.transfer.roots import Reroot, Rerooter, outside

OnProgress = Callable[[str, int, int], None]
"""on_progress(step, done, total): step is "checked", "written" or "verified"; counts are objects of the file."""

CHUNK = 500
"""Objects written at a time (about 13 MB of crops and vectors), and between two progress calls."""

IMPORT_COMMAND = "python -m facesearch import-data"


@dataclass
class Missing:
    """Things named in the file that are not on this machine: how many, and the first (for the sentence)."""

    count: int = 0
    first: str = ""

    def add(self, what: str) -> None:
        self.count += 1
        self.first = self.first or what


@dataclass
class Survey:
    """What the first pass found: the file's counts, its library folders (re-rooted), and what is not on disk."""

    counted: Counted
    folders: set[str] = field(default_factory=set)
    photos: Missing = field(default_factory=Missing)
    """Library photos whose file is not at folder/path here."""
    people: Missing = field(default_factory=Missing)
    """Enrolled faces whose photo is not at images/<person>/<file> here."""


@dataclass
class Imported:
    """An import done: objects per kind in the file, what was written and verified, what the collections hold
    now, warnings (sentences) and how long it took (s)."""

    path: Path
    counts: dict[str, int]
    written: store.Written
    checked: store.Checked
    held: dict[str, int]
    notes: list[str]
    seconds: float


def import_file(
    settings: Settings, path: Path, reroots: Iterable[Reroot] = (), on_progress: OnProgress | None = None,
    chunk: int = CHUNK,
) -> Imported:
    """Import the export at `path` into this install (see the module docstring); a sentence when the file is
    damaged, incomplete or of another vector space, or when Weaviate did not take every object."""
    started, rerooter = time.perf_counter(), Rerooter(reroots)
    reader = ExportReader(path)
    space = vector_space(settings)
    check_space(reader.header, space, path)  # from the header, before the whole file is read
    survey = survey_file(reader, rerooter, settings)
    progress = Progress(on_progress, survey.counted.total, chunk)
    progress("checked", survey.counted.total, end=True)
    client = connect(settings)
    try:
        collections = store.target(client, settings, space)
        written = write_all(collections, entries(reader, rerooter), chunk, progress)
        checked = verify_all(collections, entries(reader, rerooter), progress)
        held = {kind: store.count(collections, kind) for kind in store.KINDS}
    finally:
        client.close()
    refused(written, checked, path)
    notes = warnings(survey, reader.header, settings)
    return Imported(path, survey.counted.counts, written, checked, held, notes, time.perf_counter() - started)


def entries(reader: ExportReader, rerooter: Rerooter) -> Iterator[Entry]:
    """The file's objects as they are written here."""
    return (rerooter.entry(e) for e in reader.entries())


def survey_file(reader: ExportReader, rerooter: Rerooter, settings: Settings) -> Survey:
    """Pass 1: read the whole file (a sentence when it is damaged or incomplete), noting what is not on disk here."""
    folders, photos, people = set(), Missing(), Missing()
    for entry in entries(reader, rerooter):
        p = entry.obj.properties
        if entry.kind == store.LIBRARY_PHOTO:
            folders.add(str(p.get("folder")))
            if p.get("path") != FOLDER_MARK and not (Path(str(p.get("folder"))) / str(p.get("path"))).is_file():
                photos.add(f"{p.get('folder')}/{p.get('path')}")
        elif entry.kind == store.PERSON_FACE:
            if not (settings.images_dir / str(p.get("person_id")) / str(p.get("filename"))).is_file():
                people.add(f"{p.get('person_id')}/{p.get('filename')}")
    return Survey(reader.counted, folders, photos, people)


def check_space(header: Header, space: str, path: Path) -> None:
    """WrongSpace unless the file's vectors are of `space`, the one this install's face vectorizer makes."""
    if header.space != space:
        raise WrongSpace(
            f"{path} holds vectors of the space {header.space}, but this install's face vectorizer makes {space}: "
            "vectors of two face models never share a collection. Configure the same face model here "
            "(FACESEARCH_DETECTOR, FACESEARCH_EMBEDDER, FACESEARCH_MIRROR) to import it, then run `python -m "
            "facesearch reindex` if you want the other one."
        )


class Progress:
    """Calls on_progress(step, done, total) once `every` more objects of a step are done, and at its end."""

    def __init__(self, on_progress: OnProgress | None, total: int, every: int) -> None:
        self.on_progress, self.total, self.every = on_progress, total, every
        self.told: tuple[str, int] = ("", 0)

    def __call__(self, step: str, done: int, end: bool = False) -> None:
        last = self.told[1] if self.told[0] == step else 0
        if self.on_progress and (done - last >= self.every or (end and self.told != (step, done))):
            self.on_progress(step, done, self.total)
            self.told = (step, done)


def chunks_by_kind(objects: Iterable[Entry], size: int) -> Iterator[tuple[str, list[NewObject]]]:
    """(kind, up to `size` of its objects in a row), in the file's order."""
    kind, chunk = "", []
    for entry in objects:
        if chunk and (entry.kind != kind or len(chunk) == size):
            yield kind, chunk
            chunk = []
        kind = entry.kind
        chunk.append(entry.obj)
    if chunk:
        yield kind, chunk


def write_all(
    collections: store.Collections, objects: Iterable[Entry], chunk: int, progress: Progress
) -> store.Written:
    """Pass 2: every object into its collection, `chunk` at a time."""
    total, done = store.Written(), 0
    for kind, objs in chunks_by_kind(objects, chunk):
        total.add(store.write(collections, kind, objs))
        done += len(objs)
        progress("written", done)
    progress("written", done, end=True)
    return total


def verify_all(collections: store.Collections, objects: Iterable[Entry], progress: Progress) -> store.Checked:
    """Pass 3: every object of the file is held, and every face found by its own vector."""
    total, done = store.Checked(), 0
    for kind, objs in chunks_by_kind(objects, store.CHECK):
        total.add(store.check(collections, kind, [o.id for o in objs]))
        done += len(objs)
        progress("verified", done)
    progress("verified", done, end=True)
    return total


def refused(written: store.Written, checked: store.Checked, path: Path) -> None:
    """A sentence when Weaviate did not take every object, or a face cannot be found by its own vector."""
    again = f"run `{IMPORT_COMMAND} {path}` again to go on (what is there is kept)."
    if written.failed:
        first = next(iter(written.failed.values()))
        raise FaceSearchError(f"Weaviate refused {len(written.failed)} objects of {path} ({first}); {again}")
    if checked.missing:
        raise FaceSearchError(f"{len(checked.missing)} objects of {path} are not in Weaviate after the import; {again}")
    if checked.unfindable:
        raise FaceSearchError(
            f"{len(checked.unfindable)} faces of {path} are in Weaviate but no search with their own vector finds "
            f"them (for instance {checked.unfindable[0]}); {again}"
        )


def warnings(survey: Survey, header: Header, settings: Settings) -> list[str]:
    """Sentences about what the import could not bring: photos and folders that are not where this install looks."""
    notes = []
    away = outside(survey.folders, settings.library_root)
    if away:
        root = settings.library_root.resolve()
        hint = (f" To move them under it, import again with --library-root {header.library_root}={root} (and copy "
                "the photos there)." if any(Path(f).is_relative_to(header.library_root) for f in away) else "")
        notes.append(
            f"{len(away)} library folder(s) are not under this install's library root {root} ({', '.join(away[:3])}"
            f"{', ...' if len(away) > 3 else ''}): the page does not show them; `find` from the command line still "
            f"searches them.{hint}"
        )
    if survey.photos.count:
        notes.append(
            f"{survey.photos.count} library photo(s) are not at their path on this machine (for instance "
            f"{survey.photos.first}): copy them there, or the next `library index` of their folder forgets them."
        )
    if survey.people.count:
        notes.append(
            f"{survey.people.count} enrolled face(s) have no photo in {settings.images_dir} (for instance "
            f"{survey.people.first}): copy the people folders of the source install there before the next "
            "`import`, which removes the faces whose photo it does not find."
        )
    return notes
