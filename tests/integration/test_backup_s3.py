"""Backups of a three-node cluster to S3: Weaviate's backup-s3 module writes every node's part of the backup to a
MinIO server started on this machine (built by `ensure_minio` in scripts/lib.sh); with the collections deleted, the
backup restored gives every look_for photo the same answers. A cluster set to back up to a folder is told, in one
sentence, what to set instead."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from weaviate.classes.config import ConsistencyLevel

from facesearch.local.stack import LocalStack, settings_env
from facesearch.settings import ROOT, Settings, node_hostname, node_program, weaviate_key
from facesearch.store.backup import cluster_needs_s3, collection_names
from facesearch.store.connection import connect, connect_to
from facesearch.testing import S3Server, s3_server
from tests.conftest import IMAGES, LOOK_FOR, private_cluster_settings, started
from tests.integration.test_backup import ok, refused

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

BUCKET = "facesearch-backups"
PREFIX = "cluster"
NAME = "cluster-before-wipe"
PHOTOS = sorted(p.name for p in LOOK_FOR.iterdir() if p.suffix in (".jpg", ".png"))
SIMILARITY_TOLERANCE = 0.001


@dataclass
class World:
    """A private three-node cluster backing up to a MinIO bucket, the sample people imported and library/samples
    indexed; its answers, and what `backup NAME` printed."""

    settings: Settings
    local: LocalStack
    s3: S3Server
    answers: dict
    made: str


def cli(settings: Settings, *args: str, **env: str) -> subprocess.CompletedProcess:
    """`python -m facesearch ARGS` with these settings, and `env` over them."""
    return subprocess.run(
        [sys.executable, "-m", "facesearch", *args], cwd=ROOT, env={**os.environ, **settings_env(settings), **env},
        capture_output=True, text=True, timeout=600,
    )


def answers(settings: Settings) -> dict:
    """Per look_for photo, what the API answers: each face's five candidates (name, person, photo, certainty) and
    the library photos the face is found in down to similarity 0.5 (path, person tagged, similarity)."""
    got: dict = {}
    with httpx.Client(base_url=settings.api_url, timeout=300) as api:
        for photo in PHOTOS:
            files = {"photo": (photo, (LOOK_FOR / photo).read_bytes())}
            search = api.post("/api/search", files=files, params={"limit": 5})
            assert search.status_code == 200, f"{photo}: {search.text}"
            got[f"search {photo}"] = [
                [(c["name"], c["person_id"], c["filename"], c["certainty"]) for c in face["candidates"]]
                for face in search.json()["faces"]
            ]
            find = api.post("/api/library/find", files=files, params={"threshold": 0.5})
            assert find.status_code == 200, f"{photo}: {find.text}"
            got[f"find {photo}"] = [(m["path"], m["person_id"], m["similarity"]) for m in find.json()["matches"]]
    return got


def alike(before: object, after: object) -> bool:
    """The same names, photos and order, and every number within SIMILARITY_TOLERANCE."""
    if isinstance(before, float) and isinstance(after, float):
        return abs(before - after) <= SIMILARITY_TOLERANCE
    if isinstance(before, list | tuple) and isinstance(after, list | tuple):
        return len(before) == len(after) and all(alike(b, a) for b, a in zip(before, after))
    return before == after


def held_by(settings: Settings, k: int) -> dict[str, int]:
    """Per backed-up collection, the objects node k (from 1) holds itself: counted on that node at consistency ONE."""
    client = connect_to(settings.weaviate_endpoints[k - 1], weaviate_key(settings))
    try:
        names = (settings.collection, settings.library_collection, settings.library_photo_collection)
        return {n: len(list(client.collections.get(n).with_consistency_level(ConsistencyLevel.ONE).iterator()))
                for n in names}
    finally:
        client.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    root = tmp_path_factory.mktemp("backup_s3")
    shutil.copytree(IMAGES, root / "images")
    (root / "s3").mkdir()
    with s3_server(root / "s3") as s3:
        s3.create_bucket(BUCKET)
        settings = private_cluster_settings(root / "state", root / "images", **s3.settings(BUCKET, PREFIX))
        shutil.copytree(ROOT / "library" / "samples", settings.library_root / "samples")
        with started(settings) as local:
            ok(cli(settings, "import"))
            ok(cli(settings, "library", "index"))
            before = answers(settings)
            yield World(settings, local, s3, before, ok(cli(settings, "backup", NAME)))


def test_the_answers_are_worth_comparing(world: World) -> None:
    """The recorded answers name people and find library photos, so comparing them can tell a difference."""
    [ted] = world.answers["search Ted_Lieu.jpg"]
    assert ted[0][:2] == ("Ted Lieu", "Ted_Lieu") and len(ted) == 5
    assert {m[0] for m in world.answers["find Ted_Lieu.jpg"]} >= {"2024/office-party.jpg", "2025/reunion.jpg"}


def test_every_node_writes_its_part_of_the_backup_into_the_bucket(world: World) -> None:
    made = world.made
    assert made.startswith(f"Backed up 8 enrolled faces, 6 library photos with 13 faces as {NAME} in "), made
    assert f"  stored at: s3://{BUCKET}/{PREFIX}/{NAME} (Weaviate's backup-s3 module)\n" in made, made
    keys = world.s3.keys(BUCKET, f"{PREFIX}/{NAME}/")
    assert f"{PREFIX}/{NAME}/backup_config.json" in keys, keys
    nodes = {key.split("/")[2] for key in keys if key.count("/") > 2}
    assert nodes == {node_hostname(k) for k in (1, 2, 3)}, keys
    s = world.settings
    [line] = [line for line in ok(cli(s, "backup", "--list")).splitlines() if line.startswith(f"{NAME}  ")]
    assert line.endswith(
        f"  SUCCESS  {', '.join(sorted(collection_names(s)))}"
    ), line


def collections(settings: Settings) -> set[str]:
    client = connect(settings)
    try:
        return set(client.collections.list_all(simple=True))
    finally:
        client.close()


def assert_restored_with_the_same_answers(world: World) -> None:
    """`restore NAME` into a cluster without the collections: every node holds every object again, and every
    look_for photo gets the answers it got before the backup."""
    s = world.settings
    assert not collections(s) & {s.collection, s.library_collection, s.library_photo_collection}

    restored = ok(cli(s, "restore", NAME))

    assert restored.startswith(f"Restored {NAME} in "), restored
    assert restored.splitlines()[0].endswith(": 8 enrolled faces, 6 library photos with 13 faces."), restored
    want = {s.collection: 8, s.library_collection: 13, s.library_photo_collection: 6}
    assert [held_by(s, k) for k in (1, 2, 3)] == [want] * 3
    after = answers(s)
    assert after.keys() == world.answers.keys()
    for key, before in world.answers.items():
        assert alike(before, after[key]), f"{key}: before {before}, after {after[key]}"


def test_restore_after_deleting_the_collections_gives_the_same_answers_on_every_node(world: World) -> None:
    s = world.settings
    client = connect(s)
    try:
        for name in collection_names(s):
            client.collections.delete(name)
    finally:
        client.close()
    assert_restored_with_the_same_answers(world)


def test_restore_into_a_cluster_whose_every_node_lost_its_data_gives_the_same_answers(world: World) -> None:
    """The disaster: all three nodes' data folders gone (the bucket survives); a new cluster, the same node names."""
    s = world.settings
    world.local.stop(log=lambda _: None)
    for k in (1, 2, 3):
        shutil.rmtree(s.state_dir / "data" / node_program(k))
    world.local.start(log=lambda _: None)
    assert_restored_with_the_same_answers(world)


@pytest.mark.parametrize("args", [["backup", "nightly"], ["backup", "--list"], ["restore", NAME]])
def test_a_cluster_set_to_back_up_to_a_folder_is_told_to_use_s3(world: World, args: list[str]) -> None:
    sentence = refused(cli(world.settings, *args, FACESEARCH_BACKUP_BACKEND="filesystem"))
    assert sentence == cluster_needs_s3(3)
    assert "FACESEARCH_BACKUP_BACKEND=s3" in sentence and "FACESEARCH_BACKUP_S3_BUCKET" in sentence
