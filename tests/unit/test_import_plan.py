from __future__ import annotations

from pathlib import Path

import pytest

from facesearch.people.enroll import free_filename
from facesearch.people.scan import FOLDER_LINK_OUT, LINK_OUT, Person, Photo, read_name, scan_images
from facesearch.people.sync import plan_sync
from facesearch.store.people import EnrolledFace, object_id
from facesearch.store.refusals import vectorizer_reason
from tests.opens import Opens


def stored(person: str, filename: str, sha: str, name: str = "Ann") -> EnrolledFace:
    return EnrolledFace(object_id(person, filename), person, name, filename, sha)


def test_plan_adds_replaces_keeps_renames_and_deletes() -> None:
    ann = Person("ann", "Ann B", Path("images/ann"), True)
    ann.photos = [Photo("ann", Path("images/ann/new.jpg"), "n"), Photo("ann", Path("images/ann/changed.jpg"), "c2"),
                  Photo("ann", Path("images/ann/same.jpg"), "s")]
    plan = plan_sync([ann], [stored("ann", "changed.jpg", "c1"), stored("ann", "same.jpg", "s"),
                             stored("ann", "gone.jpg", "g"), stored("bob", "1.jpg", "b")])
    assert [p.filename for p in plan.add] == ["new.jpg"]
    assert [p.filename for p in plan.replace] == ["changed.jpg"]
    assert [p.filename for p in plan.keep] == ["same.jpg"]
    assert plan.rename == {object_id("ann", "same.jpg"): "Ann B"}
    assert sorted(plan.delete.values()) == ["ann/gone.jpg", "bob/1.jpg"]


def test_object_ids_are_stable_and_distinct() -> None:
    assert object_id("ann", "1.jpg") == object_id("ann", "1.jpg") != object_id("ann", "2.jpg")


def test_scan_reads_names_and_photo_types(tmp_path: Path) -> None:
    (tmp_path / "Ada_Lovelace").mkdir()
    (tmp_path / "Ada_Lovelace" / "1.JPG").write_bytes(b"x")
    (tmp_path / "Ada_Lovelace" / "notes.txt").write_text("ignored")
    (tmp_path / "grace").mkdir()
    (tmp_path / "grace" / "name.txt").write_text("Grace Hopper\n")
    (tmp_path / "grace" / "a.webp").write_bytes(b"y")
    (tmp_path / "grace" / "IMG_2.HEIC").write_bytes(b"z")
    (tmp_path / "grace" / "b.avif").write_bytes(b"w")
    (tmp_path / ".hidden").mkdir()
    people = scan_images(tmp_path)
    assert [(p.id, p.name, p.named_by_file) for p in people] == [
        ("Ada_Lovelace", "Ada Lovelace", False), ("grace", "Grace Hopper", True)]
    assert [ph.filename for ph in people[0].photos] == ["1.JPG"]
    assert [ph.filename for ph in people[1].photos] == ["IMG_2.HEIC", "a.webp", "b.avif"]
    assert read_name(tmp_path / "grace") == ("Grace Hopper", True)


def test_vectorizer_failures_become_sentences() -> None:
    assert vectorizer_reason("update vector: fail with status 422") == (
        "The face vectorizer found no face in the crop around the face.")
    assert vectorizer_reason("update vector: fail with status 503") == (
        "The face vectorizer was busy; import again to add this photo.")
    assert vectorizer_reason("connection refused").startswith("Weaviate refused the face: ")


@pytest.mark.parametrize(("sent", "kept"), [
    ("x" * 1000 + ".jpg", "x" * 100 + ".jpg"), ("photo.exe", "photo.jpg"), ("../../up.PNG", "up.png"),
    (None, "photo.jpg"), ("noext", "noext.jpg"), ("фото 😀.webp", "webp.jpg"),
])
def test_an_uploaded_photo_gets_a_short_safe_name_the_importer_reads(tmp_path: Path, sent: str | None,
                                                                      kept: str) -> None:
    """A name the file system refuses (over 255 bytes) or an extension the importer skips would leave the
    upload unreadable or behind."""
    assert free_filename(tmp_path, sent) == tmp_path / kept


def test_links_out_of_the_images_folder_are_skipped_and_never_opened(tmp_path: Path) -> None:
    images, outside = tmp_path / "images", tmp_path / "outside"
    for path in [images / "ann" / "1.jpg", images / "bob" / "1.jpg", outside / "x.jpg"]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(path.parent.name.encode())
    (outside / "name.txt").write_text("root:x:0:0:root:/root:/bin/bash\n")
    (images / "ann" / "out.jpg").symlink_to(outside / "x.jpg")
    (images / "ann" / "name.txt").symlink_to(outside / "name.txt")
    (images / "ann" / "bob.jpg").symlink_to("../bob/1.jpg")  # inside the images folder: read
    (images / "away").symlink_to(outside, target_is_directory=True)  # a person folder elsewhere: not even listed
    with Opens(outside / "x.jpg", outside / "name.txt", outside) as opens:
        people = {p.id: p for p in scan_images(images)}
        assert not opens.seen()
    ann, away = people["ann"], people["away"]
    assert (ann.name, ann.named_by_file) == ("ann", False)
    assert [p.filename for p in ann.photos] == ["1.jpg", "bob.jpg"]
    assert ann.skipped == [(images / "ann" / "out.jpg", LINK_OUT)]
    assert (away.photos, away.skipped) == ([], [(images / "away", FOLDER_LINK_OUT)])
