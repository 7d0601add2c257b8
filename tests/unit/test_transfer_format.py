"""The export file without a server: written and read back, refused when cut short, changed or of another version,
resumed after a stop; library folders re-rooted with the ids indexing would give them."""

from __future__ import annotations

import argparse
import gzip
import json
import uuid
from pathlib import Path

import numpy as np
import pytest

from facesearch.cli.main import old_new
from facesearch.errors import BadRequest
from facesearch.store.library import face_id, photo_id
from facesearch.store.transfer import KINDS, LIBRARY_FACE, LIBRARY_GROUP, LIBRARY_PHOTO, PERSON_FACE
from facesearch.store.writes import VECTOR, NewObject
from facesearch.transfer import exportfile
from facesearch.transfer.exporting import kinds_to_go
from facesearch.transfer.exportfile import Entry, ExportReader, ExportWriter, Header, partial_path, resume
from facesearch.transfer.importing import chunks_by_kind
from facesearch.transfer.roots import Rerooter, outside, reroot

SPACE = "yunet/fusion(dlib_resnet@ceb6f1c9*0.6,mobileface_v2@6f203c89*0.4)/mirror"
OLD = "/home/a/facesearch/library"


def vector(seed: int, dim: int = 384) -> list[float]:
    """A unit vector of float32 values, as Weaviate holds them."""
    v = np.random.default_rng(seed).standard_normal(dim).astype(np.float32)
    return (v / np.linalg.norm(v)).astype(np.float32).tolist()


def sample_entries() -> list[Entry]:
    pid = photo_id(f"{OLD}/samples", "2024/party.jpg")
    return [
        Entry(PERSON_FACE, NewObject(str(uuid.uuid4()), {
            "filename": "1.jpg", "name": "Ted Lieu", "person_id": "Ted_Lieu", "image": "/9j/4AAQ", "box": [1, 2, 3, 4],
        }, {VECTOR: vector(1)})),
        Entry(LIBRARY_PHOTO, NewObject(pid, {"folder": f"{OLD}/samples", "path": "2024/party.jpg", "size": 123,
                                             "mtime_ns": "1700000000000000000", "faces": 1,
                                             "indexed_at": "2026-12-06T10:00:00+00:00"})),
        Entry(LIBRARY_FACE, NewObject(face_id(f"{OLD}/samples", "2024/party.jpg", 1), {
            "folder": f"{OLD}/samples", "path": "2024/party.jpg", "photo_id": pid, "person_id": "Ted_Lieu",
            "box": [10, 20, 30, 40], "face_width": 20, "image": "/9j/4BBQ", "group_id": GROUP}, {VECTOR: vector(2)})),
        Entry(LIBRARY_GROUP, NewObject(GROUP, {"name": "Ted Lieu", "person_id": "Ted_Lieu", "hidden": False,
                                               "dismissed": []})),
    ]


GROUP = "3c1e2d4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"


def header(counts: dict[str, int] | None = None) -> Header:
    names = {PERSON_FACE: "FaceRecognition", LIBRARY_PHOTO: "LibraryPhoto", LIBRARY_FACE: "LibraryFace",
             LIBRARY_GROUP: "LibraryGroup"}
    return Header(SPACE, OLD, names, counts or {kind: 1 for kind in KINDS}, "2026-12-06T10:00:00+00:00")


def written(path: Path, entries: list[Entry]) -> Path:
    with ExportWriter(path, header()) as out:
        for entry in entries:
            out.add(entry)
        out.finish()
    return path


def lines(path: Path) -> list[bytes]:
    return gzip.decompress(path.read_bytes()).splitlines(keepends=True)


def refusal(path: Path) -> str:
    with pytest.raises(BadRequest) as refused:
        ExportReader(path).check()
    return refused.value.message


def test_what_is_written_reads_back_the_same(tmp_path: Path) -> None:
    entries = sample_entries()
    path = written(tmp_path / "out.jsonl.gz", entries)
    assert not partial_path(path).exists()
    reader = ExportReader(path)
    assert reader.header == header()
    assert list(reader.entries()) == entries
    assert reader.counted.counts == {kind: 1 for kind in KINDS}


def test_the_file_is_a_header_objects_and_a_trailer_with_the_sha256_of_the_lines_above(tmp_path: Path) -> None:
    import hashlib

    text = lines(written(tmp_path / "out.jsonl.gz", sample_entries()))
    first, *objects, last = [json.loads(line) for line in text]
    assert (first["format"], first["version"], first["space"]) == ("facesearch-export", 2, SPACE)
    assert [o["kind"] for o in objects] == list(KINDS)
    assert objects[1]["vector"] is None and isinstance(objects[0]["vector"], str)
    assert last["trailer"]["sha256"] == hashlib.sha256(b"".join(text[:-1])).hexdigest()
    assert last["trailer"]["counts"] == {kind: 1 for kind in KINDS}


def test_vectors_come_back_exactly_in_a_quarter_of_the_room_of_decimal_text() -> None:
    v = vector(3)
    text = exportfile.encode_vector(v)
    assert exportfile.decode_vector(text) == v
    assert len(text) * 3 < len(json.dumps(v))


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.95])
def test_a_file_cut_short_is_refused_as_incomplete(tmp_path: Path, keep: float) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries() * 50)
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    assert refusal(path) == (
        f"{path} is incomplete: it ends before its last line (it was cut short while being written or copied); "
        "export it again."
    )


def test_a_file_without_its_trailer_is_refused_as_incomplete(tmp_path: Path) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries())
    path.write_bytes(gzip.compress(b"".join(lines(path)[:-1])))
    assert refusal(path).startswith(f"{path} is incomplete: ")


def test_a_changed_line_is_refused_by_its_checksum(tmp_path: Path) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries())
    text = lines(path)
    text[1] = text[1].replace(b"Ted Lieu", b"Ted Leiu")
    path.write_bytes(gzip.compress(b"".join(text)))
    assert refusal(path) == f"{path} is damaged (its checksum does not match its contents): export it again."


def test_a_line_left_out_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries())
    text = lines(path)
    path.write_bytes(gzip.compress(b"".join(text[:2] + text[3:])))
    assert "(its checksum does not match its contents)" in refusal(path)


def test_lines_after_the_trailer_are_refused(tmp_path: Path) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries())
    text = lines(path)
    path.write_bytes(gzip.compress(b"".join(text + text[1:2])))
    assert refusal(path) == f"{path} is damaged (it goes on after its last line): export it again."


def test_damaged_compressed_data_is_refused(tmp_path: Path) -> None:
    path = written(tmp_path / "out.jsonl.gz", sample_entries() * 20)
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 64] = bytes(64)
    path.write_bytes(bytes(data))
    message = refusal(path)
    assert message.startswith(f"{path} is damaged (") or message.startswith(f"{path} is incomplete: "), message


def test_an_unknown_version_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "future.jsonl.gz"
    path.write_bytes(gzip.compress(json.dumps({"format": "facesearch-export", "version": 7}).encode() + b"\n"))
    with pytest.raises(BadRequest) as refused:
        ExportReader(path)
    assert refused.value.message == (
        f"{path} is a facesearch export of version 7, and this facesearch reads versions 1 and 2: import it with the "
        "facesearch that made it, or a newer one."
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"hello", gzip.compress(b"[1, 2]\n", mtime=0), gzip.compress(b'{"format": "other"}\n', mtime=0)],
    ids=["empty", "text", "gzip-list", "gzip-other-format"],
)
def test_other_files_are_not_exports(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "other.gz"
    path.write_bytes(data)
    with pytest.raises(BadRequest) as refused:
        ExportReader(path)
    assert refused.value.message == f"{path} is not a facesearch export (a file `python -m facesearch export` writes)."


def stop_after(path: Path, entries: list[Entry], cut: int) -> None:
    """An export that wrote `entries` and then lost its last `cut` bytes (killed while writing a member)."""
    with ExportWriter(path, header()) as out:
        for entry in entries:
            out.add(entry)
    partial = partial_path(path)
    partial.write_bytes(partial.read_bytes()[: len(partial.read_bytes()) - cut])


def test_a_stopped_export_goes_on_from_its_last_whole_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exportfile, "SEGMENT", 4)
    entries = [Entry(PERSON_FACE, NewObject(str(uuid.UUID(int=i)), {"name": f"p{i}"}, {VECTOR: vector(i, 8)}))
               for i in range(1, 23)]
    path = tmp_path / "out.jsonl.gz"
    stop_after(path, entries, cut=5)
    resumed = resume(path)
    assert resumed is not None and resumed.header == header()
    kept = resumed.counts[PERSON_FACE]
    assert kept == 4 * 5 - 1  # members of 4 lines, the first holding the header: the sixth member was cut
    assert resumed.last == (PERSON_FACE, entries[kept - 1].obj.id)
    with ExportWriter(path, resumed.header, resumed) as out:
        for entry in entries[kept:]:
            out.add(entry)
        out.finish()
    reader = ExportReader(path)
    assert list(reader.entries()) == entries


def test_nothing_to_resume_without_a_whole_first_member(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl.gz"
    assert resume(path) is None
    stop_after(path, sample_entries(), cut=3)  # one member only (SEGMENT is 500), cut short
    assert resume(path) is None
    partial_path(path).write_bytes(b"not gzip at all")
    assert resume(path) is None


def test_kinds_to_go_after_a_stop() -> None:
    assert kinds_to_go(None) == [(k, None) for k in KINDS]
    resumed = exportfile.Resumed(header(), {k: 0 for k in KINDS}, (LIBRARY_PHOTO, "x"), None, 0)
    assert kinds_to_go(resumed) == [(LIBRARY_PHOTO, "x"), (LIBRARY_FACE, None), (LIBRARY_GROUP, None)]


def test_chunks_keep_to_one_kind_and_their_size() -> None:
    entries = [Entry(PERSON_FACE, NewObject(str(i), {})) for i in range(5)] + [Entry(LIBRARY_PHOTO, NewObject("p", {}))]
    assert [(kind, len(objs)) for kind, objs in chunks_by_kind(entries, 2)] == [
        (PERSON_FACE, 2), (PERSON_FACE, 2), (PERSON_FACE, 1), (LIBRARY_PHOTO, 1)]


def test_rerooting_moves_folders_and_derives_their_ids_again(tmp_path: Path) -> None:
    new = tmp_path / "library"
    person, photo, face, _ = sample_entries()
    rerooter = Rerooter([reroot(OLD, str(new))])
    moved_photo, moved_face = rerooter.entry(photo), rerooter.entry(face)
    folder = str(new.resolve() / "samples")
    assert moved_photo.obj.properties == {**photo.obj.properties, "folder": folder}
    assert moved_photo.obj.id == photo_id(folder, "2024/party.jpg")
    assert moved_face.obj.id == face_id(folder, "2024/party.jpg", 1)
    assert moved_face.obj.properties["photo_id"] == moved_photo.obj.id
    assert moved_face.obj.vector == face.obj.vector
    assert rerooter.entry(person) == person


def test_rerooting_leaves_other_folders_and_ids_not_derived_from_the_folder() -> None:
    rerooter = Rerooter([reroot("/a", "/x"), reroot("/a/b", "/y")])
    assert rerooter.folder("/a/b/c") == "/y/c"  # the longest OLD wins
    assert rerooter.folder("/a/bc") == "/x/bc"
    assert rerooter.folder("/ab") == "/ab"
    entry = Entry(LIBRARY_FACE, NewObject("7f8c4b9e-0000-4000-8000-000000000000", {"folder": "/a", "path": "p.jpg",
                                                                                     "photo_id": "other"}))
    moved = rerooter.entry(entry)
    assert moved.obj.id == entry.obj.id
    assert (moved.obj.properties["photo_id"], moved.obj.properties["folder"]) == ("other", "/x")


def test_folders_outside_the_library_root(tmp_path: Path) -> None:
    root = tmp_path / "library"
    inside = str(root.resolve() / "samples")
    assert outside([inside, "/elsewhere", "/elsewhere", str(root.resolve())], root) == ["/elsewhere"]


@pytest.mark.parametrize("text", ["/a=/b", "/a/b=/c=d"])
def test_library_root_pairs(text: str) -> None:
    old, new = old_new(text)
    assert f"{old}={new}" == text


@pytest.mark.parametrize("text", ["a=/b", "/a", "/a=b", "=/b"])
def test_library_root_pairs_need_two_absolute_folders(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        old_new(text)
