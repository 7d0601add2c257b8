"""What the API's handlers share: settings, the face detector, the Weaviate connection, library jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

import weaviate
from fastapi import Depends, Request
from weaviate.collections import Collection
from weaviate.exceptions import WeaviateBaseError

from facesearch import cluster, store
from facesearch.api.library_jobs import LibraryJobs
from facesearch.errors import Busy, NotReady
from facesearch.face import FaceModels
from facesearch.library.records import Library, ensure_people_and_library, handles
from facesearch.library.tag import Tagger
from facesearch.settings import Settings, WeaviateEndpoint


class Backend:
    """Connects to Weaviate on first use, and again after a request found it gone (`get_backend`), so
    start-up order does not matter. The collections are made sure of once per connection, not per request.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.replication = store.Replication.of(settings)
        self.models = FaceModels.load(settings, embed=False)
        self.write_lock = threading.Lock()
        self.jobs = LibraryJobs(settings, self.models)
        self._client: weaviate.WeaviateClient | None = None
        self._node: WeaviateEndpoint | None = None
        self._collections: tuple[Collection, Library] | None = None
        self._left: weaviate.WeaviateClient | None = None
        """The client of the node last left, closed at the next move: requests may still be using it."""
        self._connect_lock = threading.Lock()

    def _connected(self) -> tuple[Collection, Library]:
        """The collections, made sure of (and their vector space checked) once per connection; until that
        succeeds (a WrongSpace until the faces are reindexed), every request tries again. In a cluster, a
        node that is no longer ready is left, before the request uses it, for the next that is, with the
        collections as they were made sure of."""
        with self._connect_lock:
            if self._node is not None and len(self.settings.weaviate_endpoints) > 1 and not store.ready(self._node):
                self.move()
            if self._collections is None:
                if self._client is None:
                    self._client, self._node = store.connect_node(self.settings)
                self._collections = self._ensure(self._client)
            return self._collections

    def move(self) -> None:
        """Leave this node for the next ready one, keeping the collections if they were made sure of."""
        ensured = self._collections is not None
        if self._left is not None:
            self._left.close()
        self._left, self._client, self._node, self._collections = self._client, None, None, None
        if ensured:
            self._client, self._node = store.connect_node(self.settings, schema=False)
            self._collections = handles(self._client, self.settings)

    def _ensure(self, client: weaviate.WeaviateClient) -> tuple[Collection, Library]:
        try:
            return ensure_people_and_library(client, self.settings)
        except WeaviateBaseError as e:
            self.close()
            raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer.") from e

    def collection(self) -> Collection:
        """The enrolled people (FaceRecognition)."""
        return self._connected()[0]

    def library(self) -> Library:
        return self._connected()[1]

    def cluster(self) -> cluster.Health:
        """The Weaviate nodes as the node this API uses sees them."""
        self._connected()
        with self._connect_lock:
            client = self._client
        if client is None:
            raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer.")
        return cluster.health(client, self.settings, count=False)

    def tagger(self) -> Tagger:
        return Tagger(self.collection(), self.settings.threshold, self.settings.margin, self.settings.rule)

    def people_changed(self) -> None:
        """Tag the library again in the background: someone was enrolled, changed or removed."""
        tagger, library = self.tagger(), self.library()
        self.jobs.retag(lambda: tagger.retag_all(library))

    def lost(self) -> None:
        """Weaviate could not be reached: the next request connects again."""
        with self._connect_lock:
            self.close()

    def close(self) -> None:
        if self._left is not None:
            self._left.close()
            self._left = None
        if self._client is not None:
            self._client.close()
            self._client, self._node = None, None
            self._collections = None


def get_backend(request: Request) -> Iterator[Backend]:
    """The backend; a request that finds Weaviate gone answers 503, and the next one connects again; one that
    finds the face vectorizer busy answers 503 too."""
    backend: Backend = request.app.state.backend
    try:
        yield backend
    except WeaviateBaseError as e:
        if store.vectorizer_status(str(e)) == 503:
            raise Busy("The face vectorizer is busy; try again in a moment.") from e
        if not store.unreachable(e):
            raise
        backend.lost()
        raise NotReady(f"Weaviate at {backend.settings.weaviate_url} did not answer.") from e


def get_collection(backend: Annotated[Backend, Depends(get_backend)]) -> Collection:
    return backend.collection()


def get_library(backend: Annotated[Backend, Depends(get_backend)]) -> Library:
    return backend.library()


BackendDep = Annotated[Backend, Depends(get_backend)]
CollectionDep = Annotated[Collection, Depends(get_collection)]
LibraryDep = Annotated[Library, Depends(get_library)]
