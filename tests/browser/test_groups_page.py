""""People in your photos" in Debian's Chromium (playwright-core), against the real stack: frontend/e2e/groups.test.mjs.

The test makes a library folder of group photos under the stack's library root, one stranger (nobody enrolled) in four
of them beside enrolled people, indexes it through the API and waits for the stranger's group; the page must open
"People in your photos", name that group (asking first when the name is an enrolled person's) and show the name on
its faces.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import httpx
from PIL import Image, ImageOps

from tests.browser.e2e import run_e2e
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.integration.test_library_api import index
from tools.make_library_samples import compose

FOLDER = "groups-e2e"
NAME = "E2E Group Person"
STRANGER = LOOK_FOR / "Peggy_Whitson.jpg"
STRANGER_PHOTOS = ["trip/beach.jpg", "trip/dinner.jpg", "party.jpg", "portrait.jpg"]


def make_photos(folder: Path, cache: Path) -> None:
    """The stranger beside enrolled people, at two sizes and mirrored; another stranger once (left ungrouped)."""
    ted, dina, seth, norma = (IMAGES / p / "1.jpg" for p in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton", "Norma_Torres"))
    mirrored = cache / "stranger-mirrored.jpg"
    with Image.open(STRANGER) as im:
        ImageOps.mirror(ImageOps.exif_transpose(im).convert("RGB")).save(mirrored, quality=95)
    (folder / "trip").mkdir(parents=True)
    compose([STRANGER, ted])[0].save(folder / "trip" / "beach.jpg")
    compose([dina, mirrored, seth])[0].save(folder / "trip" / "dinner.jpg")
    compose([norma, STRANGER], height=360)[0].save(folder / "party.jpg")
    compose([mirrored], height=480)[0].save(folder / "portrait.jpg")
    compose([LOOK_FOR / "Chris_Pratt.jpg", ted])[0].save(folder / "once.jpg")


def stranger_grouped(api: httpx.Client) -> bool:
    """Whether a group nobody named holds every photo of the stranger."""
    listed = api.get("/api/library/groups", params={"folder": FOLDER})
    assert listed.status_code == 200, listed.text
    for group in listed.json()["groups"]:
        if group["name"] is None and group["faces"] >= len(STRANGER_PHOTOS):
            faces = api.get(f"/api/library/groups/{group['id']}").json()["faces"]
            if {f["path"] for f in faces if f["folder"] == FOLDER} >= set(STRANGER_PHOTOS):
                return True
    return False


def wait_for_grouping(api: httpx.Client, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stranger_grouped(api):
            return True
        time.sleep(1)
    return stranger_grouped(api)


def regroup(api: httpx.Client, seconds: float = 300) -> None:
    started = api.post("/api/library/groups/regroup")
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + seconds
    while (job := api.get("/api/library/groups").json()["grouping"]) and job["state"] == "running":
        assert time.monotonic() < deadline, f"the regrouping did not end in {seconds} s: {job}"
        time.sleep(1)
    assert job and job["state"] == "done", job


def forget_person(api: httpx.Client, name: str) -> None:
    for person in api.get("/api/people").json()["people"]:
        if person["name"] == name:
            api.delete(f"/api/people/{person['id']}")


def test_people_in_your_photos_end_to_end(stack: Stack, tmp_path: Path) -> None:
    folder = stack.settings.library_root / FOLDER
    make_photos(folder, tmp_path)
    try:
        assert index(stack.api, FOLDER)["state"] == "done"
        # A new photo's faces are grouped as they are indexed; a regrouping is the way back if they were not.
        if not wait_for_grouping(stack.api, 30):
            regroup(stack.api)
            assert stranger_grouped(stack.api), stack.api.get("/api/library/groups", params={"folder": FOLDER}).text
        env = {
                "FACESEARCH_URL": stack.settings.api_url,
            "FACESEARCH_API_KEY": stack.key,  # typed into the page's prompt on its first change
            "FACESEARCH_LIBRARY_FOLDER": FOLDER,
            "FACESEARCH_GROUP_PATHS": json.dumps(STRANGER_PHOTOS),
            "FACESEARCH_GROUP_NAME": NAME,
            "FACESEARCH_ENROLLED_NAME": "Ted Lieu",
        }
        run_e2e("groups.test.mjs", env)
    finally:
        forget_person(stack.api, NAME)
        stack.api.delete(f"/api/library/folders/{FOLDER}")
        shutil.rmtree(folder)
