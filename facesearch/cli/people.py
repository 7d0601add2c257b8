"""`python -m facesearch import` and `search`: the people from a terminal.

`import` shows progress while it works, then what changed and a summary; `search` prints every face of a
photo with its best matches.
"""

from __future__ import annotations

import signal
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from facesearch.face.embed import decision_for
from facesearch.face.models import FaceModels
from facesearch.people.scan import scan_images
from facesearch.people.search import search_photo
from facesearch.people.sync import ImportReport, import_people
from facesearch.settings import Settings, get_settings
from facesearch.store.connection import connect
from facesearch.store.people import ensure_people, repair
from facesearch.store.replication import Replication
from facesearch.store.space import vector_space

OnPhoto = Callable[[Path, int, int], None]


def shown(path: Path) -> str:
    """The path relative to the current folder when it is inside it."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


class Stopped(Exception):
    """The import was asked to stop (SIGTERM or Ctrl-C)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _stop(signum: int, frame: FrameType | None) -> None:
    raise Stopped(signum)


@contextmanager
def stoppable() -> Iterator[None]:
    """SIGTERM and Ctrl-C raise Stopped here, so that the import ends the way an error does: the faces already
    handed to Weaviate's batch are sent, the detection workers end, the connection closes."""
    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def progress_reporter() -> Iterator[OnPhoto]:
    """A progress bar on a terminal, plain lines otherwise (logs, CI)."""
    if not sys.stdout.isatty():
        yield lambda path, done, total: print(f"[{done}/{total}] {shown(path)}", flush=True)
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("Importing faces", total=None)
        yield lambda path, done, total: bar.update(task, completed=done, total=total)


def print_report(report: ImportReport, root: Path) -> None:
    for note in report.notes:
        print(f"note: {note}")
    for path in report.updated:
        print(f"updated: {shown(path)}")
    for key in report.removed:
        print(f"removed: {shown(root / key)} (no longer on disk)")
    for path, reason in report.skipped:
        print(f"skipped: {shown(path)}: {reason}")
    print(report.summary(), end="")
    reasons = Counter(reason for _, reason in report.skipped)
    print(" (" + "; ".join(f"{n} x {r}" for r, n in reasons.items()) + ")" if reasons else "")


def run_import(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """`import [FOLDER]`: sync Weaviate with the people folders, then name the library's faces after them again."""
    from facesearch.cli.library import retag

    settings = get_settings()
    code = import_folder(settings, args.images or settings.images_dir)
    if code == 0:
        retag(settings)
    return code


def import_folder(settings: Settings, images_dir: Path) -> int:
    """Import every person folder under `images_dir` into Weaviate; 1 when the folder is missing, 128 + the
    signal's number when SIGTERM or Ctrl-C stopped it."""
    if not images_dir.is_dir():
        print(f"error: {images_dir} is not a folder", file=sys.stderr)
        return 1
    try:
        with stoppable():
            report = sync(settings, images_dir)
    except Stopped as e:
        print(f"The import was stopped ({e}); the photos imported so far stay, and importing again goes on from "
              "there.", file=sys.stderr)
        return 128 + e.signum
    print_report(report, images_dir)
    return 0


def sync(settings: Settings, images_dir: Path) -> ImportReport:
    """Read the people folders and make Weaviate match them, showing progress."""
    people = scan_images(images_dir)
    client = connect(settings)
    try:
        enrolled = ensure_people(client, settings, vector_space(settings))
        with unfinished(settings) as last_unfinished, progress_reporter() as on_photo:
            report = import_people(
                enrolled, people, workers=settings.import_workers, detector=settings.detector, on_photo=on_photo,
                min_face_px=settings.min_face_px,
            )
            if last_unfinished and (restored := repair(enrolled)):
                report.notes.append(f"{len(restored)} faces of an import that did not finish were made findable again.")
            return report
    finally:
        client.close()


@contextmanager
def unfinished(settings: Settings) -> Iterator[bool]:
    """Whether the last import into this collection did not finish (it was stopped, or Weaviate or the vectorizer
    failed under it): a marker in the state folder, made here and removed when this import finishes."""
    marker = settings.state_dir / f"import-unfinished-{settings.collection}"
    try:
        was = marker.exists()
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch(mode=0o600)
    except OSError:  # a state folder this process may not write (a Weaviate elsewhere): no marker
        yield False
        return
    yield was
    marker.unlink(missing_ok=True)


def run_search(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """`search PHOTO`: every face in a photo with its best matches."""
    settings = get_settings()
    d = decision_for(settings)
    client = connect(settings)
    try:
        people = ensure_people(client, settings, vector_space(settings)).reading(Replication.of(settings))
        models = FaceModels.load(settings, embed=False)
        result = search_photo(
            models, people, args.photo.read_bytes(), limit=args.limit or settings.default_limit,
            threshold=d.threshold, margin=d.margin, rule=d.rule,
        )
    finally:
        client.close()
    for face in result.faces:
        b = face.box
        print(f"face {face.index} at left={b.left} top={b.top} right={b.right} bottom={b.bottom}:")
        if face.match is None:
            print("  unknown" + (f" (closest: {face.candidates[0].face.name}, certainty {face.candidates[0].certainty:.3f})" if face.candidates else ""))
        for c in face.candidates if face.match else []:
            print(f"  {c.face.name}  certainty {c.certainty:.3f}  {c.face.person_id}/{c.face.filename}")
    return 0
