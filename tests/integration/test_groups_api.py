"""People in the library's photos through the search API, on the real stack: a stranger seen in two photos is a
group nobody named; naming it after an enrolled person asks first; naming it enrols them, and "Who is in this
photo?" knows them; changes need a write key."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.integration.test_library_api import index
from tools.make_library_samples import compose

FOLDER = "groups-api"


@pytest.fixture(scope="module")
def folder(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Chris Pratt (enrolled nowhere) in two photos, beside enrolled people; Peggy Whitson once."""
    path = stack.settings.library_root / FOLDER
    path.mkdir(parents=True)
    mirrored = tmp_path_factory.mktemp("portraits") / "pratt-mirror.jpg"
    with Image.open(LOOK_FOR / "Chris_Pratt.jpg") as im:
        ImageOps.mirror(ImageOps.exif_transpose(im).convert("RGB")).save(mirrored, quality=95)
    compose([LOOK_FOR / "Chris_Pratt.jpg", IMAGES / "Ted_Lieu" / "1.jpg"])[0].save(path / "one.jpg")
    compose([mirrored, IMAGES / "Dina_Titus" / "1.jpg"])[0].save(path / "two.jpg")
    shutil.copy(LOOK_FOR / "Peggy_Whitson.jpg", path / "peggy.jpg")
    job = index(stack.api, FOLDER)
    assert job["state"] == "done", job
    yield FOLDER
    stack.api.delete("/api/library/folders/" + FOLDER)
    shutil.rmtree(path)


def stranger(stack: Stack, folder: str) -> dict:
    listed = stack.api.get("/api/library/groups", params={"folder": folder}).json()
    unnamed = [g for g in listed["groups"] if g["name"] is None]
    assert len(unnamed) == 1 and unnamed[0]["faces"] == 2, listed
    return unnamed[0]


def test_a_stranger_in_two_photos_is_one_group_with_its_faces(stack: Stack, folder: str) -> None:
    group = stranger(stack, folder)
    assert group["photos"] == 2 and group["person_id"] is None and not group["hidden"]
    detail = stack.api.get(f"/api/library/groups/{group['id']}").json()
    assert sorted(f["path"] for f in detail["faces"]) == ["one.jpg", "two.jpg"]
    crop = stack.api.get(detail["faces"][0]["face_url"])
    assert crop.status_code == 200 and crop.headers["content-type"] == "image/jpeg"
    assert stack.api.get("/api/library/groups/00000000-0000-4000-8000-000000000000").status_code == 404
    config = stack.api.get("/api/config").json()
    assert config["group_min_faces"] >= 2 and config["min_face_px"] > 0


def test_changes_need_a_write_key(stack: Stack, folder: str) -> None:
    group = stranger(stack, folder)
    without = stack.api.post(f"/api/library/groups/{group['id']}/hide", json={"hidden": True},
                             headers={"Authorization": ""})
    assert without.status_code == 401, without.text


def test_naming_after_an_enrolled_person_asks_first(stack: Stack, folder: str) -> None:
    group = stranger(stack, folder)
    asked = stack.api.post(f"/api/library/groups/{group['id']}/name", json={"name": "Ted Lieu"})
    assert asked.status_code == 409 and asked.json()["code"] == "person_exists", asked.text
    assert "Ted Lieu is enrolled already" in asked.json()["error"]
    assert stranger(stack, folder)["id"] == group["id"]  # nothing changed


def test_naming_a_group_enrols_the_person(stack: Stack, folder: str) -> None:
    group = stranger(stack, folder)
    try:
        named = stack.api.post(f"/api/library/groups/{group['id']}/name", json={"name": "Chris Pratt"})
        assert named.status_code == 200, named.text
        assert (named.json()["group"]["name"], named.json()["group"]["person_id"]) == ("Chris Pratt", "Chris_Pratt")
        assert (stack.settings.images_dir / "Chris_Pratt" / "name.txt").read_text().strip() == "Chris Pratt"
        with open(LOOK_FOR / "Chris_Pratt.jpg", "rb") as photo:
            found = stack.api.post("/api/search", files={"photo": ("pratt.jpg", photo, "image/jpeg")}).json()
        assert found["faces"][0]["match"]["person_id"] == "Chris_Pratt", found
        listed = stack.api.get("/api/library/groups", params={"folder": folder}).json()["groups"]
        assert {g["name"] for g in listed} >= {"Chris Pratt"}
    finally:
        stack.api.delete("/api/people/Chris_Pratt")


def test_a_regroup_runs_as_a_job_and_keeps_the_groups(stack: Stack, folder: str) -> None:
    before = {g["id"] for g in stack.api.get("/api/library/groups", params={"folder": folder}).json()["groups"]}
    started = stack.api.post("/api/library/groups/regroup")
    assert started.status_code == 202 and started.json()["kind"] == "regroup", started.text
    deadline = time.monotonic() + 120
    while (job := stack.api.get("/api/library/groups").json()["grouping"])["state"] == "running":
        assert time.monotonic() < deadline, job
        time.sleep(0.5)
    assert job["state"] == "done" and "groups" in job["summary"], job
    after = {g["id"] for g in stack.api.get("/api/library/groups", params={"folder": folder}).json()["groups"]}
    assert after == before
    assert stack.api.get("/api/library/groups/suggestions").status_code == 200
