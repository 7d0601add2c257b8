"""Every error path of an HTTP service answers the one shape {"error": sentence, "code": code}."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from weaviate.exceptions import WeaviateQueryError

from facesearch import errors
from facesearch.api.backend import BackendDep
from facesearch.http import NOWHERE, install_error_handlers


@pytest.fixture
def client() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/raise/{name}")
    def raise_(name: str) -> None:
        raise getattr(errors, name)("A sentence.")

    @app.get("/crash")
    def crash() -> None:
        raise RuntimeError("secret detail")

    @app.get("/number")
    def number(n: int) -> int:
        return n

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [("BadRequest", 400, "bad_request"), ("NotFound", 404, "not_found"), ("Conflict", 409, "conflict"),
     ("TooLarge", 413, "too_large"), ("UnsupportedImage", 415, "unsupported_type"), ("BadImage", 422, "bad_image"),
     ("NoFace", 422, "no_face"), ("NotReady", 503, "not_ready"), ("Busy", 503, "busy"),
     ("Unauthorized", 401, "unauthorized"), ("Forbidden", 403, "forbidden"), ("BadForm", 400, "bad_form"),
     ("BadJson", 400, "bad_json"), ("BadHost", 400, "bad_host"), ("CorsRefused", 400, "cors_refused"),
     ("MethodNotAllowed", 405, "method_not_allowed"), ("Timeout", 408, "timeout")],
)
def test_our_errors(client: TestClient, name: str, status: int, code: str) -> None:
    response = client.get(f"/raise/{name}")
    assert (response.status_code, response.json()) == (status, {"error": "A sentence.", "code": code})


def test_framework_errors_have_the_same_shape(client: TestClient) -> None:
    assert client.get("/number", params={"n": "x"}).json()["code"] == "bad_request"
    assert client.get("/nowhere").json() == {"error": NOWHERE, "code": "not_found"}
    assert client.post("/number").json() == {"error": "This endpoint does not take POST requests.",
                                             "code": "method_not_allowed"}
    crash = client.get("/crash")
    assert crash.status_code == 500
    assert crash.json() == {"error": "Something went wrong on the server; see its log.", "code": "internal"}


def test_the_command_line_says_why_the_stack_did_not_start(monkeypatch, capsys) -> None:  # noqa: ANN001
    from facesearch.cli import main as cli
    from facesearch.local.stack import LocalStack, StackError

    def fail(self, log=print) -> None:  # noqa: ANN001
        raise StackError("weaviate exited while starting.\nport 8080 is in use")

    monkeypatch.setattr(LocalStack, "start", fail)
    assert cli.main(["stack", "start"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: weaviate exited while starting.") and "Traceback" not in err


def test_a_busy_vectorizer_behind_weaviate_is_a_503_busy_sentence_not_a_crash() -> None:
    """Weaviate passes on only the vectorizer's status; the API's backend dependency turns 503 into `busy`."""
    app = FastAPI()
    install_error_handlers(app)
    # The dependency reads the backend's connection (which client a request used) and Weaviate's address.
    app.state.backend = SimpleNamespace(
        connection=SimpleNamespace(generation=0), settings=SimpleNamespace(weaviate_url="http://127.0.0.1:8080")
    )

    @app.get("/search")
    def search(backend: BackendDep) -> None:
        raise WeaviateQueryError("vectorize params: fail with status 503", "GRPC search")

    response = TestClient(app, raise_server_exceptions=False).get("/search")
    assert response.status_code == 503
    assert response.json() == {"error": "The face vectorizer is busy; try again in a moment.", "code": "busy"}


def test_the_api_key_check_answers_in_the_one_shape(tmp_path) -> None:  # noqa: ANN001
    """401 (no key, unknown key), 403 (read-only key on a change) and an unreadable keys file (500)."""
    from facesearch.api import auth, keys
    from facesearch.settings import Settings

    settings = Settings(_env_file=None, state_dir=tmp_path)
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(auth.RequireKey, keys_file=settings.api_keys_file, read_key_required=False)
    app.delete("/api/people/{person}")(lambda person: None)
    client = TestClient(app, raise_server_exceptions=False)
    _, reader = keys.create(settings, "reader", "read")

    def answer(headers: dict[str, str]) -> tuple[int, dict]:
        response = client.delete("/api/people/x", headers=headers)
        return response.status_code, response.json()

    assert answer({}) == (401, {"error": auth.NO_KEY, "code": "unauthorized"})
    assert answer({"Authorization": "Bearer fs_0_x"}) == (401, {"error": auth.NOT_ACCEPTED, "code": "unauthorized"})
    assert answer({"Authorization": f"Bearer {reader}"}) == (403, {"error": auth.READ_ONLY, "code": "forbidden"})
    settings.api_keys_file.write_text("{not json")
    status, body = answer({"Authorization": f"Bearer {reader}"})
    assert (status, body["code"]) == (500, "bad_config") and "cannot be read" in body["error"]
