"""Bounded work: a real vectorizer process started with a tiny limit (1 request computing, 2 waiting) lets
requests within the limit wait their turn, refuses the rest at once with 503 `busy` in the one shape (never
a 500), and answers normally once the burst is over."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from facesearch.local.stack import answers, settings_env, terminate
from facesearch.settings import ROOT, Settings
from facesearch.testing import free_port
from tests.fuzz.answers import STATUSES, TALLY, TIMEOUT_S, error_of, send

pytestmark = pytest.mark.integration

WORKING, WAITING = 1, 2
ENDPOINT = f"POST /vectors ({WORKING} computing, {WAITING} waiting)"
GROUP_PHOTO = ROOT / "library" / "samples" / "2024" / "committee.jpg"
"""A photo of several people: each request computes long enough for a burst to overlap."""


@pytest.fixture(scope="module")
def small_vectorizer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A vectorizer of its own, with the tiny limit; its URL."""
    settings = Settings(_env_file=None, vectorizer_port=free_port(), vectorizer_concurrency=WORKING,
                        vectorizer_queue=WAITING)
    log = tmp_path_factory.mktemp("busy") / "vectorizer.log"
    command = [sys.executable, "-m", "uvicorn", "--factory", "facesearch.vectorizer.app:create_app", "--host",
               settings.vectorizer_host, "--port", str(settings.vectorizer_port), "--no-access-log"]
    with log.open("w") as out:
        env = {**os.environ, **settings_env(settings)}
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                                   cwd=ROOT)
    try:
        wait_ready(settings.vectorizer_url, process, log)
        yield settings.vectorizer_url
    finally:
        terminate(process.pid)
        process.wait(timeout=30)


def wait_ready(url: str, process: subprocess.Popen, log: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while not answers(f"{url}/.well-known/ready"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"the vectorizer did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def weaviate_body() -> bytes:
    return json.dumps({"id": "burst", "image": base64.b64encode(GROUP_PHOTO.read_bytes()).decode()}).encode()


def burst(url: str, n: int) -> list[httpx.Response]:
    """`n` requests sent at once, each on its own connection."""
    async def send_all() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=n)
        async with httpx.AsyncClient(base_url=url, timeout=TIMEOUT_S, limits=limits) as client:
            return await asyncio.gather(*(client.post("/vectors", content=weaviate_body()) for _ in range(n)))
    TALLY[(ENDPOINT, f"burst of {n}")] += n
    answered = asyncio.run(send_all())
    STATUSES.update((ENDPOINT, r.status_code) for r in answered)
    return answered


def test_requests_within_the_limit_wait_their_turn(small_vectorizer: str) -> None:
    statuses = [r.status_code for r in burst(small_vectorizer, WORKING + WAITING)]
    assert statuses == [200] * (WORKING + WAITING)


def test_past_the_limit_the_vectorizer_is_busy_at_once_and_then_answers_again(small_vectorizer: str) -> None:
    answered = burst(small_vectorizer, 16)
    errors = [error_of(r) for r in answered]  # never a 500; every refusal in the one shape
    counts = Counter(r.status_code for r in answered)
    assert set(counts) == {200, 503} and counts[200] >= WORKING + WAITING, counts
    busy = {r.json()["error"] for r in answered if r.status_code == 503}
    assert {e[1] for e in errors if e} == {"busy"}
    assert busy == {f"The face vectorizer is busy (at most {WORKING} computing and {WAITING} waiting); "
                    "try again in a moment."}
    with httpx.Client(base_url=small_vectorizer, timeout=TIMEOUT_S) as client:
        after = send(client, ENDPOINT, "after the burst", path="/vectors", content=weaviate_body())
    assert after.status_code == 200 and after.json()["dim"] > 0
