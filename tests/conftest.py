"""Fixtures shared by every tier. The `stack` fixture starts the real local stack once per session."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from facesearch.api import keys
from facesearch.local.stack import LocalStack, StackError
from facesearch.settings import ROOT, Settings
from facesearch.store import people as store
from facesearch.store.connection import connect
from facesearch.store.space import vector_space
from facesearch.testing import isolated_settings

LOOK_FOR = ROOT / "look_for"
IMAGES = ROOT / "images"


def write_heic_with_pillow_heif() -> None:
    """Let Pillow save HEIF (`image.save(out, "HEIF", ...)`) through pillow-heif, a test-only package: facesearch
    reads HEIC with pi-heif, which has no encoder. Only saving is registered, so what the tests read still goes
    through facesearch's own reader."""
    import facesearch.face.image  # noqa: F401 - registers the reader first
    from PIL import Image
    from pillow_heif import as_plugin

    Image.register_save("HEIF", as_plugin._save_heif)
    Image.register_save_all("HEIF", as_plugin._save_all_heif)


write_heic_with_pillow_heif()


def private_settings(state: Path, images: Path, **overrides: object) -> Settings:
    """An isolated stack for tests: one vectorizer worker and in-process import keep it light.
    Its library root is an empty folder beside `state`."""
    (state.parent / "library").mkdir(parents=True, exist_ok=True)
    return isolated_settings(
        state, images, vectorizer_workers=1, import_workers=1, library_root=state.parent / "library", **overrides
    )


def private_cluster_settings(state: Path, images: Path, **overrides: object) -> Settings:
    """`private_settings` for a local cluster of three Weaviate nodes (replication factor 3)."""
    return private_settings(state, images, weaviate_nodes=3, **overrides)


@dataclass
class Stack:
    settings: Settings
    local: LocalStack
    api: httpx.Client  # sends `key`, which has write rights
    key: str

    def import_people(self):  # noqa: ANN201 - ImportReport
        from facesearch.people.scan import scan_images
        from facesearch.people.sync import import_people

        client = connect(self.settings)
        try:
            people = store.ensure_people(client, self.settings, vector_space(self.settings))
            return import_people(people, scan_images(self.settings.images_dir))
        finally:
            client.close()

    def faces(self) -> list[store.EnrolledFace]:
        client = connect(self.settings)
        try:
            return list(store.all_faces(store.ensure_people(client, self.settings, vector_space(self.settings))))
        finally:
            client.close()


def bearer(key: str) -> dict[str, str]:
    """The header that sends an API key."""
    return {"Authorization": f"Bearer {key}"}


@contextmanager
def started(settings: Settings, log: Callable[[str], object] = lambda _: None) -> Iterator[LocalStack]:
    """A private local stack of these settings, started (the test fails with its log when it does not start)
    and stopped on leaving, whatever happened. `log` gets what the start says."""
    local = LocalStack(settings)
    try:
        try:
            local.start(log=log)
        except StackError as e:
            pytest.fail(f"the private stack did not start: {e}")
        yield local
    finally:
        local.stop(log=lambda _: None)


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Weaviate, the face vectorizer and the API as real processes, with the sample people imported."""
    root = tmp_path_factory.mktemp("stack")
    shutil.copytree(IMAGES, root / "images")
    settings = private_settings(root / "state", root / "images")
    local = LocalStack(settings)
    try:
        local.start(log=lambda _: None)
    except StackError as e:
        local.stop(log=lambda _: None)
        pytest.fail(f"the local stack did not start: {e}")
    _, key = keys.create(settings, "tests")
    with httpx.Client(base_url=settings.api_url, timeout=120, headers=bearer(key)) as api:
        s = Stack(settings, local, api, key)
        report = s.import_people()
        assert len(report.imported) == 8, report
        yield s
    local.stop(log=lambda _: None)


SLOW_FIRST = ("test_cluster.py", "test_faults.py", "test_backup_s3.py", "test_transfer.py", "test_scripts.py",
              "test_reindex.py", "test_backup.py", "test_import_faults.py", "test_access.py", "test_watch.py")
"""Files that start stacks of their own (minutes each): run first, so that the test processes end together."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOW_FIRST.index(name) if name in SLOW_FIRST else len(SLOW_FIRST)

    items.sort(key=rank)  # stable: the order within a file, and of the other files, stays


KILLERS = ("test_faults.py", "test_cluster.py")
"""Files that kill their own stack's services and time their recovery: run one after the other in one test
process, so that each one's restarts do not compete with the other's for the two cores."""


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log):  # noqa: ANN001, ANN201 - xdist's own types
    """--dist loadfile, with the KILLERS as one unit of work."""
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return "services killed" if scope.rsplit("/", 1)[-1] in KILLERS else scope

    return Scheduling(config, log)


# The fuzz tier's tallies: counted in whichever process ran the tests (an xdist worker sends its counts to the
# controller when it ends), printed once at the end of the run.

def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        from tests.fuzz.answers import tallies

        output["fuzz"] = tallies()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:  # noqa: ANN001 - xdist's WorkerController
    counts = getattr(node, "workeroutput", {}).get("fuzz")
    if counts:
        from tests.fuzz.answers import add

        add(counts)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.fuzz.answers import report_lines

    lines = report_lines()
    if lines:
        terminalreporter.section("fuzz inputs tried")
        for line in lines:
            terminalreporter.write_line(line)
