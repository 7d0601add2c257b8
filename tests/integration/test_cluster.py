"""Three Weaviate nodes, one cluster: the same answers as one node, and a node lost, restarted and caught up.

The cluster is a private local stack (FACESEARCH_WEAVIATE_NODES=3, replication factor 3, QUORUM writes and
reads) with the sample people imported. The tests kill its nodes; each leaves every node running again.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from weaviate.classes.config import ConsistencyLevel

from facesearch.api import keys
from facesearch.local.stack import LocalStack, settings_env
from facesearch.settings import Settings, node_program, weaviate_key
from facesearch.store.cluster import local_names as cluster_names
from facesearch.store.connection import connect, connect_to
from tests.conftest import IMAGES, LOOK_FOR, Stack, bearer, private_cluster_settings, started
from tests.integration.test_groups import make_photos

PHOTOS_OF_PEOPLE = ("a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg")
"""test_groups' photos: five enrolled people in two or three photos each, two strangers once each."""

CATCH_UP_S = 300
"""Longest wait (s) for a restarted node to hold every object: a deadline for polling, not a speed goal.
Weaviate's asynchronous replication compares the copies every 30 s and leaves objects younger than 30 s
for a later round."""
PHOTOS = sorted(p.name for p in LOOK_FOR.iterdir() if p.suffix in (".jpg", ".png"))


@dataclass
class Cluster:
    settings: Settings
    local: LocalStack
    api: httpx.Client
    timings: dict[str, float] = field(default_factory=dict)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m facesearch ARGS` with this cluster's settings."""
        env = {**os.environ, **settings_env(self.settings)}
        return subprocess.run([sys.executable, "-m", "facesearch", *args], env=env, text=True, capture_output=True,
                              timeout=600, cwd=LOOK_FOR.parent)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    root = tmp_path_factory.mktemp("cluster")
    shutil.copytree(IMAGES, root / "images")
    settings = private_cluster_settings(root / "state", root / "images")
    with started(settings) as local:
        _, key = keys.create(settings, "tests")
        with httpx.Client(base_url=settings.api_url, timeout=120, headers=bearer(key)) as api:
            c = Cluster(settings, local, api)
            done = c.run("import")
            assert done.returncode == 0, done.stdout + done.stderr
            yield c
            print("\ncluster timings (s): " + ", ".join(f"{k} {v:.1f}" for k, v in c.timings.items()))


def answers(api: httpx.Client) -> dict[str, list[tuple[str, str]]]:
    """Per look_for photo: each face's best three candidates as (person id, photo file), best first."""
    out = {}
    for photo in PHOTOS:
        response = api.post("/api/search", params={"limit": 3}, files={"photo": (photo, (LOOK_FOR / photo).read_bytes())})
        assert response.status_code == 200, f"{photo}: {response.text}"
        out[photo] = [[(c["person_id"], c["filename"]) for c in face["candidates"]] for face in response.json()["faces"]]
    return out


def held_by(settings: Settings, k: int) -> dict[str, list[str]]:
    """Per collection, the object ids node k (from 1) holds itself: asked of that node at consistency ONE."""
    client = connect_to(settings.weaviate_endpoints[k - 1], weaviate_key(settings))
    try:
        return {
            name: sorted(str(o.uuid) for o in client.collections.get(name).with_consistency_level(ConsistencyLevel.ONE).iterator())
            for name in sorted(client.collections.list_all(simple=True))
        }
    finally:
        client.close()


def test_three_nodes_answer_every_look_for_photo_as_one_node_does(stack: Stack, cluster: Cluster) -> None:
    one = answers(stack.api)
    assert any(faces and faces[0] for faces in one.values())
    assert answers(cluster.api) == one


def test_stack_status_shows_every_node_in_the_cluster_with_its_objects(cluster: Cluster) -> None:
    done = cluster.run("stack", "status")
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split()[1:] for line in done.stdout.splitlines() if line.startswith("facesearch")}
    assert rows == {name: ["yes", "8"] for name in ("facesearch", "facesearch2", "facesearch3")}, done.stdout
    assert "cluster of 3 node(s): every node in" in done.stdout
    assert cluster.api.get("/api/ready").json() == {
        "status": "ready", "weaviate_nodes": 3, "nodes_in": ["facesearch", "facesearch2", "facesearch3"], "nodes_out": [],
    }


def raft_leader(settings: Settings) -> int:
    """Which node (from 1) is the cluster's Raft leader now."""
    client = connect(settings)
    try:
        leader = client.cluster.statistics().statistics[0].leader_id
    finally:
        client.close()
    return cluster_names(settings).index(leader) + 1


def settled_ready(api: httpx.Client, timeout_s: float = 30.0) -> dict:
    """GET /api/ready once the survivors agree that two nodes are in (at most `timeout_s` s): while the cluster
    elects a new Raft leader, a survivor may report the other as not yet HEALTHY for a moment (seen with the
    test processes loading both cores)."""
    deadline = time.monotonic() + timeout_s
    while True:
        ready = api.get("/api/ready").json()
        if len(ready.get("nodes_in", [])) == 2 or time.monotonic() > deadline:
            return ready
        time.sleep(0.5)


@pytest.mark.parametrize("which", ["the API's first node", "node 3", "the Raft leader"])
def test_a_lost_node_leaves_searches_and_imports_working_and_catches_up_when_back(cluster: Cluster, which: str) -> None:
    k = {"the API's first node": 1, "node 3": 3}.get(which) or raft_leader(cluster.settings)
    before = answers(cluster.api)
    victim, newcomer = node_program(k), cluster.settings.images_dir / f"Newcomer_{k}"
    os.kill(cluster.local.pid(victim), signal.SIGKILL)
    killed = time.monotonic()
    cluster.local.stop_services([victim], log=lambda _: None)  # kept down: the supervisor would restart it
    try:
        assert answers(cluster.api) == before
        ready = settled_ready(cluster.api)
        assert ready["status"] == "degraded" and cluster_names(cluster.settings)[k - 1] not in ready["nodes_in"], ready
        assert len(ready["nodes_in"]) == 2, ready

        newcomer.mkdir()
        shutil.copy(LOOK_FOR / "Paul_Rudd.jpg", newcomer / "1.jpg")
        done = cluster.run("import")
        assert done.returncode == 0, done.stdout + done.stderr
        cluster.timings[f"{which} ({victim}) SIGKILL -> import done"] = time.monotonic() - killed
        found = cluster.api.post("/api/search", files={"photo": ("p.jpg", (LOOK_FOR / "Paul_Rudd.jpg").read_bytes())})
        assert found.json()["faces"][0]["match"]["person_id"] == newcomer.name, found.text

        others = [j for j in (1, 2, 3) if j != k]
        want = held_by(cluster.settings, others[0])
        assert held_by(cluster.settings, others[1]) == want
        assert len(want[cluster.settings.collection]) == 9
        cluster.local.start(log=lambda _: None)
        back = time.monotonic()
        while held_by(cluster.settings, k) != want:
            assert time.monotonic() - back < CATCH_UP_S, f"{victim} did not catch up in {CATCH_UP_S} s"
            time.sleep(2)
        cluster.timings[f"{which} ({victim}) back -> holds every object"] = time.monotonic() - back
    finally:
        cluster.local.start(log=lambda _: None)
        shutil.rmtree(newcomer, ignore_errors=True)
        done = cluster.run("import")
        assert done.returncode == 0, done.stdout + done.stderr


def test_stopping_and_starting_the_cluster_keeps_every_object_once(cluster: Cluster) -> None:
    before = held_by(cluster.settings, 1)
    assert len(before[cluster.settings.collection]) == 8
    assert held_by(cluster.settings, 2) == held_by(cluster.settings, 3) == before
    cluster.local.stop(log=lambda _: None)
    cluster.local.start(log=lambda _: None)
    for k in (1, 2, 3):
        held = held_by(cluster.settings, k)
        assert held == before, f"node {k} after a restart"
        assert all(len(ids) == len(set(ids)) for ids in held.values())
    assert answers(cluster.api)  # the API serves again


def people_in(run, folder: Path) -> list[tuple[str | None, frozenset]]:  # noqa: ANN001 - a `facesearch` runner
    """`library index FOLDER` then `library people FOLDER --json`: each group's name and faces (path, box)."""
    for args in (("library", "index", str(folder)), ("library", "people", str(folder), "--json")):
        done = run(*args)
        assert done.returncode == 0, done.stdout + done.stderr
    return sorted(((g["name"], frozenset((f["path"], tuple(f["box"].values())) for f in g["faces"]))
                   for g in json.loads(done.stdout)), key=repr)


def test_the_people_in_the_photos_are_grouped_on_three_nodes_as_on_one(
    stack: Stack, cluster: Cluster, tmp_path: Path
) -> None:
    folder = tmp_path / "people"
    folder.mkdir()
    make_photos(folder, list(PHOTOS_OF_PEOPLE), tmp_path)
    one = stack.settings

    def run_on_one(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, **settings_env(one)}
        return subprocess.run([sys.executable, "-m", "facesearch", *args], env=env, text=True, capture_output=True,
                              timeout=600, cwd=LOOK_FOR.parent)

    try:
        on_three, on_one = people_in(cluster.run, folder), people_in(run_on_one, folder)
        assert on_three == on_one
        # the five enrolled people's groups; the strangers, once each, in none
        assert sorted(name for name, _ in on_three) == ["Dina Titus", "Kyrsten Sinema", "Norma Torres", "Seth Moulton",
                                                        "Ted Lieu"]
    finally:
        run_on_one("library", "remove", str(folder))
        cluster.run("library", "remove", str(folder))
