"""HTTP layer of the face vectorizer (see the package docstring for the API)."""

from __future__ import annotations

import asyncio
import base64
import binascii
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from facesearch.errors import BadRequest, Busy, NoFace, TooLarge
from facesearch.face import QUICK, FaceModels, largest, load_image
from facesearch.http import install_error_handlers
from facesearch.settings import Settings, get_settings


class VectorRequest(BaseModel):
    id: str = ""
    image: str


class VectorResponse(BaseModel):
    id: str
    vector: list[float]
    dim: int


def face_vector(models: FaceModels, data: bytes) -> list[float]:
    """The identity vector of the face of a canonical crop (facesearch.face.models), else of the
    largest face in an encoded photo."""
    image = load_image(data)
    face = models.canonical_face(image)
    if face is None:
        faces = models.detect(image, QUICK)
        if not faces:
            raise NoFace("No face was found in this photo.")
        face = largest(faces)
    return models.embed(image, [face])[0].tolist()


def parse_request(raw: bytes) -> VectorRequest:
    """The request body as JSON, whatever its Content-Type (Weaviate's module sends none)."""
    try:
        return VectorRequest.model_validate_json(raw)
    except ValidationError as e:
        raise BadRequest('The body must be JSON {"id": string, "image": base64 string}.') from e


def decode_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as e:
        raise BadRequest("The image field is not valid base64.") from e


class Gate:
    """Bounded work in one process: `working` requests compute at once, `waiting` more wait their turn, and
    any further one is refused at once (Busy), before its body is read."""

    def __init__(self, working: int, waiting: int) -> None:
        self.working, self.waiting = working, waiting
        self._turns = asyncio.Semaphore(working)
        self._inside = 0

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Hold a place for one request, computing or waiting; Busy when every place is taken."""
        if self._inside >= self.working + self.waiting:
            raise Busy(f"The face vectorizer is busy (at most {self.working} computing and {self.waiting} waiting); "
                       "try again in a moment.")
        self._inside += 1
        try:
            yield
        finally:
            self._inside -= 1

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Wait until fewer than `working` requests compute."""
        async with self._turns:
            yield


async def read_body(request: Request, max_mb: int) -> bytes:
    """The body, refused (TooLarge) as soon as it is declared or found to be larger than `max_mb` megabytes."""
    limit = max_mb * 1024 * 1024
    too_large = TooLarge(f"The request is larger than {max_mb} MB, the most the face vectorizer reads.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large
    return bytes(body)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    s = app.state.settings
    app.state.models = FaceModels.load(s)
    app.state.gate = Gate(s.vectorizer_concurrency, s.vectorizer_queue)
    yield


def create_app(settings: Settings | None = None) -> FastAPI:
    """The vectorizer; its models load at start-up, from `settings` (default: this process's)."""
    app = FastAPI(title="facesearch face vectorizer", lifespan=lifespan)
    app.state.settings = settings or get_settings()
    install_error_handlers(app)

    @app.get("/.well-known/live", status_code=204)
    @app.get("/.well-known/ready", status_code=204)
    def ready() -> Response:
        """Alive and, once the models are loaded (start-up), ready."""
        return Response(status_code=204)

    @app.get("/meta")
    def meta() -> dict[str, object]:
        """What Weaviate shows under /v1/meta for this module."""
        models = app.state.models
        return {"model": models.space, "dim": models.embedder.dim, "mirror": models.mirror}

    @app.post("/vectors")
    async def vectors(request: Request) -> VectorResponse:
        """The identity vector of the largest face in the image; 413 past the body limit, 503 when busy."""
        state = request.app.state
        with state.gate.admitted():
            body = parse_request(await read_body(request, state.settings.vectorizer_max_body_mb))
            image = decode_base64(body.image)
            async with state.gate.turn():
                vector = await run_in_threadpool(face_vector, state.models, image)
        return VectorResponse(id=body.id, vector=vector, dim=len(vector))

    return app
