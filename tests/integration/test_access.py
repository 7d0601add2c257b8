"""Who may use the real API: every change needs a key with write rights, reads are open unless configured,
revoking a key takes effect without a restart, CORS is closed unless configured, and the keys file keeps
no key. Requests here go without the stack's key unless a test sends one."""

from __future__ import annotations

import http.client
import os
import shutil
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from facesearch.api import auth, keys
from facesearch.api.app import create_app
from facesearch.local.stack import settings_env
from facesearch.settings import Settings
from facesearch.testing import free_port
from tests.conftest import IMAGES, LOOK_FOR, Stack, bearer
from tests.integration.test_library_api import index

ROOT = LOOK_FOR.parent
ORIGIN = "http://x:1"
TED = ("ted.jpg", (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes(), "image/jpeg")


@pytest.fixture(scope="module")
def folder(stack: Stack) -> Iterator[str]:
    """library/access/ under the stack's library root with one photo, indexed (so forgetting it changes something)."""
    path = stack.settings.library_root / "access"
    path.mkdir(parents=True)
    shutil.copy(IMAGES / "Ted_Lieu" / "1.jpg", path / "ted.jpg")
    try:
        assert index(stack.api, "access")["state"] == "done"
        yield "access"
    finally:
        stack.api.delete("/api/library/folders/access")
        shutil.rmtree(path)


def a_photo_of(stack: Stack, person: str) -> str:
    people = stack.api.get("/api/people").json()["people"]
    return next(p for p in people if p["id"] == person)["photos"][0]["id"]


def writes(stack: Stack, folder: str) -> dict[tuple[str, str], tuple[str, dict]]:
    """Every change the API offers (method and route, as in its OpenAPI paths) -> a request that would make it."""
    return {
        ("POST", "/api/people"): ("/api/people", {"data": {"name": "Key Less"}, "files": [("photos", TED)]}),
        ("POST", "/api/people/{person_id}/photos"): ("/api/people/Ted_Lieu/photos", {"files": [("photos", TED)]}),
        ("DELETE", "/api/people/{person_id}/photos/{photo_id}"): (
            f"/api/people/Ted_Lieu/photos/{a_photo_of(stack, 'Ted_Lieu')}", {}),
        ("DELETE", "/api/people/{person_id}"): ("/api/people/Ted_Lieu", {}),
        ("POST", "/api/library/index"): ("/api/library/index", {"json": {"folder": folder}}),
        ("DELETE", "/api/library/folders/{folder}"): (f"/api/library/folders/{folder}", {}),
        ("POST", "/api/library/changes"): ("/api/library/changes", {"json": {"folders": [folder]}}),
        ("POST", "/api/library/groups/regroup"): ("/api/library/groups/regroup", {}),
        ("POST", "/api/library/groups/merge"): ("/api/library/groups/merge", {"json": {"into": GROUP, "from": [OTHER]}}),
        ("POST", "/api/library/groups/suggestions/dismiss"): (
            "/api/library/groups/suggestions/dismiss", {"json": {"a": GROUP, "b": OTHER}}),
        ("POST", "/api/library/groups/{group_id}/name"): (f"/api/library/groups/{GROUP}/name", {"json": {"name": "X"}}),
        ("POST", "/api/library/groups/{group_id}/remove"): (
            f"/api/library/groups/{GROUP}/remove", {"json": {"faces": [OTHER]}}),
        ("POST", "/api/library/groups/{group_id}/move"): (
            f"/api/library/groups/{GROUP}/move", {"json": {"faces": [OTHER], "to": OTHER}}),
        ("POST", "/api/library/groups/{group_id}/hide"): (f"/api/library/groups/{GROUP}/hide", {"json": {"hidden": True}}),
    }


GROUP, OTHER = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
"""Group and face ids in requests that are refused before anything is looked up."""


def state(stack: Stack) -> tuple:
    """What a change would change: the people and their photos, the people folders' files, the library's folders."""
    files = sorted(str(p.relative_to(stack.settings.images_dir)) for p in stack.settings.images_dir.rglob("*"))
    library = stack.api.get("/api/library").json()["folders"]
    return stack.api.get("/api/people").json(), files, library


def send(client: httpx.Client, method: str, url: str, request: dict) -> httpx.Response:
    return client.request(method, url, **request)


@pytest.fixture(scope="module")
def anonymous(stack: Stack) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.settings.api_url, timeout=120) as client:
        yield client


def test_every_change_the_api_offers_is_tested_here(stack: Stack, folder: str) -> None:
    offered = {
        (m.upper(), path) for path, methods in create_app().openapi()["paths"].items() for m in methods
        if m.upper() not in ("GET", "HEAD") and path not in auth.READ_POSTS
    }
    assert offered == set(writes(stack, folder))


def test_every_change_without_a_key_is_401_and_changes_nothing(stack: Stack, folder: str, anonymous: httpx.Client
                                                                ) -> None:
    before = state(stack)
    for (method, _), (url, request) in writes(stack, folder).items():
        response = send(anonymous, method, url, request)
        assert response.status_code == 401, f"{method} {url}: {response.status_code} {response.text}"
        assert response.json() == {"error": auth.NO_KEY, "code": "unauthorized"}
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert state(stack) == before


@pytest.mark.parametrize("key", ["fs_00000000_" + "A" * 43, "not-a-key", "fs_x"])
def test_an_unknown_key_is_401_and_changes_nothing(stack: Stack, folder: str, anonymous: httpx.Client, key: str
                                                    ) -> None:
    before = state(stack)
    for (method, _), (url, request) in writes(stack, folder).items():
        response = send(anonymous, method, url, {**request, "headers": bearer(key)})
        assert (response.status_code, response.json()) == (401, {"error": auth.NOT_ACCEPTED, "code": "unauthorized"})
    assert state(stack) == before


@pytest.mark.parametrize(
    "path", ["/x/../api/people/Ted_Lieu", "//api/people/Ted_Lieu", "/api//people/Ted_Lieu", "/api/people/Ted_Lieu/",
             "/API/people/Ted_Lieu", "/api/people/./Ted_Lieu", "/api/people/%54ed_Lieu"],
)
def test_an_odd_spelling_of_a_change_changes_nothing_without_a_key(stack: Stack, path: str) -> None:
    """The path as sent (not normalised by a client) reaches the key check or no route at all."""
    before = state(stack)
    conn = http.client.HTTPConnection(stack.settings.api_host, stack.settings.api_port, timeout=60)
    try:
        conn.request("DELETE", path)
        status = conn.getresponse().status
    finally:
        conn.close()
    assert status in (401, 404, 405), f"{path}: {status}"
    assert state(stack) == before


def test_a_read_only_key_reads_but_changes_nothing(stack: Stack, folder: str, anonymous: httpx.Client) -> None:
    record, key = keys.create(stack.settings, "reader", "read")
    try:
        before = state(stack)
        for (method, _), (url, request) in writes(stack, folder).items():
            response = send(anonymous, method, url, {**request, "headers": bearer(key)})
            assert (response.status_code, response.json()) == (403, {"error": auth.READ_ONLY, "code": "forbidden"})
        assert state(stack) == before
        assert anonymous.get("/api/people", headers=bearer(key)).status_code == 200
    finally:
        keys.revoke(stack.settings, record.id)


def test_a_revoked_key_is_refused_without_restarting_the_api(stack: Stack, anonymous: httpx.Client) -> None:
    api_pid = stack.local.pid("api")
    record, key = keys.create(stack.settings, "short-lived")
    try:
        # Passes the key check and reaches the route: there is no such person.
        assert anonymous.delete("/api/people/Nobody_At_All", headers=bearer(key)).json()["code"] == "not_found"
    finally:
        keys.revoke(stack.settings, record.id)
    refused = anonymous.delete("/api/people/Nobody_At_All", headers=bearer(key))
    assert (refused.status_code, refused.json()["error"]) == (401, auth.NOT_ACCEPTED)
    assert stack.local.pid("api") == api_pid


def reads(stack: Stack) -> list[tuple[str, str, dict]]:
    """One request of every read: searches, lists, photos, status, config."""
    photo = a_photo_of(stack, "Ted_Lieu")
    ted = {"files": {"photo": TED}}
    return [
        ("GET", "/api/config", {}), ("GET", "/api/people", {}), ("GET", f"/api/photos/{photo}", {}),
        ("POST", "/api/search", ted), ("GET", "/api/library", {}), ("POST", "/api/library/find", ted),
        ("GET", "/api/library/find?person=Ted_Lieu", {}),
    ]


def test_reads_are_open_by_default(stack: Stack, anonymous: httpx.Client) -> None:
    for method, url, request in [*reads(stack), ("GET", "/api/health", {}), ("GET", "/api/ready", {})]:
        response = send(anonymous, method, url, request)
        assert response.status_code == 200, f"{method} {url}: {response.status_code} {response.text}"


def test_the_keys_file_is_private_and_holds_no_key(stack: Stack) -> None:
    path = stack.settings.api_keys_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert stack.key not in text and stack.key.split("_", 2)[2] not in text
    assert keys.verify(keys.load(path), stack.key) is not None


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [sys.executable, "-m", "facesearch", "keys", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_keys_from_the_command_line(stack: Stack, anonymous: httpx.Client) -> None:
    made = cli(stack.settings, "create", "--name", "cli-test")
    assert made.returncode == 0, made.stderr
    key, sentence = made.stdout.splitlines()
    assert "shown only now" in sentence
    try:
        listed = cli(stack.settings, "list").stdout
        [row] = [line for line in listed.splitlines() if line.endswith("cli-test")]
        assert row.split()[:2] == [key.split("_")[1], "write"]
        stored = next(k for k in keys.load(stack.settings.api_keys_file) if k.name == "cli-test")
        assert key.split("_", 2)[2] not in listed and stored.sha256 not in listed
        assert anonymous.delete("/api/people/Nobody_At_All", headers=bearer(key)).status_code == 404
    finally:
        revoked = cli(stack.settings, "revoke", "cli-test")
    assert revoked.returncode == 0 and "Revoked API key" in revoked.stdout, revoked.stderr
    assert anonymous.delete("/api/people/Nobody_At_All", headers=bearer(key)).status_code == 401
    again = cli(stack.settings, "revoke", "cli-test")
    assert again.returncode == 1
    assert again.stderr == (
        "error: No API key has the id or name 'cli-test'; `python -m facesearch keys list` shows them.\n"
    )


def wait_healthy(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the second API exited:\n{log.read_text()[-4000:]}")
        try:
            if httpx.get(f"{url}/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"the second API did not answer within {timeout_s} s:\n{log.read_text()[-4000:]}")


@contextmanager
def second_api(stack: Stack, log_dir: Path, **overrides: object) -> Iterator[Settings]:
    """Another API process on the stack's Weaviate and vectorizer, on a free port, with these settings changed."""
    settings = stack.settings.model_copy(update={"api_port": free_port(), **overrides})
    log = log_dir / "api.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "facesearch.api.app:create_app", "--no-access-log",
               "--host", settings.api_host, "--port", str(settings.api_port)]
    with log.open("w") as out:
        env = {**os.environ, **settings_env(settings)}
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_healthy(settings.api_url, process, log)
        yield settings
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def private_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A second API with FACESEARCH_API_READ_KEY_REQUIRED=true and CORS open to ORIGIN."""
    logs = tmp_path_factory.mktemp("private-api")
    with second_api(stack, logs, api_read_key_required=True, cors_origins=[ORIGIN]) as settings:
        with httpx.Client(base_url=settings.api_url, timeout=120) as client:
            yield client


def test_with_read_keys_required_every_read_needs_a_key(stack: Stack, private_api: httpx.Client) -> None:
    record, reader = keys.create(stack.settings, "private-reader", "read")
    try:
        for method, url, request in reads(stack):
            refused = send(private_api, method, url, request)
            assert (refused.status_code, refused.json()) == (401, {"error": auth.NO_KEY, "code": "unauthorized"}), url
            for key in (reader, stack.key):
                answered = send(private_api, method, url, {**request, "headers": bearer(key)})
                assert answered.status_code == 200, f"{method} {url}: {answered.status_code} {answered.text}"
        assert private_api.get("/api/health").status_code == 200 and private_api.get("/api/ready").status_code == 200
        forbidden = private_api.delete("/api/people/Nobody_At_All", headers=bearer(reader))
        assert forbidden.status_code == 403
    finally:
        keys.revoke(stack.settings, record.id)


def test_cors_is_closed_by_default(anonymous: httpx.Client) -> None:
    simple = anonymous.get("/api/people", headers={"Origin": ORIGIN})
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers
    preflight = anonymous.options(
        "/api/people/x", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
    )
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


def test_cors_opens_to_exactly_the_configured_origins(private_api: httpx.Client) -> None:
    ask = {"Access-Control-Request-Method": "DELETE", "Access-Control-Request-Headers": "authorization"}
    allowed = private_api.options("/api/people/x", headers={"Origin": ORIGIN, **ask})
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == ORIGIN
    other = private_api.options("/api/people/x", headers={"Origin": "http://x:2", **ask})
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    refused = private_api.get("/api/people", headers={"Origin": ORIGIN})  # a page there can read the 401's sentence
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == ORIGIN
