"""The command line: `python -m facesearch <command>` (see `--help`)."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from pydantic import ValidationError

from facesearch.errors import FaceSearchError, NotReady
from facesearch.settings import Settings, get_settings
from facesearch.stack import StackError


def cmd_import(args: argparse.Namespace) -> int:
    """Sync Weaviate with the people folders, then name the library's faces after them again."""
    from facesearch.importer.cli import run_import

    from facesearch.library.cli import retag

    settings = get_settings()
    code = run_import(settings, args.images or settings.images_dir)
    if code == 0:
        retag(settings)
    return code


def cmd_search(args: argparse.Namespace) -> int:
    """Print every face in a photo with its best matches."""
    from facesearch import store
    from facesearch.face import FaceModels
    from facesearch.search import search_photo

    settings = get_settings()
    client = store.connect(settings)
    try:
        replication = store.Replication.of(settings)
        collection = store.ensure_collection(client, settings.collection, store.vector_space(settings), replication)
        models = FaceModels.load(settings, embed=False)
        result = search_photo(
            models, replication.reading(collection), args.photo.read_bytes(), limit=args.limit,
            threshold=settings.threshold, margin=settings.margin, rule=settings.rule,
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


def cmd_find(args: argparse.Namespace) -> int:
    """Every photo of a folder in which a face appears."""
    from facesearch.library.cli import run_find

    return run_find(get_settings(), args)


def cmd_library(args: argparse.Namespace) -> int:
    """Index, show or forget a folder of photos."""
    from facesearch.library.cli import run_library

    return run_library(get_settings(), args)


def cmd_reindex(args: argparse.Namespace) -> int:
    """Vectorize every stored face again with the configured face model, then tag the library again."""
    from weaviate.exceptions import WeaviateBaseError

    from facesearch import store
    from facesearch.errors import NotReady
    from facesearch.library.cli import retag
    from facesearch.reindex import reindex, summary

    def progress(collection: str, step: str, done: int, total: int) -> None:
        print(f"{collection}: {step} {done}/{total} faces", file=sys.stderr, flush=True)

    settings = get_settings()
    client = store.connect(settings)
    try:
        space, reports = reindex(client, settings, on_progress=progress)
    except WeaviateBaseError as e:
        raise NotReady("Weaviate failed during the reindex; run it again to go on where it stopped.") from e
    finally:
        client.close()
    for report in reports:
        for face, reason in report.left_out:
            print(f"left out: {report.name}: {face}: {reason}")
    print(summary(space, reports))
    if any(r.reindexed for r in reports):
        retag(settings)
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the people and the library through Weaviate (or list the backups there are)."""
    import time

    from facesearch import backup, store

    settings = get_settings()
    name = backup.checked_name(args.name or backup.default_name())
    client = store.connect(settings)
    try:
        if args.list:
            for b in backup.list_backups(client, settings):
                when = f"{b.started_at:%Y-%m-%d %H:%M:%S} UTC" if b.started_at else "unknown time"
                print(f"{b.name}  {when}  {b.status}  {', '.join(b.collections)}")
            return 0
        started = time.perf_counter()
        made = backup.create(client, settings, name)
    finally:
        client.close()
    size = backup.folder_size(Path(made.path))
    print(f"Backed up {made.contents.describe()} as {made.name} in {time.perf_counter() - started:.1f} s.")
    print(f"  folder: {made.path}" + (f" ({size / 1e6:.1f} MB)" if size is not None else " (on Weaviate's machine)"))
    print(f"Restore it with `python -m facesearch restore {made.name}`.")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a backup into Weaviate (with --replace, over the collections it holds)."""
    import time

    from facesearch import backup, store

    settings = get_settings()
    client = store.connect(settings)
    try:
        started = time.perf_counter()
        held = backup.restore(client, settings, args.name, replace=args.replace)
        seconds = time.perf_counter() - started
        note = backup.space_note(client, settings)
    finally:
        client.close()
    print(f"Restored {args.name} in {seconds:.1f} s: {held.describe()}.")
    if note:
        print(f"note: {note}")
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """Make, list or revoke the API's keys."""
    from facesearch.api.keys_cli import run_keys

    return run_keys(get_settings(), args)


def cmd_stack(args: argparse.Namespace) -> int:
    """Start, stop or show the local stack."""
    from facesearch.stack import LocalStack, node_lines, status_lines

    settings = get_settings()
    stack = LocalStack(settings)
    if args.action == "start":
        if settings.weaviate_nodes > 1:
            print(f"Weaviate: a cluster of {settings.weaviate_nodes} nodes on this machine")
            print("\n".join(f"  {line}" for line in node_lines(settings)))
        stack.start()
    elif args.action == "stop":
        if not stack.stop():
            print("Nothing was running.")
    else:
        rows = stack.status()
        print("\n".join(status_lines(rows, stack.state)))
        if rows:
            print("\n".join(cluster_lines(settings)))
    return 0


def cluster_lines(settings: Settings) -> list[str]:
    """The Weaviate nodes, each in the cluster or not with its objects; or why that is not known."""
    from facesearch import cluster

    try:
        return cluster.status_lines(cluster.status(settings))
    except NotReady as e:
        return [f"Weaviate nodes: unknown. {e}"]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="facesearch", description="Find who is in a photo, with Weaviate.")
    sub = p.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("import", help="import images/<person>/ folders (re-run after changes)")
    imp.add_argument("images", nargs="?", type=Path, help="folder of people folders (default: images/)")
    imp.set_defaults(run=cmd_import)
    search = sub.add_parser("search", help="who is in a photo")
    search.add_argument("photo", type=Path)
    search.add_argument("--limit", type=int, default=get_settings().default_limit, help="candidates per face")
    search.set_defaults(run=cmd_search)
    add_find(sub)
    library = sub.add_parser("library", help="index, show or forget folders of photos searched by `find`")
    library.add_argument("action", choices=["index", "status", "remove"])
    library.add_argument(
        "folder", nargs="?", type=Path,
        help="the folder (index: every folder in the library root when left out; status: every indexed folder)",
    )
    library.set_defaults(run=cmd_library)
    reindex = sub.add_parser(
        "reindex", help="vectorize every stored face again after the face model changed (resumable)",
        description="Re-vectorize the faces of FaceRecognition and LibraryFace with the configured face model, "
        "from the crops Weaviate holds. Run it with the stack running; if it stops, run it again to go on.",
    )
    reindex.set_defaults(run=cmd_reindex)
    add_backup(sub)
    add_keys(sub)
    stack = sub.add_parser("stack", help="local mode: Weaviate, vectorizer and API as processes")
    stack.add_argument("action", choices=["start", "stop", "status"])
    stack.set_defaults(run=cmd_stack)
    return p


def add_backup(sub: argparse._SubParsersAction) -> None:
    made = sub.add_parser(
        "backup", help="back up the people and the library (Weaviate's backup folder)",
        description="Have Weaviate write the people and the photo library, vectors and face crops included, to "
        "<backup folder>/NAME/ (local mode: FACESEARCH_BACKUP_DIR, default .facesearch/backups; Docker: ./backups).",
    )
    made.add_argument("name", nargs="?", help="lowercase letters, digits, - and _ (default: facesearch-<UTC time>)")
    made.add_argument("--list", action="store_true", help="list the backups there are")
    made.set_defaults(run=cmd_backup)
    restore = sub.add_parser(
        "restore", help="restore a backup into Weaviate",
        description="Restore backup NAME into a Weaviate that does not have its collections (or, with --replace, "
        "delete them first). A backup made elsewhere: copy its NAME folder into this backup folder first.",
    )
    restore.add_argument("name")
    restore.add_argument("--replace", action="store_true", help="delete the collections the backup holds, then restore")
    restore.set_defaults(run=cmd_restore)


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
    keys.set_defaults(run=cmd_keys)


def add_find(sub: argparse._SubParsersAction) -> None:
    settings = get_settings()
    find = sub.add_parser(
        "find", help="every photo in a folder where a face appears (indexes what changed first)",
        description="Print each photo of FOLDER in which the face appears, best first: its path, the similarity "
        "(0..1, Weaviate's certainty) and the face's box (left, top, right, bottom in pixels).",
    )
    who = find.add_mutually_exclusive_group(required=True)
    who.add_argument("-q", "--query", type=Path, help="a photo of the face")
    who.add_argument("--person", help="an enrolled person's id: search with all their photos")
    find.add_argument("-t", "--folder", type=Path, required=True, help="the folder of photos (searched recursively)")
    find.add_argument("--threshold", type=similarity, default=settings.library_threshold,
                      help=f"lowest similarity, 0..1 (default {settings.library_threshold}, chosen by bench/library.py)")
    find.add_argument("--min-size", type=positive, default=0, metavar="PX", help="ignore faces narrower than PX pixels")
    find.add_argument("--limit", type=positive, default=None, metavar="N", help="at most N photos (default: all)")
    find.add_argument("--face", type=positive, default=None, metavar="K",
                      help="search with the K-th face from the left (default: the largest)")
    find.add_argument("--json", action="store_true", help="print one JSON array of {path, similarity, box}")
    find.set_defaults(run=cmd_find)


def similarity(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a similarity is between 0 and 1")
    return value


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    try:
        args = parser().parse_args(argv)  # reads the settings for its defaults
        return args.run(args)
    except FaceSearchError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    except StackError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print(f"error: {e.filename}: no such file", file=sys.stderr)
        return 1
    except ValidationError as e:
        for problem in e.errors():
            where = "FACESEARCH_" + "_".join(str(p) for p in problem["loc"]).upper() if problem["loc"] else "a setting"
            print(f"error: {where}: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        return 1
