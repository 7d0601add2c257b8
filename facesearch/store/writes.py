"""Writing objects: background batches, and the repair of vectors Weaviate 1.35 can lose to a crash.

A face object's vector comes from Weaviate's img2vec-neural module, which sends its `image` blob (a crop
around the face) to the face vectorizer; an object written with `vector` keeps one Weaviate already made.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from weaviate.classes.query import Filter
from weaviate.collections import Collection

VECTOR = "default"
"""The name of a face collection's one vector (Weaviate's name when none is given)."""


@dataclass(frozen=True)
class NewObject:
    """An object to insert or replace. Without `vector`, Weaviate asks the face vectorizer for one."""

    id: str
    properties: Mapping[str, object]
    vector: Mapping[str, Sequence[float]] | None = None
    """{VECTOR: the vector}, to store one Weaviate already made (a moved photo's face)."""


class _ReportedPerObject(logging.Filter):
    """Drops the Weaviate client's "Failed to send N objects in a batch" lines: callers say, per photo, why."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, dict) and str(record.msg.get("message", "")).startswith("Failed to send"))


logging.getLogger("weaviate-client").addFilter(_ReportedPerObject())


def vector_of(obj) -> list[float]:  # noqa: ANN001 - a weaviate Object
    """The object's face vector (collections here have one, named VECTOR)."""
    vector = obj.vector
    return list(vector.get(VECTOR, next(iter(vector.values())))) if isinstance(vector, dict) else list(vector)


BATCH = 16
"""Objects per batch request when Weaviate may ask the face vectorizer for their vectors."""


def insert_many(
    collection: Collection, objects: Iterable[NewObject], *, restore: bool = True, batch_size: int = BATCH
) -> dict[str, str]:
    """Insert (or replace) objects as they come, in background batches of `batch_size`; object id -> Weaviate's
    message for each that failed (see `refusals.vectorizer_reason`). Then makes sure that every vector
    written is in Weaviate's index, on disk (see `flush_vector_index` and, unless `restore` is False,
    `restore_lost_vectors`: a caller that checks every vector itself afterwards, as `import-data` does,
    saves the second search per object)."""
    ids: list[str] = []
    recent: deque[NewObject] = deque(maxlen=64)
    with collection.batch.fixed_size(batch_size=batch_size, concurrent_requests=2) as batch:
        for obj in objects:
            batch.add_object(properties=dict(obj.properties), uuid=obj.id, vector=obj.vector)
            ids.append(obj.id)
            recent.append(obj)
    failed = {str(e.object_.uuid): e.message for e in collection.batch.failed_objects}
    done = [obj for obj in recent if obj.id not in failed]
    if done:
        flush_vector_index(collection, done[-1])
        if restore:
            restore_lost_vectors(collection, [i for i in ids if i not in failed])
    return failed


def delete_ids(collection: Collection, ids: list[str], chunk: int = 200) -> None:
    """Delete these objects (in filters of at most `chunk` ids)."""
    for start in range(0, len(ids), chunk):
        collection.data.delete_many(where=Filter.by_id().contains_any(ids[start:start + chunk]))


def flush_vector_index(collection: Collection, obj: NewObject) -> None:
    """Make Weaviate write its vector index's log to disk, by sending `obj` (just written) again unchanged.

    Weaviate 1.35 (synchronous indexing) writes a batch's vector-index log before the batch's vectors are
    added to the index (shard_write_batch_objects.go: flushWALs runs before the vector workers finish), so the
    last batch's vectors wait in a buffer until the next batch. Weaviate killed meanwhile (kill -9, out of
    memory, power) comes back with those objects stored but in no search, and writing them again unchanged
    does not add them. Any further batch writes that buffer out; this one changes nothing.
    """
    with collection.batch.fixed_size(batch_size=1, concurrent_requests=1) as batch:
        batch.add_object(properties=dict(obj.properties), uuid=obj.id, vector=obj.vector)


def restore_lost_vectors(collection: Collection, ids: list[str]) -> list[str]:
    """Insert again, as new objects, those of `ids` that hold a vector no search finds; their ids.

    Weaviate killed during a batch (see `flush_vector_index`) comes back with such objects, and writing
    them again unchanged does not index them; deleted and inserted with the vector they hold, they are.
    """
    lost = []
    for start in range(0, len(ids), 100):
        chunk = ids[start:start + 100]
        found = collection.query.fetch_objects(  # vectors only: the properties (crops) only of the lost ones, below
            filters=Filter.by_id().contains_any(chunk), return_properties=[], include_vector=True, limit=len(chunk)
        )
        lost += [str(o.uuid) for o in found.objects if o.vector and not findable(collection, o)]
    if lost:
        names = [p.name for p in collection.config.get().properties]
        held = collection.query.fetch_objects(
            filters=Filter.by_id().contains_any(lost), return_properties=names, include_vector=True, limit=len(lost)
        )
        again = [
            NewObject(str(o.uuid), {k: v for k, v in o.properties.items() if v is not None}, {VECTOR: vector_of(o)})
            for o in held.objects
        ]
        collection.data.delete_many(where=Filter.by_id().contains_any([o.id for o in again]))
        with collection.batch.fixed_size(batch_size=16, concurrent_requests=1) as batch:
            for obj in again:
                batch.add_object(properties=dict(obj.properties), uuid=obj.id, vector=obj.vector)
        flush_vector_index(collection, again[-1])
    return lost


def findable(collection: Collection, obj) -> bool:  # noqa: ANN001 - a weaviate Object
    """Whether a search with the object's own vector finds it among the 10 nearest."""
    nearest = collection.query.near_vector(near_vector=vector_of(obj), limit=10, return_properties=[])
    return obj.uuid in {o.uuid for o in nearest.objects}
