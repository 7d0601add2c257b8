"""`python -m facesearch import` stopped mid-run, by SIGTERM and by SIGKILL, then run again to the end: every
photo on disk is in Weaviate exactly once, nothing else is, and the second run counts the photos the first one
wrote as unchanged. A SIGTERM ends the import with a sentence and a non-zero exit, and no detection worker
outlives the importer either way. On a private stack, with 256 photos derived from the sample people."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from facesearch.local.stack import settings_env
from facesearch.settings import ROOT, Settings
from facesearch.store import people as store
from facesearch.store.connection import connect
from facesearch.testing import drop_collections, own_collections
from tests.conftest import private_settings, started
from tools.derive_people import derive_people

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

PER_PERSON = 32
"""Photos per person: 256 in all, so that a stop after KILL_AFTER of them lands mid-run."""

KILL_AFTER = 64
"""Photos the importer reports done before it is stopped."""

SUMMARY = re.compile(r"imported (\d+), unchanged (\d+), updated (\d+), removed (\d+), skipped (\d+)")


@pytest.fixture(scope="module")
def people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("faults") / "people"
    assert derive_people(folder, PER_PERSON) == 8 * PER_PERSON
    return folder


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("faults-stack")
    (root / "images").mkdir()
    settings = private_settings(root / "state", root / "images")
    with started(settings):
        yield settings


@pytest.fixture
def settings(running: Settings) -> Iterator[Settings]:
    """The private stack with collections of this test's own, deleted at the end; detection in 2 worker
    processes, as the importer runs by default."""
    own = own_collections(running, "Faults", import_workers=2)
    yield own
    client = connect(own)
    try:
        drop_collections(client, own)
    finally:
        client.close()


def start_import(settings: Settings, people: Path, out: Path) -> subprocess.Popen:
    """The importer, its stdout and stderr going to `out`.stdout and `out`.stderr (files, not pipes: a worker
    that outlived the importer would hold a pipe open)."""
    with open(out.with_suffix(".stdout"), "w") as stdout, open(out.with_suffix(".stderr"), "w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "facesearch", "import", str(people)], cwd=ROOT,
            env={**os.environ, **settings_env(settings)}, stdout=stdout, stderr=stderr,
        )


def stop_mid_run(
    importer: subprocess.Popen, out: Path, sig: signal.Signals, timeout_s: float = 600
) -> tuple[int, str, list[psutil.Process]]:
    """Send `sig` once the importer has reported KILL_AFTER photos done (waiting at most `timeout_s` seconds);
    its exit code, its stderr and the processes it had started (its detection workers and their fork server)."""
    deadline, done, helpers = time.monotonic() + timeout_s, 0, []
    while importer.poll() is None and time.monotonic() < deadline:
        done = sum(line.startswith("[") for line in out.with_suffix(".stdout").read_text().splitlines())
        if done >= KILL_AFTER:
            helpers = psutil.Process(importer.pid).children(recursive=True)
            importer.send_signal(sig)
            break
        time.sleep(0.1)
    else:
        importer.kill()
    code = importer.wait(timeout=120)
    err = out.with_suffix(".stderr").read_text()
    assert done >= KILL_AFTER, f"the importer reported {done} photos and ended (exit {code}):\n{err}"
    return code, err, helpers


def command(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # it ended meanwhile
        return f"pid {process.pid}"


def outliving(helpers: list[psutil.Process], timeout_s: float = 30.0) -> list[psutil.Process]:
    """The `helpers` still running after waiting up to `timeout_s` seconds for them to end."""
    _, alive = psutil.wait_procs(helpers, timeout=timeout_s)
    return alive


def stored(settings: Settings) -> list[store.EnrolledFace]:
    client = connect(settings)
    try:
        return list(store.all_faces(store.people_handle(client, settings)))
    finally:
        client.close()


def settled(settings: Settings, timeout_s: float = 60.0) -> list[store.EnrolledFace]:
    """The stored faces once their number stops changing (Weaviate may still finish a batch a killed
    importer sent), waiting at most `timeout_s` seconds."""
    deadline, last = time.monotonic() + timeout_s, stored(settings)
    while time.monotonic() < deadline:
        time.sleep(2)
        now = stored(settings)
        if len(now) == len(last):
            return now
        last = now
    return last


def on_disk(people: Path) -> dict[tuple[str, str], str]:
    """(person id, file name) -> sha256 of every photo in the people folder."""
    return {(p.parent.name, p.name): hashlib.sha256(p.read_bytes()).hexdigest() for p in people.glob("*/*.jpg")}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_an_import_stopped_mid_run_is_completed_by_the_next_one(
    settings: Settings, people: Path, sig: signal.Signals
) -> None:
    photos = on_disk(people)

    out = people.parent / f"import-{sig.name}"
    code, err, helpers = stop_mid_run(start_import(settings, people, out), out, sig)

    assert len(helpers) >= 2, "the importer had no detection workers to outlive it"
    left = outliving(helpers)
    commands = [command(p) for p in left]
    for process in left:  # ended, so that none outlives the test
        process.kill()
    assert commands == []
    if sig == signal.SIGTERM:
        assert code == 128 + signal.SIGTERM, err
        assert err.strip() == (
            "The import was stopped (SIGTERM); the photos imported so far stay, and importing again goes on "
            "from there."
        )
    else:
        assert code == -signal.SIGKILL
    first = settled(settings)
    assert 0 < len(first) < len(photos), "the stop did not land mid-run"

    again = subprocess.run(
        [sys.executable, "-m", "facesearch", "import", str(people)], cwd=ROOT,
        env={**os.environ, **settings_env(settings)}, capture_output=True, text=True, timeout=900,
    )

    assert again.returncode == 0, f"{again.stdout[-3000:]}\n{again.stderr[-3000:]}"
    summary = SUMMARY.search(again.stdout)
    assert summary, again.stdout[-3000:]
    imported, unchanged, updated, removed, skipped = map(int, summary.groups())
    assert (unchanged, updated, removed, skipped) == (len(first), 0, 0, 0)
    assert imported == len(photos) - len(first)
    faces = stored(settings)
    assert Counter((f.person_id, f.filename) for f in faces) == Counter(photos.keys())
    for face in faces:
        assert face.id == store.object_id(face.person_id, face.filename)
        assert face.sha256 == photos[(face.person_id, face.filename)]
