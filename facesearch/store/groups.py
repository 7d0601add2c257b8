"""The people in the library's photos: groups of LibraryFace objects (one group, one person as far as the faces
show), their LibraryGroup objects, and the changes a user makes to them.

A face's group is its `group_id` ("": none). A LibraryGroup object holds what a group is beyond its faces: its name
and enrolled person (`person_id`, "" until named), whether it is hidden, and the groups it is never suggested to
merge with. A face a user placed (`group_fixed`) stays in its group through any regrouping and tagging; the groups a
user took a face out of (`not_groups`) never take it back. Grouping itself is `facesearch.library.grouping`.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone

import numpy as np
from weaviate.classes.aggregate import GroupByAggregate
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, MetadataQuery

from facesearch.errors import FaceSearchError
from facesearch.store.library import FACE_PROPERTIES, Library, LibraryFace, chunks, faces_where, stored_face
from facesearch.store.writes import vector_of

GROUP_NAMESPACE = uuid.UUID("8e3d2b71-4c6a-4f0e-9b1d-2a7c5e9f6d38")

GROUP_PROPERTIES = ["name", "person_id", "hidden", "dismissed"]


@dataclass(frozen=True)
class Group:
    """A group's own record: `name` and `person_id` are "" until it is named; `dismissed` holds the groups it is
    never suggested to merge with."""

    id: str
    name: str = ""
    person_id: str = ""
    hidden: bool = False
    dismissed: tuple[str, ...] = ()


def new_group_id() -> str:
    return str(uuid.uuid4())


def person_group_id(person_id: str) -> str:
    """The id of the group an enrolled person starts with (a group named after them keeps its own id)."""
    return str(uuid.uuid5(GROUP_NAMESPACE, f"person\0{person_id}"))


def _group(obj) -> Group:  # noqa: ANN001 - a weaviate Object
    p = obj.properties
    return Group(str(obj.uuid), p.get("name") or "", p.get("person_id") or "", bool(p.get("hidden")),
                 tuple(p.get("dismissed") or ()))


def get_group(library: Library, group_id: str) -> Group | None:
    try:
        obj = library.groups.query.fetch_object_by_id(str(uuid.UUID(group_id)), return_properties=GROUP_PROPERTIES)
    except ValueError:
        return None
    return _group(obj) if obj else None


def all_groups(library: Library) -> dict[str, Group]:
    """Every group's record, by id."""
    return {str(o.uuid): _group(o) for o in library.groups.iterator(return_properties=GROUP_PROPERTIES)}


def group_of_person(library: Library, person_id: str) -> Group | None:
    """The group named after an enrolled person, if there is one."""
    result = library.groups.query.fetch_objects(
        filters=Filter.by_property("person_id").equal(person_id), return_properties=GROUP_PROPERTIES, limit=1
    )
    return _group(result.objects[0]) if result.objects else None


def _record(group: Group) -> dict[str, object]:
    return {"name": group.name, "person_id": group.person_id, "hidden": group.hidden,
            "dismissed": list(group.dismissed), "created_at": datetime.now(timezone.utc)}


def save_group(library: Library, group: Group) -> None:
    """Write a group's record (made or replaced)."""
    properties = _record(group)
    if library.groups.data.exists(group.id):
        del properties["created_at"]
        library.groups.data.update(uuid=group.id, properties=properties)
    else:
        library.groups.data.insert(properties=properties, uuid=group.id)


def add_groups(library: Library, new: Sequence[Group]) -> None:
    """Write the records of groups that have none yet, in batches (a regroup may make tens of thousands)."""
    for start in range(0, len(new), GROUP_BATCH):
        objects = [DataObject(properties=_record(g), uuid=g.id) for g in new[start : start + GROUP_BATCH]]
        failed = library.groups.data.insert_many(objects).errors
        if failed:
            raise FaceSearchError(f"Weaviate did not write {len(failed)} group records: {next(iter(failed.values())).message}")


GROUP_BATCH = 1000
"""Group records written per request by `add_groups`."""


def delete_groups(library: Library, group_ids: Sequence[str]) -> None:
    for ids in chunks(list(group_ids)):
        library.groups.data.delete_many(where=Filter.by_id().contains_any(ids))


def faces_in(library: Library, group_id: str, *, vectors: bool = False) -> list[LibraryFace]:
    """Every face of a group (at most 10,000)."""
    return faces_where(library, Filter.by_property("group_id").equal(group_id), vectors=vectors)


def group_sizes(library: Library, folders: Sequence[str] | None = None) -> dict[str, int]:
    """group id -> its faces (in `folders` only, when given), counted by Weaviate."""
    where = Filter.by_property("group_id").not_equal("")
    if folders is not None:
        where = where & Filter.by_property("folder").contains_any(list(folders) or [""])
    result = library.faces.aggregate.over_all(
        filters=where, group_by=GroupByAggregate(prop="group_id", limit=100_000), total_count=True
    )
    return {str(g.grouped_by.value): int(g.total_count or 0) for g in result.groups}


def all_faces(library: Library, *, vectors: bool = False) -> list[LibraryFace]:
    """Every face of the library, without crops; with vectors if asked."""
    return [stored_face(o) for o in library.faces.iterator(include_vector=vectors, return_properties=FACE_PROPERTIES)]


def faces_and_vectors(library: Library) -> tuple[list[LibraryFace], np.ndarray]:
    """Every face of the library (without crops or vectors) and, row for row, its vector as float32: what a regroup
    holds (a vector as a list of Python floats takes about 8 times the memory)."""
    faces, rows = [], []
    for obj in library.faces.iterator(include_vector=True, return_properties=FACE_PROPERTIES):
        rows.append(np.asarray(vector_of(obj), dtype=np.float32))
        faces.append(replace(stored_face(obj), vector=None))
    return faces, (np.stack(rows) if rows else np.zeros((0, 0), dtype=np.float32))


UPDATES = 4
"""Face updates sent to Weaviate at once (each is its own request: Weaviate's batches replace whole objects)."""


def place(library: Library, face_ids: Iterable[str], group_id: str, **more: object) -> None:
    """Put faces in a group ("": in none), with more properties to set (`group_fixed`, `person_id`, `not_groups`)."""
    set_faces(library, {face_id: {"group_id": group_id, **more} for face_id in face_ids})


def set_faces(library: Library, changes: dict[str, dict[str, object]]) -> None:
    """Set properties face by face: face id -> the properties to set (UPDATES at a time, through the library's
    Patcher when it has one)."""
    def update(item: tuple[str, dict[str, object]]) -> None:
        if library.patcher is None:
            library.faces.data.update(uuid=item[0], properties=item[1])
        else:
            library.patcher.patch(library.faces.name, *item)

    if len(changes) <= 1:
        for item in changes.items():
            update(item)
        return
    with ThreadPoolExecutor(UPDATES) as pool:
        list(pool.map(update, changes.items()))


def neighbour_ids(library: Library, vector: Sequence[float], limit: int, max_distance: float) -> list[tuple[str, float]]:
    """The ids of the `limit` faces nearest a vector, within `max_distance` (cosine distance), with their distance:
    nearVector asking for no property (most of a regroup's time)."""
    result = library.faces.query.near_vector(
        list(vector), limit=limit, distance=max_distance, return_properties=[],
        return_metadata=MetadataQuery(distance=True),
    )
    return [(str(o.uuid), float(o.metadata.distance or 0.0)) for o in result.objects]


def neighbours(library: Library, vector: Sequence[float], limit: int, max_distance: float) -> list[tuple[LibraryFace, float]]:
    """The `limit` faces nearest a vector Weaviate holds, within `max_distance` (cosine distance, 0..2), nearest
    first, with their distance: Weaviate's nearVector."""
    result = library.faces.query.near_vector(
        list(vector), limit=limit, distance=max_distance, return_properties=FACE_PROPERTIES,
        return_metadata=MetadataQuery(distance=True),
    )
    return [(stored_face(o), float(o.metadata.distance or 0.0)) for o in result.objects]


def faces_excluded_from(library: Library, group_id: str) -> list[LibraryFace]:
    """The faces a user took out of a group."""
    return faces_where(library, Filter.by_property("not_groups").contains_any([group_id]))


def face_image(library: Library, face_id: str) -> bytes | None:
    """A face's JPEG crop (as the face vectorizer saw it); None when there is no such face."""
    try:
        obj = library.faces.query.fetch_object_by_id(str(uuid.UUID(face_id)), return_properties=["image"])
    except ValueError:
        return None
    return base64.b64decode(obj.properties["image"]) if obj else None
