"""Uploaded photos' names become safe file names inside the person's folder, written without following links."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from facesearch.people.enroll import free_filename, write_new

SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,109}\.(jpg|jpeg|png|webp|heic|heif|avif)$")


@pytest.mark.parametrize(
    "sent",
    [None, "", ".", "..", "../x.jpg", "/etc/passwd", "a/../../b.jpg", "x\0.jpg", "a" * 5000, "\udcff\udcfe.jpg",
     "ÿþÃ(.jpg", "..\\x.jpg", "C:\\x.png", "-rf.jpg", ".hidden.jpg", "x.jpg\r\nX: y", "~", "photo.JPEG", "IMG_0001.HEIC",
     "x.avif"],
)
def test_any_name_becomes_a_safe_name_in_the_folder(tmp_path: Path, sent: str | None) -> None:
    path = free_filename(tmp_path, sent)
    assert path.parent == tmp_path and SAFE.match(path.name), path.name


def test_a_link_in_the_folder_is_never_written_through(tmp_path: Path) -> None:
    target = tmp_path / "outside.jpg"
    (tmp_path / "person").mkdir()
    (tmp_path / "person" / "x.jpg").symlink_to(target)  # dangling: exists() is False
    with pytest.raises(FileExistsError):
        write_new(tmp_path / "person" / "x.jpg", b"data")
    assert not target.exists()
    assert free_filename(tmp_path / "person", "x.jpg").name == "x-2.jpg"
