"""The API's HTTP-level limits, without a server: which Host headers it answers, the body caps by route and their
agreement with the body kept to run a read again, the framework's refusals in our words, and where compose and
local mode let the API and the vectorizer be reached (tests/integration/test_probe_http.py tries them for real)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import anyio
import pytest
import yaml
from starlette.exceptions import HTTPException

from facesearch.api.again import AgainOnNodeLoss
from facesearch.api.app import create_app
from facesearch.api.bodies import FRAMING, SMALL, BodyLimits
from facesearch.api.hosts import host_name, served_names
from facesearch.http import FORM_REFUSALS, framework_refusal
from facesearch.settings import ROOT, Settings
from tests.compose import compose_project

MB = 1024 * 1024
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.mark.parametrize(("header", "name"), [
    ("localhost", "localhost"), ("localhost:8000", "localhost"), ("LocalHost:1", "localhost"),
    ("127.0.0.1:65535", "127.0.0.1"), ("[::1]:8000", "[::1]"), ("[::1]", "[::1]"), ("photos.example", "photos.example"),
    ("localhost:", None), ("localhost:x", None), ("localhost:8000:1", None), ("::1", None), ("[::1", None),
    ("localhost:²", None), ("", None), ("[evil.example]", None),
])
def test_the_name_of_a_host_header(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_the_api_answers_to_loopback_its_address_and_the_allowed_hosts() -> None:
    settings = Settings(_env_file=None, api_host="0.0.0.0", allowed_hosts=["Photos.Example", "fe80::1", " "])
    assert served_names(settings) == {"localhost", "127.0.0.1", "[::1]", "0.0.0.0", "photos.example", "[fe80::1]"}
    assert served_names(Settings(_env_file=None)) == {"localhost", "127.0.0.1", "[::1]"}


def test_body_caps_by_route() -> None:
    limits = BodyLimits.of(Settings(_env_file=None, max_upload_mb=10, max_files=20))
    assert limits.photo == 10 * MB + FRAMING
    assert limits.photos == 20 * limits.photo + FRAMING
    assert limits.cap("POST", "/api/search")[0] == limits.cap("POST", "/api/library/find")[0] == limits.photo
    assert limits.cap("POST", "/api/people")[0] == limits.cap("POST", "/api/people/Ted_Lieu/photos")[0] == limits.photos
    for method, path in [("POST", "/api/library/index"), ("DELETE", "/api/people/x"), ("GET", "/api/search"),
                         ("POST", "/api/people/a/b/photos"), ("POST", "/api/new-route-with-photos")]:
        assert limits.cap(method, path)[0] == SMALL, (method, path)


def test_every_read_body_the_api_takes_can_be_run_again() -> None:
    """AgainOnNodeLoss runs a read again with the body it kept; it keeps as much as the largest read may send."""
    settings = Settings()
    [again] = [m for m in create_app().user_middleware if m.cls is AgainOnNodeLoss]
    limits = BodyLimits.of(settings)
    assert again.kwargs["max_body_bytes"] >= max(limits.photo, limits.other)


def test_every_refusal_of_starlettes_form_parser_is_in_our_words() -> None:
    """The parser's messages as this Starlette raises them (read from its source), each mapped to our sentence."""
    import starlette.formparsers

    source = open(starlette.formparsers.__file__).read()
    raised = re.findall(r'MultiPartException\(f?[\'"](.+?)[\'"]\)', source)
    assert raised
    for message in raised:
        example = re.sub(r"\{[^}]*\}", "7", message).replace('\\"', '"')
        error = framework_refusal(HTTPException(400, example), "POST")
        assert error is not None and error.code in ("bad_form", "too_large"), message
        assert any(re.fullmatch(p, example) for p, _, _ in FORM_REFUSALS), message


# Where the API and the vectorizer can be reached.

def compose_app_settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The app's settings as compose's `environment` sets them (variables with defaults at their defaults)."""
    for name, value in COMPOSE["services"]["app"]["environment"].items():
        value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", str(value))
        if value:
            monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_compose_app_answers_to_the_names_it_is_reached_as(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its health checks (compose's and the image's), the address start.sh prints, and the command line inside
    the container (`find` asks the running API at settings.api_url)."""
    names = served_names(compose_app_settings(monkeypatch))
    checks = str(COMPOSE["services"]["app"]["healthcheck"]["test"]) + (ROOT / "Dockerfile").read_text()
    printed = re.findall(r'url="http://([^:/"]+)', (ROOT / "start.sh").read_text())
    hosts = re.findall(r"http://([^/'\"]+)/api/health", checks) + printed
    assert hosts and printed
    for host in [*hosts, urlsplit(compose_app_settings(monkeypatch).api_url).netloc]:
        assert host_name(host) in names, host


def test_the_vectorizer_listens_on_loopback_locally_and_is_never_published() -> None:
    """It answers anyone who reaches it (Weaviate calls it without a key): loopback in local mode, only the
    compose network with Docker."""
    assert Settings(_env_file=None).vectorizer_host == "127.0.0.1"
    for files in (("docker-compose.yml",), ("docker-compose.yml", "docker-compose.cluster.yml")):
        services = compose_project(*files)["services"]
        for name in ("vectorizer", "resnet50"):
            assert not {"ports", "network_mode"} & set(services[name]), (files, name)


# The body guard on its own, with a fake client: what it refuses, and when it stops timing.

def guarded(messages: list[dict], pauses: list[float] | None = None, timeout_s: float = 30.0, cap: int = 10) -> list:
    """The messages the app gets through BodyGuard's receive, then the error it was refused with, if any; the client
    waits `pauses[i]` seconds before sending message i."""
    pauses = pauses or [0.0] * len(messages)
    from facesearch.api.bodies import Body
    from facesearch.http import Refused

    async def client() -> dict:
        await anyio.sleep(pauses.pop(0))
        return messages.pop(0)

    async def app() -> list:
        body, got = Body(client, cap, "Too large.", timeout_s), []
        try:
            while messages:
                got.append(await body.receive())
        except Refused as e:
            got.append(e.error)
        return got

    return anyio.run(app)


def test_a_body_is_counted_against_its_cap() -> None:
    chunk = {"type": "http.request", "body": b"x" * 6, "more_body": True}
    [first, refused] = guarded([chunk, dict(chunk), dict(chunk)])
    assert first == chunk and (refused.code, refused.message) == ("too_large", "Too large.")


def test_a_pause_longer_than_the_timeout_is_refused_but_not_once_the_body_is_complete() -> None:
    from facesearch.api.bodies import SLOW

    [refused] = guarded([{"type": "http.request", "body": b"x", "more_body": True}], [1.0], timeout_s=0.05)
    assert (refused.code, refused.message) == ("timeout", SLOW)
    whole = {"type": "http.request", "body": b"x", "more_body": False}
    disconnect = {"type": "http.disconnect"}
    assert guarded([whole, disconnect], [0.0, 0.2], timeout_s=0.1) == [whole, disconnect]


def test_a_content_length_over_the_cap_is_answered_without_reading_or_calling_the_app() -> None:
    from facesearch.api.bodies import BodyGuard

    called, sent = [], []

    async def app(scope, receive, send) -> None:  # noqa: ANN001
        called.append(scope)

    async def receive() -> dict:
        called.append("receive")
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    limits = BodyLimits.of(Settings(_env_file=None))
    scope = {"type": "http", "method": "POST", "path": "/api/search",
             "headers": [(b"content-length", str(limits.photo + 1).encode())]}
    anyio.run(BodyGuard(app, limits, 30.0), scope, receive, send)
    assert called == [] and sent[0]["status"] == 413 and b'"too_large"' in sent[1]["body"]
