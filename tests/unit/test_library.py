"""The library's pure parts: what a re-index has to do, which query face, one match per photo, folder names."""

from __future__ import annotations

from pathlib import Path

import pytest

from facesearch.errors import BadRequest, NotFound
from facesearch.face import Box
from facesearch.library.find import Match, Query, best_per_photo, choose_face
from facesearch.library.root import LINK_OUT_OF_ROOT, folder_name, links_for, resolve_folder
from facesearch.library.scan import DiskPhoto, plan_folder, scan_folder, sha256_of
from facesearch.store.library import LibraryFace, StoredPhoto, where
from tests.opens import Opens


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
    for name in ["a.jpg", "sub/b.PNG", "sub/deeper/c.webp", "sub/IMG_1.HEIC", "f.heif", "g.avif", ".hidden.jpg",
                 ".cache/d.jpg", "notes.txt", "e.gif"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    assert [p.path for p in scan_folder(tmp_path)] == ["a.jpg", "f.heif", "g.avif", "sub/IMG_1.HEIC", "sub/b.PNG",
                                                      "sub/deeper/c.webp"]


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


def probe(tmp_path: Path) -> tuple[Path, Path, Path]:
    """The outside probe's folder: library/probe/real/ with a photo, links to a photo inside the library root,
    to one outside it, to /etc/passwd, to a folder outside and to itself; and the outside folder."""
    root, outside = tmp_path / "library", tmp_path / "outside"
    folder = root / "probe" / "real"
    files = [folder / "real.jpg", root / "probe" / "other" / "inside.jpg", outside / "ted.jpg", outside / "dir" / "x.jpg"]
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(path.name.encode())
    (folder / "inside.jpg").symlink_to("../other/inside.jpg")
    (folder / "outside.jpg").symlink_to(outside / "ted.jpg")
    (folder / "passwd.jpg").symlink_to("/etc/passwd")
    (folder / "gone.jpg").symlink_to(root / "nothing.jpg")
    (folder / "away").symlink_to(outside / "dir", target_is_directory=True)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    return root, folder, outside


def test_links_out_of_the_root_are_listed_skipped_and_never_opened(tmp_path: Path) -> None:
    root, folder, outside = probe(tmp_path)
    with Opens(outside / "ted.jpg", outside / "dir") as opens:
        photos = scan_folder(folder, links_for(root, folder, follow=False))
        plan = plan_folder(photos, [])  # hashes every new photo it may read, with sha256_of
        assert not opens.seen()
    assert {p.path: p.skip_reason for p in photos} == {
        "inside.jpg": "", "outside.jpg": LINK_OUT_OF_ROOT, "passwd.jpg": LINK_OUT_OF_ROOT, "real.jpg": ""}
    inside = next(p for p in photos if p.path == "inside.jpg")
    assert inside.file == (root / "probe" / "other" / "inside.jpg").resolve()  # read where the link points, checked
    assert sorted(p.path for p in plan.add) == ["inside.jpg", "outside.jpg", "passwd.jpg", "real.jpg"]
    assert (plan.sha256["outside.jpg"], plan.sha256["passwd.jpg"]) == ("", "")


def test_a_skipped_link_is_never_hashed_when_it_changes_or_moves(tmp_path: Path) -> None:
    def never(photo: DiskPhoto) -> str:
        raise AssertionError(f"{photo.path} was hashed")

    link = DiskPhoto("outside.jpg", tmp_path / "outside.jpg", 30, 2, LINK_OUT_OF_ROOT)
    plan = plan_folder([link], [stored("outside.jpg", "abc", size=10)], never)
    assert [p.path for p in plan.change] == ["outside.jpg"]
    plan = plan_folder([link], [stored("outside.jpg", "", size=30, mtime=2)], never)
    assert [p.path for p in plan.keep] == ["outside.jpg"]
    plan = plan_folder([link], [stored("old.jpg", "")], never)
    assert [p.path for p in plan.add] == ["outside.jpg"] and [r.path for r in plan.remove] == ["old.jpg"]


def test_a_folder_outside_the_root_keeps_its_links_inside_it_unless_told_to_follow(tmp_path: Path) -> None:
    root, folder, outside = probe(tmp_path)
    elsewhere = tmp_path / "library-elsewhere"
    own = links_for(elsewhere, folder, follow=False)  # the command line, on a folder outside the library root
    assert {p.path: bool(p.skip_reason) for p in scan_folder(folder, own)} == {
        "gone.jpg": True, "inside.jpg": True, "outside.jpg": True, "passwd.jpg": True, "real.jpg": False}
    assert "--follow-links" in next(p for p in scan_folder(folder, own) if p.skip_reason).skip_reason
    followed = scan_folder(folder, links_for(elsewhere, folder, follow=True))
    assert sorted((p.path, p.skip_reason) for p in followed) == [
        ("away/x.jpg", ""), ("inside.jpg", ""), ("outside.jpg", ""), ("passwd.jpg", ""), ("real.jpg", "")]
    assert sha256_of(next(p for p in followed if p.path == "outside.jpg")) == sha256_of(
        DiskPhoto("t", outside / "ted.jpg", 0, 0))


def test_following_links_is_refused_under_the_library_root(tmp_path: Path) -> None:
    root, folder, _ = probe(tmp_path)
    with pytest.raises(BadRequest, match="--follow-links"):
        links_for(root, folder, follow=True)
    with pytest.raises(BadRequest, match="--follow-links"):
        links_for(root, root, follow=True)
