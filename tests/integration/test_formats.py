"""HEIC and AVIF photos through the real stack: searched, enrolled (by the API and by the importer) and indexed in
a library folder. Every photo is written here, with pillow-heif and Pillow, from the sample photos, stored the way
a phone held upright stores it: turned, with EXIF orientation 6 (and an `irot` box) to turn it back."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

import facesearch.face.image  # noqa: F401 - reads HEIC (pi-heif); tests/conftest.py lets Pillow write it (pillow-heif)
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.integration.test_library_api import index
from tools.make_library_samples import compose

FORMATS = {"HEIF": ("IMG_0001.HEIC", "image/heic"), "AVIF": ("IMG_0002.AVIF", "image/avif")}
"""Pillow's format -> a phone's file name and the type a browser sends with it."""


def phone_photo(im: Image.Image, fmt: str) -> bytes:
    """`im` (upright) as a phone writes it: turned anticlockwise, with orientation 6 to show it upright."""
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    im.convert("RGB").transpose(Image.Transpose.ROTATE_90).save(out, fmt, exif=exif.tobytes(), quality=90)
    return out.getvalue()


def upload(path: Path, fmt: str) -> tuple[str, bytes, str]:
    name, content_type = FORMATS[fmt]
    return name, phone_photo(Image.open(path), fmt), content_type


def who(stack: Stack, path: Path) -> str | None:
    body = stack.api.post("/api/search", files={"photo": (path.name, path.read_bytes())}).json()
    match = body["faces"][0]["match"]
    return match and match["name"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_phone_photo_finds_the_person_upright(stack: Stack, fmt: str) -> None:
    answer = stack.api.post("/api/search", params={"limit": 3}, files={"photo": upload(LOOK_FOR / "Ted_Lieu.jpg", fmt)})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["width"], body["height"]) == (675, 825)  # upright: taller than wide, as the JPEG
    [face] = body["faces"]
    assert face["match"] is not None and face["match"]["name"] == "Ted Lieu", face["candidates"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_phone_photo_is_refused_when_it_says_too_many_pixels(stack: Stack, fmt: str) -> None:
    """The header's size (its `ispe` box) refuses it: a 64 x 64 image that claims 9,500 x 9,500."""
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (90, 90, 90)).save(out, fmt)
    data = bytearray(out.getvalue())
    at = data.index(b"ispe")
    data[at + 8 : at + 16] = (9500).to_bytes(4, "big") * 2
    answer = stack.api.post("/api/search", files={"photo": (FORMATS[fmt][0], bytes(data), FORMATS[fmt][1])})
    assert (answer.status_code, answer.json()["code"]) == (422, "bad_image")
    assert answer.json()["error"].startswith("This photo is too large to read: 9500 x 9500 pixels")


def test_people_are_enrolled_and_added_to_with_heic_and_avif_photos(stack: Stack) -> None:
    images = stack.settings.images_dir
    try:
        created = stack.api.post("/api/people", data={"name": "Chris Pratt"},
                                 files=[("photos", upload(LOOK_FOR / "Chris_Pratt.jpg", "HEIF"))])
        assert created.status_code == 201, created.text
        assert sorted(p.name for p in (images / "Chris_Pratt").iterdir()) == ["IMG_0001.heic", "name.txt"]
        assert who(stack, LOOK_FOR / "Chris_Pratt.jpg") == "Chris Pratt"

        avif = upload(LOOK_FOR / "Chris_Pratt.jpg", "AVIF")
        added = stack.api.post("/api/people/Chris_Pratt/photos", files=[("photos", avif)])
        assert added.status_code == 200, added.text
        assert added.json()["imported"] == ["IMG_0002.avif"] and added.json()["person"]["photo_count"] == 2
        report = stack.import_people()  # the importer reads both files again, and keeps them
        assert sorted(p.name for p in report.unchanged if p.parent.name == "Chris_Pratt") == ["IMG_0001.heic",
                                                                                               "IMG_0002.avif"]
        assert (report.imported, report.updated, report.removed, report.skipped) == ([], [], [], [])
    finally:
        stack.api.delete("/api/people/Chris_Pratt")


def test_the_importer_reads_heic_and_avif_files(stack: Stack) -> None:
    folder = stack.settings.images_dir / "Peggy_Whitson"
    folder.mkdir()
    try:
        (folder / "name.txt").write_text("Peggy Whitson\n")
        (folder / "portrait.heic").write_bytes(phone_photo(Image.open(LOOK_FOR / "Peggy_Whitson.jpg"), "HEIF"))
        (folder / "turned.avif").write_bytes(phone_photo(Image.open(LOOK_FOR / "Peggy_Whitson.jpg"), "AVIF"))
        report = stack.import_people()
        assert sorted(p.name for p in report.imported) == ["portrait.heic", "turned.avif"], report.skipped
        assert who(stack, LOOK_FOR / "Peggy_Whitson.jpg") == "Peggy Whitson"
    finally:
        shutil.rmtree(folder)
        stack.import_people()


@pytest.fixture(scope="module")
def phone_folder(stack: Stack) -> Iterator[str]:
    """library/phone/: a group photo as HEIC and a portrait as AVIF, indexed through the API."""
    path = stack.settings.library_root / "phone"
    path.mkdir(parents=True)
    group, _ = compose([IMAGES / p / "1.jpg" for p in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton")])
    (path / "party.heic").write_bytes(phone_photo(group, "HEIF"))
    (path / "dina.avif").write_bytes(phone_photo(Image.open(LOOK_FOR / "Dina_Titus.jpg"), "AVIF"))
    job = index(stack.api, "phone")
    assert job["state"] == "done" and job["summary"].startswith("new 2, "), job
    yield "phone"
    stack.api.delete("/api/library/folders/phone")
    shutil.rmtree(path)


def test_heic_and_avif_library_photos_are_indexed_and_found(stack: Stack, phone_folder: str) -> None:
    entry = next(f for f in stack.api.get("/api/library").json()["folders"] if f["folder"] == phone_folder)
    assert (entry["photos"], entry["faces"], entry["skipped"]) == (2, 4, [])
    query = {"photo": ("q.jpg", (IMAGES / "Dina_Titus" / "1.jpg").read_bytes())}
    matches = {m["path"]: m for m in stack.api.post("/api/library/find", files=query).json()["matches"]
               if m["folder"] == phone_folder}
    assert set(matches) == {"party.heic", "dina.avif"}
    party = matches["party.heic"]
    assert party["name"] == "Dina Titus" and party["width"] > party["height"]  # upright: the group is wide
    detail = stack.api.get(f"/api/library/photos/{party['photo_id']}").json()
    assert [f["name"] for f in detail["faces"]] == ["Ted Lieu", "Dina Titus", "Seth Moulton"]  # left to right
    served = stack.api.get(detail["image_url"])
    assert served.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(served.content)).size == (detail["width"], detail["height"])


def test_a_heic_query_finds_library_photos(stack: Stack, phone_folder: str) -> None:
    query = {"photo": upload(LOOK_FOR / "Seth_Moulton.jpg", "HEIF")}
    answer = stack.api.post("/api/library/find", files=query)
    assert answer.status_code == 200, answer.text
    assert "party.heic" in {m["path"] for m in answer.json()["matches"] if m["folder"] == phone_folder}
