"""The photo library on the real stack: index a folder of photos and group photos, find faces in it,
re-index changes, and the command line. Uses its own Weaviate collections, deleted at the end."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image
from weaviate.classes.query import Filter

from facesearch.face import FaceModels
from facesearch.face.embed import decision_for
from facesearch.library.find import Match, Query, find_by_person, find_by_photo
from facesearch.library.index import IndexReport, folder_key, index_folder
from facesearch.library.tag import Tagger
from facesearch.local.stack import settings_env
from facesearch.people.scan import scan_images
from facesearch.people.sync import import_people
from facesearch.settings import Settings
from facesearch.store import library as records
from facesearch.store.library import LibraryFace
from facesearch.store.people import People
from facesearch.testing import private_library
from facesearch.face.detect import iou
from tests.camera import group_photo
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tests.opens import Opens
from tools.make_library_samples import Region, compose

ROOT = IMAGES.parent
GROUPS = {
    "groups/a.jpg": (["Ted_Lieu", "Dina_Titus", "Seth_Moulton"], 420),
    "groups/b.jpg": (["Norma_Torres", "Ted_Lieu"], 420),
    "groups/small.jpg": (["Kyrsten_Sinema", "Ted_Lieu"], 200),
}


def enrolled(person: str) -> Path:
    return IMAGES / person / "1.jpg"


@dataclass
class Lib:
    """A library of private collections on the stack's Weaviate, with one folder of photos."""

    settings: Settings
    people: People
    library: records.Library
    models: FaceModels
    folder: Path
    regions: dict[str, dict[str, Region]]
    """composite path -> person -> where their photo was pasted"""

    def tagger(self) -> Tagger:
        d = decision_for(self.settings)
        return Tagger(self.people, d.threshold, d.margin, d.rule)

    def index(self, folder: Path | None = None) -> IndexReport:
        return index_folder(self.library, folder or self.folder, tagger=self.tagger(), models=self.models)

    def faces(self, folder: Path | None = None) -> dict[str, LibraryFace]:
        where = Filter.by_property("folder").equal(folder_key(folder or self.folder))
        return {f.id: f for f in records.faces_where(self.library, where, vectors=True)}

    def find(self, photo: Path, folder: Path | None = None, **kw: object) -> list[Match]:
        query = Query(decision_for(self.settings).library_threshold, folders=[folder_key(folder or self.folder)], **kw)  # type: ignore[arg-type]
        return find_by_photo(self.models, self.library, photo.read_bytes(), query).matches


def build_folder(folder: Path) -> dict[str, dict[str, Region]]:
    """Every enrolled photo, group photos made of them, and a file that is not a photo."""
    (folder / "people").mkdir(parents=True)
    for person in sorted(p.name for p in IMAGES.iterdir()):
        shutil.copy(enrolled(person), folder / "people" / f"{person}.jpg")
    regions = {}
    (folder / "groups").mkdir()
    for name, (people, height) in GROUPS.items():
        image, where = compose([enrolled(p) for p in people], height=height)
        image.save(folder / name, quality=92)
        regions[name] = dict(zip(people, where))
    (folder / "broken.jpg").write_bytes(b"this is not a photo")
    return regions


@pytest.fixture(scope="module")
def lib(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lib]:
    folder = tmp_path_factory.mktemp("library") / "photos"
    regions = build_folder(folder)
    with private_library(stack.settings, "TestLib") as (settings, people, library):
        import_people(people, scan_images(IMAGES))
        yield Lib(settings, people, library, FaceModels.detector_only("yunet"), folder, regions)


@pytest.fixture(scope="module")
def indexed(lib: Lib) -> IndexReport:
    return lib.index()


def inside(face: LibraryFace, region: Region) -> bool:
    x, y = (face.box.left + face.box.right) / 2, (face.box.top + face.box.bottom) / 2
    return region[0] <= x < region[2] and region[1] <= y < region[3]


def test_indexing_stores_every_face_and_skips_what_is_not_a_photo(lib: Lib, indexed: IndexReport) -> None:
    assert len(indexed.new) == 8 + len(GROUPS) + 1
    assert indexed.skipped == [("broken.jpg", "This file is not an image; use a JPEG, PNG, WebP, HEIC or AVIF photo.")]
    per_photo: dict[str, int] = {}
    for face in lib.faces().values():
        per_photo[face.path] = per_photo.get(face.path, 0) + 1
    assert {path: per_photo.get(path) for path in GROUPS} == {path: len(p) for path, (p, _) in GROUPS.items()}
    assert all(per_photo[f"people/{p.name}.jpg"] == 1 for p in IMAGES.iterdir())
    assert indexed.faces == sum(per_photo.values())
    again = lib.index()
    assert (again.new, again.changed, again.moved, again.removed, again.unchanged) == ([], [], [], [], len(indexed.new))


def test_a_face_is_found_in_every_photo_it_appears_in_with_its_box(lib: Lib, indexed: IndexReport) -> None:
    matches = lib.find(enrolled("Ted_Lieu"))
    by_path = {m.face.path: m for m in matches}
    expected = {"people/Ted_Lieu.jpg"} | {path for path, (people, _) in GROUPS.items() if "Ted_Lieu" in people}
    assert expected <= set(by_path), [(m.face.path, m.similarity) for m in matches]
    for path in expected - {"people/Ted_Lieu.jpg"}:
        assert inside(by_path[path].face, lib.regions[path]["Ted_Lieu"]), (path, by_path[path].face.box)
    assert [m.similarity for m in matches] == sorted((m.similarity for m in matches), reverse=True)
    assert all(m.similarity >= decision_for(lib.settings).library_threshold for m in matches)


def test_every_enrolled_person_is_found_in_their_photos_each_listed_once(lib: Lib, indexed: IndexReport) -> None:
    for person in sorted(p.name for p in IMAGES.iterdir()):
        query = Query(decision_for(lib.settings).library_threshold, folders=[folder_key(lib.folder)])
        paths = [m.face.path for m in find_by_person(lib.people, lib.library, person, query)]
        expected = {f"people/{person}.jpg"} | {path for path, (people, _) in GROUPS.items() if person in people}
        assert expected <= set(paths), (person, paths)
        assert len(paths) == len(set(paths))


def test_group_faces_are_named_after_the_enrolled_people(lib: Lib, indexed: IndexReport) -> None:
    faces = sorted((f for f in lib.faces().values() if f.path == "groups/a.jpg"), key=lambda f: f.box.left)
    assert [f.person_id for f in faces] == GROUPS["groups/a.jpg"][0]


def test_min_size_leaves_out_smaller_faces(lib: Lib, indexed: IndexReport) -> None:
    small = max(f.box.width for f in lib.faces().values() if f.path == "groups/small.jpg")
    ted = [m.face for m in lib.find(enrolled("Ted_Lieu"))]
    assert "groups/small.jpg" in {f.path for f in ted}
    assert all(f.box.width > small for f in ted if f.path != "groups/small.jpg")  # the composite made them small
    paths = {m.face.path for m in lib.find(enrolled("Ted_Lieu"), min_size=small + 1)}
    assert "groups/small.jpg" not in paths
    assert {"groups/a.jpg", "groups/b.jpg", "people/Ted_Lieu.jpg"} <= paths


def test_reindexing_changes_exactly_what_changed_on_disk(lib: Lib, tmp_path: Path) -> None:
    folder = tmp_path / "changing"
    folder.mkdir()
    for person in ("Ted_Lieu", "Dina_Titus", "Seth_Moulton"):
        shutil.copy(enrolled(person), folder / f"{person}.jpg")
    lib.index(folder)
    before = lib.faces(folder)

    shutil.copy(enrolled("Paul_Rudd"), folder / "new.jpg")
    report = lib.index(folder)
    after = lib.faces(folder)
    assert (report.new, report.unchanged) == (["new.jpg"], 3)
    assert {f.path for i, f in after.items() if i not in before} == {"new.jpg"} and before.items() <= after.items()

    shutil.copy(enrolled("Norma_Torres"), folder / "Dina_Titus.jpg")
    report, before = lib.index(folder), after
    after = lib.faces(folder)
    assert report.changed == ["Dina_Titus.jpg"]
    changed = {i for i in after if after[i] != before.get(i)}
    assert {after[i].path for i in changed} == {"Dina_Titus.jpg"} and after[next(iter(changed))].person_id == "Norma_Torres"

    (folder / "sub").mkdir()
    (folder / "Ted_Lieu.jpg").rename(folder / "sub" / "ted.jpg")
    report, before = lib.index(folder), after
    after = lib.faces(folder)
    assert report.moved == [("Ted_Lieu.jpg", "sub/ted.jpg")] and not report.new and report.faces == 0
    moved = next(f for f in after.values() if f.path == "sub/ted.jpg")
    old = next(f for f in before.values() if f.path == "Ted_Lieu.jpg")
    assert (moved.vector, moved.box, moved.person_id) == (old.vector, old.box, "Ted_Lieu")
    assert {i: f for i, f in after.items() if f.path != "sub/ted.jpg"} == {i: f for i, f in before.items() if f.path != "Ted_Lieu.jpg"}

    (folder / "Seth_Moulton.jpg").unlink()
    report, before = lib.index(folder), after
    after = lib.faces(folder)
    assert report.removed == ["Seth_Moulton.jpg"]
    assert after == {i: f for i, f in before.items() if f.path != "Seth_Moulton.jpg"}
    assert {p.path for p in records.photos_in(lib.library, folder_key(folder))} == {"new.jpg", "Dina_Titus.jpg", "sub/ted.jpg"}


def test_tags_follow_the_people(lib: Lib, tmp_path: Path) -> None:
    folder = tmp_path / "tags"
    folder.mkdir()
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", folder / "pratt.jpg")
    lib.index(folder)
    assert [f.person_id for f in lib.faces(folder).values()] == [""]
    people_dir = tmp_path / "people"
    shutil.copytree(IMAGES, people_dir)
    (people_dir / "Chris_Pratt").mkdir()
    shutil.copy(LOOK_FOR / "Chris_Pratt.jpg", people_dir / "Chris_Pratt" / "1.jpg")
    try:
        import_people(lib.people, scan_images(people_dir))
        assert lib.tagger().retag_all(lib.library) >= 1
        assert [f.person_id for f in lib.faces(folder).values()] == ["Chris_Pratt"]
    finally:
        shutil.rmtree(people_dir / "Chris_Pratt")
        import_people(lib.people, scan_images(people_dir))
    lib.tagger().retag_all(lib.library)
    assert [f.person_id for f in lib.faces(folder).values()] == [""]


def cli(lib: Lib, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(lib.settings)}
    return subprocess.run(
        [sys.executable, "-m", "facesearch", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_cli_find_prints_text_and_the_same_as_json(lib: Lib, indexed: IndexReport) -> None:
    args = ["find", "-q", str(enrolled("Ted_Lieu")), "-t", str(lib.folder)]
    text, as_json = cli(lib, *args), cli(lib, *args, "--json")
    assert text.returncode == 0 and as_json.returncode == 0, text.stderr + as_json.stderr
    rows = json.loads(as_json.stdout)
    assert "unchanged 12" in as_json.stderr
    assert len(rows) >= 4 and all(set(r) == {"path", "similarity", "box", "taken_at", "taken_from"} for r in rows)
    lines = text.stdout.splitlines()
    assert len(lines) == len(rows)
    for line, row in zip(lines, rows):
        b = row["box"]
        assert line.startswith(f"{row['path']}  similarity {row['similarity']:.3f}  ")
        assert f"box left={b['left']} top={b['top']} right={b['right']} bottom={b['bottom']}" in line
    limited = json.loads(cli(lib, *args, "--json", "--limit", "2").stdout)
    assert limited == rows[:2]


def test_cli_picks_the_largest_face_or_the_one_asked_for(lib: Lib, indexed: IndexReport) -> None:
    group = lib.folder / "groups" / "a.jpg"
    done = cli(lib, "find", "-q", str(group), "-t", str(lib.folder), "--json")
    assert "The photo has 3 faces; searching with the largest" in done.stderr
    first = cli(lib, "find", "-q", str(group), "-t", str(lib.folder), "--json", "--face", "1")
    assert first.returncode == 0 and "note:" not in first.stderr
    assert "people/Ted_Lieu.jpg" in {r["path"] for r in json.loads(first.stdout)}


def test_cli_errors_are_one_sentence(lib: Lib, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), (128, 128, 128)).save(blank)
    empty = tmp_path / "empty"
    empty.mkdir()
    cases = {
        ("-q", str(enrolled("Ted_Lieu")), "-t", str(tmp_path / "missing")): "is not a folder.",
        ("-q", str(enrolled("Ted_Lieu")), "-t", str(empty)): "has no JPEG, PNG, WebP, HEIC or AVIF photos.",
        ("-q", str(blank), "-t", str(lib.folder)): "No face was found in this photo.",
        ("-q", str(tmp_path / "nope.jpg"), "-t", str(lib.folder)): "could not be read",
        ("--person", "Nobody", "-t", str(lib.folder)): "There is no person 'Nobody'.",
    }
    for args, sentence in cases.items():
        done = cli(lib, "find", *args)
        assert done.returncode != 0 and done.stdout == "", (args, done.stdout)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and sentence in errors[0], (args, done.stderr)
        assert "Traceback" not in done.stderr


def test_cli_library_status_and_remove(lib: Lib, tmp_path: Path) -> None:
    folder = tmp_path / "status"
    folder.mkdir()
    shutil.copy(enrolled("Ted_Lieu"), folder / "ted.jpg")
    (folder / "bad.png").write_bytes(b"\x89PNG broken")
    assert "new 2," in cli(lib, "library", "index", str(folder)).stdout
    status = cli(lib, "library", "status", str(folder)).stdout
    assert f"{folder_key(folder)}: 2 photos, 1 faces, last indexed " in status
    assert "skipped: bad.png: " in status
    assert "forgotten (2 photos)" in cli(lib, "library", "remove", str(folder)).stdout
    gone = cli(lib, "library", "status", str(folder))
    assert gone.returncode == 1 and "is not indexed." in gone.stderr
    assert (folder / "ted.jpg").is_file()


def test_find_returns_every_face_above_the_threshold_not_a_first_page(lib: Lib, tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(40):  # more than Weaviate's default page of 25 (QUERY_DEFAULTS_LIMIT)
        shutil.copy(enrolled("Ted_Lieu"), folder / f"{n:02}.jpg")
    lib.index(folder)
    assert len(lib.find(enrolled("Ted_Lieu"), folder)) == 40
    assert len(lib.find(enrolled("Ted_Lieu"), folder, limit=30)) == 30


def test_cli_follows_links_out_of_the_folder_only_when_told(lib: Lib, tmp_path: Path) -> None:
    folder, outside = tmp_path / "linked", tmp_path / "outside"
    (outside / "dir").mkdir(parents=True)
    folder.mkdir()
    shutil.copy(enrolled("Seth_Moulton"), folder / "seth.jpg")
    shutil.copy(enrolled("Ted_Lieu"), outside / "ted.jpg")
    shutil.copy(enrolled("Dina_Titus"), outside / "dir" / "dina.jpg")
    (folder / "ted.jpg").symlink_to(outside / "ted.jpg")
    (folder / "away").symlink_to(outside / "dir", target_is_directory=True)
    try:
        with Opens(outside / "ted.jpg", outside / "dir") as opens:
            plain = cli(lib, "library", "index", str(folder))
            assert not opens.seen(), "a link out of the folder was followed"
        assert plain.returncode == 0, plain.stderr
        reason = f"This is a link to a file outside {folder}; index with --follow-links to read it."
        assert f"skipped: ted.jpg: {reason}" in plain.stdout
        assert "new 2, " in plain.stdout and "away" not in plain.stdout
        followed = cli(lib, "library", "index", str(folder), "--follow-links")
        assert followed.returncode == 0 and "new 1, changed 1, " in followed.stdout, followed.stdout + followed.stderr
        found = cli(lib, "find", "-q", str(enrolled("Dina_Titus")), "-t", str(folder), "--json", "--follow-links")
        assert found.returncode == 0 and "away/dina.jpg" in {r["path"] for r in json.loads(found.stdout)}, found.stderr
        again = cli(lib, "find", "-q", str(enrolled("Ted_Lieu")), "-t", str(folder), "--json")  # links skipped again
        assert "ted.jpg" not in {r["path"] for r in json.loads(again.stdout)}, again.stderr
        assert "skipped: ted.jpg: " in again.stderr
    finally:
        cli(lib, "library", "remove", str(folder))


def test_a_camera_size_photo_gives_every_face_down_to_the_minimum_size(lib: Lib, tmp_path: Path) -> None:
    """A 4000 x 3000 photo of the eight sample people, faces 40 to 100 px wide: YuNet seeing it at 640 px
    alone finds few of them; every one is stored, with its box, and found by its person's enrolled photo."""
    folder = tmp_path / "camera"
    folder.mkdir()
    data, seats = group_photo([40, 48, 56, 64, 72, 80, 90, 100])
    (folder / "group.jpg").write_bytes(data)
    report = lib.index(folder)
    assert report.faces == len(seats), report.summary()
    faces = list(lib.faces(folder).values())
    for seat in seats:
        [face] = [f for f in faces if iou(f.box, seat.box) >= 0.3]
        assert (face.photo_width, face.photo_height) == (4000, 3000)
        assert "group.jpg" in {m.face.path for m in lib.find(enrolled(seat.person), folder)}, seat
