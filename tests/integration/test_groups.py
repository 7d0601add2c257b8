"""People in the library's photos on the real stack: a folder of group photos made from the sample faces (each of
five people in two or three photos, from two different portraits of theirs; two strangers once each) is indexed and its
faces grouped as the people are; naming, "not this person", merging and adding photos later. Uses its own Weaviate
collections and images folder, deleted at the end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageOps

from facesearch.face import FaceModels
from facesearch.face.embed import decision_for
from facesearch.library import groups
from facesearch.library.grouping import Grouper, rule_of
from facesearch.library.index import IndexReport, folder_key, index_folder
from facesearch.library.tag import Tagger
from facesearch.local.stack import settings_env
from facesearch.people.search import search_photo
from facesearch.settings import Settings
from facesearch.store import groups as store
from facesearch.store import library as records
from facesearch.store.library import LibraryFace
from facesearch.store.people import People
from facesearch.testing import private_library
from tests.conftest import IMAGES, LOOK_FOR, Stack
from tools.make_library_samples import Region, compose

PEOPLE = ["Ted_Lieu", "Dina_Titus", "Seth_Moulton", "Norma_Torres", "Kyrsten_Sinema"]
STRANGERS = ["Chris_Pratt", "Peggy_Whitson"]
PHOTOS = {
    "a.jpg": ["Ted_Lieu/1", "Dina_Titus/1", "Seth_Moulton/1"],
    "b.jpg": ["Norma_Torres/1", "Kyrsten_Sinema/1", "Ted_Lieu/look"],
    "c.jpg": ["Dina_Titus/look", "Seth_Moulton/look", "Norma_Torres/look"],
    "d.jpg": ["Kyrsten_Sinema/1-mirror", "Ted_Lieu/1-mirror", "Chris_Pratt/look"],
    "e.jpg": ["Dina_Titus/1-mirror", "Seth_Moulton/look-mirror", "Peggy_Whitson/look"],
    "f.jpg": ["Dina_Titus/look-mirror", "Ted_Lieu/look-mirror"],
}
"""photo -> the portraits pasted in it, left to right: <person>/1 (images/), /look (look_for/), -mirror flipped."""


def portrait(source: str, cache: Path) -> Path:
    person, kind = source.split("/")
    path = IMAGES / person / "1.jpg" if kind.startswith("1") else next(LOOK_FOR.glob(f"{person}.*"))
    if not kind.endswith("-mirror"):
        return path
    flipped = cache / f"{person}-{kind}.jpg"
    with Image.open(path) as im:
        ImageOps.mirror(ImageOps.exif_transpose(im).convert("RGB")).save(flipped, quality=95)
    return flipped


def make_photos(folder: Path, names: list[str], cache: Path) -> dict[str, list[tuple[str, Region]]]:
    """The photos `names` of PHOTOS in `folder`; photo -> (person, where their portrait went), left to right."""
    truth = {}
    for name in names:
        sources = PHOTOS[name]
        image, regions = compose([portrait(s, cache) for s in sources], height=300)
        image.save(folder / name, quality=92)
        truth[name] = [(s.split("/")[0], r) for s, r in zip(sources, regions)]
    return truth


@dataclass
class Lib:
    settings: Settings
    people: People
    library: records.Library
    models: FaceModels
    folder: Path
    truth: dict[str, list[tuple[str, Region]]]
    grouper: Grouper

    def tagger(self) -> Tagger:
        d = decision_for(self.settings)
        return Tagger(self.people, d.threshold, d.margin, d.rule, self.grouper)

    def index(self) -> IndexReport:
        return index_folder(self.library, self.folder, tagger=self.tagger(), models=self.models)

    def who(self, face: LibraryFace) -> str:
        """The person whose portrait holds the face's centre."""
        x, y = (face.box.left + face.box.right) / 2, (face.box.top + face.box.bottom) / 2
        return next(p for p, r in self.truth[face.path] if r[0] <= x < r[2] and r[1] <= y < r[3])

    def faces(self) -> list[LibraryFace]:
        return store.all_faces(self.library)

    def groups_by_person(self) -> dict[str, set[str]]:
        """person -> the groups their faces are in ("" for none)."""
        found: dict[str, set[str]] = {}
        for face in self.faces():
            found.setdefault(self.who(face), set()).add(face.group_id)
        return found


@pytest.fixture(scope="module")
def lib(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lib]:
    images = tmp_path_factory.mktemp("images")
    folder = tmp_path_factory.mktemp("library") / "photos"
    folder.mkdir()
    truth = make_photos(folder, [n for n in PHOTOS if n != "f.jpg"], tmp_path_factory.mktemp("portraits"))
    with private_library(stack.settings, "TestGroups", images_dir=images) as (settings, people, library):
        yield Lib(settings, people, library, FaceModels.detector_only("yunet"), folder, truth, Grouper(rule_of(settings)))


@pytest.fixture(scope="module")
def indexed(lib: Lib) -> IndexReport:
    return lib.index()


def test_indexing_groups_each_person_and_leaves_strangers_alone(lib: Lib, indexed: IndexReport) -> None:
    assert indexed.faces == sum(len(p) for p in lib.truth.values())
    by_person = lib.groups_by_person()
    for person in PEOPLE:
        assert len(by_person[person]) == 1 and "" not in by_person[person], (person, by_person)
    assert len({next(iter(by_person[p])) for p in PEOPLE}) == len(PEOPLE)  # five people, five groups
    for stranger in STRANGERS:
        assert by_person[stranger] == {""}, stranger


def test_two_faces_of_one_photo_are_never_in_one_group(lib: Lib, indexed: IndexReport) -> None:
    lib.grouper.regroup(lib.library)
    placed = [(f.photo_id, f.group_id) for f in lib.faces() if f.group_id]
    assert len(placed) == len(set(placed))


def test_a_regroup_keeps_the_groups_and_their_ids(lib: Lib, indexed: IndexReport) -> None:
    before = lib.groups_by_person()
    report = lib.grouper.regroup(lib.library)
    assert lib.groups_by_person() == before
    assert report.groups == len(PEOPLE)


def test_listing_gives_the_groups_biggest_first(lib: Lib, indexed: IndexReport) -> None:
    listed = groups.summaries(lib.library, lib.people, min_faces=2)
    appearances = sorted((sum(p == person for seats in lib.truth.values() for p, _ in seats) for person in PEOPLE),
                         reverse=True)
    assert [s.faces for s in listed] == appearances == [3, 3, 3, 2, 2]
    assert all(len(s.photos) == s.faces and s.cover is not None and not s.name for s in listed)
    assert [s.faces for s in groups.summaries(lib.library, lib.people, min_faces=3)] == [3, 3, 3]


def group_of(lib: Lib, person: str) -> str:
    (found,) = lib.groups_by_person()[person]
    return found


def test_naming_a_group_enrols_the_person_and_the_search_knows_them(lib: Lib, indexed: IndexReport) -> None:
    gid = group_of(lib, "Ted_Lieu")
    named = groups.name_group(lib.library, lib.people, lib.models, lib.settings.images_dir, gid, "Ted Lieu")
    assert (named.id, named.person_id) == (gid, "Ted_Lieu")
    assert sorted(p.name for p in (lib.settings.images_dir / "Ted_Lieu").glob("*.jpg"))  # written to images/
    assert {f.person_id for f in store.faces_in(lib.library, gid)} == {"Ted_Lieu"}
    d = decision_for(lib.settings)
    result = search_photo(lib.models, lib.people, (IMAGES / "Ted_Lieu" / "1.jpg").read_bytes(), limit=1,
                          threshold=d.threshold, margin=d.margin, rule=d.rule)
    assert result.faces[0].match is not None and result.faces[0].match.person_id == "Ted_Lieu"
    with pytest.raises(groups.PersonExists):
        groups.name_group(lib.library, lib.people, lib.models, lib.settings.images_dir, group_of(lib, "Dina_Titus"),
                          "ted lieu")
    lib.tagger().retag_all(lib.library)
    assert group_of(lib, "Ted_Lieu") == gid  # the tagging keeps the person's faces in the named group


def test_not_this_person_lasts_through_a_regroup(lib: Lib, indexed: IndexReport) -> None:
    gid = group_of(lib, "Seth_Moulton")
    face = next(f for f in store.faces_in(lib.library, gid) if f.path == "a.jpg")
    assert groups.remove_faces(lib.library, lib.grouper, gid, [face.id]) == 1
    for _ in range(2):
        lib.grouper.regroup(lib.library)
        again = records.faces_with_ids(lib.library, [face.id])[0]
        assert again.group_id != gid and gid in again.not_groups
    assert len(store.faces_in(lib.library, gid)) == 2


def test_a_merge_joins_two_groups_for_good(lib: Lib, indexed: IndexReport) -> None:
    a, b = group_of(lib, "Norma_Torres"), group_of(lib, "Kyrsten_Sinema")
    groups.merge_groups(lib.library, a, [b])
    assert store.get_group(lib.library, b) is None
    lib.grouper.regroup(lib.library)
    assert {f.group_id for f in lib.faces() if lib.who(f) in ("Norma_Torres", "Kyrsten_Sinema")} == {a}
    with pytest.raises(Exception):
        groups.merge_groups(lib.library, a, [a])


def test_photos_added_later_join_their_groups_without_a_regroup(lib: Lib, indexed: IndexReport,
                                                                 tmp_path: Path) -> None:
    before = {p: group_of(lib, p) for p in ("Dina_Titus", "Ted_Lieu")}  # Ted is named (enrolled) by now
    lib.truth.update(make_photos(lib.folder, ["f.jpg"], tmp_path))
    report = lib.index()
    assert report.new == ["f.jpg"]
    added = [f for f in lib.faces() if f.path == "f.jpg"]
    assert len(added) == 2 and all(f.group_id == before[lib.who(f)] for f in added), added


def cli(lib: Lib, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(lib.settings)}
    return subprocess.run([sys.executable, "-m", "facesearch", *args], cwd=IMAGES.parent, env=env,
                          capture_output=True, text=True, timeout=300)


def listed(lib: Lib, *more: str) -> list[dict]:
    done = cli(lib, "library", "people", str(lib.folder), "--json", *more)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_command_line_lists_hides_corrects_and_names_groups(lib: Lib, indexed: IndexReport) -> None:
    groups_ = listed(lib)
    assert all(set(g) == {"id", "name", "faces"} and len(g["faces"]) >= 2 for g in groups_)
    assert all(set(f) == {"path", "box"} and (lib.folder / f["path"]).is_file() for g in groups_ for f in g["faces"])
    dina = group_of(lib, "Dina_Titus")
    assert dina in {g["id"] for g in groups_} and "Ted Lieu" in {g["name"] for g in groups_}
    text = cli(lib, "library", "people")
    assert text.returncode == 0 and f"{dina[:8]}  (no name): 4 faces in 4 photos" in text.stdout, text.stdout

    assert cli(lib, "library", "hide", dina[:8]).returncode == 0
    assert dina not in {g["id"] for g in listed(lib)}
    assert cli(lib, "library", "hide", dina[:8], "--show").returncode == 0
    assert dina in {g["id"] for g in listed(lib)}

    taken_out = cli(lib, "library", "not", dina[:8], str(lib.folder / "c.jpg"))
    assert taken_out.returncode == 0 and "1 faces taken out" in taken_out.stdout, taken_out.stderr
    assert sorted(f["path"] for g in listed(lib) if g["id"] == dina for f in g["faces"]) == ["a.jpg", "e.jpg", "f.jpg"]

    unknown = cli(lib, "library", "name", "ffffffff", "Nobody")
    assert unknown.returncode == 1 and "There is no group 'ffffffff'" in unknown.stderr
    asked = cli(lib, "library", "name", dina[:8], "ted lieu")
    assert asked.returncode == 1 and "error: ted lieu is enrolled already; to add this group's faces to them, run this " \
        "again with --merge." in asked.stderr, asked.stderr
    named = cli(lib, "library", "name", dina[:8], "Dina Titus")
    assert named.returncode == 0, named.stderr
    assert {g["name"] for g in listed(lib) if g["id"] == dina} == {"Dina Titus"}
    regrouped = cli(lib, "library", "regroup")
    assert regrouped.returncode == 0 and "groups of" in regrouped.stdout, regrouped.stderr
    assert {g["name"] for g in listed(lib) if g["id"] == dina} == {"Dina Titus"}
