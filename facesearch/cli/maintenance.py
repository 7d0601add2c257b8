"""`python -m facesearch reindex`, `backup` and `restore`: the store's maintenance from a terminal."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from facesearch.settings import get_settings
from facesearch.store import backup
from facesearch.store.connection import connect
from facesearch.store.reindex import reindex, summary


def run_reindex(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Vectorize every stored face again with the configured face model, then tag the library again."""
    from facesearch.cli.library import retag

    def progress(collection: str, step: str, done: int, total: int) -> None:
        print(f"{collection}: {step} {done}/{total} faces", file=sys.stderr, flush=True)

    settings = get_settings()
    client = connect(settings)
    try:
        space, reports = reindex(client, settings, on_progress=progress)
    finally:
        client.close()
    for report in reports:
        for face, reason in report.left_out:
            print(f"left out: {report.name}: {face}: {reason}")
    print(summary(space, reports))
    if any(r.reindexed for r in reports):
        retag(settings)
    return 0


def run_backup(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Back up the people and the library through Weaviate (or list the backups there are)."""
    settings = get_settings()
    name = backup.checked_name(args.name or backup.default_name())
    client = connect(settings)
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
    print(f"Backed up {made.contents.describe()} as {made.name} in {time.perf_counter() - started:.1f} s.")
    if settings.backup_backend == "filesystem":
        size = backup.folder_size(Path(made.path))
        held = f" ({size / 1e6:.1f} MB)" if size is not None else " (on Weaviate's machine)"
        print(f"  folder: {made.path}{held}")
    else:
        print(f"  stored at: {made.path} (Weaviate's {settings.backup_module} module)")
    print(f"Restore it with `python -m facesearch restore {made.name}`.")
    return 0


def run_restore(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """Restore a backup into Weaviate (with --replace, over the collections it holds)."""
    settings = get_settings()
    client = connect(settings)
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
