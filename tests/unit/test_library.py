"""The library's pure parts: what a re-index has to do, which query face, one match per photo, folder names."""

from __future__ import annotations

from pathlib import Path

import pytest

from facesearch.errors import BadRequest, NotFound
from facesearch.face import Box
from facesearch.library.find import Match, Query, best_per_photo, choose_face
from facesearch.library.root import folder_name, resolve_folder
from facesearch.library.scan import DiskPhoto, plan_folder, scan_folder
from facesearch.store.library import LibraryFace, StoredPhoto, where


def disk(path: str, size: int = 10, mtime: int = 1) -> DiskPhoto:
    return DiskPhoto(path, Path("/x") / path, size, mtime)


def stored(path: str, sha: str, size: int = 10, mtime: int = 1) -> StoredPhoto:
    return StoredPhoto(f"id-{path}", "/x", path, sha, size, mtime, 100, 100, 1, "", None)


def test_plan_reads_only_what_may_have_changed() -> None:
    hashes = {"same.jpg": "s", "edited.jpg": "new", "touched.jpg": "t", "new.jpg": "n", "renamed.jpg": "r"}
    read: list[str] = []

    def hash_of(photo: DiskPhoto) -> str:
        read.append(photo.path)
        return hashes[photo.path]

    on_disk = [disk("same.jpg"), disk("edited.jpg", size=11), disk("touched.jpg", mtime=2), disk("new.jpg"), disk("renamed.jpg")]
    records = [stored("same.jpg", "s"), stored("edited.jpg", "old"), stored("touched.jpg", "t"), stored("old-name.jpg", "r"),
               stored("gone.jpg", "g")]
    plan = plan_folder(on_disk, records, hash_of)
    assert [p.path for p in plan.keep] == ["same.jpg"]
    assert [p.path for p in plan.change] == ["edited.jpg"]
    assert [(p.path, r.path) for p, r in plan.touch] == [("touched.jpg", "touched.jpg")]
    assert [p.path for p in plan.add] == ["new.jpg"]
    assert [(p.path, r.path) for p, r in plan.move] == [("renamed.jpg", "old-name.jpg")]
    assert [r.path for r in plan.remove] == ["gone.jpg"]
    assert "same.jpg" not in read


def test_two_copies_of_a_removed_photo_move_one_and_add_the_other() -> None:
    plan = plan_folder([disk("a.jpg"), disk("b.jpg")], [stored("old.jpg", "h")], lambda p: "h")
    assert [p.path for p, _ in plan.move] == ["a.jpg"] and [p.path for p in plan.add] == ["b.jpg"] and not plan.remove


def test_scan_is_recursive_and_skips_hidden_and_other_files(tmp_path: Path) -> None:
    for name in ["a.jpg", "sub/b.PNG", "sub/deeper/c.webp", ".hidden.jpg", ".cache/d.jpg", "notes.txt", "e.gif"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.path for p in scan_folder(tmp_path)] == ["a.jpg", "sub/b.PNG", "sub/deeper/c.webp"]


def face(photo: str, left: int = 0) -> LibraryFace:
    return LibraryFace(f"{photo}-{left}", "/x", f"{photo}.jpg", photo, Box(left, 0, left + 10, 10), 100, 100, "")


def test_each_photo_once_with_its_best_face_best_first() -> None:
    hits = [(face("a", 0), 0.97), (face("b"), 0.99), (face("a", 50), 0.98), (face("c"), 0.97)]
    ranked = best_per_photo(hits, None)
    assert [(m.face.path, m.face.box.left, m.similarity) for m in ranked] == [
        ("b.jpg", 0, 0.99), ("a.jpg", 50, 0.98), ("c.jpg", 0, 0.97)]
    assert best_per_photo(hits, 1) == [Match(face("b"), 0.99)]


def test_the_largest_face_is_the_query_unless_one_is_asked_for() -> None:
    boxes = [Box(0, 0, 10, 10), Box(20, 0, 60, 40), Box(70, 0, 90, 20)]
    index, note = choose_face(boxes, None)
    assert index == 2 and note == "The photo has 3 faces; searching with the largest, face 2 from the left."
    assert choose_face(boxes, 3) == (3, None)
    assert choose_face(boxes[:1], None) == (1, None)
    with pytest.raises(BadRequest, match="has 3 face"):
        choose_face(boxes, 4)


def test_query_filters_on_folders_and_width() -> None:
    def filter_of(query: Query):  # noqa: ANN202 - a weaviate Filter or None
        return where(query.folders, query.min_size)  # what Query.nearest passes to the library's search

    assert filter_of(Query(0.9)) is None
    assert filter_of(Query(0.9, min_size=40, folders=["/a"])) is not None


def test_client_folder_names_stay_under_the_root(tmp_path: Path) -> None:
    root = tmp_path / "library"
    (root / "holiday" / "2024").mkdir(parents=True)
    (root / "out").symlink_to(tmp_path, target_is_directory=True)
    assert resolve_folder(root, "holiday/2024") == (root / "holiday" / "2024").resolve()
    assert resolve_folder(root, ".") == root.resolve()
    for name in ["", "..", "../elsewhere", "/etc", "holiday/../../", "out", "a\0b", "holiday\\2024", "x" * 2000]:
        with pytest.raises(BadRequest):
            resolve_folder(root, name)
    with pytest.raises(NotFound):
        resolve_folder(root, "nothing")
    assert folder_name(root, str((root / "holiday" / "2024").resolve())) == "holiday/2024"
    assert folder_name(root, str(root.resolve())) == "."
    assert folder_name(root, str(tmp_path)) is None
