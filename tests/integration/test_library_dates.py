"""When a photo was taken, on the real stack: copies of one portrait with different EXIF times (and one without, dated
by its file's time) indexed under the library root; a find limited to days returns exactly the photos taken in them,
through the API and the command line (through the API and in its own process); dates in the results; sorting by date;
a moved or touched photo keeps its date; collections made before dates were kept get the properties."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from PIL import Image

from facesearch.local.stack import settings_env
from facesearch.settings import ROOT
from facesearch.store import library as records
from facesearch.store.connection import connect
from facesearch.store.space import face_collection, vector_space
from facesearch.testing import drop_collections, own_collections
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.integration.test_library_api import index

FOLDER = "dates"
EXIF_IFD, ORIGINAL, OFFSET_ORIGINAL = 0x8769, 0x9003, 0x9011
CAMERA = {
    "may-31.jpg": ("2024:05:31 23:59:59", None),
    "june-01.jpg": ("2024:06:01 00:00:00", None),
    # 03:30 on July 1st in UTC, but the camera's clock read June 30th: the wall clock is what counts
    "trip/june-30-late.jpg": ("2024:06:30 23:30:00", "-04:00"),
    "july-01.jpg": ("2024:07:01 08:15:00", "+02:00"),
}
FILE_TIME = datetime(2024, 6, 15, 12, 0, 0)
"""The modification time, on this machine's clock, of no-exif.jpg."""


def save_copy(path: Path, when: str | None, offset: str | None) -> None:
    """images/Ted_Lieu/1.jpg saved again, with DateTimeOriginal `when` (and OffsetTimeOriginal `offset`) if given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(IMAGES / "Ted_Lieu" / "1.jpg") as im:
        if when is None:
            im.save(path, quality=95)
            return
        exif = Image.Exif()
        exif.get_ifd(EXIF_IFD).update({ORIGINAL: when, **({OFFSET_ORIGINAL: offset} if offset else {})})
        im.save(path, quality=95, exif=exif.tobytes())


def set_file_time(path: Path, when: datetime) -> None:
    os.utime(path, (when.timestamp(), when.timestamp()))


@pytest.fixture(scope="module")
def folder(stack: Stack) -> Iterator[Path]:
    path = stack.settings.library_root / FOLDER
    for name, (when, offset) in CAMERA.items():
        save_copy(path / name, when, offset)
        set_file_time(path / name, datetime(2025, 1, 1))  # a camera time wins over the file's
    save_copy(path / "no-exif.jpg", None, None)
    set_file_time(path / "no-exif.jpg", FILE_TIME)
    job = index(stack.api, FOLDER)
    assert job["state"] == "done" and job["summary"].startswith("new 5, "), job
    yield path
    stack.api.delete(f"/api/library/folders/{FOLDER}")
    shutil.rmtree(path)


def find(stack: Stack, **params: str) -> list[dict]:
    answer = stack.api.get("/api/library/find", params={"person": "Ted_Lieu", "folder": FOLDER, **params})
    assert answer.status_code == 200, answer.text
    return answer.json()["matches"]


def paths(matches: list[dict]) -> list[str]:
    return [m["path"] for m in matches]


def test_every_photo_has_its_date_and_where_it_comes_from(stack: Stack, folder: Path) -> None:
    found = {m["path"]: (m["taken_at"], m["taken_from"]) for m in find(stack)}
    assert found == {
        "may-31.jpg": ("2024-05-31T23:59:59", "camera"),
        "june-01.jpg": ("2024-06-01T00:00:00", "camera"),
        "trip/june-30-late.jpg": ("2024-06-30T23:30:00", "camera"),
        "july-01.jpg": ("2024-07-01T08:15:00", "camera"),
        "no-exif.jpg": ("2024-06-15T12:00:00", "file"),
    }
    detail = stack.api.get(f"/api/library/photos/{records.photo_id(str(folder.resolve()), 'july-01.jpg')}").json()
    assert (detail["taken_at"], detail["taken_from"]) == ("2024-07-01T08:15:00", "camera")


@pytest.mark.parametrize(("since", "until", "expected"), [
    ("2024-06-01", "2024-06-30", {"june-01.jpg", "trip/june-30-late.jpg", "no-exif.jpg"}),
    ("2024-06-01", None, {"june-01.jpg", "trip/june-30-late.jpg", "no-exif.jpg", "july-01.jpg"}),
    (None, "2024-05-31", {"may-31.jpg"}),
    ("2024-06-15", "2024-06-15", {"no-exif.jpg"}),
    ("2024-07-02", None, set()),
    # beyond 2262 Weaviate's date comparisons wrap around: such bounds are brought into its range
    ("2999-01-01", None, set()),
    ("0001-01-01", "9999-12-31", {"may-31.jpg", "june-01.jpg", "trip/june-30-late.jpg", "july-01.jpg", "no-exif.jpg"}),
])
def test_date_filters_return_exactly_the_photos_in_range(stack: Stack, folder: Path, since: str | None,
                                                         until: str | None, expected: set[str]) -> None:
    days = {k: v for k, v in (("since", since), ("until", until)) if v}
    assert set(paths(find(stack, **days))) == expected
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
    by_photo = stack.api.post("/api/library/find", params={"folder": FOLDER, **days}, files=photo)
    assert by_photo.status_code == 200, by_photo.text
    assert set(paths(by_photo.json()["matches"])) == expected


def test_sorting_by_date_newest_or_oldest_first(stack: Stack, folder: Path) -> None:
    newest = ["july-01.jpg", "trip/june-30-late.jpg", "no-exif.jpg", "june-01.jpg", "may-31.jpg"]
    assert paths(find(stack, sort="newest")) == newest
    assert paths(find(stack, sort="oldest")) == newest[::-1]
    assert paths(find(stack, sort="newest", limit="2", since="2024-06-01", until="2024-06-30")) == newest[1:3]


def test_bad_days_and_orders_are_refused_in_a_sentence(stack: Stack, folder: Path) -> None:
    cases = {
        (("since", "2024-07-01"), ("until", "2024-06-30")): "since (2024-07-01) is after until (2024-06-30)",
        (("since", "2024-13-01"),): "since must be a day written YYYY-MM-DD",
        (("until", "June"),): "until must be a day written YYYY-MM-DD",
        (("sort", "random"),): "sort",
    }
    for params, sentence in cases.items():
        answer = stack.api.get("/api/library/find", params={"person": "Ted_Lieu", **dict(params)})
        assert answer.status_code == 400 and answer.json()["code"] == "bad_request", answer.text
        assert sentence in answer.json()["error"], answer.text
    photo = {"photo": ("q.jpg", (LOOK_FOR / "Ted_Lieu.jpg").read_bytes())}
    refused = stack.api.post("/api/library/find", params={"since": "2024-07-01", "until": "2024-06-30"}, files=photo)
    assert refused.status_code == 400 and "is after until" in refused.json()["error"]


def cli(stack: Stack, *args: str, local: bool) -> subprocess.CompletedProcess:
    environ = {**os.environ, **settings_env(stack.settings), "FACESEARCH_CLI_LOCAL": "1" if local else "0"}
    return subprocess.run([sys.executable, "-m", "facesearch", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=300)


def test_the_command_line_filters_sorts_and_prints_dates_through_the_api_and_in_its_own_process(
    stack: Stack, folder: Path
) -> None:
    args = ["find", "--person", "Ted_Lieu", "-t", str(folder), "--since", "2024-06-01", "--until", "2024-06-30",
            "--sort", "oldest"]
    there, here = cli(stack, *args, local=False), cli(stack, *args, local=True)
    assert there.returncode == 0 and here.returncode == 0, there.stderr + here.stderr
    assert there.stdout == here.stdout
    lines = here.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["june-01.jpg", "no-exif.jpg", "trip/june-30-late.jpg"]
    assert "  taken 2024-06-01 00:00" in lines[0] and "  file date 2024-06-15 12:00" in lines[1]
    rows = json.loads(cli(stack, *args, "--json", local=False).stdout)
    assert [(r["path"], r["taken_at"], r["taken_from"]) for r in rows] == [
        ("june-01.jpg", "2024-06-01T00:00:00", "camera"), ("no-exif.jpg", "2024-06-15T12:00:00", "file"),
        ("trip/june-30-late.jpg", "2024-06-30T23:30:00", "camera")]
    wrong = cli(stack, "find", "--person", "Ted_Lieu", "-t", str(folder), "--since", "2024-07-01", "--until",
                "2024-06-30", local=False)
    assert wrong.returncode == 1 and wrong.stdout == ""
    assert wrong.stderr.strip() == ("error: since (2024-07-01) is after until (2024-06-30): no photo can be taken in "
                                    "that range.")
    bad = cli(stack, "find", "--person", "Ted_Lieu", "-t", str(folder), "--since", "2024-6-1", local=False)
    assert bad.returncode == 2 and "--since: a day is written YYYY-MM-DD" in bad.stderr


def test_a_moved_or_touched_photo_keeps_its_date(stack: Stack, folder: Path) -> None:
    (folder / "moved").mkdir()
    (folder / "june-01.jpg").rename(folder / "moved" / "june-01.jpg")
    (folder / "no-exif.jpg").rename(folder / "moved" / "no-exif.jpg")
    set_file_time(folder / "moved" / "no-exif.jpg", datetime(2025, 3, 3))  # moved and touched: still its old date
    set_file_time(folder / "may-31.jpg", datetime(2025, 3, 3))  # touched only
    try:
        job = index(stack.api, FOLDER)
        assert job["summary"].startswith("new 0, changed 0, moved 2, "), job
        matches = find(stack, since="2024-05-31", until="2024-06-15")
        assert {m["path"]: (m["taken_at"], m["taken_from"]) for m in matches} == {
            "may-31.jpg": ("2024-05-31T23:59:59", "camera"),
            "moved/june-01.jpg": ("2024-06-01T00:00:00", "camera"),
            "moved/no-exif.jpg": ("2024-06-15T12:00:00", "file"),
        }
        touched = stack.api.get(f"/api/library/photos/{records.photo_id(str(folder.resolve()), 'may-31.jpg')}").json()
        assert (touched["taken_at"], touched["taken_from"]) == ("2024-05-31T23:59:59", "camera")
    finally:
        (folder / "moved" / "june-01.jpg").rename(folder / "june-01.jpg")
        (folder / "moved" / "no-exif.jpg").rename(folder / "no-exif.jpg")
        (folder / "moved").rmdir()


def test_collections_made_before_dates_were_kept_get_the_properties(stack: Stack) -> None:
    settings = own_collections(stack.settings, "Old")
    client = connect(settings)
    try:
        space = vector_space(settings)
        face_collection(client, settings.library_collection, space, [records._text("folder")])  # as made before
        client.collections.create(settings.library_photo_collection, properties=[records._text("folder")])
        library = records.ensure_library(client, settings, space)
        for collection, wanted in ((library.faces, {"taken_at", "taken_from"}),
                                   (library.photos, {"taken_at", "taken_from", "taken_offset"})):
            assert wanted <= {p.name for p in collection.config.get().properties}
        records.ensure_library(client, settings, space)  # a second time adds nothing, refuses nothing
    finally:
        drop_collections(client, settings)
        client.close()
