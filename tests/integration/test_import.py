"""Importing folders into the real stack: re-runs change only what changed on disk.

Each test leaves images/ and Weaviate as it found them (the sample people).
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from facesearch.store import people as store
from tests.conftest import LOOK_FOR, Stack


@pytest.fixture
def new_person(stack: Stack) -> Iterator[Path]:
    """A folder images/New_Person/ that the test fills; removed and re-imported afterwards."""
    folder = stack.settings.images_dir / "New_Person"
    folder.mkdir()
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
    stack.import_people()


def keys(stack: Stack) -> set[tuple[str, str]]:
    return {(f.person_id, f.filename) for f in stack.faces()}


def test_samples_are_one_face_each(stack: Stack) -> None:
    faces = stack.faces()
    assert len(faces) == 8
    assert {f.name for f in faces} >= {"Paul Rudd", "Ted Lieu", "Cady Coleman"}
    assert all(f.id == store.object_id(f.person_id, f.filename) for f in faces)


def test_second_import_changes_nothing(stack: Stack) -> None:
    before = {f.id: f for f in stack.faces()}
    report = stack.import_people()
    assert (report.imported, report.updated, report.removed, report.skipped) == ([], [], [], [])
    assert len(report.unchanged) == 8
    assert {f.id: f for f in stack.faces()} == before


def test_adding_a_folder_adds_exactly_it(stack: Stack, new_person: Path) -> None:
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", new_person / "a.jpg")
    before = keys(stack)
    report = stack.import_people()
    assert [p.name for p in report.imported] == ["a.jpg"]
    assert keys(stack) - before == {("New_Person", "a.jpg")}
    assert report.notes == ["New_Person has no name.txt; using the name 'New Person'."]
    status = stack.api.post("/api/search", files={"photo": ("q.jpg", (LOOK_FOR / "Chris_Pratt.jpg").read_bytes())})
    assert status.json()["faces"][0]["match"]["name"] == "New Person"


def test_changed_photo_is_updated_and_removed_photo_is_deleted(stack: Stack, new_person: Path) -> None:
    (new_person / "name.txt").write_text("Someone New\n")
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", new_person / "a.jpg")
    shutil.copy(LOOK_FOR / "Peggy_Whitson.jpg", new_person / "b.jpg")
    assert len(stack.import_people().imported) == 2

    shutil.copy(LOOK_FOR / "Pexels_Man_006.jpg", new_person / "a.jpg")
    (new_person / "b.jpg").unlink()
    report = stack.import_people()
    assert [p.name for p in report.updated] == ["a.jpg"]
    assert report.removed == ["New_Person/b.jpg"]
    assert {k for k in keys(stack) if k[0] == "New_Person"} == {("New_Person", "a.jpg")}
    [face] = [f for f in stack.faces() if f.person_id == "New_Person"]
    assert face.name == "Someone New"


def test_renaming_a_person_updates_their_faces(stack: Stack, new_person: Path) -> None:
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", new_person / "a.jpg")
    stack.import_people()
    (new_person / "name.txt").write_text("Renamed Person\n")
    stack.import_people()
    assert [f.name for f in stack.faces() if f.person_id == "New_Person"] == ["Renamed Person"]


def blank_png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((200, 200, 3), 90, np.uint8)).save(out, "PNG")
    return out.getvalue()


def test_bad_photos_are_skipped_with_a_reason_and_the_rest_imported(stack: Stack, new_person: Path) -> None:
    (new_person / "blank.png").write_bytes(blank_png())
    (new_person / "broken.jpg").write_bytes(b"this is not a jpeg")
    (new_person / "notes.txt").write_text("not a photo: ignored")
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", new_person / "good.webp")  # a JPEG named .webp still decodes
    report = stack.import_people()
    reasons = {p.name: r for p, r in report.skipped}
    assert reasons == {
        "blank.png": "No face was found in this photo.",
        "broken.jpg": "This file is not an image; use a JPEG, PNG, WebP, HEIC or AVIF photo.",
    }
    assert [p.name for p in report.imported] == ["good.webp"]


def test_photo_of_two_similar_faces_is_skipped(stack: Stack, new_person: Path) -> None:
    a = Image.open(LOOK_FOR / "Paul_Rudd.jpg").convert("RGB")
    b = Image.open(LOOK_FOR / "Ted_Lieu.jpg").convert("RGB").resize(a.size)
    pair = Image.new("RGB", (a.width * 2, a.height))
    pair.paste(a, (0, 0))
    pair.paste(b, (a.width, 0))
    pair.save(new_person / "pair.jpg")
    [(path, reason)] = stack.import_people().skipped
    assert path.name == "pair.jpg"
    assert reason == "2 faces of similar size; can't tell which one is the person."


def test_exif_orientation_is_honoured(stack: Stack, new_person: Path) -> None:
    upright = Image.open(LOOK_FOR / "Chris_Pratt.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned left; viewers turn it 90 degrees clockwise
    upright.rotate(90, expand=True).save(new_person / "rotated.jpg", exif=exif)
    report = stack.import_people()
    assert [p.name for p in report.imported] == ["rotated.jpg"]
