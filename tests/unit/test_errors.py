"""Every error path of an HTTP service answers the one shape {"error": sentence, "code": code}."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facesearch import errors
from facesearch.http import install_error_handlers


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
     ("NoFace", 422, "no_face"), ("NotReady", 503, "not_ready")],
)
def test_our_errors(client: TestClient, name: str, status: int, code: str) -> None:
    response = client.get(f"/raise/{name}")
    assert (response.status_code, response.json()) == (status, {"error": "A sentence.", "code": code})


def test_framework_errors_have_the_same_shape(client: TestClient) -> None:
    assert client.get("/number", params={"n": "x"}).json()["code"] == "bad_request"
    assert client.get("/nowhere").json() == {"error": "Not Found", "code": "not_found"}
    crash = client.get("/crash")
    assert crash.status_code == 500
    assert crash.json() == {"error": "Something went wrong on the server; see its log.", "code": "internal"}


def test_the_command_line_says_why_the_stack_did_not_start(monkeypatch, capsys) -> None:  # noqa: ANN001
    from facesearch import cli
    from facesearch.stack import LocalStack, StackError

    def fail(self, log=print) -> None:  # noqa: ANN001
        raise StackError("weaviate exited while starting.\nport 8080 is in use")

    monkeypatch.setattr(LocalStack, "start", fail)
    assert cli.main(["stack", "start"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: weaviate exited while starting.") and "Traceback" not in err
