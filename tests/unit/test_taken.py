"""When a photo was taken: its EXIF time read from the header (JPEG, HEIC, AVIF), the file's time otherwise, how
both are stored, and a find's days and orders."""

from __future__ import annotations

import io
import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from facesearch.errors import BadRequest
from facesearch.face import Box
from facesearch.face.photo import Photo, capture_time
from facesearch.library.dates import check_days, day_after, day_start, parse_day
from facesearch.library.find import Query, best_per_photo
from facesearch.library.index import Detected, camera_time, dated, face_objects, photo_record
from facesearch.library.scan import DiskPhoto
from facesearch.store.library import CAMERA, FILE, LibraryFace, Taken, where

EXIF_IFD, ORIGINAL, OFFSET_ORIGINAL, DIGITIZED, DATETIME = 0x8769, 0x9003, 0x9011, 0x9004, 0x0132


def photo_bytes(tags: dict[int, str] | None = None, ifd0: dict[int, str] | None = None, format: str = "JPEG") -> bytes:
    """A small photo whose EXIF block has these Exif-IFD `tags` and IFD0 entries (no EXIF block when both are None)."""
    out = io.BytesIO()
    image = Image.new("RGB", (64, 48), (120, 90, 60))
    if tags is None and ifd0 is None:
        image.save(out, format)
        return out.getvalue()
    exif = Image.Exif()
    exif.update(ifd0 or {})
    exif.get_ifd(EXIF_IFD).update(tags or {})
    image.save(out, format, exif=exif.tobytes())
    return out.getvalue()


def test_date_time_original_is_the_camera_clock_naive_without_an_offset() -> None:
    assert Photo(photo_bytes({ORIGINAL: "2024:06:01 14:30:05"})).taken_at == datetime(2024, 6, 1, 14, 30, 5)


def test_the_offset_is_kept_when_the_camera_recorded_one() -> None:
    taken = Photo(photo_bytes({ORIGINAL: "2024:06:01 14:30:05", OFFSET_ORIGINAL: "-05:30"})).taken_at
    assert taken == datetime(2024, 6, 1, 14, 30, 5, tzinfo=timezone(-timedelta(hours=5, minutes=30)))
    assert taken.replace(tzinfo=None) == datetime(2024, 6, 1, 14, 30, 5)  # the wall clock stays as the camera showed it


def test_digitized_then_ifd0_date_time_stand_in_for_a_missing_or_broken_original() -> None:
    digitized = photo_bytes({ORIGINAL: "0000:00:00 00:00:00", DIGITIZED: "2023:12:31 23:59:59"},
                            {DATETIME: "2020:01:01 00:00:00"})
    assert Photo(digitized).taken_at == datetime(2023, 12, 31, 23, 59, 59)
    assert Photo(photo_bytes(ifd0={DATETIME: "2020:01:02 03:04:05"})).taken_at == datetime(2020, 1, 2, 3, 4, 5)


@pytest.mark.parametrize("value", ["0000:00:00 00:00:00", "    :  :     :  :  ", "garbage", "2024:02:30 10:00:00",
                                   "2024:06:01 25:00:00", "", "9999:12:31 23:59:59", "0001:01:01 00:00:00"])
def test_a_value_that_is_no_real_time_is_none(value: str) -> None:
    assert Photo(photo_bytes({ORIGINAL: value})).taken_at is None


def test_a_broken_offset_leaves_the_time_naive() -> None:
    assert Photo(photo_bytes({ORIGINAL: "2024:06:01 14:30:05", OFFSET_ORIGINAL: "soon"})).taken_at == datetime(
        2024, 6, 1, 14, 30, 5)


def test_no_exif_block_is_none() -> None:
    assert Photo(photo_bytes()).taken_at is None


@pytest.mark.parametrize("format", ["HEIF", "AVIF", "WEBP", "PNG"])
def test_heic_avif_webp_and_png_carry_their_time_too(format: str) -> None:
    data = photo_bytes({ORIGINAL: "2024:06:01 14:30:05", OFFSET_ORIGINAL: "+02:00"}, format=format)
    assert Photo(data).taken_at == datetime(2024, 6, 1, 14, 30, 5, tzinfo=timezone(timedelta(hours=2)))


def test_capture_time_reads_the_header_only() -> None:
    with Image.open(io.BytesIO(photo_bytes({ORIGINAL: "2024:06:01 14:30:05"}))) as im:
        assert capture_time(im) == datetime(2024, 6, 1, 14, 30, 5)
        assert im._im is None  # not decoded


def test_the_camera_time_is_stored_as_its_wall_clock_with_the_offset_beside_it() -> None:
    taken = camera_time(datetime(2024, 6, 1, 23, 30, tzinfo=timezone(-timedelta(hours=4))))
    assert taken == Taken(datetime(2024, 6, 1, 23, 30), CAMERA, "-04:00")
    assert taken.photo_properties() == {
        "taken_at": datetime(2024, 6, 1, 23, 30, tzinfo=timezone.utc), "taken_from": "camera", "taken_offset": "-04:00"}
    assert camera_time(datetime(2024, 6, 1, 23, 30)) == Taken(datetime(2024, 6, 1, 23, 30), CAMERA, "")
    assert camera_time(None) is None
    assert camera_time(datetime(2300, 1, 1)) is None  # out of the reach of Weaviate's date filters
    # read back from Weaviate (an aware UTC datetime), the wall clock is what was written
    assert Taken.of(taken.photo_properties()) == taken
    from_text = Taken.of({"taken_at": "2024-06-01T23:30:00Z", "taken_from": "camera"})
    assert from_text == Taken(datetime(2024, 6, 1, 23, 30), CAMERA)
    assert Taken.of({"folder": "/x"}) is None


def test_without_an_exif_time_the_file_time_on_this_machines_clock_is_used(tmp_path: Path) -> None:
    file = tmp_path / "a.jpg"
    file.write_bytes(photo_bytes())
    moment = datetime(2021, 3, 4, 5, 6, 7).timestamp()  # this machine's wall clock
    os.utime(file, (moment, moment))
    photo = DiskPhoto("a.jpg", file, file.stat().st_size, file.stat().st_mtime_ns)
    assert dated(photo, Detected()).taken == Taken(datetime(2021, 3, 4, 5, 6, 7), FILE)
    camera = Taken(datetime(2024, 6, 1), CAMERA)
    assert dated(photo, Detected(taken=camera)).taken == camera
    far = DiskPhoto("a.jpg", file, 10, int(datetime(2400, 1, 1).timestamp()) * 1_000_000_000)
    assert dated(far, Detected()).taken is None


def test_the_photo_and_each_of_its_faces_record_the_time() -> None:
    photo = DiskPhoto("a.jpg", Path("/x/a.jpg"), 10, 1)
    found = Detected(100, 80, ((Box(0, 0, 10, 10), b"jpeg"), (Box(20, 0, 30, 10), b"jpeg")),
                     taken=Taken(datetime(2024, 6, 1, 14, 30), CAMERA, "+02:00"))
    record = photo_record("/x", photo, "sha", found, 2)
    assert record.properties["taken_at"] == datetime(2024, 6, 1, 14, 30, tzinfo=timezone.utc)
    assert (record.properties["taken_from"], record.properties["taken_offset"]) == ("camera", "+02:00")
    faces = list(face_objects("/x", photo, found))
    assert [(f.properties["taken_at"], f.properties["taken_from"]) for f in faces] == [
        (datetime(2024, 6, 1, 14, 30, tzinfo=timezone.utc), "camera")] * 2
    assert "taken_at" not in photo_record("/x", photo, "sha", Detected(100, 80), 0).properties  # indexed before: none


def test_days_are_written_yyyy_mm_dd_and_since_may_not_follow_until() -> None:
    assert parse_day("2024-06-30", "until") == date(2024, 6, 30)
    for text in ("2024-13-01", "30/06/2024", "2024-6-1", "yesterday"):
        with pytest.raises(BadRequest, match=f"until must be a day written YYYY-MM-DD, such as 2024-06-30; '{text}'"):
            parse_day(text, "until")
    check_days(date(2024, 6, 1), date(2024, 6, 1))
    with pytest.raises(BadRequest, match=r"since \(2024-07-01\) is after until \(2024-06-30\)"):
        Query(0.9, since=date(2024, 7, 1), until=date(2024, 6, 30))
    with pytest.raises(BadRequest, match="sort must be one of match, newest, oldest"):
        Query(0.9, sort="random")


def test_until_includes_its_whole_day() -> None:
    assert day_start(date(2024, 6, 1)) == datetime(2024, 6, 1)
    assert day_after(date(2024, 6, 30)) == datetime(2024, 7, 1)
    assert day_start(None) is None and day_after(None) is None and day_after(date.max) is None
    assert where(taken_since=day_start(date(2024, 6, 1))) is not None
    assert where(["/a"], 40, day_start(date(2024, 6, 1)), day_after(date(2024, 6, 30))) is not None


def face(photo: str, taken: datetime | None) -> LibraryFace:
    when = Taken(taken, CAMERA) if taken else None
    return LibraryFace(f"{photo}-f", "/x", f"{photo}.jpg", photo, Box(0, 0, 10, 10), 100, 100, "", taken=when)


def test_results_sort_by_date_newest_or_oldest_first_photos_without_a_date_last() -> None:
    hits = [(face("old", datetime(2020, 1, 1)), 0.95), (face("none", None), 0.99),
            (face("new", datetime(2024, 1, 1)), 0.94), (face("mid", datetime(2022, 1, 1)), 0.97)]

    def paths(sort: str, limit: int | None = None) -> list[str]:
        return [m.face.path for m in best_per_photo(hits, limit, sort)]

    assert paths("match") == ["none.jpg", "mid.jpg", "old.jpg", "new.jpg"]
    assert paths("newest") == ["new.jpg", "mid.jpg", "old.jpg", "none.jpg"]
    assert paths("oldest") == ["old.jpg", "mid.jpg", "new.jpg", "none.jpg"]
    assert paths("newest", 2) == ["new.jpg", "mid.jpg"]
