"""start.sh and stop.sh in local mode, run as a user runs them (on private ports and state)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import httpx

from facesearch.stack import settings_env
from tests.conftest import IMAGES, LOOK_FOR, private_settings

ROOT = LOOK_FOR.parent


def run(script: str, env: dict[str, str]) -> str:
    done = subprocess.run(["bash", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{script} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_start_search_stop_start_keeps_the_data(tmp_path: Path) -> None:
    shutil.copytree(IMAGES, tmp_path / "images")
    settings = private_settings(tmp_path / "state", tmp_path / "images")
    env = {**os.environ, "FACESEARCH_MODE": "local", **settings_env(settings)}

    out = run("start.sh", env)
    assert "imported 8, unchanged 0" in out
    assert f"open {settings.api_url}" in out
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Seth_Moulton.jpg").read_bytes())}
    answer = httpx.post(f"{settings.api_url}/api/search", files=photo, timeout=60).json()
    assert answer["faces"][0]["match"]["name"] == "Seth Moulton"
    assert "already running" in run("start.sh", env)

    assert "api: stopped" in run("stop.sh", env)
    assert "Nothing was running." in run("stop.sh", env)

    again = run("start.sh", env)
    assert "imported 0, unchanged 8, updated 0, removed 0, skipped 0" in again
    assert httpx.get(f"{settings.api_url}/api/people", timeout=30).json()["people"][0]["name"] == "Cady Coleman"
    run("stop.sh", env)
