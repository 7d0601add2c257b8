"""The face vectorizer's POST /vectors (what Weaviate's img2vec-neural module calls), against thousands of
generated bodies: never a 500, one error shape, an answer within answers.TIMEOUT_S, the refusal each kind
of body must get, and for a 200 a unit vector of the model's dimension under the id sent."""

from __future__ import annotations

import base64
import json
import math

import httpx
import pytest
from hypothesis import given, settings

from facesearch.settings import Settings
from tests.conftest import Stack
from tests.fuzz import inputs
from tests.fuzz.answers import check_photo_answer, send
from tests.fuzz.inputs import Body, Photo

pytestmark = pytest.mark.integration

MAX_BODY = Settings(_env_file=None).vectorizer_max_body_mb * 1024 * 1024
"""The stack's vectorizer's body limit (its settings are the defaults and the environment, like these)."""
VECTORS = "POST /vectors"


def check_vector(response: httpx.Response, body: Body) -> None:
    if check_photo_answer(response, body.expect) is None:
        answer = response.json()
        assert set(answer) == {"id", "vector", "dim"} and answer["id"] == json.loads(body.content)["id"], body
        vector = answer["vector"]
        assert answer["dim"] == len(vector) > 0 and all(math.isfinite(x) for x in vector), body
        assert math.isclose(math.hypot(*vector), 1.0, abs_tol=1e-4), body


def carrying(photo: Photo) -> Body:
    """Weaviate's body for a photo."""
    content = json.dumps({"id": "x", "image": base64.b64encode(photo.data).decode()}).encode()
    return Body(f"base64 of {photo.kind}", content, photo.label, photo.expect)


@pytest.fixture(scope="module", autouse=True)
def same_limit(stack: Stack) -> None:
    assert stack.settings.vectorizer_max_body_mb * 1024 * 1024 == MAX_BODY


@settings(max_examples=900)
@given(body=inputs.vector_bodies(MAX_BODY))
@inputs.with_examples(body=[carrying(p) for p in inputs.every_format_and_mode() + inputs.found_bugs()])
def test_the_vectorizer_answers_any_body(vectorizer: httpx.Client, body: Body) -> None:
    # as Weaviate sends it: no Content-Type
    check_vector(send(vectorizer, VECTORS, body.kind, content=body.content, headers={"content-type": ""}), body)
