"""`python -m facesearch <command>`: the parser, and the one place that turns errors into sentences.

Nothing heavy is imported here (no settings, Weaviate client, face models or web framework): each command
imports its group's module when it runs.
"""

from __future__ import annotations

import argparse
import re
import sys
import warnings
from collections.abc import Callable
from datetime import date
from importlib import import_module
from pathlib import Path


def lazy(module: str, function: str) -> Callable[[argparse.Namespace], int]:
    """A command that imports its group's module (facesearch.cli.<module>) only when it runs."""

    def run(args: argparse.Namespace) -> int:
        return getattr(import_module(f"facesearch.cli.{module}"), function)(args)

    return run


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="facesearch", description="Find who is in a photo, with Weaviate.")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import images/<person>/ folders (re-run after changes)")
    imp.add_argument("images", nargs="?", type=Path, help="folder of people folders (default: images/)")
    imp.set_defaults(run=lazy("people", "run_import"))
    search = sub.add_parser("search", help="who is in a photo")
    search.add_argument("photo", type=Path)
    search.add_argument("--limit", type=int, default=None, help="candidates per face (default FACESEARCH_DEFAULT_LIMIT)")
    search.set_defaults(run=lazy("people", "run_search"))
    add_find(sub)
    add_library(sub)
    reindex = sub.add_parser(
        "reindex", help="vectorize every stored face again after the face model changed (resumable)",
        description="Re-vectorize the faces of FaceRecognition and LibraryFace with the configured face model, "
        "from the crops Weaviate holds. Run it with the stack running; if it stops, run it again to go on.",
    )
    reindex.set_defaults(run=lazy("maintenance", "run_reindex"))
    add_backup(sub)
    add_transfer(sub)
    add_keys(sub)
    stack = sub.add_parser("stack", help="local mode: Weaviate, vectorizer and API as processes")
    stack.add_argument("action", choices=["start", "stop", "status"])
    stack.set_defaults(run=lazy("stack", "run_stack"))
    watcher = sub.add_parser(
        "watch", help="index what changes in the indexed library folders as it changes (local mode and compose run it)",
        description="Watch FACESEARCH_LIBRARY_ROOT and report photos added, changed, moved or removed to the running "
        "API, which indexes them in the folders it has indexed. Runs until stopped; FACESEARCH_WATCH=false: off.",
    )
    watcher.set_defaults(run=lazy("watch", "run_watch"))
    return p


def add_backup(sub: argparse._SubParsersAction) -> None:
    made = sub.add_parser(
        "backup", help="back up the people and the library (Weaviate's backup folder, or S3)",
        description="Have Weaviate write the people and the photo library, vectors and face crops included, to "
        "<backup folder>/NAME/ (local mode: FACESEARCH_BACKUP_DIR, default .facesearch/backups; Docker: ./backups), "
        "or, with FACESEARCH_BACKUP_BACKEND=s3 (a cluster needs it), to NAME/ in the bucket.",
    )
    made.add_argument("name", nargs="?", help="lowercase letters, digits, - and _ (default: facesearch-<UTC time>)")
    made.add_argument("--list", action="store_true", help="list the backups there are")
    made.set_defaults(run=lazy("maintenance", "run_backup"))
    restore = sub.add_parser(
        "restore", help="restore a backup into Weaviate",
        description="Restore backup NAME into a Weaviate that does not have its collections (or, with --replace, "
        "delete them first). A backup made elsewhere: copy its NAME folder into this backup folder (or bucket) first.",
    )
    restore.add_argument("name")
    restore.add_argument("--replace", action="store_true", help="delete the collections the backup holds, then restore")
    restore.set_defaults(run=lazy("maintenance", "run_restore"))


def add_transfer(sub: argparse._SubParsersAction) -> None:
    export = sub.add_parser(
        "export", help="write the people and the library, vectors and face crops included, to one file",
        description="Write every enrolled face, library photo and library face, with the vectors Weaviate holds, the "
        "face crops and the vector space they are of, to FILE (gzip'd JSON lines), to bring them into another install "
        "with `import-data`: one node or a cluster, local mode or Docker. It is written as FILE.partial and renamed "
        "FILE when complete; after a stop, run it again to go on.",
    )
    export.add_argument("file", type=Path, metavar="FILE")
    export.set_defaults(run=lazy("transfer", "run_export"))
    load = sub.add_parser(
        "import-data", help="bring in a file `export` wrote (checked before anything is written, verified after)",
        description="Write every object of FILE into this install's Weaviate with its id and vector (the face "
        "vectorizer is not called again), replacing objects with the same id; then check that every one is there "
        "and every face is found by its own vector. FILE must be whole and of the vector space this install's face "
        "vectorizer makes. After a stop, run it again: what is already there is not written again.",
    )
    load.add_argument("file", type=Path, metavar="FILE")
    load.add_argument(
        "--library-root", type=old_new, action="append", default=[], metavar="OLD=NEW",
        help="library folders recorded at OLD, or under it, are at NEW on this machine (repeatable)",
    )
    load.set_defaults(run=lazy("transfer", "run_import_data"))


def old_new(text: str) -> tuple[str, str]:
    """OLD=NEW: two absolute folders, OLD as the export recorded it, NEW on this machine."""
    old, _, new = text.partition("=")
    if not (old.startswith("/") and new.startswith("/")):
        raise argparse.ArgumentTypeError("use OLD=NEW, two absolute folders: OLD as the export recorded it, NEW here")
    return old, new


def add_keys(sub: argparse._SubParsersAction) -> None:
    keys = sub.add_parser(
        "keys", help="make, list or revoke the API's keys (changes always need one; reads when configured)",
        description="API keys are sent as 'Authorization: Bearer <key>'. Only their SHA-256 is kept, in "
        "<state folder>/api_keys.json (mode 0600); a revoked key is refused at once, without restarting the API.",
    )
    action = keys.add_subparsers(dest="action", required=True)
    create = action.add_parser("create", help="make a key and print it (shown only once)")
    create.add_argument("--name", help="a name to tell it by in `keys list` and `keys revoke`")
    create.add_argument("--read-only", action="store_true", help="searches and lists only; no change")
    create.add_argument("--if-none", action="store_true", help="only if no key with these rights exists yet")
    action.add_parser("list", help="id, rights, creation time and name of every key")
    revoke = action.add_parser("revoke", help="remove a key (by id or name); the API refuses it at once")
    revoke.add_argument("key", metavar="ID_OR_NAME")
    keys.set_defaults(run=lazy("keys", "run_keys"))


def add_find(sub: argparse._SubParsersAction) -> None:
    find = sub.add_parser(
        "find", help="every photo in a folder where a face appears (indexes what changed first)",
        description="Print each photo of FOLDER in which the face appears, best first: its path, the similarity "
        "(0..1, Weaviate's certainty), the face's box (left, top, right, bottom in pixels) and when the photo was "
        "taken (its EXIF time, or its file's time, said so).",
    )
    who = find.add_mutually_exclusive_group(required=True)
    who.add_argument("-q", "--query", type=Path, help="a photo of the face")
    who.add_argument("--person", help="an enrolled person's id: search with all their photos")
    find.add_argument("-t", "--folder", type=Path, required=True, help="the folder of photos (searched recursively)")
    find.add_argument("--threshold", type=similarity, default=None,
                      help="lowest similarity, 0..1 (default FACESEARCH_LIBRARY_THRESHOLD, else the face model's, "
                      "chosen by bench/library.py)")
    find.add_argument("--min-size", type=positive, default=0, metavar="PX", help="ignore faces narrower than PX pixels")
    find.add_argument("--limit", type=positive, default=None, metavar="N", help="at most N photos (default: all)")
    find.add_argument("--face", type=positive, default=None, metavar="K",
                      help="search with the K-th face from the left (default: the largest)")
    find.add_argument("--since", type=day, default=None, metavar="YYYY-MM-DD",
                      help="only photos taken on that day or later (photos without a date are left out)")
    find.add_argument("--until", type=day, default=None, metavar="YYYY-MM-DD",
                      help="only photos taken on that day or before (the whole day is included)")
    find.add_argument("--sort", choices=["match", "newest", "oldest"], default="match",
                      help="best match first (default), or newest or oldest photo first (photos without a date last)")
    find.add_argument("--json", action="store_true",
                      help="print one JSON array of {path, similarity, box, taken_at, taken_from}")
    add_follow_links(find)
    find.set_defaults(run=lazy("find", "run_find"))


def add_follow_links(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--follow-links", action="store_true",
        help="read photos through links that leave the folder, and folder links too (only for folders outside the "
        "library root; without it such a link is skipped, with its reason)",
    )


def similarity(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a similarity is between 0 and 1")
    return value


def add_library(sub: argparse._SubParsersAction) -> None:
    library = sub.add_parser(
        "library", help="index, show or forget folders of photos searched by `find`; the people in them"
    )
    actions = library.add_subparsers(dest="action", required=True)
    index = actions.add_parser("index", help="index a folder (only what changed since the last time)")
    index.add_argument("folder", nargs="?", type=Path, help="the folder (default: every folder in the library root)")
    add_follow_links(index)
    status = actions.add_parser("status", help="indexed folders: photos, faces, skipped photos")
    status.add_argument("folder", nargs="?", type=Path, help="one indexed folder (default: every one)")
    remove = actions.add_parser("remove", help="forget an indexed folder (the photos on disk stay)")
    remove.add_argument("folder", type=Path)
    for action in (index, status, remove):
        action.set_defaults(run=lazy("library", "run_library"), follow_links=False)
    people = actions.add_parser("people", help="the people in the library's photos: groups of faces, biggest first")
    people.add_argument("folder", nargs="?", type=Path, help="only the faces in this indexed folder")
    people.add_argument("--json", action="store_true", help="one JSON array of every group and its faces")
    people.add_argument("--min-faces", type=positive, default=None, help="smallest group listed (default: the app's)")
    people.set_defaults(run=lazy("groups", "run_people"))
    name = actions.add_parser("name", help="name a group: it becomes an enrolled person")
    name.add_argument("group", help="the group's id (or the start of it, as `library people` shows it)")
    name.add_argument("name")
    name.add_argument("--merge", action="store_true", help="the name is an enrolled person's: add the group to them")
    name.set_defaults(run=lazy("groups", "run_name"))
    merge = actions.add_parser("merge", help="merge groups: the first takes the faces of the others")
    merge.add_argument("groups", nargs="+", metavar="GROUP")
    merge.set_defaults(run=lazy("groups", "run_merge"))
    not_ = actions.add_parser("not", help="not this person: take faces out of a group, for good")
    not_.add_argument("group")
    not_.add_argument("faces", nargs="+", metavar="PATH[:FACE]",
                      help="a photo (and which of its faces, from 1 left to right; default: the one in the group)")
    not_.set_defaults(run=lazy("groups", "run_not"))
    hide = actions.add_parser("hide", help="hide a group from the lists (its faces stay findable)")
    hide.add_argument("group")
    hide.add_argument("--show", action="store_true", help="show a hidden group again")
    hide.set_defaults(run=lazy("groups", "run_hide"))
    regroup = actions.add_parser("regroup", help="group the whole library again, keeping names and corrections")
    regroup.set_defaults(run=lazy("groups", "run_regroup"))


def day(text: str) -> date:
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise argparse.ArgumentTypeError("a day is written YYYY-MM-DD, such as 2024-06-30")


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except Exception as e:  # noqa: BLE001 - those with a sentence are told; any other is a bug and raised
        lines = sentences(e)
        if lines is None:
            raise
        for line in lines:
            print(f"error: {line}", file=sys.stderr)
        return 1


def sentences(error: Exception) -> list[str] | None:
    """What to tell the user about an error that stopped a command, or None for a bug."""
    from pydantic import ValidationError

    from facesearch.errors import FaceSearchError
    from facesearch.local.stack import StackError

    if isinstance(error, FaceSearchError):
        return [error.message]
    if isinstance(error, StackError):
        return [str(error)]
    if isinstance(error, FileNotFoundError):
        return [f"{error.filename}: no such file"]
    if isinstance(error, ValidationError):
        return [
            ("FACESEARCH_" + "_".join(str(p) for p in problem["loc"]).upper() if problem["loc"] else "a setting")
            + f": {problem['msg'].removeprefix('Value error, ')}"
            for problem in error.errors()
        ]
    return None
