"""Connecting to Weaviate: the first ready node of the cluster, and the API's one long-lived connection.

`connect` serves a command that runs once; `Connection` is the API's: it connects on first use, makes
sure of the collections once per connection, moves to the next ready node when its node stops being
ready, and connects again after a request found Weaviate gone.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import httpx
import weaviate
from weaviate.classes.init import Auth
from weaviate.exceptions import AuthenticationFailedError, WeaviateBaseError

from facesearch.errors import NotReady
from facesearch.settings import Settings, WeaviateEndpoint, weaviate_key
from facesearch.store.library import Library, ensure_library, library_handle
from facesearch.store.people import People, ensure_people, people_handle
from facesearch.store.replication import Replication
from facesearch.store.space import vector_space


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
    hint = "" if settings.weaviate_hosts else " Start the stack with `bash start.sh` (or `python -m facesearch stack start`)."
    raise NotReady(f"Weaviate is not reachable at {where}.{hint}")


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


@dataclass(frozen=True)
class Handles:
    """The people's faces and the library on one connection. `people` and `library` are at the write
    consistency level (for changes); `reading()` gives them at the read level (for everything else)."""

    people: People
    library: Library
    replication: Replication

    def reading(self) -> Handles:
        r = self.replication
        return Handles(self.people.reading(r), self.library.reading(r), r)


def ensure_handles(client: weaviate.WeaviateClient, settings: Settings) -> Handles:
    """The people's faces and the library, created on first use; WrongSpace when either holds vectors of
    another space than the one the face vectorizer makes now (asked once, `space.vector_space`)."""
    space, replication = vector_space(settings), Replication.of(settings)
    return Handles(ensure_people(client, settings, space), ensure_library(client, settings, space), replication)


def known_handles(client: weaviate.WeaviateClient, settings: Settings) -> Handles:
    """The people's faces and the library, as `ensure_handles` made sure of them before, without asking
    Weaviate anything (a schema read waits for the cluster's Raft leader, which may be the node just lost)."""
    return Handles(people_handle(client, settings), library_handle(client, settings), Replication.of(settings))


READY_CHECK_S = 1.0
"""In a cluster, how often (s) at most the API asks its node whether it is still ready (and after a failure)."""


class Connection:
    """The API's connection to Weaviate, shared by every request (thread-safe).

    It connects on first use and again after a request found Weaviate gone (`lost`), so start-up order
    does not matter; the collections are made sure of once per connection. In a cluster, a node that is no
    longer ready (asked at most every READY_CHECK_S seconds) is left, before a request uses it, for the next
    ready one, keeping the collections as they were made sure of.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._client: weaviate.WeaviateClient | None = None
        self._node: WeaviateEndpoint | None = None
        self._handles: Handles | None = None
        self._left: weaviate.WeaviateClient | None = None
        """The client of the node last left, closed at the next move: requests may still be using it."""
        self._checked_at = 0.0
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Counts the clients made: a request that fails tells `lost` which one it used."""
        return self._generation

    def handles(self) -> Handles:
        """The collections, made sure of (and their vector space checked) once per connection; until that
        succeeds (a WrongSpace until the faces are reindexed), every call tries again."""
        with self._lock:
            if self._node is not None and self._time_to_check() and not ready(self._node):
                self._move()
            if self._handles is None:
                if self._client is None:
                    self._client, self._node = connect_node(self.settings)
                    self._generation += 1
                self._handles = self._ensure(self._client)
            return self._handles

    def client(self) -> weaviate.WeaviateClient:
        """The client of the node in use (connected, collections made sure of)."""
        self.handles()
        with self._lock:
            if self._client is None:
                raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer.")
            return self._client

    def _time_to_check(self) -> bool:
        if len(self.settings.weaviate_endpoints) < 2:
            return False
        now = time.monotonic()
        if now - self._checked_at < READY_CHECK_S:
            return False
        self._checked_at = now
        return True

    def _move(self) -> None:
        """Leave this node for the next ready one, keeping the collections if they were made sure of."""
        ensured = self._handles is not None
        if self._left is not None:
            self._left.close()
        self._left, self._client, self._node, self._handles = self._client, None, None, None
        if ensured:
            self._client, self._node = connect_node(self.settings, schema=False)
            self._generation += 1
            self._handles = known_handles(self._client, self.settings)

    def _ensure(self, client: weaviate.WeaviateClient) -> Handles:
        try:
            return ensure_handles(client, self.settings)
        except WeaviateBaseError as e:
            self._close()
            raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer.") from e

    def lost(self, generation: int) -> None:
        """A request using client `generation` found Weaviate gone: the next call connects again (unless a
        newer client was made meanwhile, which is left alone), and asks its node whether it is ready."""
        with self._lock:
            self._checked_at = 0.0
            if generation == self._generation:
                self._close()

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._left is not None:
            self._left.close()
            self._left = None
        if self._client is not None:
            self._client.close()
            self._client, self._node, self._handles = None, None, None
