"""HTTP layer of the face vectorizer (see the package docstring for the API)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from starlette.concurrency import run_in_threadpool
from pydantic import BaseModel, ValidationError

from facesearch.errors import BadRequest, NoFace
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


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.models = FaceModels.load(app.state.settings)
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
        """The identity vector of the largest face in the image."""
        body = parse_request(await request.body())
        state = request.app.state
        vector = await run_in_threadpool(face_vector, state.models, decode_base64(body.image))
        return VectorResponse(id=body.id, vector=vector, dim=len(vector))

    return app
