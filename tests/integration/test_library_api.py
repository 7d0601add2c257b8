"""The photo library through the search API, on the real stack: indexing under the library root only,
finding by photo and by person, photos served by id and never by a path a client sends."""

from __future__ import annotations

import io
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image

from facesearch.face import FaceModels
from facesearch.face.embed import decision_for
from facesearch.library.index import folder_key, index_folder
from facesearch.store import library as records
from facesearch.store.connection import connect
from facesearch.store.space import vector_space
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.opens import Opens
from tools.make_library_samples import compose


def wait_for_job(api: httpx.Client, folder: str) -> dict:
    """Poll GET /api/library until the indexing of `folder` ends (5 minutes at most)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        job = api.get("/api/library").json()["job"]
        if job and job["folder"] == folder and job["state"] != "running":
            return job
        time.sleep(0.5)
    raise AssertionError(f"indexing {folder} did not end within 5 minutes")


def index(api: httpx.Client, folder: str) -> dict:
    started = api.post("/api/library/index", json={"folder": folder})
    assert started.status_code == 202, started.text
    return wait_for_job(api, folder)


@pytest.fixture(scope="module")
def folder(stack: Stack) -> Iterator[str]:
    """library/api/ under the stack's library root: two group photos and a portrait, indexed through the API."""
    path = stack.settings.library_root / "api"
    path.mkdir(parents=True)
    people = [IMAGES / p / "1.jpg" for p in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton")]
    compose(people)[0].save(path / "group.jpg")
    (path / "more").mkdir()
    compose(people[:2])[0].save(path / "more" / "pair.jpg")
    shutil.copy(LOOK_FOR / "Peggy_Whitson.jpg", path / "peggy.jpg")
    job = index(stack.api, "api")
    assert job["state"] == "done" and job["summary"].startswith("new 3, "), job
    yield "api"
    stack.api.delete("/api/library/folders/api")
    shutil.rmtree(path)


def test_status_lists_the_folder(stack: Stack, folder: str) -> None:
    status = stack.api.get("/api/library").json()
    assert status["root"] == str(stack.settings.library_root)
    entry = next(f for f in status["folders"] if f["folder"] == folder)
    assert (entry["indexed"], entry["photos"], entry["faces"], entry["skipped"]) == (True, 3, 6, [])
    assert entry["last_indexed"]


def test_find_by_photo_returns_every_photo_with_boxes_and_names(stack: Stack, folder: str) -> None:
    photo = {"photo": ("q.jpg", (IMAGES / "Dina_Titus" / "1.jpg").read_bytes())}
    answer = stack.api.post("/api/library/find", files=photo).json()
    assert answer["threshold"] == decision_for(stack.settings).library_threshold and answer["query"] == 1
    matches = {m["path"]: m for m in answer["matches"] if m["folder"] == folder}
    assert {"group.jpg", "more/pair.jpg"} <= set(matches)
    for m in matches.values():
        assert m["name"] == "Dina Titus" and m["similarity"] >= answer["threshold"]
        assert 0 <= m["box"]["left"] < m["box"]["right"] <= m["width"]
        image = stack.api.get(m["image_url"], params={"size": 300})
        assert image.headers["content-type"] == "image/jpeg"
        assert max(Image.open(io.BytesIO(image.content)).size) == 300


def test_a_photo_shows_every_face_with_its_name(stack: Stack, folder: str) -> None:
    photo = {"photo": ("q.jpg", (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes())}
    group = next(m for m in stack.api.post("/api/library/find", files=photo).json()["matches"] if m["path"] == "group.jpg")
    detail = stack.api.get(f"/api/library/photos/{group['photo_id']}").json()
    assert [f["name"] for f in detail["faces"]] == ["Ted Lieu", "Dina Titus", "Seth Moulton"]
    full = Image.open(io.BytesIO(stack.api.get(detail["image_url"]).content))
    assert full.size == (detail["width"], detail["height"])


def test_find_by_person_and_the_people_count(stack: Stack, folder: str) -> None:
    answer = stack.api.get("/api/library/find", params={"person": "Seth_Moulton", "folder": folder}).json()
    assert answer["person"] == {"id": "Seth_Moulton", "name": "Seth Moulton"}
    assert [m["path"] for m in answer["matches"]] == ["group.jpg"]
    people = {p["id"]: p for p in stack.api.get("/api/people").json()["people"]}
    assert people["Dina_Titus"]["library_photos"] >= 2 and people["Paul_Rudd"]["library_photos"] == 0


def test_a_photo_with_several_faces_says_which_it_searched_with(stack: Stack, folder: str) -> None:
    group = (stack.settings.library_root / folder / "group.jpg").read_bytes()
    answer = stack.api.post("/api/library/find", files={"photo": ("g.jpg", group)}).json()
    assert len(answer["faces"]) == 3 and "searching with the largest" in answer["note"]
    third = stack.api.post("/api/library/find", params={"face": 3}, files={"photo": ("g.jpg", group)}).json()
    assert third["query"] == 3 and third["note"] is None
    assert {m["name"] for m in third["matches"] if m["folder"] == folder} == {"Seth Moulton"}
    wrong = stack.api.post("/api/library/find", params={"face": 9}, files={"photo": ("g.jpg", group)})
    assert wrong.status_code == 400 and wrong.json()["code"] == "bad_request"


def test_folders_outside_the_root_are_refused(stack: Stack, folder: str, tmp_path: Path) -> None:
    link = stack.settings.library_root / "escape"
    link.symlink_to(tmp_path, target_is_directory=True)
    try:
        for name in ["../", "/etc", "api/../../", "escape", "a\0b", "..\\.."]:
            answer = stack.api.post("/api/library/index", json={"folder": name})
            assert answer.status_code == 400 and answer.json()["code"] == "bad_request", (name, answer.text)
        missing = stack.api.post("/api/library/index", json={"folder": "nothing-here"})
        assert missing.status_code == 404 and missing.json()["error"]
        for path in ["/api/library/folders/..%2F..", "/api/library/folders/escape"]:
            assert stack.api.delete(path).status_code == 400
        photo = {"photo": ("q.jpg", (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes())}
        find = stack.api.post("/api/library/find", params={"folder": "../"}, files=photo)
        assert find.status_code == 400 and find.json()["code"] == "bad_request"
    finally:
        link.unlink()


def test_photos_are_served_by_id_only_and_only_from_under_the_root(stack: Stack, folder: str, tmp_path: Path) -> None:
    for path in ["/api/library/photos/..%2F..%2Fetc%2Fpasswd/image", "/api/library/photos/not-an-id/image",
                 f"/api/library/photos/{records.photo_id('/etc', 'passwd')}/image", "/api/library/photos/%2Fetc%2Fpasswd"]:
        answer = stack.api.get(path)
        assert answer.status_code == 404 and answer.json()["code"] == "not_found", path
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(IMAGES / "Ted_Lieu" / "1.jpg", outside / "ted.jpg")
    client = connect(stack.settings)
    library = records.ensure_library(client, stack.settings, vector_space(stack.settings))
    try:
        index_folder(library, outside, models=FaceModels.detector_only("yunet"))  # as the command line may
        photo_id = records.photo_id(folder_key(outside), "ted.jpg")
        for path in [f"/api/library/photos/{photo_id}", f"/api/library/photos/{photo_id}/image"]:
            assert stack.api.get(path).status_code == 404, path
        found = stack.api.post("/api/library/find", files={"photo": ("q.jpg", (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes())})
        assert all(m["folder"] for m in found.json()["matches"]) and photo_id not in found.text
    finally:
        records.forget_folder(library, folder_key(outside))
        client.close()


def test_links_out_of_the_root_are_skipped_never_opened_and_never_found(stack: Stack, tmp_path: Path) -> None:
    """The outside probe: library/probe/real/ with links to a photo outside the root and to /etc/passwd."""
    probe = stack.settings.library_root / "probe"
    (probe / "real").mkdir(parents=True)
    (tmp_path / "dir").mkdir()
    for path in (tmp_path / "ted.jpg", tmp_path / "dir" / "ted.jpg", probe / "real.jpg"):
        shutil.copy(LOOK_FOR / "Ted_Lieu.jpg", path)
    (probe / "real" / "outside.jpg").symlink_to(tmp_path / "ted.jpg")
    (probe / "real" / "passwd.jpg").symlink_to("/etc/passwd")
    (probe / "real" / "inside.jpg").symlink_to("../real.jpg")  # a link that stays in the root is read
    (probe / "real" / "away").symlink_to(tmp_path / "dir", target_is_directory=True)
    try:
        with Opens(tmp_path / "ted.jpg", tmp_path / "dir") as opens:
            job = index(stack.api, "probe/real")
            assert not opens.seen(), "a file or folder outside the library root was opened"
        assert job["state"] == "done" and job["summary"].startswith("new 3, "), job
        reason = "This is a link to a file outside the library folder; links that leave it are not followed."
        skipped = [("outside.jpg", reason), ("passwd.jpg", reason)]
        assert sorted((s["path"], s["reason"]) for s in job["skipped"]) == skipped
        listed = next(f for f in stack.api.get("/api/library").json()["folders"] if f["folder"] == "probe/real")
        assert sorted((s["path"], s["reason"]) for s in listed["skipped"]) == skipped
        assert (listed["photos"], listed["faces"]) == (3, 1)
        photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
        found = stack.api.post("/api/library/find", params={"folder": "probe/real"}, files=photo).json()["matches"]
        assert [m["path"] for m in found] == ["inside.jpg"]
    finally:
        stack.api.delete("/api/library/folders/probe/real")
        shutil.rmtree(probe)


def wait_for(check, what: str, seconds: float = 60) -> None:  # noqa: ANN001 - a callable returning bool
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"{what} did not happen within {seconds:.0f} s"
        time.sleep(0.5)


def test_enrolling_and_removing_someone_tags_and_untags_their_library_photos(stack: Stack, folder: str) -> None:
    path = stack.settings.library_root / folder / "pratt.jpg"
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", path)
    try:
        assert index(stack.api, folder)["summary"].startswith("new 1, ")
        photo = {"photo": ("q.jpg", (LOOK_FOR / "Chris_Pratt.jpg").read_bytes())}
        found = stack.api.post("/api/library/find", files=photo).json()["matches"]
        photo_id = next(m["photo_id"] for m in found if m["path"] == "pratt.jpg")
        assert [f["name"] for f in records_of(stack, photo_id)] == [None]

        created = stack.api.post("/api/people", data={"name": "Chris Pratt"}, files=[("photos", photo["photo"])])
        assert created.status_code == 201, created.text
        wait_for(lambda: [f["name"] for f in records_of(stack, photo_id)] == ["Chris Pratt"], "tagging after enrolling")
        people = {p["id"]: p for p in stack.api.get("/api/people").json()["people"]}
        assert people["Chris_Pratt"]["library_photos"] == 1

        assert stack.api.delete("/api/people/Chris_Pratt").status_code == 204
        wait_for(lambda: [f["name"] for f in records_of(stack, photo_id)] == [None], "untagging after removing")
    finally:
        stack.api.delete("/api/people/Chris_Pratt")
        path.unlink()
        index(stack.api, folder)


def records_of(stack: Stack, photo_id: str) -> list[dict]:
    """The faces of a library photo as GET /api/library/photos/{id} gives them."""
    return stack.api.get(f"/api/library/photos/{photo_id}").json()["faces"]
