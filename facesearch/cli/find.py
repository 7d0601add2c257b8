"""`python -m facesearch find`: every photo of a folder in which a face appears, best first.

Results go to stdout (with --json, exactly one JSON array and nothing else); progress, notes and the
indexing summary go to stderr.

When the folder is under the library root and the local API answers, the API does the work: it already
holds the face detector and a Weaviate client, so the command loads neither (most of its start-up time).
It indexes the folder through the API (with the command line's own write key, kept in the state folder
beside Weaviate's key, mode 0600) and finds through it. Otherwise, or when the API refuses that key,
or with --follow-links (the API never follows a link), the command does the work itself (`cli.library.find_here`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from facesearch.errors import BadRequest, FaceSearchError, NotFound
from facesearch.library.dates import check_days
from facesearch.settings import Settings, get_settings

POLL_S = 0.05
"""Seconds between two looks at the API's indexing job."""


@dataclass(frozen=True)
class Row:
    """One photo found: its path in the folder, the similarity (0..1), the face's box in pixels of the
    EXIF-oriented photo ({left, top, right, bottom}), who the face is known as (None: nobody), and when the photo
    was taken as the API answers it (a wall-clock time, "2024-06-01T14:30:00"; None for a photo indexed before
    dates were kept) and where that comes from ("camera": its EXIF block, "file": its file's time)."""

    path: str
    similarity: float
    box: dict[str, int]
    who: str | None
    taken_at: str | None = None
    taken_from: str | None = None


def run_find(args) -> int:  # noqa: ANN001 - argparse.Namespace
    """`find`: index the folder (only what changed), then print every photo with the face, best first."""
    settings = get_settings()
    folder = args.folder
    check_days(args.since, args.until)  # before any indexing
    if not folder.is_dir():
        raise NotFound(f"{folder} is not a folder.")
    if args.follow_links:
        from facesearch.library.root import links_for

        links_for(settings.library_root, folder, follow=True)  # refused under the root, before any model loads
    # The API never follows a link out of the library root: following links is this process's work.
    found = None if args.follow_links else through_api(settings, args, folder)
    if found is None:
        from facesearch.cli.library import find_here

        found = find_here(settings, args, folder)
    rows, threshold = found
    if not rows:
        days = "".join(f" {word} {d}" for word, d in (("since", args.since), ("until", args.until)) if d)
        taken = f" among the photos taken{days}" if days else ""
        print(f"No photo in {folder} has this face at similarity {threshold:.3f} or more{taken}.", file=sys.stderr)
    print_rows(rows, args.json)
    return 0


def print_rows(rows: list[Row], as_json: bool) -> None:
    if as_json:
        print(json.dumps([
            {"path": r.path, "similarity": round(r.similarity, 4), "box": r.box, "taken_at": r.taken_at,
             "taken_from": r.taken_from} for r in rows
        ]))
        return
    for r in rows:
        b = r.box
        who = f"  ({r.who})" if r.who else ""
        print(f"{r.path}  similarity {r.similarity:.3f}  box left={b['left']} top={b['top']} right={b['right']} "
              f"bottom={b['bottom']}{when(r)}{who}")


def when(r: Row) -> str:
    """"  taken 2024-06-01 14:30", or "  file date ..." when the photo's time is its file's; "" without one."""
    if r.taken_at is None:
        return ""
    return f"  {'taken' if r.taken_from == 'camera' else 'file date'} {r.taken_at[:16].replace('T', ' ')}"


class Refused(Exception):
    """The API would not do this for the command line (no key it accepts, no API): do it here instead."""


def through_api(settings: Settings, args, folder: Path) -> tuple[list[Row], float] | None:  # noqa: ANN001
    """The rows and the threshold used, found by the running API; None when it cannot serve this folder."""
    name = library_name(settings, folder)
    if name is None or os.environ.get("FACESEARCH_CLI_LOCAL") == "1":
        return None
    import httpx

    try:
        with httpx.Client(base_url=settings.api_url, timeout=httpx.Timeout(300, connect=0.5)) as api:
            if not api.get("/api/health", timeout=1).is_success:
                return None
            api.headers["Authorization"] = f"Bearer {command_line_key(settings)}"
            photo = None if args.person else read_photo(args.query)
            index(api, name, folder)
            return find(api, args, name, photo)
    except (httpx.HTTPError, Refused):
        return None


def library_name(settings: Settings, folder: Path) -> str | None:
    """The folder's name under the library root ("." for the root), or None when it is not under it."""
    root, resolved = settings.library_root.resolve(), folder.resolve()
    return resolved.relative_to(root).as_posix() or "." if resolved.is_relative_to(root) else None


def command_line_key(settings: Settings) -> str:
    """The command line's own write key for the local API, made on first use (`keys list` shows it as
    "command line"); its secret stays in <state folder>/cli.key, mode 0600, like Weaviate's key."""
    from facesearch.api import keys

    return keys.kept_key(settings, settings.state_dir / "cli.key", "command line")


def answer(response) -> dict:  # noqa: ANN001 - an httpx.Response
    """The JSON of a success; the API's sentence as the error when it refused (Refused for a key it did not take)."""
    if response.status_code in (401, 403):
        raise Refused(response.text)
    body = response.json()
    if not response.is_success:
        raise FaceSearchError(body.get("error") or f"The API answered with status {response.status_code}.")
    return body


def index(api, name: str, folder: Path) -> None:  # noqa: ANN001 - an httpx.Client
    """Index the folder through the API (waiting for any indexing under way), then print what the job says."""
    while True:
        response = api.post("/api/library/index", json={"folder": name})
        if response.status_code != 409:
            break
        time.sleep(POLL_S * 4)  # another folder is being indexed: wait our turn
    answer(response)
    shown = 0
    while True:
        job = answer(api.get("/api/library"))["job"]
        if job and job["total"] and job["done"] > shown and not sys.stderr.isatty():
            shown = job["done"]
            print(f"[{shown}/{job['total']}]", file=sys.stderr, flush=True)
        if job is None or job["state"] != "running":
            break
        time.sleep(POLL_S)
    if job is None or job["state"] == "failed":
        raise FaceSearchError((job or {}).get("error") or "Indexing the folder failed.")
    for skipped in job.get("skipped") or []:
        print(f"skipped: {skipped['path']}: {skipped['reason']}", file=sys.stderr)
    for moved in job.get("moved") or []:
        print(f"moved: {moved['old']} -> {moved['new']}", file=sys.stderr)
    print(f"{folder}: {job['summary']}", file=sys.stderr)
    if not job.get("photos"):
        raise NotFound(f"{folder} has no JPEG, PNG, WebP, HEIC or AVIF photos.")


def find(api, args, name: str, photo: bytes | None) -> tuple[list[Row], float]:  # noqa: ANN001 - httpx.Client, Namespace
    params = {"folder": name, "min_size": args.min_size, "sort": args.sort}
    optional = (("threshold", args.threshold), ("limit", args.limit), ("since", args.since), ("until", args.until))
    params |= {k: str(v) for k, v in optional if v is not None}
    if args.person:
        body = answer(api.get("/api/library/find", params={**params, "person": args.person}))
    else:
        if args.face is not None:
            params["face"] = args.face
        body = answer(api.post("/api/library/find", params=params, files={"photo": (args.query.name, photo)}))
        if body.get("note"):
            print(f"note: {body['note']}", file=sys.stderr)
    rows = [
        Row(m["path"], m["similarity"], m["box"], m["name"] or m["person_id"], m.get("taken_at"), m.get("taken_from"))
        for m in body["matches"]
    ]
    return rows, body["threshold"]


def read_photo(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise BadRequest(f"The query photo {path} could not be read ({e.strerror or e}).") from e
