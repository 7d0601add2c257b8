"""The state folder holds every face (Weaviate's files), the keys and the logs: on a private stack that enrolled
someone and indexed a library folder, no file or folder in it is open to group or other users (0700 folders,
0600 files), running or stopped; a state folder made too open beforehand is made private at start, with a
sentence, and a start that finds it private says nothing about it."""

from __future__ import annotations

import os
import shutil
import stat
import time
from pathlib import Path

import httpx

from facesearch.api import keys
from tests.conftest import IMAGES, LOOK_FOR, bearer, private_settings, started


def too_open(state: Path) -> list[str]:
    """Every folder and file under `state` (itself included, links left out) that group or others may use."""
    found = []
    for dirpath, dirnames, filenames in os.walk(state):
        for path in [Path(dirpath), *(Path(dirpath) / name for name in dirnames + filenames)]:
            mode = path.lstat().st_mode
            if not stat.S_ISLNK(mode) and mode & 0o077:
                found.append(f"{path} {stat.filemode(mode)}")
    return sorted(set(found))


def enroll_and_index(api: httpx.Client, library: Path) -> None:
    """Enrol someone and index a library folder through the API, so Weaviate writes faces to its files."""
    photo = ("photos", ("pratt.jpg", (LOOK_FOR / "Chris_Pratt.jpg").read_bytes(), "image/jpeg"))
    assert api.post("/api/people", data={"name": "Chris Pratt"}, files=[photo]).status_code == 201
    (library / "photos").mkdir()
    shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", library / "photos" / "ted.jpg")
    assert api.post("/api/library/index", json={"folder": "photos"}).status_code == 202
    deadline = time.monotonic() + 300
    while (job := api.get("/api/library").json()["job"])["state"] == "running":
        assert time.monotonic() < deadline, "indexing did not end within 5 minutes"
        time.sleep(0.5)
    assert job["state"] == "done" and job["summary"].startswith("new 1, "), job


def test_the_state_folder_and_everything_in_it_is_private(tmp_path: Path) -> None:
    shutil.copytree(IMAGES / "Ted_Lieu", tmp_path / "images" / "Ted_Lieu")
    state = tmp_path / "state"
    (state / "data").mkdir(parents=True)
    (state / "old.log").write_text("made by an earlier facesearch\n")
    for path, mode in [(state, 0o755), (state / "data", 0o755), (state / "old.log", 0o644)]:
        path.chmod(mode)
    settings = private_settings(state, tmp_path / "images")
    said: list[str] = []
    with started(settings, log=said.append):
        assert f"Made {state} private (it was readable by other users)." in said, said
        _, key = keys.create(settings, "tests")
        with httpx.Client(base_url=settings.api_url, headers=bearer(key), timeout=120) as api:
            enroll_and_index(api, settings.library_root)
        assert too_open(state) == []
    assert too_open(state) == []  # stopped: Weaviate has written its segments out
    assert len([p for p in (state / "data").rglob("*") if p.is_file()]) > 10
    again: list[str] = []
    with started(settings, log=again.append):
        assert not [line for line in again if "private" in line], again
    assert too_open(state) == []
