"""start.sh and stop.sh in local mode, run as a user runs them (on private ports and state)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import httpx

from facesearch.local.stack import node_lines, port_holder, settings_env, weaviate_ports
from tests.conftest import IMAGES, LOOK_FOR, bearer, private_cluster_settings, private_settings
from tests.integration.test_watch import phone_photo

ROOT = LOOK_FOR.parent


def run(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_start_search_stop_start_keeps_the_data(tmp_path: Path) -> None:
    shutil.copytree(IMAGES, tmp_path / "images")
    settings = private_settings(tmp_path / "state", tmp_path / "images", watch=True)  # as a user's: watched folders
    env = {**os.environ, "FACESEARCH_MODE": "local", **settings_env(settings)}

    shutil.copytree(ROOT / "library" / "samples", settings.library_root / "samples")

    out = run("start.sh", env)
    assert "imported 8, unchanged 0" in out
    assert "samples: new 6, changed 0, moved 0, removed 0, unchanged 0, skipped 0; 13 faces added" in out
    assert f"open {settings.api_url}" in out
    # The first start makes the page's API key and prints it once, saying where it goes.
    [key] = [line.strip() for line in out.splitlines() if line.strip().startswith("fs_")]
    assert "Paste it when the page asks for an API key" in out
    change = httpx.delete(f"{settings.api_url}/api/people/Nobody_Here", headers=bearer(key), timeout=60)
    assert change.json()["code"] == "not_found"  # the key passes; there is no such person
    assert httpx.delete(f"{settings.api_url}/api/people/Nobody_Here", timeout=60).status_code == 401
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Seth_Moulton.jpg").read_bytes())}
    answer = httpx.post(f"{settings.api_url}/api/search", files=photo, timeout=60).json()
    assert answer["faces"][0]["match"]["name"] == "Seth Moulton"

    # "Where else does this face appear?" from the command line and through the API.
    find = [".venv/bin/python", "-m", "facesearch", "find", "-q", "look_for/Ted_Lieu.jpg", "-t", str(settings.library_root / "samples")]
    done = subprocess.run(find, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert {line.split()[0] for line in done.stdout.splitlines()} == {"2024/office-party.jpg", "2025/reunion.jpg"}
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
    found = httpx.post(f"{settings.api_url}/api/library/find", files=photo, timeout=60).json()
    assert {m["path"] for m in found["matches"]} == {"2024/office-party.jpg", "2025/reunion.jpg"}
    # An iPhone's photo dropped into library/samples/ is found within seconds, without a command.
    (settings.library_root / "samples" / "IMG_0001.HEIC").write_bytes(phone_photo(LOOK_FOR / "Paul_Rudd.jpg"))
    query = {"photo": ("q.jpg", (LOOK_FOR / "Paul_Rudd.jpg").read_bytes())}
    deadline = time.monotonic() + 120
    while "IMG_0001.HEIC" not in {m["path"] for m in httpx.post(f"{settings.api_url}/api/library/find", files=query,
                                                                 timeout=60).json()["matches"]}:
        assert time.monotonic() < deadline, "the HEIC photo dropped into library/samples/ was not found in 120 s"
        time.sleep(0.5)
    rerun = run("start.sh", env)
    assert "already running" in rerun and "fs_" not in rerun and "API key" not in rerun

    assert "api: stopped" in run("stop.sh", env)
    assert "Nothing was running." in run("stop.sh", env)

    again = run("start.sh", env)
    assert "fs_" not in again
    assert "imported 0, unchanged 8, updated 0, removed 0, skipped 0" in again
    assert "samples: new 0, changed 0, moved 0, removed 0, unchanged 7, skipped 0; 0 faces added" in again
    assert httpx.get(f"{settings.api_url}/api/people", timeout=30).json()["people"][0]["name"] == "Cady Coleman"
    run("stop.sh", env)


def test_start_with_three_nodes_serves_the_page_and_every_look_for_photo_and_stop_ends_every_node(tmp_path: Path) -> None:
    shutil.copytree(IMAGES, tmp_path / "images")
    settings = private_cluster_settings(tmp_path / "state", tmp_path / "images")
    env = {**os.environ, "FACESEARCH_MODE": "local", **settings_env(settings)}
    try:
        out = run("start.sh", env)
        assert "Weaviate: a cluster of 3 nodes on this machine" in out
        for line in node_lines(settings):
            assert line in out
        assert "imported 8, unchanged 0" in out
        assert "<html" in httpx.get(settings.api_url, timeout=30).text.lower()
        enrolled = {p.name: (p / "name.txt").read_text().strip() for p in IMAGES.iterdir() if p.is_dir()}
        for photo in (p for p in LOOK_FOR.iterdir() if p.stem in enrolled):
            answer = httpx.post(f"{settings.api_url}/api/search", files={"photo": (photo.name, photo.read_bytes())},
                                timeout=60).json()
            assert answer["faces"][0]["match"]["name"] == enrolled[photo.stem], photo.name
        rerun = run("start.sh", env)
        assert all(f"{name}: already running" in rerun for name in ("weaviate", "weaviate2", "weaviate3"))
        status = subprocess.run([".venv/bin/python", "-m", "facesearch", "stack", "status"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=120).stdout
        assert "cluster of 3 node(s): every node in" in status, status
    finally:
        stopped = run("stop.sh", env)
    assert all(f"{name}: stopped" in stopped for name in ("weaviate", "weaviate2", "weaviate3"))
    assert [port_holder(p.number) for k in (1, 2, 3) for p in weaviate_ports(settings, k)] == [None] * 18
