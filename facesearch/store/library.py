"""The photo library's two Weaviate collections, their objects and their queries.

LibraryFace: one object per face, vectorized by img2vec-neural from `image` (a JPEG crop around the
face). LibraryPhoto: one object per photo, no vector, and the mark of an indexed folder that holds no photo
(`FOLDER_MARK`). Ids derive from the folder and the photo's path (and the face's number), so indexing again
replaces instead of duplicating. Both hold when the photo was taken (`Taken`), the faces so that a find filters
by date in Weaviate's search itself.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import weaviate
from weaviate.classes.config import DataType, Property, Tokenization
from weaviate.classes.aggregate import GroupByAggregate, Metrics
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.collections import Collection
from weaviate.exceptions import UnexpectedStatusCodeError, WeaviateQueryError

from facesearch.errors import FaceSearchError, NoFace, NotFound
from facesearch.face.box import Box
from facesearch.settings import Settings
from facesearch.store.patching import Patcher
from facesearch.store.refusals import found_no_face
from facesearch.store.replication import Replication
from facesearch.store.space import face_collection
from facesearch.store.writes import VECTOR, NewObject, insert_many, vector_of

LIBRARY_NAMESPACE = uuid.UUID("0c9f6a3e-8d1b-4f7a-b2e4-51a7c3d9e604")

FACE_PROPERTIES = ["folder", "path", "photo_id", "box", "face_width", "photo_width", "photo_height", "person_id",
                   "taken_at", "taken_from", "group_id", "group_fixed", "not_groups"]
"""Every property of a LibraryFace but the image blob."""

PHOTO_PROPERTIES = ["folder", "path", "sha256", "size", "mtime_ns", "width", "height", "faces", "skip_reason",
                    "indexed_at", "taken_at", "taken_from", "taken_offset"]

CHUNK = 200
"""Ids per filter when a call names many objects."""

FOLDER_MARK = "."
"""The `path` of a folder's mark: a LibraryPhoto object that is no photo and says that the folder is indexed. A
folder counts as indexed while it has photo records or its mark; indexing marks a folder while it works on it and
keeps the mark only while the folder holds no photo (`mark_folder`, `unmark_if_held`), so that a folder indexed
empty, or emptied, stays indexed (and watched) and a full one has no object more than its photos. Being a
LibraryPhoto object, the mark goes wherever the photos go: backups, exports and imports (re-rooted like them)."""


def chunks(ids: list[str]) -> Iterator[list[str]]:
    """`ids` in lists of at most CHUNK, so that no filter grows without bound."""
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


@dataclass(frozen=True)
class Library:
    """The library's collections: `faces` (LibraryFace), `photos` (LibraryPhoto) and `groups` (LibraryGroup: the
    people in the photos, see `store.groups`)."""

    faces: Collection
    photos: Collection
    groups: Collection
    patcher: Patcher | None = None
    """Sets properties of many faces fast (`store.groups.set_faces`); without it, the client's updates do."""

    def reading(self, replication: Replication) -> Library:
        """The same collections, read at `replication.read`'s consistency level (searches and finds)."""
        return Library(*(replication.reading(c) for c in (self.faces, self.photos, self.groups)), self.patcher)


CAMERA, FILE = "camera", "file"
"""Where a photo's date comes from: its EXIF block (the camera's clock), or its file's modification time."""


@dataclass(frozen=True)
class Taken:
    """When a photo was taken, as a wall-clock time: what the camera's clock showed (EXIF DateTimeOriginal and its
    kin), or, for a photo without one, its file's modification time on the indexing machine's clock. Wall clocks
    are compared as they read: "since 2024-06-01" is every photo whose clock read June 1st or later, wherever it
    was taken. Weaviate's DATE needs a zone, so `at` is stored labelled UTC (the label is not the photo's zone).
    """

    at: datetime
    """Naive, to the second."""
    source: str
    """CAMERA or FILE."""
    offset: str = ""
    """The camera's offset from UTC ("+02:00") when its EXIF block records one; kept on the photo's record only."""

    def face_properties(self) -> dict[str, object]:
        return {"taken_at": stored_time(self.at), "taken_from": self.source}

    def photo_properties(self) -> dict[str, object]:
        return {**self.face_properties(), "taken_offset": self.offset}

    @classmethod
    def of(cls, properties: dict) -> Taken | None:
        """The time in a stored object's properties; None for one indexed before dates were kept."""
        at = properties.get("taken_at")
        if at is None:
            return None
        at = datetime.fromisoformat(at) if isinstance(at, str) else at
        wall = at.astimezone(timezone.utc).replace(tzinfo=None) if at.tzinfo else at
        return cls(wall, properties.get("taken_from") or FILE, properties.get("taken_offset") or "")


def stored_time(wall: datetime) -> datetime:
    """A wall-clock time as `taken_at` holds it: to the second, labelled UTC."""
    return wall.replace(tzinfo=timezone.utc, microsecond=0)


EARLIEST, LATEST = datetime(1678, 1, 1), datetime(2262, 1, 1)
"""The times Weaviate's date filters compare right: it compares nanoseconds since 1970 in 64 bits, which wrap around
outside 1677-09-21 .. 2262-04-11 (a filter "since 2999" matched photos of 2026). Only times in [EARLIEST, LATEST)
are stored, and a find's bounds are brought into that range."""


def storable(wall: datetime) -> bool:
    return EARLIEST <= wall < LATEST


@dataclass(frozen=True)
class StoredPhoto:
    """A photo as indexed. `path` is relative to `folder`, with `/` between parts; sizes in pixels/bytes."""

    id: str
    folder: str
    path: str
    sha256: str
    size: int
    mtime_ns: int
    width: int
    height: int
    faces: int
    skip_reason: str
    indexed_at: datetime | None
    taken: Taken | None = None
    """None for a photo indexed before dates were kept."""


@dataclass(frozen=True)
class LibraryFace:
    """A face of a library photo. `box` is in pixels of the EXIF-oriented photo; `person_id` is "" when
    the face is nobody enrolled."""

    id: str
    folder: str
    path: str
    photo_id: str
    box: Box
    photo_width: int
    photo_height: int
    person_id: str
    vector: list[float] | None = None
    taken: Taken | None = None
    """When its photo was taken (without the offset); None for a face indexed before dates were kept."""
    group_id: str = ""
    """The group (person in the photos, `store.groups`) it is in; "" for none."""
    group_fixed: bool = False
    """A user put it in its group (a move, a merge, a name): grouping and tagging never take it out."""
    not_groups: tuple[str, ...] = ()
    """Groups a user took it out of ("not this person"): it never joins them again."""


def photo_id(folder: str, path: str) -> str:
    """The id of the photo at `path` (relative, with `/`) in the indexed `folder` (absolute)."""
    return str(uuid.uuid5(LIBRARY_NAMESPACE, f"photo\0{folder}\0{path}"))


def face_id(folder: str, path: str, index: int) -> str:
    """The id of the `index`-th face (from 1, left to right) of a photo."""
    return str(uuid.uuid5(LIBRARY_NAMESPACE, f"face\0{folder}\0{path}\0{index}"))


def _text(name: str) -> Property:
    return Property(name=name, data_type=DataType.TEXT, tokenization=Tokenization.FIELD)


FACE_TAKEN = [
    Property(name="taken_at", data_type=DataType.DATE, description="when taken: wall clock, labelled UTC"),
    _text("taken_from"),
]
"""The properties saying when a photo was taken (`Taken`), on its faces; added to collections made before."""
PHOTO_TAKEN = [*FACE_TAKEN, _text("taken_offset")]
FACE_GROUP = [
    _text("group_id"),
    Property(name="group_fixed", data_type=DataType.BOOL, description="a user put the face in its group"),
    Property(name="not_groups", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD,
             description="groups a user took the face out of"),
]
"""The properties placing a face in a group of people (`store.groups`); added to collections made before."""


def ensure_groups(client: weaviate.WeaviateClient, name: str, replication: Replication) -> Collection:
    """The LibraryGroup collection (no vector: one object per group of faces, `store.groups`), made on first use."""
    if not client.collections.exists(name):
        client.collections.create(name, properties=[
            _text("name"), _text("person_id"),
            Property(name="hidden", data_type=DataType.BOOL),
            Property(name="dismissed", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.FIELD,
                     description="groups this one is never suggested to merge with"),
            Property(name="created_at", data_type=DataType.DATE),
        ], **replication.create_options())
    return replication.writing(client.collections.get(name))


def library_handle(client: weaviate.WeaviateClient, settings: Settings) -> Library:
    """The library as `ensure_library` made sure of it, without asking Weaviate anything."""
    replication = Replication.of(settings)
    faces, photos, groups = (replication.writing(client.collections.get(name)) for name in (
        settings.library_collection, settings.library_photo_collection, settings.library_group_collection))
    return Library(faces, photos, groups, Patcher(settings, replication.write))


def library_exists(client: weaviate.WeaviateClient, settings: Settings) -> bool:
    """Whether a library was ever indexed into this Weaviate (its faces' collection exists)."""
    return client.collections.exists(settings.library_collection)


def ensure_library(client: weaviate.WeaviateClient, settings: Settings, space: str) -> Library:
    """The library's collections, created on first use (faces with the face vectorizer and cosine HNSW);
    WrongSpace when the faces are of another vector space than `space` (`space.vector_space(settings)`)."""
    replication = Replication.of(settings)
    faces = face_collection(client, settings.library_collection, space, [
        _text("folder"), _text("path"), _text("photo_id"), _text("person_id"),
        Property(name="image", data_type=DataType.BLOB),
        Property(name="box", data_type=DataType.INT_ARRAY, description="left, top, right, bottom (px)"),
        Property(name="face_width", data_type=DataType.INT, description="px"),
        Property(name="photo_width", data_type=DataType.INT, description="px"),
        Property(name="photo_height", data_type=DataType.INT, description="px"),
        *FACE_TAKEN, *FACE_GROUP,
    ], replication)
    add_missing(faces, FACE_TAKEN + FACE_GROUP)
    if not client.collections.exists(settings.library_photo_collection):
        client.collections.create(
            settings.library_photo_collection,
            properties=[
                _text("folder"), _text("path"), _text("sha256"), _text("skip_reason"),
                Property(name="size", data_type=DataType.INT, description="bytes"),
                Property(name="mtime_ns", data_type=DataType.TEXT, description="modification time, ns since 1970"),
                Property(name="width", data_type=DataType.INT, description="px, EXIF-oriented"),
                Property(name="height", data_type=DataType.INT, description="px, EXIF-oriented"),
                Property(name="faces", data_type=DataType.INT),
                Property(name="indexed_at", data_type=DataType.DATE),
                *PHOTO_TAKEN,
            ],
            **replication.create_options(),
        )
    photos = replication.writing(client.collections.get(settings.library_photo_collection))
    add_missing(photos, PHOTO_TAKEN)
    groups = ensure_groups(client, settings.library_group_collection, replication)
    return Library(faces, photos, groups, Patcher(settings, replication.write))


def add_missing(collection: Collection, properties: list[Property]) -> None:
    """Add the properties a collection made by an earlier facesearch lacks; its objects have no value for them."""
    held = {p.name for p in collection.config.get().properties}
    for prop in (p for p in properties if p.name not in held):
        try:
            collection.config.add_property(prop)
        except UnexpectedStatusCodeError:
            if prop.name not in {p.name for p in collection.config.get().properties}:  # not another process's add
                raise


def stored_photo(obj) -> StoredPhoto:  # noqa: ANN001 - a weaviate Object
    p = obj.properties
    return StoredPhoto(
        str(obj.uuid), p["folder"], p["path"], p.get("sha256") or "", int(p.get("size") or 0),
        int(p.get("mtime_ns") or 0), int(p.get("width") or 0), int(p.get("height") or 0), int(p.get("faces") or 0),
        p.get("skip_reason") or "", p.get("indexed_at"), Taken.of(p),
    )


def stored_face(obj) -> LibraryFace:  # noqa: ANN001 - a weaviate Object
    """A LibraryFace object as data; its box (left, top, right, bottom) in pixels of the EXIF-oriented photo."""
    p = obj.properties
    vector = vector_of(obj) if obj.vector else None
    return LibraryFace(
        str(obj.uuid), p["folder"], p["path"], p["photo_id"], Box(*p["box"]),
        int(p.get("photo_width") or 0), int(p.get("photo_height") or 0), p.get("person_id") or "", vector, Taken.of(p),
        p.get("group_id") or "", bool(p.get("group_fixed")), tuple(p.get("not_groups") or ()),
    )


def photos_in(library: Library, folder: str | None = None) -> Iterator[StoredPhoto]:
    """Every indexed photo, or those of one folder (never a folder's mark)."""
    for obj in library.photos.iterator(return_properties=PHOTO_PROPERTIES):
        if (folder is None or obj.properties["folder"] == folder) and obj.properties["path"] != FOLDER_MARK:
            yield stored_photo(obj)


def get_photo(library: Library, id_: str) -> StoredPhoto | None:
    """The photo with this id; None when there is none (a folder's mark is none)."""
    obj = library.photos.query.fetch_object_by_id(id_, return_properties=PHOTO_PROPERTIES)
    return stored_photo(obj) if obj and obj.properties.get("path") != FOLDER_MARK else None


def photos_at(library: Library, folder: str, paths: Iterable[str]) -> list[StoredPhoto]:
    """The records of the photos indexed at these paths (relative, with `/`) of `folder`; paths never indexed have
    none. Read by id, so that nothing else of the folder is read."""
    ids = sorted({photo_id(folder, p) for p in paths})
    found = []
    for part in chunks(ids):
        result = library.photos.query.fetch_objects(
            filters=Filter.by_id().contains_any(part), return_properties=PHOTO_PROPERTIES, limit=len(part)
        )
        found += [stored_photo(o) for o in result.objects]
    return sorted(found, key=lambda p: p.path)


def faces_where(library: Library, where: Filter, *, vectors: bool = False) -> list[LibraryFace]:
    """The faces that match a filter (at most 10,000, Weaviate's page limit), with their vectors if asked."""
    result = library.faces.query.fetch_objects(
        filters=where, return_properties=FACE_PROPERTIES, include_vector=vectors, limit=10_000
    )
    return [stored_face(o) for o in result.objects]


def faces_of_photos(library: Library, photo_ids: list[str], *, vectors: bool = False) -> list[LibraryFace]:
    """Every face of these photos, left to right within a photo."""
    faces = [f for ids in chunks(photo_ids) for f in faces_where(library, Filter.by_property("photo_id").contains_any(ids), vectors=vectors)]
    return sorted(faces, key=lambda f: (f.photo_id, f.box.left, f.box.top))


def faces_with_ids(library: Library, face_ids: list[str], *, vectors: bool = False) -> list[LibraryFace]:
    return [f for ids in chunks(face_ids) for f in faces_where(library, Filter.by_id().contains_any(ids), vectors=vectors)]


def face_objects_of(library: Library, photo_id_: str) -> list[tuple[dict, dict[str, list[float]]]]:
    """Every face of a photo as stored (the properties that have a value), image included, with its vector; left
    to right."""
    result = library.faces.query.fetch_objects(
        filters=Filter.by_property("photo_id").equal(photo_id_), return_properties=FACE_PROPERTIES + ["image"],
        include_vector=True, limit=10_000,
    )
    objects = sorted(result.objects, key=lambda o: tuple(o.properties["box"][:2]))
    return [({k: v for k, v in o.properties.items() if v is not None}, {VECTOR: vector_of(o)}) for o in objects]


def delete_photos(library: Library, photo_ids: list[str]) -> None:
    """Photos and every face of theirs."""
    for ids in chunks(photo_ids):
        library.faces.data.delete_many(where=Filter.by_property("photo_id").contains_any(ids))
        library.photos.data.delete_many(where=Filter.by_id().contains_any(ids))


def recount_faces(faces: Collection, photos: Collection, photo_ids: list[str]) -> None:
    """Set the `faces` of these photos to how many faces of theirs `faces` holds (after some were left out)."""
    for id_ in sorted(set(photo_ids)):
        held = faces.aggregate.over_all(filters=Filter.by_property("photo_id").equal(id_), total_count=True).total_count
        if photos.data.exists(id_):
            photos.data.update(uuid=id_, properties={"faces": int(held or 0)})


def forget_folder(library: Library, folder: str) -> int:
    """Delete an indexed folder's photos, faces and mark from Weaviate; how many photos. NotFound if not indexed."""
    photo_ids = [p.id for p in photos_in(library, folder)]
    mark = folder_mark_id(folder)
    marked = library.photos.data.exists(mark)
    if not photo_ids and not marked:
        raise NotFound(f"{folder} is not indexed.")
    delete_photos(library, photo_ids + ([mark] if marked else []))
    return len(photo_ids)


def folder_mark_id(folder: str) -> str:
    """The id of the mark of the indexed `folder` (see FOLDER_MARK)."""
    return photo_id(folder, FOLDER_MARK)


def mark_folder(library: Library, folder: str) -> None:
    """Record that `folder` is indexed, whatever it holds (see FOLDER_MARK); `indexed_at` is now."""
    properties = {"folder": folder, "path": FOLDER_MARK, "sha256": "", "size": 0, "mtime_ns": "0", "width": 0,
                  "height": 0, "faces": 0, "skip_reason": "", "indexed_at": datetime.now(timezone.utc)}
    refused = insert_many(library.photos, [NewObject(folder_mark_id(folder), properties)], restore=False)
    if refused:
        raise FaceSearchError(f"Weaviate did not record the folder {folder} as indexed: {next(iter(refused.values()))}")


def unmark_if_held(library: Library, folder: str) -> None:
    """Drop the mark of `folder` when it holds photos: their records say that it is indexed."""
    held = library.photos.aggregate.over_all(
        filters=Filter.by_property("folder").equal(folder) & Filter.by_property("path").not_equal(FOLDER_MARK),
        total_count=True,
    ).total_count
    if held:
        library.photos.data.delete_by_id(folder_mark_id(folder))


@dataclass(frozen=True)
class FolderStats:
    """An indexed folder: photos (skipped ones included), faces stored, when a photo was last indexed."""

    photos: int
    faces: int
    last_indexed: datetime | None


def folder_stats(library: Library) -> dict[str, FolderStats]:
    """Every indexed folder (with photo records, or marked: FOLDER_MARK), counted by Weaviate (without reading the
    photo records); a marked folder without photos has 0 photos, last indexed when it was marked."""
    result = library.photos.aggregate.over_all(
        filters=Filter.by_property("path").not_equal(FOLDER_MARK),
        group_by=GroupByAggregate(prop="folder", limit=10_000),
        total_count=True,
        return_metrics=[Metrics("faces").integer(sum_=True), Metrics("indexed_at").date_(maximum=True)],
    )
    stats = {}
    for group in result.groups:
        last = group.properties["indexed_at"].maximum
        stats[str(group.grouped_by.value)] = FolderStats(
            int(group.total_count or 0), int(group.properties["faces"].sum_ or 0),
            datetime.fromisoformat(last) if isinstance(last, str) else last,
        )
    marks = library.photos.query.fetch_objects(
        filters=Filter.by_property("path").equal(FOLDER_MARK), return_properties=["folder", "indexed_at"], limit=10_000
    )
    for mark in marks.objects:
        stats.setdefault(str(mark.properties["folder"]), FolderStats(0, 0, mark.properties.get("indexed_at")))
    return stats


def indexed_folders(library: Library) -> set[str]:
    """The keys of every indexed folder (see `folder_stats`)."""
    return set(folder_stats(library))


def skipped_photos(library: Library) -> list[StoredPhoto]:
    """Photos that could not be read, with the reason; by folder and path."""
    result = library.photos.query.fetch_objects(
        filters=Filter.by_property("skip_reason").not_equal(""), return_properties=PHOTO_PROPERTIES, limit=10_000
    )
    return sorted((stored_photo(o) for o in result.objects), key=lambda p: (p.folder, p.path))


def photos_per_person(library: Library) -> dict[str, int]:
    """person id -> in how many library photos they are known (a person is tagged once per photo at most)."""
    result = library.faces.aggregate.over_all(
        filters=Filter.by_property("person_id").not_equal(""),
        group_by=GroupByAggregate(prop="person_id", limit=10_000),
        total_count=True,
    )
    return {str(g.grouped_by.value): int(g.total_count or 0) for g in result.groups}


FIRST_PAGE = 64
"""Faces asked for first by `nearest`: more than a face usually has in one library, few enough to be fast."""

MAX_FACES = 10_000
"""The most faces one search returns (Weaviate's QUERY_MAXIMUM_RESULTS)."""


def where(
    folders: Sequence[str] | None = None, min_width: int = 0, taken_since: datetime | None = None,
    taken_before: datetime | None = None,
) -> Filter | None:
    """The filter of a find: faces in these folders (None: any) at least `min_width` pixels wide, of photos taken at
    `taken_since` or later and before `taken_before` (wall-clock times, see `Taken`; a face without a date is left
    out when either is given)."""
    parts = []
    if folders is not None:
        parts.append(Filter.by_property("folder").contains_any(list(folders) or [""]))
    if min_width > 0:
        parts.append(Filter.by_property("face_width").greater_or_equal(min_width))
    if taken_since is not None:
        parts.append(Filter.by_property("taken_at").greater_or_equal(stored_time(_within(taken_since))))
    if taken_before is not None:
        parts.append(Filter.by_property("taken_at").less_than(stored_time(_within(taken_before))))
    return Filter.all_of(parts) if len(parts) > 1 else (parts[0] if parts else None)


def _within(bound: datetime) -> datetime:
    """A find's bound brought into [EARLIEST, LATEST]: every stored time is on the same side of it."""
    return min(max(bound, EARLIEST), LATEST)


def nearest(
    library: Library,
    *,
    certainty: float,
    image: bytes | None = None,
    vector: Sequence[float] | None = None,
    folders: Sequence[str] | None = None,
    min_width: int = 0,
    taken_since: datetime | None = None,
    taken_before: datetime | None = None,
) -> list[tuple[LibraryFace, float]]:
    """Every library face at least `certainty` similar to the face in `image` (a JPEG, through Weaviate's
    nearImage and the face vectorizer) or to `vector` (one Weaviate holds), best first; at most MAX_FACES;
    only faces in `folders` (None: every folder), at least `min_width` pixels wide, and of photos taken in
    [`taken_since`, `taken_before`) when either is given (see `where`). NoFace when the face vectorizer finds
    no face in `image`.

    Weaviate returns at most the `limit` asked (25 when none is asked), whatever the certainty floor, so
    the search asks for a page and asks again for a larger one while the page comes back full.
    """
    filters = where(folders, min_width, taken_since, taken_before)
    common = {"certainty": certainty, "filters": filters, "return_properties": FACE_PROPERTIES,
              "return_metadata": MetadataQuery(certainty=True)}
    if image is not None:
        common["near_image"] = base64.b64encode(image).decode()
        search = library.faces.query.near_image
    else:
        common["near_vector"] = list(vector or [])
        search = library.faces.query.near_vector
    limit = FIRST_PAGE
    while True:
        try:
            objects = search(limit=limit, **common).objects
        except WeaviateQueryError as e:
            if found_no_face(e):
                raise NoFace("The face vectorizer found no face in the crop around this face.") from e
            raise
        if len(objects) < limit or limit >= MAX_FACES:
            return [(stored_face(o), float(o.metadata.certainty or 0.0)) for o in objects]
        limit = min(limit * 8, MAX_FACES)


def tagged_faces(library: Library) -> list[LibraryFace]:
    """Every face tagged with an enrolled person."""
    return faces_where(library, Filter.by_property("person_id").not_equal(""))


def set_person(library: Library, face_id: str, person_id: str, group_id: str) -> None:
    """Tag a face with an enrolled person ("" for nobody) and put it in a group ("" for none: see `store.groups`)."""
    library.faces.data.update(uuid=face_id, properties={"person_id": person_id, "group_id": group_id})


def write_faces(library: Library, objects: Iterable[NewObject]) -> dict[str, str]:
    """Insert (or replace) faces as they come; face id -> Weaviate's message for each it refused."""
    return insert_many(library.faces, objects)


def write_photos(library: Library, objects: Iterable[NewObject]) -> dict[str, str]:
    """Insert (or replace) photo records; photo id -> Weaviate's message for each it refused."""
    return insert_many(library.photos, objects)
