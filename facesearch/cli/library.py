"""`python -m facesearch find` (in this process) and `python -m facesearch library ...`: the library from a terminal.

Results go to stdout (with --json, exactly one JSON array and nothing else); progress, notes and the
indexing summary go to stderr.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from facesearch.errors import BadRequest, NotFound
from facesearch.face.embed import decision_for
from facesearch.face.image import KINDS, load_image
from facesearch.face.models import FaceModels
from facesearch.cli.find import Row
from facesearch.library.find import Match, Query, find_by_person, find_by_photo
from facesearch.library.grouping import Grouper, rule_of
from facesearch.library.index import IndexReport, OnPhoto, folder_key, index_folder
from facesearch.library.root import links_for
from facesearch.library.scan import subfolders
from facesearch.library.tag import Tagger
from facesearch.settings import Settings, get_settings
from facesearch.store import library as records
from facesearch.store import people as enrolled
from facesearch.store.connection import Handles, connect, ensure_handles
from facesearch.store.library import Library
from facesearch.store.people import People


@dataclass
class Session:
    """What one command needs, built once: the Weaviate collections and the detector."""

    settings: Settings
    handles: Handles
    models: FaceModels

    @property
    def library(self) -> Library:
        return self.handles.library

    def tagger(self) -> Tagger:
        return tagger(self.settings, self.handles.people)


def tagger(settings: Settings, people: People) -> Tagger:
    """Tags library faces with the people in `people` by the rule in force."""
    d = decision_for(settings)
    return Tagger(people, d.threshold, d.margin, d.rule, Grouper(rule_of(settings)))


@contextmanager
def session(settings: Settings) -> Iterator[Session]:
    client = connect(settings)
    try:
        yield Session(settings, ensure_handles(client, settings), FaceModels.load(settings, embed=False))
    finally:
        client.close()


@contextmanager
def progress(out=sys.stderr) -> Iterator[OnPhoto]:  # noqa: ANN001 - a text stream
    """A progress bar on a terminal, plain lines otherwise (logs, CI)."""
    if not out.isatty():
        yield lambda path, done, total: print(f"[{done}/{total}] {path}", file=out, flush=True)
        return
    from rich.console import Console

    from rich.progress import Progress

    with Progress(console=Console(file=out), transient=True) as bar:
        task = bar.add_task("Indexing photos", total=None)
        yield lambda path, done, total: bar.update(task, completed=done, total=total)


def checked_folder(folder: Path) -> Path:
    if not folder.is_dir():
        raise NotFound(f"{folder} is not a folder.")
    return folder


def index(s: Session, folder: Path, out=sys.stdout, follow_links: bool = False) -> IndexReport:  # noqa: ANN001
    """Index a folder with progress, print what was skipped and the summary line (to `out`, a text stream).
    Links are followed as `links_for` says: out of the folder only with `follow_links`, never out of the
    library root."""
    links = links_for(s.settings.library_root, checked_folder(folder), follow_links)
    with progress() as on_photo:
        report = index_folder(
            s.library, folder, tagger=s.tagger(), workers=s.settings.import_workers,
            detector=s.settings.detector, models=s.models, on_photo=on_photo, links=links,
        )
    for path, reason in report.skipped:
        print(f"skipped: {path}: {reason}", file=out)
    for old, new in report.moved:
        print(f"moved: {old} -> {new}", file=out)
    print(f"{folder}: {report.summary()}", file=out)
    return report


def find_here(settings: Settings, args, folder: Path) -> tuple[list[Row], float]:  # noqa: ANN001 - argparse.Namespace
    """`find` in this process: index the folder (only what changed), then every photo with the face, best first;
    with the similarity threshold used."""
    photo = None if args.person else read_query(args.query)
    threshold = decision_for(settings).library_threshold if args.threshold is None else args.threshold
    query = Query(threshold, args.min_size, args.limit, [folder_key(folder)], args.since, args.until, args.sort)
    with session(settings) as s:
        report = index(s, folder, out=sys.stderr, follow_links=args.follow_links)
        if not report.photos:
            raise NotFound(f"{folder} has no {KINDS} photos.")
        reading = s.handles.reading()
        if args.person:
            matches = find_by_person(reading.people, reading.library, args.person, query)
        else:
            found = find_by_photo(s.models, reading.library, photo, query, args.face)
            if found.note:
                print(f"note: {found.note}", file=sys.stderr)
            matches = found.matches
        names = enrolled.names_of(reading.people, (m.face.person_id for m in matches))
    return [row(m, names) for m in matches], threshold


def row(m: Match, names: dict[str, str]) -> Row:
    who = names.get(m.face.person_id, m.face.person_id) if m.face.person_id else None
    taken = m.face.taken
    # as the API answers it
    return Row(m.face.path, round(m.similarity, 4), m.face.box.to_json(), who,
               taken.at.isoformat() if taken else None, taken.source if taken else None)


def read_query(path: Path) -> bytes:
    """The query photo's bytes, checked to be a photo facesearch reads (KINDS)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadRequest(f"The query photo {path} could not be read ({e.strerror or e}).") from e
    load_image(data)
    return data


def retag(settings: Settings) -> None:
    """Tag the library's faces again after the people changed (nothing to do without a library)."""
    client = connect(settings)
    try:
        if not records.library_exists(client, settings):
            return
        handles = ensure_handles(client, settings)
        changed = tagger(settings, handles.people).retag_all(handles.library)
    finally:
        client.close()
    if changed:
        print(f"library: {changed} faces now named differently")


def run_library(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """`library index FOLDER`, `library status [FOLDER]`, `library remove FOLDER`."""
    settings = get_settings()
    with session(settings) as s:
        if args.action == "index":
            for folder in [args.folder] if args.folder else root_folders(settings):
                index(s, folder, follow_links=args.follow_links)
        elif args.action == "status":
            print_status(s.library, args.folder)
        elif args.folder is None:
            raise BadRequest("Name the folder to forget: library remove FOLDER")
        else:
            remove(s.library, args.folder)
    return 0


def root_folders(settings: Settings) -> list[Path]:
    """The folders directly under the library root (what `library index` with no folder indexes)."""
    folders = subfolders(settings.library_root)
    if not folders:
        print(f"No folder of photos in {settings.library_root}; put one there, or name one: library index FOLDER")
    return folders


def print_status(library: Library, folder: Path | None) -> None:
    stats = records.folder_stats(library)
    keys = [folder_key(folder)] if folder else sorted(stats)
    if not keys:
        print("No folder is indexed. Index one with: python -m facesearch library index FOLDER")
    skipped = records.skipped_photos(library)
    for key in keys:
        if key not in stats:
            raise NotFound(f"{key} is not indexed.")
        st = stats[key]
        last = f"{st.last_indexed:%Y-%m-%d %H:%M:%S %Z}" if st.last_indexed else "never"
        print(f"{key}: {st.photos} photos, {st.faces} faces, last indexed {last}")
        for p in (p for p in skipped if p.folder == key):
            print(f"  skipped: {p.path}: {p.skip_reason}")


def remove(library: Library, folder: Path) -> None:
    key = folder_key(folder)
    count = records.forget_folder(library, key)
    print(f"{key}: forgotten ({count} photos); the files are not touched.")

