"""The fuzz tier: thousands of generated inputs, good and bad, against the real stack over HTTP.

Every answer comes within answers.TIMEOUT_S seconds, is never a 500, refuses in the one error shape, and a
refused write changes nothing. The profile is fixed (derandomized: the same inputs on every run) so the
counts printed at the end, per endpoint and kind of input, are the same on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, settings

from facesearch.api import keys
from tests.conftest import Stack
from tests.fuzz.answers import FIGURES, TIMEOUT_S

settings.register_profile(
    "fuzz", derandomize=True, deadline=None, database=None, print_blob=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
settings.load_profile("fuzz")


def peak_rss_mb(pid: int | None) -> float | None:
    """The most resident memory (VmHWM) the process and its children have had, in MiB; None when it is gone."""
    if pid is None:
        return None
    pids = [str(pid), *Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    peaks = []
    for p in pids:
        for line in Path(f"/proc/{p}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


@pytest.fixture(scope="session")
def peaks(stack: Stack) -> Iterator[None]:
    """Records the vectorizer's and the API's peak memory once the fuzz tests are done."""
    yield
    for name in ("vectorizer", "api"):
        mb = peak_rss_mb(stack.local.pid(name))
        FIGURES[f"peak RSS of the {name} process (VmHWM)"] = f"{mb:.0f} MiB" if mb is not None else "not running"


@pytest.fixture(scope="session")
def write_key(stack: Stack) -> Iterator[str]:
    """An API key with write rights, revoked at the end."""
    record, key = keys.create(stack.settings, "fuzz")
    yield key
    keys.revoke(stack.settings, record.id)


@pytest.fixture(scope="session")
def api(stack: Stack, write_key: str, peaks: None) -> Iterator[httpx.Client]:
    """The stack's search API, every request with the write key."""
    headers = {"Authorization": f"Bearer {write_key}"}
    with httpx.Client(base_url=stack.settings.api_url, timeout=TIMEOUT_S, headers=headers) as client:
        yield client


@pytest.fixture(scope="session")
def vectorizer(stack: Stack, peaks: None) -> Iterator[httpx.Client]:
    """The stack's face vectorizer, the one Weaviate calls."""
    with httpx.Client(base_url=stack.settings.vectorizer_url, timeout=TIMEOUT_S) as client:
        yield client
