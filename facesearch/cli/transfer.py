"""`python -m facesearch export FILE` and `import-data FILE`: an install's data into a file, and into another install.

Progress goes to stderr as `[done/total] step` lines; the summary, to stdout; warnings, to stderr.
"""

from __future__ import annotations

import sys

from facesearch.settings import get_settings
from facesearch.store.backup import Contents
from facesearch.store.transfer import LIBRARY_FACE, LIBRARY_PHOTO, PERSON_FACE, collection_names
from facesearch.transfer.exporting import export_file, partial_note
from facesearch.transfer.importing import IMPORT_COMMAND, Imported, import_file
from facesearch.transfer.roots import reroot


def progress(step: str, done: int, total: int) -> None:
    print(f"[{done}/{total}] {step}", file=sys.stderr, flush=True)


def described(counts: dict[str, int]) -> str:
    """e.g. "8 enrolled faces, 6 library photos with 13 faces"."""
    return Contents(counts.get(PERSON_FACE, 0), counts.get(LIBRARY_PHOTO, 0), counts.get(LIBRARY_FACE, 0)).describe()


def rate(objects: int, seconds: float) -> str:
    return f"{objects / seconds:.0f} objects/s" if seconds > 0 else "at once"


def run_export(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Write the install's people and library to FILE (going on from FILE.partial when an export stopped)."""
    settings = get_settings()
    finished = False
    try:
        done = export_file(settings, args.file, on_progress=progress)
        finished = True
    except KeyboardInterrupt:
        print("The export was stopped.", file=sys.stderr)
        return 130
    finally:
        note = None if finished else partial_note(args.file)
        if note:
            print(f"note: {note}", file=sys.stderr)
    if done.resumed:
        print(f"Went on from the {done.resumed} objects an earlier export had written.")
    objects, size = sum(done.counts.values()), done.path.stat().st_size
    print(f"Exported {described(done.counts)} to {done.path} in {done.seconds:.1f} s "
          f"({rate(objects - done.resumed, done.seconds)}, {size / 1e6:.1f} MB).")
    print(f"Import it into another install with `python -m facesearch import-data {done.path}`.")
    return 0


def run_import_data(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Import FILE, which `export` wrote, into this install; library folders moved as --library-root says."""
    settings = get_settings()
    try:
        reroots = [reroot(old, new) for old, new in args.library_root]
        done = import_file(settings, args.file, reroots, on_progress=progress)
    except KeyboardInterrupt:
        print(f"The import was stopped; what was written stays, and `{IMPORT_COMMAND} {args.file}` again goes on "
              "from there.", file=sys.stderr)
        return 130
    for note in done.notes:
        print(f"warning: {note}", file=sys.stderr)
    print_summary(done, collection_names(settings))
    return 0


def print_summary(done: Imported, names: dict[str, str]) -> None:
    objects, w = sum(done.counts.values()), done.written
    print(f"Imported {described(done.counts)} from {done.path} in {done.seconds:.1f} s "
          f"({rate(objects, done.seconds)}): {w.written} written, {w.unchanged} already there.")
    again = f" ({done.checked.restored} written again)" if done.checked.restored else ""
    print(f"Verified: every object of the file is in Weaviate, and every face is found by its own vector{again}.")
    for kind, held in done.held.items():
        if held > done.counts.get(kind, 0):
            print(f"note: {names[kind]} also holds {held - done.counts.get(kind, 0)} objects that are not in the file.")
