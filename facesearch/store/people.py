"""The enrolled people's faces: the FaceRecognition collection, its objects and its queries.

One object is one enrolled face (the demo's `filename`, `image` and `name`, plus `person_id`, the
person's folder, `sha256` of the photo and `box`, where the face is in it). Its vector comes from
Weaviate's img2vec-neural module, which sends the `image` blob (a crop around the face) to the face
vectorizer.
"""

from __future__ import annotations

import base64
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import weaviate
from weaviate.classes.config import DataType, Property, Tokenization
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.collections import Collection
from weaviate.exceptions import WeaviateQueryError

from facesearch.settings import Settings
from facesearch.store.refusals import found_no_face, vectorizer_reason
from facesearch.store.replication import Replication
from facesearch.store.space import face_collection
from facesearch.store.writes import NewObject, delete_ids, insert_many, restore_lost_vectors, vector_of

ENROLLED_NAMESPACE = uuid.UUID("5b7c1f0e-3d2a-4c1e-9a55-6f1d2a9e8b10")
"""Object ids are uuid5(ENROLLED_NAMESPACE, "<person_id>/<filename>"), so a re-import updates, never duplicates."""

METADATA = ["filename", "name", "person_id", "sha256", "box"]
"""Every property but the image blob."""


@dataclass(frozen=True)
class People:
    """The FaceRecognition collection, at one consistency level."""

    faces: Collection

    def reading(self, replication: Replication) -> People:
        """The same collection, read at `replication.read`'s consistency level."""
        return People(replication.reading(self.faces))


@dataclass(frozen=True)
class EnrolledFace:
    """An enrolled face as Weaviate holds it (without the image)."""

    id: str
    person_id: str
    name: str
    filename: str
    sha256: str


@dataclass(frozen=True)
class Candidate:
    """One answer of a face query; certainty is Weaviate's, 0..1 (1 - cosine distance / 2)."""

    face: EnrolledFace
    certainty: float

    @property
    def person_id(self) -> str:
        return self.face.person_id


def object_id(person_id: str, filename: str) -> str:
    """The id of the face of photo `filename` in person `person_id`'s folder."""
    return str(uuid.uuid5(ENROLLED_NAMESPACE, f"{person_id}/{filename}"))


def ensure_people(client: weaviate.WeaviateClient, settings: Settings, space: str) -> People:
    """The people's faces, created on first use; WrongSpace when they are of another space than `space`
    (`space.vector_space(settings)`). Writes at the write consistency level."""
    return People(face_collection(client, settings.collection, space, [
        Property(name="filename", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="image", data_type=DataType.BLOB),
        Property(name="name", data_type=DataType.TEXT),
        Property(name="person_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="sha256", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="box", data_type=DataType.INT_ARRAY, description="left, top, right, bottom (px)"),
    ], Replication.of(settings)))


def people_handle(client: weaviate.WeaviateClient, settings: Settings) -> People:
    """The people's faces as `ensure_people` made sure of them, without asking Weaviate anything."""
    return People(Replication.of(settings).writing(client.collections.get(settings.collection)))


def _stored(obj) -> EnrolledFace:  # noqa: ANN001 - a weaviate Object
    p = obj.properties
    return EnrolledFace(str(obj.uuid), p["person_id"], p["name"], p["filename"], p.get("sha256") or "")


def all_faces(people: People) -> Iterator[EnrolledFace]:
    """Every enrolled face, without images."""
    for obj in people.faces.iterator(return_properties=METADATA):
        yield _stored(obj)


def names_of(people: People, person_ids: Iterable[str]) -> dict[str, str]:
    """person id -> display name, for those of these ids that are enrolled."""
    ids = sorted({i for i in person_ids if i})
    if not ids:
        return {}
    result = people.faces.query.fetch_objects(
        filters=Filter.by_property("person_id").contains_any(ids), return_properties=["person_id", "name"], limit=10_000
    )
    return {o.properties["person_id"]: o.properties["name"] for o in result.objects}


def faces_of(people: People, person_id: str) -> list[EnrolledFace]:
    result = people.faces.query.fetch_objects(
        filters=Filter.by_property("person_id").equal(person_id), return_properties=METADATA, limit=10_000
    )
    return [_stored(o) for o in result.objects]


def face_image(people: People, face_id: str) -> bytes | None:
    """The stored JPEG crop of one face, or None if there is no such face."""
    obj = people.faces.query.fetch_object_by_id(face_id, return_properties=["image"])
    return base64.b64decode(obj.properties["image"]) if obj else None


def nearest_faces(people: People, jpeg: bytes, limit: int) -> list[Candidate]:
    """The `limit` enrolled faces closest to the face in `jpeg`, best first (Weaviate `nearImage`); none when
    the face vectorizer finds no face in the crop."""
    try:
        result = people.faces.query.near_image(
            near_image=base64.b64encode(jpeg).decode(),
            limit=limit,
            return_properties=METADATA,
            return_metadata=MetadataQuery(certainty=True, distance=True),
        )
    except WeaviateQueryError as e:
        if found_no_face(e):
            return []
        raise
    return [Candidate(_stored(o), float(o.metadata.certainty or 0.0)) for o in result.objects]


def face_vectors(people: People, person_id: str | None = None) -> list[tuple[EnrolledFace, list[float]]]:
    """Enrolled faces with the vectors Weaviate holds for them: everyone's, or one person's."""
    if person_id is None:
        objects = people.faces.iterator(return_properties=METADATA, include_vector=True)
    else:
        where = Filter.by_property("person_id").equal(person_id)
        objects = people.faces.query.fetch_objects(filters=where, return_properties=METADATA, include_vector=True, limit=10_000).objects
    return [(_stored(o), vector_of(o)) for o in objects]


def nearest_to_vector(people: People, vector: Sequence[float], limit: int) -> list[Candidate]:
    """The `limit` enrolled faces closest to a vector Weaviate already holds, best first (nearVector)."""
    result = people.faces.query.near_vector(
        near_vector=list(vector), limit=limit, return_properties=METADATA, return_metadata=MetadataQuery(certainty=True)
    )
    return [Candidate(_stored(o), float(o.metadata.certainty or 0.0)) for o in result.objects]


def write_faces(people: People, objects: Iterable[NewObject]) -> dict[str, str]:
    """Insert (or replace) faces as they come; face id -> a sentence for each Weaviate refused."""
    return {uid: vectorizer_reason(message) for uid, message in insert_many(people.faces, objects).items()}


def remove_faces(people: People, face_ids: list[str]) -> None:
    delete_ids(people.faces, face_ids)


def rename(people: People, face_id: str, name: str) -> None:
    """Give a kept face its person's new display name."""
    people.faces.data.update(uuid=face_id, properties={"name": name})


def repair(people: People) -> list[str]:
    """Make every enrolled face findable again after an import that did not finish (Weaviate killed in a batch
    can keep faces whose vectors no search finds; see `writes.restore_lost_vectors`); the ids restored."""
    return restore_lost_vectors(people.faces, [f.id for f in all_faces(people)])
