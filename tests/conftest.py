"""Fixtures shared by every tier. The `stack` fixture starts the real local stack once per session."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from facesearch import store
from facesearch.settings import ROOT, Settings
from facesearch.stack import LocalStack, StackError

LOOK_FOR = ROOT / "look_for"
IMAGES = ROOT / "images"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_block(n: int) -> int:
    """The first of `n` consecutive free ports."""
    for _ in range(100):
        base = free_port()
        if base + n < 65536 and all(_is_free(base + i) for i in range(n)):
            return base
    raise RuntimeError(f"no {n} consecutive free ports")


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def private_settings(state: Path, images: Path) -> Settings:
    """Settings for a private stack: free ports, its own state folder and people folder."""
    return Settings(
        weaviate_port=free_port(),
        weaviate_grpc_port=free_port(),
        weaviate_cluster_port=free_port_block(5),
        vectorizer_port=free_port(),
        api_port=free_port(),
        state_dir=state,
        images_dir=images,
        startup_timeout_s=180,
        vectorizer_workers=1,
        import_workers=1,
        _env_file=None,
    )


@dataclass
class Stack:
    settings: Settings
    local: LocalStack
    api: httpx.Client

    def import_people(self):  # noqa: ANN201 - ImportReport
        from facesearch.importer import import_people, scan_images

        client = store.connect(self.settings)
        try:
            collection = store.ensure_collection(client, self.settings.collection)
            return import_people(collection, scan_images(self.settings.images_dir))
        finally:
            client.close()

    def faces(self) -> list[store.StoredFace]:
        client = store.connect(self.settings)
        try:
            return list(store.all_faces(store.ensure_collection(client, self.settings.collection)))
        finally:
            client.close()


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
    with httpx.Client(base_url=settings.api_url, timeout=120) as api:
        s = Stack(settings, local, api)
        report = s.import_people()
        assert len(report.imported) == 8, report
        yield s
    local.stop(log=lambda _: None)
