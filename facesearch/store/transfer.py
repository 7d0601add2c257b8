"""Moving data between installs, Weaviate's side: the collections an export reads and an import writes, by kind.

Three kinds of object move: "person-face" (the people's faces, FaceRecognition), "library-photo" (LibraryPhoto,
no vector) and "library-face" (LibraryFace). Each moves as a `NewObject`: its id, every property that has a value
as a plain JSON value (blobs as the base64 text Weaviate holds, dates as RFC 3339 text) and, for faces, the vector
Weaviate holds. Written with that vector, a face is not sent to the face vectorizer again.

Reading is by Weaviate's cursor (`iterator`, by id), a page at a time; writing and checking are a chunk at a time,
so memory stays bounded whatever the collections hold.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import weaviate
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.collections import Collection

from facesearch.errors import Conflict, NotFound, WrongSpace
from facesearch.settings import Settings
from facesearch.store.library import ensure_library
from facesearch.store.people import ensure_people
from facesearch.store.replication import Replication
from facesearch.store.space import REINDEX_COMMAND, recorded_space, reindex_name
from facesearch.store.writes import BATCH, VECTOR, NewObject, findable, insert_many, restore_lost_vectors, vector_of

PERSON_FACE, LIBRARY_PHOTO, LIBRARY_FACE = "person-face", "library-photo", "library-face"
LIBRARY_GROUP = "library-group"
KINDS = (PERSON_FACE, LIBRARY_PHOTO, LIBRARY_FACE, LIBRARY_GROUP)
"""Every kind of object an export holds, in the order it holds them."""

WITH_VECTORS = frozenset({PERSON_FACE, LIBRARY_FACE})

PAGE = 200
"""Objects per page of Weaviate's cursor when exporting (about 5 MB: a face's crop is about 18 KB)."""

CHECK = 100
"""Ids per request when comparing or checking objects (one filter of ids each)."""

WRITE_BATCH = 100
"""Objects per batch request when none needs the face vectorizer (each comes with its vector, or has none): the
vectorizer's load is what keeps other batches at 16 (`writes.BATCH`), and a replicated write must end within
Weaviate's 20 s (README, Notes on Weaviate), which 100 objects do on a loaded cluster (bench/scale.py)."""

SEARCHES = 4
"""Searches sent at once when checking that faces are found by their own vector (the client is thread-safe)."""

TIE = 1e-6
"""Cosine distance under which two vectors are the same face (a photo indexed twice)."""


def collection_names(settings: Settings) -> dict[str, str]:
    """kind -> the name of its collection in this install."""
    return {
        PERSON_FACE: settings.collection,
        LIBRARY_PHOTO: settings.library_photo_collection,
        LIBRARY_FACE: settings.library_collection,
        LIBRARY_GROUP: settings.library_group_collection,
    }


@dataclass(frozen=True)
class Collections:
    """The collections of one install, by kind (only those that exist, for an export)."""

    by_kind: dict[str, Collection]

    def names(self) -> dict[str, str]:
        return {kind: c.name for kind, c in self.by_kind.items()}


def source(client: weaviate.WeaviateClient, settings: Settings) -> tuple[str, Collections]:
    """The vector space the install's faces are in and its collections that exist, read at the read consistency
    level. NotFound when it has none; Conflict during a reindex; WrongSpace when its face collections record no
    space (made before spaces were recorded) or two."""
    names = {kind: name for kind, name in collection_names(settings).items() if client.collections.exists(name)}
    if not names:
        wanted = ", ".join(collection_names(settings).values())
        raise NotFound(f"There is nothing to export: Weaviate has none of {wanted}.")
    for name in names.values():
        if client.collections.exists(reindex_name(name)):
            raise Conflict(f"The collection {name} is being reindexed: run `{REINDEX_COMMAND}` to finish first.")
    space = face_space(client, [names[k] for k in KINDS if k in WITH_VECTORS and k in names])
    replication = Replication.of(settings)
    return space, Collections({kind: replication.reading(client.collections.get(n)) for kind, n in names.items()})


def face_space(client: weaviate.WeaviateClient, names: list[str]) -> str:
    """The one vector space these face collections record; WrongSpace when one records none or they differ."""
    spaces = {name: recorded_space(client, name).space for name in names}
    if not spaces:
        raise NotFound("There is nothing to export: Weaviate has no face collection.")
    unrecorded = [name for name, space in spaces.items() if space is None]
    if unrecorded:
        raise WrongSpace(
            f"The collection {unrecorded[0]} records no vector space (an older facesearch made it): with the stack "
            f"running, run `{REINDEX_COMMAND}` first, so that the export can say which face model its vectors are of."
        )
    if len(set(spaces.values())) > 1:
        raise WrongSpace(
            f"The face collections hold vectors of different spaces ({', '.join(sorted(set(spaces.values())))}): run "
            f"`{REINDEX_COMMAND}` first."
        )
    return next(iter(spaces.values()))


def target(client: weaviate.WeaviateClient, settings: Settings, space: str) -> Collections:
    """Every collection of the install, created on first use recording `space`; WrongSpace when its face
    collections hold another space (see `space.check_space`). Written and checked at the write consistency level."""
    people, library = ensure_people(client, settings, space), ensure_library(client, settings, space)
    return Collections({PERSON_FACE: people.faces, LIBRARY_PHOTO: library.photos, LIBRARY_FACE: library.faces,
                        LIBRARY_GROUP: library.groups})


def count(collections: Collections, kind: str) -> int:
    """How many objects the kind's collection holds (0 when it does not exist)."""
    collection = collections.by_kind.get(kind)
    return int(collection.aggregate.over_all(total_count=True).total_count or 0) if collection else 0


def property_names(collection: Collection) -> list[str]:
    """Every property, blobs included (Weaviate returns blobs only when they are named)."""
    return [p.name for p in collection.config.get().properties]


def plain(value: Any) -> Any:
    """A property value as JSON holds it: dates as RFC 3339 text, ids as text, lists item by item."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def as_new_object(obj, vectors: bool) -> NewObject:  # noqa: ANN001 - a weaviate Object
    """A stored object as it is written again: its id, its properties that have a value, its vector if asked."""
    properties = {k: plain(v) for k, v in obj.properties.items() if v is not None}
    vector = {VECTOR: vector_of(obj)} if vectors and obj.vector else None
    return NewObject(str(obj.uuid), properties, vector)


def objects_of(collections: Collections, kind: str, after: str | None = None) -> Iterator[NewObject]:
    """Every object of the kind's collection, by id (those after id `after`, when given), a page at a time."""
    collection = collections.by_kind.get(kind)
    if collection is None:
        return
    vectors = kind in WITH_VECTORS
    pages = collection.iterator(
        include_vector=vectors, return_properties=property_names(collection), after=after, cache_size=PAGE
    )
    for obj in pages:
        yield as_new_object(obj, vectors)


def held(collection: Collection, ids: Sequence[str], names: list[str], vectors: bool) -> dict[str, NewObject]:
    """id -> the object as stored, for those of `ids` the collection holds (at most CHECK ids)."""
    found = collection.query.fetch_objects(
        filters=Filter.by_id().contains_any(list(ids)), return_properties=names, include_vector=vectors, limit=len(ids)
    )
    return {str(o.uuid): as_new_object(o, vectors) for o in found.objects}


@dataclass
class Written:
    """What writing a chunk did: objects written, objects already held exactly so (left alone), and
    object id -> Weaviate's message for each it refused."""

    written: int = 0
    unchanged: int = 0
    failed: dict[str, str] = field(default_factory=dict)

    def add(self, other: Written) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.failed.update(other.failed)


def write(collections: Collections, kind: str, objects: list[NewObject]) -> Written:
    """Insert or replace these objects of one kind, with their ids and vectors; those the collection already holds
    exactly so (same properties, same vector) are left alone, which makes an import run again after it stopped
    cost reads, not writes. Vectors are checked by `check`, not here (`insert_many(restore=False)`)."""
    collection, vectors = collections.by_kind[kind], kind in WITH_VECTORS
    names = property_names(collection)
    todo, unchanged = [], 0
    for start in range(0, len(objects), CHECK):
        chunk = objects[start:start + CHECK]
        there = held(collection, [o.id for o in chunk], names, vectors)
        fresh = [o for o in chunk if there.get(o.id) != o]
        unchanged += len(chunk) - len(fresh)
        todo += fresh
    if not todo:
        return Written(0, unchanged)
    batch = WRITE_BATCH if not vectors or all(o.vector for o in todo) else BATCH
    failed = insert_many(collection, todo, restore=False, batch_size=batch)
    return Written(len(todo) - len(failed), unchanged, failed)


@dataclass
class Checked:
    """What checking objects found: ids missing from the collection, faces whose vector no search finds even
    after `restore_lost_vectors` wrote them again, and how many were written again that way."""

    missing: list[str] = field(default_factory=list)
    unfindable: list[str] = field(default_factory=list)
    restored: int = 0

    def add(self, other: Checked) -> None:
        self.missing += other.missing
        self.unfindable += other.unfindable
        self.restored += other.restored


def check(collections: Collections, kind: str, ids: list[str]) -> Checked:
    """Whether the kind's collection holds every one of `ids` (at most CHECK) and, for faces, whether a search with
    each face's own vector finds it; a face no search finds is written again with the vector it holds
    (`restore_lost_vectors`, as after a crash) and searched for once more."""
    collection, vectors = collections.by_kind[kind], kind in WITH_VECTORS
    found = collection.query.fetch_objects(
        filters=Filter.by_id().contains_any(ids), return_properties=[], include_vector=vectors, limit=len(ids)
    ).objects
    result = Checked(missing=sorted(set(ids) - {str(o.uuid) for o in found}))
    if not vectors:
        return result
    lost = [str(o.uuid) for o, ok in zip(found, searched(collection, found)) if not ok]
    if lost:
        result.restored = len(restore_lost_vectors(collection, lost))
        again = collection.query.fetch_objects(
            filters=Filter.by_id().contains_any(lost), return_properties=[], include_vector=True, limit=len(lost)
        ).objects
        result.unfindable = sorted(str(o.uuid) for o in again if not found_by_own_vector(collection, o))
    return result


def searched(collection: Collection, objects: Sequence) -> list[bool]:
    """`found_by_own_vector` for each object, SEARCHES at a time: each search waits mostly on Weaviate, which
    answers several at once."""
    with ThreadPoolExecutor(max_workers=SEARCHES) as pool:
        return list(pool.map(lambda o: found_by_own_vector(collection, o), objects))


def found_by_own_vector(collection: Collection, obj) -> bool:  # noqa: ANN001 - a weaviate Object
    """Whether a search with the object's own vector finds it (`writes.findable`), or finds ten faces with that
    very vector (a library photo held several times): among exact twins, which ten come back is Weaviate's choice,
    and the face is as findable as they are."""
    if findable(collection, obj):
        return True
    nearest = collection.query.near_vector(
        near_vector=vector_of(obj), limit=10, return_properties=[], return_metadata=MetadataQuery(distance=True)
    ).objects
    return len(nearest) == 10 and all((o.metadata.distance or 0.0) <= TIE for o in nearest)
