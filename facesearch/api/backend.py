"""What the API's handlers share: settings, the face detector, the Weaviate connection, library jobs."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Annotated

from fastapi import Depends, Request

from facesearch.api.gate import Gate
from facesearch.errors import NotReady
from facesearch.face.embed import Decision, decision_for
from facesearch.face.image import pixel_count
from facesearch.face.models import FaceModels
from facesearch.library.grouping import Grouper, rule_of
from facesearch.library.jobs import LibraryJobs
from facesearch.library.tag import Tagger
from facesearch.settings import Settings
from facesearch.store.cluster import Health, health
from facesearch.store.connection import Connection, Handles
from facesearch.store.library import Library
from facesearch.store.people import People
from facesearch.store.refusals import service_error


class Backend:
    """The API's long-lived parts: the detector (built once), the Weaviate connection (`store.Connection`: it
    connects on first use and again after a request found Weaviate gone, so start-up order does not matter),
    the lock that orders changes, the gate that bounds decoding uploads, and the library's background jobs."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.decision: Decision = decision_for(settings)
        """The known/unknown rule and thresholds in force (the settings', else the face model card's)."""
        self.models = FaceModels.load(settings, embed=False)
        self.write_lock = threading.RLock()
        """Orders changes: enrolment, the people in the photos, and the tagging and regrouping that run beside them."""
        self.grouper = Grouper(rule_of(settings), self.write_lock)
        self.jobs = LibraryJobs(settings, self.models)
        self.connection = Connection(settings)
        self.gate = Gate(settings.photo_concurrency or 1, settings.photo_queue or 0,
                         large_pixels=round(settings.large_photo_mp * 1_000_000))

    def decoding(self, *photos: bytes) -> AbstractContextManager[None]:
        """A place in the gate for decoding these uploads and finding their faces (the largest says whether
        the work is large); Busy at once when there is none."""
        return self.gate.place(max(pixel_count(p) for p in photos))

    def handles(self) -> Handles:
        """The collections at the write consistency level (for changes); `.reading()` for everything else."""
        return self.connection.handles()

    def people(self) -> People:
        """The enrolled people (FaceRecognition), for changes."""
        return self.handles().people

    def library(self) -> Library:
        """The library, for changes."""
        return self.handles().library

    def cluster(self) -> Health:
        """The Weaviate nodes as the node this API uses sees them."""
        return health(self.connection.client(), self.settings, count=False)

    def tagger(self) -> Tagger:
        """Tags new library faces with enrolled people, and groups the others (`library.grouping`)."""
        d = self.decision
        return Tagger(self.people(), d.threshold, d.margin, d.rule, self.grouper)

    def people_changed(self) -> None:
        """Tag the library again in the background: someone was enrolled, changed or removed."""
        tagger, library = self.tagger(), self.library()
        self.jobs.retag(lambda: tagger.retag_all(library))

    def close(self) -> None:
        self.connection.close()


def get_backend(request: Request) -> Iterator[Backend]:
    """The backend; a request that finds Weaviate gone answers 503, and the next one connects again; one that
    finds the face vectorizer busy answers 503 too."""
    backend: Backend = request.app.state.backend
    generation = backend.connection.generation
    try:
        yield backend
    except Exception as e:
        answer = service_error(e, backend.settings.weaviate_url)
        if answer is None:
            raise
        if isinstance(answer, NotReady):
            backend.connection.lost(generation)
            request.state.weaviate_node_lost = True  # a read is run once more (api.again)
        raise answer from e


def get_people(backend: Annotated[Backend, Depends(get_backend)]) -> People:
    return backend.people()


def get_people_reading(backend: Annotated[Backend, Depends(get_backend)]) -> People:
    return backend.handles().reading().people


def get_library(backend: Annotated[Backend, Depends(get_backend)]) -> Library:
    return backend.library()


def get_library_reading(backend: Annotated[Backend, Depends(get_backend)]) -> Library:
    return backend.handles().reading().library


BackendDep = Annotated[Backend, Depends(get_backend)]
PeopleDep = Annotated[People, Depends(get_people)]
"""The people at the write consistency level: for changes."""
PeopleReadDep = Annotated[People, Depends(get_people_reading)]
"""The people at the read consistency level: for searches and every other read."""
LibraryDep = Annotated[Library, Depends(get_library)]
LibraryReadDep = Annotated[Library, Depends(get_library_reading)]
