"""Which requests need which key (facesearch.api.auth), and CORS, on a small app with the API's guard."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from facesearch.api import auth, keys
from facesearch.api.app import create_app, guard
from facesearch.http import install_error_handlers
from facesearch.settings import Settings


@pytest.mark.parametrize(
    ("method", "path", "open_reads", "private_reads"),
    [
        ("GET", "/api/people", None, "read"),
        ("HEAD", "/api/photos/x", None, "read"),
        ("POST", "/api/search", None, "read"),
        ("POST", "/api/library/find", None, "read"),
        ("GET", "/api/health", None, None),
        ("GET", "/api/ready", None, None),
        ("GET", "/", None, None),
        ("GET", "/assets/index.js", None, None),
        ("POST", "/api/people", "write", "write"),
        ("POST", "/api/search/", "write", "write"),  # not the search: fail closed
        ("DELETE", "/api/people/x", "write", "write"),
        ("PUT", "/api/anything/new", "write", "write"),
        ("PATCH", "/api", "write", "write"),
    ],
)
def test_needed_right(method: str, path: str, open_reads: str | None, private_reads: str | None) -> None:
    assert auth.needed_right(method, path, read_key_required=False) == open_reads
    assert auth.needed_right(method, path, read_key_required=True) == private_reads


def test_the_open_paths_and_read_posts_are_the_apis_routes() -> None:
    """Renaming the search or health routes must not quietly move them behind (or out of) the key check."""
    routes = {(m.upper(), path) for path, methods in create_app().openapi()["paths"].items() for m in methods}
    assert {("GET", p) for p in auth.OPEN} <= routes
    assert {("POST", p) for p in auth.READ_POSTS} <= routes


def small_app(settings: Settings) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)
    guard(app, settings)
    app.get("/api/people")(lambda: {"people": []})
    app.delete("/api/people/{person}", status_code=204)(lambda person: None)
    return TestClient(app, raise_server_exceptions=False)


def settings_for(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, state_dir=tmp_path, **values)  # type: ignore[arg-type]


def test_a_revoked_key_is_refused_by_the_running_app(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    client = small_app(settings)
    record, key = keys.create(settings, "w")
    header = {"Authorization": f"Bearer {key}"}
    assert client.delete("/api/people/x", headers=header).status_code == 204
    keys.revoke(settings, record.id)
    refused = client.delete("/api/people/x", headers=header)
    assert refused.status_code == 401 and refused.json()["error"] == auth.NOT_ACCEPTED
    assert refused.headers["WWW-Authenticate"] == "Bearer"


def test_a_changed_file_with_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    """A revoke and a create in the same moment leave a file of the same size and time (and maybe inode)."""
    settings = settings_for(tmp_path)
    client = small_app(settings)
    _, old = keys.create(settings, "w")
    assert client.delete("/api/people/x", headers={"Authorization": f"Bearer {old}"}).status_code == 204
    before = settings.api_keys_file.stat()
    settings.api_keys_file.unlink()
    _, new = keys.create(settings, "w")  # same length, same name: the same size
    os.utime(settings.api_keys_file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert client.delete("/api/people/x", headers={"Authorization": f"Bearer {new}"}).status_code == 204
    assert client.delete("/api/people/x", headers={"Authorization": f"Bearer {old}"}).status_code == 401


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer    ", "bearer fs_0_x", "fs_0_x"])
def test_odd_authorization_headers_are_refused_with_401(tmp_path: Path, header: str) -> None:
    response = small_app(settings_for(tmp_path)).delete("/api/people/x", headers={"Authorization": header})
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"


def test_cors_is_closed_by_default(tmp_path: Path) -> None:
    client = small_app(settings_for(tmp_path))
    origin = {"Origin": "http://elsewhere:1"}
    assert "access-control-allow-origin" not in client.get("/api/people", headers=origin).headers
    preflight = client.options(
        "/api/people/x", headers={**origin, "Access-Control-Request-Method": "DELETE"}
    )
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


def test_cors_opens_to_exactly_the_configured_origins(tmp_path: Path) -> None:
    client = small_app(settings_for(tmp_path, cors_origins=["http://x:1"]))
    preflight = {"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"}
    allowed = client.options("/api/people/x", headers={"Origin": "http://x:1", **preflight})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == "http://x:1"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    refused = client.options("/api/people/x", headers={"Origin": "http://x:2", **preflight})
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    no_key = client.delete("/api/people/x", headers={"Origin": "http://x:1"})  # the page can read the 401
    assert no_key.status_code == 401 and no_key.headers["access-control-allow-origin"] == "http://x:1"
    assert "access-control-allow-origin" not in client.get("/api/people", headers={"Origin": "http://x:2"}).headers
