"""Reindexing: every face of the face collections vectorized again by the configured face model.

Weaviate 1.35 keeps an object's vector when the object is written again with the same image (replace,
update and a batch insert of the same properties all keep it), so a face is vectorized again by copying
it into another collection. For a collection C whose recorded vector space is not the vectorizer's:

1. fill: create C_Reindex (C's configuration, recorded as a copy being filled, in the new space) and
   insert every face of C there with its id and properties, so that Weaviate asks the vectorizer for
   its vector (from the crop in `image`; nothing is computed here). Faces already there are skipped.
2. mark C_Reindex complete (its description).
3. swap: delete C, create it again recording the new space, and copy every face of C_Reindex into it
   with the vector Weaviate made (no second vectorizer call), skipping faces already there.
4. delete C_Reindex.

Each step can be run again after a crash or Ctrl-C at any point, and `reindex_collection` finds the step
to go on with from what exists. While C_Reindex exists, C is refused (`space.check_space`). A face whose
crop the new model finds no face in (the vectorizer answers 422) is left out; the photos on disk are not
touched.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import weaviate
from weaviate.classes.query import Filter
from weaviate.collections import Collection
from weaviate.exceptions import WeaviateBaseError

from facesearch.errors import FaceSearchError, NotReady
from facesearch.settings import Settings
from facesearch.store.library import chunks, recount_faces
from facesearch.store.refusals import vectorizer_reason, vectorizer_status
from facesearch.store.space import REINDEX_COMMAND, SpaceRecord, recorded_space, reindex_name, vector_space
from facesearch.store.writes import VECTOR, NewObject, insert_many, vector_of

OnProgress = Callable[[str, str, int, int], None]
"""on_progress(collection, step, done, total): step is "vectorizing" or "copying back"; counts are faces."""

PROGRESS_EVERY = 100
"""Faces between two progress calls (and one at the end of each step)."""


@dataclass(frozen=True)
class FaceCollection:
    """A face collection to reindex, and how a face left out of it is named for the user."""

    name: str
    label_properties: tuple[str, ...]
    label: Callable[[dict[str, Any]], str]
    on_left_out: Callable[[Collection, list[dict[str, Any]]], None] = lambda filled, left_out: None
    """Called with the filled copy and the left-out faces' label properties, before it is marked complete."""


@dataclass
class CollectionReport:
    """What reindexing one collection did. `faces` is how many it holds at the end."""

    name: str
    exists: bool = True
    reindexed: bool = False
    faces: int = 0
    left_out: list[tuple[str, str]] = field(default_factory=list)
    """(the face as the user knows it: person_id/filename or folder/path, the reason)"""


def face_collections(client: weaviate.WeaviateClient, settings: Settings) -> list[FaceCollection]:
    """The people's faces and the library's; a library photo that loses a face is recounted."""
    photos = settings.library_photo_collection

    def recount(filled: Collection, left_out: list[dict[str, Any]]) -> None:
        if client.collections.exists(photos):
            recount_faces(filled, client.collections.get(photos), [p["photo_id"] for p in left_out])

    return [
        FaceCollection(settings.collection, ("person_id", "filename"), lambda p: f"{p['person_id']}/{p['filename']}"),
        FaceCollection(
            settings.library_collection, ("folder", "path", "photo_id"), lambda p: f"{p['folder']}/{p['path']}", recount
        ),
    ]


def reindex(
    client: weaviate.WeaviateClient, settings: Settings, on_progress: OnProgress | None = None
) -> tuple[str, list[CollectionReport]]:
    """Bring every face collection into the vectorizer's current space; that space, and a report per collection.
    NotReady with a sentence when Weaviate fails on the way (running it again goes on where it stopped)."""
    try:
        space = vector_space(settings)
        return space, [reindex_collection(client, c, space, on_progress) for c in face_collections(client, settings)]
    except WeaviateBaseError as e:
        raise NotReady("Weaviate failed during the reindex; run it again to go on where it stopped.") from e


def reindex_collection(
    client: weaviate.WeaviateClient, faces: FaceCollection, space: str, on_progress: OnProgress | None = None
) -> CollectionReport:
    """Go on from whatever step a reindex of `faces` into `space` is at, to the end (see the module docstring)."""
    report = CollectionReport(faces.name)
    name, copy = faces.name, reindex_name(faces.name)
    while True:
        if client.collections.exists(copy):
            report.reindexed = True
            record = recorded_space(client, copy)
            if record.space is None:
                raise FaceSearchError(f"{copy} is not a copy facesearch made (its description records no vector "
                                      f"space); look at it, delete it if it is not yours, and run reindex again.")
            if record.complete:
                swap(client, name, record.space, on_progress)
            elif record.space != space:
                client.collections.delete(copy)  # filled for a model configured before this one; C is intact
            elif not client.collections.exists(name):
                raise FaceSearchError(f"{copy} is an incomplete copy of {name}, which is gone: nothing to copy from.")
            else:
                report.left_out = fill(client, faces, on_progress)
                client.collections.get(copy).config.update(description=SpaceRecord(space).describe())
        elif not client.collections.exists(name):
            report.exists = False
            return report
        elif recorded_space(client, name).space == space:
            report.faces = count(client.collections.get(name))
            return report
        else:
            clone(client, name, copy, SpaceRecord(space, complete=False))


def fill(
    client: weaviate.WeaviateClient, faces: FaceCollection, on_progress: OnProgress | None
) -> list[tuple[str, str]]:
    """Step 1: every face of the collection into its copy, vectorized by Weaviate; the faces left out."""
    source, target = client.collections.get(faces.name), client.collections.get(reindex_name(faces.name))
    done = ids_in(target)
    objects = (
        NewObject(str(o.uuid), set_properties(o))
        for o in source.iterator(return_properties=property_names(source)) if str(o.uuid) not in done
    )
    progress = counted(objects, faces.name, "vectorizing", len(done), count(source), on_progress)
    failed = insert_many(target, progress)
    refused = {i: m for i, m in failed.items() if vectorizer_status(m) == 422}
    if len(refused) < len(failed):
        other = next(m for i, m in failed.items() if i not in refused)
        raise FaceSearchError(
            f"{len(failed) - len(refused)} faces of {faces.name} could not be vectorized "
            f"({vectorizer_reason(other)}); run `{REINDEX_COMMAND}` again to go on where it stopped."
        )
    missing = ids_in(source) - ids_in(target) - set(refused)
    if missing:
        raise FaceSearchError(
            f"{len(missing)} faces of {faces.name} did not reach its copy; run `{REINDEX_COMMAND}` again."
        )
    left_out = properties_of(source, sorted(refused), faces.label_properties)
    faces.on_left_out(target, list(left_out.values()))
    return sorted((faces.label(p), vectorizer_reason(refused[i])) for i, p in left_out.items())


def swap(client: weaviate.WeaviateClient, name: str, space: str, on_progress: OnProgress | None) -> None:
    """Steps 3 and 4: the collection made again from its complete copy, vectors included; the copy deleted."""
    copy = reindex_name(name)
    if client.collections.exists(name) and recorded_space(client, name) != SpaceRecord(space):
        client.collections.delete(name)  # still the old space: every face of it is in the complete copy
    if not client.collections.exists(name):
        clone(client, copy, name, SpaceRecord(space))
    source, target = client.collections.get(copy), client.collections.get(name)
    done = ids_in(target)
    objects = (
        NewObject(str(o.uuid), set_properties(o), {VECTOR: vector_of(o)})
        for o in source.iterator(return_properties=property_names(source), include_vector=True)
        if str(o.uuid) not in done
    )
    failed = insert_many(target, counted(objects, name, "copying back", len(done), count(source), on_progress))
    missing = ids_in(source) - ids_in(target)
    if failed or missing:
        raise FaceSearchError(
            f"{len(missing)} faces of {name} could not be copied back from {copy}"
            f"{f' ({next(iter(failed.values()))})' if failed else ''}; run `{REINDEX_COMMAND}` again."
        )
    client.collections.delete(copy)


def clone(client: weaviate.WeaviateClient, name: str, new_name: str, record: SpaceRecord) -> None:
    """Create `new_name` with the configuration of `name` (properties, vectorizer, index), described by `record`."""
    config = client.collections.export_config(name).to_dict()
    client.collections.create_from_dict({**config, "class": new_name, "description": record.describe()})


def counted(
    objects: Iterator[NewObject], name: str, step: str, done: int, total: int, on_progress: OnProgress | None
) -> Iterator[NewObject]:
    """`objects`, calling on_progress every PROGRESS_EVERY of them and at the end; `done` were done before."""
    for obj in objects:
        yield obj
        done += 1
        if on_progress and done % PROGRESS_EVERY == 0:
            on_progress(name, step, done, total)
    if on_progress:
        on_progress(name, step, done, total)


def set_properties(obj) -> dict[str, Any]:  # noqa: ANN001 - a weaviate Object
    """An object's properties that have a value, as they are inserted again."""
    return {k: v for k, v in obj.properties.items() if v is not None}


def property_names(collection: Collection) -> list[str]:
    """Every property, blobs included (Weaviate returns blobs only when they are named)."""
    return [p.name for p in collection.config.get().properties]


def ids_in(collection: Collection) -> set[str]:
    return {str(o.uuid) for o in collection.iterator(return_properties=[])}


def count(collection: Collection) -> int:
    return int(collection.aggregate.over_all(total_count=True).total_count or 0)


def properties_of(collection: Collection, ids: list[str], names: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """id -> these properties, for these objects."""
    found = {}
    for chunk in chunks(ids):
        where = Filter.by_id().contains_any(chunk)
        result = collection.query.fetch_objects(filters=where, return_properties=list(names), limit=len(chunk))
        found.update({str(o.uuid): dict(o.properties) for o in result.objects})
    return found


def summary(space: str, reports: list[CollectionReport]) -> str:
    """One line: what was reindexed into which space, and how many faces were left out."""
    present = [r for r in reports if r.exists]
    if not present:
        return f"No face collection exists yet: nothing to reindex (new faces will be in {space})."
    if not any(r.reindexed for r in present):
        holds = "hold" if len(present) > 1 else "holds"
        return f"{' and '.join(r.name for r in present)} already {holds} faces of {space}: nothing to reindex."
    line = f"reindexed into {space}: " + ", ".join(f"{r.name} {r.faces} faces" for r in present)
    left_out = sum(len(r.left_out) for r in present)
    if left_out:
        line += (f"; {left_out} left out (listed above), in whose crop the new model finds no face: their photo files "
                 "are untouched, and `import` lists such a person's photo as skipped")
    return line
