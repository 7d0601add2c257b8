"""What the API's handlers share: settings, the face detector, the Weaviate connection, library jobs."""

from __future__ import annotations

import threading
from typing import Annotated

import weaviate
from fastapi import Depends, Request
from weaviate.collections import Collection

from facesearch import store
from facesearch.api.library_jobs import LibraryJobs
from facesearch.errors import NotReady
from facesearch.face import FaceModels
from facesearch.library.records import Library, ensure_library
from facesearch.library.tag import Tagger
from facesearch.settings import Settings


class Backend:
    """Connects to Weaviate on first use and again after it was lost, so start-up order does not matter.

    The collections are made sure of once per connection, not per request.
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models = FaceModels(detector=settings.detector, embedder=None)
        self.write_lock = threading.Lock()
        self.jobs = LibraryJobs(settings, self.models)
        self._client: weaviate.WeaviateClient | None = None
        self._collections: tuple[Collection, Library] | None = None
        self._connect_lock = threading.Lock()

    def _connected(self) -> tuple[Collection, Library]:
        with self._connect_lock:
            if self._client is None or self._collections is None or not self._client.is_ready():
                self.close()
                self._client = store.connect(self.settings)
                try:
                    people = store.ensure_collection(self._client, self.settings.collection)
                    self._collections = (people, ensure_library(self._client, self.settings))
                except weaviate.exceptions.WeaviateBaseError as e:
                    raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer.") from e
            return self._collections

    def collection(self) -> Collection:
        """The enrolled people (FaceRecognition)."""
        return self._connected()[0]

    def library(self) -> Library:
        return self._connected()[1]

    def tagger(self) -> Tagger:
        return Tagger(self.collection(), self.settings.threshold, self.settings.margin)

    def people_changed(self) -> None:
        """Tag the library again in the background: someone was enrolled, changed or removed."""
        tagger, library = self.tagger(), self.library()
        self.jobs.retag(lambda: tagger.retag_all(library))

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
            self._collections = None


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


def get_collection(backend: Annotated[Backend, Depends(get_backend)]) -> Collection:
    return backend.collection()


def get_library(backend: Annotated[Backend, Depends(get_backend)]) -> Library:
    return backend.library()


BackendDep = Annotated[Backend, Depends(get_backend)]
CollectionDep = Annotated[Collection, Depends(get_collection)]
LibraryDep = Annotated[Library, Depends(get_library)]
