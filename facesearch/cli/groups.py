"""`python -m facesearch library people|name|merge|not|hide|regroup`: the people in the library's photos from a
terminal. A group is named by its id or the start of it (8 characters, as `library people` shows it). With
`people --json`, stdout is exactly one JSON array; notes go to stderr."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from facesearch.cli.library import Session, session
from facesearch.errors import BadRequest, NotFound
from facesearch.library import groups
from facesearch.library.grouping import Grouper, rule_of
from facesearch.library.index import folder_key
from facesearch.settings import get_settings
from facesearch.store import groups as store
from facesearch.store import library as records

SHORT = 8
"""Characters of a group id `library people` shows."""


def group_id(s: Session, given: str) -> str:
    """The one group whose id starts with `given` (at least 4 characters); NotFound or BadRequest otherwise."""
    if len(given) < 4:
        raise BadRequest(f"'{given}' is too short to name a group: give at least 4 characters of its id.")
    found = [g for g in store.all_groups(s.library) if g.startswith(given.lower())]
    if not found:
        raise NotFound(f"There is no group '{given}'; `python -m facesearch library people` lists them.")
    if len(found) > 1:
        raise BadRequest(f"'{given}' starts {len(found)} group ids; give more of it.")
    return found[0]


def run_people(args) -> int:  # noqa: ANN001 - argparse.Namespace
    settings = get_settings()
    rule = rule_of(settings)
    min_faces = args.min_faces or rule.min_faces
    with session(settings) as s:
        folder = folder_key(args.folder) if args.folder else None
        if folder is not None and folder not in records.indexed_folders(s.library):
            raise NotFound(f"{folder} is not indexed.")
        listed = groups.listing(s.library, s.handles.people, min_faces=min_faces, min_width=rule.min_width,
                                folders=None if folder is None else [folder])
        if args.json:
            print(json.dumps([_as_json(s, summary, folder) for summary in listed.groups], ensure_ascii=False))
            return 0
        if not listed.groups:
            print(f"No group of {min_faces} faces or more. Index a folder (library index FOLDER), or regroup.")
        for summary in listed.groups:
            print(f"{summary.group.id[:SHORT]}  {summary.name or '(no name)'}: {summary.faces} faces in "
                  f"{len(summary.photos)} photos")
        print(f"{listed.ungrouped} faces in no group", file=sys.stderr)
    return 0


def _as_json(s: Session, summary: groups.Summary, folder: str | None) -> dict:
    faces = [f for f in store.faces_in(s.library, summary.group.id) if folder is None or f.folder == folder]
    faces.sort(key=lambda f: (f.folder, f.path, f.box.left))
    return {
        "id": summary.group.id,
        "name": summary.name or None,
        "faces": [{"path": f.path if folder else f"{f.folder}/{f.path}", "box": f.box.to_json()} for f in faces],
    }


def run_name(args) -> int:  # noqa: ANN001
    settings = get_settings()
    with session(settings) as s:
        try:
            named = groups.name_group(s.library, s.handles.people, s.models, settings.images_dir,
                                      group_id(s, args.group), args.name, merge=args.merge)
        except groups.PersonExists as e:
            raise groups.PersonExists(f"{args.name} is enrolled already; to add this group's faces to them, run "
                                      f"this again with --merge.") from e
        if args.merge:
            print(f"The group is now part of {named.name or named.person_id}.")
        else:
            print(f"{args.name} is enrolled from the group {named.id[:SHORT]}: `search` names them from now on.")
        s.tagger().retag_all(s.library)
    return 0


def run_merge(args) -> int:  # noqa: ANN001
    with session(get_settings()) as s:
        ids = [group_id(s, g) for g in args.groups]
        merged = groups.merge_groups(s.library, ids[0], ids[1:])
        print(f"{len(ids) - 1} groups merged into {merged.id[:SHORT]}.")
    return 0


def run_not(args) -> int:  # noqa: ANN001
    settings = get_settings()
    with session(settings) as s:
        gid = group_id(s, args.group)
        faces = [face_at(s, gid, given) for given in args.faces]
        removed = groups.remove_faces(s.library, Grouper(rule_of(settings)), gid, faces)
        print(f"{removed} faces taken out of {gid[:SHORT]} for good.")
    return 0


def face_at(s: Session, gid: str, given: str) -> str:
    """The id of the face named PATH[:FACE] (a photo, and its face from 1 left to right; without it, the face of
    that photo in the group)."""
    path_text, _, number = given.rpartition(":") if given.rpartition(":")[2].isdigit() else (given, "", "")
    path = Path(path_text).expanduser().resolve()
    folder = next((f for f in sorted(records.indexed_folders(s.library), key=len, reverse=True)
                   if path.is_relative_to(f)), None)
    if folder is None:
        raise NotFound(f"{path} is in no indexed folder.")
    photo = records.photo_id(folder, path.relative_to(folder).as_posix())
    faces = records.faces_of_photos(s.library, [photo])
    chosen = [faces[int(number) - 1]] if number and 0 < int(number) <= len(faces) else (
        [] if number else [f for f in faces if f.group_id == gid])
    if not chosen:
        raise NotFound(f"{given}: no such face in the group {gid[:SHORT]}.")
    return chosen[0].id


def run_hide(args) -> int:  # noqa: ANN001
    with session(get_settings()) as s:
        group = groups.hide(s.library, group_id(s, args.group), not args.show)
        print(f"The group {group.id[:SHORT]} is {'hidden' if group.hidden else 'shown'}.")
    return 0


def run_regroup(args) -> int:  # noqa: ANN001
    settings = get_settings()
    with session(settings) as s:
        report = Grouper(rule_of(settings)).regroup(
            s.library, lambda done, total: print(f"[{done}/{total}] faces", file=sys.stderr, flush=True))
        print(report.summary())
    return 0
