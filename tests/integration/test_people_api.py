"""Enrolling and removing people through the API: disk first, then Weaviate; every error in one shape."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from facesearch.face.embed import decision_for
from tests.conftest import LOOK_FOR, Stack
from tests.opens import Opens


def photo(name: str) -> tuple[str, bytes, str]:
    return (name, (LOOK_FOR / name).read_bytes(), "image/jpeg")


def who(stack: Stack, name: str) -> str | None:
    body = stack.api.post("/api/search", files={"photo": photo(name)}).json()
    match = body["faces"][0]["match"]
    return match and match["name"]


def test_enroll_find_add_remove(stack: Stack) -> None:
    try:
        created = stack.api.post("/api/people", data={"name": "Chris Pratt"}, files=[("photos", photo("Chris_Pratt.jpg"))])
        assert created.status_code == 201, created.text
        person = created.json()["person"]
        assert (person["id"], person["name"], person["photo_count"]) == ("Chris_Pratt", "Chris Pratt", 1)
        assert (stack.settings.images_dir / "Chris_Pratt" / "name.txt").read_text() == "Chris Pratt\n"
        assert who(stack, "Chris_Pratt.jpg") == "Chris Pratt"

        added = stack.api.post("/api/people/Chris_Pratt/photos", files=[("photos", photo("Chris_Pratt.jpg"))])
        assert added.status_code == 200
        assert added.json()["imported"] == ["Chris_Pratt-2.jpg"]
        assert added.json()["person"]["photo_count"] == 2

        first = added.json()["person"]["photos"][0]["id"]
        assert stack.api.get(f"/api/photos/{first}").headers["content-type"] == "image/jpeg"
        assert stack.api.delete(f"/api/people/Chris_Pratt/photos/{first}").status_code == 204
        assert stack.api.delete("/api/people/Chris_Pratt").status_code == 204
        assert not (stack.settings.images_dir / "Chris_Pratt").exists()
        assert who(stack, "Chris_Pratt.jpg") is None
        assert "Chris_Pratt" not in {p["id"] for p in stack.api.get("/api/people").json()["people"]}
    finally:  # a failure above must not leave Chris Pratt enrolled for the tests after this one
        stack.api.delete("/api/people/Chris_Pratt")


def test_enroll_keeps_nothing_when_no_photo_has_a_face(stack: Stack) -> None:
    import io

    import numpy as np
    from PIL import Image

    out = io.BytesIO()
    Image.fromarray(np.full((120, 120, 3), 50, np.uint8)).save(out, "PNG")
    response = stack.api.post("/api/people", data={"name": "Nobody"}, files=[("photos", ("b.png", out.getvalue()))])
    assert (response.status_code, response.json()["code"]) == (422, "no_face")
    assert not (stack.settings.images_dir / "Nobody").exists()


def test_the_api_never_reads_through_a_link_out_of_the_images_folder(stack: Stack, tmp_path: Path) -> None:
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", tmp_path / "pratt.jpg")
    (tmp_path / "name.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    folder, away = stack.settings.images_dir / "Link_Probe", stack.settings.images_dir / "Away"
    try:
        ferguson = [("photos", photo("Chris_Ferguson.jpg"))]
        made = stack.api.post("/api/people", data={"name": "Link Probe"}, files=ferguson)
        assert made.status_code == 201, made.text
        (folder / "out.jpg").symlink_to(tmp_path / "pratt.jpg")
        (folder / "name.txt").unlink()
        (folder / "name.txt").symlink_to(tmp_path / "name.txt")
        with Opens(tmp_path / "pratt.jpg", tmp_path / "name.txt") as opens:
            added = stack.api.post("/api/people/Link_Probe/photos", files=ferguson)
            assert not opens.seen(), "the API read a file outside the images folder"
        assert added.status_code == 200, added.text
        reason = "This is a link to a file outside the images folder; links that leave it are not followed."
        assert {"filename": "out.jpg", "reason": reason} in added.json()["skipped"]
        assert added.json()["person"]["name"] == "Link Probe" and added.json()["person"]["photo_count"] == 2
        assert (folder / "out.jpg").is_symlink() and who(stack, "Chris_Pratt.jpg") is None

        away.symlink_to(tmp_path, target_is_directory=True)  # a person folder that leaves the images folder
        before = sorted(tmp_path.iterdir())
        refused = stack.api.post("/api/people/Away/photos", files=[("photos", photo("Chris_Pratt.jpg"))])
        assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
        assert sorted(tmp_path.iterdir()) == before
    finally:
        away.unlink(missing_ok=True)
        stack.api.delete("/api/people/Link_Probe")


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status", "code"),
    [
        ("post", "/api/people", {"data": {"name": "Paul Rudd"}, "files": [("photos", photo("Paul_Rudd.jpg"))]}, 409, "conflict"),
        ("post", "/api/people", {"data": {"name": "  "}, "files": [("photos", photo("Paul_Rudd.jpg"))]}, 400, "bad_request"),
        ("post", "/api/people", {"data": {"name": "X"}, "files": [("photos", ("a.txt", b"text"))]}, 415, "unsupported_type"),
        ("post", "/api/people", {"data": {"name": "X"}}, 400, "bad_request"),
        ("post", "/api/people/nobody/photos", {"files": [("photos", photo("Paul_Rudd.jpg"))]}, 404, "not_found"),
        ("post", "/api/people/.hidden/photos", {"files": [("photos", photo("Paul_Rudd.jpg"))]}, 404, "not_found"),
        ("delete", "/api/people/nobody", {}, 404, "not_found"),
        ("delete", "/api/people/Paul_Rudd/photos/not-a-uuid", {}, 404, "not_found"),
        ("get", "/api/photos/not-a-uuid", {}, 404, "not_found"),
        ("get", "/api/photos/00000000-0000-0000-0000-000000000000", {}, 404, "not_found"),
    ],
)
def test_write_endpoints_validate(stack: Stack, method: str, path: str, kwargs: dict, status: int, code: str) -> None:
    response = getattr(stack.api, method)(path, **kwargs)
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.json()["error"]
    assert len(stack.faces()) == 8


def test_health_ready_config(stack: Stack) -> None:
    assert stack.api.get("/api/health").json() == {"status": "ok"}
    assert stack.api.get("/api/ready").json() == {
        "status": "ready", "weaviate_nodes": 1, "nodes_in": ["facesearch"], "nodes_out": []}
    config = stack.api.get("/api/config").json()
    decision = decision_for(stack.settings)
    assert config["threshold"] == decision.threshold and config["margin"] == decision.margin
    assert (config["library_threshold"], config["library_threshold_min"]) == (
        decision.library_threshold, decision.library_threshold_min)
