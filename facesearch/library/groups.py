"""The people in the library's photos as a user sees and corrects them: the groups listed, named, merged, hidden,
faces taken out or moved, and the pairs of groups that may be one person.

Naming a group enrols a person: its best faces (those nearest its centre) are written to `images/<person id>/` as
enrolled photos (the folder stays the truth about people, as for every enrolled person) and imported, and the
group's faces are that person's from then on. Every correction is stored on the faces and groups in Weaviate
(`store.groups`), so backups, exports and the cluster carry it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from facesearch.errors import BadRequest, FaceSearchError, NotFound
from facesearch.face.models import FaceModels
from facesearch.library.grouping import Grouper, GroupRule
from facesearch.people import enroll
from facesearch.store import groups as store
from facesearch.store import people as enrolled
from facesearch.store.groups import Group
from facesearch.store.library import Library, LibraryFace
from facesearch.store.people import People

ENROL_FACES = 5
"""Faces of a group enrolled when it is named: those nearest its centre."""


class PersonExists(FaceSearchError):
    """A group named after a person already enrolled, without saying to merge it into them."""

    code, status = "person_exists", 409


@dataclass
class Summary:
    """A group as lists show it: its record, its faces and photos (in the folders asked), its widest face."""

    group: Group
    name: str = ""
    faces: int = 0
    photos: set[str] = field(default_factory=set)
    cover: LibraryFace | None = None


@dataclass
class Listing:
    """The groups a list shows (`summaries`), and how many faces wide enough to group are in none."""

    groups: list[Summary]
    ungrouped: int


def summaries(
    library: Library, people: People, *, min_faces: int, folders: Sequence[str] | None = None, hidden: bool = False
) -> list[Summary]:
    """The groups of at least `min_faces` faces (counted in `folders` when given), biggest first; the hidden ones
    instead when `hidden`."""
    return listing(library, people, min_faces=min_faces, folders=folders, hidden=hidden).groups


def listing(
    library: Library, people: People, *, min_faces: int, min_width: int = 0, folders: Sequence[str] | None = None,
    hidden: bool = False,
) -> Listing:
    """`summaries`, and the faces at least `min_width` px wide in no group (in every folder), from one read of the
    library's faces."""
    records = store.all_groups(library)
    found: dict[str, Summary] = {}
    ungrouped = 0
    for face in store.all_faces(library):
        ungrouped += not face.group_id and face.box.width >= min_width
        record = records.get(face.group_id)
        if record is None or (folders is not None and face.folder not in folders):
            continue
        summary = found.setdefault(face.group_id, Summary(record))
        summary.faces += 1
        summary.photos.add(face.photo_id)
        if summary.cover is None or face.box.width > summary.cover.box.width:
            summary.cover = face
    names = enrolled.names_of(people, [r.person_id for r in records.values()])
    listed = [s for s in found.values() if s.faces >= min_faces and s.group.hidden == hidden]
    for s in listed:
        s.name = names.get(s.group.person_id) or s.group.name
    return Listing(sorted(listed, key=lambda s: (-s.faces, s.name or "\uffff", s.group.id)), ungrouped)


def summary_of(library: Library, people: People, group_id: str) -> Summary:
    group = existing(library, group_id)
    faces = store.faces_in(library, group_id)
    name = enrolled.names_of(people, [group.person_id]).get(group.person_id) or group.name
    cover = max(faces, key=lambda f: f.box.width, default=None)
    return Summary(group, name, len(faces), {f.photo_id for f in faces}, cover)


def existing(library: Library, group_id: str) -> Group:
    group = store.get_group(library, group_id)
    if group is None:
        raise NotFound(f"There is no group '{group_id}'.")
    return group


def name_group(
    library: Library, people: People, models: FaceModels, images_dir: Path, group_id: str, name: str,
    *, merge: bool = False,
) -> Group:
    """Name a group: it becomes the person `name` (see the module docstring); the person's group after it. A name
    that is an enrolled person's (but for case and separators): PersonExists, unless `merge`, which adds the group
    to that person."""
    group = existing(library, group_id)
    name = enroll.checked_name(name)
    person_id = enroll.person_id_for(name)
    if group.person_id:
        if enroll.person_key(group.person_id) == enroll.person_key(person_id):
            return group
        raise BadRequest(f"This group is the enrolled person {group.person_id} already; rename or remove them "
                         "in the people list.")
    folder = enroll.same_person(images_dir, person_id)
    if folder is not None and folder.is_dir():
        if not merge:
            raise PersonExists(f"{name} is enrolled already: add this group's faces to {name}?")
        theirs = store.group_of_person(library, folder.name)
        if theirs is not None and theirs.id != group.id:
            return merge_groups(library, theirs.id, [group.id])
        return _make_person(library, group, folder.name, name)
    faces = store.faces_in(library, group.id, vectors=True)
    crops = [(f"library-{f.id[:8]}.jpg", image) for f in nearest_centre(faces, ENROL_FACES)
             if (image := store.face_image(library, f.id))]
    enroll.enroll(models, people, images_dir, name, crops)
    return _make_person(library, group, person_id, name)


def _make_person(library: Library, group: Group, person_id: str, name: str) -> Group:
    named = replace(group, name=name, person_id=person_id)
    store.save_group(library, named)
    faces = store.faces_in(library, group.id)
    store.place(library, [f.id for f in faces], group.id, group_fixed=True, person_id=person_id)
    return named


def nearest_centre(faces: list[LibraryFace], count: int) -> list[LibraryFace]:
    """The `count` faces nearest the mean of their vectors (cosine), nearest first."""
    with_vectors = [f for f in faces if f.vector]
    if not with_vectors:
        return []
    vectors = np.asarray([f.vector for f in with_vectors], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    centre = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centre))
    return [with_vectors[i] for i in order[:count]]


def merge_groups(library: Library, into: str, others: Sequence[str]) -> Group:
    """Every face of the `others` groups joins `into`, and all of its faces are placed by the user (they stay
    together through regroupings); the `others` are gone. Two named groups of different people cannot be merged."""
    if not others or into in others or len(set(others)) != len(others):
        raise BadRequest("Name the group to merge into and at least one other group, each once.")
    target, merged = existing(library, into), [existing(library, g) for g in others]
    people_ = sorted({g.person_id for g in [target, *merged] if g.person_id})
    if len(people_) > 1:
        raise BadRequest(f"{' and '.join(people_)} are different enrolled people; a group of one cannot join the "
                         "other's here.")
    person = people_[0] if people_ else ""
    name = target.name or next((g.name for g in merged if g.name), "")
    dismissed = set(target.dismissed).union(*(g.dismissed for g in merged)) - {into, *others}
    store.save_group(library, replace(target, person_id=person, name=name, dismissed=tuple(sorted(dismissed))))
    for group in merged:
        faces = store.faces_in(library, group.id)
        store.place(library, [f.id for f in faces], into, group_fixed=True,
                    **({"person_id": person} if person else {}))
        for face in store.faces_excluded_from(library, group.id):
            store.set_faces(library, {face.id: {"not_groups": sorted({*face.not_groups, into})}})
    store.place(library, [f.id for f in store.faces_in(library, into)], into, group_fixed=True,
                **({"person_id": person} if person else {}))
    store.delete_groups(library, list(others))
    return replace(target, person_id=person, name=name)


def _members(library: Library, group: Group, face_ids: Sequence[str]) -> list[LibraryFace]:
    if not face_ids:
        raise BadRequest("Name at least one face.")
    faces = {f.id: f for f in store.faces_in(library, group.id)}
    missing = [i for i in face_ids if i not in faces]
    if missing:
        raise BadRequest(f"The face '{missing[0]}' is not in this group.")
    return [faces[i] for i in dict.fromkeys(face_ids)]


def remove_faces(library: Library, grouper: Grouper, group_id: str, face_ids: Sequence[str]) -> int:
    """"Not this person": the faces leave the group for good (and its person's tag); they may join another."""
    group = existing(library, group_id)
    faces = _members(library, group, face_ids)
    store.set_faces(library, {f.id: _taken_out(f, group) for f in faces})
    grouper.group_new(library, [f.id for f in faces])
    return len(faces)


def move_faces(library: Library, group_id: str, face_ids: Sequence[str], to: str) -> int:
    """The faces are not this group's person but `to`'s: they leave for good and join `to`, placed by the user."""
    group, target = existing(library, group_id), existing(library, to)
    if target.id == group.id:
        raise BadRequest("The faces are in that group already.")
    faces = _members(library, group, face_ids)
    store.set_faces(library, {
        f.id: {**_taken_out(f, group), "group_id": target.id, "group_fixed": True, "person_id": target.person_id}
        for f in faces
    })
    return len(faces)


def _taken_out(face: LibraryFace, group: Group) -> dict[str, object]:
    return {"group_id": "", "group_fixed": False, "not_groups": sorted({*face.not_groups, group.id}),
            **({"person_id": ""} if group.person_id else {})}


def hide(library: Library, group_id: str, hidden: bool) -> Group:
    group = replace(existing(library, group_id), hidden=hidden)
    store.save_group(library, group)
    return group


@dataclass(frozen=True)
class Suggestion:
    a: str
    b: str
    similarity: float
    """The app's similarity (Weaviate's certainty, 0..1) of b's nearest face to a's centre."""


def suggestions(library: Library, rule: GroupRule, limit: int) -> list[Suggestion]:
    """Pairs of shown groups that may be one person, most alike first: for each group, the groups of the faces
    nearest its centre (Weaviate's nearVector, within the rule's suggest_distance); never a dismissed pair, nor two
    enrolled people."""
    records = store.all_groups(library)
    by_group: dict[str, list[LibraryFace]] = defaultdict(list)
    for face in store.all_faces(library, vectors=True):
        if face.group_id in records and not records[face.group_id].hidden:
            by_group[face.group_id].append(face)
    best: dict[tuple[str, str], float] = {}
    for group_id, faces in by_group.items():
        if len(faces) < rule.min_faces:
            continue
        centre = np.mean(np.asarray([f.vector for f in faces if f.vector], dtype=np.float32), axis=0)
        for other, distance in store.neighbours(library, centre.tolist(), rule.k * 4, rule.suggest_distance):
            pair = tuple(sorted((group_id, other.group_id)))
            if other.group_id in by_group and other.group_id != group_id and _may_pair(records, *pair):
                best[pair] = max(best.get(pair, 0.0), 1.0 - distance / 2)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    return [Suggestion(a, b, round(s, 4)) for (a, b), s in ranked if len(by_group[b]) >= rule.min_faces][:limit]


def _may_pair(records: dict[str, Group], a: str, b: str) -> bool:
    ga, gb = records[a], records[b]
    return b not in ga.dismissed and a not in gb.dismissed and not (ga.person_id and gb.person_id)


def dismiss(library: Library, a: str, b: str) -> None:
    """The pair is never suggested again."""
    ga, gb = existing(library, a), existing(library, b)
    if ga.id == gb.id:
        raise BadRequest("A group is not suggested with itself.")
    store.save_group(library, replace(ga, dismissed=tuple(sorted({*ga.dismissed, gb.id}))))


def face_crop(library: Library, face_id: str) -> bytes:
    data = store.face_image(library, face_id)
    if data is None:
        raise NotFound(f"There is no face '{face_id}'.")
    return data

