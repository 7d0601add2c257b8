"""Kill and recover: the supervisor of local mode brings back Weaviate, the vectorizer and the API after
SIGKILL, without anyone calling start; an import interrupted that way completes when run again; a start
after a crash clears stale files and names a port another process holds.

Everything here runs against its own stack (its own state folder, ports and supervisor), not the
session's: the tests kill its processes. Each test leaves it running, as it found it.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
import pytest
from PIL import Image, ImageOps

from facesearch.errors import NotReady
from facesearch.local.stack import LocalStack, StackError, settings_env
from facesearch.local.supervision import restarts as counted_restarts
from facesearch.settings import Settings
from facesearch.store import people as store
from facesearch.store.connection import connect
from facesearch.store.people import People, ensure_people
from facesearch.store.space import vector_space
from facesearch.store.writes import VECTOR, restore_lost_vectors
from facesearch.testing import isolated_settings
from tests.conftest import IMAGES, LOOK_FOR

ROOT = LOOK_FOR.parent
RECOVERY_S = 300
"""Longest wait (s) for a killed service to answer again: a deadline for polling, not a speed goal."""
TED = (LOOK_FOR / "Ted_Lieu.jpg").read_bytes()
VARIANTS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "mirrored": ImageOps.mirror,
    "cropped": lambda im: im.crop((im.width // 12, im.height // 12, im.width * 11 // 12, im.height * 11 // 12)),
    "smaller": lambda im: im.resize((im.width * 2 // 3, im.height * 2 // 3)),
    "larger": lambda im: im.resize((im.width * 4 // 3, im.height * 4 // 3)),
    "grey": lambda im: ImageOps.grayscale(im).convert("RGB"),
    "mirrored_smaller": lambda im: ImageOps.mirror(im).resize((im.width * 3 // 4, im.height * 3 // 4)),
    "tilted": lambda im: im.rotate(6, expand=True, fillcolor=(128, 128, 128)),
}
"""Extra people made from the sample photos, so that an import runs long enough to be interrupted."""


@dataclass
class Faults:
    settings: Settings
    local: LocalStack
    people: Path
    """The sample people and their variants (8 x 8 photos), for the import tests."""
    timings: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)


def make_people(folder: Path) -> None:
    """images/ plus, for each person and variant, a person `<Person>_<variant>` whose photo is derived from theirs."""
    shutil.copytree(IMAGES, folder)
    for person in sorted(p for p in IMAGES.iterdir() if p.is_dir()):
        photo = Image.open(person / "1.jpg").convert("RGB")
        name = (person / "name.txt").read_text().strip()
        for variant, change in VARIANTS.items():
            target = folder / f"{person.name}_{variant}"
            target.mkdir()
            (target / "name.txt").write_text(f"{name} ({variant})\n")
            change(photo).save(target / "1.jpg", quality=92)


@pytest.fixture(scope="module")
def faults(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Faults]:
    """A private stack with the sample people imported; two vectorizer workers, as by default."""
    root = tmp_path_factory.mktemp("faults")
    shutil.copytree(IMAGES, root / "images")
    make_people(root / "people")
    (root / "library").mkdir()
    settings = isolated_settings(
        root / "state", root / "images", vectorizer_workers=2, import_workers=1, library_root=root / "library",
        startup_timeout_s=RECOVERY_S,
    )
    local = LocalStack(settings)
    try:
        local.start(log=lambda _: None)
        assert cli(settings, "import").returncode == 0
    except StackError as e:
        local.stop(log=lambda _: None)
        pytest.fail(f"the local stack did not start: {e}")
    found = Faults(settings, local, root / "people")
    try:
        yield found
    finally:
        local.stop(log=lambda _: None)
        print("\nrecovery times (s):", {k: round(v, 1) for k, v in found.timings.items()}, found.notes)


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "facesearch", *args], cwd=ROOT, capture_output=True, text=True, timeout=900,
        env={"PATH": "/usr/bin:/bin", **settings_env(settings), **env},
    )


def search_ted(settings: Settings) -> httpx.Response | None:
    try:
        return httpx.post(f"{settings.api_url}/api/search", files={"photo": ("q.jpg", TED)}, timeout=120)
    except httpx.HTTPError:
        return None


def finds_ted(response: httpx.Response | None) -> bool:
    if response is None or response.status_code != 200:
        return False
    match = response.json()["faces"][0]["match"]
    return bool(match) and match["name"] == "Ted Lieu"


def wait_for(faults: Faults, what: str, done: Callable[[], bool]) -> float:
    """Poll `done` until it is true, at most RECOVERY_S seconds; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < RECOVERY_S:
        if done():
            return time.monotonic() - started
        time.sleep(0.5)
    logs = "\n".join(faults.local.log_tail(name, 15) for name in ("vectorizer", "weaviate", "api"))
    pytest.fail(f"{what} did not happen within {RECOVERY_S} s.\n{faults.local.supervisor.log_tail()}\n{logs}")


def restarts(faults: Faults, name: str) -> int:
    """The service's restarts as `python -m facesearch stack status` prints them."""
    done = cli(faults.settings, "stack", "status")
    assert done.returncode == 0, done.stderr
    row = next(line.split() for line in done.stdout.splitlines() if line.startswith(name + " "))
    return int(row[-1])


def settled(faults: Faults, name: str) -> None:
    """Wait until the supervisor counts the service started (RUNNING: up for START_SECONDS). Killed sooner, it
    would count as a start that failed, and a few of those in a row make the supervisor give up on it (FATAL):
    a crash loop, which is not what these tests make. Every kill here comes after this."""
    wait_for(faults, f"{name} counted as started", lambda: faults.local.state_of(name) == "RUNNING")


def back(faults: Faults, name: str, old_pid: int) -> Callable[[], bool]:
    """True once the service runs with a new pid and answers."""
    service = next(s for s in faults.local.services() if s.name == name)

    def check() -> bool:
        pid = faults.local.pid(name)
        return pid not in (None, old_pid) and httpx.get(service.ready_url, timeout=5).is_success

    return lambda: _quiet(check)


def _quiet(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except httpx.HTTPError:
        return False


def test_searches_answer_again_after_weaviate_is_killed_mid_search(faults: Faults) -> None:
    assert finds_ted(search_ted(faults.settings))
    settled(faults, "weaviate")
    before, pid = restarts(faults, "weaviate"), faults.local.pid("weaviate")
    answers: list[httpx.Response | None] = []
    searching = threading.Thread(target=lambda: answers.append(search_ted(faults.settings)))
    searching.start()
    os.kill(pid, signal.SIGKILL)
    killed = time.monotonic()
    searching.join()
    wait_for(
        faults, "a search finding Ted Lieu after Weaviate was killed", lambda: finds_ted(search_ted(faults.settings))
    )
    faults.timings["weaviate SIGKILL -> Ted Lieu found again"] = time.monotonic() - killed
    assert faults.local.pid("weaviate") not in (None, pid)
    assert restarts(faults, "weaviate") == before + 1
    # The search under way when Weaviate died was answered, in the one error shape if not found.
    (during,) = answers
    assert during is not None
    assert during.status_code == 200 or set(during.json()) == {"error", "code"}, during.text


def test_vectors_weaviate_loses_when_killed_after_a_batch_are_restored(faults: Faults) -> None:
    """Weaviate 1.35 writes a batch's vector-index log before it indexes the batch's vectors: killed right
    after a batch, it comes back with the objects but not their vectors in its index. store.writes.insert_many
    avoids that (flush_vector_index) and mends it (restore_lost_vectors); here batches are sent without it.

    Whether a kill lands before Weaviate indexes the batch is a matter of timing (in most runs every vector
    of the batch is lost, in some a few or none), so it is tried up to ATTEMPTS times, every attempt's
    losses mended and checked. If no attempt loses a vector, Weaviate may keep them itself now, and both may go."""
    lost_at_all = []
    for attempt in range(ATTEMPTS):
        lost = lose_vectors_in_a_kill(faults, f"TestFaultsLostVectors{attempt}")
        lost_at_all += lost
        if lost:
            break
    assert lost_at_all, f"Weaviate kept every vector in {ATTEMPTS} kills: the workaround may no longer be needed"


ATTEMPTS = 5
"""Kills right after a batch tried before concluding Weaviate loses no vectors."""


def lose_vectors_in_a_kill(faults: Faults, name: str) -> list[str]:
    """Write the sample faces with their vectors to collection `name` in one batch, SIGKILL Weaviate, and
    mend what it lost once it is back (asserting every face is then found by its own vector); the ids lost."""
    settings = faults.settings
    settled(faults, "weaviate")
    client = connect(settings)
    try:
        space = vector_space(settings)
        faces = store.face_vectors(ensure_people(client, settings, space))
        target = ensure_people(client, settings.model_copy(update={"collection": name}), space).faces
        with target.batch.fixed_size(batch_size=16, concurrent_requests=1) as batch:
            for face, vector in faces:
                properties = {"filename": face.filename, "person_id": face.person_id, "name": face.name}
                batch.add_object(properties=properties, uuid=face.id, vector={VECTOR: vector})
    finally:
        client.close()
    pid = faults.local.pid("weaviate")
    os.kill(pid, signal.SIGKILL)
    wait_for(faults, "Weaviate running again", back(faults, "weaviate", pid))
    client = connect(settings)
    try:
        target = People(client.collections.get(name))
        ids = [face.id for face, _ in faces]
        lost = restore_lost_vectors(target.faces, ids)
        assert set(lost) <= set(ids)
        assert restore_lost_vectors(target.faces, ids) == []
        for face, vector in faces:
            assert store.nearest_to_vector(target, vector, 1)[0].face.id == face.id
        return lost
    finally:
        client.collections.delete(name)
        client.close()


def test_the_api_comes_back_after_it_is_killed(faults: Faults) -> None:
    settled(faults, "api")
    before, pid = restarts(faults, "api"), faults.local.pid("api")
    os.kill(pid, signal.SIGKILL)
    faults.timings["api SIGKILL -> answering"] = wait_for(faults, "the API answering again", back(faults, "api", pid))
    assert finds_ted(search_ted(faults.settings))
    assert restarts(faults, "api") == before + 1


@pytest.mark.parametrize("victim", ["weaviate", "vectorizer"])
def test_an_import_interrupted_by_a_killed_service_completes_when_run_again(faults: Faults, victim: str) -> None:
    collection = f"TestFaultsImport{victim.capitalize()}"
    on_disk = Counter((p.parent.name, p.name) for p in faults.people.glob("*/*.jpg"))
    settled(faults, victim)
    before, pid = restarts(faults, victim), faults.local.pid(victim)
    importing = subprocess.Popen(
        [sys.executable, "-m", "facesearch", "import", str(faults.people)], cwd=ROOT, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={"PATH": "/usr/bin:/bin", **settings_env(faults.settings), "FACESEARCH_COLLECTION": collection},
    )
    try:
        read_photos(importing, 20)
        assert importing.poll() is None, "the import ended before the kill"
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        first_run = finish(faults, importing)
        wait_for(faults, f"{victim} running again", back(faults, victim, pid))
        faults.timings[f"{victim} SIGKILL mid-import -> running again (or import ended)"] = time.monotonic() - killed
        faults.notes[f"import interrupted by {victim}"] = first_run.strip().splitlines()[-1]
        assert "Error(" not in first_run and "Traceback" not in first_run, first_run  # sentences, not exceptions
        again = cli(faults.settings, "import", str(faults.people), FACESEARCH_COLLECTION=collection)
        assert again.returncode == 0, f"{first_run}\n---\n{again.stdout}\n{again.stderr}"
        assert "skipped 0" in again.stdout, again.stdout
        assert_all_present_and_findable(faults.settings, collection, on_disk)
        assert restarts(faults, victim) == before + 1
    finally:
        if importing.poll() is None:
            importing.kill()
        with contextlib.suppress(NotReady):  # Weaviate not back: the failure above says why; keep it in view
            client = connect(faults.settings)
            client.collections.delete(collection)
            client.close()


def finish(faults: Faults, importing: subprocess.Popen) -> str:
    """The import's output once it has ended (at most RECOVERY_S seconds after the kill and the services'
    own recovery time); a failure with the supervisor's and the services' logs if it has not."""
    try:
        return importing.communicate(timeout=RECOVERY_S + 120)[0]
    except subprocess.TimeoutExpired:
        importing.kill()
        output = importing.communicate()[0]
        status = cli(faults.settings, "stack", "status").stdout
        logs = "\n".join(faults.local.log_tail(name, 40) for name in ("weaviate", "vectorizer"))
        supervisor = faults.local.supervisor.log_tail(40)
        pytest.fail(f"the import did not end.\n{output[-3000:]}\n{status}\n{supervisor}\n{logs}")


def read_photos(importing: subprocess.Popen, n: int) -> None:
    """Wait until the import has read `n` photos (it prints a line `[k/total] path` after each)."""
    seen = 0
    while seen < n:
        line = importing.stdout.readline()
        assert line, "the import ended before the kill"
        seen += line.startswith("[")


def assert_all_present_and_findable(settings: Settings, name: str, on_disk: Counter) -> None:
    """Every photo on disk is one face in the collection, no more, and a search with its vector finds it."""
    client = connect(settings)
    try:
        collection = People(client.collections.get(name))
        faces = store.face_vectors(collection)
        assert Counter((f.person_id, f.filename) for f, _ in faces) == on_disk
        lost = [f"{f.person_id}/{f.filename}" for f, vector in faces
                if f.id not in {c.face.id for c in store.nearest_to_vector(collection, vector, 3)}]
        assert not lost, f"stored but found by no search: {lost}"
    finally:
        client.close()


def stray(faults: Faults) -> list[str]:
    """Processes of this stack: its state folder in their command line or environment, or on its ports."""
    state, url = str(faults.settings.state_dir), faults.local.supervisor.url
    found = []
    for process in psutil.process_iter():
        try:
            if state in " ".join(process.cmdline()) or process.environ().get("SUPERVISOR_SERVER_URL") == url:
                found.append(f"{process.pid} {' '.join(process.cmdline())}")
        except psutil.Error:
            continue
    ports = {p.number for s in faults.local.services() for p in s.ports}
    listening = [c for c in psutil.net_connections("inet")
                 if c.laddr and c.laddr.port in ports and c.status == psutil.CONN_LISTEN]
    return found + [f"{c.pid} listens on {c.laddr.port}" for c in listening]


def test_a_start_after_the_supervisor_was_killed_ends_what_it_left_and_starts_afresh(faults: Faults) -> None:
    old = {name: faults.local.pid(name) for name in ("vectorizer", "weaviate", "api")}
    os.kill(faults.local.supervisor.daemon_pid(), signal.SIGKILL)  # its services live on, holding the ports
    done = cli(faults.settings, "stack", "start")
    assert done.returncode == 0, done.stderr
    assert "process(es) left from an earlier run" in done.stdout
    assert all(not psutil.pid_exists(pid) for pid in old.values())
    assert finds_ted(search_ted(faults.settings))


def test_stale_files_and_a_port_held_by_another_program_give_one_clear_sentence(faults: Faults) -> None:
    faults.local.stop(log=lambda _: None)
    run = faults.settings.state_dir / "run"
    dead = dead_pid()
    for stale in ("supervisord.pid", "api.pid", "weaviate.pid"):  # ours, and an older facesearch's
        (run / stale).write_text(f"{dead}\n")
    with socket.socket(socket.AF_UNIX) as stale_socket:
        stale_socket.bind(str(faults.local.supervisor.socket))  # a socket file nobody listens on
    port = faults.settings.api_port
    holder = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(faults, "http.server listening", lambda: _listening(port))
        done = cli(faults.settings, "stack", "start")
        assert done.returncode == 1
        assert done.stderr == (
            f"error: Port {port} (the search API) is in use by another process, pid {holder.pid} "
            f"({sys.executable} -m http.server {port} --bind 127.0.0.1); stop it or set FACESEARCH_API_PORT "
            "to a free port.\n"
        )
        assert stray(faults) == [f"{holder.pid} listens on {port}"]
        assert not any((run / f).exists() for f in ("supervisord.pid", "api.pid", "weaviate.pid"))
        assert not faults.local.supervisor.socket.exists()
    finally:
        holder.kill()
        holder.wait()
    done = cli(faults.settings, "stack", "start")  # with the port free, the same stale start just works
    assert done.returncode == 0, done.stderr
    assert finds_ted(search_ted(faults.settings))


def test_stop_leaves_nothing_running(faults: Faults) -> None:
    rows = [line.split() for line in cli(faults.settings, "stack", "status").stdout.splitlines()[1:4]]
    live = [(r[0], r[1] in ("STARTING", "RUNNING")) for r in rows]
    assert live == [("vectorizer", True), ("weaviate", True), ("api", True)]
    done = cli(faults.settings, "stack", "stop")
    assert done.stdout.splitlines() == ["api: stopped", "weaviate: stopped", "vectorizer: stopped"]
    assert stray(faults) == []
    assert not faults.local.supervisor.socket.exists() and not faults.local.supervisor.pid_file.exists()
    status = cli(faults.settings, "stack", "status")
    assert status.stdout == f"Nothing is running (no supervisor for {faults.settings.state_dir}).\n"
    faults.local.start(log=lambda _: None)  # as it was, for whatever runs after


def dead_pid() -> int:
    """The pid of a process that has just exited (so a pid file naming it is stale)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def test_a_service_that_keeps_crashing_is_given_up_and_the_start_says_so(tmp_path: Path) -> None:
    """A Weaviate binary that exits at once: the supervisor tries again after 1, 2 and 3 s, then gives up;
    the start fails with that sentence and the log's tail, and leaves nothing running."""
    crashing = tmp_path / "weaviate-server"
    crashing.write_text("#!/bin/sh\necho 'cannot open the data folder' >&2\nexit 1\n")
    crashing.chmod(0o755)
    (tmp_path / "library").mkdir()
    settings = isolated_settings(tmp_path / "state", IMAGES, vectorizer_workers=1, library_root=tmp_path / "library",
                                 weaviate_bin=crashing, startup_timeout_s=RECOVERY_S)
    local = LocalStack(settings)
    try:
        with pytest.raises(StackError) as raised:
            local.start(log=lambda _: None)
        message = str(raised.value)
        assert message.startswith("weaviate exited while starting, 4 times in a row, and was given up.\n"), message
        assert message.count("cannot open the data folder") == 4
        assert counted_restarts(local.supervisor.log_text()) == {"weaviate": 3}
        assert local.status() == [] and not local.supervisor.socket.exists()
        assert stray(Faults(settings, local, tmp_path)) == []
    finally:
        local.stop(log=lambda _: None)
