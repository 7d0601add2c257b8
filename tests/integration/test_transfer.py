"""`export` on one node, `import-data` into a three-node cluster: the same answers; library folders re-rooted; a
file cut short or of another vector space refused before anything is written; an import stopped half-way finished
by running it again, an export stopped half-way too.

The source is the session stack (one node), with collections of its own: the sample people imported and
library/samples indexed (and tagged) from a library root of its own. The target is one private cluster of three
nodes, started once for the module; each test imports into collections of its own there.
"""

from __future__ import annotations

import gzip
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from facesearch.face import FaceModels
from facesearch.face.embed import decision_for
from facesearch.library.find import Query, find_by_person, find_by_photo
from facesearch.library.index import index_folder
from facesearch.library.tag import Tagger
from facesearch.local.stack import settings_env
from facesearch.people.scan import scan_images
from facesearch.people.search import search_photo
from facesearch.people.sync import import_people
from facesearch.settings import ROOT, Settings
from facesearch.store.connection import connect, ensure_handles
from facesearch.store.transfer import KINDS, LIBRARY_FACE, LIBRARY_GROUP, LIBRARY_PHOTO, PERSON_FACE, collection_names
from facesearch.testing import own_collections
from facesearch.transfer import exportfile
from facesearch.transfer.exporting import export_file
from facesearch.transfer.importing import import_file
from tests.conftest import IMAGES, LOOK_FOR, Stack, private_cluster_settings, started

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]

SAMPLES = ROOT / "library" / "samples"
COUNTS = {PERSON_FACE: 8, LIBRARY_PHOTO: 6, LIBRARY_FACE: 13, LIBRARY_GROUP: 7}
"""The samples: 8 people enrolled; 6 library photos with 13 faces, of 7 of those people (a group each)."""
TOTAL = sum(COUNTS.values())
SIMILARITY = 0.001
"""How far two similarities (certainties, 0..1) of the same answer may differ between installs."""


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run([sys.executable, "-m", "facesearch", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)


def ok(done: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


def refused(done: subprocess.CompletedProcess) -> str:
    """The one sentence a refused command prints (exit 1, no traceback)."""
    assert done.returncode == 1, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr.strip().splitlines()[-1].removeprefix("error: ")


def held(settings: Settings) -> dict[str, int]:
    """Objects per kind in the install's collections (None when a collection does not exist)."""
    client = connect(settings)
    try:
        return {kind: len(client.collections.get(name)) if client.collections.exists(name) else None
                for kind, name in collection_names(settings).items()}
    finally:
        client.close()


def drop(settings: Settings) -> None:
    client = connect(settings)
    try:
        for name in collection_names(settings).values():
            client.collections.delete(name)
    finally:
        client.close()


@dataclass
class Source:
    """The one-node install exported, its export file, and what was measured."""

    settings: Settings
    file: Path
    timings: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def models() -> FaceModels:
    return FaceModels.detector_only("yunet")


@pytest.fixture(scope="module")
def source(stack: Stack, models: FaceModels, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    root = tmp_path_factory.mktemp("transfer-source")
    shutil.copytree(SAMPLES, root / "library" / "samples")
    settings = own_collections(stack.settings, "From", library_root=root / "library")
    client = connect(settings)
    try:
        handles = ensure_handles(client, settings)
        import_people(handles.people, scan_images(IMAGES))
        d = decision_for(settings)
        index_folder(handles.library, root / "library" / "samples", models=models,
                     tagger=Tagger(handles.people, d.threshold, d.margin, d.rule))
        s = Source(settings, root / "samples.jsonl.gz")
        started_at = time.perf_counter()
        exported = ok(cli(settings, "export", str(s.file)))
        s.timings["export"] = f"{time.perf_counter() - started_at:.1f} s (with the command's start)"
        assert exported.stdout.startswith(f"Exported 8 enrolled faces, 6 library photos with 13 faces to {s.file} in ")
        yield s
        print("\ntransfer timings: " + ", ".join(f"{k} {v}" for k, v in s.timings.items()))
    finally:
        drop(settings)
        client.close()


@dataclass
class Cluster:
    settings: Settings


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """A private cluster of three nodes with nothing imported; its library root holds a copy of the samples."""
    root = tmp_path_factory.mktemp("transfer-cluster")
    shutil.copytree(IMAGES, root / "images")
    settings = private_cluster_settings(root / "state", root / "images")
    shutil.copytree(SAMPLES, settings.library_root / "samples")
    with started(settings):
        yield Cluster(settings)


def answers(settings: Settings, models: FaceModels) -> dict[str, list]:
    """What the install answers: who is in every look_for photo (5 candidates per face: person, photo, certainty),
    and the library photos found with each look_for photo and each enrolled person (folder, path, box, tag,
    similarity)."""
    d = decision_for(settings)
    query = Query(d.library_threshold)
    client = connect(settings)
    try:
        handles = ensure_handles(client, settings).reading()
        got: dict[str, list] = {}
        for photo in sorted(p for p in LOOK_FOR.iterdir() if p.suffix in (".jpg", ".png")):
            data = photo.read_bytes()
            result = search_photo(models, handles.people, data, limit=5, threshold=d.threshold, margin=d.margin,
                                  rule=d.rule)
            got[f"search {photo.name}"] = [
                [(c.face.person_id, c.face.name, c.face.filename, c.certainty) for c in face.candidates]
                + [face.match.person_id if face.match else None]
                for face in result.faces
            ]
            found = find_by_photo(models, handles.library, data, query).matches
            got[f"find {photo.name}"] = [found_row(m) for m in found]
        for person in sorted(p.name for p in IMAGES.iterdir()):
            found = find_by_person(handles.people, handles.library, person, query)
            got[f"find {person}"] = [found_row(m) for m in found]
        return got
    finally:
        client.close()


def found_row(match) -> tuple:  # noqa: ANN001 - a library.find.Match
    f = match.face
    return (f.folder, f.path, tuple(f.box.to_json().values()), f.person_id, match.similarity)


def assert_same_answers(
    before: dict[str, list], after: dict[str, list], folders: tuple[str, str] | None = None
) -> None:
    """The same names, photos and boxes, similarities within SIMILARITY; library folders moved as `folders`
    (old, new) says."""
    assert after.keys() == before.keys()
    for key, was in before.items():
        now = after[key]
        assert len(now) == len(was), key
        for a, b in zip(was, now):
            if key.startswith("search"):
                assert [c[:3] for c in a[:-1]] == [c[:3] for c in b[:-1]] and a[-1] == b[-1], key
                assert all(abs(x[3] - y[3]) <= SIMILARITY for x, y in zip(a[:-1], b[:-1])), key
            else:
                folder = a[0].replace(*folders, 1) if folders else a[0]
                assert (folder, *a[1:4]) == b[:4], key
                assert abs(a[4] - b[4]) <= SIMILARITY, key


def test_the_answers_are_worth_comparing(source: Source, models: FaceModels) -> None:
    got = answers(source.settings, models)
    ted = got["search Ted_Lieu.jpg"][0]
    assert ted[-1] == "Ted_Lieu" and ted[0][1] == "Ted Lieu" and len(ted) == 6
    assert {row[1] for row in got["find Ted_Lieu"]} == {"2024/office-party.jpg", "2025/reunion.jpg"}
    assert any(row[3] for key, rows in got.items() if key.startswith("find") for row in rows)  # tagged faces


def test_one_node_into_three_nodes_gives_the_same_answers(source: Source, cluster: Cluster, models: FaceModels) -> None:
    started_at = time.perf_counter()
    done = ok(cli(cluster.settings, "import-data", str(source.file)))
    source.timings["import into 3 nodes"] = f"{time.perf_counter() - started_at:.1f} s (with the command's start)"
    assert f"Imported 8 enrolled faces, 6 library photos with 13 faces from {source.file} in " in done.stdout
    assert f": {TOTAL} written, 0 already there." in done.stdout
    assert "Verified: every object of the file is in Weaviate, and every face is found by its own vector" in done.stdout
    assert f"[{TOTAL}/{TOTAL}] verified" in done.stderr
    root = cluster.settings.library_root.resolve()
    assert f"warning: 1 library folder(s) are not under this install's library root {root} (" in done.stderr
    assert f"--library-root {source.settings.library_root.resolve()}={root}" in done.stderr
    assert held(cluster.settings) == COUNTS
    assert_same_answers(answers(source.settings, models), answers(cluster.settings, models))


def test_library_folders_move_to_another_root_with_the_ids_indexing_gives(
    source: Source, cluster: Cluster, models: FaceModels
) -> None:
    moved = own_collections(cluster.settings, "Moved")
    old, new = source.settings.library_root.resolve(), cluster.settings.library_root.resolve()
    try:
        done = ok(cli(moved, "import-data", str(source.file), "--library-root", f"{old}={new}"))
        assert "warning" not in done.stderr, done.stderr
        assert held(moved) == COUNTS
        got = answers(moved, models)
        found = [row for key, rows in got.items() if key.startswith("find") for row in rows]
        assert found and all(row[0] == str(new / "samples") for row in found)
        assert_same_answers(answers(source.settings, models), got, (str(old), str(new)))
        client = connect(moved)
        try:
            again = index_folder(ensure_handles(client, moved).library, new / "samples", models=models)
        finally:
            client.close()
        assert (again.new, again.changed, again.moved, again.removed, again.unchanged) == ([], [], [], [], 6)
        assert held(moved) == COUNTS
    finally:
        drop(moved)


def test_a_file_cut_short_is_refused_and_nothing_is_written(source: Source, cluster: Cluster, tmp_path: Path) -> None:
    target = own_collections(cluster.settings, "Cut")
    cut = tmp_path / "cut.jsonl.gz"
    data = source.file.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    assert refused(cli(target, "import-data", str(cut))) == (
        f"{cut} is incomplete: it ends before its last line (it was cut short while being written or copied); "
        "export it again."
    )
    assert held(target) == {kind: None for kind in KINDS}


def test_a_file_of_another_vector_space_is_refused_and_nothing_is_written(
    source: Source, cluster: Cluster, tmp_path: Path
) -> None:
    target = own_collections(cluster.settings, "Space")
    other = tmp_path / "other-space.jsonl.gz"
    reader = exportfile.ExportReader(source.file)
    header = replace(reader.header, space="hog/dlib_resnet(dlib_resnet@ceb6f1c9*1)")
    with exportfile.ExportWriter(other, header) as out:
        for entry in reader.entries():
            out.add(entry)
        out.finish()
    message = refused(cli(target, "import-data", str(other)))
    assert message.startswith(f"{other} holds vectors of the space hog/dlib_resnet(dlib_resnet@ceb6f1c9*1), but this "
                              "install's face vectorizer makes yunet/"), message
    assert held(target) == {kind: None for kind in KINDS}


class Stop(Exception):
    """Stands for a crash or Ctrl-C in the middle of a transfer."""


def stop_after_first(step: str):  # noqa: ANN201 - an on_progress callback
    def on_progress(at: str, done: int, total: int) -> None:
        if at == step:
            raise Stop(f"stopped at {done}/{total}")

    return on_progress


def test_an_import_stopped_half_way_is_finished_by_running_it_again(source: Source, cluster: Cluster) -> None:
    target = own_collections(cluster.settings, "Again")
    try:
        with pytest.raises(Stop):
            import_file(target, source.file, on_progress=stop_after_first("written"), chunk=5)
        first = held(target)
        assert 0 < sum(n or 0 for n in first.values()) < TOTAL, first

        done = ok(cli(target, "import-data", str(source.file)))
        before = sum(n or 0 for n in first.values())
        assert f": {TOTAL - before} written, {before} already there." in done.stdout, done.stdout
        assert held(target) == COUNTS

        twice = ok(cli(target, "import-data", str(source.file)))
        assert f": 0 written, {TOTAL} already there." in twice.stdout, twice.stdout
        assert held(target) == COUNTS
    finally:
        drop(target)


def test_an_export_stopped_half_way_goes_on_when_run_again(source: Source, tmp_path: Path) -> None:
    file = tmp_path / "again.jsonl.gz"
    with pytest.raises(Stop):
        export_file(source.settings, file, on_progress=stop_after_first(LIBRARY_PHOTO), every=3)
    assert not file.exists() and exportfile.partial_path(file).exists()

    done = ok(cli(source.settings, "export", str(file)))
    assert done.stdout.startswith("Went on from the 11 objects an earlier export had written."), done.stdout
    assert not exportfile.partial_path(file).exists()
    again, first = exportfile.ExportReader(file), exportfile.ExportReader(source.file)
    assert list(again.entries()) == list(first.entries())
    assert again.counted.counts == COUNTS


def test_an_export_refuses_to_write_over_a_file(source: Source) -> None:
    assert refused(cli(source.settings, "export", str(source.file))) == (
        f"{source.file} exists: name another file, or delete it first."
    )


def test_a_file_that_is_not_an_export_is_refused(cluster: Cluster, tmp_path: Path) -> None:
    other = tmp_path / "photo.jpg.gz"
    other.write_bytes(gzip.compress((LOOK_FOR / "Ted_Lieu.jpg").read_bytes()))
    assert refused(cli(cluster.settings, "import-data", str(other))) == (
        f"{other} is not a facesearch export (a file `python -m facesearch export` writes)."
    )


def test_three_nodes_back_into_one_node_give_the_same_answers(
    source: Source, cluster: Cluster, stack: Stack, models: FaceModels, tmp_path: Path
) -> None:
    """The cluster (imported into by the test above, or here) exported, and imported into the one node again."""
    if held(cluster.settings) != COUNTS:
        ok(cli(cluster.settings, "import-data", str(source.file)))
    file = tmp_path / "from-cluster.jsonl.gz"
    started_at = time.perf_counter()
    ok(cli(cluster.settings, "export", str(file)))
    source.timings["export from 3 nodes"] = f"{time.perf_counter() - started_at:.1f} s (with the command's start)"
    back = own_collections(stack.settings, "Back")
    try:
        ok(cli(back, "import-data", str(file)))
        assert held(back) == COUNTS
        assert_same_answers(answers(source.settings, models), answers(back, models))
    finally:
        drop(back)
