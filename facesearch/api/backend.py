"""What the API's handlers share: settings, the face detector and the Weaviate connection."""

from __future__ import annotations

import threading
from typing import Annotated

import weaviate
from fastapi import Depends, Request
from weaviate.collections import Collection

from facesearch import store
from facesearch.errors import NotReady
from facesearch.face import FaceModels
from facesearch.settings import Settings


class Backend:
    """Connects to Weaviate on first use and again after it was lost, so start-up order does not matter."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.models = FaceModels(detector=settings.detector, embedder=None)
        self.write_lock = threading.Lock()
        self._client: weaviate.WeaviateClient | None = None
        self._connect_lock = threading.Lock()

    def collection(self) -> Collection:
        with self._connect_lock:
            if self._client is None or not self._client.is_ready():
                self.close()
                self._client = store.connect(self.settings)
            try:
                return store.ensure_collection(self._client, self.settings.collection)
            except weaviate.exceptions.WeaviateBaseError as e:
                raise NotReady(f"Weaviate at {self.settings.weaviate_url} did not answer: {e}") from e

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def get_backend(request: Request) -> Backend:
    return request.app.state.backend


def get_collection(backend: Annotated[Backend, Depends(get_backend)]) -> Collection:
    return backend.collection()


BackendDep = Annotated[Backend, Depends(get_backend)]
CollectionDep = Annotated[Collection, Depends(get_collection)]
