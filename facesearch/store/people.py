"""Weaviate: the FaceRecognition collection, its objects and the face query.

One object is one enrolled face. Its vector comes from Weaviate's img2vec-neural module, which
sends the `image` blob (a crop around the face) to our face vectorizer.

A face collection records in its Weaviate description the vector space its vectors are in (the
vectorizer's detector, embedder and mirroring), and is used only while the vectorizer still makes
that space: vectors of two face models are never mixed in one collection (see facesearch.reindex).
"""

from __future__ import annotations

import base64
import logging
import re
import time
import uuid
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import httpx
import weaviate
from weaviate.classes.config import (
    ConsistencyLevel,
    Configure,
    DataType,
    Property,
    ReplicationDeletionStrategy,
    Tokenization,
    VectorDistances,
)
from weaviate.classes.query import Filter, MetadataQuery
from weaviate.collections import Collection
from weaviate.classes.init import Auth
from weaviate.exceptions import (
    AuthenticationFailedError,
    WeaviateBaseError,
    WeaviateConnectionError,
    WeaviateRetryError,
)

from facesearch.errors import NotReady, WrongSpace
from facesearch.settings import Settings, WeaviateEndpoint

NAMESPACE = uuid.UUID("5b7c1f0e-3d2a-4c1e-9a55-6f1d2a9e8b10")
"""Object ids are uuid5(NAMESPACE, "<person_id>/<filename>"), so a re-import updates, never duplicates."""

METADATA = ["filename", "name", "person_id", "sha256", "box"]
"""Every property but the image blob."""


@dataclass(frozen=True)
class StoredFace:
    """An enrolled face as Weaviate holds it (without the image)."""

    id: str
    person_id: str
    name: str
    filename: str
    sha256: str


@dataclass(frozen=True)
class Candidate:
    """One answer of a face query; certainty is Weaviate's, 0..1 (1 - cosine distance / 2)."""

    face: StoredFace
    certainty: float

    @property
    def person_id(self) -> str:
        return self.face.person_id


VECTOR = "default"
"""The name of a face collection's one vector (Weaviate's name when none is given)."""


@dataclass(frozen=True)
class NewObject:
    """An object to insert or replace. Without `vector`, Weaviate asks the face vectorizer for one."""

    id: str
    properties: Mapping[str, object]
    vector: Mapping[str, Sequence[float]] | None = None
    """{VECTOR: the vector}, to store one Weaviate already made (a moved photo's face)."""


VECTORIZER_STATUS = {
    400: "The face vectorizer could not read the image.",
    413: "The face vectorizer refused the crop as too large.",
    415: "The face vectorizer does not accept this image type.",
    422: "The face vectorizer found no face in the crop around the face.",
    503: "The face vectorizer was busy; import again to add this photo.",
}


VECTORIZER_UNREACHABLE = re.compile(r'Post "[^"]*/vectors": .*(connection refused|connection reset|EOF)')
"""Weaviate's message when the vectorizer did not answer at all (stopped, or restarting after a crash)."""


def vectorizer_status(message: str) -> int | None:
    """The HTTP status of the face vectorizer's refusal in a Weaviate error message, if it is one.

    Weaviate's img2vec-neural module passes on only the status ("fail with status 422"), not the reason.
    """
    match = re.search(r"fail with status (\d+)", message)
    return int(match.group(1)) if match else None


def vectorizer_reason(message: str) -> str:
    """A sentence for a failed object from Weaviate's message (which carries only the status)."""
    if VECTORIZER_UNREACHABLE.search(message):
        return "The face vectorizer could not be reached; import again to add this photo."
    return VECTORIZER_STATUS.get(vectorizer_status(message) or 0, f"Weaviate refused the face: {message}")


class _ReportedPerObject(logging.Filter):
    """Drops the Weaviate client's "Failed to send N objects in a batch" lines: callers say, per photo, why."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, dict) and str(record.msg.get("message", "")).startswith("Failed to send"))


logging.getLogger("weaviate-client").addFilter(_ReportedPerObject())


def insert_many(collection: Collection, objects: Iterable[NewObject]) -> dict[str, str]:
    """Insert (or replace) objects as they come, in background batches; object id -> Weaviate's
    message for each that failed (see `vectorizer_reason`). Then makes sure that every vector written
    is in Weaviate's index, on disk (see `flush_vector_index` and `restore_lost_vectors`)."""
    ids: list[str] = []
    recent: deque[NewObject] = deque(maxlen=64)
    with collection.batch.fixed_size(batch_size=16, concurrent_requests=2) as batch:
        for obj in objects:
            batch.add_object(properties=dict(obj.properties), uuid=obj.id, vector=obj.vector)
            ids.append(obj.id)
            recent.append(obj)
    failed = {str(e.object_.uuid): e.message for e in collection.batch.failed_objects}
    done = [obj for obj in recent if obj.id not in failed]
    if done:
        flush_vector_index(collection, done[-1])
        restore_lost_vectors(collection, [i for i in ids if i not in failed])
    return failed


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


def weaviate_key(settings: Settings) -> str | None:
    """Weaviate's API key: FACESEARCH_WEAVIATE_API_KEY, else the one local mode made, else None."""
    if settings.weaviate_api_key:
        return settings.weaviate_api_key
    try:
        return settings.weaviate_key_file.read_text().strip() or None
    except FileNotFoundError:
        return None


def connect(settings: Settings) -> weaviate.WeaviateClient:
    """A client connected to the first of the cluster's nodes that answers (`settings.weaviate_endpoints`, in
    order), or NotReady with a sentence saying where Weaviate was expected."""
    return connect_node(settings)[0]


def connect_node(settings: Settings, schema: bool = True) -> tuple[weaviate.WeaviateClient, WeaviateEndpoint]:
    """`connect`, and the node it connected to. In a cluster, with `schema`, once that node answers schema
    reads (see `wait_for_schema`): without, the client may only search collections it has made sure of."""
    key = weaviate_key(settings)
    endpoints = settings.weaviate_endpoints
    for endpoint in endpoints:
        if len(endpoints) > 1 and not ready(endpoint):
            continue
        try:
            client = connect_to(endpoint, key)
        except AuthenticationFailedError as e:
            raise NotReady(
                f"Weaviate at {endpoint.url} refused the API key; set FACESEARCH_WEAVIATE_API_KEY to its key."
            ) from e
        except (WeaviateBaseError, httpx.HTTPError):  # the node went away between the check and the connection
            continue
        if schema and len(endpoints) > 1:
            try:
                wait_for_schema(endpoint, key)
            except NotReady:
                client.close()
                raise
        return client, endpoint
    where = endpoints[0].url if len(endpoints) == 1 else f"any of {', '.join(e.url for e in endpoints)}"
    raise NotReady(f"Weaviate is not reachable at {where}.")


def connect_to(endpoint: WeaviateEndpoint, key: str | None) -> weaviate.WeaviateClient:
    """A client of one Weaviate node (TLS for HTTP and gRPC when `endpoint.secure`)."""
    return weaviate.connect_to_custom(
        http_host=endpoint.host, http_port=endpoint.port, http_secure=endpoint.secure,
        grpc_host=endpoint.grpc_host, grpc_port=endpoint.grpc_port, grpc_secure=endpoint.secure,
        auth_credentials=Auth.api_key(key) if key else None,
    )


SCHEMA_WAIT_S = 60.0
"""Longest wait (s) for a cluster's node to answer a schema read: while the cluster elects a new Raft leader
(seconds after the last one was lost) such reads hang, and the client would wait 30 s for each."""


def wait_for_schema(endpoint: WeaviateEndpoint, key: str | None) -> None:
    """Return once the node answers a schema read (its own copy) within 2 s; NotReady after SCHEMA_WAIT_S."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    deadline = time.monotonic() + SCHEMA_WAIT_S
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{endpoint.url}/v1/schema?consistency=false", headers=headers, timeout=2).is_success:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise NotReady(
        f"Weaviate at {endpoint.url} did not answer for {SCHEMA_WAIT_S:.0f} s: its cluster has no Raft leader "
        "(a majority of its nodes must run)."
    )


def ready(endpoint: WeaviateEndpoint, timeout_s: float = 1.0) -> bool:
    """Whether the node says it is ready (up, and in a cluster with a Raft leader) within `timeout_s` seconds."""
    try:
        return httpx.get(f"{endpoint.url}/v1/.well-known/ready", timeout=timeout_s).is_success
    except httpx.HTTPError:
        return False


def unreachable(error: WeaviateBaseError) -> bool:
    """Whether a Weaviate call failed because Weaviate could not be reached (not because it refused).

    The client retries a gRPC call that finds no server for half a minute or more, then raises a
    WeaviateQueryError while handling its WeaviateRetryError; a REST call raises WeaviateConnectionError.
    """
    if isinstance(error, (WeaviateConnectionError, WeaviateRetryError)):
        return True
    return isinstance(error.__cause__ or error.__context__, WeaviateRetryError)


def object_id(person_id: str, filename: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{person_id}/{filename}"))


HNSW_EF = 64
"""Candidates HNSW keeps while searching; see README, Benchmarks, Scale."""


@dataclass(frozen=True)
class SpaceRecord:
    """What a face collection's Weaviate description records: the vector space of its vectors, and
    whether it is complete (False only for a reindex copy still being filled, see facesearch.reindex)."""

    space: str | None
    """None: the collection records no space (it was made by a facesearch before spaces were recorded)."""
    complete: bool = True

    _PATTERN = re.compile(r"facesearch faces( \(copy being filled\))?; vector space: (.+)", re.DOTALL)

    def describe(self) -> str:
        """The collection description, e.g. "facesearch faces; vector space: yunet/fusion(...)/mirror"."""
        return f"facesearch faces{'' if self.complete else ' (copy being filled)'}; vector space: {self.space}"

    @classmethod
    def parse(cls, description: str | None) -> SpaceRecord:
        match = cls._PATTERN.fullmatch(description or "")
        return cls(match.group(2), match.group(1) is None) if match else cls(None)


UNNAMED_SPACE = "unnamed"
"""The space of a vectorizer whose GET /meta names no model (Weaviate's own img2vec containers)."""


def vector_space(settings: Settings) -> str:
    """The vector space the face vectorizer Weaviate calls makes: the "model" of its GET /meta.

    Asked of the vectorizer itself, at the address Weaviate uses: Weaviate 1.35's img2vec-neural module
    does not pass the vectorizer's /meta on in its own (its entry in GET /v1/meta is empty).
    """
    url = settings.image_inference_api
    try:
        response = httpx.get(f"{url}/meta", timeout=10)
    except httpx.HTTPError as e:
        raise NotReady(f"The face vectorizer is not reachable at {url}.") from e
    if response.status_code == 404:
        return UNNAMED_SPACE
    if not response.is_success:
        raise NotReady(f"The face vectorizer at {url} answered GET /meta with status {response.status_code}.")
    try:
        meta = response.json()
    except ValueError:
        meta = None
    model = meta.get("model") if isinstance(meta, dict) else None
    return model if isinstance(model, str) and model else UNNAMED_SPACE


REINDEX_SUFFIX = "_Reindex"


def reindex_name(name: str) -> str:
    """The collection a reindex of collection `name` fills, then copies back (facesearch.reindex)."""
    return f"{name}{REINDEX_SUFFIX}"


REINDEX_COMMAND = "python -m facesearch reindex"


def recorded_space(client: weaviate.WeaviateClient, name: str) -> SpaceRecord:
    """The space an existing collection records."""
    return SpaceRecord.parse(client.collections.export_config(name).description)


def check_space(client: weaviate.WeaviateClient, name: str, space: str) -> None:
    """WrongSpace unless collection `name` is missing or holds vectors of `space`, with no reindex under way."""
    if client.collections.exists(reindex_name(name)):
        raise WrongSpace(
            f"The collection {name} is being reindexed and is not complete: with the stack running, run "
            f"`{REINDEX_COMMAND}` to finish it."
        )
    if not client.collections.exists(name):
        return
    held = recorded_space(client, name).space
    if held != space:
        holds = (f"vectors of the space {held}" if held
                 else "vectors of a space it does not record (it was made by an older facesearch)")
        raise WrongSpace(
            f"The collection {name} holds {holds}, but the face vectorizer is configured for {space}: with the "
            f"stack running, run `{REINDEX_COMMAND}` to vectorize its faces again with the configured model."
        )


@dataclass(frozen=True)
class Replication:
    """How a collection is spread over the cluster (set when it is created) and how many of an object's
    copies must answer: `write` for imports, indexing, tags and removals, `read` for searches and finds."""

    factor: int = 1
    shards: int = 1
    write: str = "QUORUM"
    read: str = "QUORUM"

    @classmethod
    def of(cls, settings: Settings) -> Replication:
        return cls(settings.replication_factor or 1, settings.shards, settings.write_consistency, settings.read_consistency)

    def create_options(self) -> dict[str, object]:
        """`collections.create` arguments: the factor, with asynchronous replication (a node that was down
        catches up by itself) and the newest of a change and a removal winning; the shards."""
        return {
            "replication_config": Configure.replication(
                factor=self.factor,
                async_enabled=self.factor > 1,
                deletion_strategy=ReplicationDeletionStrategy.TIME_BASED_RESOLUTION,
            ),
            "sharding_config": Configure.sharding(desired_count=self.shards),
        }

    def writing(self, collection: Collection) -> Collection:
        return collection.with_consistency_level(ConsistencyLevel[self.write])

    def reading(self, collection: Collection) -> Collection:
        return collection.with_consistency_level(ConsistencyLevel[self.read])


def face_collection(
    client: weaviate.WeaviateClient, name: str, space: str, properties: list[Property],
    replication: Replication = Replication(),
) -> Collection:
    """A collection of faces vectorized by the face vectorizer (cosine HNSW), created on first use recording
    `space` (spread as `replication` says); WrongSpace when it holds vectors of another space (see
    `check_space`). The handle writes, and reads, at `replication.write`'s consistency level."""
    check_space(client, name, space)
    if not client.collections.exists(name):
        client.collections.create(
            name,
            description=SpaceRecord(space).describe(),
            **replication.create_options(),
            vector_config=Configure.Vectors.img2vec_neural(
                image_fields=["image"],
                # ef 64: at 1M faces recall@1 0.998 in 7.7 ms p50, where Weaviate's dynamic ef (100 for
                # the 10 candidates a search asks) gives the same recall in 10.9 ms (bench/scale.py).
                vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE, ef=HNSW_EF),
            ),
            properties=properties,
        )
    return replication.writing(client.collections.get(name))


def ensure_collection(
    client: weaviate.WeaviateClient, name: str, space: str, replication: Replication = Replication()
) -> Collection:
    """The people's faces, created on first use; WrongSpace when they are of another space than `space`
    (`vector_space(settings)`)."""
    return face_collection(client, name, space, [
        Property(name="filename", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="image", data_type=DataType.BLOB),
        Property(name="name", data_type=DataType.TEXT),
        Property(name="person_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="sha256", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
        Property(name="box", data_type=DataType.INT_ARRAY, description="left, top, right, bottom (px)"),
    ], replication)


def _stored(obj) -> StoredFace:  # noqa: ANN001 - a weaviate Object
    p = obj.properties
    return StoredFace(str(obj.uuid), p["person_id"], p["name"], p["filename"], p.get("sha256") or "")


def all_faces(collection: Collection) -> Iterator[StoredFace]:
    """Every enrolled face, without images."""
    for obj in collection.iterator(return_properties=METADATA):
        yield _stored(obj)


def names_of(collection: Collection, person_ids: Iterable[str]) -> dict[str, str]:
    """person id -> display name, for those of these ids that are enrolled."""
    ids = sorted({i for i in person_ids if i})
    if not ids:
        return {}
    result = collection.query.fetch_objects(
        filters=Filter.by_property("person_id").contains_any(ids), return_properties=["person_id", "name"], limit=10_000
    )
    return {o.properties["person_id"]: o.properties["name"] for o in result.objects}


def faces_of(collection: Collection, person_id: str) -> list[StoredFace]:
    result = collection.query.fetch_objects(
        filters=Filter.by_property("person_id").equal(person_id), return_properties=METADATA, limit=10_000
    )
    return [_stored(o) for o in result.objects]


def face_image(collection: Collection, face_id: str) -> bytes | None:
    """The stored JPEG crop of one face, or None if there is no such face."""
    obj = collection.query.fetch_object_by_id(face_id, return_properties=["image"])
    return base64.b64decode(obj.properties["image"]) if obj else None


def nearest_faces(collection: Collection, jpeg: bytes, limit: int) -> list[Candidate]:
    """The `limit` enrolled faces closest to the face in `jpeg`, best first (Weaviate `nearImage`)."""
    result = collection.query.near_image(
        near_image=base64.b64encode(jpeg).decode(),
        limit=limit,
        return_properties=METADATA,
        return_metadata=MetadataQuery(certainty=True, distance=True),
    )
    return [Candidate(_stored(o), float(o.metadata.certainty or 0.0)) for o in result.objects]


def vector_of(obj) -> list[float]:  # noqa: ANN001 - a weaviate Object
    """The object's face vector (collections here have one, named VECTOR)."""
    vector = obj.vector
    return list(vector.get(VECTOR, next(iter(vector.values())))) if isinstance(vector, dict) else list(vector)


def face_vectors(collection: Collection, person_id: str | None = None) -> list[tuple[StoredFace, list[float]]]:
    """Enrolled faces with the vectors Weaviate holds for them: everyone's, or one person's."""
    if person_id is None:
        objects = collection.iterator(return_properties=METADATA, include_vector=True)
    else:
        where = Filter.by_property("person_id").equal(person_id)
        objects = collection.query.fetch_objects(filters=where, return_properties=METADATA, include_vector=True, limit=10_000).objects
    return [(_stored(o), vector_of(o)) for o in objects]


def nearest_to_vector(collection: Collection, vector: Sequence[float], limit: int) -> list[Candidate]:
    """The `limit` enrolled faces closest to a vector Weaviate already holds, best first (nearVector)."""
    result = collection.query.near_vector(
        near_vector=list(vector), limit=limit, return_properties=METADATA, return_metadata=MetadataQuery(certainty=True)
    )
    return [Candidate(_stored(o), float(o.metadata.certainty or 0.0)) for o in result.objects]
