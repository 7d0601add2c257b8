"""An uploaded file's name never reaches the file system unchecked, and stored photos leave only through the
API's routes. Each hostile name is sent as the raw bytes of a multipart body (so it can be anything, not
UTF-8 included): it is stored under a safe name inside the person's folder, or refused with a 4xx sentence."""

from __future__ import annotations

import http.client
import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import LOOK_FOR, Stack

PHOTO = (LOOK_FOR / "Chris_Ferguson.jpg").read_bytes()
SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,109}\.(jpg|jpeg|png|webp|heic|heif|avif)$")
"""What a stored photo's name looks like: no separators, no leading dot, at most 100 characters before .ext."""
BOUNDARY = "facesearch-test-boundary"

HOSTILE = [
    b"../x.jpg", b"/etc/passwd", b"a/../../b.jpg", b"x\x00.jpg", b"\x00", b"a" * 5000 + b".jpg", b"b" * 5000,
    b"\xff\xfe\xc3(.jpg", b"\xc0\xaf..\xc0\xafescape.jpg", b"", b".", b"..", b"..\\x.jpg", b"..\\..\\..\\escape.jpg",
    b"C:\\Windows\\x.jpg", b"%2e%2e%2fx.jpg", b".hidden.jpg", b"-rf.jpg", b"name.jpg/", b"~/x.jpg", b"x.jpg\r\nX-A: b",
]


def multipart(filename: bytes, data: bytes, fields: dict[str, str] | None = None) -> tuple[bytes, dict[str, str]]:
    """A multipart body with one file under "photos" whose filename is exactly `filename`, and its header."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in (fields or {}).items()
    ]
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photos"; filename="'.encode()
    parts.append(head + filename + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + data + b"\r\n")
    body = b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}


def tree(*roots: Path) -> set[Path]:
    return {p for root in roots for p in root.rglob("*")}


@pytest.fixture(scope="module")
def person(stack: Stack) -> Iterator[str]:
    """Someone enrolled for these tests (with one photo), removed at the end."""
    first = ("photos", ("first.jpg", PHOTO, "image/jpeg"))
    made = stack.api.post("/api/people", data={"name": "Upload Names"}, files=[first])
    assert made.status_code == 201, made.text
    try:
        yield made.json()["person"]["id"]
    finally:
        stack.api.delete("/api/people/Upload_Names")


def outside(stack: Stack) -> set[Path]:
    """Where a name that escaped would land: the stack's own folder, its library and /etc."""
    root = stack.settings.images_dir.parent
    return {*root.iterdir(), *tree(stack.settings.library_root), *Path("/etc").iterdir()}


def assert_refused_or_stored_safely(response: httpx.Response, folder: Path, before: set[Path], name: bytes) -> None:
    assert response.status_code < 500, f"{name!r}: {response.status_code} {response.text}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "code"} and body["error"].endswith("."), f"{name!r}: {body}"
        assert tree(folder) == before, f"{name!r} was refused but left files: {tree(folder) - before}"
        return
    new = tree(folder) - before
    assert new and all(p.parent == folder and SAFE.match(p.name) for p in new), f"{name!r} -> {new}"
    assert [p.name for p in new] == response.json()["imported"]


@pytest.mark.parametrize("name", HOSTILE, ids=lambda n: repr(n[:40]))
def test_a_photo_added_under_any_name_stays_in_the_persons_folder(stack: Stack, person: str, name: bytes) -> None:
    folder = stack.settings.images_dir / person
    before, elsewhere, passwd = tree(folder), outside(stack), os.stat("/etc/passwd")
    body, headers = multipart(name, PHOTO)
    response = stack.api.post(f"/api/people/{person}/photos", content=body, headers=headers)
    try:
        assert_refused_or_stored_safely(response, folder, before, name)
        assert outside(stack) == elsewhere and os.stat("/etc/passwd") == passwd
    finally:  # the next name starts from the same folder
        for photo in response.json().get("person", {}).get("photos", []) if response.status_code == 200 else []:
            if photo["filename"] != "first.jpg":
                stack.api.delete(f"/api/people/{person}/photos/{photo['id']}")


@pytest.mark.parametrize("name", [b"../../escape.jpg", b"\xff.jpg", b"", b"..\\x.jpg"], ids=repr)
def test_enrolling_under_any_name_stays_in_the_new_persons_folder(stack: Stack, name: bytes) -> None:
    images, elsewhere = stack.settings.images_dir, outside(stack)
    people_before = {p.name for p in images.iterdir()}
    body, headers = multipart(name, PHOTO, {"name": "../Upload Escape"})
    try:
        response = stack.api.post("/api/people", content=body, headers=headers)
        folder = images / "Upload_Escape"
        assert_refused_or_stored_safely(response, folder, {folder / "name.txt"}, name)
        assert {p.name for p in images.iterdir()} - people_before <= {"Upload_Escape"}
        assert outside(stack) == elsewhere
    finally:
        stack.api.delete("/api/people/Upload_Escape")


@pytest.mark.parametrize(
    "path",
    ["/images/Ted_Lieu/1.jpg", "/Ted_Lieu/1.jpg", "/library/", "/state/api_keys.json", "/api_keys.json",
     "/../images/Ted_Lieu/1.jpg", "/%2e%2e/images/Ted_Lieu/1.jpg", "/..%2fimages/Ted_Lieu/1.jpg",
     "/../../../../etc/passwd", "/.facesearch/api_keys.json", "/api/../../images/Ted_Lieu/1.jpg"],
)
def test_stored_photos_are_served_only_through_the_api(stack: Stack, path: str) -> None:
    """Only the built page is mounted at /; a path that names a stored file (raw, not normalised) finds nothing."""
    conn = http.client.HTTPConnection(stack.settings.api_host, stack.settings.api_port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status in (400, 404), f"{path}: {response.status}"
    assert not body.startswith(b"\xff\xd8") and b"root:" not in body and b"sha256" not in body
