"""The command line: `python -m facesearch <command>` (see `--help`)."""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from facesearch.errors import FaceSearchError
from facesearch.settings import get_settings


def cmd_import(args: argparse.Namespace) -> int:
    """Sync Weaviate with the people folders."""
    from facesearch.importer.cli import run_import

    settings = get_settings()
    return run_import(settings, args.images or settings.images_dir)


def cmd_search(args: argparse.Namespace) -> int:
    """Print every face in a photo with its best matches."""
    from facesearch import store
    from facesearch.face import FaceModels
    from facesearch.search import search_photo

    settings = get_settings()
    client = store.connect(settings)
    try:
        collection = store.ensure_collection(client, settings.collection)
        models = FaceModels(detector=settings.detector, embedder=None)
        result = search_photo(
            models, collection, args.photo.read_bytes(), limit=args.limit,
            threshold=settings.threshold, margin=settings.margin,
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


def cmd_stack(args: argparse.Namespace) -> int:
    """Start, stop or show the local stack."""
    from facesearch.stack import LocalStack

    stack = LocalStack(get_settings())
    if args.action == "start":
        stack.start()
    elif args.action == "stop":
        if not stack.stop():
            print("Nothing was running.")
    else:
        for name in ("vectorizer", "weaviate", "api"):
            pid = stack.pid(name)
            print(f"{name}: {'running (pid %d)' % pid if pid else 'stopped'}")
    return 0


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
    stack = sub.add_parser("stack", help="local mode: Weaviate, vectorizer and API as processes")
    stack.add_argument("action", choices=["start", "stop", "status"])
    stack.set_defaults(run=cmd_stack)
    return p


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    args = parser().parse_args(argv)
    try:
        return args.run(args)
    except FaceSearchError as e:
        print(f"error: {e.message}", file=sys.stderr)
        return 1
    except FileNotFoundError as e:
        print(f"error: {e.filename}: no such file", file=sys.stderr)
        return 1
