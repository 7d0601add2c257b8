"""What an outside probe found at the HTTP level (issue 17), each reproduced against the real API: any Host header
was answered (DNS rebinding), a request's body had no size limit, a body that trickled in was waited for for
ever, and the framework's own refusals left the one error shape. Where a client would mend the request (the Host
header, a body that never ends), it goes as raw bytes over a socket."""

from __future__ import annotations

import http.client
import json
import re
import select
import socket
from collections.abc import Iterator

import httpx
import pytest

from facesearch.api.bodies import SLOW, BodyLimits
from facesearch.api.hosts import FOREIGN
from facesearch.settings import ROOT, Settings
from tests.conftest import IMAGES, Stack, bearer
from tests.integration.test_access import second_api

pytestmark = pytest.mark.integration

BOUND_S = 60.0
"""Seconds within which the API must answer: a bound for a test that would otherwise hang, not a speed target."""
TED = (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes()
MB = 1024 * 1024
BOUNDARY = "probe-boundary"
FORM = f"multipart/form-data; boundary={BOUNDARY}"


def head(method: str, path: str, host: str | None, headers: dict[str, str] | None = None) -> bytes:
    """A request's head as sent on the wire; `host` None sends no Host header at all."""
    lines = [f"{method} {path} HTTP/1.1", *([] if host is None else [f"Host: {host}"])]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer_of(sock: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of the answer waiting on `sock` (the error shape, or any JSON)."""
    response = http.client.HTTPResponse(sock)
    response.begin()
    body = response.read()
    return response.status, (json.loads(body) if body.startswith(b"{") else {"raw": body[:200].decode("latin-1")})


def exchange(settings: Settings, request: bytes) -> tuple[int, dict]:
    """Send raw bytes to the API, read its answer; fails when none comes within BOUND_S."""
    with socket.create_connection((settings.api_host, settings.api_port), timeout=BOUND_S) as sock:
        sock.sendall(request)
        try:
            return answer_of(sock)
        except TimeoutError:
            pytest.fail(f"no answer within {BOUND_S:.0f} s to {request[:120]!r}")


def part(name: str, data: bytes, filename: str | None = None) -> bytes:
    disposition = f'form-data; name="{name}"' + ("" if filename is None else f'; filename="{filename}"')
    return f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n\r\n".encode() + data + b"\r\n"


def form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def a_sentence(error: str) -> bool:
    """A sentence a person can read: capitalised, ended, one line, and no Python in it."""
    python = ("<class", "Value error", "Traceback", "UploadFile", "{'", "JSON decode error")
    return error[:1].isupper() and error.endswith(".") and "\n" not in error and not any(p in error for p in python)


def people_and_files(stack: Stack) -> tuple[object, list[str]]:
    images = stack.settings.images_dir
    people = stack.api.get("/api/people").json()
    return people, sorted(str(p.relative_to(images)) for p in images.rglob("*"))


# 2. Any Host header was accepted: a page whose own name resolves to 127.0.0.1 (DNS rebinding) could read.

FOREIGN_HOSTS = ["evil.example", "evil.example:8000", "localhost.evil.example", "127.0.0.1.nip.io:8000",
                 "LOCALHOST.evil.example", "[::2]:8000", "localhost:x", "localhost:8000:1", "", None]


@pytest.fixture(scope="module")
def reads(stack: Stack) -> list[str]:
    """What a page could read: the people, a face crop, health, readiness, the page itself."""
    person = next(p for p in stack.api.get("/api/people").json()["people"] if p["id"] == "Ted_Lieu")
    return ["/api/people", person["photos"][0]["photo_url"], "/api/health", "/api/ready", "/"]


@pytest.mark.parametrize("host", FOREIGN_HOSTS)
def test_a_name_the_api_is_not_served_as_is_refused(stack: Stack, reads: list[str], host: str | None) -> None:
    for path in reads:
        answer = exchange(stack.settings, head("GET", path, host))
        assert answer == (400, {"error": FOREIGN, "code": "bad_host"}), f"Host {host!r}, {path}: {answer}"


@pytest.mark.parametrize("host", ["localhost", "localhost:{port}", "LocalHost:{port}", "127.0.0.1", "127.0.0.1:{port}",
                                  "[::1]:{port}", "localhost:1"])
def test_the_names_the_api_is_served_as_are_answered_with_any_port(stack: Stack, reads: list[str], host: str) -> None:
    for path in reads:
        status, _ = exchange(stack.settings, head("GET", path, host.format(port=stack.settings.api_port)))
        assert status == 200, f"Host {host!r}, {path}: {status}"


@pytest.fixture(scope="module")
def short_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """A second API on the stack's Weaviate: one more allowed name, bodies waited for 2 s, 3 photos a request, CORS
    open to one origin."""
    with second_api(stack, tmp_path_factory.mktemp("probe-api"), allowed_hosts=["photos.example"], body_timeout_s=2.0,
                    max_files=3, cors_origins=["http://x:1"]) as settings:
        yield settings


def test_allowed_hosts_adds_names(short_api: Settings) -> None:
    assert exchange(short_api, head("GET", "/api/health", "photos.example:8080"))[0] == 200
    assert exchange(short_api, head("GET", "/api/health", "Photos.Example"))[0] == 200
    assert exchange(short_api, head("GET", "/api/health", "other.example"))[1]["code"] == "bad_host"


# 3. No limit on a whole request: 60 files of 1.5 MB (90 MB) to the open search were read and answered.

def test_the_probes_90_mb_search_is_refused(stack: Stack) -> None:
    files = [("photo", (f"{i}.jpg", b"\xff" * (3 * MB // 2), "image/jpeg")) for i in range(60)]
    response = stack.api.post("/api/search", files=files)
    assert response.status_code == 413 and response.json()["code"] == "too_large", response.text
    assert a_sentence(response.json()["error"]), response.json()


@pytest.mark.parametrize(("path", "length"), [
    ("/api/search", 90 * MB), ("/api/library/find", 90 * MB), ("/api/people", 1024 * MB),
    ("/api/people/Ted_Lieu/photos", 1024 * MB), ("/api/library/index", MB),
])
def test_a_body_over_the_routes_cap_is_refused_before_it_is_read(stack: Stack, path: str, length: int) -> None:
    """Only the head and a few bytes go: the answer comes from Content-Length alone."""
    headers = {"Content-Type": FORM, "Content-Length": str(length), **bearer(stack.key)}
    status, body = exchange(stack.settings, head("POST", path, "localhost", headers) + b"--" + BOUNDARY.encode())
    assert (status, body.get("code")) == (413, "too_large"), body
    assert a_sentence(body["error"]), body


def test_a_body_without_a_length_is_counted_as_it_arrives(stack: Stack) -> None:
    """Chunked: nothing announces the size, so the count while reading refuses it."""
    cap = BodyLimits.of(stack.settings).photo

    def chunks() -> Iterator[bytes]:
        yield part("photo", b"", "big.jpg")[:-2]
        for _ in range(cap // MB + 2):
            yield b"\xff" * MB

    response = stack.api.post("/api/search", content=chunks(), headers={"Content-Type": FORM})
    assert response.status_code == 413 and response.json()["code"] == "too_large", response.text


def test_a_request_carries_at_most_max_files_photos(stack: Stack) -> None:
    n = stack.settings.max_files + 1
    before = people_and_files(stack)
    try:
        files = [("photos", (f"{i}.jpg", TED, "image/jpeg")) for i in range(n)]
        response = stack.api.post("/api/people", data={"name": "Too Many Photos"}, files=files)
        assert response.status_code == 413 and response.json()["code"] == "too_large", response.text
        assert str(stack.settings.max_files) in response.json()["error"] and a_sentence(response.json()["error"])
    finally:
        stack.api.delete("/api/people/Too_Many_Photos")
    assert people_and_files(stack) == before


def test_max_files_photos_are_taken(stack: Stack, short_api: Settings) -> None:
    with httpx.Client(base_url=short_api.api_url, timeout=BOUND_S * 2, headers=bearer(stack.key)) as api:
        files = [("photos", (f"{i}.jpg", TED, "image/jpeg")) for i in range(3)]
        try:
            response = api.post("/api/people", data={"name": "Three Photos"}, files=files)
            assert response.status_code == 201, response.text
            refused = api.post("/api/people", data={"name": "Four Photos"}, files=[*files, files[0]])
            assert refused.status_code == 413 and "3" in refused.json()["error"], refused.text
        finally:
            api.delete("/api/people/Three_Photos")
            api.delete("/api/people/Four_Photos")


# 5. A slow upload (a byte every 5 s) was never cut off.

def trickle(settings: Settings, path: str, length: int, every_s: float) -> tuple[int, dict]:
    """Send a head with this Content-Length and the start of a file part, then a byte of the file every `every_s`
    seconds (never all of them) until the API answers; fails when it has not within BOUND_S."""
    with socket.create_connection((settings.api_host, settings.api_port), timeout=BOUND_S) as sock:
        sock.sendall(head("POST", path, "localhost", {"Content-Type": FORM, "Content-Length": str(length)}))
        sock.sendall(part("photo", b"", "slow.jpg")[:-2])  # a well-formed start: only the time is wrong
        for _ in range(int(BOUND_S / every_s)):
            readable, _, _ = select.select([sock], [], [], every_s)
            if readable:
                return answer_of(sock)
            sock.send(b"-")
    pytest.fail(f"the API still waited for the body after {BOUND_S:.0f} s")


def test_a_body_that_trickles_in_is_cut_off(short_api: Settings) -> None:
    """A byte every half second: more often than the 2 s the body may pause, far slower than the rate it must keep."""
    assert trickle(short_api, "/api/search", 10_000, 0.5) == (408, {"error": SLOW, "code": "timeout"})


def test_a_body_that_stops_is_cut_off(short_api: Settings) -> None:
    with socket.create_connection((short_api.api_host, short_api.api_port), timeout=BOUND_S) as sock:
        sock.sendall(head("POST", "/api/library/find", "localhost", {"Content-Type": FORM, "Content-Length": "5000"}))
        sock.sendall(part("photo", b"\xff" * 100, "a.jpg"))
        assert answer_of(sock) == (408, {"error": SLOW, "code": "timeout"})


def test_a_body_that_arrives_is_read_on_the_short_timeout_api(stack: Stack, short_api: Settings) -> None:
    with httpx.Client(base_url=short_api.api_url, timeout=BOUND_S) as api:
        response = api.post("/api/search", files={"photo": ("ted.jpg", TED, "image/jpeg")})
        assert response.status_code == 200 and response.json()["faces"][0]["match"]["person_id"] == "Ted_Lieu"


# 8. The one error shape everywhere, with a code that says what went wrong and a sentence with no Python in it.

MANY_FIELDS = form(*[part(f"field{i}", b"x") for i in range(200)], part("photo", TED, "ted.jpg"))
REFUSALS = [
    ("no boundary", "POST", "/api/search", {"content": form(part("photo", TED, "a.jpg")),
                                            "headers": {"Content-Type": "multipart/form-data"}}, 400, "bad_form"),
    ("a part without a name", "POST", "/api/search", {
        "content": f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n--{BOUNDARY}--\r\n".encode(),
        "headers": {"Content-Type": FORM}}, 400, "bad_form"),
    ("not multipart at all", "POST", "/api/search", {"content": b"\x00\xff" * 64, "headers": {"Content-Type": FORM}},
     400, "bad_form"),
    ("too many fields", "POST", "/api/search", {"content": MANY_FIELDS, "headers": {"Content-Type": FORM}},
     413, "too_large"),
    ("a text field over 1 MB", "POST", "/api/search", {
        "content": form(part("note", b"x" * (MB + 1)), part("photo", TED, "a.jpg")), "headers": {"Content-Type": FORM}},
     413, "too_large"),
    ("text instead of a file", "POST", "/api/search", {"content": form(part("photo", b"hello")),
                                                       "headers": {"Content-Type": FORM}}, 400, "bad_request"),
    ("a form-urlencoded body", "POST", "/api/search", {"content": b"photo=hello", "headers": {
        "Content-Type": "application/x-www-form-urlencoded"}}, 400, "bad_request"),
    ("text instead of photos", "POST", "/api/people", {"content": form(part("name", b"X"), part("photos", b"hi")),
                                                       "headers": {"Content-Type": FORM}}, 400, "bad_request"),
    ("malformed JSON", "POST", "/api/library/index", {"content": b'{"folder": ', "headers": {
        "Content-Type": "application/json"}}, 400, "bad_json"),
    ("JSON of the wrong type", "POST", "/api/library/index", {"json": {"folder": 3}}, 400, "bad_request"),
    ("a JSON list", "POST", "/api/library/index", {"json": []}, 400, "bad_request"),
    ("no body", "POST", "/api/library/index", {}, 400, "bad_request"),
    ("a word for a number", "POST", "/api/search?limit=abc", {"files": {"photo": ("a.jpg", TED)}}, 400, "bad_request"),
    ("a number out of range", "GET", "/api/library/photos/x/image?size=1", {}, 400, "bad_request"),
    ("a missing parameter", "GET", "/api/library/find", {}, 400, "bad_request"),
    ("no such route", "GET", "/api/nothing-here", {}, 404, "not_found"),
    ("no such file of the page", "GET", "/nothing-here.js", {}, 404, "not_found"),
    ("a method the route does not take", "PUT", "/api/search", {}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("what", "method", "path", "request_", "status", "code"), REFUSALS,
                         ids=[r[0] for r in REFUSALS])
def test_every_refusal_has_its_own_code_and_a_sentence(
    stack: Stack, what: str, method: str, path: str, request_: dict, status: int, code: str
) -> None:
    before = people_and_files(stack)
    response = stack.api.request(method, path, **request_)
    body = response.json()
    assert (response.status_code, set(body), body["code"]) == (status, {"error", "code"}, code), body
    assert a_sentence(body["error"]), body
    assert people_and_files(stack) == before


def test_a_refused_cors_preflight_is_in_the_one_shape(short_api: Settings) -> None:
    ask = {"Origin": "http://x:2", "Access-Control-Request-Method": "DELETE"}
    refused = httpx.options(f"{short_api.api_url}/api/people/x", headers=ask, timeout=BOUND_S)
    assert (refused.status_code, refused.json()["code"]) == (400, "cors_refused"), refused.text
    assert a_sentence(refused.json()["error"]) and "access-control-allow-origin" not in refused.headers


def test_limit_takes_what_docs_api_md_says(stack: Stack) -> None:
    """docs/api.md names the range of a search's `limit`; within it the answer has at most max_limit candidates."""
    low, high = map(int, re.search(r"`limit` \((\d+)\.\.(\d+)", (ROOT / "docs" / "api.md").read_text()).groups())
    photo = {"photo": ("ted.jpg", TED, "image/jpeg")}
    answered = stack.api.post("/api/search", params={"limit": high}, files=photo)
    assert answered.status_code == 200, answered.text
    assert 1 <= len(answered.json()["faces"][0]["candidates"]) <= stack.settings.max_limit
    for outside in (low - 1, high + 1):
        refused = stack.api.post("/api/search", params={"limit": outside}, files=photo)
        assert (refused.status_code, refused.json()["code"]) == (400, "bad_request"), refused.text
        assert a_sentence(refused.json()["error"])
