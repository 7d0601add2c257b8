"""The face vectorizer against the requests Weaviate's img2vec-neural module sends (v1.35.2:
modules/img2vec-neural/clients/vectorizer.go): POST /vectors with a JSON body and no Content-Type,
`{"id": ..., "image": <base64>}`; a status above 399 is a failure; readiness polled at /.well-known/ready.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from facesearch.face import FaceModels, encode_jpeg, largest, load_image
from facesearch.settings import Settings
from facesearch.vectorizer.app import create_app
from tests.conftest import LOOK_FOR


EMBEDDERS = {"fusion": 384, "mobileface_v2": 256, "dlib_resnet": 128}


@pytest.fixture(scope="module", params=sorted(EMBEDDERS))
def client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    settings = Settings(_env_file=None, detector="yunet", embedder=request.param)
    with TestClient(create_app(settings)) as c:  # runs the lifespan: loads the real models
        c.dim = EMBEDDERS[request.param]  # type: ignore[attr-defined]
        yield c


def weaviate_post(client: TestClient, body: dict[str, str]) -> tuple[int, dict]:
    """POST exactly as Weaviate does: raw JSON bytes, no Content-Type header."""
    response = client.post("/vectors", content=json.dumps(body).encode(), headers={"content-type": ""})
    return response.status_code, response.json()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_live_and_ready(client: TestClient) -> None:
    assert client.get("/.well-known/live").status_code == 204
    assert client.get("/.well-known/ready").status_code == 204


def test_vector_of_a_face(client: TestClient) -> None:
    status, body = weaviate_post(client, {"id": "abc_0", "image": b64((LOOK_FOR / "Ted_Lieu.jpg").read_bytes())})
    assert status == 200, body
    assert body["id"] == "abc_0"
    assert body["dim"] == len(body["vector"]) == client.dim
    assert np.linalg.norm(body["vector"]) == pytest.approx(1.0, abs=1e-5)


def test_same_person_is_closer_than_another(client: TestClient) -> None:
    def vec(name: str) -> np.ndarray:
        path = LOOK_FOR.parent / "images" / name / "1.jpg"
        return np.array(weaviate_post(client, {"id": name, "image": b64(path.read_bytes())})[1]["vector"])

    query = np.array(weaviate_post(client, {"id": "q", "image": b64((LOOK_FOR / "Ted_Lieu.jpg").read_bytes())})[1]["vector"])
    assert query @ vec("Ted_Lieu") > query @ vec("Norma_Torres") + 0.05


def test_png_and_webp_are_accepted(client: TestClient) -> None:
    face = Image.open(LOOK_FOR / "Seth_Moulton.jpg")
    for fmt in ("PNG", "WEBP"):
        out = io.BytesIO()
        face.save(out, fmt)
        assert weaviate_post(client, {"id": fmt, "image": b64(out.getvalue())})[0] == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"id": "x", "image": "not base64!"}, 400, "bad_request"),
        ({"id": "x"}, 400, "bad_request"),
        ({"id": "x", "image": b64(b"plain text, not an image")}, 415, "unsupported_type"),
    ],
)
def test_bad_requests_answer_the_error_shape(client: TestClient, body: dict, status: int, code: str) -> None:
    got_status, got = weaviate_post(client, body)
    assert (got_status, got["code"]) == (status, code)
    assert isinstance(got["error"], str) and got["error"].endswith(".")


def test_image_without_a_face_is_422_with_a_sentence(client: TestClient) -> None:
    out = io.BytesIO()
    Image.fromarray(np.full((256, 256, 3), 128, np.uint8)).save(out, "JPEG")
    status, body = weaviate_post(client, {"id": "x", "image": b64(out.getvalue())})
    assert status == 422
    assert body == {"error": "No face was found in this photo.", "code": "no_face"}


def test_body_that_is_not_json(client: TestClient) -> None:
    response = client.post("/vectors", content=b"{oops", headers={"content-type": ""})
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_meta_names_the_vector_space(client: TestClient) -> None:
    meta = client.get("/meta").json()
    assert meta["dim"] == client.dim and meta["mirror"] is True
    assert meta["model"].startswith("yunet/") and meta["model"].endswith("/mirror")


def test_a_canonical_crop_carries_the_api_s_detection(client: TestClient) -> None:
    """The API sends canonical crops: the vectorizer checks them with one small detection instead of a
    search, and embeds the face as the API's detection on the whole photo placed it."""
    models: FaceModels = client.app.state.models
    image = load_image((LOOK_FOR / "Elise_Stefanik.jpg").read_bytes())
    face = largest(models.detect(image))
    crop = encode_jpeg(models.crop(image, face))
    assert models.canonical_face(load_image(crop)) is not None
    cropped = np.array(weaviate_post(client, {"id": "c", "image": b64(crop)})[1]["vector"])
    assert models.embed(image, [face])[0] @ cropped > 0.99
